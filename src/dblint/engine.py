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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from dblint.diagnostics import Diagnostic
from dblint.discover import find_checked_root, is_markerless
from dblint.rulecodes import INTERNAL_ERROR
from dblint.run_inputs import (
    ProjectFiles,
    ProjectRun,
    Request,
    cache_directory,
    find_files,
    rel_path,
    reported_files,
    under_any,
)
from dblint.snapshot import Inputs, Snapshots, moved

__all__ = ["INTERNAL_ERROR", "ProjectRun", "Request", "Result", "run", "stored_run"]


@dataclass
class Result:
    runs: list[ProjectRun]
    tracebacks: list[str] = field(default_factory=list)
    templates: list[Path] = field(default_factory=list)  # skipped project templates

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for run in self.runs for d in run.diagnostics]

    @property
    def internal_error(self) -> bool:
        return any(d.code == INTERNAL_ERROR for d in self.diagnostics)

    @property
    def files_checked(self) -> int:
        return sum(len(run.reported) for run in self.runs)


def run(request: Request) -> Result:
    """Check every project the requested paths belong to; a directory below a checked one
    with its own `[tool.dblint]` is checked as its own project, with its own settings."""
    groups: dict[Path, list[Path]] = {}
    # A path's checked root depends on its directory only (the walk up starts there): one walk
    # per directory, not per file named (pre-commit names every changed file).
    roots: dict[Path, Path] = {}
    for path in request.paths:
        absolute = Path(os.path.abspath(path))
        directory = absolute if absolute.is_dir() else absolute.parent
        if directory not in roots:
            roots[directory] = find_checked_root(absolute, request.config is not None)
        groups.setdefault(roots[directory], []).append(absolute)
    result = Result(runs=[])
    done: set[Path] = set()
    while len(done) < len(groups):
        root = min(set(groups) - done)  # a nested project sorts after the one it is found in
        done.add(root)
        named = [rel_path(target, root) for target in groups[root] if target != root]
        files = find_files(
            root,
            request,
            _explicit_files(root, groups[root]),
            named=named,
            shallow=_loose(root, groups[root]),
        )
        result.runs.append(_run_project(files, groups[root], request, result.tracebacks))
        result.templates += [
            root / template
            for template in files.templates
            if any(is_within(root / template, target) for target in groups[root])
        ]
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


def _loose(root: Path, targets: list[Path]) -> bool:
    """Files named in a directory no project marker claims (a script in `/tmp`): their findings
    need the files beside them, never a walk of everything below that directory."""
    return all(target != root and not target.is_dir() for target in targets) and is_markerless(root)


def _explicit_files(root: Path, targets: list[Path]) -> list[str]:
    return [rel_path(target, root) for target in targets if target != root and not target.is_dir()]


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
    """The stored findings, when the Python files changed since have the same facts as then,
    or the same facts on other lines (the findings then move with them)."""
    previous = snapshots.previous(inputs)
    if previous is None:
        return None
    from dblint import reading  # noqa: PLC0415 - reading facts, only when findings may be kept

    unchanged = reading.unchanged_facts(files, request, previous.changed)
    if unchanged is None:
        return None
    new_keys, moves = unchanged
    findings = moved(previous.findings, moves)
    if findings is None:
        return None
    snapshots.store(inputs, findings, {**previous.fact_keys, **new_keys})
    return findings


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
