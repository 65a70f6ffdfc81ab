"""Type families: which kind of value a column holds, from a type's name.

Public API (stable; used by the model rules and by the migration replay):

- `TypeFamily`: every family (`FAMILIES`); UNKNOWN never mismatches anything.
- `TRAITS[family]`: the one table of what dblint knows of each family (type names,
  labels for messages, Python annotations, SQLAlchemy's default type, returned values).
- `family_of_type_name(name) -> str`: the family of a SQL or Python type given by
  its qualified name (`sqlalchemy.Integer`, `sqlalchemy.dialects.postgresql.UUID`,
  `uuid.UUID`, `datetime.datetime`), its plain name (`Integer`, `str`) or SQL text
  (`VARCHAR(255)`, `character varying`, `timestamp with time zone`, `integer[]`).
- `integer_width(name) -> int | None`: 16, 32 or 64 for integer types, else None.
- `foreign_key_compatible(referencing, referenced) -> bool`: whether a foreign key
  column of one family may reference a key of another (PostgreSQL's rule, exact
  comparisons only).
- `python_family(name) -> str`: the family SQLAlchemy's default type map gives a
  Python annotation (`int`, `str`, `uuid.UUID`, `decimal.Decimal`, `dict` -> unknown).
- `returned_by(family) -> frozenset[str]`: the families of the Python values a column
  of that family returns by default (its SQLAlchemy type's `python_type`); empty
  when unknown. `project_types.TypeFamilies.returns` refines it per type.
- `returns_any_object(name) -> bool`: whether a type returns whatever Python object was
  stored (`PickleType`: its `python_type` is `object`), whatever its SQL family.
- `annotation_fits(annotation, returned) -> bool`: whether a value of one of the
  `returned` families is an instance of the annotation's Python type.

Only the last dotted component matters (after a `()` variant call is cut off), so
`sa.types.BigInteger`, `BigInteger` and `BIGINT` agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from dblint.text_enum import TextEnum


class TypeFamily(TextEnum):
    """Which kind of value a column holds; UNKNOWN never mismatches anything."""

    INTEGER = "integer"
    UUID = "uuid"
    STRING = "string"
    NUMERIC = "numeric"
    FLOAT = "float"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    DATE = "date"
    TIME = "time"
    INTERVAL = "interval"
    JSON = "json"
    BINARY = "binary"
    ENUM = "enum"
    ARRAY = "array"
    UNKNOWN = "unknown"


UNKNOWN = TypeFamily.UNKNOWN
FAMILIES = tuple(TypeFamily)


@dataclass(frozen=True)
class FamilyTraits:
    """Everything dblint knows of one family, in one row.

    `names`: lower-case type names and SQL spellings of the family. `annotations`: the Python
    types SQLAlchemy's default `type_annotation_map` (and SQLModel) maps to it; the first stands
    for the family in an annotation a fix writes. `default_sql`: the SQL type that map gives it.
    `argument_free`: a type of the family from a `type_annotation_map` needs no arguments to mean
    the same. `returns`: the families of the Python values a column of it returns by default
    (its SQLAlchemy type's `python_type`; empty: unknown).
    """

    names: tuple[str, ...]
    sql_label: str  # how a message names the SQL type
    python_label: str  # how a message names the Python type
    annotations: tuple[str, ...] = ()
    default_sql: Optional[str] = None
    argument_free: bool = False
    returns: frozenset[TypeFamily] = frozenset()


_F = TypeFamily
TRAITS: dict[TypeFamily, FamilyTraits] = {
    _F.INTEGER: FamilyTraits(
        names=(
            "integer", "int", "int2", "int4", "int8", "smallinteger", "biginteger", "bigint",
            "smallint", "tinyint", "mediumint", "serial", "serial4", "serial8", "bigserial",
            "smallserial", "integertype",
        ),
        sql_label="INTEGER",
        python_label="int",
        annotations=("int",),
        default_sql="sqlalchemy.Integer",
        argument_free=True,
        returns=frozenset({_F.INTEGER}),
    ),
    _F.UUID: FamilyTraits(
        names=("uuid", "uuidtype", "guid", "uniqueidentifier"),
        sql_label="UUID",
        python_label="uuid.UUID",
        annotations=("uuid.UUID",),
        default_sql="sqlalchemy.Uuid",
        argument_free=True,
        returns=frozenset({_F.UUID}),
    ),
    _F.STRING: FamilyTraits(
        names=(
            "string", "str", "unicode", "text", "unicodetext", "varchar", "nvarchar", "char",
            "nchar", "character", "character varying", "autostring", "citext", "clob", "nclob",
            "tinytext", "mediumtext", "longtext", "ntext", "varchar2", "nvarchar2", "emailstr",
            "emailtype", "httpurl", "anyurl", "urltype",
        ),
        sql_label="VARCHAR",
        python_label="str",
        annotations=("str", "pydantic.EmailStr", "pydantic.HttpUrl", "pydantic.AnyUrl"),
        default_sql="sqlalchemy.String",
        returns=frozenset({_F.STRING}),
    ),
    _F.NUMERIC: FamilyTraits(
        names=("numeric", "decimal", "money", "smallmoney", "number"),
        sql_label="NUMERIC",
        python_label="Decimal",
        annotations=("decimal.Decimal",),
        default_sql="sqlalchemy.Numeric",
        returns=frozenset({_F.NUMERIC}),
    ),
    _F.FLOAT: FamilyTraits(
        names=(
            "float", "real", "double", "double_precision", "double precision", "float4",
            "float8", "binary_double", "binary_float",
        ),
        sql_label="FLOAT",
        python_label="float",
        annotations=("float",),
        default_sql="sqlalchemy.Float",
        returns=frozenset({_F.FLOAT}),
    ),
    _F.BOOLEAN: FamilyTraits(
        names=("boolean", "bool"),
        sql_label="BOOLEAN",
        python_label="bool",
        annotations=("bool",),
        default_sql="sqlalchemy.Boolean",
        returns=frozenset({_F.BOOLEAN}),
    ),
    _F.DATETIME: FamilyTraits(
        names=(
            "datetime", "timestamp", "timestamptz", "datetime2", "smalldatetime",
            "datetimeoffset", "arrowtype", "timestamp with time zone",
            "timestamp without time zone", "awaredatetime",
        ),
        sql_label="TIMESTAMP",
        python_label="datetime",
        annotations=("datetime.datetime",),
        default_sql="sqlalchemy.DateTime",
        returns=frozenset({_F.DATETIME}),
    ),
    _F.DATE: FamilyTraits(
        names=("date",),
        sql_label="DATE",
        python_label="date",
        annotations=("datetime.date",),
        default_sql="sqlalchemy.Date",
        returns=frozenset({_F.DATE}),
    ),
    _F.TIME: FamilyTraits(
        names=("time", "timetz", "time with time zone", "time without time zone"),
        sql_label="TIME",
        python_label="time",
        annotations=("datetime.time",),
        default_sql="sqlalchemy.Time",
        returns=frozenset({_F.TIME}),
    ),
    _F.INTERVAL: FamilyTraits(
        names=("interval", "timedelta"),
        sql_label="INTERVAL",
        python_label="timedelta",
        annotations=("datetime.timedelta",),
        default_sql="sqlalchemy.Interval",
        returns=frozenset({_F.INTERVAL}),
    ),
    _F.JSON: FamilyTraits(names=("json", "jsonb", "jsontype"), sql_label="JSON", python_label="dict"),
    _F.BINARY: FamilyTraits(
        names=(
            "largebinary", "binary", "varbinary", "blob", "bytea", "bytes", "tinyblob",
            "mediumblob", "longblob", "pickletype", "raw",
        ),
        sql_label="BINARY",
        python_label="bytes",
        annotations=("bytes",),
        default_sql="sqlalchemy.LargeBinary",
        returns=frozenset({_F.BINARY}),
    ),
    # An `Enum` returns its Python enum's members, or strings.
    _F.ENUM: FamilyTraits(
        names=("enum", "choicetype"),
        sql_label="ENUM",
        python_label="an enum",
        returns=frozenset({_F.ENUM, _F.STRING}),
    ),
    _F.ARRAY: FamilyTraits(names=("array",), sql_label="ARRAY", python_label="list"),
    _F.UNKNOWN: FamilyTraits(names=(), sql_label="UNKNOWN", python_label="unknown"),
}  # fmt: skip
_FAMILY_BY_NAME = {name: family for family, traits in TRAITS.items() for name in traits.names}
# Python annotations SQLAlchemy's default type_annotation_map (and SQLModel) knows, lower-cased.
_PYTHON = {
    annotation.lower(): family
    for family, traits in TRAITS.items()
    for annotation in traits.annotations
}

_WIDTHS = {
    "smallinteger": 16,
    "smallint": 16,
    "int2": 16,
    "smallserial": 16,
    "tinyint": 8,
    "integer": 32,
    "int": 32,
    "int4": 32,
    "serial": 32,
    "serial4": 32,
    "mediumint": 24,
    "biginteger": 64,
    "bigint": 64,
    "int8": 64,
    "bigserial": 64,
    "serial8": 64,
}

# (referencing, referenced) family pairs PostgreSQL accepts for a foreign key and compares exactly:
# the key's btree operator family has a cross-type equality operator (date/timestamp), or the
# referencing type casts implicitly and losslessly to the key's (integer -> numeric, time -> interval).
# PostgreSQL also accepts integer and numeric references to a float key, through a rounding cast: not listed.
_FOREIGN_KEY_PAIRS = frozenset(
    {
        (_F.INTEGER, _F.NUMERIC),
        (_F.DATE, _F.DATETIME),
        (_F.DATETIME, _F.DATE),
        (_F.TIME, _F.INTERVAL),
    }
)

# Python types a returned value is an instance of besides its own: `bool` is an `int`, PEP 484
# accepts an `int` where a `float` is expected, a `datetime` is a `date`.
_INSTANCE_OF = {
    _F.BOOLEAN: (_F.INTEGER, _F.FLOAT),
    _F.INTEGER: (_F.FLOAT,),
    _F.DATETIME: (_F.DATE,),
}
# The one exception: an enum annotation on a column that returns the strings its members are stored
# as (`Mapped[Status] = mapped_column(String)`), the usual idiom with `StrEnum`, whose members equal them.
_STORED_AS = {_F.ENUM: _F.STRING}

_PARENS = re.compile(r"\([^()]*\)")
_SPACES = re.compile(r"\s+")


def _key(name: str) -> str:
    """The lower-cased type name without qualification, arguments or modifiers."""
    text = name.strip()
    if "()" in text:  # `String().with_variant` -> `String`
        text = text.split("()", 1)[0]
    text = _PARENS.sub("", text).strip().strip('"`')
    if " " not in text and "." in text:
        text = text.rsplit(".", 1)[-1]
    return _SPACES.sub(" ", text).lower()


def family_of_type_name(name: str) -> TypeFamily:
    """Family of a type given by its qualified or plain name or its SQL text ("unknown" when unknown)."""
    if not name:
        return UNKNOWN
    stripped = name.strip()
    if stripped.endswith("[]"):
        return TypeFamily.ARRAY
    key = _key(stripped)
    if key in _FAMILY_BY_NAME:
        return _FAMILY_BY_NAME[key]
    # SQL text with modifiers: `INT UNSIGNED`, `varchar(20) not null`, `integer primary key`.
    words = key.split(" ")
    for size in (3, 2, 1):
        head = " ".join(words[:size])
        if len(words) >= size and head in _FAMILY_BY_NAME:
            return _FAMILY_BY_NAME[head]
    return UNKNOWN


# Library types whose SQL type is the `impl=` they are given (sqlalchemy-utils' `ChoiceType(Status,
# impl=Integer())`, `Unicode(255)` without one): their family says what Python gets back, not the
# column's SQL type, which a comparison with the migrated schema cannot read (nyaa's `users.status`).
_IMPL_DEFINED = frozenset({"choicetype"})


def sql_type_unread(name: Optional[str]) -> bool:
    """Whether the SQL type of a column of type `name` is its `impl=`, which dblint does not read."""
    return name is not None and _key(name) in _IMPL_DEFINED


def integer_width(name: str) -> Optional[int]:
    """Width in bits of an integer type (SmallInteger 16, Integer 32, BigInteger 64), None otherwise."""
    key = _key(name or "")
    return _WIDTHS.get(key.split(" ")[0]) if key else None


def foreign_key_compatible(referencing: TypeFamily, referenced: TypeFamily) -> bool:
    """True when a foreign key column of family `referencing` may reference a key of family `referenced`."""
    return (
        UNKNOWN in (referencing, referenced)
        or referencing == referenced
        or (referencing, referenced) in _FOREIGN_KEY_PAIRS
    )


def python_family(name: str) -> TypeFamily:
    """Family SQLAlchemy's default annotation map gives a Python type (`int`, `uuid.UUID`)."""
    lowered = (name or "").strip().lower()
    if lowered in _PYTHON:
        return _PYTHON[lowered]
    for qualified, family in _PYTHON.items():
        if "." in qualified and lowered.endswith("." + qualified):
            return family
    return UNKNOWN


# Types whose SQL type has a family but whose values are any Python object: `PickleType` is a BLOB
# that unpickles (meltano's `Mapped[Optional[str]] = mapped_column(PickleType)` holds strings).
_ANY_OBJECT = frozenset({"pickletype"})


def returns_any_object(name: Optional[str]) -> bool:
    """Whether a column of type `name` returns any Python object stored in it (`PickleType`)."""
    return name is not None and _key(name) in _ANY_OBJECT


def returned_by(family: TypeFamily) -> frozenset[TypeFamily]:
    """Families of the Python values a column of `family` returns by default (empty: unknown)."""
    return TRAITS[family].returns


def annotation_fits(annotation: TypeFamily, returned: frozenset[TypeFamily]) -> bool:
    """True when what the column returns is an instance of the annotated type (unknown fits anything)."""
    if annotation == UNKNOWN or not returned:
        return True
    if _STORED_AS.get(annotation) in returned:
        return True
    return any(
        annotation == family or annotation in _INSTANCE_OF.get(family, ()) for family in returned
    )
