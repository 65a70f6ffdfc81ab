"""The one entry point adapters call: discover -> facts -> index -> rules.

Nothing here reads argv, the environment or stdout; the adapters pass in
everything (paths, settings, the directory paths are shown relative to).
"""

from __future__ import annotations

import dataclasses
import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, Optional

from dblint.cache import DEFAULT_DIRECTORY, FactsCache
from dblint.config import Settings, find_config, load_settings
from dblint.contexts import find_script_locations
from dblint.diagnostics import Diagnostic
from dblint.discover import discover, find_project_root, is_inside
from dblint.facts import FileFacts, extract_facts
from dblint.facts.batch import ReadOptions, available_cpus, read_files
from dblint.facts.noqa import suppresses
from dblint.index import ProjectIndex, build_index
from dblint.index.reach import files_to_parse
from dblint.pathmatch import matches
from dblint.rules import Rule, all_rules
from dblint.rules.internal import InternalError
from dblint.selection import ignored_for_file, is_enabled

SettingsOverride = Callable[[Settings], Settings]
# Called after each file is parsed with (files parsed, files in the project);
# the adapter draws it (a progress bar), the engine never writes to a stream.
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class Request:
    """What to check and how."""

    paths: tuple[Path, ...]
    config: Optional[Path] = None
    override: Optional[SettingsOverride] = None
    force_exclude: bool = False
    apply_noqa: bool = True
    use_prefilter: bool = True
    sources: Mapping[Path, bytes] = field(default_factory=dict)  # replace on-disk bytes (stdin)
    progress: Optional[ProgressCallback] = None
    jobs: Optional[int] = None  # worker processes for parsing; None = the CPUs available
    use_cache: bool = False  # the adapters turn it on; a library caller gets no writes
    cache_dir: Optional[Path] = None  # overrides the `cache-dir` setting (--cache-dir, DBLINT_CACHE_DIR)


@dataclass
class ProjectRun:
    """The outcome for one project root."""

    root: Path
    settings: Settings
    index: ProjectIndex
    reported: frozenset[str]  # project-relative paths findings are reported for
    diagnostics: list[Diagnostic]


@dataclass
class Result:
    runs: list[ProjectRun]
    tracebacks: list[str] = field(default_factory=list)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for run in self.runs for d in run.diagnostics]

    @property
    def internal_error(self) -> bool:
        return any(d.code == InternalError.code for d in self.diagnostics)

    @property
    def files_checked(self) -> int:
        return sum(len(run.reported) for run in self.runs)


def settings_for(root: Path, request: Request) -> Settings:
    """Defaults, then the config file, then the command line."""
    settings = load_settings(request.config or find_config(root))
    return request.override(settings) if request.override else settings


def enabled_rules(settings: Settings) -> list[Rule]:
    return [rule() for rule in all_rules() if is_enabled(rule.code, rule.default, settings)]


def run(request: Request) -> Result:
    """Check every project the requested paths belong to."""
    groups: dict[Path, list[Path]] = {}
    for path in request.paths:
        absolute = Path(os.path.abspath(path))
        groups.setdefault(find_project_root(absolute), []).append(absolute)
    result = Result(runs=[])
    for root in sorted(groups):
        result.runs.append(_run_project(root, groups[root], request, result.tracebacks))
    return result


def read_facts(root: Path, files: list[str], settings: Settings, request: Request, full: Iterable[str] = ()) -> list[FileFacts]:
    """Facts of `files` (cached, parsed in parallel), with size and read failures turned into `error`."""
    if request.use_cache:
        directory = request.cache_dir or root / (settings.cache_dir or DEFAULT_DIRECTORY)
        cache = FactsCache.open(directory)
    else:
        cache = None
    options = ReadOptions(settings.max_file_size, request.use_prefilter, request.jobs or available_cpus(), cache)
    return read_files(root, files, options, full=full, progress=request.progress)


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path != root else ""


@dataclass
class LoadedProject:
    """A project's settings, files, facts and index: everything before the rules run."""

    root: Path
    settings: Settings
    python_files: frozenset[str]
    config_files: list[str]
    unreadable: list[tuple[str, str]]
    facts: list[FileFacts]
    index: ProjectIndex

    def with_source(self, rel: str, data: bytes, request: Request) -> "LoadedProject":
        """The same project with one file's bytes replaced (an editor's unsaved buffer)."""
        replaced = extract_facts(rel, data, use_prefilter=False)  # one file: no prefilter to keep sound
        facts = [item for item in self.facts if item.path != rel] + [replaced]
        index = build_index(self.root, self.settings, facts, self.config_files, self.index.script_locations)
        return dataclasses.replace(self, python_files=self.python_files | {rel}, facts=facts, index=index)


