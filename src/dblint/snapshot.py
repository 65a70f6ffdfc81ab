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

With the findings go the cache keys of every file's facts. When only some Python files
changed, `previous` hands them back, and the engine keeps the findings if those files'
facts are still what the keys hold (issue 17 part 4: an edit that leaves the facts alone,
a comment or a function body the index does not read, costs one file's parse). When those
facts only moved by whole lines (`facts.moves`), the findings move with them (`moved`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from dblint import __version__
from dblint.cache import read_entry, source_digest, write_entry
from dblint.diagnostics import Diagnostic
from dblint.rulecodes import INTERNAL_ERROR, UNREADABLE_FILE

if TYPE_CHECKING:  # the facts model is slow to import; a run that reuses findings needs none of it
    from dblint.facts.moves import LineMoves

RACY_MARGIN_NS = 2_000_000_000  # covers filesystems with 2 s timestamps (FAT)
# Findings placed at the top of a file whatever its facts say (unreadable file, internal error).
FILE_LEVEL_CODES = frozenset({UNREADABLE_FILE, INTERNAL_ERROR})
# A message naming a line without a file's path: an inline `MetaData()` ("app.db:MetaData()@12:5"),
# a guard ("if at line 12").
_UNPATHED_LINE = re.compile(r"@\d+:\d|\blines? \d")

FileState = tuple[str, int, int]  # project-relative path, size, mtime in ns (-1, -1: cannot stat)
_Stored = tuple[str, int, int, str, str, str, int, bool]  # a Diagnostic without its fix
FactKeys = Mapping[str, tuple[str, ...]]  # path -> cache keys of the facts it was indexed with


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

    def _read(self, inputs: Inputs) -> Optional[tuple[list[Diagnostic], Stored]]:
        """The entry stored for these settings, whatever the files were then (None: none usable)."""
        stored: Any = read_entry(self._path(inputs))  # None or any shape: checked below
        try:
            key, files, findings, fact_keys = stored
            if key != inputs.key:
                return None
            entry = Stored(
                tuple((str(rel), int(size), int(mtime)) for rel, size, mtime in files),
                {str(rel): tuple(map(str, keys)) for rel, keys in fact_keys},
            )
            return [Diagnostic(*finding) for finding in findings], entry
        except (TypeError, ValueError):
            return None

    def load(self, inputs: Inputs) -> Optional[list[Diagnostic]]:
        """The findings stored for exactly these inputs, or None."""
        found = self._read(inputs)
        if found is None or found[1].files != inputs.files:
            return None
        return found[0]

    def previous(self, inputs: Inputs) -> Optional[Previous]:
        """The findings stored for the same files when only Python files whose facts'
        keys were kept changed (not a config file, not the set of files), else None."""
        found = self._read(inputs)
        if found is None:
            return None
        findings, entry = found
        if [state[0] for state in entry.files] != [state[0] for state in inputs.files]:
            return None
        changed = {old[0] for old, now in zip(entry.files, inputs.files) if old != now}
        if not changed or not changed <= entry.fact_keys.keys():
            return None
        return Previous(findings, {rel: entry.fact_keys[rel] for rel in changed}, entry.fact_keys)

    def store(self, inputs: Inputs, diagnostics: Iterable[Diagnostic], fact_keys: FactKeys) -> None:
        """Keep the findings of a whole-project run (quietly nothing when the disk refuses)."""
        if not inputs.trustworthy():
            return
        findings: list[_Stored] = [
            (d.path, d.line, d.column, d.code, d.message, d.rule, d.end_line, d.fixable)
            for d in diagnostics
        ]
        keys = tuple(sorted(fact_keys.items()))
        write_entry(self._path(inputs), (inputs.key, inputs.files, findings, keys))


def moved(findings: list[Diagnostic], moves: Mapping[str, LineMoves]) -> Optional[list[Diagnostic]]:
    """`findings` with those of each moved file moved as its facts moved, or None when that
    cannot be sure: a finding that does not start where a fact of the file started, a finding
    placed at the file's top whatever its facts, or a message that names a line of a moved
    file (findings depend on a file only through its facts, and no rule judges a line number
    other than by its order, so findings move with the facts they were found at).
    """
    if not moves:
        return findings
    named = tuple(f"{path}:" for path in moves)
    result: list[Diagnostic] = []
    for finding in findings:
        if any(name in finding.message for name in named) or _UNPATHED_LINE.search(finding.message):
            return None
        move = moves.get(finding.path)
        if move is None:
            result.append(finding)
            continue
        if finding.code in FILE_LEVEL_CODES or (finding.line, finding.column) not in move.places:
            return None
        end_line = move.lines.get(finding.end_line) if finding.end_line else 0
        if end_line is None:
            return None
        result.append(
            dataclasses.replace(finding, line=move.lines[finding.line], end_line=end_line)
        )
    return result


@dataclass(frozen=True)
class Stored:
    """What a stored entry says of the files: their states then, and their facts' keys."""

    files: tuple[FileState, ...]
    fact_keys: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Previous:
    """Stored findings whose inputs differ only in Python files, with those files' facts' keys then."""

    findings: list[Diagnostic]
    changed: dict[str, tuple[str, ...]]
    fact_keys: dict[str, tuple[str, ...]]
