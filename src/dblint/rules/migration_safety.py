"""DBL501-DBL509: operations that lock or break a live PostgreSQL database.

The rules judge the operations of `index.databases.checked_operations`: revisions of
PostgreSQL script locations after `safety-since`, replayed statically so that each
operation knows whether its table existed before the revision (an operation on a table
created earlier in the same revision is never reported: nobody uses it yet).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import NamedTuple, Optional

from dblint.diagnostics import Diagnostic
from dblint.facts.model import Expr
from dblint.facts.vocabulary import core_operation
from dblint.fixes.concurrent_index import plan_concurrent_index
from dblint.fixes.fk_type import plan_outcome
from dblint.fixes.model import Fix
from dblint.index import ProjectIndex
from dblint.index.columns import ColumnSpec, column_from_expr
from dblint.index.databases import CheckedOperation, checked_operations, commit_ends_transaction
from dblint.index.names import Names
from dblint.index.replay import EXISTED, OperationView, Replay, TableKey
from dblint.index.replay.schema import qualified_name
from dblint.index.schema import model_schema
from dblint.index.tables import TableDef
from dblint.index.type_changes import ColumnType, column_type, may_be_widening, rewrites_table
from dblint.index.types import TypeFamily
from dblint.rules.base import Family, Rule
from dblint.rules.examples import (
    ALEMBIC_INI,
    TRACKING_ENV,
    declarative_models,
    files,
    flagged,
    migration_file,
    source,
)

FAMILY = Family(
    "DBL501",
    "DBL509",
    "Migration safety",
    "operations that lock or break a live PostgreSQL database",
)

_AUTOCOMMIT = "`with op.get_context().autocommit_block():`"
_CONCURRENT_SQL = re.compile(
    r"\b(?:CREATE\s+(?:UNIQUE\s+)?INDEX|DROP\s+INDEX|REINDEX\b[^;]*?)\s+CONCURRENTLY(?:\s+IF\s+(?:NOT\s+)?EXISTS)?(?:\s+(?P<name>[\w.\"{}]+))?",
    re.IGNORECASE,
)
_NEW_COLUMN = "add a new column, backfill, and switch over"
_NOT_NULL_CHECK = r"\(\s*\"?{column}\"?\s+IS\s+NOT\s+NULL\s*\)"

# -- examples -------------------------------------------------------------------------------

_INI = ALEMBIC_INI + "sqlalchemy.url = postgresql://localhost/app\n"
_CREATE_USERS = source("""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(100), nullable=False),
    )""")
_USER_MODEL = source("""
    class User(Base):
        __tablename__ = "{table}"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        email: Mapped[str] = mapped_column(String(100))
    {extra}""")
_ACTIVE_COLUMN = "    active: Mapped[bool] = mapped_column(nullable=False)\n"


def _models(table: str = "users", extra: str = "") -> str:
    """The models: `User` on table `table`, with the `extra` lines at the end of its body."""
    return declarative_models(
        "from sqlalchemy import Integer, String", _USER_MODEL.format(table=table, extra=extra)
    )


def _example(body: str, models: str = "") -> Mapping[str, str]:
    """A PostgreSQL project whose first revision creates `users` and whose second runs `body`
    (the models: `models`, else those of `_models()`)."""
    return files(
        {
            "alembic.ini": _INI,
            "migrations/env.py": TRACKING_ENV,
            "app/__init__.py": "",
            "app/models.py": models or _models(),
            "migrations/versions/1a_users.py": migration_file("1a", "None", _CREATE_USERS),
            "migrations/versions/2b_change.py": migration_file("2b", '"1a"', body),
        }
    )


# -- reading operations -------------------------------------------------------------------------


def _argument(view: OperationView, name: str) -> Optional[Expr]:
    return next((value for key, value in view.bound if key == name), None)


def _literal(view: OperationView, name: str) -> Optional[str]:
    """A literal argument's text; the name inside `op.f("name")`; None for `None` or a computed value."""
    value = _argument(view, name)
    if (
        value is not None
        and value.kind == "call"
        and value.text.rsplit(".", 1)[-1] == "f"
        and value.args
    ):
        value = value.args[0]
    if value is None or value.kind not in ("str", "const") or value.text == "None":
        return None
    return _known(value.text)


def _known(name: Optional[str]) -> Optional[str]:
    """A name as written, None when it is a template computed at run time (`f"{prefix}_events"`)."""
    return None if name is None or "{}" in name else name


# How a message names what a migration names with a computed value (never `{}_events` or `?`).
_COMPUTED = "with a computed name"
_COMPUTED_INDEX = f"an index {_COMPUTED}"


def _named(view: OperationView, name: str, computed: str, absent: str) -> str:
    """The literal name an argument gives, else `computed` when it is given and computed, else `absent`."""
    literal = _literal(view, name)
    if literal is not None:
        return literal
    value = _argument(view, name)
    return absent if value is None or (value.kind == "const" and value.text == "None") else computed


