"""DBL101-DBL105: schema created, changed or dropped outside Alembic migrations."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import ClassVar

from dblint import sql
from dblint.diagnostics import Diagnostic
from dblint.facts.model import FileFacts, SchemaCall, SqlStatementFact, SqlString
from dblint.facts.vocabulary import (
    CREATE_TABLE_CONSTRUCT,
    DROP_TABLE_CONSTRUCT,
)
from dblint.index import ProjectIndex
from dblint.index.receivers import (
    creates_one_table,
    drops_one_table,
    holds_metadata,
    table_of,
    untracked_binds,
)
from dblint.index.scratch import executed_constructs, lasting_ddl, on_memory_engine
from dblint.index.table_events import runs_with_table_event, table_event_names
from dblint.rules.base import EXAMPLE_PATH, Family, Rule
from dblint.rules.examples import files, source

FAMILY = Family(
    "DBL101",
    "DBL105",
    "Schema outside migrations",
    "schema created, changed or dropped outside Alembic migrations",
)


def _shown_name(name: str | None) -> str:
    """A statement's object name for a message (with a leading space), if it has one.

    A name that is or holds a placeholder (`{}`, `%s`, `idx_{}_created_at`) is computed at run
    time: the template is no name, and a message quoting it reads as one (DBL502 says the same).
    """
    if not name:
        return ""
    if sql.computed_name(name):
        return " with a computed name"
    return f" {name}"


def _shown_receiver(receiver: str) -> str:
    """A call's receiver as written, its subscripts elided (`metadata.tables[...]`, not `tables[]`)."""
    return receiver.replace("[]", "[...]")


def _hint(rule: Rule, index: ProjectIndex) -> str:
    """What to do: "" (the rule's own hint) in a project with an Alembic environment, else
    `no_alembic_hint`."""
    return "" if index.has_alembic_environment() else no_alembic_hint(rule.code)


def no_alembic_hint(code: str) -> str:
    """What to do in a project without an Alembic environment (a library creating its own
    tables, a tool for others' databases), where the rules' own hints name Alembic commands."""
    return (
        "the project has no Alembic environment: mark a run-time change that is intended (a "
        f"library's own tables) with `# noqa: {code}`, or manage the schema with Alembic (`alembic init`)"
    )


def untracked_bind_hint(code: str, verb: str, named: str) -> str:
    """What to do about a `create_all` / `drop_all` of Flask-SQLAlchemy binds (`named`) that
    no Alembic environment tracks: another database, where the usual hint names Alembic commands."""
    return (
        f"no Alembic environment tracks bind {named} (another database): mark a run-time {verb} "
        f"that is intended (a cache rebuilt at start) with `# noqa: {code}`, or migrate the bind "
        "too (Flask-Migrate's multi-database template)"
    )


def _calls(facts: FileFacts, method: str) -> Iterator[SchemaCall]:
    return (call for call in facts.schema_calls if call.method == method)


# How a message names each single-table create or drop (`receivers.SINGLE_TABLE_CREATES`, `_DROPS`).
_SINGLE_TABLE_CALLS = {
    "create": "{}.create()",
    CREATE_TABLE_CONSTRUCT: "executing CreateTable({})",
    "drop": "{}.drop()",
    DROP_TABLE_CONSTRUCT: "executing DropTable({})",
}


# What DBL102/DBL103 add to the message of a statement run by a table's create or drop.
_WHEN_TABLE_EVENT = (
    " (run by `event.listen` when SQLAlchemy creates or drops the table: "
    "`create_all()`, `create()` or their drops, never a migration)"
)


def _lasting_ddl(
    facts: FileFacts,
) -> Iterator[tuple[SqlString, list[SqlStatementFact], str]]:
    """The schema-changing statements DBL102/DBL103 judge (`scratch.lasting_ddl`), each string
    with what a message adds to say when it runs: the statement of a `DDL` construct that
    `event.listen` hands to a table's create or drop events runs whenever SQLAlchemy creates or
    drops the table (`create_all()` or `create()`), never in a migration (faraday's
    `uix_vulnerability`), so the migrations must make the change themselves."""
    listeners = table_event_names(facts)
    for string, statements in lasting_ddl(facts):
        yield (
            string,
            statements,
            _WHEN_TABLE_EVENT if runs_with_table_event(string, listeners) else "",
        )


