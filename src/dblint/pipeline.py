"""The pipeline behind a run: facts -> project index -> rules, for one project.

`engine` decides whether a run needs it at all (stored findings may answer), and
imports this module only then: it brings in LibCST, the index and every rule.
"""

from __future__ import annotations

import dataclasses
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from dblint.config import ConfigError, Settings
from dblint.contexts import ScriptLocation, find_script_locations
from dblint.diagnostics import Diagnostic
from dblint.facts import FileFacts, extract_facts
from dblint.facts.noqa import suppressed
from dblint.index import ProjectIndex, build_indexes
from dblint.index.databases import validate_safety_since
from dblint.index.reach import files_to_parse
from dblint.index.setting_targets import setting_problems
from dblint.packaging import ImportRoot, find_package_roots
from dblint.reading import read_facts
from dblint.rules import Rule, all_rules
from dblint.rules.internal import InternalError, UnparsableFile
from dblint.run_inputs import (
    ProjectFiles,
    ProjectRun,
    Request,
    find_files,
    reported_files,
    under_any,
)
from dblint.selection import ignored_for_file, is_enabled


def enabled_rules(settings: Settings) -> list[Rule]:
    return [rule() for rule in all_rules() if is_enabled(rule.code, rule.default, settings)]


@dataclass
class LoadedProject:
    """A repository's settings, files, facts and indexes (one per project): everything before the rules run."""

    root: Path
    settings: Settings
    python_files: frozenset[str]
    config_files: list[str]
    unreadable: list[tuple[str, str]]
    facts: list[FileFacts]
    indexes: tuple[ProjectIndex, ...]
    unreported: frozenset[str]  # excluded files: their facts count, their findings are not shown
    package_roots: tuple[ImportRoot, ...] = ()  # what packaging declares (`dblint.packaging`)
    # Per file, the cache keys of the facts it was indexed with: the first pass, then the
    # full parse when name resolution reached it (what `reading.unchanged_facts` compares).
    fact_keys: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)

    @property
    def index(self) -> ProjectIndex:
        """The index of a repository that is one project."""
        if len(self.indexes) != 1:
            raise ValueError(f"{self.root} holds {len(self.indexes)} projects: use `indexes`")
        return self.indexes[0]

    def with_source(self, rel: str, data: bytes, request: Request) -> LoadedProject:
        """The same project with one file's bytes replaced (an editor's unsaved buffer)."""
        replaced = extract_facts(
            rel, data, use_prefilter=False
        )  # one file: no prefilter to keep sound
        facts = [item for item in self.facts if item.path != rel] + [replaced]
        indexes = build_indexes(
            self.root,
            self.settings,
            facts,
            self.config_files,
            self.script_locations,
            self.package_roots,
        )
        return dataclasses.replace(
            self, python_files=self.python_files | {rel}, facts=facts, indexes=indexes
        )

    @property
    def script_locations(self) -> tuple[ScriptLocation, ...]:
        return tuple(
            sorted(
                {location for index in self.indexes for location in index.script_locations},
                key=_directory,
            )
        )


def _directory(location: ScriptLocation) -> str:
    return location.directory


def load_project(root: Path, request: Request, extra_files: Iterable[str] = ()) -> LoadedProject:
    """Discover, read and index one repository."""
    return load_files(find_files(root, request, extra_files), request)