def _is_true(view: OperationView, name: str) -> bool:
    """True when the keyword is given and is not the literal False / None."""
    value = _argument(view, name)
    return value is not None and not (value.kind == "const" and value.text in ("False", "None"))


def _is_literally_true(view: OperationView, name: str) -> bool:
    """True when the keyword is `True` (or a constant the replay resolves to it). A computed value
    (`postgresql_concurrently=concurrently`) is concurrent only on some runs, and phoenix takes the
    revision out of its transaction on exactly those runs: whether it fails is not known."""
    value = _argument(view, name)
    return value is not None and value.kind == "const" and value.text == "True"


def _table_name(view: OperationView) -> Optional[str]:
    """The operation's table as messages write it; None when its name is computed."""
    return qualified_name(view.table) if view.table is not None else None


def _existing_table(view: OperationView) -> str:
    table = _table_name(view)
    return f"existing table {table}" if table else f"an existing table {_COMPUTED}"


def _column_of(view: OperationView, column: Optional[str]) -> str:
    """`users.email`, spelled out when the table's or the column's name is computed."""
    table = _table_name(view)
    if table and column:
        return f"{table}.{column}"
    owner = f"table {table}" if table else f"a table {_COMPUTED}"
    return f"column {column} of {owner}" if column else f"a column {_COMPUTED} of {owner}"


def _operation_name(view: OperationView) -> str:
    prefix = "batch_op" if view.step.kind == "batch" else "op"
    return f"{prefix}.{view.step.name}"


# GeoAlchemy2's `alembic_helpers` operations are `CreateIndexOp` / `DropIndexOp` subclasses: on
# PostgreSQL they build or drop a plain index, `postgresql_concurrently=True` included.
_INDEX_OPS = ("create_index", "drop_index")


def _execution_name(view: OperationView) -> str:
    """An SQL execution as the migration calls it: `op.execute()`, `conn.exec_driver_sql()`,
    `op.get_bind().execute()` (`execute()` when the receiver is no plain chain)."""
    return f"{view.step.call or 'execute'}()"


def _on_existing(index: ProjectIndex, *names: str) -> Iterator[CheckedOperation]:
    """Operations named so on a table that existed before their revision."""
    for item in checked_operations(index):
        view = item.view
        if (
            view.step.kind in ("op", "batch")
            and core_operation(view.step.name) in names
            and view.table_state == EXISTED
        ):
            yield item


def _tracked_tables(index: ProjectIndex, replay: Replay) -> Optional[list[TableDef]]:
    """The model tables the script location's env.py tracks (None when unknown)."""
    schema = model_schema(index)
    for tracking in schema.tracking:
        if tracking.location == replay.graph.location and tracking.metadata is not None:
            return schema.tracked_tables(tracking)
    return None


def _model_table(index: ProjectIndex, replay: Replay, key: TableKey) -> Optional[TableDef]:
    tables = _tracked_tables(index, replay) or []
    lowered = key[1].lower()
    return next(
        (
            table
            for table in tables
            if (table.name or "").lower() == lowered
            and (table.schema == key[0] or not key[0] or not table.schema)
        ),
        None,
    )


class _Finding(NamedTuple):
    """A finding of a migration-safety rule: the operation, what is wrong with it, and the
    change that suits its case (the rule's `fix_hint` is the general one)."""

    view: OperationView
    what: str
    hint: str


class _SafetyRule(Rule):
    """Reports at the operation each finding of `findings`, worded by `Rule.diagnostic`."""

    case_hints = True

    def findings(self, index: ProjectIndex) -> Iterable[_Finding]:
        raise NotImplementedError

    def planned(self, index: ProjectIndex, view: OperationView) -> tuple[Optional[Fix], str]:
        """The fix a finding carries, or the note saying why none is offered (rules with a fix)."""
        return None, ""

    def check_project(self, index: ProjectIndex) -> Iterable[Diagnostic]:
        for view, what, hint in self.findings(index):
            step = view.step
            fix, note = self.planned(index, view)
            yield self.diagnostic(
                view.path,
                step.line,
                step.column,
                what,
                step.end_line,
                fix=fix,
                note=note,
                hint=hint,
            )


_SINCE_OPTION = (
    '`safety-since = "<revision id>"` checks only the revisions after that one; `dialect = "postgresql"` '
    "when neither alembic.ini's `sqlalchemy.url` nor a dialect import says the database is PostgreSQL."
)


