"""DBL410-DBL416: the models against the schema the migrations build.

The migrated schema is the static replay (`index.replay`) of each script location's
revisions at its head(s); the models are the tables of the metadata that location's
env.py tracks (`index.schema`). A table the replay could not follow completely is
uncertain and gets no drift finding; the same holds for a whole location when some
migration changes tables the replay cannot see (`create_all()` in a migration, a
computed table name, a call into another module).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Optional

from dblint.contexts import ScriptLocation
from dblint.diagnostics import Diagnostic
from dblint.index import ProjectIndex
from dblint.index.baselines import (
    declared_table_names,
    declares_unnamed_tables,
    has_stamp_baseline,
)
from dblint.index.replay import (
    ChangeOfUncreated,
    RepeatedCreate,
    Replay,
    ReplayColumn,
    ReplayTable,
    replays,
    tables_migrations_create,
)
from dblint.index.replay.schema import qualified_name
from dblint.index.runtime_tables import external_table_names
from dblint.index.schema import ColumnDef, TableDef, model_schema
from dblint.index.tracking import Tracking
from dblint.index.types import UNKNOWN, TypeFamily, sql_type_unread
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
    "DBL410",
    "DBL416",
    "Migration drift",
    "the models against the schema the migrations build",
)

ALEMBIC_VERSION = "alembic_version"
# Families that the same column legitimately shows in a model and in a migration.
_COMPATIBLE = frozenset({frozenset({TypeFamily.ENUM, TypeFamily.STRING})})

_MODELS = declarative_models(
    "from sqlalchemy import ForeignKey, Integer, String, Numeric",
    source("""
        class User(Base):
            __tablename__ = "users"
            id: Mapped[int] = mapped_column(Integer, primary_key=True)
            email: Mapped[str] = mapped_column(String(320), nullable=False)
        {extra_user}
        {extra_model}"""),
)
_ORDER_MODEL = source("""


    class Order(Base):
        __tablename__ = "orders"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
""")
_CREATE_USERS = source("""
        op.create_table(
            "users",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("email", sa.String(320), nullable=False),
        )""")
_CREATE_ORDERS = source("""
        op.create_table(
            "orders",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False, index=True),
        )""")


def _project(models: str, *migrations: tuple[str, str, str]) -> Mapping[str, str]:
    """An example project: alembic.ini, env.py, app/models.py and the given revisions
    (id, `down_revision`, the body of `upgrade()`)."""
    project = {
        "alembic.ini": ALEMBIC_INI,
        "migrations/env.py": TRACKING_ENV,
        "app/__init__.py": "",
        "app/models.py": models,
    }
    for rev, down, body in migrations:
        project[f"migrations/versions/{rev}_rev.py"] = migration_file(
            rev, down, body, downgrade=True
        )
    return files(project)


def _models(extra_user: str = "", extra_model: str = "") -> str:
    return _MODELS.format(extra_user=extra_user, extra_model=extra_model)


@dataclass(frozen=True)
class _Pair:
    """A tracked model table and the migrated table it corresponds to (None when absent)."""

    model: TableDef
    migrated: Optional[ReplayTable]
    replay: Replay
    tracking: Tracking


def _env_strings(index: ProjectIndex, tracking: Tracking) -> frozenset[str]:
    """String literals of env.py's bindings and calls: tables an `include_object` filter may name."""
    facts = index.files.get(tracking.env_path or "")
    if facts is None:
        return frozenset()
    found: set[str] = set()
    stack = [b.value for b in facts.bindings if b.value is not None] + [
        call.expr for call in facts.calls
    ]
    while stack:
        expr = stack.pop()
        if expr.kind == "str":
            found.add(expr.text.lower())
        stack.extend(expr.args)
        stack.extend(value for _, value in expr.keywords)
    return frozenset(found)


def _filters_objects(index: ProjectIndex, tracking: Tracking) -> bool:
    """True when env.py passes `include_object` / `include_name` to `context.configure`."""
    facts = index.files.get(tracking.env_path or "")
    if facts is None:
        return False
    return any(
        call.expr.keyword("include_object") is not None
        or call.expr.keyword("include_name") is not None
        for call in facts.calls
    )