def _single_table_call(call: SchemaCall) -> str:
    return _SINGLE_TABLE_CALLS[call.method].format(_shown_receiver(call.receiver))


def _single_table_findings(
    rule: Rule,
    facts: FileFacts,
    index: ProjectIndex,
    matches: Callable[[SchemaCall, FileFacts, ProjectIndex], bool],
    effect: str,
) -> Iterator[Diagnostic]:
    """The single-table creates or drops (`matches`) of application code: DBL104's and DBL105's."""
    if not index.is_application_code(facts):
        return
    for call in facts.schema_calls:
        if matches(call, facts, index):
            # A table whose name is computed at run time (`Table(table_name, ...)`) is said so.
            computed = table_of(index, facts.path, call.receiver, call.scope) is True
            table = "a table with a computed name" if computed else "a table"
            yield rule.diagnostic(
                facts.path,
                call.line,
                call.column,
                f"{_single_table_call(call)} {effect} {table} outside Alembic migrations",
                call.end_line,
                hint=_hint(rule, index),
            )


class _WholeMetadataRule(Rule):
    """`<metadata>.<method>()` in application code, called or passed as a callable."""

    method: ClassVar[str]
    effect: ClassVar[str]
    verb: ClassVar[str]  # what the hint calls one call (`create`, `drop`)

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        if not index.is_application_code(facts):
            return
        for call in _calls(facts, self.method):
            if holds_metadata(call, facts, index) and not on_memory_engine(call, facts, index):
                how = "" if call.called else " (passed as a callable)"
                binds = untracked_binds(call, facts, index)
                what, hint = "tables", _hint(self, index)
                if binds:
                    named = ", ".join(binds)
                    what = (
                        f"the tables of bind {named}"
                        if len(binds) == 1
                        else f"the tables of binds {named}"
                    )
                    hint = hint or untracked_bind_hint(self.code, self.verb, named)
                yield self.diagnostic(
                    facts.path,
                    call.line,
                    call.column,
                    f"{_shown_receiver(call.receiver)}.{self.method}(){how} {self.effect} {what} outside Alembic migrations",
                    call.end_line,
                    hint=hint,
                )


class CreateAllOutsideMigrations(_WholeMetadataRule):
    code = "DBL101"
    name = "create-all-outside-migrations"
    summary = "`create_all()` on a MetaData, declarative base or Flask-SQLAlchemy `db` outside tests and migrations"
    fix_hint = "create the tables in an Alembic migration (`alembic revision --autogenerate`)"
    what_it_does = (
        "Finds `metadata.create_all()`, `Base.metadata.create_all()`, `SQLModel.metadata.create_all()` and "
        "Flask-SQLAlchemy's `db.create_all()` in application code, also when the bound method is passed as a "
        "callable (`await conn.run_sync(Base.metadata.create_all)`, `event.listen(..., metadata.create_all)`). "
        "Tests, Alembic migrations and env.py are not checked. `create_all` on unrelated objects is not reported, "
        'nor one on an engine made for an in-memory database (`engine = create_engine("sqlite://")`, here or '
        "imported: its tables vanish with it); an engine passed in as a parameter may be any database. "
        '`db.create_all(bind_key="cache")` that names only Flask-SQLAlchemy binds no Alembic environment tracks '
        "(another database) is reported saying so, with `# noqa` offered for a cache rebuilt at run time."
    )
    why_bad = (
        "`create_all()` creates every missing table from the current models, bypassing Alembic. Tables "
        "created this way have no migration: a fresh database built by `alembic upgrade head` lacks them, "
        "Alembic's version table no longer describes the schema, and the next autogenerate compares "
        "against a database that was never migrated. Schema drift then surfaces late, in production."
    )
    example = source("""
        from sqlalchemy import create_engine
        from sqlalchemy.orm import DeclarativeBase


        class Base(DeclarativeBase):
            pass


        engine = create_engine("postgresql://localhost/app")
        Base.metadata.create_all(engine)  # error: DBL101
    """)
    use_instead = source("""
        from sqlalchemy import create_engine
        from sqlalchemy.orm import DeclarativeBase


        class Base(DeclarativeBase):
            pass


        engine = create_engine("postgresql://localhost/app")
        # Tables are created by `alembic upgrade head`.
    """)

    method = "create_all"
    effect = "creates"
    verb = "create"


