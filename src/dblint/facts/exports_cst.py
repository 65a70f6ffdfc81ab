"""The LibCST reader of `__all__`: finds each use of it in LibCST's tree and lets
`exports.Exports` judge it, as the `ast` readers do with `Exports.read_ast` (same shapes, same
rule). The collector (`extract.FactCollector`) says where each node stands.
"""

from __future__ import annotations

from typing import Callable, Optional

import libcst as cst

from dblint.facts.exports import Exports, Place
from dblint.facts.exprs import string_value

# Where the node stands (`exports.Place`), asked only of a use of `__all__`: the collector may
# have to look through the enclosing function for it (`own_all`).
Where = Callable[[], Place]


def read_target(
    exports: Exports,
    target: cst.BaseExpression,
    where: Where,
    value: Optional[cst.BaseExpression],
) -> None:
    """`target = value` (`value` None: `target` is unpacked into, deleted or augmented)."""
    if _is_all(target):
        if (
            value is not None
            and where() == "top"
            and isinstance(value, cst.BinaryOperation)
            and isinstance(value.operator, cst.Add)
            and _is_all(value.left)
        ):
            exports.added(where(), literal_names(value.right))  # `__all__ = __all__ + [...]`
        else:
            exports.bound(where(), literal_names(value) if value is not None else None)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            read_target(exports, element.value, where, None)
    elif isinstance(target, cst.StarredElement):
        read_target(exports, target.value, where, None)
    elif isinstance(target, cst.Subscript) and _is_all(target.value):
        exports.item_changed(where())


def read_augmented(exports: Exports, node: cst.AugAssign, where: Where) -> None:
    """`target += value` and the other augmented assignments."""
    if _is_all(node.target):
        added = isinstance(node.operator, cst.AddAssign)
        exports.added(where(), literal_names(node.value) if added else None)
    else:
        read_target(exports, node.target, where, None)


def read_statement(exports: Exports, call: cst.Call, where: Where) -> bool:
    """A call that is a whole statement: `__all__.method(...)` is judged with its arguments
    (True); False for any other call."""
    method = _method_of_all(call)
    if method is None:
        return False
    exports.called(where(), method, _addition(method, call), statement=True)
    return True


def read_attribute(exports: Exports, node: cst.Attribute, where: Where) -> None:
    """`__all__.method` anywhere but as a whole statement's call: called inside an expression
    or taken (`@__all__.append`)."""
    if _is_all(node.value):
        exports.called(where(), node.attr.value, None, statement=False)


def read_unvisited(exports: Exports, node: cst.CSTNode, where: Where) -> None:
    """The uses of `__all__` inside a subtree the collector does not enter (a message argument,
    an f-string): expressions only."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Attribute):
            read_attribute(exports, current, where)
        elif isinstance(current, cst.NamedExpr) and _is_all(current.target):
            exports.changed()
        stack.extend(current.children)


def own_all(function: cst.FunctionDef) -> bool:
    """Whether a function has an `__all__` of its own (`exports.own_all`, the same shapes)."""
    assigns = False
    stack: list[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Global, cst.Nonlocal)) and any(
            item.name.value == "__all__" for item in node.names
        ):
            return False
        if isinstance(node, cst.Assign):
            assigns = assigns or any(_is_all(target.target) for target in node.targets)
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
            assigns = assigns or _is_all(node.target)
        if not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            stack.extend(node.children)
    return assigns


def literal_names(value: cst.BaseExpression) -> Optional[tuple[str, ...]]:
    """The names of a literal list or tuple of strings (`exports.literal_all`), None when anything else."""
    if not isinstance(value, (cst.List, cst.Tuple)):
        return None
    names = [
        _literal_name(element.value) if isinstance(element, cst.Element) else None
        for element in value.elements
    ]
    if any(name is None for name in names):
        return None
    return tuple(name for name in names if name is not None)


def _literal_name(node: cst.BaseExpression) -> Optional[str]:
    """A string literal's text; None for bytes and for an f-string (not a literal to `ast`)."""
    if isinstance(node, cst.ConcatenatedString):
        if _literal_name(node.left) is None or _literal_name(node.right) is None:
            return None
    elif not isinstance(node, cst.SimpleString):
        return None
    return string_value(node)


def _addition(method: str, call: cst.Call) -> Optional[tuple[str, ...]]:
    """The names `__all__.extend(...)` / `.append(...)` / `.insert(i, ...)` adds (`exports._addition`)."""
    args = call.args
    if any(arg.keyword is not None or arg.star for arg in args):
        return None
    if method == "extend" and len(args) == 1:
        return literal_names(args[0].value)
    name = None
    if method == "append" and len(args) == 1:
        name = _literal_name(args[0].value)
    elif method == "insert" and len(args) == 2:
        name = _literal_name(args[1].value)
    return (name,) if name is not None else None


def _method_of_all(call: cst.Call) -> Optional[str]:
    func = call.func
    if isinstance(func, cst.Attribute) and _is_all(func.value):
        return func.attr.value
    return None


def _is_all(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "__all__"
