"""A revision file's identity and parents, read from its facts as Alembic reads them.

`revision_header(facts)` reads `revision` / `down_revision` / `depends_on` /
`branch_labels` from the module-level bindings (plain or annotated), falling back
to the docstring's `Revision ID:` / `Revises:` lines as Alembic's templates write them
(`alembic_ops` keeps them). No LibCST here: the index and the rules import this.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Optional

from dblint.facts.model import Binding, Expr, FileFacts

HEADER_NAMES = ("revision", "down_revision", "branch_labels", "depends_on")


@dataclass(frozen=True)
class HeaderValue:
    """One header variable: its literal strings (None when not a literal), where it is, its expression."""

    values: Optional[tuple[str, ...]]
    line: int
    column: int
    expr: Expr


@dataclass(frozen=True)
class RevisionHeader:
    """A revision file's identity and parents, as Alembic reads them."""

    revision: str
    down_revisions: tuple[str, ...]
    down_known: bool  # False when `down_revision` is not a literal Alembic could be read from
    depends_on: tuple[str, ...]
    branch_labels: tuple[str, ...]
    revision_line: int
    revision_column: int
    down_line: int
    down_column: int
    depends_line: int
    depends_column: int
    # `branch_labels` when it is no literal (`(cli.EXPAND_BRANCH,)`): the index resolves its names.
    labels_expr: Optional[Expr] = None

    @property
    def is_root(self) -> bool:
        return self.down_known and not self.down_revisions


def _literal(expr: Optional[Expr]) -> Optional[tuple[str, ...]]:
    """("a",) for "a", () for None, "" or an empty display, ("a", "b") for ("a", "b"); None otherwise.

    Empty strings are dropped: Alembic reads `depends_on = ""` as no dependency.
    """
    if expr is None:
        return None
    if expr.kind == "str":
        return (expr.text,) if expr.text else ()
    if expr.kind == "const" and expr.text == "None":
        return ()
    if expr.kind == "list" and all(arg.kind == "str" for arg in expr.args):
        return tuple(arg.text for arg in expr.args if arg.text)
    return None


def _header_values(bindings: Iterable[Binding]) -> dict[str, HeaderValue]:
    found: dict[str, HeaderValue] = {}
    for binding in bindings:
        if not binding.scope and binding.name in HEADER_NAMES and binding.value is not None:
            found[binding.name] = HeaderValue(
                _literal(binding.value), binding.line, binding.column, binding.value
            )
    return found


def revision_header(facts: FileFacts) -> Optional[RevisionHeader]:
    """The header of a revision file; None when it declares no revision id."""
    values = _header_values(facts.bindings)
    migration = facts.migration
    revision = values.get("revision")
    revision_id = (
        revision.values[0] if revision and revision.values and len(revision.values) == 1 else None
    )
    if revision_id is None and migration is not None:
        revision_id = migration.doc_revision
    if not revision_id:
        return None
    line, column = (
        (revision.line, revision.column)
        if revision
        else (migration.doc_line if migration else 1, 1)
    )
    down = values.get("down_revision")
    down_values = down.values if down else None
    if down_values is None and migration is not None and migration.doc_revises is not None:
        down_values = migration.doc_revises
    down_line, down_column = (down.line, down.column) if down else (line, column)
    depends = values.get("depends_on")
    labels = values.get("branch_labels")
    return RevisionHeader(
        revision=revision_id,
        down_revisions=tuple(dict.fromkeys(down_values or ())),
        down_known=down_values is not None,
        depends_on=tuple(dict.fromkeys(depends.values or ())) if depends else (),
        branch_labels=(labels.values or ()) if labels else (),
        revision_line=line,
        revision_column=column,
        down_line=down_line,
        down_column=down_column,
        depends_line=depends.line if depends else down_line,
        depends_column=depends.column if depends else down_column,
        labels_expr=labels.expr if labels and labels.values is None else None,
    )
