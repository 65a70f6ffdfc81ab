"""The model schema of a project: tables, models, metadata holders and tracking.

Accessor (computed on first use, memoised on the index; DBL1xx-only runs never
build it):

    from dblint.index.schema import model_schema
    schema = model_schema(index)

`ModelSchema` (read-only):

- `tables`: every `TableDef` (index.tables) found in any file, sorted by path and
  line: model tables and `Table(...)`/`db.Table(...)` calls. Each has `name`
  (None when computed and not understood), `schema`, `metadata` (a metadata id,
  index.holders; None when unresolved), `path`/`line`/`column` (the class or
  `Table(` position), `model` (class name or None), `style` ("orm" | "flask" |
  "sqlmodel" | "core"), `columns` (`ColumnDef`: key, name, family, type_name,
  typed, nullable, primary_key, index, unique, foreign_keys (`ForeignKeyDef`:
  target, schema, table, column), line of the assignment / `Column(`),
  `columns_complete`, `extend_existing`, `reflected`, `bind_key`, `scope`
  ("" = module level) and `context` (the file's context; rules about the
  application use `declared` below).
- `models`: every mapped class (`ModelDef`: name, module, path, line, style,
  metadata, table, own_table, inheritance "single" | "joined" | None).
- `holders`: every metadata holder definition (`HolderDef`: metadata id, name,
  kind, path, line); `table_count(metadata)` counts declared tables.
- `unresolved_target_metadata`: the `target-metadata` entries that name no
  metadata holder of the project (a configuration error, index.setting_targets).
- `tracking`: one `Tracking` per Alembic script location (index.tracking):
  `metadata` (a tuple of ids, or None when unknown), `source`, `env_path`,
  `description`. `tracked()` is the union over locations (None if any is unknown
  or there is no location), `tracked_tables(tracking)` the declared tables one
  location tracks (what autogenerate compares; for the drift rules). A script location an
  alembic.ini declares with neither env.py nor revisions in the repository (a template's
  configuration) has none: it is in `unread_locations`.
- `declared`: the tables of application code at module level (not tests,
  migrations or env.py; not inside functions) — what the model rules check.
- `find(name, schema=None)`: declared tables with this name and exactly this
  schema (None: no schema); `named(name)`: declared tables of any schema.
- `tables_in(path)` / `columns_in(path)`: declared tables declared in a file, and
  (table, column) pairs for the columns written in a file (what per-file rules need).
- `env_imports(env_path)`: project modules env.py imports transitively (None when
  it imports dynamically), memoised.

Foreign keys written as `ForeignKey(User.id)` / `ForeignKey(users.c.id)` /
`ForeignKeyConstraint([...], [...])` are resolved to "table.col" targets, and a
column with a ForeignKey and no type takes the referenced column's family (Core).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Optional

from dblint.contexts import FileContext, ScriptLocation
from dblint.index.columns import written_target
from dblint.index.holders import HOLDER_KINDS, SQLMODEL_METADATA, HolderDef, MetadataIds
from dblint.index.imports import env_imports
from dblint.index.kinds import METADATA
from dblint.index.library_bases import LIBRARY_METADATA
from dblint.index.tables import (
    ColumnDef,
    ModelDef,
    TableBuilder,
    TableDef,
    parse_target,
)
from dblint.index.tracking import Tracking, TrackingReader
from dblint.index.types import UNKNOWN, TypeFamily

if TYPE_CHECKING:
    from dblint.index.project import ProjectIndex


@dataclass
class ModelSchema:
    tables: tuple[TableDef, ...]
    models: tuple[ModelDef, ...]
    holders: tuple[HolderDef, ...]
    tracking: tuple[Tracking, ...]
    unresolved_target_metadata: tuple[str, ...]  # `target-metadata` entries that name no metadata
    made_metadata: frozenset[str]  # metadata that model classes made inside functions add tables to
    index: ProjectIndex = field(repr=False, compare=False)
    ids: MetadataIds = field(repr=False, compare=False)
    # declared script locations with neither env.py nor revisions in the repository
    unread_locations: tuple[ScriptLocation, ...] = ()
    _imports: dict[str, Optional[frozenset[str]]] = field(default_factory=dict, repr=False)
    _by_path: Optional[dict[str, tuple[list[TableDef], list[tuple[TableDef, ColumnDef]]]]] = field(
        default=None, repr=False
    )

    @cached_property
    def declared(self) -> tuple[TableDef, ...]:
        return tuple(table for table in self.tables if _declared(table))

    @cached_property
    def has_unnamed_table(self) -> bool:
        """Some table's name is not known statically (rules that need every name then stay silent)."""
        return any(table.name is None for table in self.tables)

    def tables_in(self, path: str) -> list[TableDef]:
        """Declared tables whose `class` / `Table(` is in `path`."""
        return self._path_index().get(path, ([], []))[0]

    def columns_in(self, path: str) -> list[tuple[TableDef, ColumnDef]]:
        """(table, column) of declared tables for the columns written in `path` (a mixin's, once per table)."""
        return self._path_index().get(path, ([], []))[1]

    def _path_index(self) -> dict[str, tuple[list[TableDef], list[tuple[TableDef, ColumnDef]]]]:
        if self._by_path is None:
            found: dict[str, tuple[list[TableDef], list[tuple[TableDef, ColumnDef]]]] = {}
            for table in self.declared:
                found.setdefault(table.path, ([], []))[0].append(table)
                for column in table.columns:
                    found.setdefault(column.path, ([], []))[1].append((table, column))
            self._by_path = found
        return self._by_path

    def table_count(self, metadata: str) -> int:
        return sum(1 for table in self.declared if table.metadata == metadata)

    def find(self, name: str, schema: Optional[str] = None) -> list[TableDef]:
        return [t for t in self.declared if t.name == name and t.schema == schema]

    def named(self, name: str) -> list[TableDef]:
        return [t for t in self.declared if t.name == name]

    def declared_on_external_base(self, name: str) -> bool:
        """Whether a model on an undeclared library's base declares a table of this name (any
        case): that base's metadata may be a tracked one, so whether the table has a model
        there is unknown."""
        lowered = name.lower()
        return any(
            t.name is not None and t.name.lower() == lowered and self.ids.is_external(t.metadata)
            for t in self.declared
        )

    def tracked(self) -> Optional[frozenset[str]]:
        if not self.tracking or any(item.metadata is None for item in self.tracking):
            return None
        return frozenset(name for item in self.tracking for name in item.metadata or ())

    def tracked_tables(self, tracking: Tracking) -> list[TableDef]:
        wanted = set(tracking.metadata or ())
        return [table for table in self.declared if table.metadata in wanted]

    def holds_no_table(self, module: str, dotted: str, scope: str) -> bool:
        """True when `dotted` is a plain `MetaData()` that no table is ever registered on: no `Table(...)`
        or model uses it, nothing is reflected into it, and every table's metadata is known."""
        if dotted.endswith("()"):  # `MetaData().create_all()`: a new, empty MetaData
            callee = dotted[: -len("()")]
            return (
                "()" not in callee
                and self.index.kinds.kind_of(module, callee, scope) == "class:" + METADATA
            )
        metadata = self.ids.of_name(module, dotted, scope)
        kinds = {holder.kind for holder in self.holders if holder.metadata == metadata}
        if metadata is None or kinds != {METADATA}:
            return False
        if any(table.metadata in (None, metadata) for table in self.tables):
            return False
        filled = self.filled_at_run_time
        return metadata not in filled and None not in filled

    @cached_property
    def filled_at_run_time(self) -> frozenset[Optional[str]]:
        """The metadata that tables reach at run time, unseen by the table registry (None: one we
        cannot resolve): `<metadata>.reflect(...)`, `table.to_metadata(<metadata>)` (also
        `tometadata`), which copies another metadata's tables (aiida-core's SQLite schema), and
        model classes that functions make (mlrun's `make_label(table)`)."""
        found: set[Optional[str]] = set(self.made_metadata)
        for path, facts in self.index.files.items():
            module = self.index.module_of(path)
            for call in facts.calls:
                receiver, _, method = call.expr.text.rpartition(".")
                if method == "reflect" and receiver:
                    found.add(self.ids.of_name(module, receiver, call.scope))
                elif method in ("to_metadata", "tometadata") and receiver:
                    target = call.expr.args[0] if call.expr.args else call.expr.keyword("metadata")
                    found.add(self.ids.of_expr(module, target, call.scope))
        return frozenset(found)

    def env_imports(self, env_path: str) -> Optional[frozenset[str]]:
        if env_path not in self._imports:
            self._imports[env_path] = env_imports(self.index, env_path)
        return self._imports[env_path]


