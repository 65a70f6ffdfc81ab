"""What the inventory needs to know about tables, metadata and migrations.

The row builders ask a `ModelView` and a `RevisionView` only; these adapters
read the project index, so the rows do not depend on how the index stores
models or replays migrations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional

from dblint.contexts import ALEMBIC_ENV, MIGRATION
from dblint.facts import sql
from dblint.facts.model import ClassDef, Expr, FileFacts
from dblint.index import ProjectIndex
from dblint.index.kinds import DECLARATIVE_BASE, FLASK_DB, MODEL, SQLMODEL_BASE
from dblint.index.symbols import Defined, External, ModuleRef

TableKey = tuple[str, str]  # (schema or "", name)
MAX_BASES = 16


@dataclass(frozen=True)
class TableDecl:
    """One declaration of a table: a model class or a `Table(...)` call."""

    name: str
    schema: str
    path: str
    line: int
    lines: frozenset[int]  # lines where findings about this declaration land (class, columns)
    metadata: str  # "module:Base.metadata"; "" when unknown
    kind: str  # "orm-model" or "core-table"

    @property
    def key(self) -> TableKey:
        return (self.schema, self.name)


@dataclass(frozen=True)
class RevisionCreate:
    """A migration whose `upgrade()` creates a table."""

    key: TableKey
    revision: str
    path: str
    line: int


def is_computed(name: str) -> bool:
    """A name made only of placeholders (`{}`, `%s`) is computed at run time."""
    return name.strip("{}%s()?:") == ""


def table_key(written: str, schema: Optional[str] = None) -> TableKey:
    """`schema.name` as written in SQL or a `ForeignKey`, split into a key."""
    if schema is None and "." in written:
        schema, written = written.rsplit(".", 1)
    return (schema or "", written)


def shown_table(key: TableKey) -> str:
    schema, name = key
    return f"{schema}.{name}" if schema else name


class ModelView:
    """Tables and metadata holders of a project, read from the project index."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.tables: list[TableDecl] = sorted(self._declarations(), key=lambda t: (t.path, t.line, t.name))
        self.tracked: frozenset[str] = frozenset(self._tracked_metadata())

    def tables_of_metadata(self, metadata: str) -> list[TableDecl]:
        return [table for table in self.tables if metadata and table.metadata == metadata]

    def metadata_of(self, path: str, dotted: str, scope: str) -> str:
        """The metadata a `create_all` receiver (`Base.metadata`, `db`, `metadata`) stands for."""
        module = self.index.module_of(path)
        if self.index.kind_of(path, dotted, scope) == FLASK_DB:
            dotted += ".metadata"
        return self._qualified(module, dotted, scope)

    def table_of(self, path: str, dotted: str, scope: str) -> Optional[TableDecl]:
        """The table a `.create()` receiver (`users`, `User.__table__`) stands for."""
        module = self.index.module_of(path)
        target = dotted[: -len(".__table__")] if dotted.endswith(".__table__") else dotted
        resolution = self.index.resolver.resolve(module, target, scope)
        if resolution is None or resolution.rest or not isinstance(resolution.target, Defined):
            return None
        defined = resolution.target
        where = (self.index.paths_by_module.get(defined.module), defined.node.line)
        return next((table for table in self.tables if (table.path, table.line) == where), None)

    def is_tracked(self, metadata: str) -> bool:
        return metadata in self.tracked

    # -- reading the index --------------------------------------------------

    def _declarations(self) -> Iterator[TableDecl]:
        for path, facts in sorted(self.index.files.items()):
            if not facts.parsed or self.index.context_of(path) in (MIGRATION, ALEMBIC_ENV):
                continue
            module = self.index.module_of(path)
            for cls in facts.classes:
                table = self._model_table(path, module, cls)
                if table is not None:
                    yield table
            yield from self._core_tables(path, module, facts)

    def _model_table(self, path: str, module: str, cls: ClassDef) -> Optional[TableDecl]:
        if self.index.kinds.class_kind(module, cls, 0) != MODEL:
            return None
        attrs = {attr.name: attr for attr in cls.attrs}
        name_attr = attrs.get("__tablename__")
        if name_attr is not None and name_attr.value is not None and name_attr.value.kind == "str":
            name = name_attr.value.text
        elif any(key == "table" and value.text == "True" for key, value in cls.keywords):
            name = cls.name.lower()
        else:
            return None
        lines = frozenset({cls.line, *(attr.line for attr in cls.attrs)})
        schema = _schema_of(attrs.get("__table_args__"))
        return TableDecl(name, schema, path, cls.line, lines, self._class_metadata(module, cls, MAX_BASES), "orm-model")

    def _core_tables(self, path: str, module: str, facts: FileFacts) -> Iterator[TableDecl]:
        for binding in facts.bindings:
            call = binding.value
            if call is None or call.kind != "call" or not call.args or call.args[0].kind != "str":
                continue
            if self.index.kind_of(path, call.text, binding.scope) != "class:table":
                continue
            metadata = ""
            if len(call.args) > 1 and call.args[1].kind == "name":
                metadata = self.metadata_of(path, call.args[1].text, binding.scope)
            elif call.text.endswith(".Table"):  # Flask-SQLAlchemy `db.Table("name", ...)`
                metadata = self.metadata_of(path, call.text[: -len(".Table")], binding.scope)
            schema_expr = call.keyword("schema")
            schema = schema_expr.text if schema_expr is not None and schema_expr.kind == "str" else ""
            lines = frozenset({binding.line, call.line, *(arg.line for arg in call.args)})
            yield TableDecl(call.args[0].text, schema, path, call.line, lines, metadata, "core-table")

    def _class_metadata(self, module: str, cls: ClassDef, depth: int) -> str:
        """The metadata of a model: that of the declarative base it descends from."""
        for base in cls.bases:
            if base.kind != "name" or depth <= 0:
                continue
            kind = self.index.kinds.kind_of(module, base.text, cls.scope)
            if kind in (DECLARATIVE_BASE, SQLMODEL_BASE):
                holder = base.text[: -len(".Model")] if base.text.endswith(".Model") else base.text
                return self._qualified(module, holder + ".metadata", cls.scope)
            if kind == MODEL:
                resolution = self.index.resolver.resolve(module, base.text, cls.scope)
                if resolution is not None and isinstance(resolution.target, Defined):
                    parent = resolution.target.node
                    if isinstance(parent, ClassDef):
                        return self._class_metadata(resolution.target.module, parent, depth - 1)
        return ""

    def _qualified(self, module: str, dotted: str, scope: str) -> str:
        """`module:Name.attr` for a name as written in `module`."""
        resolution = self.index.resolver.resolve(module, dotted, scope)
        if resolution is None:
            return ""
        target, rest = resolution.target, resolution.rest
        if isinstance(target, Defined):
            head = f"{target.module}:{target.node.name}"
        elif isinstance(target, External):
            head = target.qualname.replace(".", ":", 1)
        else:
            assert isinstance(target, ModuleRef)
            head = f"{target.module}:"
        return ".".join((head, *rest)).replace(":.", ":")

    def _tracked_metadata(self) -> Iterator[str]:
        for path, facts in sorted(self.index.files.items()):
            if self.index.context_of(path) != ALEMBIC_ENV:
                continue
            module = self.index.module_of(path)
            for binding in facts.bindings:
                if binding.name == "target_metadata" and not binding.scope and binding.value is not None:
                    for item in _names(binding.value):
                        yield self._qualified(module, item, "")