def _split_by_filters(index: ProjectIndex) -> set[ScriptLocation]:
    """Script locations whose env.py filters objects (`include_object`) on a metadata another location
    also tracks: which tables each one migrates is decided in code at run time (Netflix/dispatch's core
    and per-tenant schemas), so a table none of them creates cannot be laid at one's door."""
    trackings = model_schema(index).tracking
    return {
        tracking.location
        for tracking in trackings
        if _filters_objects(index, tracking)
        and any(
            other.location != tracking.location
            and set(other.metadata or ()) & set(tracking.metadata or ())
            for other in trackings
        )
    }


def _pairs(index: ProjectIndex) -> Iterator[_Pair]:
    """Every tracked model table next to its replayed table, for locations where both are known."""
    schema = model_schema(index)
    by_location = {replay.graph.location: replay for replay in replays(index)}
    external = external_table_names(index)
    for tracking in schema.tracking:
        replay = by_location.get(tracking.location)
        if replay is None or tracking.metadata is None:
            continue
        excluded = (
            _env_strings(index, tracking) if _filters_objects(index, tracking) else frozenset()
        )
        for model in schema.tracked_tables(tracking):
            if model.name is None or model.reflected or not model.columns:
                continue  # no columns: inheritance sharing the parent's table (Flask-SQLAlchemy)
            names = {model.name.lower(), model.full_name.lower()}
            if names & external or names & excluded:
                continue
            yield _Pair(model, replay.table(model.schema, model.name), replay, tracking)


def _blindly_migrated_metadata(index: ProjectIndex) -> set[str]:
    """Metadata that some script location tracks whose migrations create tables the replay cannot see.

    Several locations may track one metadata, each filtering (`include_object`) the tables
    it owns, e.g. a core schema and per-tenant schemas: a table none of the readable
    locations creates may be created by the unreadable one.
    """
    by_location = {replay.graph.location: replay for replay in replays(index)}
    found: set[str] = set()
    for tracking in model_schema(index).tracking:
        replay = by_location.get(tracking.location)
        if replay is not None and replay.blind_creates:
            found.update(tracking.metadata or ())
    return found


def _where(replay: Replay) -> str:
    """The version directories of the replayed location (every one `version_locations` names)."""
    location = replay.graph.location
    return ", ".join(location.version_dirs) if location.version_dirs else location.directory or "."


def _label(model: TableDef) -> str:
    return f"table {model.full_name}" + (f" (model {model.model})" if model.model else "")


def _comparable(pair: _Pair) -> Optional[ReplayTable]:
    """The migrated table when its columns can be compared with the model's."""
    migrated = pair.migrated
    if migrated is None or migrated.uncertain or migrated.is_view or not migrated.columns_known:
        return None
    if pair.replay.blind_alters or not pair.model.columns_complete:
        return None
    return migrated


def _compared_columns(
    index: ProjectIndex,
) -> Iterator[tuple[_Pair, ReplayTable, ColumnDef, Optional[ReplayColumn]]]:
    """Each model column of a comparable table, with the migrated column of that name (or None)."""
    for pair in _pairs(index):
        migrated = _comparable(pair)
        if migrated is None:
            continue
        for column in pair.model.columns:
            yield pair, migrated, column, migrated.column_named(column.name)


