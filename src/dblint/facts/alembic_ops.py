"""Facts of Alembic migration files: what each function does through `op`, and the revision header.

The general collector keeps no calls inside functions, but a migration's meaning
is in `upgrade()`: the `op.*` calls, the `batch_op.*` calls of `batch_alter_table`
blocks, the SQL it executes and the helpers of the same file it calls. This
visitor records them as `MigrationStep`s in source order, with what could stop the
replay from taking them at face value (an enclosing `if`, `try` or loop, or an
earlier `if ...: return` that may skip them).

The docstring's `Revision ID:` / `Revises:` lines are kept for `revision_header`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Optional

import libcst as cst
from libcst.metadata import MetadataWrapper

from dblint.facts.alembic_imports import op_prefixes
from dblint.facts.exprs import (
    chain_receiver,
    concatenation_value,
    dotted,
    format_template,
    string_value,
    summarize,
)
from dblint.facts.model import Expr, Import, MigrationFacts, MigrationFunction, MigrationStep
from dblint.facts.vocabulary import STATEMENT_METHODS
from dblint.facts.walk import Positions, walk, wrapper_positions

# `op` / `batch_op` attributes that are no operations on the schema.
_NOT_STEPS = frozenset(
    {
        "f",
        "get_bind",
        "get_context",
        "batch_alter_table",
        "inline_literal",
        "implementation_for",
        "register_operation",
    }
)
_EXECUTE_METHODS = frozenset({"execute", "exec_driver_sql"})
_TEXT_CALLS = frozenset({"text", "DDL"})
_SCHEMA_METHODS = frozenset({"create_all", "drop_all"})
MAX_SQL_LENGTH = 100_000
_DOC_REVISION = re.compile(r"^\s*Revision ID:[ \t]*(?P<value>\S*)[ \t]*$", re.MULTILINE)
_DOC_REVISES = re.compile(r"^\s*Revises:[ \t]*(?P<value>[^\n]*)$", re.MULTILINE)


# `str` methods that leave a statement's SQL as it is (`dedent("""...""").strip()`).
_WHITESPACE_METHODS = frozenset({"strip", "lstrip", "rstrip"})


def _statement(node: cst.BaseExpression) -> cst.BaseExpression:
    """The statement without the statement methods chained on (`text("...").bindparams(...)`)
    or the whitespace trimmed off it (`dedent("...").strip()`)."""
    while (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and (
            node.func.attr.value in STATEMENT_METHODS
            or (node.func.attr.value in _WHITESPACE_METHODS and not node.args)
        )
    ):
        node = node.func.value
    return node


def _sql_text(node: cst.BaseExpression) -> Optional[str]:
    """The SQL of `"..."`, `f"..."`, `"a" + b`, `"... {}".format(x)`, `text("...")`, `sa.text("...")`,
    `DDL("...")`."""
    template = format_template(node)
    if template is not None:
        return template
    if isinstance(node, cst.Call):
        name = dotted(node.func) or ""
        if name.rsplit(".", 1)[-1] not in _TEXT_CALLS or not node.args:
            return None
        node = node.args[0].value
        template = format_template(node)
        if template is not None:
            return template
    if isinstance(node, cst.BinaryOperation):
        return concatenation_value(node) if isinstance(node.operator, cst.Add) else None
    return string_value(node)


def _is_autocommit_block(node: cst.BaseExpression) -> bool:
    """`op.get_context().autocommit_block()` (or the same method on a context held in a name)."""
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "autocommit_block"
    )


def _autocommit_switch(node: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """The connection `<connection>.execution_options(isolation_level="AUTOCOMMIT")` switches:
    what runs on that connection afterwards runs outside any transaction, whatever the driver
    (letta's concurrent builds)."""
    if not (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "execution_options"
    ):
        return None
    sets = any(
        arg.keyword is not None
        and arg.keyword.value == "isolation_level"
        and string_value(arg.value) == "AUTOCOMMIT"
        for arg in node.args
    )
    return node.func.value if sets else None


def _new_engine_connection(node: cst.BaseExpression) -> bool:
    """`<engine>.connect()`: a connection of its own from an engine (`op.get_bind().engine`,
    `bind.engine`, `engine`, `create_engine(...)`), which has begun no transaction yet (a
    Connection's own `connect()`, SQLAlchemy 1.4's branch, shares its transaction: not one)."""
    if not (
        isinstance(node, cst.Call)
        and not node.args
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "connect"
    ):
        return False
    engine = node.func.value
    if isinstance(engine, cst.Attribute):
        return engine.attr.value == "engine"
    if isinstance(engine, cst.Name):
        return engine.value == "engine"
    return isinstance(engine, cst.Call) and (dotted(engine.func) or "").endswith("create_engine")


# The connection Alembic runs the migration on: what every `op.get_bind()` returns, and
# where `op.*` operations run.
MIGRATION_CONNECTION = "op.get_bind()"


# A branch on the database's dialect: (dialects, True: runs only on them / False: never on them).
_DialectBranch = tuple[frozenset[str], bool]
_DIALECT_NAMES = ("dialect.name", "engine.name")  # `op.get_bind().dialect.name`, `bind.engine.name`


def _dialect_branch(test: cst.BaseExpression) -> Optional[_DialectBranch]:
    """What an `if` test says of the dialect its body runs on: `<bind>.dialect.name == "sqlite"`,
    `!= "postgresql"`, `in ("sqlite", "mysql")`, `not in (...)`; None for any other test."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    name = dotted(test.left) or ""
    if not any(name == suffix or name.endswith("." + suffix) for suffix in _DIALECT_NAMES):
        return None
    target = test.comparisons[0]
    single = string_value(target.comparator)
    values = (single,) if single is not None else _literal_strings(target.comparator)
    if values is None:
        return None
    operator = target.operator
    if isinstance(operator, (cst.Equal, cst.In)):
        return frozenset(values), True
    if isinstance(operator, (cst.NotEqual, cst.NotIn)):
        return frozenset(values), False
    return None


def _target_names(node: cst.CSTNode) -> list[str]:
    """Names bound by an assignment target (`a`, `a, b`, `[a, *b]`)."""
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, (cst.Tuple, cst.List)):
        return [name for element in node.elements for name in _target_names(element.value)]
    if isinstance(node, cst.StarredElement):
        return _target_names(node.value)
    return []


def _literal_strings(node: cst.BaseExpression) -> Optional[tuple[str, ...]]:
    """("a", "b") for a list/tuple/set display of string literals, else None."""
    if not isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return None
    values: list[str] = []
    for element in node.elements:
        if not isinstance(element, cst.Element):
            return None
        value = string_value(element.value)
        if value is None:
            return None
        values.append(value)
    return tuple(values)


class _BoundNames(cst.CSTVisitor):
    """Every name a piece of code binds (assignments, loop and `with` targets, imports, `def`,
    `class`, `global`); not followed: a star import."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self.names.update(_target_names(node.target))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.names.update(_target_names(node.target))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.names.update(_target_names(node.target))

    def visit_For(self, node: cst.For) -> None:
        self.names.update(_target_names(node.target))

    def visit_AsName(self, node: cst.AsName) -> None:
        self.names.update(_target_names(node.name))

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        if node.asname is None:  # `import a.b` binds `a` (an alias is an `AsName`)
            self.names.add((dotted(node.name) or "").split(".", 1)[0])

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.names.add(node.name.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.names.add(node.name.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.names.update(_target_names(node.target))

    def visit_Global(self, node: cst.Global) -> None:
        self.names.update(item.name.value for item in node.names)

    def visit_Param(self, node: cst.Param) -> None:
        self.names.add(node.name.value)


def _bound_names(node: cst.CSTNode) -> set[str]:
    visitor = _BoundNames()
    node.visit(visitor)
    return visitor.names


class _NameUses(cst.CSTVisitor):
    """How often each name is written in a module, and how often as the iterable of a loop."""

    def __init__(self) -> None:
        super().__init__()
        self.everywhere: Counter[str] = Counter()
        self.iterated: Counter[str] = Counter()

    def visit_Name(self, node: cst.Name) -> None:
        self.everywhere[node.value] += 1

    def visit_For(self, node: cst.For) -> None:
        if isinstance(node.iter, cst.Name):
            self.iterated[node.iter.value] += 1

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if isinstance(node.iter, cst.Name):
            self.iterated[node.iter.value] += 1


def module_constants(module: cst.Module) -> dict[str, tuple[str, ...]]:
    """Names the module binds once, at its top level, to a literal list or tuple of strings
    (nyaa's `TABLE_PREFIXES = ("nyaa", "sukebei")`): a loop over one is a literal loop. A name
    bound again anywhere (also under `if`, or by a function's `global`) is no constant, nor is
    a list or set the module uses other than by looping over it (`SITES.append("x")`,
    `helper(SITES)`: it may be changed in place)."""
    found: dict[str, Optional[tuple[str, ...]]] = {}
    mutable: set[str] = set()
    for statement in module.body:
        single = None
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            small = statement.body[0]
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
            ):
                single = (small.targets[0].target.value, _literal_strings(small.value))
                if isinstance(small.value, (cst.List, cst.Set)):
                    mutable.add(single[0])
        if single is not None:
            name, values = single
            found[name] = values if name not in found else None
            continue
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            bound = {statement.name.value, *_global_names(statement)}
        else:
            bound = _bound_names(statement)
        for name in bound:
            found[name] = None
    if mutable:
        uses = _NameUses()
        module.visit(uses)
        for name in mutable:  # one use is the assignment itself
            if uses.everywhere[name] > 1 + uses.iterated[name]:
                found[name] = None
    return {name: values for name, values in found.items() if values is not None}


class _GlobalNames(cst.CSTVisitor):
    """The names `global` statements declare in a piece of code."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Global(self, node: cst.Global) -> None:
        self.names.update(item.name.value for item in node.names)


def _global_names(node: cst.CSTNode) -> set[str]:
    """The module names a function or class rebinds through `global`."""
    visitor = _GlobalNames()
    node.visit(visitor)
    return visitor.names


class _Function:
    """A module-level function being visited."""

    def __init__(self, node: cst.FunctionDef, line: int) -> None:
        params = node.params
        self.name = node.name.value
        self.line = line
        self.params = tuple(
            p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)
        )
        # `def helper(*args)`: with no keyword-only parameters, every other one is positional.
        self.star_param = (
            params.star_arg.name.value
            if isinstance(params.star_arg, cst.Param) and not params.kwonly_params
            else ""
        )
        self.steps: list[MigrationStep] = []
        self.rebound: set[str] = set()
        # Every name the function binds (parameters too): a module constant it shadows is not read.
        self.locals = _bound_names(node)
        # Names assigned at least once under a guard (`if`, a loop, `try`, ...): which of their
        # values holds at a later line depends on the path taken.
        self.branched: set[str] = set()
        self.early_return = ""  # `if ...: return` seen: what follows runs only sometimes
        # Connections committed so far (`conn.commit()`), and those then switched to
        # `isolation_level="AUTOCOMMIT"` (SQLAlchemy sets it on the connection itself: the name it
        # was called on and the name bound to the result). Inside Alembic's transaction, without
        # the commit, SQLAlchemy refuses the switch: no statement runs outside a transaction.
        # Both hold connections, not names: `holds` says which connection a name bound in the
        # function holds (`MIGRATION_CONNECTION` for `op.get_bind()`; a name bound to anything
        # else holds a connection of its own); a name never bound here stands for itself.
        self.committed: set[str] = set()
        self.autocommit_connections: set[str] = set()
        self.holds: dict[str, str] = {}
        self.bindings = 0  # names bound to connections of their own so far


class MigrationVisitor(cst.CSTVisitor):
    """Records the steps of every module-level function of a migration file (visited by `walk.walk`)."""

    def __init__(
        self,
        op_names: frozenset[str],
        module_functions: frozenset[str],
        node_positions: Positions,
        constants: Optional[dict[str, tuple[str, ...]]] = None,
    ) -> None:
        super().__init__()
        self.constants = constants or {}
        self._position = node_positions.start
        self._span = node_positions.span
        self.op_names = op_names
        self.module_functions = module_functions
        self.functions: list[MigrationFunction] = []
        self._function: Optional[_Function] = None
        self._depth = 0  # function nesting depth
        self._guards: list[str] = []
        self._loops: list[tuple[str, tuple[str, ...]]] = []
        # Per enclosing `for`: where its guards start, and an `if ...: continue` seen in its body.
        self._loop_exits: list[tuple[int, str]] = []
        self._batches: list[dict[str, Expr]] = []
        self._autocommit: list[bool] = []  # per `with` block: does it open `autocommit_block()`
        # Per enclosing `if`: its dialect branch; per `else` / `elif` node: the negated `if` test.
        self._dialects: list[Optional[_DialectBranch]] = []
        self._orelse_of: dict[int, _DialectBranch] = {}
        self._statement_calls: set[int] = set()

    # -- functions ----------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._depth += 1
        if self._depth == 1:
            self._function = _Function(node, self._position(node)[0])
        else:
            self._guards.append(f"nested function at line {self._position(node)[0]}")

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._depth -= 1
        if self._depth == 0 and self._function is not None:
            function = self._function
            self.functions.append(
                MigrationFunction(
                    function.name,
                    function.params,
                    function.line,
                    tuple(function.steps),
                    tuple(sorted(function.rebound)),
                    tuple(sorted(function.branched)),
                    function.star_param,
                )
            )
            self._function = None
        elif self._depth > 0:
            self._guards.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False  # class bodies and methods are no migration steps

    def visit_Return(self, node: cst.Return) -> None:
        function = self._function
        if (
            self._depth == 1
            and function is not None
            and any(self._guards)
            and not function.early_return
        ):
            function.early_return = f"early `return` at line {self._position(node)[0]}"

    def visit_Continue(self, node: cst.Continue) -> None:
        self._exit_loop_early("continue", node)

    def visit_Break(self, node: cst.Break) -> None:
        self._exit_loop_early("break", node)

    def _exit_loop_early(self, keyword: str, node: cst.CSTNode) -> None:
        """`if table not in tables: continue`: the rest of the loop body runs only sometimes."""
        if not self._loop_exits:
            return
        start, seen = self._loop_exits[-1]
        if not seen and any(self._guards[start:]):
            self._loop_exits[-1] = (start, f"early `{keyword}` at line {self._position(node)[0]}")

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._guards.append(f"lambda at line {self._position(node)[0]}")

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._guards.pop()

    # -- control flow ---------------------------------------------------------------

    def _push_guard(self, kind: str, node: cst.CSTNode) -> None:
        self._guards.append(f"{kind} at line {self._position(node)[0]}")

    def visit_If(self, node: cst.If) -> None:
        self._push_guard("`if`", node)
        self._enter_orelse(node)
        branch = _dialect_branch(node.test)
        self._dialects.append(branch)
        if branch is not None and node.orelse is not None:
            self._orelse_of[id(node.orelse)] = (branch[0], not branch[1])

    def leave_If(self, original_node: cst.If) -> None:
        self._guards.pop()
        self._dialects.pop()

    def visit_Else(self, node: cst.Else) -> None:
        self._enter_orelse(node)

    def _enter_orelse(self, node: cst.CSTNode) -> None:
        """In an `else` / `elif`, the test of the `if` before it failed: its branch is replaced by
        the negation (left on the stack for `leave_If` of that `if` to pop)."""
        negated = self._orelse_of.pop(id(node), None)
        if negated is not None:
            self._dialects[-1] = negated

    def _dialects_of_step(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(the dialects a step runs on only, those it never runs on), from the branches around it."""
        only: Optional[frozenset[str]] = None
        never: set[str] = set()
        for branch in self._dialects:
            if branch is None:
                continue
            names, positive = branch
            if positive:
                only = names if only is None else only & names
            else:
                never |= names
        return tuple(sorted(only or ())), tuple(sorted(never))

    def visit_While(self, node: cst.While) -> None:
        self._push_guard("`while` loop", node)

    def leave_While(self, original_node: cst.While) -> None:
        self._guards.pop()

    def visit_Try(self, node: cst.Try) -> None:
        self._push_guard("`try`", node)

    def leave_Try(self, original_node: cst.Try) -> None:
        self._guards.pop()

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self._push_guard("`try`", node)

    def leave_TryStar(self, original_node: cst.TryStar) -> None:
        self._guards.pop()

    def visit_Match(self, node: cst.Match) -> None:
        self._push_guard("`match`", node)

    def leave_Match(self, original_node: cst.Match) -> None:
        self._guards.pop()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if self._function is not None and node.name is not None:
            self._rebind(_target_names(node.name.name), None)

    def visit_For(self, node: cst.For) -> None:
        names = _target_names(node.target)
        self._rebind(names, None)
        values = _literal_strings(node.iter)
        if (
            values is None
            and isinstance(node.iter, cst.Name)
            and self._function is not None
            and node.iter.value not in self._function.locals
        ):
            values = self.constants.get(node.iter.value)
        if (
            values is not None
            and len(names) == 1
            and not self._loops
            and isinstance(node.target, cst.Name)
        ):
            self._loops.append((names[0], values))
            self._guards.append("")  # a literal loop: unrolled by the replay, no guard
        else:
            self._loops.append(("", ()))
            self._push_guard("loop", node)
        self._loop_exits.append((len(self._guards), ""))

    def leave_For(self, original_node: cst.For) -> None:
        self._loops.pop()
        self._loop_exits.pop()
        self._guards.pop()

    def _visit_comprehension(self, node: cst.CSTNode) -> None:
        self._push_guard("comprehension", node)

    def _leave_comprehension(self) -> None:
        self._guards.pop()

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._visit_comprehension(node)

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        self._leave_comprehension()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._visit_comprehension(node)

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self._leave_comprehension()

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._visit_comprehension(node)

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        self._leave_comprehension()

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._visit_comprehension(node)

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        self._leave_comprehension()

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if self._function is not None:
            self._function.rebound.update(_target_names(node.target))

    def visit_Assign(self, node: cst.Assign) -> None:
        names = [name for target in node.targets for name in _target_names(target.target)]
        self._assign(names, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._assign(_target_names(node.target), node.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._rebind(_target_names(node.target), node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._rebind(_target_names(node.target), None)

    def visit_Del(self, node: cst.Del) -> None:
        self._bind(_target_names(node.target), None)

    def visit_Global(self, node: cst.Global) -> None:
        if self._function is not None:
            self._function.rebound.update(item.name.value for item in node.names)

    def _assign(self, names: Sequence[str], value: Optional[cst.BaseExpression]) -> None:
        """A plain assignment (`value` None: an annotation alone, which binds nothing): the
        bindings facts show its value; under a guard, the name is `branched`."""
        if self._function is not None and self._guards:
            self._function.branched.update(names)
        if value is not None:
            self._bind(names, value)

    def _rebind(self, names: Sequence[str], value: Optional[cst.BaseExpression]) -> None:
        """Names bound other than by a plain assignment (a loop, `with`/`except ... as`, `:=`,
        `+=`): `rebound`, their value is not one the bindings facts show."""
        if self._function is not None:
            self._function.rebound.update(names)
        self._bind(names, value)

    def _bind(self, names: Sequence[str], value: Optional[cst.BaseExpression]) -> None:
        """Names bound anew (`value` None: by a loop, `except ... as`, `+=`, `del`): they hold
        the connection `value` gives (`_connection_of`), else one of their own, neither
        committed nor in AUTOCOMMIT, whatever the names held before."""
        function = self._function
        if function is None or not names:
            return
        held = self._connection_of(value) if value is not None else None
        if held is not None and value is not None and self._switches_to_autocommit(value):
            function.autocommit_connections.add(held)  # read before the names are rebound
        fresh = value is not None and held is None and self._switches_to_autocommit(value)
        for name in names:
            if held is None:
                function.bindings += 1
                function.holds[name] = f"{name}#{function.bindings}"
                if fresh:  # `engine.connect().execution_options(isolation_level="AUTOCOMMIT")`
                    function.autocommit_connections.add(function.holds[name])
            else:
                function.holds[name] = held

    def _connection_of(self, node: cst.BaseExpression) -> Optional[str]:
        """The connection an expression gives: `op.get_bind()` Alembic's, a name the one it
        holds, `<connection>.execution_options(...)` that connection (SQLAlchemy sets the
        options on it and returns it); None for anything else (a new connection, or unknown)."""
        node = chain_receiver(node, "execution_options")
        if isinstance(node, cst.Name):
            if self._function is None:
                return node.value
            return self._function.holds.get(node.value, node.value)
        if (
            isinstance(node, cst.Call)
            and not node.args
            and isinstance(node.func, cst.Attribute)
            and self._is_op(node.func, "get_bind")
        ):
            return MIGRATION_CONNECTION
        return None

    # -- with blocks ----------------------------------------------------------------

    def visit_With(self, node: cst.With) -> None:
        aliases: dict[str, Expr] = {}
        for item in node.items:
            names = _target_names(item.asname.name) if item.asname is not None else []
            self._rebind(names, item.item)  # a connection used as a context manager gives itself
            call = item.item
            if (
                isinstance(call, cst.Call)
                and self._is_op(call.func, "batch_alter_table")
                and len(names) == 1
            ):
                aliases[names[0]] = self._summarize(call)
        self._batches.append(aliases)
        self._autocommit.append(any(_is_autocommit_block(item.item) for item in node.items))

    def leave_With(self, original_node: cst.With) -> None:
        self._batches.pop()
        self._autocommit.pop()

    # -- calls ------------------------------------------------------------------------

    def _summarize(self, node: cst.BaseExpression) -> Expr:
        return summarize(node, self._position)

    def _is_op(self, func: cst.BaseExpression, method: Optional[str] = None) -> bool:
        if not isinstance(func, cst.Attribute):
            return False
        if method is not None and func.attr.value != method:
            return False
        return dotted(func.value) in self.op_names

    def _batch_of(self, func: cst.BaseExpression) -> Optional[Expr]:
        if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
            return None
        for aliases in reversed(self._batches):
            if func.value.value in aliases:
                return aliases[func.value.value]
        return None

    def visit_Call(self, node: cst.Call) -> None:
        if self._function is None:
            return
        func = node.func
        if isinstance(func, cst.Attribute):
            if func.attr.value == "commit" and not node.args:
                committed = self._connection_of(func.value)
                if committed is not None:
                    self._function.committed.add(committed)
            elif self._switches_to_autocommit(node):
                switched = self._connection_of(func.value)
                if switched is not None:
                    self._function.autocommit_connections.add(switched)
        method = func.attr.value if isinstance(func, cst.Attribute) else ""
        if self._is_op(func):
            if method in _EXECUTE_METHODS:
                self._record_execute(node, "op")
            elif method not in _NOT_STEPS:
                self._record(node, "op", method)
            return
        batch = self._batch_of(func)
        if batch is not None:
            if method in _EXECUTE_METHODS:
                self._record_execute(node, "batch", batch)
            elif method not in _NOT_STEPS:  # `batch_op.f("ix_name")`
                self._record(node, "batch", method, batch)
            return
        if method in _EXECUTE_METHODS:
            # `op.get_bind().execute(...)`, `conn.execute(...)`, `table.update().execute()`
            self._record_execute(node, "op", on_statement=True)
        elif method in _SCHEMA_METHODS:
            self._record(node, "schema", method)
        elif isinstance(func, cst.Name) and func.value in self.module_functions:
            self._record(node, "call", func.value)
        elif isinstance(func, (cst.Name, cst.Attribute)) and self._is_statement_call(node):
            self._record(node, "call", dotted(func) or "")

    def _switches_to_autocommit(self, node: cst.BaseExpression) -> bool:
        """`conn.execution_options(isolation_level="AUTOCOMMIT")` on a connection committed
        earlier in the function (letta's `connection.commit()` first), or on a new connection
        from an engine, which has no transaction to leave (onyx's `with bind.engine.connect()
        .execution_options(isolation_level="AUTOCOMMIT") as conn:`)."""
        switched = _autocommit_switch(node)
        if switched is not None and _new_engine_connection(switched):
            return self._function is not None
        connection = self._connection_of(switched) if switched is not None else None
        return (
            self._function is not None
            and connection is not None
            and connection in self._function.committed
        )

    def _on_autocommit_connection(self, node: cst.Call) -> bool:
        """`conn.execute(...)` on a connection switched to AUTOCOMMIT earlier in the function, or
        `conn.execution_options(isolation_level="AUTOCOMMIT").execute(...)` after `conn.commit()`;
        an `op.*` operation, or a call of a helper of the file (whose `op.*` operations and
        `op.get_bind()` run on the same connection), when Alembic's own connection was so switched."""
        func = node.func
        if self._function is None:
            return False
        switched = self._function.autocommit_connections
        if isinstance(func, cst.Name):
            return func.value in self.module_functions and MIGRATION_CONNECTION in switched
        if not isinstance(func, cst.Attribute):
            return False
        if self._is_op(func) or self._batch_of(func) is not None:
            return MIGRATION_CONNECTION in switched
        if func.attr.value not in _EXECUTE_METHODS:
            return False
        receiver = func.value
        if self._switches_to_autocommit(receiver):
            return True
        connection = self._connection_of(receiver)
        return connection is not None and connection in switched

    def _is_statement_call(self, node: cst.Call) -> bool:
        """A call made for its effect: a whole expression statement."""
        return id(node) in self._statement_calls

    def visit_Expr(self, node: cst.Expr) -> None:
        if isinstance(node.value, cst.Call):
            self._statement_calls.add(id(node.value))

    def _record_execute(
        self, node: cst.Call, via: str, batch: Optional[Expr] = None, on_statement: bool = False
    ) -> None:
        """`op.execute(...)`, `conn.execute(text(...))`: SQL when the text is literal, else the statement
        (without the statement methods chained on: `text(q).bindparams(...)` is `text(q)`). With no
        positional argument (`on_statement`: not on `op` or a batch) the statement is the receiver:
        SQLAlchemy 1.x's implicit execution on a bound metadata (kallithea's
        `ui.update(values=...).where(...).execute()`, `DDL("...").execute(bind=conn)`)."""
        first = node.args[0].value if node.args and node.args[0].keyword is None else None
        positional = any(arg.keyword is None for arg in node.args)
        if on_statement and not positional and isinstance(node.func, cst.Attribute):
            first = node.func.value
        statement = _statement(first) if first is not None else None
        text = _sql_text(statement) if statement is not None else None
        call = dotted(node.func) or ""
        if text is not None and len(text) <= MAX_SQL_LENGTH:
            self._record(node, "sql", "execute", batch, sql=text, call=call)
        else:
            self._record(node, via, "execute", batch, first=statement, call=call)

    def _record(
        self,
        node: cst.Call,
        kind: str,
        name: str,
        batch: Optional[Expr] = None,
        sql: Optional[str] = None,
        first: Optional[cst.BaseExpression] = None,
        call: str = "",
    ) -> None:
        """Record a step; `first` stands for the first positional argument when given."""
        assert self._function is not None
        line, column, end_line = self._span(node)
        loop_var, loop_values = next(
            ((var, values) for var, values in self._loops if var), ("", ())
        )
        star = any(arg.star for arg in node.args)
        only_dialects, not_dialects = self._dialects_of_step()
        self._function.steps.append(
            MigrationStep(
                kind=kind,
                name=name,
                args=tuple(
                    self._summarize(first if first is not None and index == 0 else arg.value)
                    for index, arg in enumerate(node.args)
                    if arg.keyword is None and not arg.star
                )
                or (
                    (self._summarize(first),)
                    if first is not None and not any(arg.keyword is None for arg in node.args)
                    else ()
                ),
                keywords=tuple(
                    (arg.keyword.value, self._summarize(arg.value))
                    for arg in node.args
                    if arg.keyword is not None
                ),
                line=line,
                column=column,
                end_line=end_line,
                guards=tuple(
                    guard
                    for guard in (
                        *self._guards,
                        *(seen for _, seen in self._loop_exits),
                        self._function.early_return,
                    )
                    if guard
                ),
                loop_var=loop_var,
                loop_values=loop_values,
                batch=batch,
                star=star,
                star_name=_star_name(node.args),
                sql=sql,
                autocommit=any(self._autocommit) or self._on_autocommit_connection(node),
                only_dialects=only_dialects,
                not_dialects=not_dialects,
                call=call,
            )
        )


def _star_name(args: Sequence[cst.Arg]) -> str:
    """`f(a, *rest)`: `rest`, the one starred argument, a name after the plain positional ones."""
    starred = [arg for arg in args if arg.star]
    if len(starred) != 1 or starred[0].star != "*" or not isinstance(starred[0].value, cst.Name):
        return ""
    after = args[args.index(starred[0]) + 1 :]
    return starred[0].value.value if all(arg.keyword is not None for arg in after) else ""


def _doc_header(module: cst.Module) -> tuple[Optional[str], Optional[tuple[str, ...]]]:
    docstring = module.get_docstring(clean=False)
    if not docstring:
        return None, None
    revision = _DOC_REVISION.search(docstring)
    revises = _DOC_REVISES.search(docstring)
    doc_revision = revision.group("value") if revision and revision.group("value") else None
    doc_revises = None
    if revises is not None:
        value = revises.group("value").strip()
        doc_revises = (
            ()
            if value.lower() in ("", "none")
            else tuple(part for part in re.split(r"[\s,]+", value) if part)
        )
    return doc_revision, doc_revises


def collect_migration(
    wrapper: MetadataWrapper, imports: Sequence[Import], declares_revision: bool = False
) -> Optional[MigrationFacts]:
    """Migration facts of a parsed module, or None when it neither uses Alembic's `op` nor
    declares a revision. A revision that imports no `op` (its `upgrade()` only calls a project
    helper, `add_audit_columns("items")`) has its calls and SQL read all the same, so the
    replay can tell which tables they touch instead of giving up on every table."""
    op_names = op_prefixes(imports)
    if not op_names and not declares_revision:
        return None
    module = wrapper.module
    functions = frozenset(
        statement.name.value for statement in module.body if isinstance(statement, cst.FunctionDef)
    )
    visitor = MigrationVisitor(
        op_names, functions, wrapper_positions(wrapper), module_constants(module)
    )
    walk(module, visitor)
    doc_revision, doc_revises = _doc_header(module)
    return MigrationFacts(tuple(visitor.functions), doc_revision, doc_revises)
