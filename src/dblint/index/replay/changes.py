"""What operations do to the replay's schema: create, change, drop and rename tables, and
record what happened (events, operations) with the state the table was in.

Shared by the interpreter of `op` calls and of SQL steps, so both change the schema, and
report repeats and uncreated tables, in one way.
"""

from __future__ import annotations

from typing import Optional, Union

from dblint.facts.model import Expr, MigrationStep
from dblint.facts.vocabulary import core_operation
from dblint.index.replay.events import ChangeOfUncreated, OperationPlace, RepeatedCreate, TableKey
from dblint.index.replay.schema import (
    CREATED_HERE,
    EXISTED,
    STATE_UNKNOWN,
    NamedOrigin,
    OperationView,
    Replay,
    ReplayColumn,
    ReplayTable,
    retargeted,
)
from dblint.index.replay.values import Frame, resolved, text_of
from dblint.index.revisions import RevisionGraph
from dblint.sql.changes import ends_transaction
from dblint.sql.statements import name_words

# Operations that leave a table and every column of it in place.
_KEEP_COLUMNS = frozenset(
    {
        "add_column",
        "create_index",
        "drop_index",
        "create_unique_constraint",
        "create_foreign_key",
        "create_check_constraint",
        "create_primary_key",
        "create_exclude_constraint",
        "drop_constraint",
        "create_table_comment",
        "drop_table_comment",
        "bulk_insert",
    }
)
# Operations that leave a table's named indexes and unique constraints in place.
_KEEP_NAMED = (_KEEP_COLUMNS - {"drop_index", "drop_constraint"}) | {"alter_column"}