class TableWithoutMigration(Rule):
    code = "DBL410"
    name = "table-without-migration"
    summary = "Table on the tracked metadata that no migration creates"
    fix_hint = "add a migration that creates the table (`alembic revision --autogenerate`)"
    what_it_does = (
        "Replays the migrations of each script location statically and reports every table of the metadata "
        "that location's env.py tracks which the migrated schema at the head revisions does not contain: no "
        "revision creates it on any chain, or a later one drops it (a table only changed on a chain that "
        "starts at a missing `down_revision` is not created there). "
        "Reported at the model class or `Table(` line. Nothing is reported for a metadata that some script "
        "location (e.g. per-tenant schemas next to a core schema) migrates in ways the replay cannot read, "
        "nor for script locations sharing one metadata whose env.py files pick their tables with "
        "`include_object` (which of them owns a table is decided at run time). Nothing is reported "
        "when application code builds databases with `create_all()` and then an Alembic `stamp` (Alembic's "
        "cookbook, also through a project helper `stamp_<what>()` that calls it, or by hand: "
        "`CREATE TABLE alembic_version` and an `INSERT` of the head), or with sqlalchemy-helpers' `db.manager.sync()`, which does both, and the history "
        "starts after the first tables (a migration changes a model's table that "
        "no migration creates): which tables it should create cannot be told statically; the inventory "
        "still shows the tables no revision creates. With a history that creates what it changes, a "
        "`create_all()` + `stamp` fallback changes nothing."
    )
    why_bad = (
        "The table exists only where something else created it (a `create_all()` fallback, a script, a "
        "developer's machine). A fresh database built with `alembic upgrade head` lacks it, and the next "
        "autogenerate run proposes to create it in an unrelated migration."
    )
    example = _project(
        _models(extra_model=flagged(_ORDER_MODEL, "class Order(Base):", "DBL410")),
        ("1a", "None", _CREATE_USERS),
    )
    use_instead = _project(
        _models(extra_model=_ORDER_MODEL),
        ("1a", "None", _CREATE_USERS),
        ("2b", '"1a"', _CREATE_ORDERS),
    )
    fix = "Generate the missing migration (`alembic revision --autogenerate`) and review it."

    def check_project(self, index: ProjectIndex) -> Iterable[Diagnostic]:
        if has_stamp_baseline(index):
            return  # new databases get every table from `create_all()`, older ones from before the history
        created_anywhere = {key[1].lower() for replay in replays(index) for key in replay.tables}
        blind = _blindly_migrated_metadata(index)
        split = _split_by_filters(index)
        for pair in _pairs(index):
            if (
                pair.migrated is not None
                or pair.replay.blind_creates
                or blind.intersection(pair.tracking.metadata or ())
                or pair.tracking.location in split
            ):
                continue
            name = str(pair.model.name)
            if name.lower() in created_anywhere - {key[1].lower() for key in pair.replay.tables}:
                continue
            dropped = pair.replay.dropped.get((pair.model.schema, name))
            detail = f"revision {dropped} drops it" if dropped else "no migration creates it"
            yield self.diagnostic(
                pair.model.path,
                pair.model.line,
                pair.model.column,
                f"{_label(pair.model)} is on the metadata Alembic tracks ({pair.tracking.description}), "
                f"but {detail} in {_where(pair.replay)}",
            )


class ColumnWithoutMigration(Rule):
    code = "DBL411"
    name = "column-without-migration"
    summary = "Model column that the migrated schema lacks"
    fix_hint = "add the column in a migration (`op.add_column`)"
    what_it_does = (
        "Reports a column of a tracked model whose table the migrations create but to which no migration "
        "adds the column. A column that another script location on the same metadata adds (a plugin's "
        "environment changing a core table of one database) counts as added. Tables the replay could not "
        "follow completely are skipped."
    )
    why_bad = (
        "The code reads and writes a column that a database built by the migrations does not have: "
        'queries fail with "column does not exist" in every environment but the one where it was '
        "added by hand."
    )
    example = _project(
        _models(extra_user="    name: Mapped[str] = mapped_column(String(100))  # error: DBL411"),
        ("1a", "None", _CREATE_USERS),
    )
    use_instead = _project(
        _models(extra_user="    name: Mapped[str] = mapped_column(String(100))"),
        ("1a", "None", _CREATE_USERS),
        (
            "2b",
            '"1a"',
            'op.add_column("users", sa.Column("name", sa.String(100), nullable=False))',
        ),
    )

    def check_project(self, index: ProjectIndex) -> Iterable[Diagnostic]:
        elsewhere = _added_by_other_locations(index)
        for pair, migrated, column, found in _compared_columns(index):
            if found is None and not column.optional and not elsewhere(pair, column.name):
                yield self.diagnostic(
                    column.path,
                    column.line,
                    column.column,
                    f"column {pair.model.full_column_name(column)} is not in the migrated schema: table "
                    f"{migrated.qualified} is created by revision {migrated.revision}, but no migration in "
                    f"{_where(pair.replay)} adds the column",
                )


