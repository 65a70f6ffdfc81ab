"""Planning the fix of a foreign key column's type (DBL301) or annotation (DBL304).

DBL301: the referencing column takes the referenced column's type. Its explicit
SQL type (`Column(PG_UUID(as_uuid=True), ...)`, `mapped_column(String(36), ...)`,
`Field(sa_type=...)`, `Field(sa_column=Column(...))`) is replaced by the referenced
column's type expression, and a `Mapped[...]` / SQLModel annotation that then
disagrees is changed to the matching Python type; a column typed by its annotation
alone (`user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(...))`) gets the
Python type of the referenced column.
DBL304: when the SQL type agrees with the column the foreign key references, the
annotation is the wrong side and takes the Python type of the SQL type.

A fix is planned only when it is safe: the new type is a plain expression (a name
or attribute chain, or a call of one with literal arguments), it can be written
in the target file (`spelling`), and the expression to replace is a plain name.
Otherwise the planner returns a `Refusal` saying why.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Union

from dblint.facts.model import Expr, FileFacts
from dblint.fixes.model import CALL, NAME, Fix, ImportNeed, Replacement
from dblint.fixes.spelling import Refusal, Spellings
from dblint.index.columns import type_argument
from dblint.index.names import Names
from dblint.index.tables import ColumnDef, TableDef
from dblint.index.types import TRAITS, UNKNOWN, TypeFamily, annotation_fits, python_family

if TYPE_CHECKING:
    from dblint.index import ProjectIndex

Plan = Union[Fix, Refusal]
Edit = tuple[Replacement, Optional[ImportNeed]]  # one replacement and the import it needs

_WRAPPERS = frozenset({"deferred", "column_property"})
_NULLABLE_WRAPPERS = frozenset({"Optional", "Union"})


@dataclass(frozen=True)
class Site:
    """Where a column is declared: its column call and annotation, as facts."""

    path: str
    module: str
    scope: str
    call: Optional[Expr]
    annotation: Optional[Expr]


@dataclass(frozen=True)
class NewType:
    """A type to write: its qualified name, the rest of its source (`(36)`), a preferred alias."""

    qualified: str
    arguments: str = ""
    alias: Optional[str] = None


def _last(dotted: str) -> str:
    return dotted.rsplit(".", 1)[-1]


def _column_name(table: TableDef, column: ColumnDef) -> str:
    return f"{table.full_name}.{column.name}"


# -- finding declarations in the facts -------------------------------------------


def _walk(expr: Optional[Expr]) -> Iterator[Expr]:
    if expr is None:
        return
    yield expr
    for arg in expr.args:
        yield from _walk(arg)
    for _, value in expr.keywords:
        yield from _walk(value)


def _column_call(value: Optional[Expr], names: Names, module: str, scope: str) -> Optional[Expr]:
    """The `Column`/`mapped_column`/`Field` call of an attribute value (through `deferred(...)`, `sa_column=`)."""
    if value is None or value.kind != "call":
        return None
    if _last(value.text) in _WRAPPERS and value.args:
        value = value.args[0]
    if _last(names.qualify(module, value.text, scope)) == "Field":
        inner = value.keyword("sa_column")
        if inner is not None and inner.kind == "call":
            return inner
    return value


def find_site(index: ProjectIndex, names: Names, column: ColumnDef) -> Optional[Site]:
    """The declaration of `column` in its file: an ORM/SQLModel attribute or a `Column(...)` inside `Table(...)`."""
    facts: Optional[FileFacts] = index.files.get(column.path)
    if facts is None:
        return None
    module = index.module_of(column.path)
    position = (column.line, column.column)
    for cls in facts.classes:
        for attr in cls.attrs:
            if (attr.line, attr.column) == position and attr.name == column.key:
                call = _column_call(attr.value, names, module, cls.scope)
                return Site(column.path, module, cls.scope, call, attr.annotation)
        for method in cls.methods:  # `@declared_attr def user_id(cls): return Column(...)`
            if method.line == column.line and method.name == column.key:
                call = _column_call(method.value, names, module, cls.scope)
                return Site(column.path, module, cls.scope, call, None)
    values = [(b.value, b.scope) for b in facts.bindings] + [
        (attr.value, cls.scope) for cls in facts.classes for attr in cls.attrs
    ]
    for value, scope in values:
        for expr in _walk(value):
            if expr.kind == "call" and (expr.line, expr.column) == position:
                return Site(column.path, module, scope, expr, None)
    return None


def type_expr(call: Expr, names: Names, module: str, scope: str) -> Optional[Expr]:
    """The SQL type argument of a column call, exactly as the index reads it."""
    return type_argument(call, lambda dotted: names.qualify(module, dotted, scope))


# -- the new type ------------------------------------------------------------------


def _literal(expr: Expr) -> Optional[str]:
    """Source of a literal argument, or None when it is not a plain literal."""
    if expr.kind == "const":
        return expr.text
    if expr.kind == "str" and not any(
        ch in expr.text for ch in "{}\n\r"
    ):  # `{}`: maybe an f-string
        return json.dumps(expr.text, ensure_ascii=False)
    return None


def _plain(text: str) -> bool:
    return bool(text) and all(part.isidentifier() for part in text.split("."))


def written(expr: Expr) -> str:
    """A readable rendering of a type expression for messages."""
    if expr.kind == "call":
        parts = [_literal(arg) or "..." for arg in expr.args]
        parts += [f"{key}={_literal(value) or '...'}" for key, value in expr.keywords]
        return f"{expr.text}({', '.join(parts)})"
    return expr.text or "(expression)"


def _arguments(expr: Expr) -> Optional[str]:
    """`(36)` / `(as_uuid=True)` for a call with literal arguments, "" for a name, None otherwise."""
    if expr.kind == "name":
        return "" if _plain(expr.text) else None
    if expr.kind != "call" or not _plain(expr.text):
        return None
    values = [_literal(arg) for arg in expr.args] + [_literal(value) for _, value in expr.keywords]
    if any(value is None for value in values):
        return None
    keys = [""] * len(expr.args) + [f"{key}=" for key, _ in expr.keywords]
    return "(" + ", ".join(f"{key}{value}" for key, value in zip(keys, values)) + ")"


def referenced_type(
    index: ProjectIndex, names: Names, target_table: TableDef, target: ColumnDef
) -> Union[NewType, Refusal]:
    """The type expression of the referenced column, when it is plain enough to copy."""
    site = find_site(index, names, target)
    expr = (
        type_expr(site.call, names, site.module, site.scope)
        if site is not None and site.call is not None
        else None
    )
    if site is not None and expr is not None:
        arguments = _arguments(expr)
        if arguments is None:
            return Refusal(f"the referenced type {written(expr)} is not a plain type expression")
        head = expr.text
        alias = head if "." not in head else None
        return NewType(names.qualify(site.module, head, site.scope), arguments, alias)
    name = _column_name(target_table, target)
    if not target.typed:
        return Refusal(f"the type of {name} is itself taken from a foreign key")
    traits = TRAITS[target.family]
    if target.type_name is None and traits.default_sql is not None:
        return NewType(traits.default_sql)
    if target.type_name and traits.argument_free and "." in target.type_name:
        return NewType(target.type_name)
    return Refusal(f"the type of {name} comes from a type_annotation_map entry")


# -- annotations ---------------------------------------------------------------------


def _annotation_leaf(expr: Optional[Expr], names: Names, module: str, scope: str) -> Optional[Expr]:
    """The Python type inside `Mapped[Optional[X]]`, `X | None`, `Annotated[X, ...]`; None when not plain."""
    if expr is None:
        return None
    if expr.kind == "name":
        return expr
    if expr.kind == "op" and expr.text == "|":
        real = [arg for arg in expr.args if not (arg.kind == "const" and arg.text == "None")]
        return _annotation_leaf(real[0], names, module, scope) if len(real) == 1 else None
    if expr.kind == "subscript" and expr.args:
        head = _last(names.qualify(module, expr.text, scope))
        if head in ("Mapped", "Annotated"):
            return _annotation_leaf(expr.args[0], names, module, scope)
        if head in _NULLABLE_WRAPPERS:
            real = [arg for arg in expr.args if not (arg.kind == "const" and arg.text == "None")]
            return _annotation_leaf(real[0], names, module, scope) if len(real) == 1 else None
    return None


def annotation_family(site: Site, names: Names) -> TypeFamily:
    """The family of the plain Python type in the site's annotation ("unknown" when not plain)."""
    leaf = _annotation_leaf(site.annotation, names, site.module, site.scope)
    if leaf is None:
        return UNKNOWN
    return python_family(names.qualify(site.module, leaf.text, site.scope))