def _names(expr: Expr) -> Iterator[str]:
    if expr.kind == "name":
        yield expr.text
    elif expr.kind == "list":
        for item in expr.args:
            yield from _names(item)


def _schema_of(table_args: object) -> str:
    value = getattr(table_args, "value", None)
    if not isinstance(value, Expr):
        return ""
    options = value if value.kind == "dict" else next((a for a in value.args if a.kind == "dict"), None)
    schema = options.keyword("schema") if options is not None else None
    return schema.text if schema is not None and schema.kind == "str" else ""


class RevisionView:
    """Which revision creates each table, read from the migrations' `op.create_table` calls."""

    def __init__(self, index: ProjectIndex) -> None:
        self.creates: dict[TableKey, list[RevisionCreate]] = {}
        for path, facts in sorted(index.files.items()):
            if index.context_of(path) != MIGRATION:
                continue
            revision = _revision_id(facts)
            for call in facts.calls:
                expr = call.expr
                if not expr.text.endswith("create_table") or not _in_upgrade(call.scope):
                    continue
                if not expr.args or expr.args[0].kind != "str":
                    continue
                schema = expr.keyword("schema")
                key = table_key(expr.args[0].text, schema.text if schema is not None and schema.kind == "str" else "")
                self.creates.setdefault(key, []).append(RevisionCreate(key, revision, path, expr.line))
            for string in facts.sql_strings:
                for statement in string.statements:
                    if statement.kind == sql.CREATE_TABLE and statement.name and _in_upgrade(string.scope):
                        key = table_key(statement.name)
                        self.creates.setdefault(key, []).append(RevisionCreate(key, revision, path, string.line))

    def created_by(self, key: TableKey) -> Optional[RevisionCreate]:
        found = self.creates.get(key)
        return found[0] if found else None

    def keys(self) -> list[TableKey]:
        return sorted(self.creates)


def _in_upgrade(scope: str) -> bool:
    return scope.split(".", 1)[0].startswith("upgrade")


def _revision_id(facts: FileFacts) -> str:
    for binding in facts.bindings:
        if binding.name == "revision" and not binding.scope and binding.value is not None and binding.value.kind == "str":
            return binding.value.text
    return ""
