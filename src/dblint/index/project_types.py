"""Type families of project-defined types and of Python annotations.

- `TypeFamilies.family(qualified)`: like `types.family_of_type_name`, but a name
  defined in the project is followed: a `TypeDecorator` subclass takes its `impl`'s
  family (a class named like `GUID`/`UUIDType` is "uuid" when it picks its type per
  dialect with `load_dialect_impl`, as the recipe loads UUID on PostgreSQL, or when
  no `impl` says otherwise; a `GUID` whose `impl = CHAR(36)` is stored as CHAR on
  every database, so it is "string"), a subclass of a SQLAlchemy type takes its base's, and an alias
  (`JSONVariant = JSON().with_variant(JSONB(), "postgresql")`) its value's.
- `TypeFamilies.returns(qualified, written)`: the families of the Python values a
  column of that type returns (empty when unknown): a library type's default
  (`types.returned_by`) changed by `as_uuid=` / `asdecimal=` where written
  (`postgresql.UUID` without `as_uuid` returns either: its default changed in
  SQLAlchemy 2.0); a `TypeDecorator` returns what its `process_result_value`
  returns when that is plainly a call of a Python type (`return uuid.UUID(value)`),
  nothing known when it is written otherwise or when the type is chosen per dialect
  (`load_dialect_impl`, the GUID recipe), and else what its `impl` returns; methods
  and `impl` are inherited from project base classes.
- `TypeFamilies.annotation(module, expr, scope, type_map)`: what a `Mapped[...]`
  or SQLModel annotation says: `Annotation(family, nullable, column, relationship)`.
  `Optional[X]`, `X | None`, `Union[X, None]`, `Annotated[X, mapped_column(...)]`
  and aliases of `Annotated[...]` are unwrapped; Python enum classes are "enum";
  `type_map` is the base's `type_annotation_map` (qualified Python type ->
  (family, SQL type name)).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional

from dblint.facts.model import Binding, ClassDef, Expr, FunctionDef
from dblint.index.columns import ColumnSpec, column_from_expr
from dblint.index.names import Names
from dblint.index.symbols import Defined
from dblint.index.types import (
    UNKNOWN,
    TypeFamily,
    family_of_type_name,
    python_family,
    returned_by,
    returns_any_object,
)

MAX_DEPTH = 8
_TYPE_BASES = frozenset(
    {"TypeDecorator", "TypeEngine", "UserDefinedType", "ExternalType", "Variant"}
)
_ENUM_BASES = frozenset({"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag"})
_COLLECTIONS = frozenset(
    {
        "list",
        "List",
        "set",
        "Set",
        "dict",
        "Dict",
        "tuple",
        "Tuple",
        "Sequence",
        "Collection",
        "Iterable",
        "frozenset",
        "FrozenSet",
        "Mapping",
        "MutableMapping",
        "AbstractSet",
    }
)
_RELATIONSHIP_WRAPPERS = frozenset(
    {"WriteOnlyMapped", "DynamicMapped", "Relationship", "AssociationProxy"}
)

TypeMap = Mapping[str, tuple[TypeFamily, str]]


def type_map_key(names: Names, module: str, expr: Expr, scope: str) -> Optional[str]:
    """A Python type as a `type_annotation_map` key: its qualified name, with the qualified
    parameters of a generic (`dict[str, Any]`, phoenix's JSON columns); None when not a type."""
    if expr.kind == "name":
        return names.qualify(module, expr.text, scope)
    if expr.kind != "subscript" or not expr.args:
        return None
    inner = [type_map_key(names, module, arg, scope) for arg in expr.args]
    known = [key for key in inner if key is not None]
    if len(known) != len(inner):
        return None
    return f"{names.qualify(module, expr.text, scope)}[{', '.join(known)}]"


@dataclass(frozen=True)
class Annotation:
    """What an annotation says about a column."""

    family: TypeFamily = UNKNOWN
    nullable: Optional[bool] = None
    column: Optional[ColumnSpec] = None  # from `Annotated[X, mapped_column(...)]`
    relationship: bool = False  # a model class or a collection: not a column
    type_name: Optional[str] = None
    present: bool = False  # an annotation was given (even one whose family is unknown)


class TypeFamilies:
    """Families of project types; memoised per run."""

    def __init__(self, names: Names) -> None:
        self.names = names
        self._families: dict[str, TypeFamily] = {}

    # -- SQL types ------------------------------------------------------------

    def family(self, qualified: str, depth: int = 0) -> TypeFamily:
        if qualified not in self._families:
            self._families[qualified] = UNKNOWN  # cycle guard
            self._families[qualified] = self._compute(qualified, depth)
        return self._families[qualified]

    def _compute(self, qualified: str, depth: int) -> TypeFamily:
        if depth > MAX_DEPTH:
            return UNKNOWN
        resolution = self.names.resolver.follow_qualified(qualified, (), MAX_DEPTH)
        target = resolution.target if resolution is not None and not resolution.rest else None
        if isinstance(target, Defined):
            if isinstance(target.node, ClassDef):
                return self._class_family(target.module, target.node, depth)
            alias = self._alias(target)
            return self.family(alias[0], depth + 1) if alias is not None else UNKNOWN
        return family_of_type_name(qualified)

    def _alias(self, target: Defined) -> Optional[tuple[str, Expr]]:
        """The type a name stands for, qualified, and its expression: the value a module-level name is
        bound to (`JSONVariant = JSON().with_variant(...)`), or what a type factory's one `return` builds."""
        node = target.node
        if isinstance(node, FunctionDef):
            value = node.returns[0] if len(node.returns) == 1 else None
            scope = node.inner_scope
        else:
            value = node.value if isinstance(node, Binding) else None
            scope = node.scope if isinstance(node, Binding) else ""
        if value is None or value.kind not in ("name", "call") or not value.text:
            return None
        return self.names.qualify(target.module, value.text.split("()", 1)[0], scope), value

    def _class_family(self, module: str, cls: ClassDef, depth: int) -> TypeFamily:
        lowered = cls.name.lower()
        named_uuid = "uuid" in lowered or "guid" in lowered
        per_dialect = any(
            method.name == "load_dialect_impl"
            for _, klass in self._lineage(module, cls)
            for method in klass.methods
        )
        if named_uuid and per_dialect:
            return TypeFamily.UUID  # the GUID recipe: UUID on PostgreSQL, CHAR elsewhere
        for attr in cls.attrs:
            if (
                attr.name == "impl"
                and attr.value is not None
                and attr.value.kind in ("name", "call")
            ):
                written = attr.value.text.split("()", 1)[0]
                return self.family(self.names.qualify(module, written, cls.scope), depth + 1)
        for base in cls.bases:
            if base.kind != "name":
                continue
            qualified = self.names.qualify(module, base.text, cls.scope)
            if qualified.rsplit(".", 1)[-1] in _TYPE_BASES:
                continue
            found = self.family(qualified, depth + 1)
            if found != UNKNOWN:
                return found
        return TypeFamily.UUID if named_uuid else UNKNOWN

    def returns(
        self, qualified: Optional[str], written: Optional[Expr] = None, depth: int = 0
    ) -> frozenset[TypeFamily]:
        """Families of the Python values a column of type `qualified` (written as `written`) returns."""
        if not qualified or depth > MAX_DEPTH:
            return frozenset()
        resolution = self.names.resolver.follow_qualified(qualified, (), MAX_DEPTH)
        target = resolution.target if resolution is not None and not resolution.rest else None
        if isinstance(target, Defined):
            if isinstance(target.node, ClassDef):
                return self._class_returns(target.module, target.node, depth)
            alias = self._alias(target)
            return self.returns(alias[0], alias[1], depth + 1) if alias is not None else frozenset()
        return _library_returns(qualified, written)

    def _class_returns(self, module: str, cls: ClassDef, depth: int) -> frozenset[TypeFamily]:
        lineage = self._lineage(module, cls)
        methods = [(owner, klass, method) for owner, klass in lineage for method in klass.methods]
        result = next((found for found in methods if found[2].name == "process_result_value"), None)
        per_dialect = any(method.name == "load_dialect_impl" for _, _, method in methods)
        if result is None and (
            per_dialect or "uuid" in cls.name.lower() or "guid" in cls.name.lower()
        ):
            return (
                frozenset()
            )  # a type per dialect (the GUID recipe: UUID on PostgreSQL, CHAR elsewhere)
        if result is not None:
            owner, klass, method = result
            returned = method.value
            if returned is None or returned.kind != "call" or not returned.text:
                return frozenset()  # converted in a way we do not read: unknown
            family = python_family(
                self.names.qualify(owner, returned.text.split("()", 1)[0], klass.scope)
            )
            return frozenset() if family == UNKNOWN else frozenset({family})
        for owner, klass in lineage:
            for attr in klass.attrs:
                if (
                    attr.name == "impl"
                    and attr.value is not None
                    and attr.value.kind in ("name", "call")
                ):
                    impl = self.names.qualify(owner, attr.value.text.split("()", 1)[0], klass.scope)
                    return self.returns(impl, attr.value, depth + 1)
        for owner, klass in lineage:
            for base in klass.bases:
                qualified = (
                    self.names.qualify(owner, base.text, klass.scope) if base.kind == "name" else ""
                )
                if qualified and qualified.rsplit(".", 1)[-1] not in _TYPE_BASES:
                    found = self.returns(qualified, None, depth + 1)
                    if found:
                        return found
        return frozenset()

    def _lineage(self, module: str, cls: ClassDef, depth: int = 0) -> list[tuple[str, ClassDef]]:
        """The class and the project classes it derives from, nearest first: where a method is inherited from."""
        found = [(module, cls)]
        if depth >= MAX_DEPTH:
            return found
        for base in cls.bases:
            hit = self.names.target(module, base.text, cls.scope) if base.kind == "name" else None
            if (
                hit is not None
                and not hit.rest
                and isinstance(hit.target, Defined)
                and isinstance(hit.target.node, ClassDef)
            ):
                for item in self._lineage(hit.target.module, hit.target.node, depth + 1):
                    if item not in found:
                        found.append(item)
        return found

    def is_enum_class(self, module: str, cls: ClassDef, depth: int = 0) -> bool:
        if depth > MAX_DEPTH:
            return False
        for base in cls.bases:
            if base.kind != "name":
                continue
            qualified = self.names.qualify(module, base.text, cls.scope)
            if qualified in _ENUM_BASES:
                return True
            found = self.names.target(module, base.text, cls.scope)
            if found is not None and not found.rest and isinstance(found.target, Defined):
                node = found.target.node
                if isinstance(node, ClassDef) and self.is_enum_class(
                    found.target.module, node, depth + 1
                ):
                    return True
        return False

    # -- annotations ------------------------------------------------------------

    def annotation(
        self, module: str, expr: Optional[Expr], scope: str, type_map: TypeMap, depth: int = 0
    ) -> Annotation:
        """What the annotation `expr` says; `Mapped[...]` is unwrapped."""
        if expr is None:
            return Annotation()
        if expr.kind == "subscript" and expr.args:
            last = self.names.qualify(module, expr.text, scope).rsplit(".", 1)[-1]
            if last == "Mapped":
                inner = self.annotation(module, expr.args[0], scope, type_map, depth + 1)
                return Annotation(
                    inner.family,
                    inner.nullable,
                    inner.column,
                    inner.relationship,
                    inner.type_name,
                    True,
                )
            if last in _RELATIONSHIP_WRAPPERS:
                return Annotation(relationship=True, present=True)
        return self._python(module, expr, scope, type_map, depth)

    def _python(
        self, module: str, expr: Expr, scope: str, type_map: TypeMap, depth: int
    ) -> Annotation:
        if depth > MAX_DEPTH:
            return Annotation(present=True)
        if expr.kind == "str":
            text = expr.text.strip()
            if text.replace(".", "").replace("_", "").isalnum():
                return self._python(
                    module,
                    Expr("name", text, line=expr.line, column=expr.column),
                    scope,
                    type_map,
                    depth + 1,
                )
            return Annotation(present=True)
        if expr.kind == "op" and expr.text == "|":
            return self._union(module, expr.args, scope, type_map, depth)
        if expr.kind == "subscript":
            mapped = type_map.get(type_map_key(self.names, module, expr, scope) or "")
            if mapped is not None:  # `type_annotation_map = {dict[str, Any]: JSON}`
                return Annotation(mapped[0], type_name=mapped[1], present=True)
            qualified = self.names.qualify(module, expr.text, scope)
            last = qualified.rsplit(".", 1)[-1]
            if last == "Optional" and expr.args:
                inner = self._python(module, expr.args[0], scope, type_map, depth + 1)
                return Annotation(
                    inner.family, True, inner.column, inner.relationship, inner.type_name, True
                )
            if last == "Union":
                return self._union(module, expr.args, scope, type_map, depth)
            if last == "Annotated" and expr.args:
                inner = self._python(module, expr.args[0], scope, type_map, depth + 1)
                spec = next(
                    (
                        found
                        for found in (
                            column_from_expr(arg, self.names.qualifier(module, scope), self.family)
                            for arg in expr.args[1:]
                        )
                        if found is not None
                    ),
                    None,
                )
                # `Annotated[dict[str, str], mapped_column(JSONEncodedDict)]` is a column whatever its
                # first argument looks like (meltano's `StateType`): only a bare one may be a relationship.
                return Annotation(
                    inner.family,
                    inner.nullable,
                    spec or inner.column,
                    inner.relationship and spec is None,
                    inner.type_name,
                    True,
                )
            if last in _COLLECTIONS or last in _RELATIONSHIP_WRAPPERS:
                return Annotation(
                    relationship=self._mentions_class(module, expr, scope), present=True
                )
            return Annotation(present=True)
        if expr.kind != "name":
            return Annotation(present=True)
        qualified = self.names.qualify(module, expr.text, scope)
        if qualified in type_map:
            family, type_name = type_map[qualified]
            return Annotation(family, type_name=type_name, present=True)
        found = self.names.target(module, expr.text, scope)
        if found is not None and not found.rest and isinstance(found.target, Defined):
            node = found.target.node
            if (
                isinstance(node, Binding)
                and node.value is not None
                and node.value.kind in ("subscript", "op")
            ):
                return self._python(
                    found.target.module, node.value, node.scope, type_map, depth + 1
                )
            if isinstance(node, ClassDef):
                if self.is_enum_class(found.target.module, node):
                    return Annotation(TypeFamily.ENUM, type_name="sqlalchemy.Enum", present=True)
                return Annotation(relationship=True, present=True)
        return Annotation(python_family(qualified), present=True)

    def _union(
        self, module: str, members: tuple[Expr, ...], scope: str, type_map: TypeMap, depth: int
    ) -> Annotation:
        real = [
            member for member in members if not (member.kind == "const" and member.text == "None")
        ]
        nullable = True if len(real) < len(members) else None
        if len(real) != 1:
            return Annotation(nullable=nullable, present=True)
        inner = self._python(module, real[0], scope, type_map, depth + 1)
        return Annotation(
            inner.family,
            nullable or inner.nullable,
            inner.column,
            inner.relationship,
            inner.type_name,
            True,
        )

    def _mentions_class(self, module: str, expr: Expr, scope: str) -> bool:
        """True when a collection annotation holds a project class (a relationship)."""
        for arg in expr.args:
            if arg.kind in ("name", "str"):
                found = self.names.target(module, arg.text, scope)
                if found is None or (
                    isinstance(found.target, Defined) and isinstance(found.target.node, ClassDef)
                ):
                    return True
        return False


def _library_returns(qualified: str, written: Optional[Expr]) -> frozenset[TypeFamily]:
    """What a library type returns: its family's default, as `as_uuid=` / `asdecimal=` change it
    (nothing known of `PickleType`, which returns any object)."""
    if returns_any_object(qualified):
        return frozenset()
    family = family_of_type_name(qualified)
    as_uuid = _literal_flag(written, "as_uuid")
    if family == TypeFamily.UUID and as_uuid is not None:
        return frozenset({TypeFamily.UUID if as_uuid else TypeFamily.STRING})
    if family == TypeFamily.UUID and qualified.startswith("sqlalchemy.dialects.postgresql"):
        return frozenset(
            {TypeFamily.UUID, TypeFamily.STRING}
        )  # as_uuid defaults to False before SQLAlchemy 2.0, True since
    asdecimal = _literal_flag(written, "asdecimal")
    if family in (TypeFamily.NUMERIC, TypeFamily.FLOAT) and asdecimal is not None:
        return frozenset({TypeFamily.NUMERIC if asdecimal else TypeFamily.FLOAT})
    return returned_by(family)


def _literal_flag(written: Optional[Expr], keyword: str) -> Optional[bool]:
    value = written.keyword(keyword) if written is not None and written.kind == "call" else None
    if value is not None and value.kind == "const" and value.text in ("True", "False"):
        return value.text == "True"
    return None
