"""The flake8 adapter: `flake8 --select DBL` shows what `dblint check` shows.

flake8 calls the plugin once per file. The plugin finds the file's project
root, loads and indexes that project once per flake8 process, and checks the
text flake8 gives it (stdin's text when an editor lints an unsaved buffer).
flake8 never reads pyproject.toml, so `[tool.dblint]` is loaded here; noqa
comments are left to flake8.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator, Sequence

from dblint import __version__
from dblint.config import ConfigError
from dblint.discover import find_project_root
from dblint.engine import LoadedProject, Request, check_project, load_project

_Message = tuple[int, int, str, type]
_REQUEST = Request(paths=(), apply_noqa=False)
_projects: dict[Path, LoadedProject] = {}


def _project(root: Path) -> LoadedProject:
    if root not in _projects:
        _projects[root] = load_project(root, _REQUEST)
    return _projects[root]


class Plugin:
    """flake8 extension entry point (code prefix `DBL`)."""

    name = "dblint"
    version = __version__

    def __init__(self, tree: Any, filename: str, lines: Sequence[str]) -> None:
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[_Message]:
        path = Path(os.path.abspath(self.filename))
        root = find_project_root(path)
        try:
            project = _project(root)
        except ConfigError as error:
            yield 1, 0, f"DBL001 dblint configuration error: {error}", type(self)
            return
        rel = path.relative_to(root).as_posix()
        source = "".join(self.lines)
        known = project.index.files.get(rel)
        if known is None or _differs(path, source):
            project = project.with_source(rel, source.encode("utf-8"), _REQUEST)
        result = check_project(project, [path], _REQUEST, [])
        for diagnostic in result.diagnostics:
            yield diagnostic.line, diagnostic.column - 1, f"{diagnostic.code} {diagnostic.message}", type(self)


def _differs(path: Path, source: str) -> bool:
    """True when flake8's text is not the file on disk (stdin, unsaved buffer)."""
    try:
        on_disk = path.read_bytes()
    except OSError:
        return True
    return on_disk.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff") != source.replace(
        "\r\n", "\n"
    )
