"""What the receiver of a schema call holds, completing the kind resolution (`index.kinds`).

Where the index resolves the receiver, its kind answers. Where it cannot (a parameter,
`self.metadata`, `current_app.db`), SQLAlchemy's and Flask-SQLAlchemy's idioms answer:
`<x>.metadata` (also `<x>._metadata`, and on a container's item, `tables[t].metadata`),
a name containing "metadata", `<x>.db`, `<x>.__table__`, `<x>.metadata.tables[...]`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Union

from dblint.facts.model import Binding, FileFacts, SchemaCall
from dblint.facts.vocabulary import (
    CREATE_TABLE_CONSTRUCT,
    DROP_TABLE_CONSTRUCT,
    TABLE_CONSTRUCTS,
)
from dblint.index.holders import bind_metadata
from dblint.index.kinds import FLASK_DB, METADATA, TABLE, split_segments
from dblint.index.names import Names
from dblint.index.schema import model_schema
from dblint.index.symbols import Defined
from dblint.index.tables import TableDef

if TYPE_CHECKING:
    from dblint.index.project import ProjectIndex

# Names a Flask-SQLAlchemy extension goes by when dblint cannot see where it comes from.
_DB_NAMES = frozenset({"db", "_db"})
# SchemaCall methods that create one table: `table.create()`, an executed `CreateTable(table)`.
SINGLE_TABLE_CREATES = frozenset({"create", CREATE_TABLE_CONSTRUCT})
# SchemaCall methods that drop one table: `table.drop()`, an executed `DropTable(table)`.
SINGLE_TABLE_DROPS = frozenset({"drop", DROP_TABLE_CONSTRUCT})


def holds_metadata(call: SchemaCall, facts: FileFacts, index: ProjectIndex) -> bool:
    """True when `call.receiver` is a MetaData, a base's `.metadata` or a Flask-SQLAlchemy `db`."""
    kind = index.kind_of(facts.path, call.receiver, call.scope)
    if kind == METADATA:
        return not model_schema(index).holds_no_table(
            index.module_of(facts.path), call.receiver, call.scope
        )
    if kind is not None:
        return kind == FLASK_DB
    segments = split_segments(call.receiver)
    last, suffix = segments[-1]
    # A call's result is not read; an item of a container is (mlrun's `self._tables[t].metadata`).
    if suffix or any("()" in part_suffix for _, part_suffix in segments):
        return False
    # Unresolvable receivers (parameters, `self.metadata`, `tables[t].metadata`):
    # `<x>.metadata.create_all` is SQLAlchemy's idiom, also on a private attribute
    # (apscheduler's `self._metadata`).
    if last.lstrip("_") == "metadata" or (
        len(segments) == 1 and "metadata" in last.lower()
    ):  # `metadata_obj`, `target_metadata`
        return True
    # `app.db`, `current_app.db`, `self.db`: Flask-SQLAlchemy's `db` reached through an attribute.
    return last in _DB_NAMES and not _defined_in_project(call, facts, index)


def untracked_binds(call: SchemaCall, facts: FileFacts, index: ProjectIndex) -> tuple[str, ...]:
    """The binds a Flask-SQLAlchemy `create_all(bind_key=...)` / `drop_all(bind_key=...)` names
    when it names only binds, and no Alembic environment tracks any of them (another database,
    such as a cache that is rebuilt at run time); () otherwise, or when that cannot be told."""
    binds = call.binds
    if not binds or "" in binds or "?" in binds:
        return ()
    if index.kind_of(facts.path, call.receiver, call.scope) != FLASK_DB:
        return ()
    schema = model_schema(index)
    tracked = schema.tracked()
    found = index.resolver.resolve(index.module_of(facts.path), call.receiver, call.scope)
    if tracked is None or found is None or found.rest or not isinstance(found.target, Defined):
        return ()
    target = found.target
    metadata = next(
        (
            holder.metadata
            for holder in schema.holders
            if (holder.module, holder.line) == (target.module, target.node.line)
        ),
        None,
    )
    if metadata is None:
        return ()
    if any(bind_metadata(metadata, key) in tracked for key in binds):
        return ()
    return binds


def _defined_in_project(call: SchemaCall, facts: FileFacts, index: ProjectIndex) -> bool:
    """True when the receiver is a project binding or class dblint can see (so it is not a `db`)."""
    resolution = index.resolver.resolve(index.module_of(facts.path), call.receiver, call.scope)
    return resolution is not None and not resolution.rest and isinstance(resolution.target, Defined)