def _added_by_other_locations(index: ProjectIndex) -> Callable[[_Pair, str], bool]:
    """Whether another script location on the same metadata adds the column to the table
    (a plugin's environment changing a core table of one database, ckan style): its
    replay does not hold that table, so the column is in no migrated schema of its own."""
    added: dict[tuple[str, str], set[ScriptLocation]] = {}
    for replay in replays(index):
        for operation in replay.operations:
            column = dict(operation.bound).get("column")
            if operation.step.name != "add_column" or operation.table is None or column is None:
                continue
            if column.kind == "call" and column.args and column.args[0].kind == "str":
                key = (operation.table[1].lower(), column.args[0].text.lower())
                added.setdefault(key, set()).add(replay.graph.location)
    tracked = {item.location: set(item.metadata or ()) for item in model_schema(index).tracking}

    def elsewhere(pair: _Pair, column: str) -> bool:
        metadata = set(pair.tracking.metadata or ())
        return any(
            location != pair.replay.graph.location and tracked.get(location, set()) & metadata
            for location in added.get((str(pair.model.name).lower(), column.lower()), ())
        )

    return elsewhere


class ColumnTypeDrift(Rule):
    code = "DBL412"
    name = "column-type-drift"
    summary = "Model column whose type family differs from the migrated schema's"
    fix_hint = "change the column's type in a migration (`op.alter_column`), or the model's"
    what_it_does = (
        "Compares the type family (integer, string, uuid, datetime, ...) of each tracked model column with "
        "the column the migrations build and reports a difference. Unknown types never differ, nor does a "
        "type whose SQL type is the `impl=` it is given (sqlalchemy-utils' `ChoiceType(Status, "
        "impl=Integer())`, whose family says what Python gets back)."
    )
    why_bad = (
        "The model and the database disagree on what the column holds: values are converted or rejected "
        "at run time, foreign keys to it mismatch, and autogenerate (with `compare_type`) keeps proposing "
        "an ALTER."
    )
    example = _project(
        flagged(_models(), "email:", "DBL412"),
        (
            "1a",
            "None",
            _CREATE_USERS.replace(
                'sa.Column("email", sa.String(320)', 'sa.Column("email", sa.Integer()'
            ),
        ),
    )
    use_instead = _project(_models(), ("1a", "None", _CREATE_USERS))

    def check_project(self, index: ProjectIndex) -> Iterable[Diagnostic]:
        for pair, _, column, found in _compared_columns(index):
            if (
                found is None
                or UNKNOWN in (column.family, found.family)
                or column.family == found.family
                or sql_type_unread(column.type_name)
            ):
                continue
            if frozenset({column.family, found.family}) in _COMPATIBLE:
                continue
            written = found.type_name.rsplit(".", 1)[-1] if found.type_name else found.family
            yield self.diagnostic(
                column.path,
                column.line,
                column.column,
                f"column {pair.model.full_column_name(column)} is {column.family} in the model but "
                f"{found.family} ({written}) in the migrated schema (revision {found.typed_by or found.revision})",
            )


