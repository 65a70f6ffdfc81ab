"""Which database each revision graph migrates, and which revisions the safety rules check.

Public API (used by the migration-safety rules and the pipeline):

- `graph_dialect(index, graph) -> Dialect`: the database of a script location, from (first
  that says) the `dialect` setting, the `sqlalchemy.url` of its alembic.ini, a version
  subdirectory named after a dialect (`versions/postgresql`), or the `sqlalchemy.dialects`
  imports of its revisions and env.py (one dialect only; several mean "unknown").
- `checked_revisions(index, graph) -> frozenset[str]`: the revisions after `safety-since`
  (all of them when it is unset).
- `validate_safety_since(indexes)`: a `ConfigError` when `safety-since` names no revision.
- `commit_ends_transaction(graph) -> bool`: whether a revision's literal `COMMIT` leaves
  what follows it outside any transaction (the driver of the script location's URL).
- `checked_operations(index) -> tuple[CheckedOperation, ...]`: the operations of the
  replay (`Replay.operations`) in the checked revisions of PostgreSQL script locations,
  in replay order (memoised), but for those in a branch for other dialects
  (`if op.get_bind().dialect.name == "sqlite":`).

Alembic's template URL (`driver://user:pass@localhost/dbname`) and interpolated URLs
(`%(DB_URL)s`, `${DB_URL}`) say nothing: the next source is asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from dblint.config import ConfigError
from dblint.facts.model import Import
from dblint.index.replay import OperationView, Replay, replays
from dblint.index.revisions import RevisionGraph, revision_graphs

if TYPE_CHECKING:
    from dblint.index.project import ProjectIndex

POSTGRESQL = "postgresql"
_URL_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][\w]*)(?:\+(?P<driver>[\w.]+))?://")
# PostgreSQL drivers that ask the server whether a transaction is open before each statement and
# begin a new one after a literal `COMMIT`. psycopg2 (SQLAlchemy's default) and asyncpg do not:
# what follows `op.execute("COMMIT")` runs outside any transaction.
_DRIVERS_BEGINNING_AGAIN = frozenset({"psycopg", "psycopg_async", "pg8000"})
# URL schemes and directory names SQLAlchemy users write for each dialect.
_ALIASES = {
    "postgresql": POSTGRESQL,
    "postgres": POSTGRESQL,
    "pg": POSTGRESQL,
    "psycopg2": POSTGRESQL,
    "asyncpg": POSTGRESQL,
    "sqlite": "sqlite",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mssql": "mssql",
    "oracle": "oracle",
    "cockroachdb": "cockroachdb",
    "duckdb": "duckdb",
}
_DIALECT_PACKAGE = "sqlalchemy.dialects"


@dataclass(frozen=True)
class Dialect:
    """A script location's database (None when unknown) and what says so."""

    name: Optional[str]
    reason: str

    @property
    def is_postgresql(self) -> bool:
        return self.name == POSTGRESQL


def graph_dialect(index: ProjectIndex, graph: RevisionGraph) -> Dialect:
    """The database the revisions of `graph` run on."""
    if index.settings.dialect:
        return Dialect(index.settings.dialect, "the `dialect` setting")
    location = graph.location
    from_url = _url_dialect(location.url)
    if from_url is not None:
        return Dialect(from_url, f"sqlalchemy.url in {location.source}")
    directory = _ALIASES.get(graph.subtree.rsplit("/", 1)[-1].lower()) if graph.subtree else None
    if directory is not None:
        return Dialect(directory, f"the version directory {graph.subtree}")
    paths = [revision.path for revision in graph.revisions.values()] + [location.env_path]
    imported = {
        dialect
        for path in paths
        if path in index.files
        for dialect in _imported_dialects(index.files[path].imports)
    }
    if len(imported) == 1:
        name = imported.pop()
        return Dialect(name, f"`sqlalchemy.dialects.{name}` imports in its revisions or env.py")
    if imported:
        return Dialect(
            None, f"its revisions import several dialects ({', '.join(sorted(imported))})"
        )
    return Dialect(None, "no sqlalchemy.url, `dialect` setting or dialect import says")


