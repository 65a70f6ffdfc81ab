"""Imports of files that need no LibCST pass, read from the interpreter's `ast`.

The syntax check already built that tree, so this costs almost nothing and
keeps cross-file resolution complete (re-exports, model registries).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Optional, Union

from dblint.facts.exports import Exports
from dblint.facts.model import Import


def imports_from_ast(
    tree: ast.Module, mentions_all: bool = True
) -> tuple[list[Import], Optional[tuple[str, ...]], bool]:
    """Module-level and function-level imports, the literal names of `__all__`, and whether
    `__all__` is computed (`exports.Exports`); `mentions_all` False (the text never says
    `__all__`) spares looking into every expression for it."""
    found: list[Import] = []
    for node, scope, type_checking in _walk(tree.body, "", False):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found += imports_of(node, scope, type_checking)
    exports = Exports()
    if mentions_all:
        for statement in tree.body:
            exports.read_ast(statement)
    return found, exports.names, exports.computed


def imports_of(
    node: Union[ast.Import, ast.ImportFrom], scope: str, type_checking: bool
) -> list[Import]:
    """The names one import statement binds, as LibCST's reader records them."""
    if isinstance(node, ast.Import):
        return [
            Import(
                alias.asname or alias.name.split(".", 1)[0],
                alias.name,
                None,
                0,
                node.lineno,
                scope,
                type_checking,
            )
            for alias in node.names
        ]
    return [
        Import(
            alias.asname or alias.name,
            node.module or "",
            alias.name,
            node.level,
            node.lineno,
            scope,
            type_checking,
        )
        for alias in node.names
    ]


def _walk(
    body: list[ast.stmt], scope: str, type_checking: bool
) -> Iterator[tuple[ast.stmt, str, bool]]:
    """Statements with their enclosing function scope, iteratively (no recursion limit)."""
    stack = [(statement, scope, type_checking) for statement in reversed(body)]
    while stack:
        node, current, checking = stack.pop()
        yield node, current, checking
        children: list[tuple[ast.stmt, str, bool]] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            inner = f"{current}.{node.name}" if current else node.name
            children = [(child, inner, checking) for child in node.body]
        elif isinstance(node, ast.If):
            guarded = checking or _is_type_checking(node.test)
            children = [(child, current, guarded) for child in node.body]
            children += [(child, current, checking) for child in node.orelse]
        else:
            for field in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, field, ()) or ():
                    if isinstance(child, ast.ExceptHandler):
                        children += [(grandchild, current, checking) for grandchild in child.body]
                    elif isinstance(child, ast.stmt):
                        children.append((child, current, checking))
        stack.extend(reversed(children))


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