class IndexWithoutConcurrently(_SafetyRule):
    code = "DBL501"
    name = "index-without-concurrently"
    summary = "Index created on an existing table without `postgresql_concurrently=True`"
    fix_hint = "build the index with `postgresql_concurrently=True` inside `autocommit_block()`"
    what_it_does = (
        "Reports `op.create_index(...)` and `batch_op.create_index(...)` (and GeoAlchemy2's "
        "`create_geospatial_index`) on a table that existed before the revision (PostgreSQL script locations only), unless it passes `postgresql_concurrently=True`."
    )
    why_bad = (
        "`CREATE INDEX` takes a SHARE lock on the table for the whole build: every INSERT, UPDATE and DELETE "
        "waits until the index is built, minutes on a large table. `CREATE INDEX CONCURRENTLY` builds it "
        "while writes go on (it cannot run in a transaction, hence `autocommit_block()`)."
    )
    example = _example('op.create_index("ix_users_email", "users", ["email"])  # error: DBL501')
    use_instead = _example(
        source("""
            with op.get_context().autocommit_block():
                op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)
        """)
    )
    options = _SINCE_OPTION
    fix = (
        "`dblint check --fix` adds `postgresql_concurrently=True` and wraps the call in "
        "`with op.get_context().autocommit_block():` when the call is a statement of `upgrade()` itself and the "
        "revision does nothing else: a concurrent build outside the migration's transaction would otherwise "
        "commit the revision's other operations early."
    )

    def planned(self, index: ProjectIndex, view: OperationView) -> tuple[Optional[Fix], str]:
        return plan_outcome(plan_concurrent_index(index, view))

    def findings(self, index: ProjectIndex) -> Iterable[_Finding]:
        for item in _on_existing(index, "create_index"):
            view = item.view
            if _is_true(view, "postgresql_concurrently"):
                continue
            index_name = _named(view, "index_name", _COMPUTED_INDEX, "the index")
            yield _Finding(
                view,
                (
                    f"{_operation_name(view)} builds {index_name} on {_existing_table(view)} with a SHARE lock that "
                    f"blocks every write to {_table_name(view) or 'it'} until the build ends"
                ),
                f"pass postgresql_concurrently=True inside {_AUTOCOMMIT}",
            )


class ConcurrentIndexInTransaction(_SafetyRule):
    code = "DBL502"
    name = "concurrent-index-in-transaction"
    summary = "Concurrent index create or drop outside `autocommit_block()`"
    fix_hint = "run the concurrent operation inside `autocommit_block()`"
    what_it_does = (
        "Reports `create_index` / `drop_index` (and GeoAlchemy2's `create_geospatial_index` / "
        "`drop_geospatial_index`) with `postgresql_concurrently=True`, and SQL executed (`op.execute()`, "
        "`conn.execute(text(...))`, `conn.exec_driver_sql()`) with "
        "`CREATE INDEX CONCURRENTLY` / `DROP INDEX CONCURRENTLY` / `REINDEX ... CONCURRENTLY`, that do not run "
        "inside `with op.get_context().autocommit_block():` (directly or through a helper called there), "
        "when the keyword is `True` (a computed value is concurrent only on some runs, which may be the ones "
        "the revision takes out of its transaction: not reported), "
        'unless env.py turns transactional DDL off (`transactional_ddl=False`) or an `op.execute("COMMIT")` '
        "earlier in the revision ended its transaction: psycopg2 (SQLAlchemy's default driver) and asyncpg "
        "then run what follows outside any transaction. With `postgresql+psycopg://` or `+pg8000://` in "
        "`sqlalchemy.url` the driver begins a new transaction after the `COMMIT`, and the finding stays. "
        "A statement executed on a connection that the revision committed (`conn.commit()`) and then "
        'switched to `conn.execution_options(isolation_level="AUTOCOMMIT")` runs outside any transaction '
        "with every driver, and is not reported; nor is one on a new connection from the engine switched so "
        '(`with bind.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:`), which has '
        "no transaction to leave. Every `op.get_bind()` is Alembic's one connection, "
        "whatever name holds it, so once it is switched, `op.*` operations and names bound to "
        "`op.get_bind()` again are not reported either, nor are those of a helper of the file called "
        "afterwards; a name bound to anything else (`conn: "
        "Connection = engine.connect()`, `with ... as conn`, `(conn := ...)`, a loop) holds a "
        "connection of its own, in a transaction until the revision commits and switches that one."
    )
    why_bad = (
        "Alembic runs each migration in a transaction on PostgreSQL, and PostgreSQL refuses the concurrent "
        "forms there: `CREATE INDEX CONCURRENTLY cannot run inside a transaction block`. The deploy fails at "
        "this revision."
    )
    example = _example(
        'op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)  # error: DBL502'
    )
    use_instead = IndexWithoutConcurrently.use_instead
    options = _SINCE_OPTION

    def findings(self, index: ProjectIndex) -> Iterable[_Finding]:
        for item in checked_operations(index):
            view = item.view
            if view.autocommit or _without_transactions(index, item.replay):
                continue
            if view.after_commit and commit_ends_transaction(item.replay.graph):
                continue
            where = (
                "a transaction the driver begins again after the revision's COMMIT"
                if view.after_commit
                else "the migration's transaction"
            )
            statement = (
                _CONCURRENT_SQL.search(view.step.sql or "") if view.step.kind == "sql" else None
            )
            if statement is not None:
                yield _Finding(
                    view,
                    (
                        f"{_execution_name(view)} of {_statement(statement)} runs inside {where}, where PostgreSQL "
                        "refuses it"
                    ),
                    f"run it inside {_AUTOCOMMIT}",
                )
            elif core_operation(view.step.name) in _INDEX_OPS and _is_literally_true(
                view, "postgresql_concurrently"
            ):
                index_name = _named(view, "index_name", _COMPUTED_INDEX, "the index")
                yield _Finding(
                    view,
                    (
                        f"{_operation_name(view)} of {index_name} with postgresql_concurrently=True runs inside "
                        f"{where}, where PostgreSQL refuses it"
                    ),
                    f"put it inside {_AUTOCOMMIT}",
                )