def _url_scheme(url: str) -> Optional[re.Match[str]]:
    """The scheme (and driver) of a literal URL; None for the template or an interpolated one."""
    if not url or "%(" in url or "${" in url:
        return None
    return _URL_SCHEME.match(url)


def _url_dialect(url: str) -> Optional[str]:
    found = _url_scheme(url)
    return _ALIASES.get(found.group("scheme").lower()) if found else None


def commit_ends_transaction(graph: RevisionGraph) -> bool:
    """True unless the script location's `sqlalchemy.url` names a driver that begins a new
    transaction after a `COMMIT` a revision executes (`postgresql+psycopg://`)."""
    found = _url_scheme(graph.location.url)
    return found is None or (found.group("driver") or "").lower() not in _DRIVERS_BEGINNING_AGAIN


def _imported_dialects(imports: Iterable[Import]) -> set[str]:
    """`from sqlalchemy.dialects import postgresql`, `from sqlalchemy.dialects.postgresql import JSONB`."""
    found: set[str] = set()
    for imp in imports:
        if imp.module == _DIALECT_PACKAGE and imp.name:
            name = imp.name
        elif imp.module.startswith(_DIALECT_PACKAGE + "."):
            name = imp.module[len(_DIALECT_PACKAGE) + 1 :].split(".", 1)[0]
        else:
            continue
        if name in _ALIASES:
            found.add(_ALIASES[name])
    return found


def _since_id(index: ProjectIndex, graph: RevisionGraph) -> Optional[str]:
    """The revision of `graph` that `safety-since` names (a unique prefix is enough, as for Alembic)."""
    since = index.settings.safety_since
    if not since:
        return None
    if since in graph.revisions:
        return since
    matches = [rid for rid in graph.revisions if rid.startswith(since)]
    return matches[0] if len(matches) == 1 else None


def checked_revisions(index: ProjectIndex, graph: RevisionGraph) -> frozenset[str]:
    """The revisions of `graph` the safety rules check: the descendants of `safety-since`, or all."""
    if not index.settings.safety_since:
        return frozenset(graph.revisions)
    since = _since_id(index, graph)
    if since is None:
        return frozenset()  # another script location's revision: this one's history is all older
    return frozenset(graph.descendants(since) - {since})


def validate_safety_since(indexes: Sequence[ProjectIndex]) -> None:
    """Raise `ConfigError` when `safety-since` is set but names no revision of any project."""
    if not indexes:
        return
    settings = indexes[0].settings
    since = settings.safety_since
    if not since or any(
        _since_id(index, graph) for index in indexes for graph in revision_graphs(index)
    ):
        return
    where = f"{settings.config_path}: " if settings.config_path else ""
    raise ConfigError(
        f"{where}tool.dblint.safety-since: no revision of the project has the id {since!r} (or an id starting with it)"
    )


@dataclass(frozen=True)
class CheckedOperation:
    """An operation the migration-safety rules judge, with the replay it belongs to."""

    replay: Replay
    view: OperationView


def checked_operations(index: ProjectIndex) -> tuple[CheckedOperation, ...]:
    """Operations of the revisions after `safety-since` of every PostgreSQL script location."""
    return index.view(_checked_operations)


def _checked_operations(index: ProjectIndex) -> tuple[CheckedOperation, ...]:
    found: list[CheckedOperation] = []
    for replay in replays(index):
        if not graph_dialect(index, replay.graph).is_postgresql:
            continue
        checked = checked_revisions(index, replay.graph)
        found += [
            CheckedOperation(replay, view)
            for view in replay.operations
            if view.revision in checked and _runs_on_postgresql(view)
        ]
    return tuple(found)


def _runs_on_postgresql(view: OperationView) -> bool:
    """False for an operation in a branch for other databases (`if bind.dialect.name == "sqlite":`)."""
    step = view.step
    if step.only_dialects and POSTGRESQL not in step.only_dialects:
        return False
    return POSTGRESQL not in step.not_dialects