def annotation_edit(
    spellings: Spellings, site: Site, family: TypeFamily, name: str
) -> Union[Edit, Refusal]:
    """Replace the Python type in the site's annotation by the one standing for `family`."""
    python = next(iter(TRAITS[family].annotations), None)
    if python is None:
        return Refusal(f"no plain Python type stands for {family}")
    leaf = _annotation_leaf(site.annotation, spellings.names, site.module, site.scope)
    if (
        leaf is None
        or python_family(spellings.qualify(site.module, leaf.text, site.scope)) == UNKNOWN
    ):
        return Refusal(f"the annotation of {name} is not a plain Python type")
    spelled = spellings.spell(site.path, site.scope, python)
    if isinstance(spelled, Refusal):
        return Refusal(f"the Python type {python} cannot be imported safely: {spelled}")
    return Replacement(leaf.line, leaf.column, NAME, leaf.text, spelled.text), spelled.need


# -- plans -----------------------------------------------------------------------------


def _fix(description: str, edits: list[Edit]) -> Fix:
    imports = sorted({need for _, need in edits if need is not None})
    return Fix(description, tuple(sorted(edit for edit, _ in edits)), tuple(imports))


def _returned(column: ColumnDef) -> TypeFamily:
    """The family a `Mapped[...]` annotation of the column must name: what its type returns (a
    `TypeDecorator` stored as CHAR(36) may return `uuid.UUID`), else its SQL family."""
    return next(iter(column.returns)) if len(column.returns) == 1 else column.family


