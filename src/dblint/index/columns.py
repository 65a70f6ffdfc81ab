"""Reading one column declaration from its call summary.

Public API (stable; used by the model registry and by the migration replay):

- `ColumnSpec`: what one `Column(...)` / `mapped_column(...)` / SQLModel `Field(...)`
  declares. `name` is None when it comes from the attribute (ORM). `type_name` is the
  qualified name of the SQL type when known (`sqlalchemy.Integer`), else the dotted
  text as written; `family` is its type family (`index.types`), "unknown" when no
  type is given (`mapped_column()` relying on `Mapped[...]`, a Core FK column taking
  the referenced column's type). `foreign_key` is the target as written in
  `ForeignKey("table.col")` / `Field(foreign_key="schema.table.col")`. For the
  non-literal forms (`ForeignKey(User.id)`, `ForeignKey(users.c.id)`) `foreign_key`
  is None and `foreign_key_ref` holds the qualified dotted reference
  (`app.models.User.id`, `app.tables.users.c.id`) for the caller to resolve.
  `line`/`column` are those of the call.
- `column_from_expr(expr, qualify, family_of=family_of_type_name) -> ColumnSpec | None`:
  None when `expr` is no column declaration. `qualify` maps a dotted name as written
  in the file (`sa.Integer`, `PG_UUID`) to its qualified name
  (`sqlalchemy.Integer`, `sqlalchemy.dialects.postgresql.UUID`); `family_of` maps a
  qualified type name to a family (the model registry passes one that also knows the
  project's TypeDecorator subclasses).
- `COLUMN_CALLS`, `is_column_call(qualified)`: which callees declare columns.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Optional

from dblint.facts.model import Expr
from dblint.index.types import UNKNOWN, TypeFamily, family_of_type_name

COLUMN_CALLS = frozenset({"Column", "mapped_column"})
# Positional arguments of Column() that are schema items, not the type.
SCHEMA_ITEMS = frozenset(
    {
        "ForeignKey",
        "Sequence",
        "Identity",
        "Computed",
        "CheckConstraint",
        "FetchedValue",
        "DefaultClause",
        "UniqueConstraint",
        "Index",
        "PrimaryKeyConstraint",
        "ForeignKeyConstraint",
        "text",
        "func",
        "literal",
    }
)
# Libraries whose `Column` / `Field` are no SQLAlchemy columns.
_FOREIGN_LIBRARIES = frozenset(
    {
        "pandera",
        "pyspark",
        "polars",
        "pandas",
        "marshmallow",
        "pydantic",
        "attr",
        "attrs",
        "dataclasses",
        "peewee",
        "django",
        "tortoise",
        "mongoengine",
        "piccolo",
        "ormar",
        "pony",
        "dash",
        "rich",
        "textual",
        "strawberry",
        "graphene",
        "wtforms",
        "msgspec",
        "beanie",
        "odmantic",
        "sqlite_utils",
        "dataset",
    }
)

Qualify = Callable[[str], str]


@dataclass(frozen=True)
class ColumnSpec:
    name: Optional[str]
    type_name: Optional[str]
    family: TypeFamily
    nullable: Optional[bool]
    primary_key: bool
    foreign_key: Optional[str]
    index: bool
    unique: bool
    line: int
    column: int
    foreign_key_ref: Optional[str] = None
    server_default: bool = False
    client_default: bool = False
    type_expr: Optional[Expr] = (
        None  # the type as written (`UUID(as_uuid=False)`): its arguments change what it returns
    )
    # A `ForeignKey(...)` / `Field(foreign_key=...)` is written, whether or not its target can be
    # read (`ForeignKey(Policy.id_field_path)`, a computed path: the column has a key all the same).
    declares_foreign_key: bool = False
    # SQLModel's `Field(sa_column=Column(...))`: the column is used as given, so the annotation
    # says nothing of its nullability (a `Column` is nullable unless it says otherwise).
    as_given: bool = False


def _last(qualified: str) -> str:
    return qualified.rsplit(".", 1)[-1]


def is_column_call(qualified: str) -> bool:
    """True for `sqlalchemy.Column`, `mapped_column`, `db.Column`, `sqlmodel.Field`."""
    if not qualified:
        return False
    top = qualified.split(".", 1)[0]
    if top in _FOREIGN_LIBRARIES:
        return False
    last = _last(qualified)
    if last in COLUMN_CALLS:
        return True
    return last == "Field" and top == "sqlmodel"


def _flag(expr: Expr, name: str) -> Optional[bool]:
    value = expr.keyword(name)
    if value is not None and value.kind == "const" and value.text in ("True", "False"):
        return value.text == "True"
    return None


def type_name_of(expr: Expr, qualify: Qualify) -> Optional[str]:
    """The qualified name of a type expression (`String(50)`, `sa.Integer`, `UUID(as_uuid=True)`)."""
    if expr.kind not in ("name", "call") or not expr.text:
        return None
    written = expr.text.split("()", 1)[0]
    return qualify(written) or written


def written_target(target: Expr) -> Optional[str]:
    """A literal `"table.col"` target; None for one computed by an f-string or template (`f"{name}.id"`)."""
    return None if "{" in target.text else target.text


def _foreign_key(expr: Expr, qualify: Qualify) -> tuple[Optional[str], Optional[str]]:
    """(target as written, qualified reference) of a `ForeignKey(...)` call's first argument."""
    target = expr.args[0] if expr.args else expr.keyword("column")
    if target is None:
        return None, None
    if target.kind == "str":
        return written_target(target), None
    if target.kind == "name":
        head, _, rest = target.text.partition(".")
        qualified_head = qualify(head) or head
        return None, f"{qualified_head}.{rest}" if rest else qualified_head
    return None, None


