"""Metadata holders and metadata identity.

A metadata id names one `MetaData` object as the code creates it:

- `"app.db:metadata"`: a `metadata = MetaData()` binding;
- `"app.models.base:Base.metadata"`: the own metadata of a declarative base
  (`declarative_base()`, `class Base(DeclarativeBase)`, `@as_declarative`,
  `registry()` / `reg.generate_base()`: the registry's), also when the base sets
  `metadata = MetaData(...)` in its body or passes `metadata=MetaData(...)` inline;
- `"app.ext:db.metadata"`: a Flask-SQLAlchemy `db`'s default metadata,
  `"app.ext:db.metadata[bind=auth]"` the metadata of a `__bind_key__`;
- `"sqlmodel:SQLModel.metadata"`: SQLModel's; `"advanced_alchemy.base:orm_registry.metadata"`:
  advanced-alchemy's (`library_bases`);
- `"app.x:MetaData()@12:5"`: an anonymous `MetaData()` written inline.

`MetaData(schema="x")` gives its tables a default schema (`default_schema(id)`):
SQLAlchemy puts a table without its own `schema=` there, and resolves a string
foreign key without a schema (`"users.id"`) to `x.users`.

Two holders built on the same `MetaData` object (`declarative_base(metadata=m)`,
`registry(metadata=m)`, `SQLAlchemy(metadata=m)`, `class Base(DeclarativeBase):
metadata = m`, `SQLAlchemy(model_class=Base)`) have the same id. None means the
metadata could not be resolved statically (rules then stay silent).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

from dblint.facts.model import Binding, ClassDef, Expr, FunctionDef
from dblint.index.kinds import (
    DECLARATIVE_BASE,
    FLASK_DB,
    METADATA,
    REGISTRY,
    KindOracle,
)
from dblint.index.library_bases import external_base_metadata, library_metadata
from dblint.index.names import Names, qualified_target
from dblint.index.symbols import Defined, External

if TYPE_CHECKING:
    from dblint.index.project import ProjectIndex

SQLMODEL_METADATA = "sqlmodel:SQLModel.metadata"
MAX_DEPTH = 12
_SQLMODEL = frozenset({"sqlmodel.SQLModel", "sqlmodel.main.SQLModel"})
HOLDER_KINDS = frozenset({DECLARATIVE_BASE, METADATA, REGISTRY, FLASK_DB})

ClassMetadata = Callable[[str, ClassDef], Optional[str]]


@dataclass(frozen=True)
class HolderDef:
    """A definition that owns (or shares) a metadata: a base, a MetaData, a registry, a `db`."""

    metadata: str  # metadata id
    name: str  # the defined name ("Base", "db", "metadata"; "SQLModel")
    kind: str  # "declarative-base" | "metadata" | "registry" | "flask-db" | "sqlmodel"
    path: Optional[str]  # None for SQLModel (defined outside the project)
    module: str
    line: int
    column: int


def display(metadata: str) -> str:
    """How messages name a metadata."""
    return "SQLModel.metadata" if metadata == SQLMODEL_METADATA else metadata


def bind_metadata(base: str, bind_key: Optional[str]) -> str:
    return base if bind_key is None else f"{base}[bind={bind_key}]"


class MetadataIds:
    """Resolves expressions to metadata ids. `class_metadata` (from the class
    analysis) answers for classes: a base's own metadata or a model's base's."""

    def __init__(self, names: Names, kinds: KindOracle, class_metadata: ClassMetadata) -> None:
        self.names = names
        self.kinds = kinds
        self.class_metadata = class_metadata
        self.aliases: dict[str, str] = {}
        # Where each alias is made (module, line): `aliases_for_class` reads it.
        self._aliased_at: dict[str, tuple[str, int]] = {}
        # Undeclared library bases models inherit directly (`class Project(Base)` with `Base` from
        # a library `library_bases` does not declare), and their metadata ids: written only through
        # `note_external_base`, by the class analysis. Whoever reads them depends on that analysis
        # having run: env.py and the rules read after the models are analysed, but a read made
        # earlier in the build (a core `Table(..., Base.metadata)`) sees only the bases noted so far.
        self._external_bases: set[str] = set()
        self._external_metadata: set[str] = set()
        self._schemas: dict[str, str] = {}
        self._computed_schemas: set[str] = set()

    def default_schema(self, metadata: Optional[str]) -> Optional[str]:
        """The `schema=` of the `MetaData(...)` call behind a metadata id (None: no default schema)."""
        return self._schemas.get(self.canonical(metadata) or "") if metadata is not None else None

    def default_schema_known(self, metadata: Optional[str]) -> bool:
        """False when the `MetaData(schema=...)` behind a metadata id is computed (`schema=settings.SCHEMA`)."""
        return metadata is None or self.canonical(metadata) not in self._computed_schemas

    def _made_by(self, metadata: str, call: Expr) -> str:
        """Remember the default schema of the `MetaData(...)` call that makes `metadata`."""
        schema = call.keyword("schema")
        if schema is not None and schema.kind == "str":
            self._schemas[metadata] = schema.text
        elif schema is not None and not (schema.kind == "const" and schema.text == "None"):
            self._computed_schemas.add(metadata)
        return metadata

    def learn_aliases(self, index: ProjectIndex) -> None:
        """`SQLModel.metadata = Base.metadata` at module level: SQLModel's tables go on Base's metadata."""
        for path, facts in sorted(index.files.items()):
            module = index.module_of(path)
            for binding in facts.bindings:
                if binding.scope or not binding.name.endswith(".metadata") or binding.value is None:
                    continue
                owner = self.owner(module, binding.name[: -len(".metadata")], "")
                shared = self.of_expr(module, binding.value, "")
                if owner is not None and shared is not None and owner != shared:
                    self.aliases[owner] = shared
                    self._aliased_at[owner] = (module, binding.line)

    def canonical_for_class(self, metadata: Optional[str], module: str, line: int) -> Optional[str]:
        """`canonical` for the base metadata of a class at `line` of `module`: SQLAlchemy reads
        `Base.metadata` as it maps the class, so a `Base.metadata = metadata` below the class in
        its own module comes too late for it (its table stays on the base's own metadata)."""
        made = self._aliased_at.get(metadata) if metadata is not None else None
        if made is not None and made[0] == module and made[1] > line:
            return metadata
        return self.canonical(metadata)

    def canonical(self, metadata: Optional[str]) -> Optional[str]:
        seen = 0
        while metadata in self.aliases and seen < MAX_DEPTH:
            metadata, seen = self.aliases[metadata], seen + 1
        return metadata

    def of_expr(
        self, module: str, expr: Optional[Expr], scope: str, depth: int = 0
    ) -> Optional[str]:
        """The metadata an expression evaluates to (`metadata`, `Base.metadata`, `MetaData()`)."""
        if expr is None or depth > MAX_DEPTH:
            return None
        if expr.kind == "name":
            return self.of_name(module, expr.text, scope, depth + 1)
        factory = self._factory(module, expr.text, scope) if expr.kind == "call" else None
        if factory is not None and (
            not self._is_metadata_call(module, expr, scope)
            or (factory[1].returns and all(r.kind == "name" for r in factory[1].returns))
        ):  # `get_orm_metadata()` returning `Base.metadata`: that metadata, not a new one
            return self._agreed(
                self.of_expr(factory[0], returned, factory[1].inner_scope, depth + 1)
                for returned in factory[1].returns
            )
        if expr.kind == "call" and self._is_metadata_call(module, expr, scope):
            return self._made_by(f"{module}:MetaData()@{expr.line}:{expr.column}", expr)
        return None

    def _factory(self, module: str, callee: str, scope: str) -> Optional[tuple[str, FunctionDef]]:
        """The project function a call calls (`schema.versioned_base(...)`), with its module."""
        resolution = self.names.target(module, callee, scope) if callee else None
        if resolution is None or resolution.rest or not isinstance(resolution.target, Defined):
            return None
        node = resolution.target.node
        return (resolution.target.module, node) if isinstance(node, FunctionDef) else None

    @staticmethod
    def _agreed(found: Iterable[Optional[str]]) -> Optional[str]:
        """The one metadata every `return` of a factory gives (returns of `None` aside), else None."""
        ids = set(found)
        ids.discard(None)
        return ids.pop() if len(ids) == 1 else None

    def of_name(self, module: str, dotted: str, scope: str, depth: int = 0) -> Optional[str]:
        resolution = self.names.target(module, dotted, scope)
        if resolution is None or depth > MAX_DEPTH:
            return None
        target, rest = resolution.target, resolution.rest
        if isinstance(target, External):
            parts = tuple(target.qualname.split(".")) + rest
            if parts[-1] == "metadata" and ".".join(parts[:-1]) in _SQLMODEL:
                return self.canonical(SQLMODEL_METADATA)
            library = library_metadata(".".join(parts))
            if library is None and parts[-1] == "metadata":
                library = self._external_base(".".join(parts[:-1]))
            return self.canonical(library) if library is not None else None
        if rest and rest[-1] == "metadata":
            return self._owner_of(target, rest[:-1], depth + 1)
        if rest or not isinstance(target, Defined) or not isinstance(target.node, Binding):
            return None
        binding = target.node
        if binding.value is not None and binding.value.kind == "call":
            if self._is_metadata_call(target.module, binding.value, binding.scope):
                made = qualified_target(target).replace(target.module + ".", target.module + ":", 1)
                return self._made_by(made, binding.value)
            return None
        return self.of_expr(target.module, binding.value, binding.scope, depth + 1)

    def owner(self, module: str, dotted: str, scope: str, depth: int = 0) -> Optional[str]:
        """The metadata of an object that has `.metadata`: a base, a model, a registry, a `db`."""
        resolution = self.names.target(module, dotted, scope)
        if resolution is None or depth > MAX_DEPTH:
            return None
        return self._owner_of(resolution.target, resolution.rest, depth)

    def _owner_of(self, target: object, rest: tuple[str, ...], depth: int) -> Optional[str]:
        if isinstance(target, External):
            qualified = ".".join((target.qualname, *rest))
            if qualified in _SQLMODEL:
                return self.canonical(SQLMODEL_METADATA)
            library = library_metadata(qualified + ".metadata") or self._external_base(qualified)
            return self.canonical(library) if library is not None else None
        if not isinstance(target, Defined):
            return None
        node = target.node
        if isinstance(node, ClassDef):
            if rest:
                return None
            return self.class_metadata(target.module, node) or self._class_attribute(
                target.module, node
            )
        if isinstance(node, Binding) and (rest == ("Model",) or not rest):
            return self.binding_holder(target.module, node, depth + 1)
        return None

    def note_external_base(self, qualified: str) -> str:
        """Record that a model inherits `qualified`, an undeclared library's declarative base
        (called by the class analysis); the id of that base's metadata."""
        metadata = external_base_metadata(qualified)
        self._external_bases.add(qualified)
        self._external_metadata.add(metadata)
        return metadata

    def is_external(self, metadata: Optional[str]) -> bool:
        """The metadata of an undeclared library base: whether it is the one another (tracked)
        metadata shares cannot be known, so a table on it is not judged untracked."""
        return metadata in self._external_metadata

    def _external_base(self, qualified: str) -> Optional[str]:
        return external_base_metadata(qualified) if qualified in self._external_bases else None

    def _class_attribute(self, module: str, cls: ClassDef) -> Optional[str]:
        """`class Model: metadata = sa.MetaData()`: a plain class holding a MetaData, reached as `Model.metadata`."""
        made = self._metadata_attribute(module, cls)
        return self._made_by(f"{module}:{cls.body_scope}.metadata", made) if made else None

    def _metadata_attribute(self, module: str, cls: ClassDef) -> Optional[Expr]:
        """The `MetaData(...)` call a class body assigns to `metadata`, if it does."""
        attr = next((attr for attr in reversed(cls.attrs) if attr.name == "metadata"), None)
        if (
            attr is None
            or attr.value is None
            or attr.value.kind != "call"
            or not self._is_metadata_call(module, attr.value, cls.scope)
        ):
            return None
        return attr.value

    def binding_holder(self, module: str, binding: Binding, depth: int = 0) -> Optional[str]:
        """The metadata of `binding` when it defines a holder (`Base = declarative_base()`, `db = SQLAlchemy()`)."""
        own = (
            f"{module}:{binding.name}.metadata"
            if not binding.scope
            else f"{module}:{binding.scope}.{binding.name}.metadata"
        )
        return self.made_holder(module, binding.value, binding.scope, own, depth)

    def made_holder(
        self, module: str, value: Optional[Expr], scope: str, own: str, depth: int = 0
    ) -> Optional[str]:
        """The metadata of the holder a call makes; `own` names a metadata the call creates afresh."""
        if value is None or value.kind != "call" or depth > MAX_DEPTH:
            return None
        factory = self._factory(module, value.text, scope)
        if factory is not None:
            return self._agreed(
                self._returned_holder(factory[0], factory[1], returned, own, depth + 1)
                for returned in factory[1].returns
            )
        kind = self.kinds.kind_of(module, value.text + "()", scope)
        if kind == FLASK_DB:
            model_class = value.keyword("model_class")
            if model_class is not None and model_class.kind == "name":
                shared = self.owner(module, model_class.text, scope, depth + 1)
                if shared is not None:
                    return shared
        if kind not in (DECLARATIVE_BASE, REGISTRY, FLASK_DB):
            return None
        if value.text.endswith(".generate_base"):
            return self.owner(module, value.text.rsplit(".", 1)[0], scope, depth + 1)
        return self.shared_metadata(module, value.keyword("metadata"), scope, own, depth + 1)

    def _returned_holder(
        self, module: str, function: FunctionDef, returned: Expr, own: str, depth: int
    ) -> Optional[str]:
        """The metadata of a holder a factory returns. One made inside the function is new on each
        call (its metadata is the caller's `own`) unless it shares another's (`metadata=`)."""
        scope = function.inner_scope
        if returned.kind == "call":
            return self.made_holder(module, returned, scope, own, depth + 1)
        if returned.kind != "name":
            return None
        resolution = self.names.target(module, returned.text, scope)
        if resolution is None or resolution.rest or not isinstance(resolution.target, Defined):
            return self.owner(module, returned.text, scope, depth + 1)
        node, where = resolution.target.node, resolution.target.module
        inside = where == module and (node.scope == scope or node.scope.startswith(scope + "."))
        if not inside:
            return self.owner(module, returned.text, scope, depth + 1)
        if isinstance(node, Binding):
            return self.made_holder(where, node.value, node.scope, own, depth + 1)
        if isinstance(node, ClassDef):
            metadata = self.class_metadata(where, node)
            if metadata != f"{where}:{node.name}.metadata":
                return metadata
            # Each call's base has its own metadata, made by the class body's `MetaData(...)`:
            # its default schema is the caller's too (`schema=schema`, a parameter: computed).
            made = self._metadata_attribute(where, node)
            return self._made_by(own, made) if made is not None else own
        return None

    def shared_metadata(
        self, module: str, given: Optional[Expr], scope: str, own: str, depth: int = 0
    ) -> Optional[str]:
        """`metadata=` given to a holder: a name shares that metadata; nothing or an inline `MetaData()` is `own`."""
        if given is None:
            return own
        if given.kind == "call" and self._is_metadata_call(module, given, scope):
            return self._made_by(own, given)
        if given.kind == "name":
            return self.of_name(module, given.text, scope, depth + 1)
        return None

    def _is_metadata_call(self, module: str, expr: Expr, scope: str) -> bool:
        return bool(expr.text) and self.kinds.kind_of(module, expr.text + "()", scope) == METADATA