class DropAllOutsideMigrations(_WholeMetadataRule):
    code = "DBL105"
    name = "drop-all-outside-migrations"
    summary = "`drop_all()` on a MetaData, declarative base or Flask-SQLAlchemy `db`, or a single-table drop, outside tests and migrations"
    fix_hint = "drop tables in an Alembic migration (`op.drop_table`)"
    what_it_does = (
        "Finds `metadata.drop_all()`, `Base.metadata.drop_all()` and `db.drop_all()` in application code, "
        "called or passed as a callable, and single-table drops, found as DBL104 finds creates: `.drop(...)` "
        "called on a SQLAlchemy `Table` (a model's `__table__`, `metadata.tables[...]`) and "
        "`conn.execute(DropTable(table))` (also `self._execute(conn, DropTable(table))`). `drop()` on "
        "anything else (a DataFrame) is not reported. "
        "Tests, migrations and env.py are not checked."
    )
    why_bad = (
        "`drop_all()` drops every table of the metadata, data included, without a migration. In application "
        "code it is one wrong environment variable away from wiping a production database, and the "
        "Alembic version table is left claiming a schema that no longer exists."
    )
    example = source("""
        from app.db import Base, engine


        def reset_database() -> None:
            Base.metadata.drop_all(engine)  # error: DBL105
    """)
    use_instead = source("""
        import subprocess


        def reset_database() -> None:
            subprocess.run(["alembic", "downgrade", "base"], check=True)
    """)

    method = "drop_all"
    effect = "drops"
    verb = "drop"

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        yield from super().check_file(facts, index)
        yield from _single_table_findings(self, facts, index, drops_one_table, "drops")


class TableCreateOutsideMigrations(Rule):
    code = "DBL104"
    name = "table-create-outside-migrations"
    summary = "Single-table create (`table.create()`, `Model.__table__.create()`) outside tests and migrations"
    fix_hint = "create the table in an Alembic migration (`op.create_table`)"
    what_it_does = (
        "Finds `.create(...)` called on a SQLAlchemy `Table`: a name bound to `Table(...)` or `db.Table(...)`, "
        'a model\'s `__table__`, or `metadata.tables["name"]`, and `conn.execute(CreateTable(table))` '
        "whatever `table` is (a loop variable, a parameter: `CreateTable` takes only a table). "
        "`create()` on anything else (a model "
        "classmethod, a session, an `Enum` type) is not reported."
    )
    why_bad = (
        "Creating one table from application code bypasses Alembic just like `create_all()`: the table has "
        "no migration, so fresh environments and the migration history disagree about the schema."
    )
    example = source("""
        from sqlalchemy import Column, Integer, MetaData, Table, create_engine

        metadata = MetaData()
        audit_log = Table("audit_log", metadata, Column("id", Integer, primary_key=True))

        engine = create_engine("sqlite://")
        audit_log.create(engine, checkfirst=True)  # error: DBL104
    """)
    use_instead = source("""
        from sqlalchemy import Column, Integer, MetaData, Table

        metadata = MetaData()
        audit_log = Table("audit_log", metadata, Column("id", Integer, primary_key=True))
        # audit_log is created by an Alembic migration: op.create_table("audit_log", ...)
    """)

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        yield from _single_table_findings(self, facts, index, creates_one_table, "creates")