def column_from_expr(
    expr: Expr, qualify: Qualify, family_of: Callable[[str], TypeFamily] = family_of_type_name
) -> Optional[ColumnSpec]:
    """Read a Column(...)/sa.Column/db.Column/mapped_column(...)/Field(...) call summary."""
    if expr.kind != "call" or not expr.text:
        return None
    callee = qualify(expr.text) or expr.text
    if not is_column_call(callee):
        return None
    if _last(callee) == "Field":
        return _from_field(expr, qualify, family_of)
    name = expr.args[0].text if expr.args and expr.args[0].kind == "str" else None
    type_expr = type_argument(expr, qualify)
    foreign_key: Optional[str] = None
    reference: Optional[str] = None
    declares_foreign_key = False
    for arg in expr.args:
        if (
            arg.kind == "call"
            and _last(qualify(arg.text.split("()", 1)[0]) or arg.text) == "ForeignKey"
        ):
            foreign_key, reference = _foreign_key(arg, qualify)
            declares_foreign_key = True
    explicit_name = expr.keyword("name")
    if name is None and explicit_name is not None and explicit_name.kind == "str":
        name = explicit_name.text
    type_name = type_name_of(type_expr, qualify) if type_expr is not None else None
    return ColumnSpec(
        name=name,
        type_name=type_name,
        family=family_of(type_name) if type_name else UNKNOWN,
        nullable=_flag(expr, "nullable"),
        primary_key=bool(_flag(expr, "primary_key")),
        foreign_key=foreign_key,
        index=bool(_flag(expr, "index")),
        unique=bool(_flag(expr, "unique")),
        line=expr.line,
        column=expr.column,
        foreign_key_ref=reference,
        server_default=expr.keyword("server_default") is not None,
        client_default=expr.keyword("default") is not None or expr.keyword("onupdate") is not None,
        type_expr=type_expr,
        declares_foreign_key=declares_foreign_key,
    )


def type_argument(expr: Expr, qualify: Qualify) -> Optional[Expr]:
    """The SQL type argument of a column call: `type_=`, the first positional argument that is
    not the column name or a schema item, or SQLModel `Field(sa_type=...)`."""
    if _last(qualify(expr.text) or expr.text) == "Field":
        return expr.keyword("sa_type")
    explicit = expr.keyword("type_")
    if explicit is not None:
        return explicit
    for position, arg in enumerate(expr.args):
        if (
            (position == 0 and arg.kind == "str")
            or arg.kind not in ("name", "call")
            or not arg.text
        ):
            continue
        if _last(qualify(arg.text.split("()", 1)[0]) or arg.text) not in SCHEMA_ITEMS:
            return arg
    return None


def _from_field(
    expr: Expr, qualify: Qualify, family_of: Callable[[str], TypeFamily]
) -> Optional[ColumnSpec]:
    """SQLModel `Field(...)`: keywords, or the `sa_column=Column(...)` it wraps."""
    inner = expr.keyword("sa_column")
    if inner is not None:
        wrapped = column_from_expr(inner, qualify, family_of)
        if wrapped is not None:
            return dataclasses.replace(wrapped, as_given=True)
    foreign = expr.keyword("foreign_key")
    sa_type = expr.keyword("sa_type")
    type_name = type_name_of(sa_type, qualify) if sa_type is not None else None
    has_default = bool(expr.args) or any(
        key in ("default", "default_factory") for key, _ in expr.keywords
    )
    return ColumnSpec(
        name=None,
        type_name=type_name,
        family=family_of(type_name) if type_name else UNKNOWN,
        nullable=_flag(expr, "nullable"),
        primary_key=bool(_flag(expr, "primary_key")),
        foreign_key=written_target(foreign)
        if foreign is not None and foreign.kind == "str"
        else None,
        index=bool(_flag(expr, "index")),
        unique=bool(_flag(expr, "unique")),
        line=expr.line,
        column=expr.column,
        server_default=_has_server_default(expr),
        client_default=has_default,
        type_expr=sa_type,
        declares_foreign_key=foreign is not None,
    )


def _has_server_default(expr: Expr) -> bool:
    kwargs = expr.keyword("sa_column_kwargs")
    return (
        kwargs is not None
        and kwargs.kind == "dict"
        and kwargs.keyword("server_default") is not None
    )
