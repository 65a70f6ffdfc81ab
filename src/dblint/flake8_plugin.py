"""The flake8 adapter: `flake8 --select DBL` shows what `dblint check` shows.

flake8 calls the plugin once per file. The plugin finds the file's project
root, loads and indexes that project once per flake8 process, and checks the
text flake8 gives it (stdin's text when an editor lints an unsaved buffer).
flake8 never reads pyproject.toml, so `[tool.dblint]` is loaded here; noqa
comments are left to flake8.
"""

from __future__ import annotations

import dataclasses
import io
import os
import tokenize
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Optional, Sequence

from flake8.style_guide import Decision, DecisionEngine

from dblint import __version__
from dblint.cache import chosen_directory
from dblint.config import ConfigError
from dblint.diagnostics import Diagnostic
from dblint.discover import find_project_root
from dblint.engine import ProjectRun, Request, run
from dblint.facts.source import SourceError, decode
from dblint.pathmatch import matches
from dblint.rules import all_rules

if TYPE_CHECKING:
    from dblint.pipeline import LoadedProject

_Message = tuple[int, int, str, type]


# flake8 runs its own worker processes, so the plugin parses in the one it is given.
_REQUEST = Request(
    paths=(), apply_noqa=False, jobs=1, use_cache=True, cache_dir=chosen_directory(None, os.environ), use_snapshot=True
)


class _Project:
    """One project's findings by path, computed (or read from the stored snapshot) once per process."""

    def __init__(self, root: Path) -> None:
        self.run: ProjectRun = run(dataclasses.replace(_REQUEST, paths=(root,))).runs[0]
        self.by_path: dict[str, list[Diagnostic]] = {}
        for diagnostic in self.run.diagnostics:
            self.by_path.setdefault(diagnostic.path, []).append(diagnostic)
        self._loaded: Optional[LoadedProject] = None

    def with_buffer(self, rel: str, source: str) -> list[Diagnostic]:
        """Findings of `rel` when its text is `source` instead of what is on disk."""
        from dblint.pipeline import check_project, load_project  # noqa: PLC0415 - only for unsaved buffers

        if self._loaded is None:
            self._loaded = load_project(self.run.root, _REQUEST)
        project = self._loaded.with_source(rel, _encoded(source), _REQUEST)
        return check_project(project, [self.run.root / rel], _REQUEST, []).diagnostics


_projects: dict[Path, _Project] = {}
_roots: dict[Path, Path] = {}  # directory -> its project root, looked up once per directory


def _root_of(path: Path) -> Path:
    directory = path.parent
    if directory not in _roots:
        _roots[directory] = find_project_root(path)
    return _roots[directory]


def _project(root: Path) -> _Project:
    if root not in _projects:
        _projects[root] = _Project(root)
    return _projects[root]


class Plugin:
    """flake8 extension entry point (code prefix `DBL`)."""

    name = "dblint"
    version = __version__
    active = True

    def __init__(self, tree: Any, filename: str, lines: Sequence[str]) -> None:
        self.filename = filename
        self.lines = lines

    @classmethod
    def parse_options(cls, options: Any) -> None:
        """Stay idle when no DBL code is selected (`flake8 --select F`)."""
        try:
            decider = DecisionEngine(options)
            cls.active = any(decider.decision_for(rule.code) is Decision.Selected for rule in all_rules())
        except (AttributeError, TypeError, ValueError):
            cls.active = True

    def run(self) -> Iterator[_Message]:
        if not self.active:
            return
        path = Path(os.path.abspath(self.filename))
        root = _root_of(path)
        try:
            project = _project(root)
        except ConfigError as error:
            yield 1, 0, f"DBL001 dblint configuration error: {error}", type(self)
            return
        rel = path.relative_to(root).as_posix()
        settings = project.run.settings
        excludes = settings.exclude + settings.extend_exclude
        if excludes and matches(rel, excludes):
            return  # flake8 found the file itself; `[tool.dblint]` excludes it, as `dblint check .` does
        source = "".join(self.lines)
        if rel not in project.run.reported or _differs(path, source):
            diagnostics = project.with_buffer(rel, source)
        else:
            diagnostics = project.by_path.get(rel, [])
        for diagnostic in diagnostics:
            yield diagnostic.line, diagnostic.column - 1, f"{diagnostic.code} {diagnostic.message}", type(self)


def _differs(path: Path, source: str) -> bool:
    """True when flake8's text is not the file on disk (stdin, unsaved buffer)."""
    try:
        on_disk = path.read_bytes()
    except OSError:
        return True
    try:
        text = decode(on_disk)
    except SourceError:
        # flake8 reads what Python cannot decode as latin-1; the same file then keeps dblint's DBL001.
        text = on_disk.decode("latin-1").replace("\r\n", "\n").replace("\r", "\n")
    return text != source.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


def _encoded(source: str) -> bytes:
    """The text as bytes in the encoding its coding cookie declares, so dblint decodes it back unchanged."""
    data = source.encode("utf-8")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return source.encode(encoding)
    except (SyntaxError, LookupError, UnicodeEncodeError):
        return data