def plan_type_fix(
    index: ProjectIndex,
    table: TableDef,
    column: ColumnDef,
    target_table: TableDef,
    target: ColumnDef,
) -> Plan:
    """DBL301: give `column` the type of the column its foreign key references."""
    spellings = Spellings.of(index)
    names = spellings.names
    name = _column_name(table, column)
    site = find_site(index, names, column)
    if site is None:
        return Refusal(f"the declaration of {name} was not found")
    new = referenced_type(index, names, target_table, target)
    if isinstance(new, Refusal):
        return new
    family = target.family
    current = (
        type_expr(site.call, names, site.module, site.scope) if site.call is not None else None
    )
    edits: list[Edit] = []
    if current is not None:
        if not _plain(current.text) or current.kind not in ("name", "call"):
            return Refusal(f"the type {written(current)} of {name} is not a plain expression")
        spelled = spellings.spell(site.path, site.scope, new.qualified, new.alias)
        shown = _last(new.qualified) + new.arguments
        if isinstance(spelled, Refusal):
            return Refusal(f"the referenced type {shown} cannot be imported safely: {spelled}")
        kind = CALL if current.kind == "call" else NAME
        edits.append(
            (
                Replacement(
                    current.line, current.column, kind, current.text, spelled.text + new.arguments
                ),
                spelled.need,
            )
        )
        description = f"{name}: {written(current)} -> {spelled.text + new.arguments}"
        annotated = annotation_family(site, names) if site.annotation is not None else UNKNOWN
        returned = _returned(target)
        fits = annotation_fits(annotated, target.returns) if target.returns else False
        if annotated not in (UNKNOWN, returned) and not fits:
            changed = annotation_edit(spellings, site, returned, name)
            if isinstance(changed, Refusal):
                return changed
            edits.append(changed)
    else:
        changed = annotation_edit(spellings, site, family, name)
        if isinstance(changed, Refusal):
            return changed
        edits.append(changed)
        description = f"{name}: annotation {changed[0].old} -> {changed[0].new}"
    return _fix(description, edits)


def plan_annotation_fix(index: ProjectIndex, table: TableDef, column: ColumnDef) -> Plan:
    """DBL304 on a foreign key column whose SQL type agrees with the referenced key: fix the annotation."""
    spellings = Spellings.of(index)
    name = _column_name(table, column)
    site = find_site(index, spellings.names, column)
    if site is None:
        return Refusal(f"the declaration of {name} was not found")
    changed = annotation_edit(spellings, site, _returned(column), name)
    if isinstance(changed, Refusal):
        return changed
    return _fix(f"{name}: annotation {changed[0].old} -> {changed[0].new}", [changed])


def plan_outcome(plan: Plan) -> tuple[Optional[Fix], str]:
    """The fix a finding carries, or the note saying why none is offered."""
    if isinstance(plan, Refusal):
        return None, f"no automatic fix: {plan}"
    return plan, ""