def _statement(found: re.Match[str]) -> str:
    """The concurrent statement as a message quotes it (an index name computed at run time said so)."""
    name = found.group("name") or ""
    if "{}" not in name:
        return " ".join(found.group(0).split())
    return f"{' '.join(found.group(0)[: found.start('name') - found.start()].split())} of {_COMPUTED_INDEX}"


def _without_transactions(index: ProjectIndex, replay: Replay) -> bool:
    """True when env.py configures Alembic with `transactional_ddl=False`."""
    facts = index.files.get(replay.graph.location.env_path)
    if facts is None:
        return False
    for call in facts.calls:
        value = call.expr.keyword("transactional_ddl")
        if value is not None and value.kind == "const" and value.text == "False":
            return True
    return False


class NotNullColumnWithoutDefault(_SafetyRule):
    code = "DBL503"
    name = "not-null-column-without-default"
    summary = "NOT NULL column added to an existing table without `server_default`"
    fix_hint = "add the column with a `server_default`, or nullable, then backfill"
    what_it_does = (
        "Reports `op.add_column(...)` / `batch_op.add_column(...)` of a column declared `nullable=False` (or "
        "`primary_key=True`) without `server_default`, `Identity()` or `Computed()`, on a table that existed "
        "before the revision. An integer primary key that SQLAlchemy adds as `SERIAL` (no foreign key, no "
        "`default=`, no `autoincrement=False`) is filled by its sequence and not reported."
    )
    why_bad = (
        "The existing rows get NULL in the new column, which violates NOT NULL: on any non-empty table the "
        "migration fails (`column ... contains null values`). A client-side `default=` does not help; the "
        "database never sees it."
    )
    example = _example(
        'op.add_column("users", sa.Column("active", sa.Boolean(), nullable=False))  # error: DBL503',
        _models(extra=_ACTIVE_COLUMN),
    )
    use_instead = _example(
        'op.add_column("users", sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.false()))',
        _models(extra=_ACTIVE_COLUMN),
    )
    options = _SINCE_OPTION

    def findings(self, index: ProjectIndex) -> Iterable[_Finding]:
        for item in _on_existing(index, "add_column"):
            view = item.view
            column = _argument(view, "column")
            spec = column_from_expr(column, lambda written: written) if column is not None else None
            if spec is None or not (spec.nullable is False or spec.primary_key):
                continue
            if spec.server_default or _generated(column) or _serial(spec, column):
                continue
            name = _known(spec.name)
            added = f"NOT NULL column {name}" if name else f"a NOT NULL column {_COMPUTED}"
            yield _Finding(
                view,
                (
                    f"{_operation_name(view)} adds {added} without server_default to {_existing_table(view)}: it "
                    "fails on any non-empty table because the existing rows get NULL"
                ),
                "add it with a server_default (or nullable, backfill, then set NOT NULL)",
            )


def _generated(column: Optional[Expr]) -> bool:
    """A column whose values the database generates (`Identity()`, `Computed(...)`)."""
    if column is None:
        return False
    return any(
        arg.kind == "call" and arg.text.rsplit(".", 1)[-1] in ("Identity", "Computed")
        for arg in column.args
    )


def _serial(spec: ColumnSpec, column: Optional[Expr]) -> bool:
    """An integer primary key SQLAlchemy adds as `SERIAL` / `BIGSERIAL` on PostgreSQL (the sole
    primary key column `add_column` compiles, with no foreign key, client default or
    `autoincrement=False`): the sequence fills the existing rows."""
    if column is None or not spec.primary_key or spec.family != TypeFamily.INTEGER:
        return False
    autoincrement = column.keyword("autoincrement")
    return (
        spec.foreign_key is None
        and column.keyword("default") is None
        and not (autoincrement is not None and autoincrement.text in ("False", "None"))
    )