def _declared(table: TableDef) -> bool:
    return table.context == FileContext.APP and not table.scope


def model_schema(index: ProjectIndex) -> ModelSchema:
    """The project's model schema, built once per index."""
    return index.view(_build)


def _build(index: ProjectIndex) -> ModelSchema:
    builder = TableBuilder(index)
    builder.build()
    _resolve_references(builder)
    tables = _infer_types([table.definition for table in builder.tables])
    tables.sort(key=lambda t: (t.path, t.line, t.column))
    by_key = {(t.path, t.line, t.column): t for t in tables}
    models = [
        dataclasses.replace(m, table=by_key.get((m.table.path, m.table.line, m.table.column)))
        if m.table
        else m
        for m in builder.models
    ]
    models.sort(key=lambda m: (m.path, m.line))
    holders = _holders(index, builder, tables)
    counts = Counter(t.metadata for t in tables if _declared(t) and t.metadata is not None)
    reader = TrackingReader(index, builder.ids, holders, counts)
    configured = index.settings.target_metadata
    unresolved = tuple(entry for entry in configured if reader.configured_id(entry) is None)
    return ModelSchema(
        tables=tuple(tables),
        models=tuple(models),
        holders=tuple(holders),
        tracking=reader.all(),
        unread_locations=reader.unread(),
        unresolved_target_metadata=unresolved,
        made_metadata=frozenset(builder.made_metadata),
        index=index,
        ids=builder.ids,
    )