def holds_table(call: SchemaCall, facts: FileFacts, index: ProjectIndex) -> bool:
    """True when `call.receiver` is a `Table`, a model's `__table__` or `metadata.tables[...]`."""
    kind = index.kind_of(facts.path, call.receiver, call.scope)
    if kind is not None:
        return kind == TABLE
    segments = split_segments(call.receiver)
    last, suffix = segments[-1]
    if last == "__table__" and not suffix:
        return True
    return (
        last == "tables"
        and suffix == "[]"
        and len(segments) > 1
        and segments[-2][0].endswith("metadata")
    )


def creates_one_table(call: SchemaCall, facts: FileFacts, index: ProjectIndex) -> bool:
    """`table.create(...)` or an executed `CreateTable(table)` on a SQLAlchemy table."""
    return call.method in SINGLE_TABLE_CREATES and _on_one_table(call, facts, index)


def drops_one_table(call: SchemaCall, facts: FileFacts, index: ProjectIndex) -> bool:
    """`table.drop(...)` or an executed `DropTable(table)` on a SQLAlchemy table."""
    return call.method in SINGLE_TABLE_DROPS and _on_one_table(call, facts, index)


def _on_one_table(call: SchemaCall, facts: FileFacts, index: ProjectIndex) -> bool:
    """A called table method on a table, or an executed table construct.

    `CreateTable` and `DropTable` take only a table, so their argument needs no resolving
    (a loop over `metadata.sorted_tables`, a parameter), unless it resolves to something else."""
    if not call.called:
        return False
    if call.method in TABLE_CONSTRUCTS:
        return index.kind_of(facts.path, call.receiver, call.scope) in (None, TABLE)
    return holds_table(call, facts, index)


def defined_at(
    index: ProjectIndex, names: Names, path: str, dotted: str, scope: str
) -> Optional[tuple[str, int]]:
    """(path, line) of the project definition `dotted` names from `scope` of the file at `path`
    (through plain aliases), or None."""
    target = _defined(index, names, path, dotted, scope)
    if target is None:
        return None
    defined_path = index.paths_by_module.get(target.module)
    return (defined_path, target.node.line) if defined_path else None


def _defined(
    index: ProjectIndex, names: Names, path: str, dotted: str, scope: str
) -> Optional[Defined]:
    resolution = names.target(index.module_of(path), dotted, scope)
    if resolution is None or resolution.rest or not isinstance(resolution.target, Defined):
        return None
    return resolution.target


def table_of(index: ProjectIndex, path: str, receiver: str, scope: str) -> Union[TableDef, bool]:
    """The table a single-table create or drop is made on (`users`, `User.__table__`); True for
    one whose name is computed at run time (a declared table without a name, or a function's
    `table = Table(table_name, ...)`, which the schema does not hold); False when the receiver
    leads to no table dblint sees (a parameter, `metadata.tables[...]`)."""
    dotted = receiver.removesuffix(".__table__")
    names = Names(index.resolver)
    target = defined_at(index, names, path, dotted, scope)
    if target is None:
        return False
    schema = model_schema(index)
    for model in schema.models:
        if (model.path, model.line) == target and model.table is not None:
            target = (model.table.path, model.table.line)
    table = next((table for table in schema.declared if (table.path, table.line) == target), None)
    if table is not None:
        return table if table.name else True
    bound = _binding(index, names, path, dotted, scope)
    value = bound.value if bound is not None else None
    if bound is None or value is None or value.kind != "call":
        return False
    if value.text.rsplit(".", 1)[-1] != "Table":
        return False
    name = value.args[0] if value.args else None
    if name is None or name.kind == "str":
        return False
    # A name bound to a string (`Table(TABLE_NAME, ...)`) is a name dblint could read: not computed.
    held = _binding(index, names, path, name.text, bound.scope) if name.kind == "name" else None
    return held is None or held.value is None or held.value.kind != "str"


def _binding(
    index: ProjectIndex, names: Names, path: str, dotted: str, scope: str
) -> Optional[Binding]:
    """The assignment a name is bound by (`table = Table(...)`), if dblint sees it."""
    target = _defined(index, names, path, dotted, scope)
    return target.node if target is not None and isinstance(target.node, Binding) else None
