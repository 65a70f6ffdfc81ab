"""The table registry: tables, columns and models as SQLAlchemy would build them.

Model classes are analysed once each (memoised): their declarative lineage
(ORM base, Flask-SQLAlchemy `db.Model`, SQLModel, `@registry.mapped`), metadata,
abstractness, table name (explicit, `@declared_attr`, Flask-SQLAlchemy's
snake_case, SQLModel's lower-case, single-table inheritance), schema, columns
(own, from mixins and abstract bases) and constraints. `Table(...)` /
`db.Table(...)` calls bound to a name (or to a class's `__table__`) are tables too.
The data classes here are the public view; `schema.model_schema` builds them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from dblint.contexts import FileContext
from dblint.facts.model import Binding, CallFact, ClassAttr, ClassDef, Expr, FunctionDef
from dblint.facts.vocabulary import MAPPED_MARKERS, finds_capitals
from dblint.index.columns import ColumnSpec, column_from_expr, written_target
from dblint.index.holders import SQLMODEL_METADATA, MetadataIds, bind_metadata
from dblint.index.kinds import DECLARATIVE_BASE, FLASK_DB, TABLE
from dblint.index.library_bases import (
    LibraryClass,
    LibraryColumn,
    library_class,
)
from dblint.index.names import Names
from dblint.index.project_types import Annotation, TypeFamilies, type_map_key
from dblint.index.symbols import Defined, External, Resolution
from dblint.index.types import UNKNOWN, TypeFamily, returned_by

if TYPE_CHECKING:
    from dblint.index.project import ProjectIndex

ORM, FLASK, SQLMODEL, CORE = "orm", "flask", "sqlmodel", "core"
MAX_DEPTH = 24
# Base classes from libraries that add no columns and no mapping.
_HARMLESS_TOPS = frozenset(
    {
        "sqlalchemy",
        "sqlmodel",
        "flask_sqlalchemy",
        "typing",
        "typing_extensions",
        "abc",
        "pydantic",
        "enum",
        "dataclasses",
        "builtins",
        "collections",
        "object",
        "Generic",
        "Protocol",
    }
)
# Library functions that turn a CamelCase class name into a snake_case table name.
_SNAKE_CASE_FUNCTIONS = frozenset({"inflection.underscore", "humps.decamelize"})
_BUILTIN_BASES = frozenset({"object", "Exception", "dict", "str", "int"})
# Names declarative reserves, never columns.
_RESERVED_ATTRS = frozenset({"metadata", "registry"})
# Names libraries give a class attribute (Flask-SQLAlchemy's `query`, pydantic's `model_config`): columns only
# when the class assigns them one (`query = db.Column(db.Text)`).
_LIBRARY_ATTRS = frozenset(
    {"type_annotation_map", "model_config", "Config", "query", "query_class", "Meta"}
)
_WRAPPERS = frozenset({"deferred", "column_property"})
_DECLARED_ATTR = frozenset({"declared_attr", "cascading", "directive", "always"})
_NOT_COLUMNS = frozenset(
    {
        "relationship",
        "Relationship",
        "association_proxy",
        "backref",
        "synonym",
        "composite",
        "dynamic_loader",
        "query_expression",
        "hybrid_property",
        "column_property",
        "validates",
        "declared_attr",
        "classmethod",
        "staticmethod",
        "property",
        "ConfigDict",
        "Field",
        "PrivateAttr",
        "TypeVar",
    }
)
# Names Declarative reserves on a mapped class and its bases, never columns: the base's own
# `metadata = MetaData(naming_convention=...)` (phoenix) and `registry = registry(...)`.
_RESERVED_ATTRIBUTES = frozenset({"metadata", "registry"})
_UNKNOWN_NAME = object()
_AUTO = object()  # the library names the table (Flask-SQLAlchemy, SQLModel)


@dataclass(frozen=True)
class ForeignKeyDef:
    """One foreign key of a column: the target as written or resolved, and its parts."""

    target: str  # "table.col" or "schema.table.col"
    schema: Optional[str]
    table: str
    column: str
    line: int
    col: int


@dataclass(frozen=True)
class ColumnDef:
    key: str  # attribute name (ORM) or column name
    name: str  # the SQL column name
    family: TypeFamily
    type_name: Optional[str]
    typed: bool  # a type or annotation fixed the type (else an FK column takes the referenced type)
    nullable: Optional[bool]
    primary_key: bool
    index: bool
    unique: bool
    foreign_keys: tuple[ForeignKeyDef, ...]
    path: str
    line: int  # the assignment (ORM) or `Column(` (Core) line
    column: int
    annotation_family: Optional[TypeFamily] = None  # the Python type of a `Mapped[...]` annotation
    annotation: Optional[str] = None  # that annotation as written (`Mapped[Optional[str]]`)
    returns: frozenset[TypeFamily] = (
        frozenset()
    )  # families of the Python values the SQL type returns; empty: unknown
    server_default: bool = False
    client_default: bool = False
    model: Optional[str] = None  # the class that declares the column
    optional: bool = (
        False  # a library adds it in some of its versions only: its absence is no finding
    )
    # a foreign key is written, readable or not (`ForeignKey(Policy.id_field_path)`)
    declares_foreign_key: bool = False
    # the library class that adds it (`advanced_alchemy.base.UUIDAuditBase`): the model's source
    # never shows it, so findings say where it comes from
    library: Optional[str] = None


@dataclass(frozen=True)
class TableDef:
    """One table declaration (a model with its own table, or a `Table(...)` call)."""

    name: Optional[str]  # None when computed in a way we cannot evaluate
    schema: Optional[str]
    metadata: Optional[str]  # metadata id (`holders`), None when unresolved
    path: str
    module: str
    line: int
    column: int
    model: Optional[str]  # class name, None for `Table(...)`
    style: str  # "orm" | "flask" | "sqlmodel" | "core"
    columns: tuple[ColumnDef, ...]
    columns_complete: bool  # False: some columns may be missing (unknown mixin, reflection, *args)
    extend_existing: bool
    reflected: bool
    bind_key: Optional[str]
    scope: str  # "" at module level
    context: FileContext
    indexed: tuple[tuple[str, ...], ...] = ()  # column lists of Index/Unique/PrimaryKey constraints
    parent: Optional[str] = None  # the parent model of joined-table inheritance
    # The unmapped base class whose `__tablename__` names the table ("module.Class"), when inherited.
    named_by: Optional[str] = None
    schema_known: bool = (
        True  # False: computed (`__table_args__` method, `schema=settings.X`); `schema` is a guess
    )
    # A computed `Table(...)` name as written, `{}` for the computed parts (`f"{t.name}_history"`).
    name_template: Optional[str] = None
    # Columns a `ForeignKeyConstraint` of the table names, whether or not its target is read.
    constrained: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        """`schema.name`; `<table of Model>` when the name is computed in a way we cannot evaluate."""
        name = self.name if self.name is not None else f"<table of {self.model}>"
        return f"{self.schema}.{name}" if self.schema else name

    def full_column_name(self, column: ColumnDef) -> str:
        """`schema.table.column`: how findings name a column of this table, with the library class
        that adds it when the model's source does not show it."""
        added = f" (added by {column.library})" if column.library else ""
        return f"{self.full_name}.{column.name}{added}"

    def column_named(self, name: str) -> Optional[ColumnDef]:
        return next((column for column in self.columns if column.name == name), None)


