"""Facts: plain, frozen, serialisable data extracted from one file.

Facts depend only on a file's bytes, so they can be cached by content hash.
They never refer to LibCST nodes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, TypeVar, cast

_Record = TypeVar("_Record")


def slotted(cls: type[_Record]) -> type[_Record]:
    """The frozen dataclass `cls` rebuilt with `__slots__`, as `dataclass(slots=True)` does on 3.10+.

    A run holds hundreds of thousands of these records (a 10,000-file project: 490,000);
    without a per-instance `__dict__` they take about half the memory. Pickling (a
    worker's facts the codec cannot encode) goes through `__getstate__` / `__setstate__`,
    since a frozen class refuses the attribute assignments pickle would make.
    """
    names = tuple(field.name for field in dataclasses.fields(cls))  # type: ignore[arg-type]  # cls is a dataclass
    namespace = {
        key: value
        for key, value in vars(cls).items()
        if key not in names and key not in ("__dict__", "__weakref__")
    }
    namespace["__slots__"] = names
    namespace["__getstate__"] = _getstate
    namespace["__setstate__"] = _setstate
    rebuilt = cast("type[_Record]", type(cls.__name__, cls.__bases__, namespace))
    rebuilt.__qualname__ = cls.__qualname__
    return rebuilt


def _getstate(record: Any) -> tuple[Any, ...]:
    return tuple(getattr(record, name) for name in record.__slots__)


def _setstate(record: Any, state: tuple[Any, ...]) -> None:
    for name, value in zip(record.__slots__, state):
        object.__setattr__(record, name, value)


# The text of a "dict" `Expr` whose display also unpacks another mapping (`{**base, "a": x}`).
DICT_SPREAD = "**"


@slotted
@dataclass(frozen=True)
class Expr:
    """A small summary of an expression, enough to resolve names and read literals.

    kind is one of:
      "str"    a string literal (text = its value, placeholders kept as `{}`)
      "const"  a number, True, False or None (text = its source)
      "name"   a dotted name `a.b.c` (text), subscripts written `a[]`
      "call"   a call; text = the callee's dotted name; args / keywords summarised
      "subscript"  `X[...]`; text = X's dotted name; args = the slice elements
      "op"     a binary operation; text = the operator (`|`), args = both sides
      "list"   a list, tuple or set display; args = the elements
      "dict"   a dict display; keywords = string keys and their values; args = one
               two-element "list" (key, value) per non-string key (`{int: BigInteger}`);
               text = DICT_SPREAD when it also unpacks a mapping (`**other`) not summarised
      "other"  anything else (text = "")
    """

    kind: str
    text: str = ""
    args: tuple[Expr, ...] = ()
    keywords: tuple[tuple[str, Expr], ...] = ()
    line: int = 0
    column: int = 0

    def keyword(self, name: str) -> Expr | None:
        for key, value in self.keywords:
            if key == name:
                return value
        return None

    def written(self) -> str:
        """The expression as its source spells it (spacing normalised; call arguments elided),
        so that a message quotes an annotation as written: `Mapped[Optional[str]]`."""
        inner = ", ".join(arg.written() for arg in self.args)
        if self.kind == "subscript":
            return f"{self.text}[{inner}]"
        if self.kind == "op":
            return f" {self.text} ".join(arg.written() for arg in self.args)
        if self.kind == "str":
            return f'"{self.text}"'
        if self.kind == "list":
            return f"[{inner}]"
        if self.kind == "call":
            return f"{self.text}(...)"
        return self.text or "..."


@slotted
@dataclass(frozen=True)
class Import:
    """A name bound by an import statement.

    `import a.b` binds local `a` to module `a` (module="a", name=None, path="a.b").
    `from .x import y as z` binds `z` (module=".x" resolved later with `level`).
    """

    local: str
    module: str
    name: str | None
    level: int
    line: int
    scope: str  # "" at module level, else the enclosing function's qualified name
    type_checking: bool = False


@slotted
@dataclass(frozen=True)
class Binding:
    """`name = value` (or `name: annotation = value`) in some scope. At module level,
    `X.metadata = value` is recorded too, with the dotted name `X.metadata`."""

    name: str
    value: Expr | None
    annotation: Expr | None
    line: int
    column: int
    scope: str  # "" = module level; otherwise "func" or "Class.method"
    # Bound in the `else:` of an `if TYPE_CHECKING:` (what runs in place of the import type
    # checkers read there: optuna's `models = _LazyImport(...)`).
    checking_else: bool = False


@slotted
@dataclass(frozen=True)
class ClassAttr:
    """An assignment in a class body: `__tablename__ = "x"`, `id: Mapped[int] = mapped_column()`."""

    name: str
    value: Expr | None
    annotation: Expr | None
    line: int
    column: int


@slotted
@dataclass(frozen=True)
class ClassDef:
    name: str
    line: int
    column: int
    bases: tuple[Expr, ...]
    keywords: tuple[tuple[str, Expr], ...]
    decorators: tuple[Expr, ...]
    attrs: tuple[ClassAttr, ...]
    scope: str  # "" for a module-level class
    # Methods of the class body: name, the value of its first top-level `return` (for a
    # `@declared_attr def __tablename__`) and its first decorator, as
    # ClassAttr(name, returned, decorator, line, column).
    methods: tuple[ClassAttr, ...] = ()

    @property
    def body_scope(self) -> str:
        """The scope of the names its body binds."""
        return f"{self.scope}.{self.name}" if self.scope else self.name

    def attr_bindings(self) -> tuple[Binding, ...]:
        """The class attributes as bindings of the class body's scope (`metadata = MetaData()`)."""
        scope = self.body_scope
        return tuple(
            Binding(attr.name, attr.value, attr.annotation, attr.line, attr.column, scope)
            for attr in self.attrs
        )


@slotted
@dataclass(frozen=True)
class FunctionDef:
    """A function or method, with what it returns: the index follows a call of a project
    function to its result (a factory returning a declarative base, a `Table` wrapper).

    `returns` holds the value of each `return` in its own body (not nested functions);
    `forwards` is True when a returned call passes the function's `*args` / `**kwargs` on;
    `snake_case` when it turns its one parameter from CamelCase into snake_case
    (`vocabulary.snake_cases`), as the helpers of a computed `__tablename__` do;
    `snake_case_pattern` the compiled pattern (dotted name) it does so with when that
    pattern is defined elsewhere: snake_case if the pattern finds capitals (the index reads it);
    `numbered_step` when a decorator call named for migrations has an integer literal first: a
    step a migration runner of the project registers by number (`@RegisterMigration(4, MIGRATIONS)`;
    not `@lru_cache(1)`).
    """

    name: str
    line: int
    column: int
    scope: str  # the enclosing scope: "" at module level, "Class" for a method
    params: tuple[str, ...]
    returns: tuple[Expr, ...]
    forwards: bool = False
    snake_case: bool = False
    snake_case_pattern: str = ""
    numbered_step: bool = False

    @property
    def inner_scope(self) -> str:
        """The scope of the names bound in its body."""
        return f"{self.scope}.{self.name}" if self.scope else self.name


@slotted
@dataclass(frozen=True)
class SchemaCall:
    """A `create_all` / `drop_all` / `create` reference on some receiver.

    receiver is the dotted text before the method (`Base.metadata`, `db`,
    `metadata.tables[]`, `sa.Table()`); called is False when the bound method
    is passed around (`conn.run_sync(Base.metadata.create_all)`).
    """

    method: str
    receiver: str
    called: bool
    line: int
    column: int
    end_line: int
    scope: str
    # Flask-SQLAlchemy's `create_all(bind_key=...)` / `drop_all(bind_key=...)`: None when not
    # given (or `"__all__"`: every bind), "" for `None` (the default bind), "?" when computed.
    binds: tuple[str, ...] | None = None
    # The engine or connection it runs on, when given as a name (`create_all(engine)`,
    # `create_all(bind=engine)`): a database that only lives in memory creates no one's schema.
    bind: str | None = None


@slotted
@dataclass(frozen=True)
class SqlStatementFact:
    kind: str
    name: str | None
    table: str | None = None  # the table a CREATE INDEX is on


@slotted
@dataclass(frozen=True)
class SqlString:
    """A string literal in code position whose text holds SQL statements."""

    statements: tuple[SqlStatementFact, ...]
    line: int
    column: int
    end_line: int
    scope: str
    text: str = ""
    # The statement of a SQLAlchemy `DDL("...")` construct: the module-level name it is bound to
    # (`uniqueness = DDL("CREATE UNIQUE INDEX ...")`), `<listener>` when it is handed to
    # `event.listen(table, "after_create", ...)` directly, else "" (any other string).
    ddl_construct: str = ""
    # The module- or class-level list (tuple, dict) of a migration runner of the project's own
    # that holds the string as a step (`MIGRATIONS = ["CREATE TABLE ...", "ALTER TABLE ..."]`,
    # whose positions are the versions: langgraph's checkpointers), else "".
    migration_list: str = ""


@slotted
@dataclass(frozen=True)
class DatabaseOpen:
    """A call that opens a database (`sqlite3.connect(...)`, `create_engine(...)`).

    `in_memory` when its literal argument names a database that lives and dies with the
    connection (`":memory:"`, `"sqlite://"`): what is created there is no one's schema."""

    line: int
    in_memory: bool


@slotted
@dataclass(frozen=True)
class CallFact:
    """A call the index needs (`context.configure(target_metadata=...)`, `op.create_table(...)`)."""

    expr: Expr
    scope: str


@slotted
@dataclass(frozen=True)
class Noqa:
    """A `# noqa` comment; codes is empty for a blanket noqa; line 0 is `# flake8: noqa` (the whole file)."""

    line: int
    codes: tuple[str, ...]


@slotted
@dataclass(frozen=True)
class FileFacts:
    """All facts of one file. `error` is set when it could not be read or parsed."""

    path: str
    error: str | None = None
    error_position: tuple[int, int] = (1, 1)  # (line, column) of a syntax error
    parsed: bool = False
    imports: tuple[Import, ...] = ()
    bindings: tuple[Binding, ...] = ()
    classes: tuple[ClassDef, ...] = ()
    schema_calls: tuple[SchemaCall, ...] = ()
    sql_strings: tuple[SqlString, ...] = ()
    interactions: tuple[str, ...] = ()
    noqa: tuple[Noqa, ...] = ()
    all_names: tuple[str, ...] | None = None  # `__all__`, when it is a literal list
    all_computed: bool = (
        False  # `__all__` is assigned a non-literal value: a star import's reach is unknown
    )
    calls: tuple[CallFact, ...] = ()  # calls the index reads (`NOTABLE_CALLS` in extract.py)
    toplevel_calls: tuple[str, ...] = ()  # callees of calls made at module level (not in def/class)
    migration: MigrationFacts | None = None  # set for modules that import Alembic's `op`
    internal_error: str | None = None  # traceback of a dblint bug hit while extracting (DBL002)
    functions: tuple[str, ...] = ()  # names of module-level functions
    function_defs: tuple[FunctionDef, ...] = ()  # every function and method, with what it returns
    database_opens: tuple[DatabaseOpen, ...] = ()  # `connect(...)` / `create_engine(...)` calls


@slotted
@dataclass(frozen=True)
class MigrationStep:
    """One step of a function in a migration file, in source order.

    kind is one of:
      "op"     `op.<name>(...)` (name = the operation: "create_table", "execute", ...)
      "batch"  `batch_op.<name>(...)` inside `with op.batch_alter_table(...) as batch_op`
               (`batch` = the `batch_alter_table(...)` call)
      "sql"    a statement-level SQL execution with a literal text (`op.execute("...")`,
               `op.get_bind().execute(text("..."))`); `sql` = the text
      "call"   a call of a function by name (a helper of this file or an imported one)
      "schema" `<something>.create_all(...)` / `.drop_all(...)`: creates what the replay cannot see
    `guards` says why the step might not run as written ("if at line 12", "try at line 3");
    `loop_var`/`loop_values` are set under `for name in ("a", "b"):` (a literal loop);
    `autocommit` is set where the step runs outside a transaction: inside
    `with op.get_context().autocommit_block():`, or on a connection the function committed and
    switched to `isolation_level="AUTOCOMMIT"` (Alembic's own, for `op.*` steps and calls of
    the file's helpers, whose frames the replay runs outside a transaction too).
    `call` is the callee as written for an SQL execution (`op.execute`, `conn.exec_driver_sql`,
    `op.get_bind().execute`), so that messages name the call the migration makes.
    """

    kind: str
    name: str
    args: tuple[Expr, ...]
    keywords: tuple[tuple[str, Expr], ...]
    line: int
    column: int
    end_line: int
    guards: tuple[str, ...] = ()
    loop_var: str = ""
    loop_values: tuple[str, ...] = ()
    batch: Expr | None = None
    star: bool = False  # `*args` / `**kwargs` in the call
    # `op.create_table(*args)`: the name passed with `*` after the plain positional arguments,
    # when it is the only starred argument (a helper's `*args` the replay can fill in).
    star_name: str = ""
    sql: str | None = None
    autocommit: bool = False
    # Under `if <bind>.dialect.name == "sqlite":` (or `!=`, `in`, `not in`, `else`): the dialects
    # the step runs on only (empty: any), and those it never runs on.
    only_dialects: tuple[str, ...] = ()
    not_dialects: tuple[str, ...] = ()
    call: str = ""


@slotted
@dataclass(frozen=True)
class MigrationFunction:
    """A module-level function of a migration file (`upgrade`, `downgrade`, helpers).

    `rebound` names are bound by loops, `with ... as`, `except ... as` and the like:
    their value is not the literal assignment the bindings show. `branched` names are
    assigned at least once under a guard (`if`, a loop, `try`); a name assigned only in the
    function's straight-line body holds, at a line, the last value assigned above it.
    """

    name: str
    params: tuple[str, ...]
    line: int
    steps: tuple[MigrationStep, ...]
    rebound: tuple[str, ...] = ()
    branched: tuple[str, ...] = ()
    # The `*args` parameter's name; "" without one, or with keyword-only parameters after it
    # (which arguments it collects is then not read).
    star_param: str = ""


@slotted
@dataclass(frozen=True)
class MigrationFacts:
    """What a module that imports Alembic's `op` does, plus its docstring header."""

    functions: tuple[MigrationFunction, ...] = ()
    doc_revision: str | None = None  # `Revision ID:` in the module docstring
    doc_revises: tuple[str, ...] | None = None  # `Revises:` (None when absent)
    doc_line: int = 1

    def function(self, name: str) -> MigrationFunction | None:
        for function in self.functions:
            if function.name == name:
                return function
        return None
