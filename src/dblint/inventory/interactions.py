"""How one file touches the database: interaction kinds and schema-creating sites."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dblint import sql
from dblint.contexts import FileContext
from dblint.facts.model import FileFacts
from dblint.facts.vocabulary import CREATE_TABLE_CONSTRUCT, SCHEMA_CONSTRUCTS
from dblint.index import ProjectIndex
from dblint.index.database_use import uses_database
from dblint.index.receivers import creates_one_table, drops_one_table, holds_metadata
from dblint.index.scratch import executed_constructs, lasting_ddl, on_memory_engine
from dblint.inventory.sources import ModelView, TableDecl, TableKey, is_computed, table_key

ORM_MODEL, CORE_TABLE = "orm-model", "core-table"
SESSION, QUERY, RAW_SQL, DDL = "session", "query", "raw-sql", "ddl"
CREATE_ALL, MIGRATION_OP, ENV = "create-all", "migration-op", "alembic-env"
SINGLE_CREATE = "Table.create"
KINDS = (ORM_MODEL, CORE_TABLE, SESSION, QUERY, RAW_SQL, DDL, CREATE_ALL, MIGRATION_OP, ENV)


@dataclass(frozen=True)
class CreationSite:
    """A place outside migrations and tests that creates tables.

    `how` is "create_all", "Table.create", "CreateTable" (an executed
    `CreateTable(table)` construct) or "CREATE TABLE"; `tables` are the
    tables it creates, `metadata` the metadata a `create_all` creates (its tables
    may be unknown, for a receiver the index cannot follow).
    """

    path: str
    line: int
    how: str
    tables: tuple[TableKey, ...]
    metadata: str = ""
    receiver: str = ""
    table_metadata: frozenset[str] = (
        frozenset()
    )  # for `create_all`: the metadata of the tables it creates
    computed: bool = False  # a single-table create of a table whose name is computed at run time

    def creates(self, key: TableKey, metadata: str) -> bool:
        """Whether this site creates the table `key` declared on `metadata`."""
        return key in self.tables and (self.how != "create_all" or metadata in self.table_metadata)


def interaction_kinds(facts: FileFacts, index: ProjectIndex, view: ModelView) -> tuple[str, ...]:
    """The interaction kinds of one file, in the fixed order of `KINDS`. A session or query
    found by name alone counts only in a project that uses a database library at all."""
    found = set(facts.interactions) & (
        {SESSION, QUERY, RAW_SQL} if uses_database(index) else {RAW_SQL}
    )
    found |= {table.kind for table in view.tables_in(facts.path)}
    if facts.sql_strings:
        found.add(DDL)
    for call in facts.schema_calls:
        if call.method in ("create_all", "drop_all") and holds_metadata(call, facts, index):
            found.add(CREATE_ALL if call.method == "create_all" else DDL)
        elif (
            creates_one_table(call, facts, index)
            or drops_one_table(call, facts, index)
            or call.method in SCHEMA_CONSTRUCTS
        ):
            found.add(DDL)
    context = index.context_of(facts.path)
    if context == FileContext.MIGRATION:
        found.add(MIGRATION_OP)
    elif context == FileContext.ALEMBIC_ENV:
        found.add(ENV)
    return tuple(kind for kind in KINDS if kind in found)


def changes_schema(facts: FileFacts, index: ProjectIndex) -> bool:
    """Application code that creates, alters or drops schema (what DBL101-DBL105 look for)."""
    if not index.is_application_code(facts):
        return False
    if any(lasting_ddl(facts)) or executed_constructs(facts):
        return True
    return any(
        (call.method in ("create_all", "drop_all") and holds_metadata(call, facts, index))
        or creates_one_table(call, facts, index)
        or drops_one_table(call, facts, index)
        for call in facts.schema_calls
    )


def creation_sites(
    facts: FileFacts, index: ProjectIndex, view: ModelView
) -> Iterator[CreationSite]:
    """Where application code creates tables: `create_all`, `Table.create`, `CreateTable`, raw `CREATE TABLE`."""
    if not index.is_application_code(facts):
        return
    path = facts.path
    for call in facts.schema_calls:
        if call.method == "create_all" and on_memory_engine(call, facts, index):
            continue  # scratch tables of an in-memory database
        if call.method == "create_all" and holds_metadata(call, facts, index):
            metadata, created = view.created_by_create_all(
                path, call.receiver, call.scope, call.binds
            )
            tables = tuple(sorted({table.key for table in created}))
            table_metadata = frozenset(table.metadata for table in created)
            yield CreationSite(
                path, call.line, "create_all", tables, metadata, call.receiver, table_metadata
            )
        elif creates_one_table(call, facts, index):
            table = view.table_of(path, call.receiver, call.scope)
            how = CREATE_TABLE_CONSTRUCT if call.method == CREATE_TABLE_CONSTRUCT else SINGLE_CREATE
            yield CreationSite(
                path,
                call.line,
                how,
                (table.key,) if isinstance(table, TableDecl) else (),
                receiver=call.receiver,
                computed=table is True,
            )
    for string, statements in lasting_ddl(facts):
        for statement in statements:
            if statement.kind == sql.CREATE_TABLE:
                computed = not statement.name or is_computed(statement.name)
                tables = () if computed else (table_key(statement.name or ""),)
                yield CreationSite(path, string.line, "CREATE TABLE", tables)
