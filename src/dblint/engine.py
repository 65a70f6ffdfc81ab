"""The one entry point adapters call: discover -> facts -> index -> rules.

Nothing here reads argv, the environment or stdout; the adapters pass in
everything (paths, settings, the directory paths are shown relative to).
This module finds each project's settings and files; when the findings stored
for exactly those inputs answer the request (`snapshot`), that is the whole run,
otherwise `pipeline` (LibCST, the index, the rules: slow to import) computes them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from dblint.cache import DEFAULT_DIRECTORY
from dblint.config import Settings, find_config, load_settings
from dblint.diagnostics import Diagnostic
from dblint.discover import (
    discover,
    find_checked_root,
    is_inside,
    nested_config_roots,
    without_nested,
)
from dblint.pathmatch import matches
from dblint.snapshot import FactKeys, Inputs, Snapshots

if TYPE_CHECKING:
    from dblint.index import ProjectIndex

INTERNAL_ERROR = (
    "DBL002"  # rules/internal.py's code, named here so a run from stored findings loads no rule
)

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
    cache_dir: Optional[Path] = (
        None  # overrides the `cache-dir` setting (--cache-dir, DBLINT_CACHE_DIR)
    )
    use_snapshot: bool = False  # reuse a whole project's stored findings (only findings are needed)


@dataclass
class ProjectRun:
    """The outcome for one project root."""

    root: Path
    settings: Settings
    indexes: tuple[
        ProjectIndex, ...
    ]  # one per project of the repository; none when the findings were stored
    reported: frozenset[str]  # project-relative paths findings are reported for
    diagnostics: list[Diagnostic]
    fact_keys: FactKeys = field(default_factory=dict)  # what the findings were computed from


@dataclass
class Result:
    runs: list[ProjectRun]
    tracebacks: list[str] = field(default_factory=list)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for run in self.runs for d in run.diagnostics]

    @property
    def internal_error(self) -> bool:
        return any(d.code == INTERNAL_ERROR for d in self.diagnostics)

    @property
    def files_checked(self) -> int:
        return sum(len(run.reported) for run in self.runs)


def settings_for(root: Path, request: Request) -> Settings:
    """Defaults, then the config file, then the command line."""
    settings = load_settings(request.config or find_config(root))
    return request.override(settings) if request.override else settings


def run(request: Request) -> Result:
    """Check every project the requested paths belong to; a directory below a checked one
    with its own `[tool.dblint]` is checked as its own project, with its own settings."""
    groups: dict[Path, list[Path]] = {}
    for path in request.paths:
        absolute = Path(os.path.abspath(path))
        groups.setdefault(find_checked_root(absolute, request.config is not None), []).append(
            absolute
        )
    result = Result(runs=[])
    done: set[Path] = set()
    while len(done) < len(groups):
        root = min(set(groups) - done)  # a nested project sorts after the one it is found in
        done.add(root)
        files = find_files(root, request, _explicit_files(root, groups[root]))
        result.runs.append(_run_project(files, groups[root], request, result.tracebacks))
        for nested in files.nested_roots:
            directory = root / nested
            if directory not in groups.get(directory, []) and any(
                is_within(directory, target) for target in groups[root]
            ):
                groups.setdefault(directory, []).append(directory)
    result.runs.sort(key=lambda project: project.root)
    return result


def is_within(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def _explicit_files(root: Path, targets: list[Path]) -> list[str]:
    return [rel_path(target, root) for target in targets if target != root and not target.is_dir()]


def cache_directory(root: Path, settings: Settings, request: Request) -> Optional[Path]:
    """Where this run may keep its cache, or None (`--no-cache`, or a library caller)."""
    if not request.use_cache:
        return None
    return request.cache_dir or root / (settings.cache_dir or DEFAULT_DIRECTORY)


def rel_path(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path != root else ""


@dataclass
class ProjectFiles:
    """A project's settings and the files it is made of, before any is read."""

    root: Path
    settings: Settings
    python_files: frozenset[str]
    config_files: list[str]
    unreadable: list[tuple[str, str]]
    unreported: frozenset[str] = frozenset()  # excluded files: read for facts, no findings shown
    named_excluded: frozenset[str] = (
        frozenset()
    )  # excluded files named on the command line, reported
    nested_roots: tuple[
        str, ...
    ] = ()  # directories with their own [tool.dblint]: projects of their own

    def inputs(self, request: Request) -> Inputs:
        """What the project's findings depend on, for the stored snapshot."""
        key = f"{self.settings!r}\0{request.use_prefilter}\0{request.apply_noqa}\0{sorted(self.unreadable)!r}"
        return Inputs.take(self.root, key, [*self.python_files, *self.config_files])