class RawCreateTable(Rule):
    code = "DBL102"
    name = "raw-create-table"
    summary = "Raw SQL `CREATE TABLE` string outside tests and migrations"
    fix_hint = "create the table in an Alembic migration (`op.create_table`)"
    what_it_does = (
        "Reads every string literal of application code (implicit concatenation, triple-quoted strings, "
        "f-strings, `%` and `.format` templates, `text(...)`) and reports those that have the shape of a "
        "`CREATE [OR REPLACE] [UNLOGGED] TABLE [IF NOT EXISTS] name (...)` or `... AS ...` statement. "
        "Temporary tables, Alembic's own `alembic_version` table created by hand (a stamp, as after "
        "`create_all()`), docstrings, comments, log, print and exception messages, and prose such as "
        '"could not create table users" are not reported, nor is a module whose every database is in memory '
        '(`sqlite3.connect(":memory:")`, `create_engine("sqlite://")`: scratch tables that vanish with the '
        "connection; a module that also opens any other database is checked), nor a migration runner of the "
        "project's own: a "
        "`migrations.py` (or a module under `migrations/`) of numbered steps such as `async def m001_initial(db)` "
        "or functions a runner registers by number (`@RegisterMigration(4, MIGRATIONS)`, MediaGoblin), "
        "a numbered module of a `migrations/`, `delta/` or `upgrade/` directory (`migrations/0003_add_flags.py`, "
        "`upgrade/v02_engine.py`) or of a package `versions` in one (`migrations/versions/v2_3_0.py`) "
        "or a module of a numbered version directory there "
        "(`schema/delta/27/add_ts.py`, `migrations/v1_to_v2/convert.py`), nor a module-level function named as a numbered upgrade step "
        "(`upgrade_v1`, `upgrade_v2`: the steps of mautrix's `UpgradeTable`), nor an item of a module- or "
        'class-level list, tuple or dict named `MIGRATIONS` or `*_MIGRATIONS` (`MIGRATIONS = ["CREATE TABLE '
        '...", "ALTER TABLE ..."]`, also the statement a step object wraps: the steps of a runner that '
        "applies them in order and records the version reached, as langgraph's checkpointers do). The statement of a `DDL(...)` "
        'construct handed to `event.listen(table, "after_create", ...)` (or `before_create`, `after_drop`, '
        "`before_drop`, on a table or a MetaData; directly or by its module-level name, `.execute_if(...)` "
        "allowed) is reported saying so: it runs whenever SQLAlchemy creates or drops the table "
        "(`create_all()`, `create()`), never in a migration, so a database built by migrations lacks it unless "
        "a migration makes the same change."
    )
    why_bad = (
        "A table created by a SQL string in a script or at startup has no migration and no model Alembic "
        "can compare: fresh databases miss it or get a different definition, and nobody finds it until an "
        "audit."
    )
    example = source("""
        from sqlalchemy import text


        def ensure_tables(conn) -> None:
            conn.execute(text("CREATE TABLE IF NOT EXISTS audit_log (id SERIAL PRIMARY KEY, event TEXT)"))  # error: DBL102
    """)
    use_instead = source("""
        # migrations/versions/3f2a_add_audit_log.py
        import sqlalchemy as sa
        from alembic import op

        revision = "3f2a"
        down_revision = None


        def upgrade() -> None:
            op.create_table("audit_log", sa.Column("id", sa.Integer, primary_key=True), sa.Column("event", sa.Text))
    """)

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        if not index.is_application_code(facts):
            return
        for string, statements, when in _lasting_ddl(facts):
            for statement in statements:
                if statement.kind == sql.CREATE_TABLE:
                    yield self.diagnostic(
                        facts.path,
                        string.line,
                        string.column,
                        f"raw SQL creates table{_shown_name(statement.name)}{when} outside Alembic migrations",
                        string.end_line,
                        hint=_hint(self, index),
                    )
                    break


