"""Raw SQL run on a database that vanishes with its connection.

A module whose every database is in memory (`sqlite3.connect(":memory:")`,
`duckdb.connect(":memory:")`, `create_engine("sqlite://")`) builds scratch tables there,
as redash's query-results runner loads other queries' rows into SQLite to join them:
like a temporary table, that is no one's schema; so does `create_all()` on an engine made for
one (`on_memory_engine`). A module that also opens any other
database (or a connection dblint cannot read) is not one. Nor is DDL on a temporary table
the module creates (`CREATE TEMPORARY TABLE t`, then `CREATE INDEX ... ON t`, `DROP TABLE t`),
nor creating Alembic's own version table (`CREATE TABLE alembic_version (...)`, then `INSERT`
the head: a stamp written by hand, as nbgrader's gradebook does after `create_all()`).

`lasting_ddl` and `executed_constructs` apply these filters (and that of the steps of a
project's own migration runner) once, for DBL102/DBL103 and the inventory alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dblint import sql
from dblint.contexts import in_own_migration_step
from dblint.facts.model import FileFacts, SchemaCall, SqlStatementFact, SqlString
from dblint.facts.vocabulary import SCHEMA_CONSTRUCTS, is_memory_database
from dblint.index.names import Names

if TYPE_CHECKING:
    from dblint.index.project import ProjectIndex

# The calls that make an engine from a URL (SQLAlchemy's, sync and async).
_ENGINE_FACTORIES = frozenset({"create_engine", "create_async_engine"})

#: Raw SQL that changes the schema for good (a temporary table does not).
LASTING_DDL_KINDS = frozenset(sql.DDL_KINDS - {sql.CREATE_TEMP_TABLE})


def on_scratch_database(facts: FileFacts) -> bool:
    """Whether the raw SQL of `facts` can only run on in-memory databases the file opens."""
    opens = facts.database_opens
    return bool(opens) and all(opened.in_memory for opened in opens)


def on_memory_engine(call: SchemaCall, facts: FileFacts, index: ProjectIndex) -> bool:
    """Whether a `create_all()` / `drop_all()` runs on an engine made for an in-memory database
    (`engine = create_engine("sqlite://")`, here or imported): its tables vanish with the engine,
    like the scratch tables above. An engine given any other way (a parameter, a URL read from
    settings) may be the application's database."""
    if call.bind is None:
        return False
    names = index.view(_names)
    bound = names.binding(index.module_of(facts.path), call.bind, call.scope)
    value = bound[1].value if bound is not None else None
    if (
        value is None
        or value.kind != "call"
        or value.text.rsplit(".", 1)[-1] not in _ENGINE_FACTORIES
    ):
        return False
    url = value.args[0] if value.args else value.keyword("url")
    return url is not None and url.kind == "str" and is_memory_database(url.text)


def _names(index: ProjectIndex) -> Names:
    """One name resolver per index (`ProjectIndex.view` keeps it), its memo shared by every call."""
    return Names(index.resolver)


def _plain_name(name: str | None) -> str | None:
    """A name as SQL compares it (unquoted names ignore case), or None when it is computed."""
    if not name or any(mark in name for mark in "{}%$?:"):
        return None
    return name.lower()


def temporary_tables(facts: FileFacts) -> frozenset[str]:
    """The tables the module creates as `CREATE TEMP[ORARY] TABLE`, by name."""
    return frozenset(
        name
        for string in facts.sql_strings
        for statement in string.statements
        if statement.kind == sql.CREATE_TEMP_TABLE
        for name in (_plain_name(statement.name),)
        if name is not None
    )


def on_temporary_table(statement: SqlStatementFact, temporary: frozenset[str]) -> bool:
    """DDL on a temporary table the same module creates (`DROP TABLE`, `ALTER TABLE`, or
    `CREATE INDEX ... ON` it): scratch work of one connection, which no migration could hold."""
    if statement.kind in (sql.DROP_TABLE, sql.ALTER_TABLE):
        target = statement.name
    elif statement.kind == sql.CREATE_INDEX:
        target = statement.table
    else:
        return False
    name = _plain_name(target)
    return name is not None and name in temporary


#: The table Alembic records the applied revisions in (its `version_table` default).
ALEMBIC_VERSION_TABLE = "alembic_version"


def creates_version_table(statement: SqlStatementFact) -> bool:
    """`CREATE TABLE alembic_version (...)`, in any schema (Alembic's `version_table_schema`):
    Alembic's bookkeeping, a stamp by hand, not a schema."""
    name = _plain_name(statement.name)
    return (
        statement.kind == sql.CREATE_TABLE
        and name is not None
        and name.rpartition(".")[2] == ALEMBIC_VERSION_TABLE
    )


def stamps_by_hand(facts: FileFacts) -> bool:
    """Whether the file creates Alembic's version table itself (to stamp a database it built)."""
    return any(
        creates_version_table(statement)
        for string in facts.sql_strings
        for statement in string.statements
    )


def lasting_ddl(facts: FileFacts) -> Iterator[tuple[SqlString, list[SqlStatementFact]]]:
    """Each SQL string of `facts` with its statements that change the schema for good, in order.

    None on a scratch database, none in a step of the project's own migration runner, none on
    a temporary table the module creates, nor Alembic's version table created by hand: what
    DBL102/DBL103 report and the inventory counts, decided here once so that the two cannot drift."""
    if on_scratch_database(facts):
        return
    temporary = temporary_tables(facts)
    for string in facts.sql_strings:
        if string.migration_list or in_own_migration_step(facts, string.scope):
            continue
        statements = [
            statement
            for statement in string.statements
            if statement.kind in LASTING_DDL_KINDS
            and not on_temporary_table(statement, temporary)
            and not creates_version_table(statement)
        ]
        if statements:
            yield string, statements


def executed_constructs(facts: FileFacts) -> list[SchemaCall]:
    """The executed DDL constructs of `facts` (`CreateIndex(...)`, `AddConstraint(...)`, ...)
    that change the schema: none on a scratch database (DBL103's and the inventory's view)."""
    if on_scratch_database(facts):
        return []
    return [call for call in facts.schema_calls if call.method in SCHEMA_CONSTRUCTS]