def load_project(root: Path, request: Request, extra_files: Iterable[str] = ()) -> LoadedProject:
    """Discover, read and index one project."""
    settings = settings_for(root, request)
    found = discover(root, settings)
    python_files = set(found.python_files)
    excludes = settings.exclude + settings.extend_exclude
    real_root = os.path.realpath(root)
    for rel in extra_files:
        if request.force_exclude and excludes and matches(rel, excludes):
            continue
        if not is_inside(os.path.realpath(root / rel), real_root):
            found.unreadable.append((rel, "symbolic link to a file outside the project, not read"))
            continue
        python_files.add(rel)
    facts = read_facts(root, sorted(python_files), settings, request)
    locations = find_script_locations(root, found.config_files, settings)
    index = build_index(root, settings, facts, found.config_files, locations)
    reached = files_to_parse(index) if request.use_prefilter else []
    if reached:  # prefiltered files that name resolution can reach: parse them in full
        replaced = dict(zip(reached, read_facts(root, reached, settings, dataclasses.replace(request, progress=None), reached)))
        facts = [replaced.get(item.path, item) for item in facts]
        index = build_index(root, settings, facts, found.config_files, locations)
    return LoadedProject(root, settings, frozenset(python_files), found.config_files, found.unreadable, facts, index)


def check_project(project: LoadedProject, targets: list[Path], request: Request, tracebacks: list[str]) -> ProjectRun:
    """Run the enabled rules, reporting on the files under `targets`."""
    root, settings, index = project.root, project.settings, project.index
    rel_targets = [_rel(target, root) for target in targets]
    explicit_files = [rel for rel, target in zip(rel_targets, targets) if rel and not target.is_dir()]
    reported = frozenset(_reported_paths(rel_targets, explicit_files, project.python_files))
    diagnostics = [
        Diagnostic(rel, 1, 1, "DBL001", f"cannot check: {reason}", "unparsable-file")
        for rel, reason in project.unreadable
        if _under_any(rel, rel_targets)
    ]
    rules = enabled_rules(settings)
    diagnostics += check(index, reported, rules, tracebacks)
    codes = {rule.code for rule in rules} | {InternalError.code}
    diagnostics = [d for d in diagnostics if d.code in codes]
    diagnostics = [d for d in diagnostics if not ignored_for_file(d.path, d.code, settings)]
    if request.apply_noqa:
        diagnostics = [d for d in diagnostics if not _noqa_suppressed(d, index)]
    diagnostics.sort(key=Diagnostic.sort_key)
    return ProjectRun(root, settings, index, reported, diagnostics)


def _run_project(root: Path, targets: list[Path], request: Request, tracebacks: list[str]) -> ProjectRun:
    explicit = [_rel(target, root) for target in targets if target != root and not target.is_dir()]
    project = load_project(root, request, explicit)
    for target in targets:
        data = request.sources.get(target)
        if data is not None:
            project = project.with_source(_rel(target, root), data, request)
    return check_project(project, targets, request, tracebacks)


def _reported_paths(rel_targets: list[str], explicit_files: list[str], python_files: Iterable[str]) -> Iterable[str]:
    directories = [rel for rel in rel_targets if rel not in explicit_files]
    yield from (rel for rel in explicit_files if rel in python_files)
    yield from (path for path in python_files if _under_any(path, directories))


def _under_any(path: str, directories: list[str]) -> bool:
    return any(not directory or path == directory or path.startswith(directory + "/") for directory in directories)


def check(index: ProjectIndex, reported: frozenset[str], rules: list[Rule], tracebacks: list[str]) -> list[Diagnostic]:
    """Run the rules; a rule that raises becomes a DBL002 on the file it failed on."""
    found: list[Diagnostic] = []
    internal = InternalError()
    for path in sorted(reported):
        facts = index.files[path]
        if facts.internal_error:
            tracebacks.append(facts.internal_error)
            last_line = facts.internal_error.strip().splitlines()[-1]
            found.append(internal.diagnostic(path, 1, 1, f"internal error while reading the file: {last_line}"))
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
    return f"internal error in rule {rule.code}: {type(error).__name__}" + (f": {text}" if text else "")


def _noqa_suppressed(diagnostic: Diagnostic, index: ProjectIndex) -> bool:
    facts = index.files.get(diagnostic.path)
    if facts is None:
        return False
    # Noqa facts already cover every line of a multi-line string, as flake8's do.
    return any(noqa.line == diagnostic.line and suppresses(noqa, diagnostic.code) for noqa in facts.noqa)
