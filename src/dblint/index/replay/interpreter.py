"""The interpreter of migrations: applies each revision's `upgrade()` to the replay's schema.

Each revision's `upgrade()` is applied in graph order, over every chain of the graph (chains
from real roots as usual, chains from a missing link over an unknown schema): `op.*` and
`batch_op.*` operations, SQL strings (read by the SQL reader, `dblint.sql`), helpers of the
same file or of a project module that uses `op` (with literal arguments substituted; their
steps are placed in the helper's file) and loops over literal lists. Renames
(`op.rename_table`, `ALTER TABLE t RENAME TO n`, `RENAME TABLE t TO n`) move a table's columns
to the new name, and foreign keys that pointed at it follow, as in the database. Anything
else marks the tables it touches uncertain; precision comes first. What happened that a rule
may judge is recorded as events (`events.py`), never as findings. SQL steps are applied by
`sql_steps.py`, and both change the schema through `changes.py`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Optional

from dblint.facts.model import (
    Expr,
    FileFacts,
    FunctionDef,
    MigrationFacts,
    MigrationFunction,
    MigrationStep,
)
from dblint.facts.vocabulary import core_operation
from dblint.index import symbols
from dblint.index.columns import ColumnSpec, column_from_expr
from dblint.index.names import Names
from dblint.index.project_types import TypeFamilies
from dblint.index.replay.changes import SchemaChanges
from dblint.index.replay.events import TableKey
from dblint.index.replay.schema import (
    INDEX,
    UNIQUE_CONSTRAINT,
    NamedOrigin,
    Replay,
    ReplayColumn,
    ReplayTable,
    split_name,
)
from dblint.index.replay.sql_steps import SqlSteps
from dblint.index.replay.values import (
    FileView,
    Frame,
    bind,
    reflected_table_name,
    resolve,
    resolved,
    text_of,
    texts_of,
)
from dblint.index.revisions import RevisionGraph
from dblint.index.symbols import External
from dblint.index.type_changes import column_type
from dblint.index.types import UNKNOWN

if TYPE_CHECKING:
    from dblint.index.project import ProjectIndex

MAX_HELPER_DEPTH = 8

# Positional parameters of each operation after the table (for `op.`) or without it (`batch_op.`).
_OP_PARAMS: dict[str, tuple[str, ...]] = {
    "create_table": ("table_name",),
    "drop_table": ("table_name",),
    "rename_table": ("old_table_name", "new_table_name"),
    "add_column": ("table_name", "column"),
    "drop_column": ("table_name", "column_name"),
    "alter_column": ("table_name", "column_name"),
    "create_index": ("index_name", "table_name", "columns"),
    "drop_index": ("index_name", "table_name"),
    "create_foreign_key": (
        "constraint_name",
        "source_table",
        "referent_table",
        "local_cols",
        "remote_cols",
    ),
    "create_unique_constraint": ("constraint_name", "table_name", "columns"),
    "create_primary_key": ("constraint_name", "table_name", "columns"),
    "create_check_constraint": ("constraint_name", "table_name", "condition"),
    "create_exclude_constraint": ("constraint_name", "table_name"),
    "drop_constraint": ("constraint_name", "table_name"),
    "create_table_comment": ("table_name", "comment"),
    "drop_table_comment": ("table_name",),
}
_TABLE_PARAM = {
    name: ("source_table" if name == "create_foreign_key" else "table_name") for name in _OP_PARAMS
}
_TABLE_PARAM["rename_table"] = "old_table_name"
_SCHEMA_KEYWORD = {"create_foreign_key": "source_schema"}
_OPAQUE_OPS = frozenset({"invoke", "run_async"})


class _Replayer:
    def __init__(self, index: ProjectIndex, graph: RevisionGraph) -> None:
        self.index = index
        self.changes = SchemaChanges(graph)
        self.sql = SqlSteps(index, self.changes)
        self.views: dict[str, FileView] = {}
        # A project type a migration names (`myapp.db.types.Enum()`, a TypeDecorator over INT)
        # has the family the models' side gives it, not the one its last name suggests.
        self.families = TypeFamilies(Names(index.resolver))

    # -- driving

    def run(self) -> Replay:
        graph = self.changes.replay.graph
        if graph.cycles or graph.duplicates:
            self.changes.replay.blind_creates.append(
                "the revision graph has duplicate or cyclic revisions"
            )
        for path in graph.unreadable:  # DBL001: its operations (and place in the history) unknown
            self.changes.blind(f"revision file {path} could not be read")
        for path in graph.opaque:  # DBL001 too large: its place is known, its operations are not
            self.changes.blind(f"revision file {path} is too large to read its operations")
        for rid in graph.order:
            revision = graph.revisions[rid]
            facts = self.index.files[revision.path]
            migration = facts.migration
            upgrade = migration.function("upgrade") if migration is not None else None
            if migration is None and self._imports_project(facts):
                # No `op` import, so its operations live in the project modules it calls
                # (glance's root revision runs `add_images_tables.upgrade()`), which are not read.
                self.changes.start_revision(revision.id)
                self.changes.blind(
                    f"revision {revision.id} ({revision.path}) does not import Alembic's `op`: "
                    "its upgrade() runs project code the replay does not read"
                )
                continue
            if upgrade is None:
                continue  # no `op` import or no `upgrade()`: nothing to replay
            view = self.views.setdefault(revision.path, FileView(facts))
            self.changes.start_revision(revision.id)
            for function in _upgrade_functions(upgrade, migration):
                self._run_function(Frame(revision, view, function, {}, ()))
        self.changes.settle_unmerged()
        return self.changes.replay

    def _imports_project(self, facts: FileFacts) -> bool:
        """Whether a module imports a module or name of the project at module level."""
        module = self.index.module_of(facts.path)
        for imp in facts.imports:
            if imp.scope:
                continue
            found = self.index.resolver.resolve(module, imp.local)
            if found is not None and not isinstance(found.target, External):
                return True
        return False

    def _run_function(self, frame: Frame) -> None:
        for step in frame.function.steps:
            if step.loop_var:
                for value in step.loop_values:
                    values = {
                        **frame.values,
                        step.loop_var: Expr("str", value, line=step.line, column=step.column),
                    }
                    self._run_step(
                        step,
                        Frame(
                            frame.revision,
                            frame.view,
                            frame.function,
                            values,
                            frame.guards,
                            frame.depth,
                            frame.autocommit,
                        ),
                    )
            else:
                self._run_step(step, frame)

    def _run_step(self, step: MigrationStep, frame: Frame) -> None:
        if step.kind in ("op", "batch"):
            self._operation(step, frame)
        elif step.kind == "sql":
            self.changes.observe(step, frame, None, {})
            self.changes.transaction_statement(step.sql or "")
            self.sql.apply(step.sql or "", step, frame)
        elif step.kind == "schema":
            reason = (
                f"`{step.name}()` at {frame.where(step.line)} changes tables the replay cannot see"
            )
            self.changes.blind(reason)
        elif step.kind == "call":
            self._call(step, frame)

    def _call(self, step: MigrationStep, frame: Frame) -> None:
        helper = _helper_of(step, frame)
        view = frame.view
        if helper is None:
            imported = self._imported_helper(step, frame)
            if imported is not None:
                helper, view = imported
        if helper is not None and helper.name != "upgrade" and frame.depth < MAX_HELPER_DEPTH:
            values = {param: resolve(arg, frame) for param, arg in zip(helper.params, step.args)}
            for key, arg in step.keywords:
                if key in helper.params:
                    values[key] = resolve(arg, frame)
            if helper.star_param and not step.star and len(step.args) >= len(helper.params):
                # nbgrader's `_get_or_create_table("grade_cells", sa.Column(...), ...)` collecting
                # `*args` for `op.create_table(*args)`: the extra positional arguments, as a tuple.
                rest = step.args[len(helper.params) :]
                values[helper.star_param] = Expr(
                    "list", args=tuple(resolve(arg, frame) or arg for arg in rest)
                )
            for param in values:
                if _binds_again(helper, param, frame):
                    values[param] = None  # `args = args + (...)`: not the argument passed
            guards = frame.guards + step.guards
            if step.star:
                guards += (f"helper called with *args at {frame.where(step.line)}",)
            autocommit = frame.autocommit or step.autocommit
            self._run_function(
                Frame(frame.revision, view, helper, values, guards, frame.depth + 1, autocommit)
            )
            return
        if helper is None and not self._is_project_call(frame, step.name):
            return
        if (
            helper is not None
            and view is frame.view
            and not self._may_change_schema(frame, helper, {helper.name})
        ):
            return  # past the depth limit, a recursion over data (security_monkey's `sub_list`)
        reason = (
            f"call of `{step.name}` at {frame.where(step.line)}, which the replay does not follow"
        )
        names = [text for text in (text_of(arg, frame) for arg in step.args) if text]
        # A helper given a table reflected from the database works on that existing table: it
        # creates none, so it blinds nothing (sqlalchemy-searchable's `sync_trigger(conn, table, ...)`).
        reflected = [
            name for name in (reflected_table_name(arg, frame) for arg in step.args) if name
        ]
        touched = [
            named
            for named in (split_name(name) for name in names + reflected)
            if named in self.changes.tables
        ]
        if touched:
            for named in touched:
                self.changes.mark(named, reason)
        elif not reflected:
            self.changes.blind(reason)

    def _imported_helper(
        self, step: MigrationStep, frame: Frame
    ) -> Optional[tuple[MigrationFunction, FileView]]:
        """A module-level function of another project module that uses Alembic's `op` (a
        migrations' helper module: `from app.migration_utils import add_audit_columns`), called
        by name or as `module.helper`; None for anything else, whose effect stays unknown."""
        found = self.index.resolver.resolve(self.index.module_of(frame.path), step.name)
        if (
            found is None
            or found.rest
            or not isinstance(found.target, symbols.Defined)
            or not isinstance(found.target.node, FunctionDef)
            or found.target.node.scope
        ):
            return None
        table = self.index.resolver.modules.get(found.target.module)
        migration = table.facts.migration if table is not None else None
        if table is None or migration is None or table.facts.path == frame.path:
            return None
        function = migration.function(found.target.node.name)
        if function is None:
            return None
        return function, self.views.setdefault(table.facts.path, FileView(table.facts))

    def _may_change_schema(self, frame: Frame, function: MigrationFunction, seen: set[str]) -> bool:
        """Whether a helper of the revision reaches, directly or through the helpers it calls, an
        operation, SQL or a call into the project: one that only walks data changes no table."""
        for step in function.steps:
            if step.kind != "call":
                return True
            helper = _helper_of(step, frame)
            if helper is None:
                if self._is_project_call(frame, step.name):
                    return True
            elif helper.name not in seen:
                seen.add(helper.name)
                if self._may_change_schema(frame, helper, seen):
                    return True
        return False

    def _is_project_call(self, frame: Frame, callee: str) -> bool:
        """A function of the project: `helper()` imported from a project module, or `module.helper()`.

        Methods of project objects (`db.session.commit()`) are not followed: they change rows, not tables.
        """
        parts = callee.split(".")
        imp = frame.view.imports.get(parts[0])
        if imp is None or len(parts) > 2:
            return False
        base = imp.module if imp.level == 0 else self._relative(frame, imp.module, imp.level)
        target = f"{base}.{imp.name}" if imp.name else base
        is_module = self.index.resolver.project_module(target) is not None
        if len(parts) == 2:
            return is_module
        return (
            imp.name is not None
            and not is_module
            and self.index.resolver.project_module(base) is not None
        )

    def _relative(self, frame: Frame, module: str, level: int) -> str:
        here = self.index.module_of(frame.path).split(".")
        base = here[: max(len(here) - level, 0)]
        return ".".join([*base, module] if module else base)

    # -- operations

    def _operation(self, step: MigrationStep, frame: Frame) -> None:
        step = _spread(step, frame)
        name = core_operation(step.name)
        if name == "execute":
            self.sql.execute(step, frame)
            return
        if name in _OPAQUE_OPS:
            reason = f"`op.{name}()` at {frame.where(step.line)}"
            self.changes.blind(reason)
            return
        if name not in _OP_PARAMS:
            self._unknown_operation(step, frame)
            return
        params = _OP_PARAMS[name]
        table_param = _TABLE_PARAM[name]
        schema_keyword = _SCHEMA_KEYWORD.get(name, "schema")
        if step.kind == "batch":
            params = tuple(param for param in params if param != table_param)
            bound = bind(step, params)
            batch = step.batch or Expr("other")
            batch_args = bind(
                MigrationStep("op", "", batch.args, batch.keywords, 0, 0, 0),
                ("table_name", "schema"),
            )
            bound[table_param] = batch_args.get("table_name", Expr("other"))
            schema_expr = batch_args.get("schema")
        else:
            bound = bind(step, params)
            schema_expr = bound.get(schema_keyword)
        table_name = text_of(bound.get(table_param), frame)
        schema = text_of(schema_expr, frame) if schema_expr is not None else None
        self.changes.observe(
            step, frame, (schema, table_name) if table_name is not None else None, bound
        )
        guard = self.changes.guarded(step, frame)
        if table_name is None and name == "drop_index" and step.kind == "op":
            self._drop_index_anywhere(text_of(bound.get("index_name"), frame))
            return
        if table_name is None and name == "create_index":
            # phoenix: `for index_name, table_name, columns in _FK_INDEXES: op.create_index(...)`.
            # An index creates no table and changes no column, so the tables and columns the
            # replay knows stay certain; only the index goes unseen (a later repeat of it is missed).
            return
        if table_name is None:
            reason = f"`{name}` on a table whose name the replay cannot compute at {frame.where(step.line)}"
            self.changes.blind(reason, creates=name in ("create_table", "rename_table"))
            return
        key: TableKey = (schema, table_name)
        if name != "create_table":
            key = self.changes.known_key(key)
        handler = getattr(self, f"_op_{name}", None)
        if handler is not None:
            handler(key, bound, step, frame)
        else:
            self.changes.existing(key, step, frame, "changes")
        if guard is not None:
            target = text_of(bound.get("new_table_name"), frame) if name == "rename_table" else None
            self.changes.mark((schema, target) if target else key, guard, opaque=False)

    def _unknown_operation(self, step: MigrationStep, frame: Frame) -> None:
        """An operation the replay does not know (one a plugin registers on `Operations`): the tables it
        names (a `batch_op`'s table, or a literal argument naming a table) become uncertain."""
        args = (
            (step.batch or Expr("other")).args[:1]
            if step.kind == "batch"
            else (*step.args, *(v for _, v in step.keywords))
        )
        reason = (
            f"`{step.name}()` at {frame.where(step.line)}, an operation the replay does not know"
        )
        for text in filter(None, (text_of(arg, frame) for arg in args)):
            table = self.changes.replay.table(*split_name(text))
            if table is not None:
                table.unsure(reason)

    def _column(self, expr: Optional[Expr], frame: Frame) -> Optional[ColumnSpec]:
        expr = resolve(expr, frame) if expr is not None and expr.kind == "name" else expr
        if expr is None:
            return None
        if expr.kind == "call" and expr.args and expr.args[0].kind == "name":
            # `sa.Column(field, sa.String)` with `field = "media_url"` bound in the revision
            named = resolve(expr.args[0], frame)
            if named is not None and named.kind == "str":
                expr = replace(expr, args=(named, *expr.args[1:]))
        spec = column_from_expr(expr, frame.view.qualify, self.families.family)
        return spec if spec is not None and spec.name else None

    def _new_column(
        self, spec: ColumnSpec, frame: Frame, primary_key: bool = False
    ) -> ReplayColumn:
        pk = spec.primary_key or primary_key
        nullable = spec.nullable if spec.nullable is not None else not pk
        return ReplayColumn(
            spec.name or "",
            spec.type_name,
            spec.family,
            nullable,
            pk,
            spec.foreign_key,
            frame.revision.id,
            frame.path,
            spec.line,
            spec.column,
            sql_type=column_type(spec.type_expr),
        )

    def _op_create_table(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        self.changes.create(key, step, frame, if_not_exists=_keyword_true(step, "if_not_exists"))
        table = ReplayTable(
            key[0], key[1], {}, frame.revision.id, frame.path, step.line, step.column
        )
        table.created_guarded = bool(step.guards or frame.guards)
        # `schema=project_name` (r2r's, from the environment): the table is in a schema, which one
        # is known only at run time; `key` has none, as the replay matches tables of any schema.
        schema = bound.get("schema")
        table.schema_known = key[0] is not None or schema is None or schema.text == "None"
        if step.star:
            table.columns_known = False
            table.unsure(f"columns passed with *args at {frame.where(step.line)}")
        for item in step.args[1:]:
            self._table_item(table, item, frame, step)
        self.changes.tables[key] = table

    def _table_item(
        self, table: ReplayTable, item: Expr, frame: Frame, step: MigrationStep
    ) -> None:
        """One item of `create_table(...)` (a column, a constraint, an index), guarded as `step` is."""
        resolved = resolve(item, frame) if item.kind == "name" else item
        callee = (
            frame.view.qualify(resolved.text.split("()", 1)[0]).rsplit(".", 1)[-1]
            if resolved is not None
            else ""
        )
        if resolved is not None and callee in ("Column", "mapped_column"):
            spec = self._column(resolved, frame)
            if spec is None:
                table.columns_known = False
                table.unsure(
                    f"a column of {table.qualified} the replay cannot read at {frame.where(item.line)}"
                )
                return
            column = self._new_column(spec, frame)
            table.columns[column.name] = column
            if spec.index or spec.unique:
                table.add_constraint(
                    UNIQUE_CONSTRAINT if spec.unique and not spec.index else INDEX,
                    f"ix_{table.name}_{column.name}",
                    (column.name,),
                )
            if spec.foreign_key:
                table.foreign_keys[f"fk_{table.name}_{column.name}"] = (
                    (column.name,),
                    spec.foreign_key,
                )
            return
        columns = (
            tuple(text for text in (text_of(arg, frame) for arg in resolved.args) if text)
            if resolved
            else ()
        )
        constraint_name = text_of(resolved.keyword("name"), frame) if resolved else None
        if callee == "PrimaryKeyConstraint":
            for name in columns:
                key_column = table.column_named(name)
                if key_column is not None:
                    key_column.primary_key = True
                    key_column.nullable = False
        elif callee == "UniqueConstraint":
            table.add_constraint(
                UNIQUE_CONSTRAINT,
                constraint_name or f"uq_{table.name}_{'_'.join(columns)}",
                columns,
                _named_origin(constraint_name, UNIQUE_CONSTRAINT, columns, item.line, frame, step)
                if constraint_name
                else None,
            )
        elif callee == "Index":
            index_name = text_of(resolved.args[0], frame) if resolved and resolved.args else None
            table.add_constraint(
                INDEX,
                index_name or "",
                columns[1:],
                _named_origin(index_name, INDEX, columns[1:], item.line, frame, step)
                if index_name
                else None,
            )
        elif callee == "ForeignKeyConstraint" and resolved is not None and len(resolved.args) >= 2:
            local = texts_of(resolved.args[0], frame) or ()
            remote = texts_of(resolved.args[1], frame) or ()
            table.foreign_keys[constraint_name or f"fk_{table.name}_{'_'.join(local)}"] = (
                local,
                ",".join(remote),
            )
        elif callee not in ("CheckConstraint", "Computed", "Identity"):
            table.columns_known = False
            table.unsure(
                f"an argument of create_table the replay cannot read at {frame.where(item.line)}"
            )

    def _op_drop_table(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        if self.changes.existing(key, step, frame, "drops") is not None:
            self.changes.discard(key, frame)

    def _op_rename_table(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        new_name = text_of(bound.get("new_table_name"), frame)
        self.changes.existing(key, step, frame, "renames")  # records a rename of an uncreated table
        if new_name is None:
            self.changes.replay.blind_creates.append(
                f"rename_table to a computed name at {frame.where(step.line)}"
            )
            # A table assumed on a chain from an unknown schema is in no table list to leave.
            self.changes.tables.pop(key, None)
            return
        self.changes.rename(key, (key[0], new_name))

    def _op_add_column(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        table = self.changes.existing(key, step, frame, "adds a column to")
        spec = self._column(bound.get("column"), frame)
        if table is None:
            return
        if spec is None:
            table.unsure(f"a column added at {frame.where(step.line)} the replay cannot read")
            return
        existing = table.column_named(spec.name or "")
        if existing is not None:
            known = table.columns_known or key in self.changes.replay.assumed
            self.changes.repeated_create(
                key,
                existing,
                table,
                step,
                frame,
                tolerated=_keyword_true(step, "if_not_exists"),
                earlier_certain=(
                    known and existing.certain and not table.opaque and not table.created_guarded
                ),
            )
        guarded = bool(step.guards or frame.guards)
        if guarded and existing is not None:
            return  # `if not has_column(...)`: the column is there either way
        column = self._new_column(spec, frame)
        column.certain = not guarded
        table.columns[column.name] = column
        if spec.foreign_key:
            table.foreign_keys[f"fk_{table.name}_{column.name}"] = (
                (column.name,),
                spec.foreign_key,
            )

    def _op_drop_column(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        table = self.changes.existing(key, step, frame, "drops a column of")
        name = text_of(bound.get("column_name"), frame)
        if table is None:
            return
        if name is None:
            table.unsure(f"drop_column of a computed name at {frame.where(step.line)}")
            return
        column = table.column_named(name)
        if column is not None:
            del table.columns[column.name]
        table.forget_named(columns=(name,))  # its indexes go with it

    def _op_alter_column(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        table = self.changes.existing(key, step, frame, "alters a column of")
        name = text_of(bound.get("column_name"), frame)
        if table is None:
            return
        column = table.column_named(name) if name is not None else None
        if column is None:
            table.unsure(
                f"alter_column of a column the replay does not know at {frame.where(step.line)}"
            )
            return
        type_expr = step.keywords and dict(step.keywords).get("type_")
        if type_expr:
            column.typed_by = frame.revision.id
            spec = column_from_expr(
                Expr("call", "Column", (Expr("str", column.name), type_expr)),
                frame.view.qualify,
                self.families.family,
            )
            column.type_name = spec.type_name if spec else None
            column.family = spec.family if spec else UNKNOWN
            column.sql_type = column_type(resolved(type_expr, frame))
        nullable = dict(step.keywords).get("nullable")
        if nullable is not None:
            if nullable.kind == "const" and nullable.text in ("True", "False"):
                column.nullable = nullable.text == "True"
                column.nulled_by = frame.revision.id
            else:
                table.unsure(f"alter_column with a computed nullable at {frame.where(step.line)}")
        new_name = text_of(dict(step.keywords).get("new_column_name"), frame)
        if new_name:
            table.rename_column(column, new_name)

    def _op_create_index(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        table = self.changes.existing(key, step, frame, "creates an index on")
        if table is None:
            return
        name = text_of(bound.get("index_name"), frame)
        columns = texts_of(bound.get("columns"), frame) or ()
        if name:
            origin = _named_origin(name, INDEX, columns, step.line, frame, step)
            self.changes.create_named(
                key, table, origin, step, frame, tolerated=_keyword_true(step, "if_not_exists")
            )
        else:
            table.add_constraint(INDEX, "", columns)

    def _op_drop_index(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        table = self.changes.existing(key, step, frame, "drops an index of")
        if table is not None:
            table.drop_constraint(text_of(bound.get("index_name"), frame) or "", (INDEX,))

    def _drop_index_anywhere(self, name: Optional[str]) -> None:
        if name is None:
            return
        for table in self.changes.tables.values():
            table.drop_constraint(name, (INDEX,))

    def _op_create_foreign_key(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        table = self.changes.existing(key, step, frame, "adds a foreign key to")
        if table is not None:
            local = texts_of(bound.get("local_cols"), frame) or ()
            target = text_of(bound.get("referent_table"), frame) or "?"
            remote = texts_of(bound.get("remote_cols"), frame) or ()
            name = (
                text_of(bound.get("constraint_name"), frame) or f"fk_{table.name}_{'_'.join(local)}"
            )
            table.foreign_keys[name] = (local, f"{target}.{','.join(remote)}")

    def _op_create_unique_constraint(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        table = self.changes.existing(key, step, frame, "adds a unique constraint to")
        if table is not None:
            columns = texts_of(bound.get("columns"), frame) or ()
            name = text_of(bound.get("constraint_name"), frame)
            if name:
                origin = _named_origin(name, UNIQUE_CONSTRAINT, columns, step.line, frame, step)
                self.changes.create_named(key, table, origin, step, frame)
            else:
                table.add_constraint(UNIQUE_CONSTRAINT, f"uq_{'_'.join(columns)}", columns)

    def _op_create_primary_key(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        table = self.changes.existing(key, step, frame, "adds a primary key to")
        if table is not None:
            for name in texts_of(bound.get("columns"), frame) or ():
                column = table.column_named(name)
                if column is not None:
                    column.primary_key, column.nullable = True, False

    def _op_drop_constraint(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        table = self.changes.existing(key, step, frame, "drops a constraint of")
        name = text_of(bound.get("constraint_name"), frame)
        if table is not None and name is not None:
            table.foreign_keys.pop(name, None)
            table.drop_constraint(name)


def _named_origin(
    name: str,
    kind: str,
    columns: tuple[str, ...],
    line: int,
    frame: Frame,
    step: MigrationStep,
) -> NamedOrigin:
    """Where the current revision creates an index or unique constraint named `name` (at `line`,
    by `step` or inside its `create_table`), guarded as that step is."""
    guarded = bool(frame.guards or step.guards)
    return NamedOrigin(name, kind, columns, frame.revision.id, frame.path, line, guarded)


def _helper_of(step: MigrationStep, frame: Frame) -> Optional[MigrationFunction]:
    """The function of the revision's own file that a call step calls (`helper(op)`), if any."""
    migration = frame.view.facts.migration
    return migration.function(step.name) if migration is not None and "." not in step.name else None


def _binds_again(helper: MigrationFunction, param: str, frame: Frame) -> bool:
    """Whether the helper binds its parameter `param` anew in its body (`name = "x_" + name`,
    `args += (...)`, a loop): its value is then not the argument the call passed."""
    return param in helper.rebound or (helper.name, param) in frame.view.bindings


def _keyword_true(step: MigrationStep, name: str) -> bool:
    """Whether the operation passes `name=True` (`if_not_exists=True`)."""
    value = dict(step.keywords).get(name)
    return value is not None and value.kind == "const" and value.text == "True"


def replay_graph(index: ProjectIndex, graph: RevisionGraph) -> Replay:
    """The replay of one revision graph."""
    return _Replayer(index, graph).run()


def _upgrade_functions(
    upgrade: MigrationFunction, migration: Optional[MigrationFacts]
) -> list[MigrationFunction]:
    """`upgrade()`, and with Flask-Migrate's multi-database template (`upgrade(engine_name)` calls
    `upgrade_<engine>()` through `globals()`) every `upgrade_<engine>()` in source order: the
    default database's `upgrade_()` and each bind's."""
    if migration is None or "engine_name" not in upgrade.params:
        return [upgrade]
    engines = [item for item in migration.functions if item.name.startswith("upgrade_")]
    return [upgrade, *sorted(engines, key=lambda item: item.line)]


def _spread(step: MigrationStep, frame: Frame) -> MigrationStep:
    """`op.create_table(*args)` where the frame holds `args` as a tuple of known arguments (a
    helper's `*args`): the step with them written out, as Python passes them."""
    if not step.star or not step.star_name or step.star_name not in frame.values:
        return step
    value = frame.values[step.star_name]
    if value is None or value.kind != "list":
        return step
    return replace(step, args=step.args + value.args, star=False, star_name="")
