"""A project's findings, stored after a whole-project check and reused while no input changed.

Per-file facts (`cache.py`) spare a warm run the parsing, but it still decodes every
file's facts, builds the index and runs every rule. When nothing changed at all (the
usual state of the files around the one an editor or pre-commit asks about), the
findings are the same as last time: this module keeps them, so such a run costs the
discovery and one `stat` per file.

The findings are valid for the same dblint (every source file of the package), the same
settings and request, the same files, and each file with the size and mtime it had when
the storing run began. As for git's index, a file modified within `RACY_MARGIN_NS` of
that moment could change again without its mtime moving: a snapshot with such a file is
not stored, and the next run stores a trustworthy one.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Optional

from dblint import __version__
from dblint.cache import read_entry, source_digest, write_entry
from dblint.diagnostics import Diagnostic

RACY_MARGIN_NS = 2_000_000_000  # covers filesystems with 2 s timestamps (FAT)

FileState = tuple[str, int, int]  # project-relative path, size, mtime in ns (-1, -1: cannot stat)
_Stored = tuple[str, int, int, str, str, str, int, bool]  # a Diagnostic without its fix


@cache
def _code_fingerprint() -> str:
    """dblint's version and the bytes of every module of the package: any change to a rule counts."""
    package = Path(__file__).parent
    return source_digest(__version__, package.rglob("*.py"))


@dataclass(frozen=True)
class Inputs:
    """What a project's findings depend on, as seen before its files are read."""

    root: Path
    key: str  # settings and request flags, as text
    files: tuple[FileState, ...]
    started: int  # time.time_ns() before the first stat

    @classmethod
    def take(cls, root: Path, key: str, paths: Iterable[str]) -> Inputs:
        started = time.time_ns()
        return cls(root, key, tuple(_state(root, rel) for rel in sorted(set(paths))), started)

    def trustworthy(self) -> bool:
        """False when a file was changed too close to the start to be sure its mtime will tell."""
        return all(
            size >= 0 and mtime < self.started - RACY_MARGIN_NS for _, size, mtime in self.files
        )


def _state(root: Path, rel: str) -> FileState:
    try:
        status = os.stat(root / rel)
    except OSError:
        return (rel, -1, -1)
    return (rel, status.st_size, status.st_mtime_ns)


class Snapshots:
    """Stored findings in a cache directory, one entry per project root and settings."""

    def __init__(self, cache_directory: Path) -> None:
        self.directory = cache_directory / f"findings-{_code_fingerprint()}"

    def _path(self, inputs: Inputs) -> Path:
        name = hashlib.blake2b(
            f"{inputs.root}\0{inputs.key}".encode("utf-8", "surrogateescape"), digest_size=16
        )
        return self.directory / name.hexdigest()

    def load(self, inputs: Inputs) -> Optional[list[Diagnostic]]:
        """The findings stored for exactly these inputs, or None."""
        stored: Any = read_entry(self._path(inputs))  # None or any shape: checked below
        try:
            key, files, findings = stored
            if key != inputs.key or tuple(map(tuple, files)) != inputs.files:
                return None
            return [Diagnostic(*finding) for finding in findings]
        except (TypeError, ValueError):
            return None

    def store(self, inputs: Inputs, diagnostics: Iterable[Diagnostic]) -> None:
        """Keep the findings of a whole-project run (quietly nothing when the disk refuses)."""
        if not inputs.trustworthy():
            return
        findings: list[_Stored] = [
            (d.path, d.line, d.column, d.code, d.message, d.rule, d.end_line, d.fixable)
            for d in diagnostics
        ]
        write_entry(self._path(inputs), (inputs.key, inputs.files, findings))
