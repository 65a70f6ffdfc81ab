"""Names and limits shared by the LibCST collector and the `ast` extraction (no LibCST import here)."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import Optional

# Class attributes only a mapped class (or an abstract mapped base, or a mixin naming the table)
# declares: a class with one is a model even on a base from a library dblint does not know.
MAPPED_MARKERS = ("__tablename__", "__table__", "__abstract__")
# A schema manager's sync (sqlalchemy-helpers' `db.manager.sync()`, `syncdb(settings)`): calls kept.
SYNC_CALLS = frozenset({"sync", "syncdb"})


def is_stamp_call(name: str) -> bool:
    """`stamp(...)` (Alembic's) or `stamp_<what>(...)`, a project helper that may stamp (Kotti's
    `stamp_heads()`); never `timestamp(...)`."""
    last = name.rsplit(".", 1)[-1]
    return last == "stamp" or last.startswith("stamp_")


def registers_migration(decorator: str) -> bool:
    """Whether a decorator's (dotted) name says it registers a migration step
    (`RegisterMigration`, `register_migration`, `migrations.step`), not a cache or a retry
    (`@lru_cache(1)`, `@retry(3)`) that also takes an integer first."""
    return "migrat" in decorator.lower()


# How deep and how wide an `Expr` summary goes; deeper or larger structures become "other".
MAX_DEPTH = 6
MAX_ITEMS = 64
# Keyword arguments whose values are messages for humans, never SQL to run (nor calls to record).
MESSAGE_KEYWORDS = frozenset(
    {
        "help",
        "description",
        "msg",
        "message",
        "comment",
        "doc",
        "title",
        "summary",
        "detail",
        "reason",
    }
)
# `if <this>:` guards imports that exist only for type checkers.
TYPE_CHECKING_TESTS = frozenset({"TYPE_CHECKING", "typing.TYPE_CHECKING", "t.TYPE_CHECKING"})
# sqlalchemy.schema.CreateTable and DropTable, recorded as schema calls when executed.
CREATE_TABLE_CONSTRUCT = "CreateTable"
DROP_TABLE_CONSTRUCT = "DropTable"
TABLE_CONSTRUCTS = frozenset({CREATE_TABLE_CONSTRUCT, DROP_TABLE_CONSTRUCT})
# sqlalchemy.schema's other DDL constructs, recorded as schema calls when executed.
SCHEMA_CONSTRUCTS = frozenset(
    {
        "AddConstraint",
        "DropConstraint",
        "CreateIndex",
        "DropIndex",
        "CreateSchema",
        "DropSchema",
        "CreateSequence",
        "DropSequence",
    }
)
# Methods of a `Table` that create or drop it: `table.create(engine)`, `table.drop(engine)`.
TABLE_METHODS = frozenset({"create", "drop"})
# The events SQLAlchemy fires around a table's (or a MetaData's) `create()` / `create_all()` and
# their drops: a `DDL(...)` construct listening to one runs as part of that create or drop.
TABLE_EVENTS = frozenset({"before_create", "after_create", "before_drop", "after_drop"})
# `SqlString.ddl_construct` of a `DDL(...)` passed to `event.listen(...)` for one of them directly.
EVENT_LISTENER = "<listener>"
# Calls that open a database: DB-API `connect(...)` (sqlite3, duckdb, psycopg), SQLAlchemy engines.
DATABASE_OPENERS = frozenset({"connect", "create_engine", "create_async_engine"})
# Their keyword for the database, where it is not the first argument.
DATABASE_KEYWORDS = frozenset({"database", "url"})
# A database that lives only as long as its connection: SQLite's and DuckDB's `:memory:`
# (`file::memory:?cache=shared`, `sqlite:///:memory:`) and a SQLite URL with no path.
_MEMORY_DATABASE = re.compile(r".*:memory:|sqlite(?:\+\w+)?://\Z", re.DOTALL)


def is_memory_database(value: str) -> bool:
    """Whether a connection string names an in-memory database."""
    return _MEMORY_DATABASE.match(value.strip()) is not None


# A helper's body that finds capitals, lower-cases and writes `_`: CamelCase to snake_case.
_CAPITALS = re.compile(r"\[A-Z\]|\.isupper\(")
_UNDERSCORE_STRING = re.compile(r"""(['"])[^'"\n]*_[^'"\n]*\1""")
# `CAMEL_TO_SNAKE.sub(`: a compiled pattern defined elsewhere, substituting in the body.
_PATTERN_SUB = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.sub\(")


def snake_cases(params: tuple[str, ...], body_text: Callable[[], str]) -> tuple[bool, str]:
    """Whether a function of one parameter turns CamelCase into snake_case, as the helpers a
    computed `__tablename__` returns do (`resolve_table_name(cls.__name__)`): its body (source
    text) lower-cases (`lower()`), writes `_`, and finds capitals (`[A-Z]` in a pattern,
    `isupper()`; not `[^A-Za-z0-9]`, which slugifies). When the capitals are found by a compiled
    pattern defined elsewhere (`CAMEL_TO_SNAKE.sub("_", name).lower()`), (False, its dotted
    name): the index reads the pattern. The body's text is asked for only for such a function."""
    if len(params) != 1 or params[0] == "self":
        return False, ""
    body = body_text()
    if ".lower(" not in body or _UNDERSCORE_STRING.search(body) is None:
        return False, ""
    if _CAPITALS.search(body) is not None:
        return True, ""
    patterns = {match.group(1) for match in _PATTERN_SUB.finditer(body)} - {"re"}
    return False, patterns.pop() if len(patterns) == 1 else ""


def finds_capitals(pattern: str) -> bool:
    """True for a regular expression's text that finds capitals (`(?<!^)(?=[A-Z])`)."""
    return _CAPITALS.search(pattern) is not None


# What a call or an attribute says about how a file uses the database (`FileFacts.interactions`).
SESSION_NAMES = frozenset(
    {"Session", "sessionmaker", "scoped_session", "AsyncSession", "async_sessionmaker", "session"}
)
QUERY_CALLS = frozenset(
    {"query", "select", "scalars", "scalar", "execute", "exec_driver_sql", "executemany"}
)


# One interaction and where it comes from: (kind, the dotted expression that shows it, the
# scope it is read in), the source "" when it has none (a SQL string).
# `origins.database_interactions` reads the source.
Interaction = tuple[str, str, str]


def call_interactions(name: str, scope: str) -> list[Interaction]:
    """The interactions a call of the dotted callee `name` shows."""
    last = name.rsplit(".", 1)[-1]
    found = []
    if last in SESSION_NAMES or ".session." in f".{name}.":
        found.append(("session", name, scope))
    if last in QUERY_CALLS:
        found.append(("query", name, scope))
    if last == "cursor":
        found.append(("raw-sql", name, scope))
    return found


# Attributes that show an interaction of their own name: `db.session`, `User.query`.
INTERACTION_ATTRIBUTES = frozenset({"session", "query"})


def attribute_interactions(attribute: str, source: str, scope: str) -> list[Interaction]:
    """The interactions an attribute access `x.<attribute>` shows; `source` is its dotted name
    (readers compute it only for an attribute in `INTERACTION_ATTRIBUTES`)."""
    return [(attribute, source, scope)] if attribute in INTERACTION_ATTRIBUTES else []


# The names of an instance (or its class) in a method: their attributes are per class.
INSTANCE_NAMES = frozenset({"self", "cls"})
# Libraries whose sessions, queries and selects are not a database's, as qualified name prefixes:
# Flask's cookie session, HTTP clients, AWS SDK sessions, HTML selectors, I/O multiplexing,
# TensorFlow's graph sessions, a parsed URL's `query`. A name bound to one of these (by an
# import, or by assigning what one returns) shows no database interaction. `flask` alone is
# not here: `g.db` may be a database.
NOT_DATABASE = (
    "flask.session",
    "flask.sessions",
    "flask.globals.session",
    "requests",
    "httpx",
    "aiohttp",
    "urllib3",
    "boto3",
    "botocore",
    "aioboto3",
    "aiobotocore",
    "bs4",
    "select",
    "selectors",
    "tensorflow",
    "urllib.parse",
    "yarl",
    "furl",
)


def is_not_database(qualified: str) -> bool:
    """Whether a qualified name (`requests.Session`, `flask.session.get`) lies in `NOT_DATABASE`."""
    return any(
        qualified == prefix or (qualified.startswith(prefix) and qualified[len(prefix)] in ".([")
        for prefix in NOT_DATABASE
    )


def may_lead_to_not_database(qualified: str) -> bool:
    """Whether an imported name may be, or hold, something in `NOT_DATABASE` (`flask` holds `session`)."""
    return is_not_database(qualified) or any(
        prefix.startswith(qualified + ".") for prefix in NOT_DATABASE
    )


# Database drivers and libraries beyond those `index.kinds` turns into kinds, as qualified
# module prefixes: a project importing none of them (nor SQLAlchemy, SQLModel, Alembic ...)
# has no database session or query for the name heuristics above to find (an aiohttp
# `session.get`, a Docker client's `self.query(...)`).
DATABASE_MODULES = (
    "sqlite3",
    "aiosqlite",
    "apsw",
    "sqlite_utils",
    "psycopg",
    "psycopg2",
    "psycopg2cffi",
    "asyncpg",
    "aiopg",
    "pg8000",
    "pymysql",
    "MySQLdb",
    "mysql.connector",
    "aiomysql",
    "asyncmy",
    "mariadb",
    "pyodbc",
    "aioodbc",
    "pymssql",
    "cx_Oracle",
    "oracledb",
    "ibm_db",
    "duckdb",
    "clickhouse_driver",
    "clickhouse_connect",
    "databases",
    "records",
    "dataset",
    "peewee",
    "playhouse",
    "pony",
    "tortoise",
    "ormar",
    "piccolo",
    "gino",
    "sqlobject",
    "pydal",
    "edgedb",
    "django.db",
    "pymongo",
    "motor",
    "mongoengine",
)


def is_database_module(qualified: str) -> bool:
    """Whether a qualified name (`sqlite3`, `django.db.models`) lies in `DATABASE_MODULES`."""
    return any(
        qualified == prefix or qualified.startswith(prefix + ".") for prefix in DATABASE_MODULES
    )


# Methods of a SQL statement that leave its text alone.
STATEMENT_METHODS = frozenset({"bindparams", "execution_options", "columns", "params"})


def format_fields(template: str) -> Optional[str]:
    """`template` with each `str.format` replacement field (`{0}`, `{name!r}`) as `{}`; None
    when `str.format` would reject it."""
    pieces: list[str] = []
    try:
        for literal, field, _, _ in string.Formatter().parse(template):
            pieces.append(literal.replace("{", "{{").replace("}", "}}"))
            if field is not None:
                pieces.append("{}")
    except ValueError:  # an unmatched brace: `str.format` raises at run time
        return None
    return "".join(pieces)


# Operations plugins register that do what a core Alembic one does (GeoAlchemy2's
# `alembic_helpers`): the replay, the safety rules and their fixes judge them as that one.
OPERATION_ALIASES = {
    "add_geospatial_column": "add_column",
    "drop_geospatial_column": "drop_column",
    "create_geospatial_table": "create_table",
    "drop_geospatial_table": "drop_table",
    "create_geospatial_index": "create_index",
    "drop_geospatial_index": "drop_index",
}


def core_operation(name: str) -> str:
    """The core Alembic operation an operation name stands for (`create_geospatial_index`: `create_index`)."""
    return OPERATION_ALIASES.get(name, name)