@dataclass(frozen=True)
class ModelDef:
    """A mapped class: where it is, which table it maps (own or, for single-table inheritance, the parent's)."""

    name: str
    module: str
    path: str
    line: int
    column: int
    style: str
    metadata: Optional[str]
    table: Optional[TableDef]
    own_table: bool
    inheritance: Optional[str]  # "single" | "joined" | None
    context: FileContext


@dataclass
class _Table:
    definition: TableDef
    columns: list[ColumnDef] = field(default_factory=list)
    references: list[tuple[int, str, int, int]] = field(
        default_factory=list
    )  # (column index, ref, line, col)
    constraint_refs: list[tuple[tuple[str, ...], tuple[Expr, ...], str, int, int]] = field(
        default_factory=list
    )

    def add(self, column: ColumnDef, reference: Optional[str], line: int, col: int) -> None:
        if any(existing.name == column.name for existing in self.columns):
            return
        if reference:
            self.references.append((len(self.columns), reference, line, col))
        self.columns.append(column)


@dataclass
class ClassInfo:
    module: str
    cls: ClassDef
    path: str
    style: Optional[str] = None
    root_metadata: Optional[str] = None
    is_base: bool = False
    abstract: bool = False
    table_flag: bool = False  # SQLModel `table=True`
    bases: list[ClassInfo] = field(default_factory=list)
    unresolved: bool = False
    bind_key: Optional[str] = None
    type_map: dict[str, tuple[TypeFamily, str]] = field(default_factory=dict)
    library: list[LibraryClass] = field(default_factory=list)  # library bases and mixins it names
    library_binds: bool = False  # its metadata is a library base's, which `__bind_key__` switches
    snake_case_names: bool = False  # a library base names its table after the class
    external_bases: list[str] = field(
        default_factory=list
    )  # bases of libraries dblint does not know

    @property
    def metadata(self) -> Optional[str]:
        binds = self.style == FLASK or self.library_binds
        if binds and self.root_metadata is not None:
            return bind_metadata(self.root_metadata, self.bind_key)
        return self.root_metadata

    @property
    def is_model(self) -> bool:
        if self.style is None or self.is_base:
            return False
        return self.table_flag if self.style == SQLMODEL else True

    def own(self, name: str) -> Optional[ClassAttr]:
        """The class body's last assignment to `name`. A bare annotation (`__table__:
        ClassVar[Table]`, written for type checkers) assigns nothing, so it is not one."""
        return next(
            (
                attr
                for attr in reversed(self.cls.attrs)
                if attr.name == name and attr.value is not None
            ),
            None,
        )

    def method(self, name: str) -> Optional[ClassAttr]:
        return next((method for method in self.cls.methods if method.name == name), None)


_CAPITAL_RUN = re.compile(r"[A-Z]{2}")


def camel_to_snake(name: str) -> str:
    """Flask-SQLAlchemy 3's automatic table name."""
    return re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", name).lower().lstrip("_")


def _library_column(added: LibraryColumn, info: ClassInfo, library: str) -> ColumnDef:
    """A column a library base adds, reported at the model's `class` line."""
    line, col = info.cls.line, info.cls.column
    foreign = parse_target(added.foreign_key, line, col) if added.foreign_key else None
    return ColumnDef(
        key=added.name,
        name=added.name,
        family=added.family,
        type_name=added.type_name,
        typed=True,
        nullable=added.nullable,
        primary_key=added.primary_key,
        index=added.index,
        unique=added.unique,
        foreign_keys=(foreign,) if foreign is not None else (),
        path=info.path,
        line=line,
        column=col,
        returns=returned_by(added.family),
        client_default=added.client_default,
        model=info.cls.name,
        optional=added.optional,
        library=library,
    )


def _spelled_name(returned: Expr, class_name: str, name: str) -> Optional[str]:
    """The table name a `__tablename__` expression spells from the class's name `name` (written
    `class_name`, `cls.__name__`): the name itself, `.lower()` of it, and `+` of those with
    string literals (`cls.__name__.lower() + "s"`); None for anything else."""
    if returned.kind == "name" and returned.text == class_name:
        return name
    if returned.kind == "call" and returned.text == f"{class_name}.lower" and not returned.args:
        return name.lower()
    if returned.kind == "str" and "{}" not in returned.text:
        return returned.text
    if returned.kind == "op" and returned.text == "Add" and len(returned.args) == 2:
        left, right = (_spelled_name(side, class_name, name) for side in returned.args)
        if left is not None and right is not None:
            return left + right
    return None


def parse_target(target: str, line: int, col: int) -> Optional[ForeignKeyDef]:
    parts = target.split(".")
    if len(parts) == 2:
        return ForeignKeyDef(target, None, parts[0], parts[1], line, col)
    if len(parts) == 3:
        return ForeignKeyDef(target, parts[0], parts[1], parts[2], line, col)
    return None


def _flag(expr: Optional[Expr]) -> bool:
    return expr is not None and expr.kind == "const" and expr.text == "True"


def _str(expr: Optional[Expr]) -> Optional[str]:
    return expr.text if expr is not None and expr.kind == "str" else None


def _schema(given: Optional[Expr], default: Optional[str]) -> Optional[str]:
    """A table's schema: `schema="x"`; absent or `None` takes the metadata's default schema, `BLANK_SCHEMA` none."""
    if given is None or (given.kind == "const" and given.text == "None"):
        return default
    return given.text if given.kind == "str" else None


def _schema_known(given: Optional[Expr], default_known: bool) -> bool:
    """Whether `_schema` is exact: a literal, `None`, `BLANK_SCHEMA` or nothing (with a known default)."""
    if given is None or (given.kind == "const" and given.text == "None"):
        return default_known
    return given.kind == "str" or (given.kind == "name" and _last(given.text) == "BLANK_SCHEMA")


def _last(text: str) -> str:
    return text.rsplit(".", 1)[-1]


