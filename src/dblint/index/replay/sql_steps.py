"""The interpreter of SQL steps: `op.execute(...)` and literal SQL strings of a migration.

The SQL reader (`dblint.sql`) says which statements a text holds and what an ALTER does;
this applies them to the replay's schema. A statement built at run time is read as far as
its string pieces go; one the replay cannot read changes only what it may change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from dblint.facts.model import Binding, Expr, MigrationStep
from dblint.facts.vocabulary import STATEMENT_METHODS, format_fields
from dblint.index.replay.changes import SchemaChanges
from dblint.index.replay.schema import ReplayColumn, ReplayTable, split_name
from dblint.index.replay.values import MAX_NAME_HOPS, Frame, resolve, sql_of
from dblint.index.symbols import Defined
from dblint.index.type_changes import sql_column_type
from dblint.index.types import family_of_type_name
from dblint.sql import (
    ALTER_TABLE,
    CREATE_TABLE,
    CREATE_VIEW,
    DROP_TABLE,
    DROP_VIEW,
    RENAME_TABLE,
    SqlColumn,
    classify_sql,
    name_words,
    starts_as_row_statement,
)
from dblint.sql.changes import (
    ADD_COLUMN,
    ALTER_COLUMN,
    CONSTRAINT_ACTION,
    DROP_COLUMN,
    RENAME_COLUMN,
    AlterAction,
    alter_actions,
    creates_if_not_exists,
    drops_if_exists,
    renamed_to,
    unquote_dotted,
)

if TYPE_CHECKING:
    from dblint.index.project import ProjectIndex

_DML_WORDS = frozenset({"insert", "update", "delete", "select", "values", "where", "bulk_insert"})


class SqlSteps:
    """Applies SQL a migration runs to the schema `changes` holds."""

    def __init__(self, index: ProjectIndex, changes: SchemaChanges) -> None:
        self.index = index
        self.changes = changes

    def execute(self, step: MigrationStep, frame: Frame) -> None:
        """Run a statement. One the replay cannot read in full makes uncertain only what it could
        change: a DML-shaped one (`UPDATE ...` built in a loop, `sa.update(t)`, `stmt.bindparams()` of
        a `SELECT`) nothing, other text the tables it names; only a statement of which nothing at all
        can be read blinds the replay."""
        expr = resolve(step.args[0], frame) if step.args else None
        text = sql_of(expr, frame)
        if text is not None:
            self.apply(text, step, frame)
            return
        if expr is not None and _is_dml(expr):
            return
        if expr is not None and _sequence_ddl(expr, frame):
            return  # `DropSequence(Sequence("t_id_seq"))`: a sequence, no table, changes
        if step.args and self._from_library(frame, step.args[0]):
            return  # SQL a library ships (functions, triggers, extensions), not the project's tables
        partial = self._statement_text(step.args[0], frame) if step.args else None
        if partial is not None and (classify_sql(partial) or not starts_as_row_statement(partial)):
            if classify_sql(partial):
                self.apply(
                    partial, step, frame
                )  # DDL with computed parts: as a literal with placeholders
            else:
                self._unsure_of_named(
                    partial,
                    f"a statement the replay cannot read at {frame.where(step.line)} names it",
                )
            return
        if partial is not None:
            return  # a SELECT / INSERT / UPDATE / DELETE changes rows, not tables
        reason = f"`op.execute()` of a statement the replay cannot read at {frame.where(step.line)}"
        self.changes.blind(reason)

    def _from_library(self, frame: Frame, expr: Expr) -> bool:
        """True for a name imported from outside the project (`from sqlalchemy_searchable import sql_expressions`)."""
        if expr.kind != "name":
            return False
        imp = frame.view.imports.get(expr.text.split(".", 1)[0])
        if imp is None or imp.level:
            return False
        target = f"{imp.module}.{imp.name}" if imp.name else imp.module
        return (
            self.index.resolver.project_module(imp.module) is None
            and self.index.resolver.project_module(target) is None
        )

    def _statement_text(self, expr: Optional[Expr], frame: Frame, depth: int = 0) -> Optional[str]:
        """What can be read of a statement built at run time: its string pieces, `{}` for the rest
        (`"UPDATE t SET a = %s" % x`, `"..." + name`, `text(q).bindparams(...)`, `q.format(x)`, a constant
        of a project module). None when no piece is a string."""
        if expr is None or depth > MAX_NAME_HOPS:
            return None
        resolved = resolve(expr, frame) if expr.kind == "name" else expr
        if resolved is None and expr.kind == "name":
            resolved = self._project_constant(expr.text, frame) or self._same_kind(
                expr.text, frame, depth
            )
        if resolved is None:
            return None
        if resolved.kind == "str":
            return resolved.text
        if resolved.kind == "op" and resolved.text in ("Add", "Modulo"):
            pieces = [self._statement_text(arg, frame, depth + 1) for arg in resolved.args]
            if resolved.text == "Modulo":
                return pieces[0]
            return (
                "".join(piece if piece is not None else "{}" for piece in pieces)
                if any(pieces)
                else None
            )
        if resolved.kind == "call":
            callee, _, method = resolved.text.rpartition(".")
            if method in ("text", "DDL", "dedent") and resolved.args:
                return self._statement_text(resolved.args[0], frame, depth + 1)
            plain = bool(callee) and "()" not in callee and "[]" not in callee
            if method in STATEMENT_METHODS and plain:
                return self._statement_text(Expr("name", callee), frame, depth + 1)
            if method == "format" and plain:  # `insert.format(user_id, ...)` of a bound template
                template = self._statement_text(Expr("name", callee), frame, depth + 1)
                return format_fields(template) if template is not None else None
            if not callee:
                return _row_statement_returned(method, frame)
        return None

    def _same_kind(self, name: str, frame: Frame, depth: int) -> Optional[Expr]:
        """A local bound in several branches (`if postgres: stmt = "SELECT ..." else: stmt = "SELECT ..."`),
        or bound and then bound again to itself with parameters (`stmt = text("INSERT ...")`, then
        `stmt = stmt.bindparams(...)`): the first value, when every value reads as row-only SQL (else None)."""
        if name in frame.function.params or name in frame.function.rebound:
            return None
        values = frame.view.bindings.get((frame.function.name, name), [])
        texts = [
            self._statement_text(value, frame, depth + 1)
            for value in values
            if not _restates(value, name)
        ]
        if len(values) > 1 and _all_row_only(texts):
            return Expr("str", texts[0] or "")
        return None

    def _project_constant(self, name: str, frame: Frame) -> Optional[Expr]:
        """The literal a name imported from a project module is bound to (`from app.sql import PURGE`)."""
        if name in frame.function.params or name in frame.function.rebound:
            return None
        module = self.index.module_of(frame.path)
        resolution = self.index.resolver.resolve(module, name, frame.function.name)
        if resolution is None or resolution.rest or not isinstance(resolution.target, Defined):
            return None
        node = resolution.target.node
        value = node.value if isinstance(node, Binding) and not node.scope else None
        return value if value is not None and value.kind == "str" else None

    def _unsure_of_named(self, text: str, reason: str) -> None:
        """Mark uncertain the tables a statement the replay cannot read names (none: nothing)."""
        words = name_words(text)
        for key, table in self.changes.tables.items():
            if table.name.lower() in words or table.qualified.lower() in words:
                self.changes.mark(key, reason)

    def apply(self, text: str, step: MigrationStep, frame: Frame) -> None:
        guard = self.changes.guarded(step, frame)
        self.changes.forget_named_in(text)
        statements = classify_sql(text)
        if not statements and "{}" in text and not starts_as_row_statement(text):
            # Computed parts the classifier cannot see past: the statement may be DDL on the tables it names.
            self._unsure_of_named(
                text,
                f"a statement the replay cannot read in full at {frame.where(step.line)} names it",
            )
        for statement in statements:
            name = statement.name or ""
            if "{" in name or not name:
                reason = f"SQL on a computed table name at {frame.where(step.line)}"
                self.changes.blind(
                    reason, creates=statement.kind in (CREATE_TABLE, CREATE_VIEW, RENAME_TABLE)
                )
                continue
            key = split_name(unquote_dotted(name))
            chunk = text[statement.offset :]
            renamed = renamed_to(statement.kind, chunk)
            if statement.kind in (CREATE_TABLE, CREATE_VIEW):
                self.changes.create(
                    key,
                    step,
                    frame,
                    if_not_exists=creates_if_not_exists(chunk) or statement.kind == CREATE_VIEW,
                )
                if key in self.changes.tables and creates_if_not_exists(chunk):
                    continue
                table = ReplayTable(
                    key[0],
                    key[1],
                    {},
                    frame.revision.id,
                    frame.path,
                    step.line,
                    step.column,
                )
                table.is_view = statement.kind == CREATE_VIEW
                table.columns_known = bool(statement.columns) and not table.is_view
                for column in statement.columns:
                    table.columns[column.name] = _sql_column(column, step, frame)
                self.changes.tables[key] = table
            elif statement.kind in (DROP_TABLE, DROP_VIEW):
                if (
                    key not in self.changes.tables
                    and statement.kind == DROP_TABLE
                    and not drops_if_exists(chunk)
                ):
                    self.changes.existing(key, step, frame, "drops")
                self.changes.discard(key, frame)
            elif renamed is not None:
                new_schema, new_name = split_name(renamed)
                new_key = (new_schema or key[0], new_name)
                self.changes.rename(key, new_key)
                key = new_key  # a guard marks the table under its new name
            elif statement.kind == ALTER_TABLE:
                # `ALTER TABLE public.t` changes the `t` created without a schema
                altered = self.changes.replay.table(*key)
                if altered is not None and not self._alter(
                    altered, alter_actions(chunk), step, frame
                ):
                    altered.unsure(
                        f"ALTER TABLE the replay cannot read at {frame.where(step.line)}"
                    )
            elif statement.kind == RENAME_TABLE:
                self.changes.mark(key, f"RENAME at {frame.where(step.line)}")
                self.changes.replay.blind_creates.append(
                    f"RENAME TABLE at {frame.where(step.line)}"
                )
            if guard is not None:
                self.changes.mark(key, guard, opaque=False)

    def _alter(
        self,
        table: ReplayTable,
        actions: Optional[tuple[AlterAction, ...]],
        step: MigrationStep,
        frame: Frame,
    ) -> bool:
        """Apply `ALTER TABLE t <actions>` to `table` in order; False at the first action the
        replay cannot apply (one the SQL reader could not read, or on a column it does not know)."""
        if actions is None:
            return False
        for action in actions:
            if action.kind == CONSTRAINT_ACTION:
                continue
            column = table.column_named(action.column) if action.column else None
            if action.column and action.kind == DROP_COLUMN:
                table.forget_named(columns=(action.column,))
            if action.kind == RENAME_COLUMN:
                if column is None:
                    return False
                table.rename_column(column, action.new_name)
            elif action.kind == DROP_COLUMN:
                if column is not None:
                    del table.columns[column.name]
            elif action.kind == ALTER_COLUMN:
                if column is None:
                    return False
                if action.nullable is not None:
                    column.nullable = action.nullable
                    column.nulled_by = frame.revision.id
                if action.type_name is not None:
                    column.typed_by = frame.revision.id
                    column.type_name = action.type_name
                    column.family = family_of_type_name(action.type_name)
                    column.sql_type = sql_column_type(action.type_name)
            elif action.kind == ADD_COLUMN and action.added is not None:
                table.columns[action.added.name] = _sql_column(action.added, step, frame)
            else:
                return False
        return True


def _sql_column(column: SqlColumn, step: MigrationStep, frame: Frame) -> ReplayColumn:
    """A column of a `CREATE TABLE` / `ALTER TABLE ... ADD` statement, made at its step."""
    return ReplayColumn(
        column.name,
        column.type_name,
        family_of_type_name(column.type_name),
        column.nullable,
        column.primary_key,
        column.references,
        frame.revision.id,
        frame.path,
        step.line,
        step.column,
        sql_type=sql_column_type(column.type_name),
    )


# SQLAlchemy's DDL elements on a sequence: they create or drop a sequence, never a table.
_SEQUENCE_DDL = frozenset({"CreateSequence", "DropSequence"})


def _sequence_ddl(expr: Expr, frame: Frame) -> bool:
    """`sa.schema.DropSequence(...)` / `CreateSequence(...)` imported from SQLAlchemy."""
    if expr.kind != "call" or not expr.text:
        return False
    qualified = frame.view.qualify(expr.text)
    return (
        qualified.split(".", 1)[0] == "sqlalchemy" and qualified.rsplit(".", 1)[-1] in _SEQUENCE_DDL
    )


def _is_dml(expr: Expr) -> bool:
    """`table.update().values(...)`, `sa.insert(t)`, `text("UPDATE ...")`-like statements that change rows only."""
    if expr.kind != "call":
        return False
    parts = {part.rstrip("()[]") for part in expr.text.split(".")}
    return bool(parts & _DML_WORDS)


def _restates(value: Expr, name: str) -> bool:
    """`stmt.bindparams(...)` bound to `stmt` again: the same statement, with parameters."""
    callee, _, method = value.text.rpartition(".")
    return value.kind == "call" and callee == name and method in STATEMENT_METHODS


def _row_statement_returned(function: str, frame: Frame) -> Optional[str]:
    """The statement a module-level function of the revision builds, when every `return` of it is a
    string that reads as row-only SQL (securedrop's `raw_sql_grab_orphaned_objects(table)`, an
    f-string `SELECT`): the first one. None otherwise, so a helper building DDL still blinds."""
    found = [f for f in frame.view.facts.function_defs if f.name == function and not f.scope]
    if len(found) != 1 or not found[0].returns:
        return None
    texts = [value.text if value.kind == "str" else None for value in found[0].returns]
    return texts[0] if _all_row_only(texts) else None


def _all_row_only(texts: list[Optional[str]]) -> bool:
    """Some statement texts, each read and each row-only SQL (`SELECT`, `INSERT`, ...): whichever
    of them runs changes no table."""
    return bool(texts) and all(
        text is not None and starts_as_row_statement(text) and not classify_sql(text)
        for text in texts
    )
