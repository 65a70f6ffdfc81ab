"""A database built by `create_all()` and then `alembic stamp`: the migrations' baseline.

Alembic's cookbook ("Building an Up to Date Database from Scratch") builds a new database
from the models and stamps it at head; projects that do so often keep a history whose
first revisions were pruned, or never written, so their migrations change tables no
revision creates. The baseline is found where application code (a CLI command, an
install script) calls `create_all()` on a metadata and an Alembic stamp in one file:
`command.stamp(cfg, "head")`, Flask-Migrate's `stamp()`, Flask-Alembic's `alembic.stamp()`,
a `stamp_<what>()` function of another project module that stamps so (Kotti's
`kotti.migrate.stamp_heads()`: in its body, a function nested in it, or another `stamp_<what>()`
it calls), a stamp by hand (`CREATE TABLE alembic_version`, then an `INSERT` of the head: nbgrader),
or a library's schema manager that does both (sqlalchemy-helpers' `db.manager.sync()`,
`syncdb(settings)`: `create_all()` and `stamp head` on an empty database, `upgrade`
otherwise), and only when the history shows it starts after the first tables: a migration
changes a table a model declares that no migration creates. A complete history with a `create_all()` + stamp fallback beside it
has no baseline: its migrations must create every table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dblint.facts.model import CallFact, FileFacts, FunctionDef
from dblint.facts.vocabulary import SYNC_CALLS
from dblint.index.kinds import SCHEMA_SYNC
from dblint.index.names import Names
from dblint.index.receivers import holds_metadata
from dblint.index.replay import replays
from dblint.index.schema import model_schema
from dblint.index.scratch import on_memory_engine, stamps_by_hand
from dblint.index.symbols import Defined

if TYPE_CHECKING:
    from dblint.index.project import ProjectIndex

# Where an imported `stamp` comes from, and the names Flask extensions' instances go by.
_STAMP_PACKAGES = frozenset({"alembic", "flask_migrate", "flask_alembic"})
_EXTENSION_NAMES = frozenset({"alembic", "migrate"})


def has_stamp_baseline(index: ProjectIndex) -> bool:
    """Whether application code builds databases with `create_all()` and an Alembic stamp (or a
    schema manager's `sync()`) and the history starts after the first tables."""
    return index.view(_has_baseline)


def declared_table_names(index: ProjectIndex) -> frozenset[str]:
    """The tables (lower-case names) a model or `Table` of the project declares."""
    return index.view(_declared_names)


def _declared_names(index: ProjectIndex) -> frozenset[str]:
    return frozenset(table.name.lower() for table in model_schema(index).declared if table.name)


def declares_unnamed_tables(index: ProjectIndex) -> bool:
    """Whether a model of the project has a table name computed beyond reading (Kotti's
    `"{}s".format(camel_case_to_name(cls.__name__))`): a baseline may have built any table."""
    return any(table.name is None for table in model_schema(index).declared)


def _has_baseline(index: ProjectIndex) -> bool:
    if not _history_starts_late(index):
        return False
    for path in sorted(index.files):
        facts = index.files[path]
        if not index.is_application_code(facts):
            continue
        if _manager_syncs(index, path, facts):
            return True
        if (
            _stamps(facts) or stamps_by_hand(facts) or _stamps_through_helper(index, path, facts)
        ) and any(
            call.method == "create_all"
            and holds_metadata(call, facts, index)
            and not on_memory_engine(call, facts, index)
            for call in facts.schema_calls
        ):
            return True
    return False


def _manager_syncs(index: ProjectIndex, path: str, facts: FileFacts) -> bool:
    """Whether the file calls a schema manager's `sync()` (`db.manager.sync()`, `syncdb(...)`)."""
    return any(
        call.expr.text.rpartition(".")[2] in SYNC_CALLS
        and index.kind_of(path, call.expr.text, call.scope) == SCHEMA_SYNC
        for call in facts.calls
    )


def _stamps(facts: FileFacts, within: str = "") -> bool:
    """Whether the file (given `within`, the function of that inner scope, nested ones
    included) calls Alembic's stamp (imported from Alembic, Flask-Migrate or Flask-Alembic, or
    on a Flask extension named `alembic` / `migrate`)."""
    imports_stamp = any(
        imp.module.split(".", 1)[0] in _STAMP_PACKAGES for imp in facts.imports if not imp.level
    )
    for call in facts.calls:
        receiver, _, method = call.expr.text.rpartition(".")
        if method != "stamp" or not _inside(call.scope, within):
            continue
        if imports_stamp or receiver.rsplit(".", 1)[-1] in _EXTENSION_NAMES:
            return True
    return False


def _calls_stamp_helper(call: CallFact) -> bool:
    """`stamp_<what>(...)`: a call that may reach a project function stamping the database."""
    return call.expr.text.rpartition(".")[2].startswith("stamp_")


def _inside(scope: str, within: str) -> bool:
    """Whether code of `scope` runs in the function whose inner scope is `within` ("": anywhere)."""
    return not within or scope == within or scope.startswith(within + ".")


def _stamps_through_helper(index: ProjectIndex, path: str, facts: FileFacts) -> bool:
    """Whether the file calls a `stamp_<what>()` function of another project module that calls
    Alembic's stamp (Kotti's `initialize_sql()` calls `kotti.migrate.stamp_heads()`, which calls
    `stamp_head()`, whose nested callback stamps). The function is judged, not its module: a
    `stamp_rows()` beside a module's stamping command stamps nothing."""
    helpers = _StampHelpers(index)
    module = index.module_of(path)
    return any(
        helpers.stamps(module, call.expr.text, call.scope, outside=path)
        for call in facts.calls
        if _calls_stamp_helper(call)
    )


class _StampHelpers:
    """Follows `stamp_<what>()` calls to the project functions they name, and through the
    `stamp_<what>()` calls of their bodies, to a call of Alembic's stamp."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.names = Names(index.resolver)
        self.paths = {module: file for file, module in index.modules.items()}
        self.seen: set[tuple[str, str]] = set()

    def stamps(self, module: str, called: str, scope: str, outside: str = "") -> bool:
        """Whether `called`, a function name read from `scope` of `module`, stamps (a function
        of the file `outside` is not followed: that file is judged as a whole already)."""
        found = self.names.target(module, called, scope)
        if found is None or found.rest or not isinstance(found.target, Defined):
            return False
        function = found.target.node
        helper = self.index.files.get(self.paths.get(found.target.module, ""))
        if not isinstance(function, FunctionDef) or helper is None or helper.path == outside:
            return False
        key = (found.target.module, function.inner_scope)
        if key in self.seen:
            return False
        self.seen.add(key)
        return _stamps(helper, function.inner_scope) or any(
            self.stamps(found.target.module, call.expr.text, call.scope)
            for call in helper.calls
            if _calls_stamp_helper(call) and _inside(call.scope, function.inner_scope)
        )


def _history_starts_late(index: ProjectIndex) -> bool:
    """Whether an unguarded migration changes a declared table that no migration creates."""
    declared = declared_table_names(index)
    return any(
        not event.guarded and event.table[1].lower() in declared
        for replay in replays(index)
        for event in replay.uncreated_changes
    )
