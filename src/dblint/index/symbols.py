"""Cross-module name resolution through our own import facts.

`resolve` follows a dotted name from a scope of one module to where it is
defined: a binding or class in some project module, a project module, or a
name outside the project (its qualified name, like `sqlalchemy.MetaData`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from dblint.facts.model import Binding, ClassDef, FileFacts, FunctionDef, Import
from dblint.index.modules import is_package, resolve_relative

MAX_HOPS = 24


@dataclass(frozen=True)
class External:
    """A name defined outside the project, by its qualified name."""

    qualname: str

    @property
    def top(self) -> str:
        return self.qualname.split(".", 1)[0]

    @property
    def last(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class ModuleRef:
    module: str


@dataclass(frozen=True)
class Defined:
    """A binding, class or function defined in a project module."""

    module: str
    node: Union[Binding, ClassDef, FunctionDef]


Target = Union[External, ModuleRef, Defined]
Definition = Union[Binding, ClassDef, FunctionDef, Import]


@dataclass(frozen=True)
class Resolution:
    """Where the head of a dotted name leads, and the attributes not yet followed."""

    target: Target
    rest: tuple[str, ...]


class ModuleTable:
    """The names one module defines, for fast lookup."""

    def __init__(self, name: str, facts: FileFacts) -> None:
        self.name = name
        self.facts = facts
        self.package = is_package(facts.path)
        self.scoped: dict[tuple[str, str], Definition] = {}
        # Every definition of a name in a scope, in source order (`earlier` reads it).
        self.history: dict[tuple[str, str], list[Definition]] = {}
        self.star_imports: list[Import] = []
        # Class bodies: their names are visible in the body itself, not in its methods.
        self.class_scopes = {cls.body_scope: cls.scope for cls in facts.classes}
        found: list[tuple[tuple[str, str], Definition]] = []
        found.extend(
            ((function.scope, function.name), function) for function in facts.function_defs
        )
        for imp in facts.imports:
            if imp.name == "*":
                if not imp.scope:
                    self.star_imports.append(imp)
                continue
            found.append(((imp.scope, imp.local), imp))
        found.extend(((binding.scope, binding.name), binding) for binding in facts.bindings)
        for cls in facts.classes:
            found.append(((cls.scope, cls.name), cls))
            found.extend(((attr.scope, attr.name), attr) for attr in cls.attr_bindings())
        # The last definition in the source wins, as when the module runs: `class Base: ...`
        # then `Base = declarative_base(cls=Base)` leaves `Base` the declarative base (the
        # sort is stable, so definitions on one line keep the order above).
        for key, definition in sorted(found, key=lambda item: item[1].line):
            self.scoped[key] = definition
            self.history.setdefault(key, []).append(definition)

    def checked_imports(self) -> list[tuple[tuple[str, str], Import, list[Binding]]]:
        """Names an `if TYPE_CHECKING:` import binds and only its `else:` binds again after it
        (optuna's `models = _LazyImport("...models")`): (scope and name, the import, those
        bindings). What the name is for a static reader is then the import's, if the bindings
        say nothing else (`index.type_checking` decides)."""
        found = []
        for key, definitions in self.history.items():
            after: list[Binding] = []
            for definition in reversed(definitions):
                if isinstance(definition, Binding) and definition.checking_else:
                    after.append(definition)
                    continue
                if after and isinstance(definition, Import) and definition.type_checking:
                    found.append((key, definition, after[::-1]))
                break
        return found

    def prefer(self, key: tuple[str, str], imp: Import) -> None:
        """Let `imp` define the name at `key` for lookups (`checked_imports`)."""
        self.scoped[key] = imp

    def lookup(self, name: str, scope: str) -> Optional[Definition]:
        """The innermost definition of `name` visible from `scope` (last one wins); an enclosing
        class body is skipped, as in Python."""
        current = scope
        while True:
            if current == scope or current not in self.class_scopes:
                found = self.scoped.get((current, name))
                if found is not None:
                    return found
            if not current:
                return None
            current = current.rsplit(".", 1)[0] if "." in current else ""

    def earlier(self, name: str, scope: str, line: int) -> Optional[Definition]:
        """The definition of `name` in `scope` itself that a statement on `line` sees: the last
        one above it (`declarative_base(cls=Base)` names the class `Base` the line rebinds)."""
        before = [d for d in self.history.get((scope, name), ()) if d.line < line]
        return before[-1] if before else None

    def runs_on_import(self, scope: str) -> bool:
        """True for module level and the bodies of classes defined there (not function bodies)."""
        while scope:
            if scope not in self.class_scopes:
                return False
            scope = self.class_scopes[scope]
        return True


class Resolver:
    """Resolves dotted names across all project modules."""

    def __init__(self, modules: dict[str, ModuleTable]) -> None:
        self.modules = modules
        self._suffix: dict[str, list[str]] = {}
        for name in modules:
            parts = name.split(".")
            for index in range(1, len(parts)):
                self._suffix.setdefault(".".join(parts[index:]), []).append(name)

    def project_module(self, name: str) -> Optional[str]:
        """The project module for an absolute import name, tolerating unknown prefixes.

        A name whose top-level package is a project module is that package's or nothing:
        `app.db` is no `tests.app.db` when package `app` has no submodule `db` (notifications-api's
        `from app import db` names the `db` that `app/__init__.py` binds)."""
        if name in self.modules:
            return name
        head = name.split(".", 1)[0]
        if head != name and head in self.modules:
            return None
        candidates = self._suffix.get(name)
        if candidates and len(candidates) == 1:
            return candidates[0]
        return None

    def absolute(self, table: ModuleTable, imp: Import) -> str:
        return resolve_relative(table.name, table.package, imp.module, imp.level)

    def resolve(self, module: str, dotted: str, scope: str = "") -> Optional[Resolution]:
        """Follow `dotted` as seen from `scope` in `module`."""
        parts = tuple(part for part in dotted.split(".") if part)
        if not parts or module not in self.modules:
            return None
        return self._resolve_in(module, parts, scope, MAX_HOPS)

    def _resolve_in(
        self, module: str, parts: tuple[str, ...], scope: str, hops: int
    ) -> Optional[Resolution]:
        if hops <= 0:
            return None
        table = self.modules[module]
        head, rest = parts[0], parts[1:]
        found = table.lookup(head, scope)
        if found is None:
            return self._from_star(table, parts, hops)
        if isinstance(found, Import):
            qualified = self.imported(table, found)
            # The `from` part of an import is found as a module, whatever its package binds.
            module_parts = (
                len(self.absolute(table, found).split("."))
                if found.name is not None
                else qualified.count(".") + 1
            )
            return self.follow_qualified(qualified, rest, hops - 1, module_parts)
        return Resolution(Defined(module, found), rest)

    def imported(self, table: ModuleTable, imp: Import) -> str:
        """The qualified name an import binds."""
        base = self.absolute(table, imp)
        if imp.name is None:
            # `import a.b` binds `a`; `import a.b as c` binds `c` to `a.b`.
            return base if imp.local != base.split(".", 1)[0] else imp.local
        return f"{base}.{imp.name}" if base else imp.name

    def shadowed(self, module: str) -> bool:
        """True when the package above `module` binds the submodule's name to something else
        (`from .db import db` in `models/__init__.py`): `models.db` is then that object, as in Python."""
        package, _, name = module.rpartition(".")
        table = self.modules.get(package)
        if not package or table is None or not table.package:
            return False
        found = table.lookup(name, "")
        if found is None:
            return False
        return not isinstance(found, Import) or self.imported(table, found) != module

    def _from_star(
        self, table: ModuleTable, parts: tuple[str, ...], hops: int
    ) -> Optional[Resolution]:
        for imp in table.star_imports:
            source = self.project_module(self.absolute(table, imp))
            if source is None:
                continue
            exported = self.modules[source].facts.all_names
            if exported is not None and parts[0] not in exported:
                continue
            if self.modules[source].lookup(parts[0], "") is not None:
                return self._resolve_in(source, parts, "", hops - 1)
        for imp in table.star_imports:
            base = self.absolute(table, imp)
            if self.project_module(base) is None:
                return Resolution(External(f"{base}.{parts[0]}"), parts[1:])
        return None

    def follow_qualified(
        self, qualified: str, rest: tuple[str, ...], hops: int, module_parts: int = 0
    ) -> Optional[Resolution]:
        """Resolve an absolute dotted name plus trailing attributes; the first `module_parts`
        names are a module path (an import's), the others attributes."""
        names = tuple(qualified.split(".")) + rest
        for split in range(len(names), 0, -1):
            module = self.project_module(".".join(names[:split]))
            if module is None or (split > module_parts and self.shadowed(module)):
                continue
            remaining = names[split:]
            if not remaining:
                return Resolution(ModuleRef(module), ())
            inner = self._resolve_in(module, remaining, "", hops - 1)
            if inner is not None:
                return inner
            submodule = self.project_module(f"{module}.{remaining[0]}")
            if submodule is not None:
                return self.follow_qualified(
                    submodule, remaining[1:], hops - 1, submodule.count(".") + 1
                )
            if module != ".".join(names[:split]):
                break  # only a suffix matched (`sqlalchemy` ~ `app.ext.sqlalchemy`): the library after all
            return None
        return Resolution(External(".".join(names)), ())
