"""What a name is, in SQLAlchemy terms: a MetaData, a declarative base, a model,
a Flask-SQLAlchemy `db`, a Table ... or nothing we know.

Kinds are computed from facts only, by following names (`symbols.Resolver`)
and applying attribute, call and subscript steps.
"""

from __future__ import annotations

from typing import Optional

from dblint.facts.model import Binding, ClassDef, Expr, FunctionDef
from dblint.index.symbols import Defined, External, ModuleRef, Resolver

METADATA = "metadata"
DECLARATIVE_BASE = "declarative-base"
MODEL = "model"
FLASK_DB = "flask-db"
TABLE = "table"
TABLE_MAP = "table-map"
REGISTRY = "registry"
SQLMODEL_BASE = "sqlmodel-base"
# A library object whose `sync()` builds a new database from the models and stamps it at head
# (sqlalchemy-helpers' `DatabaseManager`), one holding such a manager as `.manager`, and that
# `sync` (also the library's `syncdb(settings)`).
SCHEMA_MANAGER = "schema-manager"
SCHEMA_MANAGER_OWNER = "schema-manager-owner"
SCHEMA_SYNC = "schema-sync"

# Library classes whose project subclasses keep the library kind.
_INHERITED_CLASS_KINDS = frozenset(
    {"class:" + METADATA, "class:" + FLASK_DB, "class:" + REGISTRY, "class:" + TABLE}
)
HAS_METADATA = frozenset({DECLARATIVE_BASE, MODEL, FLASK_DB, REGISTRY, SQLMODEL_BASE})
MAX_DEPTH = 16

# Qualified names outside the project, by (top-level package, last name).
_EXTERNAL_CLASSES = {
    ("sqlalchemy", "MetaData"): "class:" + METADATA,
    ("sqlalchemy", "Table"): "class:" + TABLE,
    ("sqlalchemy", "declarative_base"): "func:" + DECLARATIVE_BASE,
    ("sqlalchemy", "automap_base"): "func:" + DECLARATIVE_BASE,
    ("sqlalchemy", "DeclarativeBase"): "class:declarative-root",
    ("sqlalchemy", "DeclarativeBaseNoMeta"): "class:declarative-root",
    ("sqlalchemy", "DeclarativeMeta"): "class:declarative-meta",
    ("sqlalchemy", "registry"): "class:" + REGISTRY,
    ("sqlalchemy", "as_declarative"): "decorator:" + DECLARATIVE_BASE,
    ("flask_sqlalchemy", "SQLAlchemy"): "class:" + FLASK_DB,
    ("flask", "SQLAlchemy"): "class:" + FLASK_DB,
    # Flask-AppBuilder's Flask-SQLAlchemy subclass, and its factory returning SQLA or SQLAlchemy.
    ("flask_appbuilder", "SQLA"): "class:" + FLASK_DB,
    ("flask_appbuilder", "get_sqla_class"): "func:class:" + FLASK_DB,
    ("sqlmodel", "SQLModel"): SQLMODEL_BASE,
    ("sqlmodel", "MetaData"): "class:" + METADATA,
    ("sqlalchemy_helpers", "DatabaseManager"): "class:" + SCHEMA_MANAGER,
    ("sqlalchemy_helpers", "AsyncDatabaseManager"): "class:" + SCHEMA_MANAGER,
    ("sqlalchemy_helpers", "DatabaseExtension"): "class:" + SCHEMA_MANAGER_OWNER,
    ("sqlalchemy_helpers", "manager_from_config"): "func:" + SCHEMA_MANAGER,
    ("sqlalchemy_helpers", "syncdb"): SCHEMA_SYNC,
}

# Top-level packages whose names `external_kind` knows (`flask` only for its `SQLAlchemy`).
KIND_PACKAGES = frozenset(top for top, _ in _EXTERNAL_CLASSES)


def external_kind(qualname: str) -> Optional[str]:
    """The kind of a qualified name from outside the project, if it is one we know."""
    top = qualname.split(".", 1)[0]
    last = qualname.rsplit(".", 1)[-1]
    return _EXTERNAL_CLASSES.get((top, last))


def split_segments(dotted: str) -> list[tuple[str, str]]:
    """`a.b().c[]` -> [("a", ""), ("b", "()"), ("c", "[]")]."""
    segments: list[tuple[str, str]] = []
    for part in dotted.split("."):
        suffix = ""
        while part.endswith(("()", "[]")):
            suffix = part[-2:] + suffix
            part = part[:-2]
        segments.append((part, suffix))
    return segments


