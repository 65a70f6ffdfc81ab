"""`__all__` as a module builds it, which decides what a star import from the module reaches.

The three readers (LibCST's collector, the `ast` collector, the imports-only reader) find each
use of `__all__` in their own tree and let `Exports` judge it, so they agree. The rule: a whole
statement directly in the module body that assigns literal names (`__all__ = [...]`,
`__all__: list[str] = [...]`) sets them; one that adds literal names (`__all__ += [...]`,
`__all__ = __all__ + [...]`, `__all__.extend([...])`, `.append("x")`, `.insert(i, "x")`) adds
them. Any other change, wherever it stands (inside an expression, a comprehension or a lambda,
in an if/for/while/try/with/match block, in a function through the global list, a
non-literal argument, `.remove`, `del`, a subscript, `global __all__`), makes the names unknown
(`computed`): the reader cannot know whether or how often it runs. A class attribute and the
local `__all__` of a function that assigns one (`own_all`) are not the module's. Not followed:
`__all__` bound by for/with/except/import, or the list reached through another name
(`names = __all__`).
No LibCST here: the `ast` readers import it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, Optional, Union

# Methods of a list that add to it, when given literal names: `__all__.extend([...])` adds
# each, `.append("x")` and `.insert(i, "x")` one name.
ADDING_METHODS = frozenset({"extend", "append", "insert"})
# ... and methods that leave its names as they are (order aside).
KEEPING_METHODS = frozenset({"count", "index", "copy", "sort", "reverse"})

# Where a statement touching `__all__` stands: directly in the module body (`top`), elsewhere at
# module level (a block of a compound statement: `module`), in a class body, in a function, or
# in a function with an `__all__` of its own (`local`: it assigns the name, `own_all`).
Place = Literal["top", "module", "class", "function", "local"]


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

    # -- the rule: what a use of `__all__` does, where it stands --------------------------

    def bound(self, place: Place, names: Optional[tuple[str, ...]]) -> None:
        """`__all__ = value` (`names`: its literal names), or `__all__` unpacked into or
        deleted (`names` None)."""
        if place == "top":
            self.assign(names)
        elif place == "module":  # in a block: it may run or not
            self.computed = True
        # in a class or a function: a class attribute or a local, not the module's `__all__`

    def added(self, place: Place, names: Optional[tuple[str, ...]]) -> None:
        """`__all__ += value` (and `__all__ = __all__ + value` directly in the module body)."""
        if place == "top":
            self.extend(names)
        elif place in ("module", "class"):  # a class without its own extends the module's list
            self.computed = True

    def called(
        self, place: Place, method: str, names: Optional[tuple[str, ...]], statement: bool
    ) -> None:
        """`__all__.method(...)` (`names`: the literal names it adds; `statement`: the call is a
        whole statement), or the method taken (`@__all__.append`: not a statement). It reaches
        the module's list from anywhere, a function included."""
        if method in KEEPING_METHODS or place == "local":
            return
        if place == "top" and statement and method in ADDING_METHODS:
            self.extend(names)
        else:
            self.computed = True

    def item_changed(self, place: Place) -> None:
        """`__all__[i] = ...`, `del __all__[i]`: never read."""
        if place != "local":
            self.computed = True

    def changed(self) -> None:
        """A change never read, wherever it stands: `global __all__`, `(__all__ := ...)`."""
        self.computed = True

    # -- the `ast` reader -------------------------------------------------------------------

    def read_ast(self, statement: ast.stmt) -> None:
        """Record what a statement directly in the module body does to `__all__`, with every
        statement and expression inside it."""
        whole: set[int] = set()  # `__all__.method` of calls judged as whole statements
        for node, place in _nodes(statement):
            if isinstance(node, ast.stmt):
                self._read_statement(node, place, whole)
            elif isinstance(node, ast.Attribute) and _is_all(node.value) and id(node) not in whole:
                self.called(place, node.attr, None, statement=False)  # in an expression, or taken
            elif isinstance(node, ast.NamedExpr) and _is_all(node.target):
                self.changed()

    def _read_statement(self, node: ast.stmt, place: Place, whole: set[int]) -> None:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self._read_target(target, place, node.value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self._read_target(node.target, place, node.value)
        elif isinstance(node, ast.AugAssign):
            if _is_all(node.target):
                added = isinstance(node.op, ast.Add)
                self.added(place, literal_all(node.value) if added else None)
            else:
                self._read_target(node.target, place, None)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                self._read_target(target, place, None)
        elif isinstance(node, (ast.Global, ast.Nonlocal)) and "__all__" in node.names:
            self.changed()
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            method = _method_of_all(node.value)
            if method is not None:
                whole.add(id(node.value.func))
                self.called(place, method, _addition(method, node.value), statement=True)

    def _read_target(self, target: ast.expr, place: Place, value: Optional[ast.expr]) -> None:
        """`target = value` (`value` None: `target` is unpacked into, deleted or augmented)."""
        if _is_all(target):
            if (
                value is not None
                and place == "top"
                and isinstance(value, ast.BinOp)
                and isinstance(value.op, ast.Add)
                and _is_all(value.left)
            ):
                self.added(place, literal_all(value.right))  # `__all__ = __all__ + [...]`
            else:
                self.bound(place, literal_all(value) if value is not None else None)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._read_target(element, place, None)
        elif isinstance(target, ast.Starred):
            self._read_target(target.value, place, None)
        elif isinstance(target, ast.Subscript) and _is_all(target.value):
            self.item_changed(place)


def _nodes(statement: ast.stmt) -> Iterator[tuple[ast.AST, Place]]:
    """Every node of a module-level statement, with where it stands (iteratively: no
    recursion limit); a def's decorators and defaults count as its body, a lambda's body (an
    expression) stands where the lambda does, as in LibCST's collector."""
    stack: list[tuple[ast.AST, Place]] = [(statement, "top")]
    while stack:
        node, place = stack.pop()
        yield node, place
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner: Place = "local" if own_all(node) else "function"
        elif isinstance(node, ast.ClassDef):
            inner = "class"
        else:
            inner = "module" if place == "top" else place
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


def own_all(function: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> bool:
    """Whether a function has an `__all__` of its own: its body (not a nested def's) assigns
    the name plainly (`__all__ = ...`, `__all__: T = ...`, `__all__ += ...`) and declares it
    neither global nor nonlocal. Other bindings (loops, `del`, unpacking) are not looked for:
    a change there counts as the module's."""
    assigns = False
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Global, ast.Nonlocal)) and "__all__" in node.names:
            return False
        if isinstance(node, ast.Assign):
            assigns = assigns or any(_is_all(target) for target in node.targets)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            assigns = assigns or _is_all(node.target)
        if not isinstance(node, _SCOPES):
            stack.extend(ast.iter_child_nodes(node))
    return assigns


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _method_of_all(call: ast.Call) -> Optional[str]:
    """The method of `__all__.method(...)`, None for any other call."""
    func = call.func
    if isinstance(func, ast.Attribute) and _is_all(func.value):
        return func.attr
    return None


def literal_all(value: ast.expr) -> Optional[tuple[str, ...]]:
    """The names of a literal `__all__` (a list or tuple of strings), None when computed."""
    if not isinstance(value, (ast.List, ast.Tuple)):
        return None
    names = [_literal_name(element) for element in value.elts]
    if any(name is None for name in names):
        return None
    return tuple(name for name in names if name is not None)


def _literal_name(node: ast.expr) -> Optional[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _addition(method: str, call: ast.Call) -> Optional[tuple[str, ...]]:
    """The names `__all__.extend(...)` / `.append(...)` / `.insert(i, ...)` adds, None when
    they cannot be read."""
    args = call.args
    if call.keywords or any(isinstance(arg, ast.Starred) for arg in args):
        return None
    if method == "extend" and len(args) == 1:
        return literal_all(args[0])
    name = None
    if method == "append" and len(args) == 1:
        name = _literal_name(args[0])
    elif method == "insert" and len(args) == 2:
        name = _literal_name(args[1])
    return (name,) if name is not None else None


def _is_all(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "__all__"