_DDL_WORDS = {
    sql.ALTER_TABLE: "ALTER TABLE",
    sql.DROP_TABLE: "DROP TABLE",
    sql.CREATE_INDEX: "CREATE INDEX",
    sql.DROP_INDEX: "DROP INDEX",
    sql.CREATE_VIEW: "CREATE VIEW",
    sql.DROP_VIEW: "DROP VIEW",
    sql.CREATE_TYPE: "CREATE TYPE",
    sql.DROP_TYPE: "DROP TYPE",
    sql.CREATE_SEQUENCE: "CREATE SEQUENCE",
    sql.DROP_SEQUENCE: "DROP SEQUENCE",
    sql.CREATE_SCHEMA: "CREATE SCHEMA",
    sql.DROP_SCHEMA: "DROP SCHEMA",
    sql.RENAME_TABLE: "RENAME TABLE",
}


class RawSchemaDdl(Rule):
    code = "DBL103"
    name = "raw-schema-ddl"
    summary = "Raw schema-changing DDL (`ALTER TABLE`, `DROP TABLE`, `CREATE INDEX`, views, types, ...) outside tests and migrations"
    fix_hint = "make the schema change in an Alembic migration"
    what_it_does = (
        "Reports string literals in application code that are `ALTER TABLE`, `DROP TABLE`, "
        "`CREATE/DROP [UNIQUE] INDEX`, `CREATE [MATERIALIZED] VIEW`, `CREATE TYPE/SEQUENCE/SCHEMA` (and their "
        "`DROP`) or `RENAME TABLE` statements, read the same way as DBL102, and SQLAlchemy's DDL constructs "
        "executed there (`conn.execute(CreateIndex(index))`, `CreateSchema`, `CreateSequence`, "
        "`AddConstraint`, their `Drop...`; also handed to a wrapper named `execute` or `_execute` with the "
        "connection, `self._execute(conn, CreateSchema(name))`). DML (`SELECT`, `INSERT`, "
        "`UPDATE`, `DELETE`) is never reported, nor are modules whose every database is in memory and the "
        "numbered steps of a project's own migration runner (see DBL102), nor DDL on a temporary table the "
        "same module creates (`DROP TABLE`, `ALTER TABLE` or `CREATE INDEX ... ON` a table of its "
        "`CREATE TEMPORARY TABLE`): scratch work of one connection."
    )
    why_bad = (
        "Schema changes made by ad-hoc SQL are invisible to Alembic: the migration history no longer "
        "describes the database, autogenerate proposes to undo the change, and other environments never "
        "receive it."
    )
    example = source("""
        def add_column(cursor) -> None:
            cursor.execute("ALTER TABLE users ADD COLUMN last_login TIMESTAMP")  # error: DBL103
    """)
    use_instead = files(
        {
            EXAMPLE_PATH: "# (the schema changes in a migration)\n",
            "migrations/versions/6b0c_create_users.py": source("""
                import sqlalchemy as sa
                from alembic import op

                revision = "6b0c"
                down_revision = None


                def upgrade() -> None:
                    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True))
            """),
            "migrations/versions/7c1d_add_last_login.py": source("""
                import sqlalchemy as sa
                from alembic import op

                revision = "7c1d"
                down_revision = "6b0c"


                def upgrade() -> None:
                    op.add_column("users", sa.Column("last_login", sa.DateTime()))
            """),
        }
    )

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        if not index.is_application_code(facts):
            return
        for string, statements, when in _lasting_ddl(facts):
            for statement in statements:
                words = _DDL_WORDS.get(statement.kind)
                if words is not None:
                    target = _shown_name(statement.name)
                    yield self.diagnostic(
                        facts.path,
                        string.line,
                        string.column,
                        f"raw SQL {words}{target}{when} changes the schema outside Alembic migrations",
                        string.end_line,
                        hint=_hint(self, index),
                    )
                    break
        for call in executed_constructs(facts):
            yield self.diagnostic(
                facts.path,
                call.line,
                call.column,
                f"executing {call.method}({_shown_receiver(call.receiver)}) changes the schema "
                "outside Alembic migrations",
                call.end_line,
                hint=_hint(self, index),
            )
