"""What a run is given and gives per project, shared by the engine and the pipeline.

The request, a project's settings and files before any is read, which files findings
are reported for, and the outcome for one project. The engine decides whether stored
findings answer a request; the pipeline computes them; both import this module, and
neither imports the other at module level.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from dblint.cache import DEFAULT_DIRECTORY
from dblint.config import Settings, find_config, load_settings
from dblint.diagnostics import Diagnostic
from dblint.discover import discover, is_inside, nested_config_roots, without_nested
from dblint.pathmatch import matches
from dblint.snapshot import FactKeys, Inputs

if TYPE_CHECKING:
    from dblint.index import ProjectIndex

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


def settings_for(root: Path, request: Request) -> Settings:
    """Defaults, then the config file, then the command line."""
    settings = load_settings(request.config or find_config(root))
    return request.override(settings) if request.override else settings


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
    templates: tuple[str, ...] = ()  # project templates with Python files, not checked

    def inputs(self, request: Request) -> Inputs:
        """What the project's findings depend on, for the stored snapshot."""
        key = f"{self.settings!r}\0{request.use_prefilter}\0{request.apply_noqa}\0{sorted(self.unreadable)!r}"
        return Inputs.take(self.root, key, [*self.python_files, *self.config_files])


def find_files(
    root: Path,
    request: Request,
    extra_files: Iterable[str] = (),
    named: Collection[str] = (),
    shallow: bool = False,
) -> ProjectFiles:
    """Settings and discovery, plus files named on the command line that discovery skips.

    An excluded file is reported on only when named on the command line without
    `--force-exclude` (as ruff does); its facts count either way. `named`: every path
    named on the command line, project-relative (a project template in it is checked).
    `shallow`: only the files directly in `root` are read (`discover`)."""
    settings = settings_for(root, request)
    found = discover(root, settings, named, shallow=shallow)
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
        tuple(found.templates),
    )  # fmt: skip


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
