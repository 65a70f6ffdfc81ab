"""What the inventory needs to know about tables, metadata and migrations.

The row builders ask a `ModelView` (tables, metadata holders, what Alembic
tracks: `index.schema.model_schema`) and a `RevisionView` (which revision creates
each table: `index.replay.replays`) only, in the inventory's own terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Union

from dblint import sql
from dblint.contexts import FileContext, ScriptLocation
from dblint.index import ProjectIndex, receivers
from dblint.index.holders import SQLMODEL_METADATA, display
from dblint.index.kinds import FLASK_DB
from dblint.index.names import Names
from dblint.index.replay import Replay, ReplayTable, replays
from dblint.index.schema import model_schema
from dblint.index.symbols import External
from dblint.index.tables import TableDef

TableKey = tuple[str, str]  # (schema or "", name)


@dataclass(frozen=True)
class TableDecl:
    """One declaration of a table: a model class or a `Table(...)` call."""

    name: str
    schema: str
    path: str
    line: int
    lines: frozenset[int]  # lines where findings about this declaration land (class, columns)
    metadata: (
        str  # as messages show it ("app.db:Base.metadata", "SQLModel.metadata"); "" when unresolved
    )
    kind: str  # "orm-model" or "core-table"
    extends: bool = False  # `extend_existing=True`: adds to an earlier declaration of the table
    reference: bool = (
        False  # `Table("name", metadata)` with no columns: the existing table, not a new one
    )
    schema_known: bool = True  # False: computed (`schema=settings.SCHEMA`, a factory's parameter)
    reflected: bool = (
        False  # `Table(..., autoload_with=engine)`: read from the database, not declared
    )

    @property
    def key(self) -> TableKey:
        return (self.schema, self.name)


@dataclass(frozen=True)
class RevisionCreate:
    """The migration whose `upgrade()` creates a table (in the schema at the head)."""

    key: TableKey
    revision: str
    path: str
    line: int
    location: ScriptLocation
    schema_known: bool = True  # False when the migration creates it in a computed schema


def is_computed(name: str) -> bool:
    """A table name (`schema.name` allowed) computed at run time (`sql.computed_name`): no
    table has that name."""
    return sql.computed_name(name)


def shown_name(name: str) -> str:
    """A table name as the inventory shows it: a template is marked as computed."""
    return f"{name} (computed)" if is_computed(name) else name


def table_key(written: str) -> TableKey:
    """`schema.name` as written in SQL, split into a key."""
    schema, _, name = written.rpartition(".")
    return (schema, name)


def shown_table(key: TableKey) -> str:
    schema, name = key
    return shown_name(f"{schema}.{name}" if schema else name)


def _decl(table: TableDef) -> TableDecl:
    lines = frozenset(
        {table.line, *(column.line for column in table.columns if column.path == table.path)}
    )
    kind = "core-table" if table.model is None else "orm-model"
    reference = table.model is None and not table.columns and not table.reflected
    return TableDecl(
        table.name or "",
        table.schema or "",
        table.path,
        table.line,
        lines,
        _shown(table.metadata),
        kind,
        table.extend_existing,
        reference,
        table.schema_known,
        table.reflected,
    )


def _shown(metadata: Optional[str]) -> str:
    return display(metadata) if metadata else ""


class ModelView:
    """Tables and metadata holders of a project's application code, and what Alembic tracks."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.schema = model_schema(index)
        self.names = Names(index.resolver)
        self.tables: list[TableDecl] = [
            _decl(table) for table in self.schema.declared if table.name
        ]
        tracked = self.schema.tracked()
        self.tracking_known = tracked is not None or not self.schema.tracking
        # Metadata of tables on a Flask-SQLAlchemy bind (`__bind_key__`) that a multi-database
        # env.py may compare through `db.metadatas[bind]` (funnel's `GeonameModel`).
        self.bind_metadata: frozenset[str] = (
            frozenset(
                _shown(table.metadata)
                for table in self.schema.declared
                if table.bind_key is not None and table.metadata
            )
            if any(item.every_bind for item in self.schema.tracking)
            else frozenset()
        )
        self.tracked: frozenset[str] = frozenset(_shown(m) for m in tracked or ())
        # A model whose table name is computed beyond reading may be any table a migration creates.
        self.unnamed_tracked = any(
            table.name is None and self.is_tracked(_shown(table.metadata))
            for table in self.schema.declared
        )
        # Script locations whose tracked metadata receives model classes that a function or
        # `type(...)` makes at run time (timesketch's `<table>_label`): a table their migrations
        # create may be one of those. (Tables reflected or copied into a metadata at run time
        # are the database's own, not models'.)
        self.made_models_at = frozenset(
            tracking.location
            for tracking in self.schema.tracking
            if tracking.metadata is not None
            and not self.schema.made_metadata.isdisjoint(tracking.metadata)
        )
        self._holders = [
            h
            for h in self.schema.holders
            if h.path is not None and index.contexts.get(h.path) == FileContext.APP
        ]
        self._by_path: dict[str, list[TableDecl]] = {}
        for decl in self.tables:
            self._by_path.setdefault(decl.path, []).append(decl)
        self._untracked_paths = {  # files declaring tables Alembic does not track (not another bind's)
            table.path
            for table in self.schema.declared
            if table.name
            and table.metadata
            and table.bind_key is None
            and not self.is_tracked(_shown(table.metadata))
            and not self.schema.ids.is_external(table.metadata)
        }

    def tables_in(self, path: str) -> list[TableDecl]:
        return self._by_path.get(path, [])

    def created_by_create_all(
        self, path: str, dotted: str, scope: str, binds: Optional[tuple[str, ...]] = None
    ) -> tuple[str, list[TableDecl]]:
        """The metadata a `create_all` receiver stands for, and the tables it creates.

        Flask-SQLAlchemy's `db.create_all()` creates the tables of every bind, and
        `db.create_all(bind_key="reports")` those of the binds it names (`None`: the default
        one); a computed `bind_key` may name any.
        """
        metadata = self.metadata_of(path, dotted, scope)
        flask = self.index.kind_of(path, dotted, scope) == FLASK_DB
        if not flask or binds is None or "?" in binds:
            wanted = None  # every bind
        else:
            wanted = {metadata if key == "" else f"{metadata}[bind={key}]" for key in binds}
        created = [
            table
            for table in self.tables
            if metadata
            and (
                table.metadata == metadata
                or (flask and table.metadata.startswith(metadata + "[bind="))
            )
            and (wanted is None or table.metadata in wanted)
        ]
        return metadata, created

    def is_tracked(self, metadata: str) -> bool:
        return metadata in self.tracked

    def tracking_notes(self, show: Callable[[str], str]) -> list[str]:
        """What each Alembic script location compares against, env.py's path shown by `show`."""
        notes = []
        for item in self.schema.tracking:
            text = item.description
            if item.env_path and text.startswith((item.env_path + " ", item.env_path + ":")):
                text = show(item.env_path) + text[len(item.env_path) :]
            if item.location.note:
                text = f"{show(item.location.source)}: {item.location.note}; {text}"
            notes.append(text)
        for location in self.schema.unread_locations:
            notes.append(
                f"{show(location.source)}: script location {show(location.directory or '.')} has "
                "neither env.py nor revisions in the repository (a template's configuration, or "
                "one completed elsewhere): not read as an Alembic environment"
            )
        return notes

    def holders_in(self, path: str) -> list[str]:
        """Metadata of the holders (bases, `MetaData()`, `db`) defined in a file."""
        return sorted({_shown(holder.metadata) for holder in self._holders if holder.path == path})

    def untracked_metadata(self, path: str) -> tuple[bool, bool]:
        """(tables on metadata Alembic does not track, a holder of such metadata without tables) in a file.

        Both are False unless Alembic compares against some metadata we know. Tables
        of another Flask-SQLAlchemy bind live in another database: not counted.
        """
        if not self.tracked or not self.tracking_known:
            return False, False
        untracked = [
            h for h in self._holders if h.path == path and not self.is_tracked(_shown(h.metadata))
        ]
        with_tables = path in self._untracked_paths or any(
            self.schema.table_count(h.metadata) for h in untracked
        )
        return with_tables, any(not self.schema.table_count(h.metadata) for h in untracked)

    def metadata_of(self, path: str, dotted: str, scope: str) -> str:
        """The metadata a `create_all` receiver stands for (`Base.metadata`, `db`, `metadata`)."""
        owner = dotted.rsplit(".metadata", 1)[0] if dotted.endswith(".metadata") else dotted
        target = self._defined(path, owner, scope)
        if isinstance(target, str):
            return target
        if target is None:  # a name bound to a metadata: `metadata = Base.metadata` (bazarr)
            return _shown(self.schema.ids.of_name(self.index.module_of(path), dotted, scope))
        for holder in self._holders:
            if (holder.path, holder.line) == target:
                return _shown(holder.metadata)
        for model in self.schema.models:
            if (model.path, model.line) == target:
                return _shown(model.metadata)
        if owner == dotted:
            return ""
        # An abstract class on a base (`class Model(Base): __abstract__ = True`) is neither a
        # holder nor a model, yet its `.metadata` is the base's (Flask-AppBuilder's `Model`).
        return _shown(self.schema.ids.owner(self.index.module_of(path), owner, scope))

    def table_of(self, path: str, dotted: str, scope: str) -> Union[TableDecl, bool]:
        """The named table a `.create()` receiver stands for (`users`, `User.__table__`); True
        for a table whose name is computed at run time (`Table(table_name, ...)`), False when
        the receiver leads to no table dblint sees."""
        table = receivers.table_of(self.index, path, dotted, scope)
        if isinstance(table, bool):
            return table
        found = (decl for decl in self.tables if (decl.path, decl.line) == (table.path, table.line))
        return next(found, False)

    def _defined(self, path: str, dotted: str, scope: str) -> Union[tuple[str, int], str, None]:
        """(path, line) of the project definition `dotted` names, or SQLModel's metadata, or None."""
        resolution = self.names.target(self.index.module_of(path), dotted, scope)
        if (
            resolution is not None
            and not resolution.rest
            and isinstance(resolution.target, External)
        ):
            target = resolution.target
            return (
                display(SQLMODEL_METADATA)
                if target.qualname.startswith("sqlmodel.") and target.last == "SQLModel"
                else None
            )
        return receivers.defined_at(self.index, self.names, path, dotted, scope)