def load_files(files: ProjectFiles, request: Request) -> LoadedProject:
    """Read and index a discovered repository."""
    root, settings = files.root, files.settings
    first_keys: dict[str, str] = {}
    facts = read_facts(root, sorted(files.python_files), settings, request, keys=first_keys)
    fact_keys: dict[str, tuple[str, ...]] = {rel: (key,) for rel, key in first_keys.items()}
    locations = find_script_locations(root, files.config_files, settings)
    package_roots = find_package_roots(root, [*files.config_files, *files.python_files])
    indexes = build_indexes(root, settings, facts, files.config_files, locations, package_roots)
    reached = (
        sorted({path for index in indexes for path in files_to_parse(index)})
        if request.use_prefilter
        else []
    )
    if reached:  # prefiltered files that name resolution can reach: parse them in full
        full_keys: dict[str, str] = {}
        quiet = dataclasses.replace(request, progress=None)
        replaced = dict(
            zip(reached, read_facts(root, reached, settings, quiet, reached, full_keys))
        )
        for rel, key in full_keys.items():
            fact_keys[rel] = (*fact_keys[rel], key)
        facts = [replaced.get(item.path, item) for item in facts]
        indexes = build_indexes(root, settings, facts, files.config_files, locations, package_roots)
    problems = setting_problems(indexes)
    if problems:
        raise ConfigError(f"{settings.config_path}: {problems[0]}")
    return LoadedProject(
        root,
        settings,
        files.python_files,
        files.config_files,
        files.unreadable,
        facts,
        indexes,
        files.unreported,
        package_roots,
        fact_keys,
    )


def check_project(
    project: LoadedProject, targets: list[Path], request: Request, tracebacks: list[str]
) -> ProjectRun:
    """Run the enabled rules, reporting on the files under `targets`."""
    root, settings = project.root, project.settings
    validate_safety_since(project.indexes)
    rel_targets, reported = reported_files(root, targets, project.python_files, project.unreported)
    diagnostics = [
        UnparsableFile().diagnostic(rel, 1, 1, f"cannot check: {reason}")
        for rel, reason in project.unreadable
        if under_any(rel, rel_targets)
    ]
    rules = enabled_rules(settings)
    for index in project.indexes:
        diagnostics += check(index, reported & index.files.keys(), rules, tracebacks)
    codes = {rule.code for rule in rules} | {InternalError.code}
    diagnostics = [d for d in diagnostics if d.code in codes]
    diagnostics = [d for d in diagnostics if not ignored_for_file(d.path, d.code, settings)]
    if request.apply_noqa:
        facts = {item.path: item for item in project.facts}
        diagnostics = [d for d in diagnostics if not _noqa_suppressed(d, facts.get(d.path))]
    return ProjectRun(
        root, settings, project.indexes, reported, _distinct(diagnostics), project.fact_keys
    )


def _distinct(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Sorted, each finding once: a shared package's file is checked within every project."""
    unique = {(d.sort_key(), d.rule): d for d in diagnostics}
    return sorted(unique.values(), key=Diagnostic.sort_key)


def check(
    index: ProjectIndex, reported: Iterable[str], rules: list[Rule], tracebacks: list[str]
) -> list[Diagnostic]:
    """Run the rules; a rule that raises becomes a DBL002 on the file it failed on."""
    found: list[Diagnostic] = []
    internal = InternalError()
    reported = frozenset(reported)
    for path in sorted(reported):
        facts = index.files[path]
        if facts.internal_error:
            tracebacks.append(facts.internal_error)
            last_line = facts.internal_error.strip().splitlines()[-1]
            found.append(
                internal.diagnostic(
                    path, 1, 1, f"internal error while reading the file: {last_line}"
                )
            )
        for rule in rules:
            try:
                found.extend(rule.check_file(facts, index))
            except Exception as error:  # noqa: BLE001 - any rule failure must not stop the run
                tracebacks.append(traceback.format_exc())
                found.append(internal.diagnostic(path, 1, 1, _internal_message(rule, error)))
    for rule in rules:
        try:
            found.extend(d for d in rule.check_project(index) if d.path in reported)
        except Exception as error:  # noqa: BLE001
            tracebacks.append(traceback.format_exc())
            anchor = min(reported, default="")
            if anchor:
                found.append(internal.diagnostic(anchor, 1, 1, _internal_message(rule, error)))
    return found


def _internal_message(rule: Rule, error: Exception) -> str:
    """`internal error in rule DBL101: ValueError: why`, on one line."""
    text = " ".join(str(error).split())
    return f"internal error in rule {rule.code}: {type(error).__name__}" + (
        f": {text}" if text else ""
    )


def _noqa_suppressed(diagnostic: Diagnostic, facts: Optional[FileFacts]) -> bool:
    if facts is None:
        return False

    return suppressed(facts.noqa, diagnostic.line, diagnostic.code)
