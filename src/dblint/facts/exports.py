"""`__all__` as a module builds it, which decides what a star import from the module reaches.

The three readers (LibCST's collector, the `ast` collector, the imports-only reader) record
what each statement does to `__all__` here, so they agree: an assignment of literal names
sets them, a literal extension (`__all__ += [...]`, `__all__ = __all__ + [...]`,
`__all__.extend([...])`, `__all__.append("x")`) adds names, and anything else (a comprehension, another module's
`__all__`) makes the names unknown (`computed`). No LibCST here: the `ast` readers import it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Optional

# Methods of a list that add to it: `__all__.extend([...])` adds each, `.append("x")` one name.
EXTENDING_METHODS = frozenset({"extend", "append"})


@dataclass
class Exports:
    """`__all__` at the end of some statements: its literal names (None: no literal seen),
    whether one of them assigned it (so it replaces what statements before built), and
    whether some statement gave it names that cannot be read."""

    names: Optional[tuple[str, ...]] = None
    assigned: bool = False
    computed: bool = False

    def assign(self, names: Optional[tuple[str, ...]]) -> None:
        if names is None:
            self.computed = True
        else:
            self.names, self.assigned = names, True

    def extend(self, names: Optional[tuple[str, ...]]) -> None:
        if names is None:
            self.computed = True
        else:
            self.names = (self.names or ()) + names

    @staticmethod
    def joined(parts: Iterable[Exports]) -> Exports:
        """The exports of statements read in parts (a sliced parse's units), in source order."""
        whole = Exports()
        for part in parts:
            if part.assigned:
                whole.assign(part.names)
            elif part.names is not None:
                whole.extend(part.names)
            whole.computed = whole.computed or part.computed
        return whole

    def read_ast(self, node: ast.stmt) -> None:
        """Record what a module-level `ast` statement does to `__all__`, if anything."""
        if isinstance(node, ast.Assign) and _names_all(node.targets):
            value = node.value
            if (
                isinstance(value, ast.BinOp)
                and isinstance(value.op, ast.Add)
                and _names_all([value.left])
            ):
                self.extend(literal_all(value.right))  # `__all__ = __all__ + [...]`
            else:
                self.assign(literal_all(value))
        elif isinstance(node, ast.AugAssign) and _names_all([node.target]):
            self.extend(literal_all(node.value) if isinstance(node.op, ast.Add) else None)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            func = call.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in EXTENDING_METHODS
                and _names_all([func.value])
            ):
                self.extend(_extension(func.attr, call))


def literal_all(value: ast.expr) -> Optional[tuple[str, ...]]:
    """The names of a literal `__all__` (a list or tuple of strings), None when computed."""
    if not isinstance(value, (ast.List, ast.Tuple)):
        return None
    names = [el.value for el in value.elts if isinstance(el, ast.Constant)]
    if len(names) != len(value.elts) or not all(isinstance(name, str) for name in names):
        return None
    return tuple(str(name) for name in names)


def _extension(method: str, call: ast.Call) -> Optional[tuple[str, ...]]:
    """The names `__all__.extend(...)` / `.append(...)` adds, None when they cannot be read."""
    if len(call.args) != 1 or call.keywords:
        return None
    argument = call.args[0]
    if method == "extend":
        return literal_all(argument)
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return (argument.value,)
    return None


def _names_all(targets: Iterable[ast.expr]) -> bool:
    return any(isinstance(target, ast.Name) and target.id == "__all__" for target in targets)