class TableRewritingTypeChange(_SafetyRule):
    code = "DBL504"
    name = "table-rewriting-type-change"
    summary = "Column type change that rewrites the table"
    fix_hint = "add a new column, backfill it and switch to it"
    what_it_does = (
        "Reports `alter_column(..., type_=...)` on a table that existed before the revision unless the change "
        "is a widening PostgreSQL does in place: `VARCHAR(n)` to `VARCHAR(m >= n)`, unlimited `VARCHAR` or "
        "`TEXT`, `TEXT` to unlimited `VARCHAR`, `NUMERIC(p, s)` to `NUMERIC(q >= p, s)` or unconstrained `NUMERIC`. The old type comes from "
        "`existing_type=` (which autogenerate writes) or else from the replayed schema (the type, sizes and time "
        "zone the migration that made the column wrote, also in a raw `CREATE TABLE`); when neither says, "
        "the finding says so (a change to `TEXT`, unlimited `VARCHAR` or unconstrained `NUMERIC` needs no old "
        "size and is not reported). One type spelled two ways is no change (`postgresql.TIMESTAMP()` and "
        "`sa.DateTime()`, `sa.BIGINT()` and `sa.BigInteger()`); `timezone=True` makes another type. A change "
        "to a type that is not SQLAlchemy's own (a library's or the project's, such as sqlalchemy-utils' "
        "`URLType`), whose SQL type dblint does not read, is reported saying so. A `with_variant` type is "
        'judged on its PostgreSQL variant when the last `with_variant` names `"postgresql"`; any other '
        "`with_variant` chain is reported as a type dblint cannot read."
    )
    why_bad = (
        "Any other type change rewrites the whole table and rebuilds its indexes under an ACCESS EXCLUSIVE "
        "lock: no reads and no writes for the duration, and twice the table's disk space."
    )
    example = _example(
        'op.alter_column("users", "email", type_=sa.Integer(), existing_type=sa.String(100))  # error: DBL504',
        flagged(_models(), "email:", "DBL412"),
    )
    use_instead = _example(
        'op.alter_column("users", "email", type_=sa.String(320), existing_type=sa.String(100))'
    )
    options = _SINCE_OPTION

    def findings(self, index: ProjectIndex) -> Iterable[_Finding]:
        names = Names(index.resolver)
        for item in _on_existing(index, "alter_column"):
            view = item.view
            new = column_type(_argument(view, "type_"))
            if new is None:
                continue
            old = column_type(_argument(view, "existing_type")) or view.column_type
            if old is not None and not rewrites_table(old, new):
                continue  # a widening in place (to `TEXT`: whatever the old size)
            column = _column_of(view, _literal(view, "column_name"))
            if not new.known:
                yield _Finding(
                    view,
                    (
                        f"{_operation_name(view)} changes the type of {column} to {new.written}, a variant whose "
                        f"type on PostgreSQL dblint cannot read ({_VARIANT_READ}); unless that is a widening "
                        "PostgreSQL does in place, it rewrites the table under an ACCESS EXCLUSIVE lock"
                    ),
                    _NEW_COLUMN,
                )
            elif not _sqlalchemy_type(names, index.module_of(view.path), new):
                # funnel's `UrlType()` (coaster's, over `TEXT`): its SQL type is the library's to say.
                yield _Finding(
                    view,
                    (
                        f"{_operation_name(view)} changes the type of {column} to {new.written}, whose SQL type "
                        "dblint cannot read (a library's or the project's type); unless that is a widening "
                        "PostgreSQL does in place, it rewrites the table under an ACCESS EXCLUSIVE lock"
                    ),
                    _NEW_COLUMN,
                )
            elif (
                old is None
                or not old.known
                or (not (old.literal and new.literal) and may_be_widening(old, new))
            ):
                if old is None:
                    current = "its current type (no literal existing_type=)"
                elif not old.known:
                    current = (
                        f"its current type on PostgreSQL (existing_type={old.written} is a variant it "
                        f"cannot read: {_VARIANT_READ})"
                    )
                else:
                    current = (
                        f"the current size of its {old.written} type (no literal existing_type=)"
                    )
                yield _Finding(
                    view,
                    (
                        f"{_operation_name(view)} changes the type of {column} to {new.written}; dblint cannot tell "
                        f"{current}, and unless this is a widening PostgreSQL does in place "
                        "it rewrites the table under an ACCESS EXCLUSIVE lock"
                    ),
                    _NEW_COLUMN,
                )
            else:
                yield _Finding(
                    view,
                    (
                        f"{_operation_name(view)} changes {column} from {old.written} to {new.written}, which rewrites "
                        "the table and its indexes under an ACCESS EXCLUSIVE lock (no reads or writes)"
                        + (
                            _ZONE_NOTE
                            if {old.kind, new.kind} == {"timestamp", "timestamptz"}
                            else ""
                        )
                    ),
                    _NEW_COLUMN,
                )


# Why a `with_variant` type is unknown: the facts keep only a chain's last call's arguments.
_VARIANT_READ = 'only a last with_variant() naming "postgresql" is read'

# PostgreSQL 12 release notes: a change between `timestamp` and `timestamptz` is done in place
# when the session's time zone is UTC (the values then read the same).
_ZONE_NOTE = " unless the migration's session runs with TimeZone UTC (PostgreSQL 12 and later)"