def find_files(root: Path, request: Request, extra_files: Iterable[str] = ()) -> ProjectFiles:
    """Settings and discovery, plus files named on the command line that discovery skips.

    An excluded file is reported on only when named on the command line without
    `--force-exclude` (as ruff does); its facts count either way."""
    settings = settings_for(root, request)
    found = discover(root, settings)
    nested = [] if request.config is not None else nested_config_roots(root, found.config_files)
    found = without_nested(found, nested)
    python_files = set(found.python_files)
    excludes = settings.exclude + settings.extend_exclude
    excluded = set(found.excluded)
    named_excluded: set[str] = set()
    real_root = os.path.realpath(root)
    for rel in extra_files:
        if excludes and matches(rel, excludes):
            excluded.add(rel)
            if not request.force_exclude:
                named_excluded.add(rel)
        if not is_inside(os.path.realpath(root / rel), real_root):
            found.unreadable.append((rel, "symbolic link to a file outside the project, not read"))
            continue
        python_files.add(rel)
    return ProjectFiles(
        root, settings, frozenset(python_files), found.config_files, found.unreadable,
        frozenset(excluded - named_excluded), frozenset(named_excluded), tuple(nested),
    )  # fmt: skip


def _run_project(
    files: ProjectFiles, targets: list[Path], request: Request, tracebacks: list[str]
) -> ProjectRun:
    root = files.root
    snapshots = _snapshots(files, request)
    if snapshots is None:
        return _computed_run(files, targets, request, tracebacks)
    inputs = files.inputs(request)
    stored = snapshots.load(inputs)
    if stored is not None:
        return stored_run(files, stored, targets)
    kept = _kept_findings(files, request, snapshots, inputs)
    if kept is not None:
        return stored_run(files, kept, targets)
    # Stored findings are all a check needs from here: the index is freed before the next project.
    whole = dataclasses.replace(_computed_run(files, [root], request, tracebacks), indexes=())
    if not any(
        d.code == INTERNAL_ERROR for d in whole.diagnostics
    ):  # a dblint bug is not a result to keep
        snapshots.store(inputs, whole.diagnostics, whole.fact_keys)
    return whole if targets == [root] else stored_run(files, whole.diagnostics, targets)


def _kept_findings(
    files: ProjectFiles, request: Request, snapshots: Snapshots, inputs: Inputs
) -> Optional[list[Diagnostic]]:
    """The stored findings, when the Python files changed since have the same facts as then."""
    previous = snapshots.previous(inputs)
    if previous is None:
        return None
    from dblint import reading  # noqa: PLC0415 - reading facts, only when findings may be kept

    new_keys = reading.unchanged_facts(files, request, previous.changed)
    if new_keys is None:
        return None
    snapshots.store(inputs, previous.findings, {**previous.fact_keys, **new_keys})
    return previous.findings


def _computed_run(
    files: ProjectFiles, targets: list[Path], request: Request, tracebacks: list[str]
) -> ProjectRun:
    from dblint import pipeline  # noqa: PLC0415 - the slow import, only when findings must be computed

    project = pipeline.load_files(files, request)
    for target in targets:
        data = request.sources.get(target)
        if data is not None:
            project = project.with_source(rel_path(target, files.root), data, request)
    return pipeline.check_project(project, targets, request, tracebacks)


def _snapshots(files: ProjectFiles, request: Request) -> Optional[Snapshots]:
    """The stored findings to use, when this request needs nothing but findings of files on disk."""
    if not request.use_snapshot or request.sources or files.named_excluded:
        return None  # the stored whole-project findings leave excluded files out
    directory = cache_directory(files.root, files.settings, request)
    return Snapshots(directory) if directory is not None else None


def stored_run(
    files: ProjectFiles, diagnostics: list[Diagnostic], targets: list[Path]
) -> ProjectRun:
    """The part of a whole project's findings that falls under `targets`."""
    rel_targets, reported = reported_files(
        files.root, targets, files.python_files, files.unreported
    )
    kept = [
        d
        for d in diagnostics
        if d.path in reported
        or (d.path not in files.python_files and under_any(d.path, rel_targets))
    ]
    return ProjectRun(files.root, files.settings, (), reported, kept)


def reported_files(
    root: Path, targets: list[Path], python_files: frozenset[str], unreported: frozenset[str]
) -> tuple[list[str], frozenset[str]]:
    """The targets relative to `root`, and the Python files findings are reported for."""
    rel_targets = [rel_path(target, root) for target in targets]
    explicit_files = [
        rel for rel, target in zip(rel_targets, targets) if rel and not target.is_dir()
    ]
    return rel_targets, frozenset(
        _reported_paths(rel_targets, explicit_files, python_files)
    ) - unreported


def _reported_paths(
    rel_targets: list[str], explicit_files: list[str], python_files: Iterable[str]
) -> Iterable[str]:
    directories = [rel for rel in rel_targets if rel not in explicit_files]
    yield from (rel for rel in explicit_files if rel in python_files)
    yield from (path for path in python_files if under_any(path, directories))


def under_any(path: str, directories: list[str]) -> bool:
    return any(
        not directory or path == directory or path.startswith(directory + "/")
        for directory in directories
    )