class TableBuilder:
    """Builds the registry from an index's facts. One instance per run."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.names = Names(index.resolver)
        self.kinds = index.kinds
        self.types = TypeFamilies(self.names)
        self.ids = MetadataIds(self.names, self.kinds, self._class_metadata)
        self._infos: dict[tuple[str, str, int], ClassInfo] = {}
        self._tables: dict[tuple[str, str, int], Optional[_Table]] = {}
        self._by_binding: dict[tuple[str, str], _Table] = {}
        self.tables: list[_Table] = []
        self.models: list[ModelDef] = []
        self.made_metadata: set[str] = set()  # metadata that models made by functions add tables to
        self._modelled: set[tuple[str, str, int]] = set()

    # -- class analysis -----------------------------------------------------------

    def info(self, module: str, cls: ClassDef, depth: int = 0) -> ClassInfo:
        key = (module, cls.name, cls.line)
        if key in self._infos:
            return self._infos[key]
        path = self.index.paths_by_module.get(module, "")
        info = ClassInfo(module, cls, path)
        self._infos[key] = info  # cycle guard: a partial info
        if depth < MAX_DEPTH:
            self._analyse(info, depth)
        return info

    def _analyse(self, info: ClassInfo, depth: int) -> None:
        module, cls = info.module, info.cls
        abstract = info.own("__abstract__")
        info.abstract = _flag(abstract.value if abstract is not None else None)
        info.table_flag = any(key == "table" and _flag(value) for key, value in cls.keywords)
        for decorator in cls.decorators:
            self._decorator(info, decorator)
        for key, value in cls.keywords:
            if (
                key == "metaclass"
                and value.kind == "name"
                and self.kinds.kind_of(module, value.text, cls.scope) == "class:declarative-meta"
            ):
                self._become_base(info, None)
        for base in cls.bases:
            self._base(info, base, depth)
        self._external_declarative_base(info)
        bind = info.own("__bind_key__")
        if bind is not None:
            info.bind_key = _str(bind.value)
        else:
            info.bind_key = next(
                (base.bind_key for base in info.bases if base.bind_key is not None), None
            )
        type_map = info.own("type_annotation_map")
        if type_map is not None and type_map.value is not None:
            info.type_map = self._type_map(module, type_map.value, cls.scope)
        else:
            info.type_map = next((base.type_map for base in info.bases if base.type_map), {})

    def _decorator(self, info: ClassInfo, decorator: Expr) -> None:
        text = decorator.text
        if not text:
            return
        kind = self.kinds.kind_of(info.module, text, info.cls.scope)
        if kind == "decorator:" + DECLARATIVE_BASE:
            self._become_base(
                info, decorator.keyword("metadata") if decorator.kind == "call" else None
            )
        elif kind == "registry-mapped":
            info.style = info.style or ORM
            info.root_metadata = info.root_metadata or self.ids.owner(
                info.module, text.rsplit(".", 1)[0], info.cls.scope
            )

    def _become_base(self, info: ClassInfo, given: Optional[Expr]) -> None:
        info.is_base = True
        info.style = ORM
        own = f"{info.module}:{info.cls.name}.metadata"
        attr = info.own("metadata")
        if attr is not None and attr.value is not None:
            given = attr.value
        info.root_metadata = self.ids.shared_metadata(info.module, given, info.cls.scope, own)

    def _base(self, info: ClassInfo, base: Expr, depth: int) -> None:
        module, scope = info.module, info.cls.scope
        if (
            base.kind == "subscript"
        ):  # `Generic[T]` adds nothing; `SQLAlchemyBaseUserTable[int]` does
            self._library_base(info, base.text)
            return
        if base.kind != "name":
            info.unresolved = True
            return
        resolution = self.names.target(module, base.text, scope)
        if resolution is None:
            if base.text not in _BUILTIN_BASES:
                info.unresolved = True
            return
        target, rest = resolution.target, resolution.rest
        if isinstance(target, External):
            qualified = ".".join((target.qualname, *rest))
            last = _last(qualified)
            if qualified in ("sqlmodel.SQLModel", "sqlmodel.main.SQLModel"):
                info.style = info.style or SQLMODEL
                info.root_metadata = info.root_metadata or self.ids.canonical_for_class(
                    SQLMODEL_METADATA, module, info.cls.line
                )
            elif self._library_base(info, base.text):
                pass
            elif (
                last in ("DeclarativeBase", "DeclarativeBaseNoMeta") and target.top == "sqlalchemy"
            ):
                if info.style is None:
                    self._become_base(info, None)
            elif target.top not in _HARMLESS_TOPS:
                info.unresolved = True
                info.external_bases.append(qualified)
            return
        if not isinstance(target, Defined):
            info.unresolved = True
            return
        node = target.node
        if isinstance(node, ClassDef) and not rest:
            parent = self.info(target.module, node, depth + 1)
            info.bases.append(parent)
            if parent.unresolved:
                info.unresolved = True
            if info.style is None and parent.style is not None:
                info.style = parent.style
                info.root_metadata = parent.root_metadata
                info.library_binds = parent.library_binds
                info.snake_case_names = info.snake_case_names or parent.snake_case_names
            return
        kind = self.kinds.kind_of(module, base.text, scope)
        if kind != DECLARATIVE_BASE:
            info.unresolved = True
            return
        if info.style is None:
            is_flask = (
                rest == ("Model",)
                and self.kinds.kind_of(target.module, node.name, node.scope) == FLASK_DB
            )
            info.style = FLASK if is_flask else ORM
            # `Base.metadata = metadata` after `Base = declarative_base()` (Kotti): the models'
            # tables go on the metadata assigned, as SQLAlchemy reads `Base.metadata` per class.
            info.root_metadata = self.ids.canonical_for_class(
                self.ids.owner(module, base.text, scope), module, info.cls.line
            )
        self._base_class_option(info, target.module, node, depth)

    def _external_declarative_base(self, info: ClassInfo) -> None:
        """A class mapped by its own declaration (`__tablename__`, `__table__`, `__abstract__`) whose
        one unknown base comes from a library dblint does not know (fedora's `sqlalchemy_helpers.Base`):
        that base is a declarative base, whose metadata env.py may name through the same import.
        What the base adds (columns, a table name) stays unknown."""
        if (
            info.style is not None
            or len(info.external_bases) != 1
            or not any(info.own(name) is not None for name in MAPPED_MARKERS)
        ):
            return
        info.style = ORM
        info.root_metadata = self.ids.canonical(self.ids.note_external_base(info.external_bases[0]))

    def _library_base(self, info: ClassInfo, dotted: str) -> bool:
        """A base class a library defines (`advanced_alchemy.base.UUIDAuditBase`): remembered for
        its columns and table name; a declarative base's metadata is the model's."""
        resolution = self.names.target(info.module, dotted, info.cls.scope)
        if resolution is None or not isinstance(resolution.target, External):
            return False
        known = library_class(".".join((resolution.target.qualname, *resolution.rest)))
        if known is None:
            return False
        info.library.append(known)
        # A naming mixin on the project's own base (`class Base(CommonTableAttributes, DeclarativeBase)`).
        info.snake_case_names = info.snake_case_names or known.snake_case_names
        if known.metadata is not None and info.style is None:
            info.style = ORM
            info.root_metadata = self.ids.canonical(known.metadata)
            info.library_binds = known.bind_keys
            attr = info.own("metadata")
            if attr is not None and attr.value is not None:
                # `class Model(SQLQuery): metadata = my_metadata`: SQLAlchemy puts the
                # subclasses' tables on the class's `metadata`, not the library registry's.
                own = f"{info.module}:{info.cls.name}.metadata"
                info.root_metadata = (
                    self.ids.shared_metadata(info.module, attr.value, info.cls.scope, own)
                    or info.root_metadata
                )
        return True

    def _base_class_option(self, info: ClassInfo, module: str, node: object, depth: int) -> None:
        """`declarative_base(cls=CustomBase)` / `SQLAlchemy(model_class=CustomBase)`: the class's
        attributes (`__tablename__`, columns) belong to every model, like a mixin's."""
        value = getattr(node, "value", None)
        if value is None or value.kind != "call":
            return
        option = value.keyword("cls") or value.keyword("model_class")
        if option is None or option.kind != "name":
            return
        scope = getattr(node, "scope", "")
        found = self.names.target(module, option.text, scope)
        if found is not None and isinstance(found.target, Defined) and found.target.node is node:
            # `Base = declarative_base(cls=Base)`: the argument is the class the line rebinds.
            table = self.names.resolver.modules.get(module)
            earlier = table.earlier(option.text, scope, getattr(node, "line", 0)) if table else None
            found = (
                Resolution(Defined(module, earlier), ()) if isinstance(earlier, ClassDef) else None
            )
        if (
            found is not None
            and not found.rest
            and isinstance(found.target, Defined)
            and isinstance(found.target.node, ClassDef)
        ):
            mixin = self.info(found.target.module, found.target.node, depth + 1)
            if mixin.style is None and not any(mixin is base for base in info.bases):
                info.bases.append(mixin)
                # What an unknown library class gives the mixin, it gives the model too.
                info.unresolved = info.unresolved or mixin.unresolved

    def _class_metadata(self, module: str, cls: ClassDef) -> Optional[str]:
        return self.info(module, cls).metadata

    def _type_map(self, module: str, expr: Expr, scope: str) -> dict[str, tuple[TypeFamily, str]]:
        found: dict[str, tuple[TypeFamily, str]] = {}
        if expr.kind != "dict":
            return found
        for pair in expr.args:
            key, value = pair.args
            written = type_map_key(self.names, module, key, scope)
            if written is None or value.kind not in ("name", "call"):
                continue
            type_name = self.names.qualify(module, value.text.split("()", 1)[0], scope)
            found[written] = (
                self.types.family(type_name),
                type_name,
            )
        return found

    def mro(self, info: ClassInfo) -> list[ClassInfo]:
        order: list[ClassInfo] = []
        stack = [info]
        while stack:
            current = stack.pop(0)
            if any(current is seen for seen in order):
                continue
            order.append(current)
            stack = current.bases + stack
        return order

    # -- tables of classes -----------------------------------------------------------

    def mapped_table(self, info: ClassInfo) -> Optional[_Table]:
        """The table a class maps to: its own, or its parent's (single-table inheritance)."""
        key = (info.module, info.cls.name, info.cls.line)
        if key in self._tables:
            return self._tables[key]
        self._tables[key] = None
        table = None
        if info.is_model and not info.abstract:
            table = self._own_table(info)
            if table is None and info.style != SQLMODEL:
                parent = self._mapped_parent(info)
                table = self.mapped_table(parent) if parent is not None else None
                if table is not None:
                    self._add_columns(info, table)
        self._tables[key] = table
        return table

    def _mapped_parent(self, info: ClassInfo) -> Optional[ClassInfo]:
        return next(
            (base for base in self.mro(info)[1:] if base.is_model and not base.abstract), None
        )

    def _own_table(self, info: ClassInfo) -> Optional[_Table]:
        explicit = info.own("__table__")
        if explicit is not None:
            value = explicit.value
            if value is not None and value.kind == "call":
                table = self._table_call(
                    info.module, value, info.cls.scope, info.path, model=info.cls.name
                )
                if table is not None:
                    self.models.append(self._model(info, table, True, None))
                return table
            return None
        name = self._table_name(info)
        if name is None:
            return None
        parent = self._mapped_parent(info)
        if info.style == FLASK and parent is not None and not self._declares_primary_key(info):
            # Flask-SQLAlchemy: no primary key under a mapped parent means single-table
            # inheritance, even when the subclass names a `__tablename__` of its own.
            return None
        if name is _AUTO:
            snake = info.style == FLASK or info.snake_case_names
            name = camel_to_snake(info.cls.name) if snake else info.cls.name.lower()
        schema, extend, args = self._table_args(info)
        table = _Table(
            TableDef(
                name=None if name is _UNKNOWN_NAME else str(name),
                schema=_schema(schema, self.ids.default_schema(info.metadata)),
                schema_known=args is not None
                and _schema_known(schema, self.ids.default_schema_known(info.metadata)),
                metadata=info.metadata,
                path=info.path,
                module=info.module,
                line=info.cls.line,
                column=info.cls.column,
                model=info.cls.name,
                style=info.style or ORM,
                columns=(),
                columns_complete=not info.unresolved
                and args is not None
                and not self._opaque(info),
                extend_existing=extend,
                reflected=False,
                bind_key=info.bind_key,
                scope=info.cls.scope,
                context=self.index.contexts.get(info.path, FileContext.APP),
                parent=f"{parent.module}.{parent.cls.name}" if parent is not None else None,
                named_by=self._named_by(info),
            )
        )
        self.tables.append(table)
        self._add_columns(info, table)
        self._constraints(info.module, args or (), info.cls.scope, table)
        self.models.append(self._model(info, table, True, "joined" if parent is not None else None))
        return table

    def _model(
        self, info: ClassInfo, table: Optional[_Table], own: bool, inheritance: Optional[str]
    ) -> ModelDef:
        self._modelled.add((info.module, info.cls.name, info.cls.line))
        return ModelDef(
            name=info.cls.name,
            module=info.module,
            path=info.path,
            line=info.cls.line,
            column=info.cls.column,
            style=info.style or ORM,
            metadata=info.metadata,
            table=table.definition if table is not None else None,
            own_table=own,
            inheritance=inheritance,
            context=self.index.contexts.get(info.path, FileContext.APP),
        )

    def _table_name(self, info: ClassInfo) -> object:
        """The table name: a string, `_AUTO`, `_UNKNOWN_NAME`, or None for no own table."""
        own = info.own("__tablename__")
        if own is not None:
            return self._name_value(own.value, info)
        if info.method("__tablename__") is not None:
            return self._computed(info.method("__tablename__"), info, info)
        if info.style == SQLMODEL:
            return self._inherited_name(info) or _AUTO
        inherited = self._inherited_name(info)
        if info.style == FLASK:
            return inherited or _AUTO
        library = self._library_table_name(info)
        if library is not None:
            return library
        if info.snake_case_names and self._mapped_parent(info) is None:
            return inherited or _AUTO
        if inherited is not None:
            return inherited
        if info.unresolved and self._mapped_parent(info) is None:
            # A base dblint cannot read (an undeclared library's mixin) may name the table, and
            # must: SQLAlchemy refuses a model with no name and no mapped parent. Unknown, not none.
            return _UNKNOWN_NAME
        return None  # ORM without a name: single-table inheritance (or not mapped at all)

    def _library_table_name(self, info: ClassInfo) -> Optional[str]:
        """The `__tablename__` a library mixin sets (fastapi-users' `"user"`), the nearest first."""
        for source in self._column_sources(info):
            for known in source.library:
                if known.table_name is not None:
                    return known.table_name
        return None

    def _inherited_name(self, info: ClassInfo) -> object:
        for base in self.mro(info)[1:]:
            if base.is_model and not base.abstract and base.own("__tablename__") is not None:
                return None if info.style == ORM else _AUTO
            method = base.method("__tablename__")
            if method is not None:
                return self._computed(method, base, info)
            attr = base.own("__tablename__")
            if attr is not None:
                return self._name_value(attr.value, base)
        return None

    def _named_by(self, info: ClassInfo) -> Optional[str]:
        """The mixin or abstract base whose literal `__tablename__` the model inherits, if any."""
        if info.own("__tablename__") is not None or info.method("__tablename__") is not None:
            return None
        for base in self.mro(info)[1:]:
            if base.is_model and not base.abstract:
                return None
            if base.method("__tablename__") is not None:
                return None  # computed per class: each model has its own name
            if base.own("__tablename__") is not None:
                return f"{base.module}.{base.cls.name}"
        return None

    def _name_value(self, value: Optional[Expr], owner: ClassInfo) -> object:
        """A `__tablename__` value written in `owner`'s body: a string, or a constant naming one."""
        if value is None:
            return _UNKNOWN_NAME
        if value.kind == "const" and value.text == "None":
            return None
        if value.kind == "name":
            value = self._string_constant(owner.module, value.text, owner.cls.scope) or value
        if value.kind == "str" and "{}" not in value.text:
            return value.text
        return _UNKNOWN_NAME

    def _string_constant(self, module: str, dotted: str, scope: str) -> Optional[Expr]:
        """The string literal a constant is bound to: `TABLE = "events"` at module level, or a class
        attribute (`__tablename__ = EventFieldType.MODEL_ENDPOINTS`, mlrun's constants classes)."""
        resolution = self.names.target(module, dotted, scope)
        if resolution is None or not isinstance(resolution.target, Defined):
            return None
        node, rest = resolution.target.node, resolution.rest
        found: Optional[Expr] = None
        if isinstance(node, Binding) and not rest:
            found = node.value
        elif isinstance(node, ClassDef) and len(rest) == 1:
            attr = next((a for a in reversed(node.attrs) if a.name == rest[0]), None)
            found = attr.value if attr is not None else None
        return found if found is not None and found.kind == "str" else None

    def _computed(self, method: Optional[ClassAttr], owner: ClassInfo, info: ClassInfo) -> object:
        """`@declared_attr def __tablename__(cls)` of `owner`, for the model `info`: `cls.__name__`,
        `.lower()`, `+` of those with string literals (`cls.__name__.lower() + "s"`) and
        CamelCase-to-snake_case helpers are understood."""
        returned = method.value if method is not None else None
        if returned is None:
            return _UNKNOWN_NAME
        class_name = f"{self._class_parameter(owner)}.__name__"
        spelled = _spelled_name(returned, class_name, info.cls.name)
        if spelled is not None:
            return spelled
        if self._snake_cased(owner, returned, class_name):
            # Helpers split runs of capitals (`HTTPLog`) differently: such names stay unknown.
            return (
                _UNKNOWN_NAME
                if _CAPITAL_RUN.search(info.cls.name)
                else camel_to_snake(info.cls.name)
            )
        return self._name_value(returned, info)

    def _snake_cased(self, owner: ClassInfo, returned: Expr, class_name: str) -> bool:
        """True when `owner`'s `__tablename__` snake-cases the class name (`class_name`,
        `cls.__name__`): in its own body, or by returning a project helper's
        (`vocabulary.snake_cases`) or a library's result on it."""
        method = self._tablename_method(owner)
        if method is not None and self._snake_cases(owner.module, method):
            return True
        if returned.kind != "call" or [arg.text for arg in returned.args] != [class_name]:
            return False
        resolution = self.names.target(owner.module, returned.text, owner.cls.scope)
        if resolution is None or resolution.rest:
            return False
        target = resolution.target
        if isinstance(target, External):
            return target.qualname in _SNAKE_CASE_FUNCTIONS
        return (
            isinstance(target, Defined)
            and isinstance(target.node, FunctionDef)
            and self._snake_cases(target.module, target.node)
        )

    def _tablename_method(self, owner: ClassInfo) -> Optional[FunctionDef]:
        """The `def __tablename__` of `owner`'s body."""
        table = self.index.resolver.modules.get(owner.module)
        method = table.scoped.get((owner.cls.body_scope, "__tablename__")) if table else None
        return method if isinstance(method, FunctionDef) else None

    def _class_parameter(self, owner: ClassInfo) -> str:
        """The name `@declared_attr def __tablename__` gives the class: its first parameter,
        whatever it is called (timesketch's `def __tablename__(self)`)."""
        method = self._tablename_method(owner)
        return method.params[0] if method is not None and method.params else "cls"

    def _snake_cases(self, module: str, function: FunctionDef) -> bool:
        """A CamelCase-to-snake_case function: in its own body, or with a compiled pattern bound
        elsewhere that finds capitals (`CAMEL_TO_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")`)."""
        if function.snake_case or not function.snake_case_pattern:
            return function.snake_case
        found = self.names.binding(module, function.snake_case_pattern, function.inner_scope)
        if found is None:
            return False
        where, bound = found
        value = bound.value
        if value is None or value.kind != "call" or not value.args:
            return False
        compiles = self.names.target(where, value.text, bound.scope)
        return (
            compiles is not None
            and isinstance(compiles.target, External)
            and compiles.target.qualname == "re.compile"
            and value.args[0].kind == "str"
            and finds_capitals(value.args[0].text)
        )

    def _table_args(
        self, info: ClassInfo
    ) -> tuple[Optional[Expr], bool, Optional[tuple[Expr, ...]]]:
        """(schema option, extend_existing, constraint expressions) from `__table_args__` (None: computed)."""
        for base in self.mro(info):
            if base.method("__table_args__") is not None:
                return None, False, None
            attr = base.own("__table_args__")
            if attr is None or attr.value is None:
                continue
            value = attr.value
            if value.kind not in ("dict", "list"):
                return None, False, None  # `__table_args__ = table_args(...)`: computed
            options = value if value.kind == "dict" else None
            items: tuple[Expr, ...] = ()
            if value.kind == "list":
                items = value.args
                if items and items[-1].kind == "dict":
                    options, items = items[-1], items[:-1]
            if options is None:
                return None, False, items
            extend = _flag(options.keyword("extend_existing")) or _flag(
                options.keyword("keep_existing")
            )
            return options.keyword("schema"), extend, items
        return None, False, ()

    def _declares_primary_key(self, info: ClassInfo) -> bool:
        return any(column.primary_key for column, _ in self._class_columns(info, info))

    # -- columns -----------------------------------------------------------------

    def _column_sources(self, info: ClassInfo) -> list[ClassInfo]:
        """The class and its unmapped ancestors (mixins, abstract bases, the declarative base)."""
        sources = [info]
        stack = list(info.bases)
        while stack:
            current = stack.pop(0)
            if any(current is seen for seen in sources):
                continue
            if current.is_model and not current.abstract:
                continue
            sources.append(current)
            stack = current.bases + stack
        return sources

    def _class_columns(
        self, info: ClassInfo, host: ClassInfo
    ) -> Iterator[tuple[ColumnDef, Optional[str]]]:
        seen: set[str] = set()
        for source in self._column_sources(info):
            for attr in self._bindings(source):
                if attr.name in seen:
                    continue
                # A subclass attribute shadows its ancestors' one, even when we cannot read it.
                seen.add(attr.name)
                owner, written = self._reused(source, attr)
                found = self._column(owner, dataclasses.replace(written, name=attr.name), host)
                if found is not None:
                    yield found

    def _reused(self, source: ClassInfo, attr: ClassAttr) -> tuple[ClassInfo, ClassAttr]:
        """`id = BaseMixin.id`: the column another project class declares (or inherits), read where
        it is written; any other attribute as is."""
        value = attr.value
        if value is None or value.kind != "name" or "." not in value.text:
            return source, attr
        found = self.names.target(source.module, value.text, source.cls.scope)
        if (
            found is None
            or len(found.rest) != 1
            or not isinstance(found.target, Defined)
            or not isinstance(found.target.node, ClassDef)
        ):
            return source, attr
        owner = self.info(found.target.module, found.target.node)
        if owner.is_model and not owner.abstract:
            return source, attr  # a mapped model's attribute is no column to copy
        for candidate in self._column_sources(owner):
            for written in candidate.cls.attrs:
                if written.name == found.rest[0]:
                    return candidate, written
        return source, attr

    @classmethod
    def _bindings(cls, source: ClassInfo) -> list[ClassAttr]:
        """A class's attributes, then its `@declared_attr` methods. A method replaces a bare
        annotation of its name (`user_id: Mapped[UUID]` written for type checkers above
        `@declared_attr def user_id(cls): return mapped_column(ForeignKey(...))`): the annotation
        binds nothing, so SQLAlchemy maps what the method returns."""
        methods = cls._declared_attrs(source)
        returned = {method.name for method in methods if method.value is not None}
        return [
            *(
                attr
                for attr in source.cls.attrs
                if attr.value is not None or attr.name not in returned
            ),
            *methods,
        ]

    @staticmethod
    def _declared_attrs(source: ClassInfo) -> list[ClassAttr]:
        """`@declared_attr` methods, as attributes holding what they return."""
        return [
            ClassAttr(method.name, method.value, None, method.line, method.column)
            for method in source.cls.methods
            if method.annotation is not None
            and _last(method.annotation.text.split("(", 1)[0]) in _DECLARED_ATTR
        ]

    def _opaque(self, info: ClassInfo) -> bool:
        """True when an attribute or `@declared_attr` holds a call that may build a column we cannot
        read (`id = primary_key("Org")`, a project helper); constants in CAPITALS are not columns."""
        for source in self._column_sources(info):
            for attr in self._bindings(source):
                value = attr.value
                if (
                    attr.name.startswith("__")
                    or attr.name.isupper()
                    or attr.name in _RESERVED_ATTRIBUTES
                    or value is None
                    or value.kind != "call"
                ):
                    continue
                if (
                    _last(value.text) not in _NOT_COLUMNS
                    and self._spec(source.module, value, source.cls.scope) is None
                ):
                    return True
        return False

    def _add_columns(self, info: ClassInfo, table: _Table) -> None:
        for column, reference in self._class_columns(info, info):
            table.add(
                dataclasses.replace(column, model=info.cls.name),
                reference,
                column.line,
                column.column,
            )
        for source in self._column_sources(info):
            for known in source.library:
                for added in known.columns:
                    table.add(
                        _library_column(added, info, known.name),
                        None,
                        info.cls.line,
                        info.cls.column,
                    )

    def _column(
        self, source: ClassInfo, attr: ClassAttr, host: ClassInfo
    ) -> Optional[tuple[ColumnDef, Optional[str]]]:
        name = attr.name
        if (
            name.startswith("__")
            or name in _RESERVED_ATTRS
            or (host.style == SQLMODEL and name.startswith("_"))
        ):
            return None
        module, scope = source.module, source.cls.scope
        spec = self._spec(module, attr.value, scope)
        if name in _LIBRARY_ATTRS and spec is None:
            return None
        annotation = self.types.annotation(module, attr.annotation, scope, host.type_map)
        mapped = (
            attr.annotation is not None
            and attr.annotation.kind == "subscript"
            and annotation.present
            and (_last(self.names.qualify(module, attr.annotation.text, scope)) == "Mapped")
        )
        if annotation.relationship and spec is None:
            return None  # `Mapped[Parent]` / `Mapped[list[Child]]`; `Mapped[GUID] = mapped_column(GUID)` is a column
        if spec is None:
            if not self._annotation_column(attr, annotation, mapped, host, module, scope):
                return None
            spec = annotation.column or ColumnSpec(
                None, None, UNKNOWN, None, False, None, False, False, attr.line, attr.column
            )
        elif annotation.column is not None:
            spec = _merge(annotation.column, spec)
        counts = mapped or host.style == SQLMODEL
        # `mapped_column(ForeignKey(...))` with no type takes the referenced column's type whatever the
        # `Mapped[...]` says (SQLAlchemy skips the annotation); SQLModel types a `Field(foreign_key=...)`
        # from its annotation.
        by_reference = (
            host.style != SQLMODEL
            and spec.type_name is None
            and bool(spec.foreign_key or spec.foreign_key_ref)
        )
        typing = counts and not by_reference
        family = (
            spec.family if spec.family != UNKNOWN else (annotation.family if typing else UNKNOWN)
        )
        nullable = spec.nullable
        if nullable is None and spec.primary_key:
            nullable = False
        if nullable is None and counts and annotation.present:
            # A Core `Column(...)` (also under `Mapped[...]`) or SQLModel's `sa_column=Column(...)`
            # is used as given: nullable unless it says otherwise, whatever the annotation.
            given = spec.as_given or self._core_column(module, attr.value, scope)
            nullable = True if given else bool(annotation.nullable)
        foreign = (
            parse_target(spec.foreign_key, spec.line, spec.column) if spec.foreign_key else None
        )
        column = ColumnDef(
            key=name,
            name=spec.name or name,
            family=family,
            type_name=spec.type_name or (annotation.type_name if typing else None),
            typed=spec.type_name is not None or (typing and annotation.present),
            nullable=nullable,
            primary_key=spec.primary_key,
            index=spec.index,
            unique=spec.unique,
            foreign_keys=(foreign,) if foreign is not None else (),
            path=source.path,
            line=attr.line,
            column=attr.column,
            annotation_family=annotation.family if mapped else None,
            annotation=attr.annotation.written()
            if mapped and attr.annotation is not None
            else None,
            returns=self.types.returns(spec.type_name, spec.type_expr)
            if spec.type_name
            else returned_by(family),
            server_default=spec.server_default,
            client_default=spec.client_default,
            declares_foreign_key=spec.declares_foreign_key,
        )
        return column, spec.foreign_key_ref

    def _annotation_column(
        self,
        attr: ClassAttr,
        annotation: Annotation,
        mapped: bool,
        host: ClassInfo,
        module: str,
        scope: str,
    ) -> bool:
        """An attribute without a column call that still is a column (`x: Mapped[int]`, SQLModel `x: int = 0`)."""
        if not annotation.present:
            return False
        if attr.value is not None and attr.value.kind == "call":
            return False  # relationship(), Relationship(), hybrid helpers ...
        if mapped:
            return True
        if host.style != SQLMODEL or attr.annotation is None:
            return False
        head = (
            _last(self.names.qualify(module, attr.annotation.text, scope))
            if attr.annotation.text
            else ""
        )
        return head != "ClassVar"

    def _core_column(self, module: str, value: Optional[Expr], scope: str) -> bool:
        """`Column(...)` (SQLAlchemy's, or `db.Column`), not `mapped_column(...)`."""
        return (
            value is not None
            and value.kind == "call"
            and _last(self.names.qualify(module, value.text, scope)) == "Column"
        )

    def _spec(self, module: str, value: Optional[Expr], scope: str) -> Optional[ColumnSpec]:
        if value is None or value.kind != "call":
            return None
        qualify = self.names.qualifier(module, scope)
        if _last(value.text) in _WRAPPERS and value.args:
            value = value.args[0]
        return column_from_expr(value, qualify, self.types.family)

    def _constraints(self, module: str, items: tuple[Expr, ...], scope: str, table: _Table) -> None:
        indexed: list[tuple[str, ...]] = []
        constrained: list[str] = []
        for item in items:
            if item.kind != "call":
                continue
            kind = _last(self.names.qualify(module, item.text, scope))
            if kind == "ForeignKeyConstraint" and len(item.args) >= 2:
                local = tuple(_column_word(arg) for arg in item.args[0].args)
                constrained += local
                table.constraint_refs.append(
                    (local, item.args[1].args, module, item.line, item.column)
                )
            elif kind in ("Index", "UniqueConstraint", "PrimaryKeyConstraint"):
                words = tuple(_column_word(arg) for arg in item.args if arg.kind in ("str", "name"))
                if kind == "Index":
                    words = words[1:]
                indexed.append(words)
        if indexed or constrained:
            table.definition = dataclasses.replace(
                table.definition,
                indexed=table.definition.indexed + tuple(indexed),
                constrained=table.definition.constrained + tuple(constrained),
            )

    # -- Core tables -----------------------------------------------------------------

    def core_tables(self) -> None:
        """`Table(...)` calls (or calls of a wrapper of it) bound to a name, also as a class attribute
        (`class Model: users = Table("users", metadata, ...)`)."""
        files = self.index.files
        for path in self.index.model_files():
            module = self.index.module_of(path)
            attributes = (
                attr
                for cls in files[path].classes
                for attr in cls.attr_bindings()
                if attr.name != "__table__"
            )
            for binding in (*files[path].bindings, *attributes):
                value = binding.value
                # Only callees named for a table (`Table`, `sautils.Table`, `make_table`) are resolved.
                if (
                    value is None
                    or value.kind != "call"
                    or "table" not in _last(value.text).lower()
                ):
                    continue
                table = self._table_call(module, value, binding.scope, path, model=None)
                if table is not None:
                    self._by_binding[
                        (
                            module,
                            binding.name
                            if not binding.scope
                            else f"{binding.scope}.{binding.name}",
                        )
                    ] = table

    def _table_call(
        self, module: str, expr: Expr, scope: str, path: str, model: Optional[str]
    ) -> Optional[_Table]:
        if self.kinds.kind_of(module, expr.text + "()", scope) != TABLE or not expr.args:
            return None
        written = _str(expr.args[0])
        if written is None:
            return None
        name = None if "{}" in written else written  # `Table(f"{entity}_role_map", ...)`: computed
        prefix = expr.text.rsplit(".", 1)[0] if "." in expr.text else ""
        flask = bool(prefix) and self.kinds.kind_of(module, prefix, scope) == FLASK_DB
        bind_key = _str(expr.keyword("bind_key")) if flask else None
        if flask:
            metadata = self.ids.owner(module, prefix, scope)
            metadata = bind_metadata(metadata, bind_key) if metadata is not None else None
            items = expr.args[1:]
        else:
            metadata = self.ids.of_expr(module, expr.args[1], scope) if len(expr.args) > 1 else None
            items = expr.args[2:]
        reflected = any(
            expr.keyword(key) is not None for key in ("autoload_with", "autoload", "must_exist")
        )
        qualify = self.names.qualifier(module, scope)
        on_import = self.names.resolver.modules[module].runs_on_import(scope)
        table = _Table(
            TableDef(
                name=name,
                schema=_schema(expr.keyword("schema"), self.ids.default_schema(metadata)),
                schema_known=_schema_known(
                    expr.keyword("schema"), self.ids.default_schema_known(metadata)
                ),
                metadata=metadata,
                path=path,
                module=module,
                line=expr.line,
                column=expr.column,
                model=model,
                style=FLASK if flask else CORE,
                columns=(),
                columns_complete=False,
                extend_existing=_flag(expr.keyword("extend_existing"))
                or _flag(expr.keyword("keep_existing")),
                reflected=reflected,
                bind_key=bind_key,
                scope="" if on_import else scope,
                context=self.index.contexts.get(path, FileContext.APP),
                name_template=written if name is None else None,
            )
        )
        constraints: list[Expr] = []
        for item in items:
            spec = column_from_expr(item, qualify, self.types.family)
            if spec is None or spec.name is None:
                constraints.append(item)
                continue
            foreign = (
                parse_target(spec.foreign_key, spec.line, spec.column) if spec.foreign_key else None
            )
            column = ColumnDef(
                key=spec.name,
                name=spec.name,
                family=spec.family,
                type_name=spec.type_name,
                typed=spec.type_name is not None,
                nullable=False if spec.primary_key and spec.nullable is None else spec.nullable,
                primary_key=spec.primary_key,
                index=spec.index,
                unique=spec.unique,
                foreign_keys=(foreign,) if foreign else (),
                path=path,
                line=spec.line,
                column=spec.column,
                server_default=spec.server_default,
                client_default=spec.client_default,
                returns=self.types.returns(spec.type_name, spec.type_expr)
                if spec.type_name
                else frozenset(),
                declares_foreign_key=spec.declares_foreign_key,
            )
            table.add(column, spec.foreign_key_ref, spec.line, spec.column)
        complete = bool(table.columns) and not reflected and len(expr.args) < 60
        table.definition = dataclasses.replace(table.definition, columns_complete=complete)
        self._constraints(module, tuple(constraints), scope, table)
        self.tables.append(table)
        return table

    # -- building ---------------------------------------------------------------------

    def build(self) -> None:
        self.ids.learn_aliases(self.index)
        # The class analysis first: it learns the library bases the project never declares
        # (`orm_toolkit.Model`), whose metadata a core `Table("t", Model.metadata)` names.
        for path in self.index.model_files():
            module = self.index.module_of(path)
            for cls in self.index.files[path].classes:
                if not cls.scope:
                    self.info(module, cls)
        self.core_tables()
        files = self.index.files
        for path in self.index.model_files():
            module = self.index.module_of(path)
            # Models made at run time by tests or migrations are theirs, not the application's.
            app = self.index.contexts.get(path, FileContext.APP) == FileContext.APP
            for call in files[path].calls if app else ():
                self._note_class_made_by_type(module, call)
            for cls in files[path].classes:
                if cls.scope:
                    if app:
                        self._note_made_model(module, cls)
                    continue
                info = self.info(module, cls)
                if not info.is_model or info.abstract:
                    continue
                table = self.mapped_table(info)
                if (module, cls.name, cls.line) not in self._modelled and table is not None:
                    self.models.append(self._model(info, table, False, "single"))

    def _note_made_model(self, module: str, cls: ClassDef) -> None:
        """A model class defined inside a function (`def make_label(table): class Label(Base): ...`)
        puts a table on its metadata each time the function runs: that metadata has tables unseen."""
        if cls.scope in self.index.resolver.modules[module].class_scopes:
            return  # a class nested in a class body, not made by a function
        info = self.info(module, cls)
        if info.is_model and not info.abstract and info.metadata is not None:
            self.made_metadata.add(info.metadata)

    def _note_class_made_by_type(self, module: str, call: CallFact) -> None:
        """`type(name, (Label, BaseModel), {...})` (timesketch's mixins, in a `declared_attr`) makes
        a model on the metadata of its mapped base each time it runs: that metadata has tables
        unseen. The bases are read as a class statement's would be."""
        expr = call.expr
        if expr.text != "type" or len(expr.args) != 3 or expr.args[1].kind != "list":
            return
        made = ClassDef(
            name="type()",
            line=expr.line,
            column=expr.column,
            bases=expr.args[1].args,
            keywords=(),
            decorators=(),
            attrs=(),
            scope=call.scope,
        )
        info = self.info(module, made)
        if info.is_model and info.metadata is not None:
            self.made_metadata.add(info.metadata)

    def constant_target(self, reference: str) -> Optional[str]:
        """`ForeignKey(USER_ID)` with `USER_ID = "user.id"` bound at module level: the string, as
        if written in place (None for anything else, or a computed string)."""
        resolution = self.names.resolver.follow_qualified(reference, (), MAX_DEPTH)
        if resolution is None or resolution.rest or not isinstance(resolution.target, Defined):
            return None
        node = resolution.target.node
        if not isinstance(node, Binding) or node.scope or node.value is None:
            return None
        return written_target(node.value) if node.value.kind == "str" else None

    def resolve_reference(self, reference: str) -> Optional[str]:
        """`app.models.User.id` / `app.tables.users.c.id` -> "users.id" (with the schema when set)."""
        resolution = self.names.resolver.follow_qualified(reference, (), MAX_DEPTH)
        if resolution is None or not isinstance(resolution.target, Defined):
            return None
        target, rest = resolution.target, resolution.rest
        table: Optional[_Table] = None
        if isinstance(target.node, ClassDef):
            table = self.mapped_table(self.info(target.module, target.node))
            if rest[:2] == ("__table__", "c"):
                rest = rest[2:]
            elif len(rest) == 1 and table is not None:
                column = next((c for c in table.columns if c.key == rest[0]), None)
                rest = (column.name,) if column is not None else ()
        else:
            key = (
                target.node.name
                if not target.node.scope
                else f"{target.node.scope}.{target.node.name}"
            )
            table = self._by_binding.get((target.module, key))
            rest = rest[1:] if rest[:1] in (("c",), ("columns",)) else ()
        if table is None or len(rest) != 1 or table.definition.name is None:
            return None
        return f"{table.definition.full_name}.{rest[0]}"


def _merge(base: ColumnSpec, override: ColumnSpec) -> ColumnSpec:
    """`Mapped[intpk] = mapped_column(...)`: the annotated column, with what the call adds."""
    return dataclasses.replace(
        base,
        name=override.name or base.name,
        type_name=override.type_name or base.type_name,
        type_expr=override.type_expr if override.type_name else base.type_expr,
        family=override.family if override.family != UNKNOWN else base.family,
        nullable=override.nullable if override.nullable is not None else base.nullable,
        primary_key=override.primary_key or base.primary_key,
        foreign_key=override.foreign_key or base.foreign_key,
        foreign_key_ref=override.foreign_key_ref or base.foreign_key_ref,
        declares_foreign_key=override.declares_foreign_key or base.declares_foreign_key,
        index=override.index or base.index,
        unique=override.unique or base.unique,
        line=override.line,
        column=override.column,
    )


def _column_word(expr: Expr) -> str:
    """A column named in a constraint: `"user_id"` or `User.user_id` -> user_id."""
    return expr.text if expr.kind == "str" else _last(expr.text)
