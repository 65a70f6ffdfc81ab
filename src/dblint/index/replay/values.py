"""The evaluator of migration values: what an argument of an operation evaluates to.

A migration names its tables through literals, module constants, helper parameters
and loop variables. The replay follows them statically, within one file and a few
hops, and answers None (unknown) rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

from dblint.facts.model import Expr, FileFacts, MigrationFunction, MigrationStep
from dblint.index.revisions import Revision

MAX_NAME_HOPS = 4
_NAMING_CALLS = ("f", "quoted_name", "conv")  # `op.f("name")` and the like: the name as given


class FileView:
    """Literal values and qualified names as seen from one migration file."""

    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.imports = {
            imp.local: imp for imp in facts.imports if not imp.scope and imp.name != "*"
        }
        self.bindings: dict[tuple[str, str], list[Expr]] = {}
        for binding in facts.bindings:
            if binding.value is not None:
                self.bindings.setdefault((binding.scope, binding.name), []).append(binding.value)

    def qualify(self, written: str, hops: int = MAX_NAME_HOPS) -> str:
        head, _, rest = written.partition(".")
        imp = self.imports.get(head)
        if imp is not None:
            if imp.name is not None:
                base = f"{imp.module}.{imp.name}" if imp.module else imp.name
            else:  # `import a.b` binds `a`; `import a.b as c` binds `c` to `a.b`
                base = head if imp.local == imp.module.split(".", 1)[0] else imp.module
            return f"{base}.{rest}" if rest else base
        values = self.bindings.get(("", head))
        if (
            hops > 0
            and not rest
            and values
            and len(values) == 1
            and values[0].kind in ("call", "name")
        ):
            return self.qualify(values[0].text.split("()", 1)[0], hops - 1)
        return written


@dataclass
class Frame:
    """One function of a revision being replayed, with what is known of its local values."""

    revision: Revision
    view: FileView
    function: MigrationFunction
    values: dict[str, Optional[Expr]]  # parameters and loop variables with known values
    guards: tuple[str, ...]
    depth: int = 0
    autocommit: bool = False  # called by a step that runs outside a transaction (`MigrationStep`)

    @property
    def path(self) -> str:
        """The file the function comes from: the revision's, or a project helper module's
        (`from app.migration_utils import add_audit_columns`), whose lines its steps carry."""
        return self.view.facts.path

    def where(self, line: int) -> str:
        return f"{self.path}:{line}"


def resolve(expr: Optional[Expr], frame: Frame, hops: int = MAX_NAME_HOPS) -> Optional[Expr]:
    """`expr` with a plain name replaced by the literal it is bound to (None when unknown)."""
    if expr is None or expr.kind != "name" or "." in expr.text:
        return expr
    name = expr.text
    if name in frame.values:
        return frame.values[name]
    if hops <= 0 or name in frame.function.params or name in frame.function.rebound:
        return None
    local = frame.view.bindings.get((frame.function.name, name))
    if local is not None:
        if len(local) == 1:
            return resolve(local[0], frame, hops - 1)
        # pybossa's `query = "ALTER TABLE ..."; op.execute(query)` again and again: in
        # straight-line code the value in effect is the last one assigned above the use (or
        # before it on its line: `query = "..."; op.execute(query)`).
        before = [
            value
            for value in local
            if value.line > 0 and (value.line, value.column) < (expr.line, expr.column)
        ]
        if name in frame.function.branched or not before:
            return None
        return resolve(before[-1], frame, hops - 1)
    module = frame.view.bindings.get(("", name))
    if module is not None and len(module) == 1:
        return resolve(module[0], frame, hops - 1)
    return None


def _naming_call(expr: Expr) -> bool:
    return expr.kind == "call" and expr.text.rsplit(".", 1)[-1] in _NAMING_CALLS and bool(expr.args)


def resolved(expr: Expr, frame: Frame) -> Expr:
    """`expr` with a name bound to a literal replaced by it, also inside `op.f(name)`: an
    argument as the rules read it (they have no frame to resolve it with)."""
    value = resolve(expr, frame) or expr
    if _naming_call(value):
        inner = resolve(value.args[0], frame)
        if inner is not None:
            value = replace(value, args=(inner, *value.args[1:]))
    return value


def text_of(expr: Optional[Expr], frame: Frame) -> Optional[str]:
    """The string an argument evaluates to, when the replay can tell."""
    expr = resolve(expr, frame)
    if expr is None:
        return None
    if expr.kind == "str":
        return None if "{}" in expr.text else expr.text
    if _naming_call(expr):
        return text_of(expr.args[0], frame)
    if expr.kind == "op" and expr.text == "Add":  # nyaa's `prefix + "_torrents"` in a literal loop
        pieces = [text_of(arg, frame) for arg in expr.args]
        known = [piece for piece in pieces if piece is not None]
        return "".join(known) if len(known) == len(pieces) else None
    return None


def reflected_table_name(expr: Optional[Expr], frame: Frame) -> Optional[str]:
    """The name of a reflected table argument: `Table("signal", metadata, autoload_with=conn)`.
    A local bound to several reflected tables in turn is the nearest one bound before the argument."""
    if expr is not None and expr.kind == "name" and "." not in expr.text:
        local = frame.view.bindings.get((frame.function.name, expr.text), [])
        before = [value for value in local if value.line <= expr.line]
        if len(local) > 1 and before and all(_reflected(value) for value in local):
            expr = before[-1]
    expr = resolve(expr, frame)
    if expr is None or not _reflected(expr):
        return None
    return text_of(expr.args[0], frame)


def _reflected(expr: Expr) -> bool:
    return (
        expr.kind == "call"
        and expr.text.rsplit(".", 1)[-1] == "Table"
        and bool(expr.args)
        and any(key in ("autoload_with", "autoload") for key, _ in expr.keywords)
    )


def texts_of(expr: Optional[Expr], frame: Frame) -> Optional[tuple[str, ...]]:
    """The strings of a list argument (or of a single string), when the replay can tell."""
    expr = resolve(expr, frame)
    if expr is None:
        return None
    if expr.kind == "list":
        values = [text_of(arg, frame) for arg in expr.args]
        return tuple(v for v in values if v is not None)
    single = text_of(expr, frame)
    return (single,) if single is not None else None


def sql_of(expr: Optional[Expr], frame: Frame) -> Optional[str]:
    """The literal SQL of `op.execute("...")` / `text("...")` / `DDL("...")`, when it is one."""
    if expr is None:
        return None
    if expr.kind == "str":
        return expr.text
    if expr.kind == "call" and expr.text.rsplit(".", 1)[-1] in ("text", "DDL") and expr.args:
        inner = resolve(expr.args[0], frame)
        return inner.text if inner is not None and inner.kind == "str" else None
    return None


def bind(step: MigrationStep, params: tuple[str, ...]) -> dict[str, Expr]:
    """A step's arguments by parameter name: positional ones in order, then keywords."""
    bound = dict(zip(params, step.args))
    for key, value in step.keywords:
        bound.setdefault(key, value)
    return bound
