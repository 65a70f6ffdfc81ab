"""Cross-module name resolution through our own import facts.

`resolve` follows a dotted name from a scope of one module to where it is
defined: a binding or class in some project module, a project module, or a
name outside the project (its qualified name, like `sqlalchemy.MetaData`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from dblint.facts.model import Binding, ClassDef, FileFacts, Import
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
    """A binding or class defined in a project module."""

    module: str
    node: Union[Binding, ClassDef]


Target = Union[External, ModuleRef, Defined]


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
        self.scoped: dict[tuple[str, str], Union[Binding, ClassDef, Import]] = {}
        self.star_imports: list[Import] = []
        for imp in facts.imports:
            if imp.name == "*":
                if not imp.scope:
                    self.star_imports.append(imp)
                continue
            self.scoped[(imp.scope, imp.local)] = imp
        for binding in facts.bindings:
            self.scoped[(binding.scope, binding.name)] = binding
        for cls in facts.classes:
            self.scoped[(cls.scope, cls.name)] = cls

    def lookup(self, name: str, scope: str) -> Optional[Union[Binding, ClassDef, Import]]:
        """The innermost definition of `name` visible from `scope` (last one wins)."""
        current = scope
        while True:
            found = self.scoped.get((current, name))
            if found is not None:
                return found
            if not current:
                return None
            current = current.rsplit(".", 1)[0] if "." in current else ""


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
        """The project module for an absolute import name, tolerating unknown prefixes."""
        if name in self.modules:
            return name
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

    def _resolve_in(self, module: str, parts: tuple[str, ...], scope: str, hops: int) -> Optional[Resolution]:
        if hops <= 0:
            return None
        table = self.modules[module]
        head, rest = parts[0], parts[1:]
        found = table.lookup(head, scope)
        if found is None:
            return self._from_star(table, parts, hops)
        if isinstance(found, Import):
            base = self.absolute(table, found)
            if found.name is None:
                # `import a.b` binds `a`; `import a.b as c` binds `c` to `a.b`.
                qualified = base if found.local != base.split(".", 1)[0] else found.local
            else:
                qualified = f"{base}.{found.name}" if base else found.name
            return self.follow_qualified(qualified, rest, hops - 1)
        return Resolution(Defined(module, found), rest)

    def _from_star(self, table: ModuleTable, parts: tuple[str, ...], hops: int) -> Optional[Resolution]:
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

    def follow_qualified(self, qualified: str, rest: tuple[str, ...], hops: int) -> Optional[Resolution]:
        """Resolve an absolute dotted name plus trailing attributes."""
        names = tuple(qualified.split(".")) + rest
        for split in range(len(names), 0, -1):
            module = self.project_module(".".join(names[:split]))
            if module is None:
                continue
            remaining = names[split:]
            if not remaining:
                return Resolution(ModuleRef(module), ())
            inner = self._resolve_in(module, remaining, "", hops - 1)
            if inner is not None:
                return inner
            submodule = self.project_module(f"{module}.{remaining[0]}")
            if submodule is not None:
                return self.follow_qualified(submodule, remaining[1:], hops - 1)
            if module != ".".join(names[:split]):
                break  # only a suffix matched (`sqlalchemy` ~ `app.ext.sqlalchemy`): the library after all
            return None
        return Resolution(External(".".join(names)), ())
