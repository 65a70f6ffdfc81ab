"""Whether a file's new facts are its old ones moved down or up by whole lines.

An edit that adds or removes lines the extractor does not read (a comment, a blank line, a
longer docstring, a statement in a function body) changes no fact of a file but the line
numbers of those below it. `line_moves` recognises that case: every field other than a line
number is equal (columns included) and the old line numbers map onto the new ones in the
same order. The engine then moves the stored findings of that file instead of computing
the project again (issue 17 part 4).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional

from dblint.facts.model import FileFacts

_LINE_FIELDS = frozenset({"line", "end_line", "doc_line"})


@dataclasses.dataclass(frozen=True)
class LineMoves:
    """Old line -> new line for every line a fact of the file sits on, and the (line, column)
    places where a fact of the file starts, in old line numbers."""

    lines: dict[int, int]
    places: frozenset[tuple[int, int]]

    @property
    def moved(self) -> bool:
        return any(old != new for old, new in self.lines.items())

    def merged(self, other: LineMoves) -> Optional[LineMoves]:
        """Both maps at once (a file's first pass and its full parse), None when they disagree."""
        lines = dict(self.lines)
        for old, new in other.lines.items():
            if lines.setdefault(old, new) != new:
                return None
        return _in_order(lines, self.places | other.places)


def line_moves(old: FileFacts, new: FileFacts) -> Optional[LineMoves]:
    """How `old`'s lines moved to give `new` (the path aside), None when anything else differs,
    the lines changed order or either file could not be read."""
    if old.error is not None or new.error is not None:
        return None  # a syntax error's place is not a fact's: nothing to move by
    lines: dict[int, int] = {}
    places: set[tuple[int, int]] = set()
    if not _match(dataclasses.replace(old, path=new.path), new, lines, places):
        return None
    return _in_order(lines, frozenset(places))


def _in_order(lines: dict[int, int], places: frozenset[tuple[int, int]]) -> Optional[LineMoves]:
    """The moves when distinct old lines stay distinct and in order (line 0, "no line", stays)."""
    if lines.get(0, 0) != 0:
        return None
    news = [lines[old] for old in sorted(lines)]
    if any(earlier >= later for earlier, later in zip(news, news[1:])):
        return None
    return LineMoves(lines, places)


def _match(old: Any, new: Any, lines: dict[int, int], places: set[tuple[int, int]]) -> bool:
    if type(old) is not type(new):
        return False
    if isinstance(old, tuple):
        return len(old) == len(new) and all(_match(a, b, lines, places) for a, b in zip(old, new))
    if not dataclasses.is_dataclass(old):
        return bool(old == new)
    for field in dataclasses.fields(old):
        before, after = getattr(old, field.name), getattr(new, field.name)
        if field.name in _LINE_FIELDS:
            if lines.setdefault(before, after) != after:
                return False
        elif not _match(before, after, lines, places):
            return False
    if hasattr(old, "line") and hasattr(old, "column"):
        places.add((old.line, old.column))
    return True