def _resolve_references(builder: TableBuilder) -> None:
    """`ForeignKey(User.id)`, `ForeignKeyConstraint(...)` -> ForeignKeyDef targets on the columns.
    A string target without a schema (`"users.id"`) is looked up in the metadata's default schema."""
    for table in builder.tables:
        default = builder.ids.default_schema(table.definition.metadata)
        columns = [_in_schema(column, default) for column in table.columns]
        for position, reference, line, col in table.references:
            constant = builder.constant_target(reference)
            target = constant or builder.resolve_reference(reference)
            foreign = parse_target(target, line, col) if target else None
            if foreign is not None and constant and foreign.schema is None:
                foreign = dataclasses.replace(foreign, schema=default)
            if foreign is not None:
                columns[position] = dataclasses.replace(
                    columns[position], foreign_keys=(*columns[position].foreign_keys, foreign)
                )
        for local, remote, module, line, col in table.constraint_refs:
            for name, expr in zip(local, remote):
                target = written_target(expr) if expr.kind == "str" else None
                if expr.kind == "name":
                    target = builder.resolve_reference(builder.names.qualify(module, expr.text))
                foreign = parse_target(target, line, col) if target else None
                if foreign is not None and expr.kind == "str" and foreign.schema is None:
                    foreign = dataclasses.replace(foreign, schema=default)
                index = next((i for i, column in enumerate(columns) if column.name == name), None)
                if foreign is not None and index is not None:
                    columns[index] = dataclasses.replace(
                        columns[index], foreign_keys=(*columns[index].foreign_keys, foreign)
                    )
        table.definition = dataclasses.replace(table.definition, columns=tuple(columns))