class MigratedWithoutModel(Rule):
    code = "DBL413"
    name = "migrated-without-model"
    default = False
    summary = "Migrated table or column that no model declares"
    fix_hint = "declare it on a model, or drop it in a migration"
    what_it_does = (
        "Reports a table the migrations create (at the `op.create_table` call) that is not on the tracked "
        "metadata, and a migrated column of a model's table that the model does not declare. The "
        "`alembic_version` table, views and tables named in `external-tables` are skipped, and nothing is "
        "reported against a tracked metadata that tables reach at run time (`metadata.reflect()`, "
        "`table.to_metadata(metadata)`, model classes a function makes). A table a model on the base of a library "
        "dblint does not know declares is not reported: that base's metadata may be the tracked one."
    )
    why_bad = (
        "Either the model was deleted without a migration dropping the table, or the table is managed "
        "outside the models; autogenerate proposes to drop it either way."
    )
    example = _project(
        _models(),
        (
            "1a",
            "None",
            _CREATE_USERS + "\n" + flagged(_CREATE_ORDERS, "op.create_table(", "DBL413"),
        ),
    )
    use_instead = _project(
        _models(extra_model=_ORDER_MODEL), ("1a", "None", _CREATE_USERS + "\n" + _CREATE_ORDERS)
    )
    options = "`external-tables`: tables that exist on purpose without a model."

    def check_project(self, index: ProjectIndex) -> Iterable[Diagnostic]:
        schema = model_schema(index)
        external = external_table_names(index)
        by_location = {replay.graph.location: replay for replay in replays(index)}
        for tracking in schema.tracking:
            replay = by_location.get(tracking.location)
            if (
                replay is None
                or tracking.metadata is None
                or replay.blind_alters
                or replay.blind_creates
            ):
                continue
            if _filters_objects(index, tracking):
                continue
            models = {
                tracked.name.lower(): tracked
                for tracked in schema.tracked_tables(tracking)
                if tracked.name is not None
            }
            if any(tracked.name is None for tracked in schema.tracked_tables(tracking)):
                continue
            if schema.filled_at_run_time & set(tracking.metadata):
                continue  # tables reach the tracked metadata at run time (reflected, copied)
            for table in replay.tables.values():
                if (
                    table.is_view
                    or table.uncertain
                    or table.name.lower() in (ALEMBIC_VERSION, *external)
                ):
                    continue
                model = models.get(table.name.lower())
                if model is None and schema.declared_on_external_base(table.name):
                    continue  # its model's base comes from a library dblint does not know
                if model is None:
                    yield self.diagnostic(
                        table.path,
                        table.line,
                        table.column,
                        f"table {table.qualified} (created by revision {table.revision}) is on no model of the "
                        f"tracked metadata ({tracking.description})",
                    )
                elif model.columns_complete and table.columns_known:
                    for column in table.columns.values():
                        if model.column_named(column.name) is None and not any(
                            c.name.lower() == column.name.lower() for c in model.columns
                        ):
                            yield self.diagnostic(
                                column.path,
                                column.line,
                                column.column,
                                f"column {table.qualified}.{column.name} (added by revision {column.revision}) "
                                f"is not declared by {_label(model)}",
                            )


def _repeated_creates(index: ProjectIndex) -> Iterator[RepeatedCreate]:
    """Creates of what exists that the replay is sure of: not under a guard, not tolerated by the
    statement, of an earlier table or column it knows exactly, with nothing unseen before."""
    for replay in replays(index):
        for event in replay.repeated_creates:
            if (
                not event.guarded
                and not event.tolerated
                and event.earlier_certain
                and not event.after_unseen
            ):
                yield event


def _repeated_message(event: RepeatedCreate) -> str:
    revision, table = event.at.revision, qualified_name(event.table)
    earlier = f"({event.earlier_path}:{event.earlier_line})"
    if event.across_heads:
        earlier += " on a branch not merged with this one (`alembic upgrade heads` runs both)"
    if event.index is not None:
        return (
            f"revision {revision} creates {event.index_kind} {event.index} on table {table}, "
            f"which revision {event.earlier_revision} already created {earlier}"
        )
    if event.column is None:
        return (
            f"revision {revision} creates table {table}, which revision "
            f"{event.earlier_revision} already created {earlier}"
        )
    return (
        f"revision {revision} adds column {table}.{event.column}, which revision "
        f"{event.earlier_revision} already added {earlier}"
    )


