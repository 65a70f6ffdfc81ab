"""Whether PostgreSQL rewrites a table to change a column's type (`ALTER COLUMN ... TYPE`).

PostgreSQL changes a type in place, without rewriting the table or rebuilding its
indexes, only when the old type is binary-coercible to the new one and the new one
accepts every old value: `VARCHAR(n)` to `VARCHAR(m >= n)`, `VARCHAR(n)` or `TEXT` to
unlimited `VARCHAR` or to `TEXT`; `NUMERIC(p, s)` to `NUMERIC(q >= p, s)` or unconstrained `NUMERIC`. Every
other change rewrites the table under an ACCESS EXCLUSIVE lock.

Types are read from the summaries of `type_=` / `existing_type=` expressions
(`sa.String(50)`, `sa.VARCHAR(length=50)`, `postgresql.NUMERIC(10, 2)`). A `with_variant` type is
read as PostgreSQL gets it: the variant a last `with_variant(..., "postgresql")` names, else unknown.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Optional

from dblint.facts.model import Expr

_VARCHAR = frozenset({"string", "varchar", "unicode", "nvarchar", "autostring"})
_TEXT = frozenset({"text", "unicodetext"})
_NUMERIC = frozenset({"numeric", "decimal"})
_FAMILY_KINDS = {
    **dict.fromkeys(_VARCHAR, "varchar"),
    **dict.fromkeys(_TEXT, "text"),
    **dict.fromkeys(_NUMERIC, "numeric"),
    # SQLAlchemy's generic types and the PostgreSQL types they compile to: one type, two spellings
    # (autogenerate writes `existing_type=postgresql.TIMESTAMP()` for a model's `sa.DateTime()`).
    "datetime": "timestamp",
    "biginteger": "bigint",
    "smallinteger": "smallint",
    "int": "integer",
    "largebinary": "bytea",
}
# Types whose first positional argument is `timezone`, not a size: `with time zone` is another type.
_ZONED = frozenset({"timestamp", "time"})
# PostgreSQL's two floating-point types and their spellings: `FLOAT(p)` is `real` for p up to 24,
# `double precision` above and without p (SQLAlchemy's `Float()` compiles to `FLOAT`).
_REAL = frozenset({"real", "float4"})
_DOUBLE = frozenset({"double", "double_precision", "float8"})
_FLOATS = frozenset({"float"})


@dataclass(frozen=True)
class ColumnType:
    """A type as written: its kind ("varchar", "text", "numeric" or the lower-cased class
    name) and its literal size arguments (None when unbounded or not literal)."""

    kind: str
    written: str
    length: Optional[int] = None
    scale: Optional[int] = None
    literal: bool = True  # False when a size argument is not a literal number

    @property
    def known(self) -> bool:
        """False for a type whose PostgreSQL type dblint cannot read (a `with_variant` chain)."""
        return bool(self.kind)


# `.with_variant` as a call of the chain (`JSON().with_variant().with_variant`), not a longer name.
_WITH_VARIANT = re.compile(r"\.with_variant(?:\(\)|$)")


def column_type(expr: Optional[Expr]) -> Optional[ColumnType]:
    """The type an expression names (`sa.String(50)`, `sa.Text`, `VARCHAR(length=50)`), or None."""
    if expr is None or expr.kind not in ("name", "call") or not expr.text:
        return None
    if expr.kind == "call" and _WITH_VARIANT.search(expr.text):
        return _variant_type(expr)
    written = expr.text.split("()", 1)[0]
    name = written.rsplit(".", 1)[-1]
    kind = _FAMILY_KINDS.get(name.lower(), name.lower())
    if expr.kind == "name":
        if kind in _FLOATS | _REAL | _DOUBLE:
            return _float_type(kind, written, None)
        return ColumnType(kind, written)
    if kind in _ZONED:
        return _zoned_type(kind, written, expr)
    if kind in _FLOATS | _REAL | _DOUBLE:
        return _float_type(kind, written, expr)
    first = (
        expr.keyword("length") or expr.keyword("precision") or (expr.args[0] if expr.args else None)
    )
    second = expr.keyword("scale") or (expr.args[1] if len(expr.args) > 1 else None)
    length, length_literal = _number(first)
    scale, scale_literal = _number(second)
    sizes = ", ".join(str(size) for size in (length, scale) if size is not None)
    return ColumnType(kind, f"{written}({sizes})", length, scale, length_literal and scale_literal)


# PostgreSQL's names for the types a `CREATE TABLE` in raw SQL writes, as the kinds above.
_SQL_KINDS = {
    **dict.fromkeys(("VARCHAR", "CHARACTER VARYING", "NVARCHAR"), "varchar"),
    **dict.fromkeys(("NUMERIC", "DECIMAL"), "numeric"),
    **dict.fromkeys(("INTEGER", "INT", "INT4", "SERIAL", "SERIAL4"), "integer"),
    **dict.fromkeys(("BIGINT", "INT8", "BIGSERIAL", "SERIAL8"), "bigint"),
    **dict.fromkeys(("SMALLINT", "INT2", "SMALLSERIAL", "SERIAL2"), "smallint"),
    **dict.fromkeys(("BOOLEAN", "BOOL"), "boolean"),
    **dict.fromkeys(("REAL", "FLOAT4"), "real"),
    **dict.fromkeys(("DOUBLE PRECISION", "FLOAT8"), "double precision"),
    **dict.fromkeys(("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"), "timestamptz"),
    **dict.fromkeys(("TIMESTAMP", "TIMESTAMP WITHOUT TIME ZONE"), "timestamp"),
    **dict.fromkeys(("TIMETZ", "TIME WITH TIME ZONE"), "timetz"),
    **dict.fromkeys(("TIME", "TIME WITHOUT TIME ZONE"), "time"),
    **{name: name.lower() for name in ("TEXT", "DATE", "UUID", "JSON", "JSONB", "BYTEA")},
}
_SQL_TYPE = re.compile(
    r"(?P<name>[A-Z][A-Z0-9 ]*?)\s*(?:\(\s*(?P<length>\d+)\s*(?:,\s*(?P<scale>\d+)\s*)?\))?"
    r"(?P<zone>\s+WITH(?:OUT)?\s+TIME\s+ZONE)?"
)


def sql_column_type(type_name: Optional[str]) -> Optional[ColumnType]:
    """The type a raw `CREATE TABLE` / `ALTER COLUMN ... TYPE` writes (`VARCHAR(50)`,
    `TIMESTAMP WITH TIME ZONE`), or None for a type this does not read (arrays, domains, enums)."""
    match = _SQL_TYPE.fullmatch(" ".join((type_name or "").upper().split()))
    if match is None:
        return None
    name = match["name"] + (" " + " ".join(match["zone"].split()) if match["zone"] else "")
    kind = _SQL_KINDS.get(name)
    if kind is None or (match["length"] and kind not in ("varchar", "numeric")):
        return None  # `TIMESTAMP(3)`: a precision this does not compare; read as unknown
    length = int(match["length"]) if match["length"] else None
    scale = int(match["scale"]) if match["scale"] else None
    return ColumnType(kind, type_name or "", length, scale)


def _variant_type(expr: Expr) -> ColumnType:
    """`JSON().with_variant(postgresql.JSONB(), "postgresql")`: on PostgreSQL, the variant's type.
    The facts keep only the last call's arguments (phoenix's chain ends in a "sqlite" variant), so
    any other chain is unknown (kind ""), never the base type with sizes read from a variant."""
    base = expr.text.split(".with_variant", 1)[0].split("()", 1)[0]
    dialects: tuple[Expr, ...] = ()
    if expr.text.endswith(".with_variant"):
        # SQLAlchemy 1.x: `with_variant(type_, dialect_name)`; 2.x: `with_variant(type_, *names)`
        dialect = expr.keyword("dialect_name")
        dialects = expr.args[1:] + ((dialect,) if dialect is not None else ())
        if any(name.kind == "str" and name.text == "postgresql" for name in dialects):
            variant = column_type(expr.keyword("type_") or (expr.args[0] if expr.args else None))
            if variant is not None and variant.known:
                written = f"{variant.written} (the PostgreSQL variant of {base})"
                return dataclasses.replace(variant, written=written)
    shown = ", ".join(
        ["..."] + [f'"{name.text}"' if name.kind == "str" else "..." for name in dialects]
    )
    return ColumnType("", f"{expr.text.replace('()', '(...)')}({shown})", literal=False)


def _zoned_type(kind: str, written: str, expr: Expr) -> ColumnType:
    """`sa.DateTime(timezone=True)`, `postgresql.TIMESTAMP(True, precision=3)`: `timestamptz` is
    a kind of its own, and the message shows the time zone as written."""
    zone = expr.keyword("timezone") or (expr.args[0] if expr.args else None)
    precision, precise_literal = _number(expr.keyword("precision"))
    zoned = zone is not None and zone.kind == "const" and zone.text == "True"
    zone_literal = zone is None or (zone.kind == "const" and zone.text in ("True", "False"))
    shown = ", ".join(
        part
        for part in (
            "timezone=True" if zoned else "" if zone_literal else "timezone=(computed)",
            f"precision={precision}" if precision is not None else "",
        )
        if part
    )
    return ColumnType(
        kind + "tz" if zoned else kind,
        f"{written}({shown})",
        precision,
        None,
        zone_literal and precise_literal,
    )


def _float_type(kind: str, written: str, expr: Optional[Expr]) -> ColumnType:
    """`sa.REAL()`, `sa.Float(precision=3, asdecimal=True)`, `postgresql.DOUBLE_PRECISION(53)`: the
    PostgreSQL type they compile to, `real` or `double precision` (faraday's `sa.REAL()` to
    `sa.Float(precision=3)` is no change). Only `Float`'s precision picks the type: `REAL` and
    `DOUBLE_PRECISION` compile to themselves whatever it says, and `asdecimal` changes only what
    Python gets back. A message shows the precision as written."""
    precision_expr = None
    if expr is not None:
        precision_expr = expr.keyword("precision") or (expr.args[0] if expr.args else None)
    precision, literal = _number(precision_expr)
    shown = written if expr is None else f"{written}({precision if precision is not None else ''})"
    if kind in _REAL or kind in _DOUBLE:
        shown = shown if literal else f"{written}(...)"
        return ColumnType("real" if kind in _REAL else "double precision", shown)
    if not literal:
        return ColumnType(kind, f"{written}(...)", literal=False)
    return ColumnType(
        "real" if precision is not None and precision <= 24 else "double precision", shown
    )


def _number(expr: Optional[Expr]) -> tuple[Optional[int], bool]:
    if expr is None:
        return None, True
    if expr.kind == "const" and expr.text.isdigit():
        return int(expr.text), True
    if expr.kind == "const" and expr.text == "None":
        return None, True
    return None, False


def may_be_widening(old: ColumnType, new: ColumnType) -> bool:
    """True when some sizes would make the change one of the in-place widenings."""
    if old.kind == "numeric":
        return new.kind == "numeric"
    return (
        old.kind in ("varchar", "text")
        and new.kind in ("varchar", "text")
        and not (old.kind == "text" and new.kind == "varchar")
    )


def rewrites_table(old: ColumnType, new: ColumnType) -> bool:
    """True unless changing `old` to `new` is one of the widenings PostgreSQL does in place."""
    if new.literal and _unbounded_widening(old, new):
        return False
    if not (old.literal and new.literal):
        return True
    if old.kind == new.kind and (old.length, old.scale) == (new.length, new.scale):
        return False  # the same type, written the same way
    if old.kind == "varchar" and new.kind == "varchar":
        return not (old.length is not None and new.length is not None and new.length >= old.length)
    if old.kind == "numeric" and new.kind == "numeric":
        return (
            old.length is None
            or new.length is None
            or new.length < old.length
            or old.scale != new.scale
        )
    return True


def _unbounded_widening(old: ColumnType, new: ColumnType) -> bool:
    """A change in place whatever the old sizes: to `TEXT`, unlimited `VARCHAR` (also from `TEXT`,
    binary-coercible to it: PostgreSQL 15 keeps the table's and its indexes' files), unconstrained
    `NUMERIC`."""
    if new.kind == "text" or (new.kind == "varchar" and new.length is None):
        return old.kind in ("varchar", "text")
    return new.kind == old.kind and new.kind == "numeric" and new.length is None