def _in_schema(column: ColumnDef, default: Optional[str]) -> ColumnDef:
    """The column with its string foreign keys' schema defaulted (before object references are added)."""
    if default is None or all(foreign.schema is not None for foreign in column.foreign_keys):
        return column
    keys = tuple(
        foreign if foreign.schema is not None else dataclasses.replace(foreign, schema=default)
        for foreign in column.foreign_keys
    )
    return dataclasses.replace(column, foreign_keys=keys)


def _infer_types(tables: list[TableDef]) -> list[TableDef]:
    """A column with a ForeignKey and no type takes the referenced column's type (Core and the 2.0 ORM)."""
    by_name: dict[str, list[TableDef]] = {}
    for table in tables:
        if table.name is not None:
            by_name.setdefault(table.name, []).append(table)
    for _ in range(4):
        changed = False
        for position, table in enumerate(tables):
            columns = list(table.columns)
            for number, column in enumerate(columns):
                if column.typed or column.family != UNKNOWN or not column.foreign_keys:
                    continue
                family, returns = _referenced_type(column, table, by_name)
                if family != UNKNOWN:
                    columns[number] = dataclasses.replace(column, family=family, returns=returns)
                    changed = True
            if columns != list(table.columns):
                tables[position] = dataclasses.replace(table, columns=tuple(columns))
        if not changed:
            break
        by_name = {}
        for table in tables:
            if table.name is not None:
                by_name.setdefault(table.name, []).append(table)
    return tables


def _referenced_type(
    column: ColumnDef, table: TableDef, by_name: dict[str, list[TableDef]]
) -> tuple[TypeFamily, frozenset[TypeFamily]]:
    """The family of the referenced column and what it returns, when all its declarations agree."""
    foreign = column.foreign_keys[0]
    candidates = [
        t
        for t in by_name.get(foreign.table, [])
        if t.metadata == table.metadata and t.schema == foreign.schema
    ]
    types = {
        (c.family, c.returns) for t in candidates for c in t.columns if c.name == foreign.column
    }
    return types.pop() if len(types) == 1 else (UNKNOWN, frozenset())


def _holders(index: ProjectIndex, builder: TableBuilder, tables: list[TableDef]) -> list[HolderDef]:
    found: list[HolderDef] = []
    files = index.files
    for path in index.model_files():
        module = index.module_of(path)
        facts = files[path]
        for binding in facts.bindings:
            value = binding.value
            if binding.scope or value is None or value.kind != "call" or not value.text:
                continue
            kind = index.kinds.kind_of(module, value.text + "()", "")
            if kind not in HOLDER_KINDS:
                continue
            metadata = (
                builder.ids.of_name(module, binding.name, "")
                if kind == METADATA
                else builder.ids.binding_holder(module, binding)
            )
            if metadata is not None:
                found.append(
                    HolderDef(
                        metadata, binding.name, kind, path, module, binding.line, binding.column
                    )
                )
        for cls in facts.classes:
            if cls.scope:
                continue
            info = builder.info(module, cls)
            if info.is_base and info.metadata is not None:
                found.append(
                    HolderDef(
                        info.metadata,
                        cls.name,
                        "declarative-base",
                        path,
                        module,
                        cls.line,
                        cls.column,
                    )
                )
    if any(table.metadata == SQLMODEL_METADATA for table in tables):
        found.append(HolderDef(SQLMODEL_METADATA, "SQLModel", "sqlmodel", None, "sqlmodel", 0, 0))
    used = {table.metadata for table in tables if table.metadata is not None}
    for library in sorted(m for m in used if m.split("[bind=", 1)[0] in LIBRARY_METADATA):
        module, _, name = library.partition(":")
        found.append(HolderDef(library, name, "library", None, module, 0, 0))
    return found


__all__ = [
    "ColumnDef",
    "HolderDef",
    "ModelDef",
    "ModelSchema",
    "TableDef",
    "Tracking",
    "model_schema",
]
