"""What a fix changes, as plain data: expressions to replace and imports to add.

A `Fix` travels on a `Diagnostic` from the rule that planned it to the adapter
that applies it, so it holds positions and source text only, never syntax nodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

CALL, NAME = "call", "name"
# Edits of a call of `old` that is a statement of its own: add the keyword argument `new`
# (`name=value`), or wrap the statement in `with <new>:`.
ADD_KEYWORD, WRAP_IN_WITH = "add-keyword", "wrap-in-with"


@dataclass(frozen=True, order=True)
class Replacement:
    """Replace the expression starting at `line`:`column` (1-based), which must be
    a call of `old` (kind "call") or the dotted name `old` (kind "name"), by `new`;
    or edit that call as `ADD_KEYWORD` / `WRAP_IN_WITH` say."""

    line: int
    column: int
    kind: str
    old: str
    new: str


@dataclass(frozen=True, order=True)
class ImportNeed:
    """`from module import name [as alias]`, or `import module` when name is None."""

    module: str
    name: Optional[str] = None
    alias: Optional[str] = None

    @property
    def local(self) -> str:
        """The name the import binds."""
        return self.alias or self.name or self.module.split(".", 1)[0]


@dataclass(frozen=True, order=True)
class Fix:
    """One finding's fix: what it does (for humans) and the edits of its file."""

    description: str
    replacements: tuple[Replacement, ...]
    imports: tuple[ImportNeed, ...] = ()