class KindOracle:
    """Answers "what is this name?" for rules; memoised per run."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._cache: dict[tuple[str, str, str], Optional[str]] = {}

    def kind_of(self, module: str, dotted: str, scope: str = "", depth: int = 0) -> Optional[str]:
        key = (module, dotted, scope)
        if key in self._cache:
            return self._cache[key]
        self._cache[key] = None  # cycle guard
        result = self._compute(module, dotted, scope, depth) if depth < MAX_DEPTH else None
        self._cache[key] = result
        return result

    def _compute(self, module: str, dotted: str, scope: str, depth: int) -> Optional[str]:
        segments = split_segments(dotted)
        first_suffixed = next(
            (i for i, (_, suffix) in enumerate(segments) if suffix), len(segments) - 1
        )
        prefix = ".".join(name for name, _ in segments[: first_suffixed + 1])
        resolution = self.resolver.resolve(module, prefix, scope)
        if resolution is None:
            return None
        kind = self._target_kind(resolution.target, depth)
        for attribute in resolution.rest:
            kind = step(kind, "." + attribute)
        kind = _apply_suffix(kind, segments[first_suffixed][1])
        for name, suffix in segments[first_suffixed + 1 :]:
            kind = _apply_suffix(step(kind, "." + name), suffix)
        return kind

    def _target_kind(self, target: object, depth: int) -> Optional[str]:
        if isinstance(target, External):
            return external_kind(target.qualname)
        if isinstance(target, ModuleRef):
            return None
        assert isinstance(target, Defined)
        node = target.node
        if isinstance(node, ClassDef):
            return self.class_kind(target.module, node, depth)
        if isinstance(node, FunctionDef):
            return self.function_kind(target.module, node, depth)
        return self.binding_kind(target.module, node, depth)

    def function_kind(self, module: str, function: FunctionDef, depth: int) -> Optional[str]:
        """A project function whose returns agree on a kind is a factory of it (`func:declarative-base`).
        One returning a `Table` counts only as a wrapper passing its `*args` on: calling it builds
        the table its arguments describe."""
        kinds = {
            self.expr_kind(module, returned, function.inner_scope, depth + 1)
            for returned in function.returns
        }
        kinds.discard(None)
        if len(kinds) != 1:
            return None
        kind = kinds.pop()
        if kind == TABLE and not function.forwards:
            return None
        return "func:" + kind if kind is not None else None

    def binding_kind(self, module: str, binding: Binding, depth: int) -> Optional[str]:
        if binding.value is not None:
            return self.expr_kind(module, binding.value, binding.scope, depth + 1)
        if binding.annotation is not None:
            declared = self.expr_kind(module, binding.annotation, binding.scope, depth + 1)
            return step(declared, "()")  # a parameter annotated `MetaData` holds an instance
        return None

    def expr_kind(self, module: str, expr: Expr, scope: str, depth: int) -> Optional[str]:
        if expr.kind == "name":
            return self.kind_of(module, expr.text, scope, depth + 1)
        if expr.kind == "call" and expr.text:
            return self.kind_of(module, expr.text + "()", scope, depth + 1)
        if expr.kind == "subscript" and expr.text:
            return self.kind_of(module, expr.text + "[]", scope, depth + 1)
        return None

    def class_kind(self, module: str, cls: ClassDef, depth: int) -> Optional[str]:
        """declarative-base for a class that starts a hierarchy, model for one below it."""
        for decorator in cls.decorators:
            decorator_kind = (
                self.expr_kind(module, decorator, cls.scope, depth + 1)
                if decorator.kind != "call"
                else (self.kind_of(module, decorator.text, cls.scope, depth + 1))
            )
            if decorator_kind == "decorator:" + DECLARATIVE_BASE:
                return DECLARATIVE_BASE
            if decorator_kind == "registry-mapped":
                return MODEL
        for _, value in cls.keywords:
            if (
                value.kind == "name"
                and self.kind_of(module, value.text, cls.scope, depth + 1)
                == "class:declarative-meta"
            ):
                return DECLARATIVE_BASE
        for base in cls.bases:
            base_kind = self.expr_kind(module, base, cls.scope, depth + 1)
            if base_kind == "class:declarative-root":
                return DECLARATIVE_BASE
            if base_kind in (DECLARATIVE_BASE, MODEL, SQLMODEL_BASE):
                return MODEL
            if base_kind in _INHERITED_CLASS_KINDS:
                return base_kind  # `class AppSQLAlchemy(SQLAlchemy)`: instances are still a `db`
        return None


def step(kind: Optional[str], operation: str) -> Optional[str]:
    """The kind after an attribute access (`.name`), a call `()` or a subscript `[]`."""
    if kind is None:
        return None
    if operation == "()":
        if kind.startswith(("class:", "func:")):
            return kind.split(":", 1)[1] if kind != "class:declarative-root" else None
        return None
    if operation == "[]":
        return TABLE if kind == TABLE_MAP else None
    attribute = operation[1:]
    if attribute == "metadata" and (kind in HAS_METADATA or kind == "class:declarative-root"):
        return METADATA
    if kind == FLASK_DB:
        return {"Model": DECLARATIVE_BASE, "Table": "class:" + TABLE, "metadata": METADATA}.get(
            attribute
        )
    if kind == REGISTRY:
        return {
            "generate_base": "func:" + DECLARATIVE_BASE,
            "mapped": "registry-mapped",
            "mapped_as_dataclass": "registry-mapped",
            "as_declarative_base": "decorator:" + DECLARATIVE_BASE,
        }.get(attribute)
    if kind == METADATA and attribute == "tables":
        return TABLE_MAP
    if kind == MODEL and attribute == "__table__":
        return TABLE
    if kind == SCHEMA_MANAGER_OWNER and attribute == "manager":
        return SCHEMA_MANAGER
    if kind == SCHEMA_MANAGER and attribute == "sync":
        return SCHEMA_SYNC
    return None


def _apply_suffix(kind: Optional[str], suffix: str) -> Optional[str]:
    for index in range(0, len(suffix), 2):
        kind = step(kind, suffix[index : index + 2])
    return kind
