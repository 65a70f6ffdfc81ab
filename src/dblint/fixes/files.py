"""From a run's findings to file changes: plan them, show them as a diff, write them.

The adapters call these; nothing here reads argv or writes to a stream.
Writes are atomic (a temporary file in the same directory, then `os.replace`)
and keep the file's permission bits.
"""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dblint.diagnostics import Diagnostic
from dblint.facts.source import SourceError, decode
from dblint.fixes.apply import FixError, apply_fixes


@dataclass(frozen=True)
class FileChange:
    """The new content of one file and the findings it fixes."""

    path: Path  # absolute
    shown: str  # the path as reports show it
    before: bytes
    after: bytes
    fixed: tuple[Diagnostic, ...]


def plan_changes(
    runs: Iterable[tuple[Path, list[Diagnostic]]], cwd: Path
) -> tuple[list[FileChange], list[str]]:
    """The changes the findings' fixes make, per file, and one line per file that cannot be fixed.

    `runs` holds each project root with its findings (paths relative to the root)."""
    grouped: dict[Path, list[Diagnostic]] = {}
    for root, diagnostics in runs:
        for diagnostic in diagnostics:
            if diagnostic.fix is not None:
                grouped.setdefault(root / diagnostic.path, []).append(diagnostic)
    changes: list[FileChange] = []
    problems: list[str] = []
    for path in sorted(grouped):
        shown = Path(os.path.relpath(path, cwd)).as_posix()
        found = sorted(grouped[path], key=Diagnostic.sort_key)
        try:
            before = path.read_bytes()
            after = apply_fixes(before, [d.fix for d in found if d.fix is not None])
        except (OSError, FixError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            problems.append(f"{shown}: not fixed: {reason}")
            continue
        if after != before:
            changes.append(FileChange(path, shown, before, after, tuple(found)))
    return changes, problems


def unified_diff(change: FileChange) -> str:
    """A unified diff of one change, with `a/` and `b/` prefixes as git writes them."""
    try:
        before, after = decode(change.before), decode(change.after)
    except SourceError:
        before = change.before.decode("utf-8", "replace")
        after = change.after.decode("utf-8", "replace")
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        f"a/{change.shown}",
        f"b/{change.shown}",
    )
    return "".join(
        line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
        for line in lines
    )


def write_atomically(path: Path, data: bytes) -> None:
    """Replace the file's content in one step, keeping its mode."""
    mode = stat.S_IMODE(path.stat().st_mode)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".dblint-tmp", dir=path.parent
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