class RevisionView:
    """Which revision creates each table that exists at the head of the migrations."""

    def __init__(self, index: ProjectIndex) -> None:
        self.creates: dict[TableKey, RevisionCreate] = {}
        self._replays = replays(index)
        for replay in self._replays:
            for table in replay.tables.values():
                if not table.is_view:
                    creator = _revision_create(replay, table)
                    self.creates.setdefault(creator.key, creator)

    def created_by(self, key: TableKey) -> Optional[RevisionCreate]:
        for replay in self._replays:
            table = replay.table(key[0] or None, key[1])
            if table is not None and not table.is_view:
                return self.creates[(table.schema or "", table.name)]
        return None

    def dropped(self, key: TableKey) -> Optional[tuple[RevisionCreate, str]]:
        """For a table no head of the migrations has: the migration that created it and the
        revision that dropped it last, when a replay saw both."""
        for replay in self._replays:
            table = replay.dropped_table(key[0] or None, key[1])
            if table is not None and not table.is_view:
                return _revision_create(replay, table), replay.dropped[(table.schema, table.name)]
        return None

    def keys(self) -> list[TableKey]:
        return sorted(self.creates)

    def uncertain(self, key: TableKey) -> list[str]:
        """Why the replay may not know a table exactly (its drift findings are then not raised):
        what it could not read about this table, or about every table of its script location."""
        for replay in self._replays:
            table = replay.table(key[0] or None, key[1])
            if table is not None and not table.is_view:
                return list(dict.fromkeys([*table.uncertain, *replay.blind_alters]))
        return list(
            dict.fromkeys(reason for replay in self._replays for reason in replay.blind_creates)
        )


def _revision_create(replay: Replay, table: ReplayTable) -> RevisionCreate:
    """The revision of `replay` that created `table` (the one its replay last saw created)."""
    key = (table.schema or "", table.name)
    return RevisionCreate(
        key, table.revision, table.path, table.line, replay.graph.location, table.schema_known
    )