def _sqlalchemy_type(names: Names, module: str, written: ColumnType) -> bool:
    """Whether a type is SQLAlchemy's own (`sa.Unicode`, `postgresql.ARRAY`), whose SQL type dblint
    reads, rather than a library's or the project's (`UrlType`), whose SQL type only its `impl` says."""
    qualified = names.qualify(module, written.written.split("(", 1)[0].strip())
    return qualified.split(".", 1)[0] == "sqlalchemy"


class ForeignKeyWithoutNotValid(_SafetyRule):
    code = "DBL505"
    name = "foreign-key-without-not-valid"
    summary = "Foreign key added to an existing table without `postgresql_not_valid=True`"
    fix_hint = "add the foreign key with `postgresql_not_valid=True`, then validate it"
    default = False
    what_it_does = (
        "Reports `create_foreign_key(...)` without `postgresql_not_valid=True`, and `add_column` of a column "
        "with a `ForeignKey(...)`, on a table that existed before the revision."
    )
    why_bad = (
        "Adding a validated foreign key takes a SHARE ROW EXCLUSIVE lock on both tables and scans the whole "
        "referencing table while holding it: writes to both tables stop. Add it `NOT VALID` (instant) and "
        "run `ALTER TABLE ... VALIDATE CONSTRAINT` in a later migration, which locks much less."
    )
    example = _example(
        'op.create_foreign_key("fk_users_team", "users", "teams", ["team_id"], ["id"])  # error: DBL505'
    )
    use_instead = _example(
        source("""
            op.create_foreign_key("fk_users_team", "users", "teams", ["team_id"], ["id"], postgresql_not_valid=True)
            op.execute("ALTER TABLE users VALIDATE CONSTRAINT fk_users_team")
        """)
    )
    options = _SINCE_OPTION

    def findings(self, index: ProjectIndex) -> Iterable[_Finding]:
        lock = "locks both tables against writes while it checks every row"
        hint = (
            "add it with postgresql_not_valid=True, then VALIDATE CONSTRAINT in a later migration"
        )
        for item in _on_existing(index, "create_foreign_key", "add_column"):
            view = item.view
            table = _table_name(view)
            if view.step.name == "create_foreign_key" and not _is_true(
                view, "postgresql_not_valid"
            ):
                referent = _named(view, "referent_table", f"a table {_COMPUTED}", "?")
                local = _argument(view, "local_cols")
                columns = (
                    ", ".join(
                        _known(arg.text) or "(computed)" for arg in local.args if arg.kind == "str"
                    )
                    if local is not None
                    else ""
                )
                name = _named(view, "constraint_name", _COMPUTED, "(unnamed)")
                on = (
                    f"existing table {table}({columns})"
                    if table
                    else f"an existing table {_COMPUTED} ({columns})"
                )
                yield _Finding(
                    view,
                    (
                        f"{_operation_name(view)} adds validated foreign key {name} on {on} referencing {referent}: "
                        f"it {lock}"
                    ),
                    hint,
                )
            elif view.step.name == "add_column" and _has_foreign_key(_argument(view, "column")):
                column = _argument(view, "column")
                spec = (
                    column_from_expr(column, lambda written: written)
                    if column is not None
                    else None
                )
                column_name = _known(spec.name if spec else None)
                added = (
                    f"column {table}({column_name})"
                    if table and column_name
                    else f"column {column_name}"
                    if column_name
                    else f"a column {_COMPUTED}"
                )
                yield _Finding(
                    view,
                    (
                        f"{_operation_name(view)} adds {added} with a validated foreign key to "
                        f"{_existing_table(view)}: it {lock}"
                    ),
                    hint,
                )


def _has_foreign_key(column: Optional[Expr]) -> bool:
    return column is not None and any(
        arg.kind == "call" and arg.text.rsplit(".", 1)[-1] == "ForeignKey" for arg in column.args
    )


