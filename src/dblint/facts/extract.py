"""One LibCST pass over a file that records every fact the rules need."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Optional, Union

import libcst as cst
from libcst.metadata import MetadataWrapper

from dblint import sql
from dblint.facts import exports_cst
from dblint.facts.exports import Exports, Place
from dblint.facts.exprs import (
    chain_receiver,
    concatenation_value,
    dotted,
    string_value,
    summarize,
)
from dblint.facts.model import (
    Binding,
    CallFact,
    ClassAttr,
    ClassDef,
    DatabaseOpen,
    Expr,
    FunctionDef,
    Import,
    SchemaCall,
    SqlStatementFact,
    SqlString,
)
from dblint.facts.vocabulary import (
    DATABASE_KEYWORDS,
    DATABASE_OPENERS,
    EVENT_LISTENER,
    INTERACTION_ATTRIBUTES,
    MESSAGE_KEYWORDS,
    SCHEMA_CONSTRUCTS,
    SYNC_CALLS,
    TABLE_CONSTRUCTS,
    TABLE_EVENTS,
    TABLE_METHODS,
    TYPE_CHECKING_TESTS,
    Interaction,
    attribute_interactions,
    call_interactions,
    is_memory_database,
    is_stamp_call,
    registers_migration,
    snake_cases,
)
from dblint.facts.walk import Positions, positions, walk, wrapper_positions

SCHEMA_METHODS = frozenset({"create_all", "drop_all"})
# Calls kept whole as `CallFact`s: Alembic's `context.configure(target_metadata=...)`,
# `op.create_table(...)` in migrations, Flask-Migrate's `Migrate(app, db)` / `migrate.init_app(app, db)`,
# `metadata.reflect(...)` and `table.to_metadata(metadata)` (which register tables on a MetaData),
# Alembic's `stamp` (and `stamp_<what>()` helpers) and a schema manager's `sync()` (a stamped
# `create_all()` baseline), and
# `metadata._add_table(...)` (env.py copying tables of other metadata into the tracked one), and
# `event.listen(table, "after_create", ddl)` (a `DDL` construct run by a table's create or drop).
NOTABLE_CALLS = frozenset(
    {
        "configure",
        "create_table",
        "Migrate",
        "init_app",
        "reflect",
        "to_metadata",
        "tometadata",
        "stamp",
        *SYNC_CALLS,
        "_add_table",
        "listen",
    }
)
# Calls whose string arguments are messages for humans, never SQL to run.
MESSAGE_CALLEES = frozenset(
    {
        "print",
        "debug",
        "info",
        "warning",
        "warn",
        "error",
        "exception",
        "critical",
        "fatal",
        "log",
        "echo",
        "secho",
        "fail",
        "skip",
        "xfail",
        "gettext",
        "ngettext",
        "_",
        "lazy_gettext",
        "flash",
        "abort",
        "HTTPException",
        "ValidationError",
        "add_note",
        "notify",
        "write",
        "send_message",
    }
)
_EXCEPTION_NAME = re.compile(r"(?:Error|Exception|Warning|Failure|Exit)$")

StringNode = Union[cst.SimpleString, cst.ConcatenatedString, cst.FormattedString]


def _is_message_callee(name: str) -> bool:
    """True for the dotted name of a callee whose string arguments are messages for humans."""
    if not name:
        return False
    last = name.rsplit(".", 1)[-1].rstrip("()[]")
    return last in MESSAGE_CALLEES or bool(_EXCEPTION_NAME.search(last))


class _OpenFunction:
    """A function whose body is being walked: its `return` values so far."""

    def __init__(self, node: cst.FunctionDef, scope: str, line: int, column: int) -> None:
        params = node.params
        self.node = node
        self.own_all: Optional[bool] = None  # `exports_cst.own_all`, when a use of `__all__` asked
        self.name = node.name.value
        self.scope = scope
        self.line, self.column = line, column
        self.params = tuple(
            param.name.value
            for param in (*params.posonly_params, *params.params, *params.kwonly_params)
        )
        self.star = {
            star.name.value
            for star in (params.star_arg, params.star_kwarg)
            if isinstance(star, cst.Param)
        }
        self.returns: list[Expr] = []
        self.forwards = False
        self.snake_case, self.snake_case_pattern = snake_cases(
            self.params, lambda: cst.Module([]).code_for_node(node.body)
        )

    def returned(self, value: cst.BaseExpression, summary: Expr) -> None:
        self.returns.append(summary)
        if isinstance(value, cst.Call) and any(
            arg.star and isinstance(arg.value, cst.Name) and arg.value.value in self.star
            for arg in value.args
        ):
            self.forwards = True

    def close(self) -> FunctionDef:
        return FunctionDef(
            self.name,
            self.line,
            self.column,
            self.scope,
            self.params,
            tuple(self.returns),
            self.forwards,
            self.snake_case,
            self.snake_case_pattern,
            any(_numbered(decorator.decorator) for decorator in self.node.decorators),
        )


def _numbered(decorator: cst.BaseExpression) -> bool:
    """`@RegisterMigration(4, MIGRATIONS)`: a decorator call named for migrations whose first
    argument is an integer."""
    return (
        isinstance(decorator, cst.Call)
        and registers_migration(dotted(decorator.func) or "")
        and bool(decorator.args)
        and decorator.args[0].keyword is None
        and not decorator.args[0].star
        and isinstance(decorator.args[0].value, cst.Integer)
    )


def _makes_class(name: str, args: Sequence[cst.Arg]) -> bool:
    """`type(name, bases, namespace)`: a class made at run time, a model when a base is one
    (timesketch's mixins make `<table>_label` models so); kept whole as a `CallFact`."""
    return (
        name == "type" and len(args) == 3 and all(not arg.keyword and not arg.star for arg in args)
    )


def _bind_name(args: Sequence[cst.Arg]) -> Optional[str]:
    """The engine or connection a `create_all` / `drop_all` / `create` runs on, as a dotted name:
    its first positional argument or `bind=` (`SchemaCall.bind`)."""
    for arg in args:
        if arg.star:
            return None
        if arg.keyword is None or arg.keyword.value == "bind":
            return dotted(arg.value)
    return None


def _bind_keys(args: Sequence[cst.Arg]) -> Optional[tuple[str, ...]]:
    """`bind_key=` of a Flask-SQLAlchemy `create_all` / `drop_all` (`SchemaCall.binds`)."""
    value = next(
        (arg.value for arg in args if arg.keyword is not None and arg.keyword.value == "bind_key"),
        None,
    )
    if value is None:
        return None
    items = (
        [element.value for element in value.elements]
        if isinstance(value, (cst.List, cst.Tuple))
        else [value]
    )
    keys: list[str] = []
    for item in items:
        text = string_value(item)
        if isinstance(item, cst.Name) and item.value == "None":
            keys.append("")
        elif text == "__all__":
            return None
        else:
            keys.append(text if text is not None and "{}" not in text else "?")
    return tuple(keys)


class FactCollector(cst.CSTVisitor):
    """Walks a module once (`walk.walk`), filling the fact lists."""

    def __init__(self, node_positions: Positions) -> None:
        super().__init__()
        self._position = node_positions.start
        self._span = node_positions.span
        self.imports: list[Import] = []
        self.functions: list[str] = []
        self.function_defs: list[FunctionDef] = []
        self._open_functions: list[_OpenFunction] = []
        self.bindings: list[Binding] = []
        self.classes: list[ClassDef] = []
        self.schema_calls: list[SchemaCall] = []
        self.sql_strings: list[SqlString] = []
        self.interactions: set[Interaction] = set()  # with their sources: `origins`
        self.exports = Exports()
        self.calls: list[CallFact] = []
        self.toplevel_calls: list[str] = []
        self.database_opens: list[DatabaseOpen] = []
        self._scopes: list[str] = []
        self._class_depth: list[bool] = []  # True where the innermost scope is a class body
        self._blocks = 0  # indented blocks (or one-line bodies) the walk is in
        self._whole_calls: set[int] = set()  # `__all__.method` of calls read as statements
        self._type_checking = 0
        # The `else:` blocks (or `elif`s) of `if TYPE_CHECKING:` statements, by node id, and the
        # scopes of those the walk is in (innermost last).
        self._checking_orelse: set[int] = set()
        self._checking_else: list[str] = []
        self._message_depth = 0
        self._message_calls: list[bool] = []  # per enclosing call: is it a message call
        self._called_attributes: set[int] = set()
        # The statement arguments of `DDL(...)` constructs (by node id), with what `ddl_construct` says.
        self._ddl_statements: dict[int, str] = {}
        # The step strings of migration lists (by node id), with the list's name (`migration_list`).
        self._migration_steps: dict[int, str] = {}

    # -- positions and scopes -------------------------------------------------

    @property
    def _scope(self) -> str:
        return ".".join(self._scopes)

    def _in_class_body(self) -> bool:
        return bool(self._class_depth) and self._class_depth[-1]

    def _place(self) -> Place:
        """Where the node being visited stands, for `__all__` (`exports.Place`)."""
        if not self._scopes:
            return "module" if self._blocks else "top"
        if self._in_class_body():
            return "class"
        function = self._open_functions[-1]
        if function.own_all is None:  # looked for on the first use of `__all__` only
            function.own_all = exports_cst.own_all(function.node)
        return "local" if function.own_all else "function"

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._blocks += 1

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self._blocks -= 1

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._blocks += 1

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        self._blocks -= 1

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self._scopes:
            self.functions.append(node.name.value)
        self._open_functions.append(_OpenFunction(node, self._scope, *self._position(node)))
        self._scopes.append(node.name.value)
        self._class_depth.append(False)
        for param in (*node.params.params, *node.params.kwonly_params, *node.params.posonly_params):
            if param.annotation is not None:
                line, column = self._position(param)
                annotation = summarize(param.annotation.annotation, self._position)
                self.bindings.append(
                    Binding(param.name.value, None, annotation, line, column, self._scope)
                )

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scopes.pop()
        self._class_depth.pop()
        self.function_defs.append(self._open_functions.pop().close())

    def visit_Return(self, node: cst.Return) -> None:
        if self._open_functions and node.value is not None:
            self._open_functions[-1].returned(node.value, summarize(node.value, self._position))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        line, column = self._position(node)
        attrs: list[ClassAttr] = []
        methods: list[ClassAttr] = []
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        for statement in body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    attrs.extend(self._class_attrs(small))
            elif isinstance(statement, cst.FunctionDef):
                methods.append(self._method(statement))
        self.classes.append(
            ClassDef(
                name=node.name.value,
                line=line,
                column=column,
                bases=tuple(summarize(arg.value, self._position) for arg in node.bases),
                keywords=tuple(
                    (arg.keyword.value, summarize(arg.value, self._position))
                    for arg in node.keywords
                    if arg.keyword
                ),
                decorators=tuple(summarize(d.decorator, self._position) for d in node.decorators),
                attrs=tuple(attrs),
                scope=self._scope,
                methods=tuple(methods),
            )
        )
        self._scopes.append(node.name.value)
        self._class_depth.append(True)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._scopes.pop()
        self._class_depth.pop()

    def _method(self, node: cst.FunctionDef) -> ClassAttr:
        """A method, what its first top-level `return` returns, and its first decorator (as `annotation`)."""
        returned: Optional[Expr] = None
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        for statement in body:
            if isinstance(statement, cst.SimpleStatementLine):
                found = next(
                    (small for small in statement.body if isinstance(small, cst.Return)), None
                )
                if found is not None:
                    returned = (
                        summarize(found.value, self._position) if found.value is not None else None
                    )
                    break
        decorator = (
            summarize(node.decorators[0].decorator, self._position) if node.decorators else None
        )
        return ClassAttr(node.name.value, returned, decorator, *self._position(node))

    def _class_attrs(self, small: cst.BaseSmallStatement) -> list[ClassAttr]:
        if isinstance(small, cst.Assign):
            assigned = summarize(small.value, self._position)
            return [
                ClassAttr(target.target.value, assigned, None, *self._position(small))
                for target in small.targets
                if isinstance(target.target, cst.Name)
            ]
        if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
            value = summarize(small.value, self._position) if small.value is not None else None
            annotation = summarize(small.annotation.annotation, self._position)
            return [ClassAttr(small.target.value, value, annotation, *self._position(small))]
        return []

    # -- imports --------------------------------------------------------------

    def visit_If(self, node: cst.If) -> None:
        self._enter_orelse(node)
        if dotted(node.test) in TYPE_CHECKING_TESTS:
            self._type_checking += 1
            if node.orelse is not None:
                self._checking_orelse.add(id(node.orelse))

    def leave_If(self, original_node: cst.If) -> None:
        if dotted(original_node.test) in TYPE_CHECKING_TESTS:
            self._type_checking -= 1
        self._leave_orelse(original_node)

    def visit_Else(self, node: cst.Else) -> None:
        self._enter_orelse(node)

    def leave_Else(self, original_node: cst.Else) -> None:
        self._leave_orelse(original_node)

    def _enter_orelse(self, node: Union[cst.If, cst.Else]) -> None:
        if id(node) in self._checking_orelse:  # what runs when not type checking
            self._checking_else.append(self._scope)
            self._type_checking -= 1

    def _leave_orelse(self, node: Union[cst.If, cst.Else]) -> None:
        if id(node) in self._checking_orelse:
            self._checking_orelse.discard(id(node))
            self._checking_else.pop()
            self._type_checking += 1

    def _in_checking_else(self) -> bool:
        """In the `else:` of an `if TYPE_CHECKING:` of the current scope (`Binding.checking_else`)."""
        return bool(self._checking_else) and self._checking_else[-1] == self._scope

    def visit_Import(self, node: cst.Import) -> None:
        line, _ = self._position(node)
        for alias in node.names:
            full = cst.helpers.get_full_name_for_node(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local, module, name = alias.asname.name.value, full, None
            else:
                local, module, name = full.split(".", 1)[0], full, None
            self.imports.append(
                Import(local, module, name, 0, line, self._scope, self._type_checking > 0)
            )

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        line, _ = self._position(node)
        module = cst.helpers.get_full_name_for_node(node.module) if node.module is not None else ""
        level = len(node.relative)
        if isinstance(node.names, cst.ImportStar):
            self.imports.append(
                Import("*", module or "", "*", level, line, self._scope, self._type_checking > 0)
            )
            return
        for alias in node.names:
            name = cst.helpers.get_full_name_for_node(alias.name) or ""
            local = (
                alias.asname.name.value
                if alias.asname and isinstance(alias.asname.name, cst.Name)
                else name
            )
            self.imports.append(
                Import(local, module or "", name, level, line, self._scope, self._type_checking > 0)
            )

    # -- bindings ---------------------------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            exports_cst.read_target(self.exports, target.target, self._place, node.value)
        if len(node.targets) == 1:
            self._note_migration_list(node.targets[0].target, node.value)
        if self._in_class_body():
            return
        if (
            not self._scopes
            and len(node.targets) == 1
            and isinstance(node.targets[0].target, cst.Name)
        ):
            self._note_ddl_statement(node.value, node.targets[0].target.value)
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                name = target.target.value
                self.bindings.append(
                    Binding(
                        name,
                        summarize(node.value, self._position),
                        None,
                        *self._position(node),
                        self._scope,
                        self._in_checking_else(),
                    )
                )
            elif (
                isinstance(target.target, cst.Attribute)
                and target.target.attr.value == "metadata"
                and not self._scopes
            ):
                # `SQLModel.metadata = Base.metadata`: recorded under its dotted name (never a plain name).
                attribute = dotted(target.target)
                if attribute is not None:
                    self.bindings.append(
                        Binding(
                            attribute,
                            summarize(node.value, self._position),
                            None,
                            *self._position(node),
                            "",
                        )
                    )

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            exports_cst.read_target(self.exports, node.target, self._place, node.value)
            self._note_migration_list(node.target, node.value)
        if self._in_class_body() or not isinstance(node.target, cst.Name):
            return
        value = summarize(node.value, self._position) if node.value is not None else None
        annotation = summarize(node.annotation.annotation, self._position)
        self.bindings.append(
            Binding(
                node.target.value,
                value,
                annotation,
                *self._position(node),
                self._scope,
                self._in_checking_else(),
            )
        )

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        exports_cst.read_augmented(self.exports, node, self._place)

    def visit_Del(self, node: cst.Del) -> None:
        exports_cst.read_target(self.exports, node.target, self._place, None)

    def visit_Global(self, node: Union[cst.Global, cst.Nonlocal]) -> None:
        if any(item.name.value == "__all__" for item in node.names):
            self.exports.changed()

    visit_Nonlocal = visit_Global  # `nonlocal __all__` rebinds it from a nested scope alike

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if isinstance(node.target, cst.Name) and node.target.value == "__all__":
            self.exports.changed()

    # -- calls -------------------------------------------------------------------

    def _note_migration_list(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """`MIGRATIONS = [...]` (also `VECTOR_MIGRATIONS: Sequence[str] = (...)`, a dict's values)
        at module or class level: a migration runner of the project's own applies its items in
        order and records the version reached, as Alembic its revisions. Its SQL strings, also the
        statement a step object wraps (`Migration("CREATE INDEX ...", params=...)`), are the
        migrations, not a bypass of them."""
        if self._scopes and not self._in_class_body():
            return
        if not isinstance(target, cst.Name) or not _is_migration_list(target.value):
            return
        for item in _container_items(value):
            step: Optional[cst.BaseExpression] = item
            if isinstance(item, cst.Call):
                first = item.args[0] if item.args else None
                step = first.value if first is not None and first.keyword is None else None
            if step is not None:
                self._migration_steps[id(step)] = target.value

    def _note_ddl_statement(self, value: cst.BaseExpression, construct: str) -> None:
        """`DDL("...")`, also with `.execute_if(...)`: its statement belongs to `construct`."""
        value = chain_receiver(value, "execute_if")
        if (
            isinstance(value, cst.Call)
            and (dotted(value.func) or "").rsplit(".", 1)[-1] == "DDL"
            and value.args
            and not value.args[0].keyword
        ):
            self._ddl_statements[id(value.args[0].value)] = construct

    def _note_table_event_listener(self, name: str, args: Sequence[cst.Arg]) -> None:
        """`event.listen(table, "after_create", DDL("..."))`: the construct runs with the create."""
        if (
            name.rsplit(".", 1)[-1] == "listen"
            and len(args) >= 3
            and string_value(args[1].value) in TABLE_EVENTS
        ):
            self._note_ddl_statement(args[2].value, EVENT_LISTENER)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        name = dotted(func) or ""
        self._note_table_event_listener(name, node.args)
        is_message = _is_message_callee(name)
        self._message_calls.append(is_message)
        if is_message:
            self._message_depth += 1
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method in SCHEMA_METHODS or method in TABLE_METHODS:
                self._called_attributes.add(id(func))
                self._record_schema_call(
                    func,
                    method,
                    called=True,
                    binds=_bind_keys(node.args),
                    bind=_bind_name(node.args),
                )
        last = name.rsplit(".", 1)[-1]
        callee = func.attr.value if isinstance(func, cst.Attribute) else last
        # Alembic's `op.execute(...)` runs in a migration, also in a helper that is handed `op`.
        if callee.lstrip("_") == "execute" and name != "op.execute":
            # `conn.execute(DropTable(t))`, or a wrapper handed the connection first
            # (apscheduler's `self._execute(conn, DropTable(t))`).
            for arg in node.args:
                self._record_executed_construct(arg.value)
        if last in NOTABLE_CALLS or is_stamp_call(last) or _makes_class(name, node.args):
            self.calls.append(CallFact(summarize(node, self._position), self._scope))
        if last in DATABASE_OPENERS:
            self._record_database_open(node)
        if not self._scopes and name:
            self.toplevel_calls.append(name)
        self.interactions.update(call_interactions(name, self._scope))

    def _record_database_open(self, node: cst.Call) -> None:
        database = next(
            (
                arg.value
                for arg in node.args
                if arg.keyword is None or arg.keyword.value in DATABASE_KEYWORDS
            ),
            None,
        )
        value = string_value(database) if database is not None else None
        in_memory = value is not None and is_memory_database(value)
        self.database_opens.append(DatabaseOpen(self._position(node)[0], in_memory))

    def leave_Call(self, original_node: cst.Call) -> None:
        if self._message_calls.pop():
            self._message_depth -= 1

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if id(node) not in self._whole_calls:
            exports_cst.read_attribute(self.exports, node, self._place)
        method = node.attr.value
        if method in SCHEMA_METHODS and id(node) not in self._called_attributes:
            self._record_schema_call(node, method, called=False)
        if method in INTERACTION_ATTRIBUTES:
            self.interactions.update(
                attribute_interactions(method, dotted(node) or "", self._scope)
            )

    def _record_schema_call(
        self,
        func: cst.Attribute,
        method: str,
        called: bool,
        binds: Optional[tuple[str, ...]] = None,
        bind: Optional[str] = None,
    ) -> None:
        self._append_schema_call(func, method, dotted(func.value) or "?", called, binds, bind)

    def _append_schema_call(
        self,
        node: cst.CSTNode,
        method: str,
        receiver: str,
        called: bool,
        binds: Optional[tuple[str, ...]] = None,
        bind: Optional[str] = None,
    ) -> None:
        line, column, end_line = self._span(node)
        self.schema_calls.append(
            SchemaCall(
                method=method,
                receiver=receiver,
                called=called,
                line=line,
                column=column,
                end_line=end_line,
                scope=self._scope,
                binds=binds,
                bind=bind,
            )
        )

    def _record_executed_construct(self, statement: cst.BaseExpression) -> None:
        """`conn.execute(CreateTable(table))` creates one table, like `table.create(conn)`;
        `conn.execute(DropTable(table))` drops one, like `table.drop(conn)`; other DDL
        constructs (`CreateIndex(index)`, `CreateSchema("name")`) change the schema."""
        if not isinstance(statement, cst.Call) or not statement.args:
            return
        construct = (dotted(statement.func) or "").rsplit(".", 1)[-1]
        if construct not in TABLE_CONSTRUCTS and construct not in SCHEMA_CONSTRUCTS:
            return
        self._append_schema_call(statement, construct, dotted(statement.args[0].value) or "?", True)

    def visit_Arg(self, node: cst.Arg) -> Optional[bool]:
        if node.keyword is not None and node.keyword.value in MESSAGE_KEYWORDS:
            exports_cst.read_unvisited(self.exports, node.value, self._place)
            return False
        return None

    def visit_Assert(self, node: cst.Assert) -> None:
        if node.msg is not None:
            self._message_depth += 1

    def leave_Assert(self, original_node: cst.Assert) -> None:
        if original_node.msg is not None:
            self._message_depth -= 1

    # -- strings -----------------------------------------------------------------

    def visit_Expr(self, node: cst.Expr) -> Optional[bool]:
        # A bare string statement (docstring or disabled code) never runs as SQL.
        if isinstance(node.value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            exports_cst.read_unvisited(self.exports, node.value, self._place)
            return False
        if isinstance(node.value, cst.Call) and exports_cst.read_statement(
            self.exports, node.value, self._place
        ):
            self._whole_calls.add(id(node.value.func))
        return None

    def visit_SimpleString(self, node: cst.SimpleString) -> Optional[bool]:
        self._record_string(node)
        return False

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> Optional[bool]:
        self._record_string(node)
        exports_cst.read_unvisited(self.exports, node, self._place)
        return False

    def visit_FormattedString(self, node: cst.FormattedString) -> Optional[bool]:
        self._record_string(node)
        exports_cst.read_unvisited(self.exports, node, self._place)
        return False

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> Optional[bool]:
        if not isinstance(node.operator, cst.Add):
            return None
        text = concatenation_value(node)
        if text is None:
            return None
        self._record_string(node, text)
        exports_cst.read_unvisited(self.exports, node, self._place)
        return False

    def _record_string(
        self, node: Union[StringNode, cst.BinaryOperation], text: Optional[str] = None
    ) -> None:
        if self._message_depth:
            return
        text = string_value(node) if text is None else text
        if not text:
            return
        bounded = sql.head(text)
        statements = sql.classify_sql(bounded)
        if not statements:
            if sql.is_sql(bounded):
                self.interactions.add(("raw-sql", "", ""))
            return
        self.interactions.add(("raw-sql", "", ""))
        line, column, end_line = self._span(node)
        self.sql_strings.append(
            SqlString(
                statements=tuple(SqlStatementFact(s.kind, s.name, s.table) for s in statements),
                line=line,
                column=column,
                end_line=end_line,
                scope=self._scope,
                text=text if len(text) <= 4000 else "",
                ddl_construct=self._ddl_statements.get(id(node), ""),
                migration_list=self._migration_steps.get(id(node), ""),
            )
        )


def _is_migration_list(name: str) -> bool:
    """A name a migration runner of the project's own keeps its steps under: `MIGRATIONS`,
    `VECTOR_MIGRATIONS`, `migrations` (any case)."""
    upper = name.upper()
    return upper == "MIGRATIONS" or upper.endswith("_MIGRATIONS")


def _container_items(value: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The items of a list, tuple or set display, or a dict display's values."""
    if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
        return [element.value for element in value.elements]
    if isinstance(value, cst.Dict):
        return [element.value for element in value.elements if isinstance(element, cst.DictElement)]
    return []


def collect(module: cst.Module, wrapper: Optional[MetadataWrapper] = None) -> FactCollector:
    """Run the collector over a parsed module (positions kept in `wrapper`, so later passes reuse them)."""
    collector = FactCollector(
        wrapper_positions(wrapper) if wrapper is not None else positions(module)
    )
    walk(module, collector)
    return collector
