"""A static replay of each script location's migrations into an in-memory schema.

Public API (used by the drift and safety rules, the databases view and the inventory):

- `replays(index) -> tuple[Replay, ...]`, one per revision graph (`index.revisions`),
  built on first use and kept (`ProjectIndex.view`).
- `Replay.tables`: the schema at the head(s) (the union of all branches), by
  `(schema, name)`; each `ReplayTable` has columns (type family, nullability, keys),
  indexes, unique constraints, foreign keys, the revision that created it, and
  `uncertain` reasons when the replay could not follow everything done to it.
- `Replay.created_by_revision`: qualified table name -> revision id that created it.
- `Replay.blind_creates` / `blind_alters`: why the replay may have missed a table
  created, or a change made, anywhere (`blind_revisions`: in which revisions) (a computed table name, `create_all()` in a
  migration, SQL it cannot read, a call into another module).
- `Replay.assumed`: tables that revisions on a chain starting at a missing (or
  unreadable) `down_revision` change without creating them: they existed before that
  chain in a schema the replay cannot know, so they are uncertain, never "uncreated".
- `Replay.repeated_creates` / `uncreated_changes`: events (`events.py`) at the `op.`
  call: a table or column created again along one ancestry, a change of a table no
  revision before it created; the rules decide which are findings.
- `tables_migrations_create(index)`: the names of the tables the migrations create,
  what every rule that asks "do the migrations create it?" reads.
- `location_tables(index)`: by script location, the tables its migrations leave at the
  head(s) and whether its replay may have missed a create (which locations manage a table).
- `Replay.operations`: every `op.` / `batch_op.` operation and literal SQL step of each
  `upgrade()` in replay order, with whether its table existed before that revision
  (`OperationView`; read by the migration-safety rules).

The package: `values.py` evaluates migration values, `interpreter.py` runs each
revision's `op` calls, `sql_steps.py` the SQL it executes, `changes.py` is what both do to
the schema, `schema.py` the state they build, `events.py` what the replay saw happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dblint.index.replay.events import ChangeOfUncreated, OperationPlace, RepeatedCreate, TableKey
from dblint.index.replay.interpreter import replay_graph
from dblint.index.replay.schema import (
    CREATED_HERE,
    EXISTED,
    STATE_UNKNOWN,
    OperationView,
    Replay,
    ReplayColumn,
    ReplayTable,
)
from dblint.index.revisions import revision_graphs

if TYPE_CHECKING:
    from dblint.contexts import ScriptLocation
    from dblint.index.project import ProjectIndex

__all__ = [
    "CREATED_HERE",
    "EXISTED",
    "STATE_UNKNOWN",
    "ChangeOfUncreated",
    "LocationTables",
    "OperationPlace",
    "OperationView",
    "RepeatedCreate",
    "Replay",
    "ReplayColumn",
    "ReplayTable",
    "TableKey",
    "location_tables",
    "replays",
    "tables_migrations_create",
]


def replays(index: ProjectIndex) -> tuple[Replay, ...]:
    """The replay of every revision graph of the project."""
    return index.view(_replay_all)


def _replay_all(index: ProjectIndex) -> tuple[Replay, ...]:
    return tuple(replay_graph(index, graph) for graph in revision_graphs(index))


def tables_migrations_create(index: ProjectIndex) -> frozenset[str]:
    """The tables some migration of the project creates at any point of its replay: lower-case
    names, schema left out (`t` and `s.t` are usually one table, through the search path).

    `op.create_table`, `CREATE TABLE` / `CREATE VIEW` and the new name of a rename count, also
    when a later revision drops the table. The one answer to "do the migrations create this
    table?" for the rules that ask it (a foreign key's target, a change of an uncreated table).
    """
    return index.view(_created_names)


def _created_names(index: ProjectIndex) -> frozenset[str]:
    return frozenset(key[1].lower() for replay in replays(index) for key in replay.ever_created)


def views_migrations_create(index: ProjectIndex) -> frozenset[str]:
    """The views (`CREATE VIEW`) some migration's replay leaves at a head: lower-case names, schema
    left out. A model mapped onto one reads rows the view computes; it has no keys of its own."""
    return index.view(_view_names)


def _view_names(index: ProjectIndex) -> frozenset[str]:
    return frozenset(
        key[1].lower()
        for replay in replays(index)
        for key, table in replay.tables.items()
        if table.is_view
    )


@dataclass(frozen=True)
class LocationTables:
    """What one script location's migrations leave: the tables at its head(s), lower-case names,
    schema left out, and whether its replay may have missed a table it creates."""

    names: frozenset[str]
    blind: bool


def location_tables(index: ProjectIndex) -> dict[ScriptLocation, LocationTables]:
    """By script location (all the revision graphs of its version directories), the tables its
    migrations leave at the head(s). A location with no revisions is absent: it creates nothing."""
    return index.view(_location_tables)


def _location_tables(index: ProjectIndex) -> dict[ScriptLocation, LocationTables]:
    names: dict[ScriptLocation, set[str]] = {}
    blind: dict[ScriptLocation, bool] = {}
    for replay in replays(index):
        location = replay.graph.location
        names.setdefault(location, set()).update(key[1].lower() for key in replay.tables)
        blind[location] = blind.get(location, False) or bool(replay.blind_creates)
    return {
        location: LocationTables(frozenset(found), blind[location])
        for location, found in names.items()
    }