class SchemaChanges:
    """The schema of one revision graph as the replay changes it."""

    def __init__(self, graph: RevisionGraph) -> None:
        self.replay = Replay(graph)
        self.unrooted = graph.unrooted
        self.blind_before_revision = 0  # len(blind_creates) when the current revision started
        self.revision = ""  # the revision running
        self.committed = False  # a literal `COMMIT` of the running revision ended its transaction

    def start_revision(self, revision: str) -> None:
        """Note what was unseen before the revision about to run (`observe` tells the difference)."""
        self.blind_before_revision = len(self.replay.blind_creates)
        self.revision = revision
        self.committed = False

    def transaction_statement(self, text: str) -> None:
        """Follow `op.execute("COMMIT")` (the revision's transaction ends there) and `BEGIN`."""
        ends = ends_transaction(text)
        if ends is not None:
            self.committed = ends

    def blind(self, reason: str, creates: bool = True) -> None:
        """Something changed tables the replay cannot see (`creates`: it may have created some)."""
        if creates:
            self.replay.blind_creates.append(reason)
        self.replay.blind_alters.append(reason)
        self.replay.blind_revisions.add(self.revision)

    @property
    def tables(self) -> dict[TableKey, ReplayTable]:
        return self.replay.tables

    def mark(self, key: TableKey, reason: str, opaque: bool = True) -> None:
        table = self.tables.get(key)
        if table is not None:
            table.unsure(reason, opaque)

    def guarded(self, step: MigrationStep, frame: Frame) -> Optional[str]:
        guards = frame.guards + step.guards
        if not guards:
            return None
        return f"{guards[-1]} in {frame.path} (revision {frame.revision.id})"

    def _place(self, step: MigrationStep, frame: Frame) -> OperationPlace:
        return OperationPlace(frame.revision.id, frame.path, step.line, step.column, step.end_line)

    def existing(
        self, key: TableKey, step: MigrationStep, frame: Frame, action: str
    ) -> Optional[ReplayTable]:
        """The table an operation changes; a change of an uncreated table when it does not exist.

        On a chain that starts at a missing link the table may come from the unknown
        schema before it: it is assumed (uncertain) instead.
        """
        table = self.tables.get(key)
        if table is not None:
            return table
        if frame.revision.id in self.unrooted:
            return self._assumed(key, frame)
        if key not in self.replay.dropped:
            self.replay.uncreated_changes.append(
                ChangeOfUncreated(
                    self._place(step, frame), key, action, bool(step.guards or frame.guards)
                )
            )
        return None

    def _assumed(self, key: TableKey, frame: Frame) -> ReplayTable:
        """The table as a chain from an unknown schema sees it: columns it adds are known, the rest is not."""
        table = self.replay.assumed.get(key)
        if table is None:
            revision = frame.revision
            table = ReplayTable(
                key[0], key[1], {}, revision.id, revision.path, 0, 0, columns_known=False
            )
            table.unsure(
                f"revision {revision.id} changes it on a chain that starts at a missing or unreadable "
                "down_revision: the schema before that chain is unknown",
                opaque=False,
            )
            self.replay.assumed[key] = table
        return table

    def known_key(self, key: TableKey) -> TableKey:
        """The key of the table an operation changes when it names it with a schema the table
        was created without, or the other way round (`t` and `public.t`, one table through the
        search path), or in another case."""
        if key in self.tables:
            return key
        found = self.replay.table(*key)
        return (found.schema, found.name) if found is not None else key

    def discard(self, key: TableKey, frame: Frame) -> None:
        """Forget a dropped table, whether created or assumed."""
        table = self.tables.pop(key, None)
        if table is not None:
            self.replay.dropped[key] = frame.revision.id
            self.replay.dropped_tables[key] = table
        self.replay.assumed.pop(key, None)

    def _across_heads(self, earlier: str, frame: Frame) -> Optional[bool]:
        """How `earlier` and the current revision run on one database: None when they never do
        (a create there is no repeat); False when together on the way to some revision, or as two
        separate histories (`upgrade heads`; no merge can join them); True when on two unmerged
        branches of one history (`upgrade heads` runs both, and so would a merge)."""
        graph, current = self.replay.graph, frame.revision.id
        if graph.on_one_ancestry(earlier, current) or graph.separate_histories(earlier, current):
            return False
        return True if graph.unmerged_branches(earlier, current) else None

    def create(
        self, key: TableKey, step: MigrationStep, frame: Frame, if_not_exists: bool = False
    ) -> None:
        existing = self.tables.get(key)
        if existing is not None:
            self.repeated_create(
                key,
                None,
                existing,
                step,
                frame,
                tolerated=if_not_exists,
                earlier_certain=not existing.opaque and not existing.created_guarded,
            )
        self.replay.ever_created.add(key)
        self.replay.dropped.pop(key, None)
        self.replay.dropped_tables.pop(key, None)
        self.replay.assumed.pop(key, None)

    def repeated_create(
        self,
        key: TableKey,
        column: Optional[ReplayColumn],
        earlier: ReplayTable,
        step: MigrationStep,
        frame: Frame,
        *,
        tolerated: bool,
        earlier_certain: bool,
    ) -> None:
        """Record a create of a table (or column) that a revision run with this one created."""
        self._record(
            key,
            step,
            frame,
            column if column is not None else earlier,
            column=column.name if column is not None else None,
            guarded=bool(step.guards or frame.guards),
            tolerated=tolerated,
            earlier_certain=earlier_certain,
        )

    def create_named(
        self,
        key: TableKey,
        table: ReplayTable,
        origin: NamedOrigin,
        step: MigrationStep,
        frame: Frame,
        tolerated: bool = False,
    ) -> None:
        """An index or unique constraint created under a literal name on `table` (recorded there):
        a repeat when a revision run with this one created that name on it and nothing dropped it
        since."""
        earlier = table.named.get(origin.name.lower())
        if earlier is not None:
            self._record(
                key,
                step,
                frame,
                earlier,
                named=origin,
                guarded=origin.guarded,
                tolerated=tolerated,
                earlier_certain=not earlier.guarded and not table.opaque,
            )
        table.add_constraint(origin.kind, origin.name, origin.columns, origin)

    def _record(
        self,
        key: TableKey,
        step: MigrationStep,
        frame: Frame,
        earlier: Union[ReplayTable, ReplayColumn, NamedOrigin],
        *,
        column: Optional[str] = None,
        named: Optional[NamedOrigin] = None,
        guarded: bool,
        tolerated: bool,
        earlier_certain: bool,
    ) -> None:
        """Record that `step` creates again the table, `column` or `named` index or constraint that
        `earlier` made, unless the two revisions never run on one database."""
        across_heads = self._across_heads(earlier.revision, frame)
        if across_heads is None:
            return
        self.replay.repeated_creates.append(
            RepeatedCreate(
                self._place(step, frame),
                key,
                column,
                earlier.revision,
                earlier.path,
                earlier.line,
                guarded=guarded,
                tolerated=tolerated,
                earlier_certain=earlier_certain,
                after_unseen=bool(self.replay.blind_alters or self.replay.blind_creates),
                across_heads=across_heads,
                index=named.name if named is not None else None,
                index_kind=named.kind if named is not None else "",
            )
        )

    def forget_named_in(self, text: str) -> None:
        """A SQL statement may drop the indexes and constraints it names (`DROP INDEX ix`): the
        replay no longer vouches for them."""
        words = {word.rsplit(".", 1)[-1] for word in name_words(text)}
        for table in self.tables.values():
            # `named` is a view built from the table's constraints on each read; most statements
            # name none of them, and only the tables they do name are changed.
            dropped = words.intersection(table.named)
            if dropped:
                table.forget_named(names=dropped)

    def settle_unmerged(self) -> None:
        """Once every revision ran: drop the creates repeated across unmerged branches that
        `upgrade heads` may run apart. The replay runs the branches in one order, Alembic may
        run them in another, so such a repeat stands only when no revision either may run
        between the two could remove what the first created (`between_branches`)."""
        self.replay.repeated_creates[:] = [
            event
            for event in self.replay.repeated_creates
            if not event.across_heads or not self._removable_between(event)
        ]

    def _removable_between(self, event: RepeatedCreate) -> bool:
        """Whether a revision between the two creates may remove what the first made: an operation
        on the table but those that keep every column (for an index or constraint: that keep its
        name too), SQL naming the table or that name, an operation on a table the replay cannot
        name, or a change it could not see."""
        replay = self.replay
        between = replay.graph.between_branches(event.earlier_revision, event.at.revision)
        if between & replay.blind_revisions:
            return True
        table = replay.table(*event.table)
        if table is not None and table.opaque:
            return True
        table_name = event.table[1].lower()
        names = {table_name, (event.index or table_name).lower()}
        keep = _KEEP_NAMED if event.index is not None else _KEEP_COLUMNS
        for operation in replay.operations:
            if operation.revision not in between:
                continue
            if operation.table is None:  # SQL, or an operation on a computed table name
                if operation.step.kind != "sql":
                    return True
                words = name_words(operation.step.sql or "")
                if names.intersection(word.rsplit(".", 1)[-1] for word in words):
                    return True
            elif (
                operation.table[1].lower() == table_name
                and core_operation(operation.step.name) not in keep
            ):
                return True
        return False

    def rename(self, key: TableKey, new_key: TableKey) -> None:
        """Move a table to its new name; foreign keys that pointed at it follow, as in the database."""
        assumed = self.replay.assumed.pop(key, None)
        if assumed is not None:
            assumed.schema, assumed.name = new_key
            self.replay.assumed[new_key] = assumed
        table = self.tables.pop(key, None)
        if table is not None:
            table.schema, table.name = new_key
            self.tables[new_key] = table
            for other in self.tables.values():
                for column in other.columns.values():
                    if column.foreign_key:
                        column.foreign_key = retargeted(column.foreign_key, key, new_key[1])
                for name, (columns, target) in list(other.foreign_keys.items()):
                    other.foreign_keys[name] = (columns, retargeted(target, key, new_key[1]))
        self.replay.ever_created.add(new_key)

    def observe(
        self, step: MigrationStep, frame: Frame, key: Optional[TableKey], bound: dict[str, Expr]
    ) -> None:
        """Record the operation with the state of its table before it runs (`Replay.operations`)."""
        table = self.replay.table(*key) if key is not None else None
        if table is not None:
            state = CREATED_HERE if table.revision == frame.revision.id else EXISTED
        elif len(self.replay.blind_creates) > self.blind_before_revision:
            state = STATE_UNKNOWN
        else:
            state = EXISTED
        column_type = None
        column_name = text_of(bound.get("column_name"), frame)
        if table is not None and column_name is not None:
            column = table.column_named(column_name)
            column_type = column.sql_type if column is not None else None
        arguments = tuple((name, resolved(value, frame)) for name, value in bound.items())
        self.replay.operations.append(
            OperationView(
                frame.revision.id,
                frame.path,
                step,
                key,
                state,
                column_type,
                step.autocommit or frame.autocommit,
                self.committed,
                arguments,
            )
        )