class SetNotNullWithoutCheck(_SafetyRule):
    code = "DBL506"
    name = "set-not-null-without-check"
    summary = "NOT NULL set on an existing column with no validated CHECK proving it"
    fix_hint = "add a NOT VALID `CHECK (column IS NOT NULL)` and validate it first"
    default = False
    what_it_does = (
        "Reports `alter_column(..., nullable=False)` on a table that existed before the revision, unless an "
        "earlier operation (this revision or an older one) added a validated `CHECK (column IS NOT NULL)` "
        "constraint on it (`op.create_check_constraint`, or SQL with the check that is not `NOT VALID`, or "
        "one validated later with `VALIDATE CONSTRAINT`)."
    )
    why_bad = (
        "`SET NOT NULL` scans the whole table under an ACCESS EXCLUSIVE lock. Since PostgreSQL 12 the scan "
        "is skipped when a valid CHECK constraint already proves the column is not null: add the check "
        "`NOT VALID`, `VALIDATE CONSTRAINT` it (a light lock), then set NOT NULL and drop the check. Best "
        "validate in an earlier revision than the one that added the check: in one transaction the lock the "
        "`ADD CONSTRAINT` took is held through the validation."
    )
    example = _example('op.alter_column("users", "email", nullable=False)  # error: DBL506')
    use_instead = _example(
        source("""
            op.execute("ALTER TABLE users ADD CONSTRAINT email_not_null CHECK (email IS NOT NULL) NOT VALID")
            op.execute("ALTER TABLE users VALIDATE CONSTRAINT email_not_null")
            op.alter_column("users", "email", nullable=False)
        """)
    )
    options = _SINCE_OPTION

    def findings(self, index: ProjectIndex) -> Iterable[_Finding]:
        checked = {id(item.view) for item in checked_operations(index)}
        replays = {id(item.replay): item.replay for item in checked_operations(index)}
        for replay in replays.values():
            yield from self._in_replay(replay, checked)

    def _in_replay(self, replay: Replay, checked: set[int]) -> Iterator[_Finding]:
        checks: dict[str, tuple[str, bool]] = {}  # constraint name -> (condition, validated)
        for view in replay.operations:
            for name, condition, valid in _checks_added(view):
                if condition:
                    checks[name or condition] = (condition, valid)
                elif name in checks:
                    checks[name] = (checks[name][0], True)  # VALIDATE CONSTRAINT name
            column = _literal(view, "column_name")
            nullable = _argument(view, "nullable")
            if (
                id(view) not in checked
                or view.step.name != "alter_column"
                or view.table_state != EXISTED
                or column is None
                or nullable is None
                or nullable.text != "False"
            ):
                continue
            pattern = re.compile(_NOT_NULL_CHECK.format(column=re.escape(column)), re.IGNORECASE)
            if any(
                valid and pattern.search(f"({condition})") for condition, valid in checks.values()
            ):
                continue
            yield _Finding(
                view,
                (
                    f"{_operation_name(view)} sets {_column_of(view, column)} NOT NULL, which scans the whole table under an ACCESS "
                    "EXCLUSIVE lock"
                ),
                f"first add CHECK ({column} IS NOT NULL) NOT VALID and VALIDATE CONSTRAINT it",
            )


_CHECK_SQL = re.compile(
    r"ADD\s+CONSTRAINT\s+\"?(?P<name>\w+)\"?\s+CHECK\s*(?P<condition>\((?:[^()]|\([^()]*\))*\))(?P<rest>\s*NOT\s+VALID)?",
    re.IGNORECASE,
)
_VALIDATE_SQL = re.compile(r"VALIDATE\s+CONSTRAINT\s+\"?(?P<name>\w+)\"?", re.IGNORECASE)


def _checks_added(view: OperationView) -> list[tuple[str, str, bool]]:
    """CHECK constraints an operation adds or validates: (name, condition, validated)."""
    if view.step.name == "create_check_constraint":
        condition = _literal(view, "condition") or ""
        return [
            (
                _literal(view, "constraint_name") or "",
                condition,
                not _is_true(view, "postgresql_not_valid"),
            )
        ]
    sql = view.step.sql or ""
    if view.step.kind != "sql" or not sql:
        return []
    found = [
        (m.group("name"), m.group("condition"), m.group("rest") is None)
        for m in _CHECK_SQL.finditer(sql)
    ]
    found += [(m.group("name"), "", True) for m in _VALIDATE_SQL.finditer(sql)]
    return found


class UniqueConstraintOnExistingTable(_SafetyRule):
    code = "DBL507"
    name = "unique-constraint-on-existing-table"
    summary = "Unique constraint added to an existing table"
    fix_hint = "build a unique index concurrently, then add the constraint using it"
    default = False
    what_it_does = (
        "Reports `create_unique_constraint(...)` on a table that existed before the revision."
    )
    why_bad = (
        "Adding a unique constraint builds its index under an ACCESS EXCLUSIVE lock: no reads or writes "
        "until the whole table is indexed. Build a unique index concurrently, then attach it with "
        "`ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX ...`, which is instant."
    )
    example = _example(
        'op.create_unique_constraint("uq_users_email", "users", ["email"])  # error: DBL507'
    )
    use_instead = _example(
        source("""
            with op.get_context().autocommit_block():
                op.create_index("uq_users_email", "users", ["email"], unique=True, postgresql_concurrently=True)
            op.execute("ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE USING INDEX uq_users_email")
        """)
    )
    options = _SINCE_OPTION

    def findings(self, index: ProjectIndex) -> Iterable[_Finding]:
        for item in _on_existing(index, "create_unique_constraint"):
            view = item.view
            name = _named(view, "constraint_name", f"a constraint {_COMPUTED}", "(unnamed)")
            yield _Finding(
                view,
                (
                    f"{_operation_name(view)} of {name} on {_existing_table(view)} builds the unique index under an ACCESS EXCLUSIVE "
                    "lock (no reads or writes)"
                ),
                f"create a unique index with postgresql_concurrently=True inside {_AUTOCOMMIT}, then ADD "
                "CONSTRAINT ... UNIQUE USING INDEX",
            )


