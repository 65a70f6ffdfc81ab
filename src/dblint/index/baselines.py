"""A database built by `create_all()` and then `alembic stamp`: the migrations' baseline.

Alembic's cookbook ("Building an Up to Date Database from Scratch") builds a new database
from the models and stamps it at head; projects that do so often keep a history whose
first revisions were pruned, or never written, so their migrations change tables no
revision creates. The baseline is found where application code (a CLI command, an
install script) calls `create_all()` on a metadata and an Alembic stamp in one file:
`command.stamp(cfg, "head")`, Flask-Migrate's `stamp()`, Flask-Alembic's `alembic.stamp()`,
or a library's schema manager that does both (sqlalchemy-helpers' `db.manager.sync()`,
`syncdb(settings)`: `create_all()` and `stamp head` on an empty database, `upgrade`
otherwise), and only when the history shows it starts after the first tables: a migration
changes a table a model declares that no migration creates. A complete history with a `create_all()` + stamp fallback beside it
has no baseline: its migrations must create every table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from dblint.facts.model import FileFacts
from dblint.facts.vocabulary import SYNC_CALLS
from dblint.index.kinds import SCHEMA_SYNC
from dblint.index.receivers import holds_metadata
from dblint.index.replay import replays
from dblint.index.schema import model_schema

if TYPE_CHECKING:
    from dblint.index.project import ProjectIndex

# Where an imported `stamp` comes from, and the names Flask extensions' instances go by.
_STAMP_PACKAGES = frozenset({"alembic", "flask_migrate", "flask_alembic"})
_EXTENSION_NAMES = frozenset({"alembic", "migrate"})


@dataclass(frozen=True)
class StampBaseline:
    """The `create_all()` call a stamped baseline is built with."""

    path: str
    line: int

    @property
    def shown(self) -> str:
        return f"{self.path}:{self.line}"


def stamp_baseline(index: ProjectIndex) -> Optional[StampBaseline]:
    """The first `create_all()` (by path) of a file that also stamps the database, if any."""
    return index.view(_first_baseline)


def _first_baseline(index: ProjectIndex) -> Optional[StampBaseline]:
    if not _history_starts_late(index):
        return None
    for path in sorted(index.files):
        facts = index.files[path]
        if not index.is_application_code(facts):
            continue
        synced = _manager_sync(index, path, facts)
        if synced is not None:
            return StampBaseline(path, synced)
        if not _stamps(facts):
            continue
        for call in facts.schema_calls:
            if call.method == "create_all" and holds_metadata(call, facts, index):
                return StampBaseline(path, call.line)
    return None


def _manager_sync(index: ProjectIndex, path: str, facts: FileFacts) -> Optional[int]:
    """The line of the first `sync()` of a schema manager (`db.manager.sync()`, `syncdb(...)`)."""
    for call in facts.calls:
        if call.expr.text.rpartition(".")[2] in SYNC_CALLS and (
            index.kind_of(path, call.expr.text, call.scope) == SCHEMA_SYNC
        ):
            return call.expr.line
    return None


def _stamps(facts: FileFacts) -> bool:
    """Whether the file calls Alembic's stamp (imported from Alembic, Flask-Migrate or
    Flask-Alembic, or on a Flask extension named `alembic` / `migrate`)."""
    imports_stamp = any(
        imp.module.split(".", 1)[0] in _STAMP_PACKAGES for imp in facts.imports if not imp.level
    )
    for call in facts.calls:
        receiver, _, method = call.expr.text.rpartition(".")
        if method != "stamp":
            continue
        if imports_stamp or receiver.rsplit(".", 1)[-1] in _EXTENSION_NAMES:
            return True
    return False


def _history_starts_late(index: ProjectIndex) -> bool:
    """Whether an unguarded migration changes a declared table that no migration creates."""
    declared = {table.name.lower() for table in model_schema(index).declared if table.name}
    return any(
        not event.guarded and event.table[1].lower() in declared
        for replay in replays(index)
        for event in replay.uncreated_changes
    )