def _uncreated_changes(index: ProjectIndex) -> Iterator[ChangeOfUncreated]:
    """Changes of uncreated tables that hold for the whole project.

    A change is dropped when it is under a guard, when any migration of any script location
    creates the table (branches replayed in another order, several locations on one
    database), when the table is listed in `external-tables`, or when some migration creates
    tables the replay cannot see; none under a stamped baseline when a model's table name
    cannot be read (the baseline built that table, whichever it is); each revision reports its first operation on each such
    table name (`t` and `schema.t` are usually the same table, reached through the search
    path).
    """
    created = tables_migrations_create(index)
    external = external_table_names(index)
    stamped = has_stamp_baseline(index)
    if stamped and declares_unnamed_tables(index):
        return  # the baseline built the models' tables, and which those are cannot be read
    # Under a stamped baseline: tables the models declare, and old tables a migration drops.
    before_baseline = (
        declared_table_names(index) | _dropped_uncreated(index) if stamped else frozenset()
    )
    for replay in replays(index):
        reported: set[tuple[str, str]] = set()
        for event in replay.uncreated_changes:
            name = event.table[1].lower()
            qualified = f"{event.table[0]}.{name}" if event.table[0] else name
            if event.guarded or replay.blind_creates:
                continue
            if name in created or name in external or qualified in external:
                continue
            if stamped and (name in before_baseline or event.action.startswith("drops")):
                continue  # the baseline built it, or an old table's change runs only where it exists
            if (event.at.path, name) in reported:
                continue  # a revision's first operation on the table (with or without its schema) says it all
            reported.add((event.at.path, name))
            yield event


def _dropped_uncreated(index: ProjectIndex) -> frozenset[str]:
    """Tables (lower-case names) a migration drops although none creates them: older ones."""
    return frozenset(
        event.table[1].lower()
        for replay in replays(index)
        for event in replay.uncreated_changes
        if event.action == "drops"
    )


def _uncreated_message(revision: str, action: str, names: Sequence[str]) -> str:
    """DBL415's words for one operation on one table, or on several (an `op.` call in a loop)."""
    tables = f"table {names[0]}" if len(names) == 1 else f"tables {', '.join(names)}"
    return f"revision {revision} {action} {tables}, which no earlier migration creates"


def _by_place(
    events: Iterable[ChangeOfUncreated],
) -> dict[tuple[str, int, int, str, str], list[ChangeOfUncreated]]:
    """Changes grouped by the operation (and revision, action) they are found at."""
    groups: dict[tuple[str, int, int, str, str], list[ChangeOfUncreated]] = {}
    for event in events:
        at = event.at
        groups.setdefault((at.path, at.line, at.column, at.revision, event.action), []).append(
            event
        )
    return groups


class MigrationCreatesExisting(Rule):
    code = "DBL414"
    name = "migration-creates-existing"
    summary = "Migration creates a table, column, index or unique constraint that already exists at that point"
    fix_hint = "remove the repeated create, or make the later migration change something else"
    what_it_does = (
        "Replays the migrations in graph order and reports an `op.create_table` / `op.add_column` (or a "
        "`CREATE TABLE` it executes), or an `op.create_index` / `op.create_unique_constraint` under a "
        'literal name on a table where that name already is (`sa.Index("ix_...")` in `create_table`, '
        "an earlier `create_index`; dropping the index, the constraint or one of its columns removes it), "
        "whose table, column or name a revision it runs with already created: one "
        "below it, one that a merge above both joins to it, one on another branch that no merge joins "
        "to it (two heads that each add the column: `alembic upgrade heads` runs both on one database, "
        "and merging them does not help; reported only when no revision either branch runs between the "
        "two could drop, rename or alter the table, as Alembic may order the branches otherwise than the "
        "replay), or one on a separate history of the same script location (two unmerged roots creating "
        "one table); branches with `branch_labels` or `depends_on` are not counted. Operations under "
        "`if`/`try` (or after an `if ...: return`) and `CREATE TABLE IF NOT EXISTS` are not reported."
    )
    why_bad = (
        '`alembic upgrade` fails on a fresh database ("column already exists"). It happens when two '
        'branches add the same column, or when a new "initial" migration is spliced into an existing chain.'
    )
    example = _project(
        _models(),
        ("1a", "None", _CREATE_USERS),
        (
            "2b",
            '"1a"',
            'op.add_column("users", sa.Column("email", sa.String(320)))  # error: DBL414',
        ),
    )
    use_instead = _project(
        _models(),
        ("1a", "None", _CREATE_USERS),
        ("2b", '"1a"', 'op.create_index("ix_users_email", "users", ["email"])'),
    )

    def check_project(self, index: ProjectIndex) -> Iterable[Diagnostic]:
        for event in _repeated_creates(index):
            at = event.at
            yield self.diagnostic(
                at.path, at.line, at.column, _repeated_message(event), at.end_line
            )