class RenameWhileModelUsesOldName(_SafetyRule):
    code = "DBL508"
    name = "rename-while-model-uses-old-name"
    summary = "Table or column renamed while a model still uses the old name"
    fix_hint = "add the new name beside the old one and move the code over first"
    what_it_does = (
        "Reports `op.rename_table(old, new)` while a model of the tracked metadata still declares table "
        "`old`, and `alter_column(table, old, new_column_name=new)` while the table's model still declares "
        "column `old` — unless a later revision brings the old name back."
    )
    why_bad = (
        "Between the migration and the deploy of the new code (and for as long as old instances run), the "
        "running code queries a name that no longer exists: every query on it fails. Rename in steps "
        "(expand/contract): add the new column or table, write to both, backfill, switch the code, then drop "
        "the old one in a later release."
    )
    example = _example(
        'op.rename_table("users", "accounts")  # error: DBL508',
        flagged(_models(), "class User(Base):", "DBL410"),
    )
    use_instead = _example('op.rename_table("users", "accounts")', _models(table="accounts"))
    options = _SINCE_OPTION

    def findings(self, index: ProjectIndex) -> Iterable[_Finding]:
        expand = "rename in steps (expand/contract: add the new name, copy, switch the code, drop the old later)"
        for item in _on_existing(index, "rename_table", "alter_column"):
            view, replay = item.view, item.replay
            if view.table is None:
                continue
            model = _model_table(index, replay, view.table)
            if model is None:
                continue
            if view.step.name == "rename_table" and replay.table(*view.table) is None:
                new_name = _named(view, "new_table_name", "a computed name", "?")
                yield _Finding(
                    view,
                    (
                        f"{_operation_name(view)} renames table {_table_name(view)} to {new_name} while model "
                        f"{model.model or model.full_name} ({model.path}:{model.line}) still uses {model.full_name}: "
                        "running code fails until it is deployed"
                    ),
                    expand,
                )
            elif view.step.name == "alter_column":
                old = _literal(view, "column_name")
                new = _named(view, "new_column_name", "a computed name", "")
                head = replay.table(*view.table)
                if old is None or not new or model.column_named(old) is None:
                    continue
                if head is None or head.column_named(old) is not None:
                    continue
                yield _Finding(
                    view,
                    (
                        f"{_operation_name(view)} renames column {_column_of(view, old)} to {new} while model "
                        f"{model.model or model.full_name} ({model.path}:{model.line}) still uses {old}: running code "
                        "fails until it is deployed"
                    ),
                    expand,
                )


class DropWhileModelDeclaresIt(_SafetyRule):
    code = "DBL509"
    name = "drop-while-model-declares-it"
    summary = "Column or table dropped while a model still declares it"
    fix_hint = "remove it from the model first and drop it in a later release"
    what_it_does = (
        "Reports `op.drop_table(t)` while a model of the tracked metadata still declares table `t`, and "
        "`drop_column(t, c)` while the model of `t` still declares column `c` — unless a later revision "
        "creates it again, or may have (a later revision the replay cannot read)."
    )
    why_bad = (
        "The running code still selects and inserts the dropped column or table: after the migration every "
        "such query fails (`column does not exist`) until new code is deployed, and a rollback of the code "
        "cannot bring the data back. Remove it from the model first, deploy, then drop it in a later release."
    )
    example = _example(
        'op.drop_column("users", "email")  # error: DBL509',
        flagged(_models(), "email:", "DBL411"),
    )
    use_instead = _example(
        'op.drop_column("users", "email")',
        _models().replace("    email: Mapped[str] = mapped_column(String(100))\n", ""),
    )
    options = _SINCE_OPTION

    def findings(self, index: ProjectIndex) -> Iterable[_Finding]:
        for item in _on_existing(index, "drop_table", "drop_column"):
            view, replay = item.view, item.replay
            if view.table is None:
                continue
            model = _model_table(index, replay, view.table)
            head = replay.table(*view.table)
            if model is None or replay.blind_revisions & replay.graph.descendants(view.revision):
                continue  # a later revision the replay cannot read may add it back
            owner = f"model {model.model or model.full_name} ({model.path}:{model.line})"
            if view.step.name == "drop_table" and head is None:
                yield _Finding(
                    view,
                    (
                        f"{_operation_name(view)} drops table {_table_name(view)} while {owner} still declares it: "
                        "running code fails until it is deployed"
                    ),
                    "remove the model first and drop the table in a later release",
                )
            elif view.step.name == "drop_column":
                column = _literal(view, "column_name")
                if (
                    column is None
                    or model.column_named(column) is None
                    or head is None
                    or head.column_named(column)
                ):
                    continue
                yield _Finding(
                    view,
                    (
                        f"{_operation_name(view)} drops column {_column_of(view, column)} while {owner} still "
                        "declares it: running code fails until it is deployed"
                    ),
                    "remove it from the model first and drop it in a later release",
                )
