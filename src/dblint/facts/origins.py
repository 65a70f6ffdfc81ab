"""Which of a file's interactions come from a library that is not a database.

The readers match interaction words loosely (`session.get(...)`, `x.select(...)`), so
Flask's cookie `session`, `requests.Session()` or `select.select(...)` look like
database access. Each interaction keeps the dotted expression that shows it; here, once
the whole file has been read, an interaction is dropped when that expression's name is
bound, everywhere in the file, only to something in `vocabulary.NOT_DATABASE`: by an
import (`from flask import session`, `import requests`) or by assigning what such a
library returns (`session = requests.Session()`, `async with aiohttp.ClientSession() as
session`). A name bound any other way too (a parameter, a loop variable, an import from
elsewhere) keeps today's reading: its origin is unknown. Both readers give the same
pairs, and this runs on their union, so sliced and whole parses agree.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Optional

from dblint.facts.ast_facts import dotted
from dblint.facts.model import Import
from dblint.facts.vocabulary import (
    INSTANCE_NAMES,
    Interaction,
    is_not_database,
    may_lead_to_not_database,
)

# The call or subscript suffixes `dotted` gives a name (`urlparse()`, `sessions[]`).
_RESULT = re.compile(r"(?:\(\)|\[\])+\Z")
# Nodes that bind the `name` they carry (3.10's match patterns, 3.12's type parameters).
_NAMED_BINDERS = tuple(
    getattr(ast, kind)
    for kind in (
        "FunctionDef",
        "AsyncFunctionDef",
        "ClassDef",
        "ExceptHandler",
        "MatchAs",
        "MatchStar",
        "TypeVar",
        "ParamSpec",
        "TypeVarTuple",
    )
    if hasattr(ast, kind)
)


def database_interactions(
    found: Iterable[Interaction],
    imports: Sequence[Import],
    tree: Callable[[], Optional[ast.Module]],
) -> tuple[str, ...]:
    """The kinds of `found` that may touch a database, sorted. `tree` gives the file's `ast`
    (None when this Python cannot read it); it is asked for only when the file imports
    something in `NOT_DATABASE`, since nothing else can make an interaction not count."""
    pairs = set(found)
    if any(may_lead_to_not_database(_qualified(imported)) for imported in imports):
        module = tree()
        if module is not None:
            origins = _Origins(imports, module)
            pairs = {
                (kind, source, scope)
                for kind, source, scope in pairs
                if not source or not origins.not_database(source, scope)
            }
    return tuple(sorted({kind for kind, _, _ in pairs}))


def _qualified(imported: Import) -> str:
    """What an import binds, as a qualified name ("" for a relative import or a star)."""
    if imported.level or imported.local == "*":
        return ""
    if imported.name is None:  # `import a.b` binds `a`; `import a.b as c` binds `a.b`
        top = imported.module.split(".", 1)[0]
        return top if imported.local == top else imported.module
    return f"{imported.module}.{imported.name}"


class _Origins:
    """The bindings of a file's names: by imports (qualified) and by everything else."""

    def __init__(self, imports: Sequence[Import], tree: ast.Module) -> None:
        self._imported: dict[str, list[str]] = {}
        for imported in imports:
            if imported.local != "*":
                self._imported.setdefault(imported.local, []).append(_qualified(imported))
        self._modules = {imported.module for imported in imports if not imported.level}
        # Every other binding of a name or attribute chain: the callee whose result it is
        # assigned (`s = requests.Session()`), or None (a parameter, a loop variable, ...).
        self._bound: dict[str, list[Optional[str]]] = {}
        self._classes: set[str] = set()
        _read_bindings(tree, self._bound, self._classes)

    def not_database(self, source: str, scope: str) -> bool:
        """Whether the dotted expression `source`, read in `scope`, surely is not a database's.
        The longest prefix the file binds decides (`self.http` in `self.http.session.get`)."""
        parts = source.split(".")
        klass = self._class_of(scope)
        for end in range(len(parts), 1, -1):  # an attribute chain the file assigns
            assigned = self._bound.get(_instance_key(".".join(parts[:end]), klass))
            if assigned:
                return self._all_not_database(assigned)
        name = _RESULT.sub("", parts[0])
        if name != parts[0]:  # what an imported name returns: `urlparse(url).query`
            return self._imported_not_database(source)
        assigned = self._bound.get(name, [])
        imported = self._imported.get(name, [])
        if assigned or imported:
            return self._all_not_database(assigned) and self._all_imports_not_database(name, source)
        # A module path an import statement names (`from boto3.session import Session`).
        return any(
            module == source or module.startswith(source + ".") for module in self._modules
        ) and is_not_database(source)

    def _class_of(self, scope: str) -> str:
        """The innermost class around `scope` ("" outside classes)."""
        parts = scope.split(".") if scope else []
        for end in range(len(parts), 0, -1):
            if ".".join(parts[:end]) in self._classes:
                return ".".join(parts[:end])
        return ""

    def _all_not_database(self, assigned: list[Optional[str]]) -> bool:
        """Every binding assigns what a callee `_imported_not_database` returns."""
        return all(
            callee is not None and self._imported_not_database(callee) for callee in assigned
        )

    def _imported_not_database(self, source: str) -> bool:
        """A dotted expression (`requests.Session`, `urlsplit().query`) whose first name only
        imports bind, all to something in `NOT_DATABASE`."""
        name = _RESULT.sub("", source.split(".", 1)[0])
        imported = self._imported.get(name, [])
        if not imported or name in self._bound:
            return False
        return self._all_imports_not_database(name, source)

    def _all_imports_not_database(self, name: str, source: str) -> bool:
        """Every import binding `name` makes `source`, which starts with it, a qualified name in
        `NOT_DATABASE` (true when no import binds it)."""
        rest = source[len(name) :]
        return all(
            qualified and is_not_database(qualified + rest)
            for qualified in self._imported.get(name, [])
        )