class MigrationChangesUncreatedTable(Rule):
    code = "DBL415"
    name = "migration-changes-uncreated-table"
    summary = "Migration alters, drops or indexes a table that no earlier migration creates"
    fix_hint = "create the table in an earlier migration, or list it in `external-tables`"
    what_it_does = (
        "Replays the migrations in graph order and reports an operation (`add_column`, `alter_column`, "
        "`drop_table`, `create_index`, `batch_alter_table` ...) on a table that no migration of any script "
        "location creates, once per revision and table. A revision on a chain that starts at a missing "
        "`down_revision` (DBL402) changes tables of an unknown earlier schema and is not reported. Tables "
        "listed in `external-tables` are skipped, and so are operations under "
        "`if`/`try` or after an `if ...: return` (`if 'x' not in inspector.get_table_names(): return`). "
        "When application code builds databases with `create_all()` and then an Alembic stamp "
        "(`command.stamp(cfg, \"head\")`, Flask-Migrate's `stamp()`: Alembic's cookbook, also through a "
        "project helper `stamp_<what>()` that calls it; or by hand, `CREATE TABLE alembic_version` and an "
        "`INSERT` of the head), or with "
        "sqlalchemy-helpers' `db.manager.sync()`, which does both, and the history "
        "starts after the first tables (a migration changes a model's table that no migration creates), the "
        "tables the models declare exist before the first migration and are skipped (every table, when a "
        "model's table name is computed beyond reading), and so are tables a "
        "migration drops and dropping a part of any table (they concern databases older than that baseline)."
    )
    why_bad = (
        "The migrations assume a table that only exists because something outside them created it "
        "(`create_all()`, a manual script): a fresh database cannot be built with `alembic upgrade head`."
    )
    example = _project(
        flagged(_models(), "class User(Base):", "DBL410"),
        (
            "1a",
            "None",
            'op.add_column("users", sa.Column("email", sa.String(320)))  # error: DBL415',
        ),
    )
    use_instead = _project(_models(), ("1a", "None", _CREATE_USERS))
    options = "`external-tables`: tables that exist before the first migration on purpose."

    def check_project(self, index: ProjectIndex) -> Iterable[Diagnostic]:
        """One finding per operation: an `op.` call in a loop over tables lists them all."""
        groups = _by_place(_uncreated_changes(index))
        for (path, line, column, revision, action), group in groups.items():
            names = sorted({qualified_name(event.table) for event in group})
            yield self.diagnostic(
                path,
                line,
                column,
                _uncreated_message(revision, action, names),
                max(event.at.end_line for event in group),
            )


class NullabilityDrift(Rule):
    code = "DBL416"
    name = "nullability-drift"
    default = False
    summary = "Nullability differs between model and migrated schema"
    fix_hint = (
        "make the model's nullability match the migrations, or alter the column in a migration"
    )
    what_it_does = (
        "Compares `nullable` of each tracked model column (explicit, or implied by the primary key or a "
        "`Mapped[Optional[...]]` annotation) with the migrated column and reports a difference."
    )
    why_bad = (
        "Inserts the model allows fail on the database (NOT NULL), or the database accepts NULLs the code "
        "does not expect."
    )
    example = _project(
        flagged(_models(), "email:", "DBL416"),
        ("1a", "None", _CREATE_USERS.replace("nullable=False", "nullable=True")),
    )
    use_instead = _project(_models(), ("1a", "None", _CREATE_USERS))

    def check_project(self, index: ProjectIndex) -> Iterable[Diagnostic]:
        for pair, _, column, found in _compared_columns(index):
            if found is None or column.nullable is None or found.primary_key or column.primary_key:
                continue
            if column.nullable != found.nullable:
                yield self.diagnostic(
                    column.path,
                    column.line,
                    column.column,
                    f"column {pair.model.full_column_name(column)} is "
                    f"{'nullable' if column.nullable else 'NOT NULL'} in the model but "
                    f"{'nullable' if found.nullable else 'NOT NULL'} in the migrated schema (revision {found.nulled_by or found.revision})",
                )
