"""Qualified names and alias-following on top of `symbols.Resolver`.

`Names.qualify(module, "sa.Integer")` -> "sqlalchemy.Integer"; a name defined in
the project qualifies to "module.Name" (scoped names to "module.func.Name"), an
unresolvable one (a builtin such as `int`) stays as written.
`Names.target(...)` resolves like the Resolver but also follows plain aliases
(`Model = db.Model`, `Base = _Base`) to what they name.
"""

from __future__ import annotations

from typing import Callable, Optional

from dblint.facts.model import Binding, ClassDef, FunctionDef
from dblint.index.symbols import Defined, External, ModuleRef, Resolution, Resolver

MAX_ALIASES = 12


def _is_plain(text: str) -> bool:
    return "()" not in text and "[]" not in text


class Names:
    """Qualifies and follows dotted names; memoised per run."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._qualified: dict[tuple[str, str, str], str] = {}

    def target(self, module: str, dotted: str, scope: str = "") -> Optional[Resolution]:
        """Where `dotted` leads from `scope` of `module`, through plain aliases."""
        if not _is_plain(dotted):
            return None
        resolution = self.resolver.resolve(module, dotted, scope)
        for _ in range(MAX_ALIASES):
            if resolution is None:
                return None
            target = resolution.target
            if not (isinstance(target, Defined) and isinstance(target.node, Binding)):
                return resolution
            value = target.node.value
            if value is None or value.kind != "name" or not _is_plain(value.text):
                return resolution
            following = self.resolver.resolve(
                target.module, ".".join((value.text, *resolution.rest)), target.node.scope
            )
            if following is None:
                return resolution
            resolution = following
        return resolution

    def binding(self, module: str, dotted: str, scope: str = "") -> Optional[tuple[str, Binding]]:
        """The binding `dotted` names itself (no attribute left to follow), with its module."""
        resolution = self.target(module, dotted, scope)
        if resolution is None or resolution.rest or not isinstance(resolution.target, Defined):
            return None
        node = resolution.target.node
        return (resolution.target.module, node) if isinstance(node, Binding) else None

    def qualify(self, module: str, dotted: str, scope: str = "") -> str:
        """The qualified name of `dotted` (as written when it cannot be resolved)."""
        key = (module, dotted, scope)
        if key not in self._qualified:
            self._qualified[key] = self._compute(module, dotted, scope)
        return self._qualified[key]

    def _compute(self, module: str, dotted: str, scope: str) -> str:
        if not dotted or not _is_plain(dotted):
            return dotted
        resolution = self.target(module, dotted, scope)
        if resolution is None:
            return dotted
        return ".".join((qualified_target(resolution.target), *resolution.rest))

    def qualifier(self, module: str, scope: str = "") -> Callable[[str], str]:
        """`qualify` bound to one module and scope, as `columns.column_from_expr` wants it."""
        return lambda dotted: self.qualify(module, dotted, scope)


def qualified_target(target: object) -> str:
    """The dotted name of a resolution target."""
    if isinstance(target, External):
        return target.qualname
    if isinstance(target, ModuleRef):
        return target.module
    assert isinstance(target, Defined)
    node = target.node
    assert isinstance(node, (Binding, ClassDef, FunctionDef))
    parts = [target.module, node.scope, node.name]
    return ".".join(part for part in parts if part)