def _read_bindings(
    tree: ast.Module, bound: dict[str, list[Optional[str]]], classes: set[str]
) -> None:
    """Record into `bound` every binding of `tree` that is not an import, with the callee whose
    result it is assigned, when it is a plain assignment of one call's result, and into
    `classes` the scope of every class. An instance's attribute (`self.session`) is keyed by
    its class (`_instance_key`); a class body's `name = ...` binds `self.name` too."""
    assigned: dict[int, str] = {}  # id of a target -> the callee of the value assigned to it
    # (node, enclosing scope, innermost class, directly in that class's body)
    stack: list[tuple[ast.AST, str, str, bool]] = [(tree, "", "", False)]
    while stack:  # a statement before its targets
        node, scope, klass, in_body = stack.pop()
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            _note_assigned(targets, node.value, assigned)
            for target in targets if in_body else ():  # a class attribute: `self.name` too
                if isinstance(target, ast.Name):
                    for instance in INSTANCE_NAMES:
                        bound.setdefault(f"{klass}:{instance}.{target.id}", []).append(
                            assigned.get(id(target))
                        )
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            _note_assigned([node.optional_vars], node.context_expr, assigned)
        elif isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Store):
            key = dotted(node)
            if key is not None:
                bound.setdefault(_instance_key(key, klass), []).append(assigned.get(id(node)))
        elif isinstance(node, ast.arg):
            bound.setdefault(node.arg, []).append(None)
        elif isinstance(node, _NAMED_BINDERS) and isinstance(getattr(node, "name", None), str):
            bound.setdefault(node.name, []).append(None)
        elif sys.version_info >= (3, 10) and isinstance(node, ast.MatchMapping) and node.rest:
            bound.setdefault(node.rest, []).append(None)
        if isinstance(node, ast.ClassDef):
            classes.add(_inner_scope(scope, node))
        stack.extend(_children(node, scope, klass, in_body))


def _inner_scope(scope: str, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> str:
    """The scope of a function's or class's body (`Class.method`), as the readers write it."""
    return f"{scope}.{node.name}" if scope else node.name


def _children(
    node: ast.AST, scope: str, klass: str, in_body: bool
) -> list[tuple[ast.AST, str, str, bool]]:
    """`node`'s children with their scope, innermost class and whether they are in its body."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        inner = _inner_scope(scope, node)
        if isinstance(node, ast.ClassDef):
            body = [(child, inner, inner, True) for child in node.body]
        else:
            body = [(child, inner, klass, False) for child in node.body]
        in_block = {id(child) for child in node.body}
        others = [
            (child, scope, klass, False)
            for child in ast.iter_child_nodes(node)
            if id(child) not in in_block
        ]
        return others + body
    # A statement's own parts are not directly in a class body; its nested statements may be.
    return [
        (child, scope, klass, in_body and isinstance(child, ast.stmt))
        for child in ast.iter_child_nodes(node)
    ]


def _instance_key(key: str, klass: str) -> str:
    """`self.session` is the attribute of the instances of one class: keyed `Class:self.session`."""
    root = key.split(".", 1)[0]
    return f"{klass}:{key}" if root in INSTANCE_NAMES and "." in key else key


def _note_assigned(
    targets: Sequence[ast.expr], value: Optional[ast.expr], assigned: dict[int, str]
) -> None:
    """`name = callee(...)`: remember the callee for each plain name or attribute target."""
    if not isinstance(value, ast.Call):
        return
    callee = dotted(value.func)
    if callee is None:
        return
    for target in targets:
        if isinstance(target, (ast.Name, ast.Attribute)):
            assigned[id(target)] = callee
