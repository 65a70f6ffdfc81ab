"""The schema a replay builds: tables, columns and keys as the migrations leave them.

Plain state, changed only by the interpreter; the drift and safety rules and the
inventory read it. Uncertainty is part of the state (`ReplayTable.uncertain`, the
replay's `blind_*` reasons), so readers can say "unknown" instead of guessing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Optional

from dblint.facts.model import Expr, MigrationStep
from dblint.index.replay.events import ChangeOfUncreated, RepeatedCreate, TableKey
from dblint.index.revisions import RevisionGraph
from dblint.index.type_changes import ColumnType


@dataclass
class ReplayColumn:
    name: str
    type_name: Optional[str]
    family: str
    nullable: bool
    primary_key: bool
    foreign_key: Optional[str]
    revision: str
    path: str
    line: int
    column: int
    typed_by: str = ""  # the revision that last changed its type (`alter_column(type_=...)`)
    nulled_by: str = ""  # the revision that last changed its nullability
    certain: bool = True  # False when added or changed under a guard
    # Its type's kind and sizes as the migration wrote them (`sa.String(50)`, a `CREATE TABLE`'s
    # `VARCHAR(50)`): whether a later type change rewrites the table (DBL504). None: not read.
    sql_type: Optional[ColumnType] = None


INDEX, UNIQUE_CONSTRAINT = "index", "unique constraint"  # the kinds of `ReplayIndex`


@dataclass(frozen=True)
class NamedOrigin:
    """Where an index or unique constraint was created under its literal name."""

    name: str
    kind: str  # INDEX | UNIQUE_CONSTRAINT
    columns: tuple[str, ...]
    revision: str
    path: str
    line: int
    guarded: bool


@dataclass
class ReplayIndex:
    """An index or unique constraint of a table: its columns, and where a revision created it
    under this literal name while the replay still vouches for that (else None)."""

    columns: tuple[str, ...]
    origin: Optional[NamedOrigin] = None


@dataclass
class ReplayTable:
    schema: Optional[str]
    name: str
    columns: dict[str, ReplayColumn]
    revision: str  # the revision that created it
    path: str
    line: int
    column: int
    # Indexes and unique constraints by (kind, name): the one record of both, which `indexes` and
    # `named` view. The name is as written, `ix_<table>_<column>` for a column's `index=True` or
    # `unique=True`, `uq_...` for an unnamed unique constraint, "" for an index whose name the
    # replay cannot compute.
    constraints: dict[tuple[str, str], ReplayIndex] = field(default_factory=dict)
    foreign_keys: dict[str, tuple[tuple[str, ...], str]] = field(
        default_factory=dict
    )  # name -> (columns, target)
    is_view: bool = False
    columns_known: bool = True  # False when created without a readable column list
    uncertain: list[str] = field(default_factory=list)  # why drift findings are not raised for it
    opaque: bool = False  # changed in a way the replay could not read (not just under a guard)
    created_guarded: bool = False  # created under `if` / `try` / a computed loop
    schema_known: bool = True  # False when created in a schema computed at run time (`schema=name`)

    @property
    def indexes(self) -> dict[str, tuple[str, ...]]:
        """The indexes by name: their columns."""
        return {
            name: item.columns for (kind, name), item in self.constraints.items() if kind == INDEX
        }

    @property
    def named(self) -> dict[str, NamedOrigin]:
        """The indexes and unique constraints created under a literal name, by lower-case name:
        where (one per name: the newest, whatever its case or kind)."""
        return {
            item.origin.name.lower(): item.origin
            for item in self.constraints.values()
            if item.origin is not None
        }

    def add_constraint(
        self,
        kind: str,
        name: str,
        columns: tuple[str, ...],
        origin: Optional[NamedOrigin] = None,
    ) -> None:
        """Record an index or unique constraint; with `origin`, as created under that literal
        name, which then stands for that name in `named` (an earlier one no longer does)."""
        item = self.constraints.get((kind, name))
        if item is None:
            self.constraints[(kind, name)] = item = ReplayIndex(columns)
        else:
            item.columns = columns
        if origin is not None:
            self.forget_named(names=(origin.name,))
            item.origin = origin

    def drop_constraint(self, name: str, kinds: Iterable[str] = (INDEX, UNIQUE_CONSTRAINT)) -> None:
        """An index or constraint of these kinds dropped by its name."""
        for kind in kinds:
            self.constraints.pop((kind, name), None)
        self.forget_named(names=(name,))

    def forget_named(self, columns: Iterable[str] = (), names: Iterable[str] = ()) -> None:
        """Forget the named indexes and constraints dropped with these columns or by these names."""
        gone = {column.lower() for column in columns}
        dropped = {name.lower() for name in names}
        for item in self.constraints.values():
            origin = item.origin
            if origin is not None and (
                origin.name.lower() in dropped
                or gone.intersection(column.lower() for column in origin.columns)
            ):
                item.origin = None

    def rename_column(self, column: ReplayColumn, new_name: str) -> None:
        """Rename `column`, in the indexes, unique constraints and foreign keys over it too, as the
        database does (a key of `task.app_id` is one of `task.project_id` after the rename)."""
        self.forget_named(columns=(column.name,))  # not followed under the new name
        old = column.name
        del self.columns[old]
        column.name = new_name
        self.columns[new_name] = column

        def renamed(columns: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(new_name if name == old else name for name in columns)

        for item in self.constraints.values():
            item.columns = renamed(item.columns)
        self.foreign_keys = {
            name: (renamed(columns), target)
            for name, (columns, target) in self.foreign_keys.items()
        }

    def unsure(self, reason: str, opaque: bool = True) -> None:
        """Record why the replay may not know this table exactly."""
        if reason not in self.uncertain:
            self.uncertain.append(reason)
        self.opaque = self.opaque or opaque

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    def column_named(self, name: str) -> Optional[ReplayColumn]:
        found = self.columns.get(name)
        if found is None:
            lowered = name.lower()
            found = next((col for key, col in self.columns.items() if key.lower() == lowered), None)
        return found


EXISTED = "existed"  # created by an earlier revision, or by something the replay never saw
CREATED_HERE = "created-here"  # created earlier in the same revision
STATE_UNKNOWN = "unknown"  # not seen, and this revision creates tables the replay cannot see


@dataclass(frozen=True)
class OperationView:
    """An operation as the replay met it: the state of its table just before it ran."""

    revision: str
    path: str
    step: MigrationStep
    table: Optional[TableKey]  # None for SQL steps and computed table names
    table_state: str  # EXISTED, CREATED_HERE or STATE_UNKNOWN
    column_type: Optional[ColumnType]  # `alter_column`: the column's type before the step, if read
    # Outside a transaction (`MigrationStep.autocommit`), also through a helper called there.
    autocommit: bool
    after_commit: bool  # after a literal `COMMIT` ended the revision's transaction (and no `BEGIN`)
    bound: tuple[tuple[str, Expr], ...]  # the operation's arguments by parameter name


@dataclass
class Replay:
    """One revision graph replayed: the schema at its head(s) and what happened on the way."""

    graph: RevisionGraph
    tables: dict[TableKey, ReplayTable] = field(default_factory=dict)
    repeated_creates: list[RepeatedCreate] = field(default_factory=list)
    uncreated_changes: list[ChangeOfUncreated] = field(default_factory=list)
    blind_creates: list[str] = field(default_factory=list)
    blind_alters: list[str] = field(default_factory=list)
    ever_created: set[TableKey] = field(default_factory=set)
    dropped: dict[TableKey, str] = field(
        default_factory=dict
    )  # table -> revision that dropped it last
    dropped_tables: dict[TableKey, ReplayTable] = field(
        default_factory=dict
    )  # table -> what the replay knew of it when it was dropped last (its creator)
    assumed: dict[TableKey, ReplayTable] = field(
        default_factory=dict
    )  # changed on an unrooted chain, never created
    operations: list[OperationView] = field(default_factory=list)
    blind_revisions: set[str] = field(
        default_factory=set
    )  # revisions in which the replay could not see what changed

    @property
    def created_by_revision(self) -> dict[str, str]:
        return {
            table.qualified: table.revision
            for _, table in sorted(self.tables.items(), key=_key_text)
        }

    def table(self, schema: Optional[str], name: str) -> Optional[ReplayTable]:
        """The table named so, also when only the case or an unnamed default schema differs."""
        return _named(self.tables, schema, name)

    def dropped_table(self, schema: Optional[str], name: str) -> Optional[ReplayTable]:
        """The table named so (matched as `table` does) as it was when a revision dropped it
        last, when no head has it again: its `revision` is the one that created it."""
        return _named(self.dropped_tables, schema, name)


def _named(
    tables: dict[TableKey, ReplayTable], schema: Optional[str], name: str
) -> Optional[ReplayTable]:
    """The table of `tables` named so, also when only the case or an unnamed default schema
    differs; None when several match so."""
    found = tables.get((schema, name))
    if found is not None:
        return found
    lowered = name.lower()
    candidates = [
        t
        for (s, n), t in tables.items()
        if n.lower() == lowered and (s == schema or not s or not schema)
    ]
    return candidates[0] if len(candidates) == 1 else None


def _key_text(item: tuple[TableKey, ReplayTable]) -> tuple[str, str]:
    (schema, name), _ = item
    return (schema or "", name)


def split_name(text: str) -> TableKey:
    """`schema.table` or `table` as a table key."""
    schema, _, name = text.rpartition(".")
    return (schema or None, name)


def qualified_name(key: TableKey) -> str:
    """A table key as written in messages: `schema.table`, or `table` without a schema."""
    return f"{key[0]}.{key[1]}" if key[0] else key[1]


def retargeted(target: str, old: TableKey, new_name: str) -> str:
    """A foreign key target (`table.col`, `schema.table.col`, comma-separated) with table `old` renamed."""
    parts = []
    for part in target.split(","):
        table, dot, column = part.rpartition(".")
        schema, name = split_name(table)
        if (
            dot
            and name.lower() == old[1].lower()
            and (schema == old[0] or (not old[0] and not schema))
        ):
            part = f"{schema}.{new_name}.{column}" if schema else f"{new_name}.{column}"
        parts.append(part)
    return ",".join(parts)
