"""Type families: which kind of value a column holds, from a type's name.

Public API (stable; used by the model rules and by the migration replay):

- `FAMILIES`: every family name; "unknown" never mismatches anything.
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
- `annotation_fits(annotation, returned) -> bool`: whether a value of one of the
  `returned` families is an instance of the annotation's Python type.

Only the last dotted component matters (after a `()` variant call is cut off), so
`sa.types.BigInteger`, `BigInteger` and `BIGINT` agree.
"""

from __future__ import annotations

import re
from typing import Optional

FAMILIES = (
    "integer",
    "uuid",
    "string",
    "numeric",
    "float",
    "boolean",
    "datetime",
    "date",
    "time",
    "interval",
    "json",
    "binary",
    "enum",
    "array",
    "unknown",
)
UNKNOWN = "unknown"

_NAMES: dict[str, tuple[str, ...]] = {
    "integer": (
        "integer",
        "int",
        "int2",
        "int4",
        "int8",
        "smallinteger",
        "biginteger",
        "bigint",
        "smallint",
        "tinyint",
        "mediumint",
        "serial",
        "serial4",
        "serial8",
        "bigserial",
        "smallserial",
        "integertype",
    ),
    "uuid": ("uuid", "uuidtype", "guid", "uniqueidentifier"),
    "string": (
        "string",
        "str",
        "unicode",
        "text",
        "unicodetext",
        "varchar",
        "nvarchar",
        "char",
        "nchar",
        "character",
        "character varying",
        "autostring",
        "citext",
        "clob",
        "nclob",
        "tinytext",
        "mediumtext",
        "longtext",
        "ntext",
        "varchar2",
        "nvarchar2",
        "emailstr",
        "emailtype",
        "httpurl",
        "anyurl",
        "urltype",
    ),
    "numeric": ("numeric", "decimal", "money", "smallmoney", "number"),
    "float": (
        "float",
        "real",
        "double",
        "double_precision",
        "double precision",
        "float4",
        "float8",
        "binary_double",
        "binary_float",
    ),
    "boolean": ("boolean", "bool"),
    "datetime": (
        "datetime",
        "timestamp",
        "timestamptz",
        "datetime2",
        "smalldatetime",
        "datetimeoffset",
        "arrowtype",
        "timestamp with time zone",
        "timestamp without time zone",
        "awaredatetime",
    ),
    "date": ("date",),
    "time": ("time", "timetz", "time with time zone", "time without time zone"),
    "interval": ("interval", "timedelta"),
    "json": ("json", "jsonb", "jsontype"),
    "binary": (
        "largebinary",
        "binary",
        "varbinary",
        "blob",
        "bytea",
        "bytes",
        "tinyblob",
        "mediumblob",
        "longblob",
        "pickletype",
        "raw",
    ),
    "enum": ("enum", "choicetype"),
    "array": ("array",),
}
_FAMILY_BY_NAME = {name: family for family, names in _NAMES.items() for name in names}

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

# Python annotations SQLAlchemy's default type_annotation_map (and SQLModel) knows.
_PYTHON = {
    "int": "integer",
    "str": "string",
    "float": "float",
    "bool": "boolean",
    "bytes": "binary",
    "decimal.decimal": "numeric",
    "uuid.uuid": "uuid",
    "datetime.datetime": "datetime",
    "datetime.date": "date",
    "datetime.time": "time",
    "datetime.timedelta": "interval",
    "pydantic.emailstr": "string",
    "pydantic.httpurl": "string",
    "pydantic.anyurl": "string",
}

# (referencing, referenced) family pairs PostgreSQL accepts for a foreign key and compares exactly:
# the key's btree operator family has a cross-type equality operator (date/timestamp), or the
# referencing type casts implicitly and losslessly to the key's (integer -> numeric, time -> interval).
# PostgreSQL also accepts integer and numeric references to a float key, through a rounding cast: not listed.
_FOREIGN_KEY_PAIRS = frozenset(
    {("integer", "numeric"), ("date", "datetime"), ("datetime", "date"), ("time", "interval")}
)

# What a column of each family returns (`python_type` of the SQLAlchemy type): a value of that
# family's Python type. An `Enum` returns its Python enum's members, or strings.
_RETURNED = {
    family: frozenset({family})
    for family in (
        "integer",
        "uuid",
        "string",
        "numeric",
        "float",
        "boolean",
        "datetime",
        "date",
        "time",
        "interval",
        "binary",
    )
}
_RETURNED["enum"] = frozenset({"enum", "string"})
# Python types a returned value is an instance of besides its own: `bool` is an `int`, PEP 484
# accepts an `int` where a `float` is expected, a `datetime` is a `date`.
_INSTANCE_OF = {"boolean": ("integer", "float"), "integer": ("float",), "datetime": ("date",)}
# The one exception: an enum annotation on a column that returns the strings its members are stored
# as (`Mapped[Status] = mapped_column(String)`), the usual idiom with `StrEnum`, whose members equal them.
_STORED_AS = {"enum": "string"}

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


def family_of_type_name(name: str) -> str:
    """Family of a type given by its qualified or plain name or its SQL text ("unknown" when unknown)."""
    if not name:
        return UNKNOWN
    stripped = name.strip()
    if stripped.endswith("[]"):
        return "array"
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


def integer_width(name: str) -> Optional[int]:
    """Width in bits of an integer type (SmallInteger 16, Integer 32, BigInteger 64), None otherwise."""
    key = _key(name or "")
    return _WIDTHS.get(key.split(" ")[0]) if key else None


def foreign_key_compatible(referencing: str, referenced: str) -> bool:
    """True when a foreign key column of family `referencing` may reference a key of family `referenced`."""
    return (
        UNKNOWN in (referencing, referenced)
        or referencing == referenced
        or (referencing, referenced) in _FOREIGN_KEY_PAIRS
    )


def python_family(name: str) -> str:
    """Family SQLAlchemy's default annotation map gives a Python type (`int`, `uuid.UUID`)."""
    lowered = (name or "").strip().lower()
    if lowered in _PYTHON:
        return _PYTHON[lowered]
    for qualified, family in _PYTHON.items():
        if "." in qualified and lowered.endswith("." + qualified):
            return family
    return UNKNOWN


def returned_by(family: str) -> frozenset[str]:
    """Families of the Python values a column of `family` returns by default (empty: unknown)."""
    return _RETURNED.get(family, frozenset())


def annotation_fits(annotation: str, returned: frozenset[str]) -> bool:
    """True when what the column returns is an instance of the annotated type (unknown fits anything)."""
    if annotation == UNKNOWN or not returned:
        return True
    if _STORED_AS.get(annotation) in returned:
        return True
    return any(
        annotation == family or annotation in _INSTANCE_OF.get(family, ()) for family in returned
    )
