"""The interpreter of migrations: applies each revision's `upgrade()` to the replay's schema.

Each revision's `upgrade()` is applied in graph order, over every chain of the graph (chains
from real roots as usual, chains from a missing link over an unknown schema): `op.*` and
`batch_op.*` operations, SQL strings (read by the SQL reader, `dblint.sql`), helpers of the
same file (with literal arguments substituted) and loops over literal lists. Renames
(`op.rename_table`, `ALTER TABLE t RENAME TO n`, `RENAME TABLE t TO n`) move a table's columns
to the new name, and foreign keys that pointed at it follow, as in the database. Anything
else marks the tables it touches uncertain; precision comes first. What happened that a rule
may judge is recorded as events (`events.py`), never as findings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from dblint.facts.model import Binding, Expr, MigrationStep
from dblint.facts.vocabulary import STATEMENT_METHODS
from dblint.index.columns import ColumnSpec, column_from_expr
from dblint.index.replay.events import ChangeOfUncreated, OperationPlace, RepeatedCreate, TableKey
from dblint.index.replay.schema import (
    CREATED_HERE,
    EXISTED,
    STATE_UNKNOWN,
    OperationView,
    Replay,
    ReplayColumn,
    ReplayTable,
    retargeted,
    split_name,
)
from dblint.index.replay.values import (
    MAX_NAME_HOPS,
    FileView,
    Frame,
    bind,
    resolve,
    sql_of,
    text_of,
    texts_of,
)
from dblint.index.revisions import RevisionGraph
from dblint.index.symbols import Defined
from dblint.index.types import UNKNOWN, family_of_type_name
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
# Operations plugins register that do what a core one does (GeoAlchemy2's `alembic_helpers`).
_OP_ALIASES = {
    "add_geospatial_column": "add_column",
    "drop_geospatial_column": "drop_column",
    "create_geospatial_table": "create_table",
    "drop_geospatial_table": "drop_table",
    "create_geospatial_index": "create_index",
    "drop_geospatial_index": "drop_index",
}
_TABLE_PARAM = {
    name: ("source_table" if name == "create_foreign_key" else "table_name") for name in _OP_PARAMS
}
_TABLE_PARAM["rename_table"] = "old_table_name"
_SCHEMA_KEYWORD = {"create_foreign_key": "source_schema"}
_OPAQUE_OPS = frozenset({"invoke", "run_async"})
_DML_WORDS = frozenset({"insert", "update", "delete", "select", "values", "where", "bulk_insert"})


class _Replayer:
    def __init__(self, index: ProjectIndex, graph: RevisionGraph) -> None:
        self.index = index
        self.replay = Replay(graph)
        self.views: dict[str, FileView] = {}
        self.unrooted = graph.unrooted
        self._blind_before_revision = 0  # len(blind_creates) when the current revision started

    # -- state helpers

    @property
    def tables(self) -> dict[TableKey, ReplayTable]:
        return self.replay.tables

    def _mark(self, key: TableKey, reason: str, opaque: bool = True) -> None:
        table = self.tables.get(key)
        if table is not None:
            table.unsure(reason, opaque)

    def _place(self, step: MigrationStep, frame: Frame) -> OperationPlace:
        revision = frame.revision
        return OperationPlace(revision.id, revision.path, step.line, step.column, step.end_line)

    def _existing(
        self, key: TableKey, step: MigrationStep, frame: Frame, action: str
    ) -> Optional[ReplayTable]:
        """The table an operation changes; a change of an uncreated table when it does not exist.

        On a chain that starts at a missing link the table may come from the unknown
        schema before it: it is assumed (uncertain) instead.
        """
        table = self.tables.get(key)
        if table is not None:
            return table
        if frame.revision.id in self.unrooted:
            return self._assumed(key, frame)
        if key not in self.replay.dropped:
            self.replay.uncreated_changes.append(
                ChangeOfUncreated(
                    self._place(step, frame), key, action, bool(step.guards or frame.guards)
                )
            )
        return None

    def _repeated_create(
        self,
        key: TableKey,
        column: Optional[ReplayColumn],
        earlier: ReplayTable,
        step: MigrationStep,
        frame: Frame,
        *,
        tolerated: bool,
        earlier_certain: bool,
    ) -> None:
        """Record a create of a table (or column) that a revision run with this one created."""
        made = column if column is not None else earlier
        if not self._repeated(made.revision, frame):
            return
        self.replay.repeated_creates.append(
            RepeatedCreate(
                self._place(step, frame),
                key,
                column.name if column is not None else None,
                made.revision,
                made.path,
                made.line,
                guarded=bool(step.guards or frame.guards),
                tolerated=tolerated,
                earlier_certain=earlier_certain,
                after_unseen=bool(self.replay.blind_alters or self.replay.blind_creates),
            )
        )

    def _assumed(self, key: TableKey, frame: Frame) -> ReplayTable:
        """The table as a chain from an unknown schema sees it: columns it adds are known, the rest is not."""
        table = self.replay.assumed.get(key)
        if table is None:
            revision = frame.revision
            table = ReplayTable(
                key[0], key[1], {}, revision.id, revision.path, 0, 0, columns_known=False
            )
            table.unsure(
                f"revision {revision.id} changes it on a chain that starts at a missing or unreadable "
                "down_revision: the schema before that chain is unknown",
                opaque=False,
            )
            self.replay.assumed[key] = table
        return table

    def _discard(self, key: TableKey, frame: Frame) -> None:
        """Forget a dropped table, whether created or assumed."""
        if self.tables.pop(key, None) is not None:
            self.replay.dropped[key] = frame.revision.id
        self.replay.assumed.pop(key, None)

    def _repeated(self, earlier: str, frame: Frame) -> bool:
        """True when `earlier` and the current revision run together on the way to some revision."""
        return self.replay.graph.on_one_ancestry(earlier, frame.revision.id)

    # -- driving

    def run(self) -> Replay:
        graph = self.replay.graph
        if graph.cycles or graph.duplicates:
            self.replay.blind_creates.append("the revision graph has duplicate or cyclic revisions")
        for rid in graph.order:
            revision = graph.revisions[rid]
            facts = self.index.files[revision.path]
            migration = facts.migration
            upgrade = migration.function("upgrade") if migration is not None else None
            if upgrade is None:
                continue  # no `op` import or no `upgrade()`: nothing to replay
            view = self.views.setdefault(revision.path, FileView(facts))
            self._blind_before_revision = len(self.replay.blind_creates)
            self._run_function(Frame(revision, view, upgrade, {}, ()))
        return self.replay

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
            self._observe(step, frame, None, {})
            self._sql(step.sql or "", step, frame)
        elif step.kind == "schema":
            reason = (
                f"`{step.name}()` at {frame.where(step.line)} changes tables the replay cannot see"
            )
            self.replay.blind_creates.append(reason)
            self.replay.blind_alters.append(reason)
        elif step.kind == "call":
            self._call(step, frame)

    def _call(self, step: MigrationStep, frame: Frame) -> None:
        migration = frame.view.facts.migration
        helper = (
            migration.function(step.name)
            if migration is not None and "." not in step.name
            else None
        )
        if helper is not None and helper.name != "upgrade" and frame.depth < MAX_HELPER_DEPTH:
            values = {param: resolve(arg, frame) for param, arg in zip(helper.params, step.args)}
            for key, arg in step.keywords:
                if key in helper.params:
                    values[key] = resolve(arg, frame)
            guards = frame.guards + step.guards
            if step.star:
                guards += (f"helper called with *args at {frame.where(step.line)}",)
            autocommit = frame.autocommit or step.autocommit
            self._run_function(
                Frame(
                    frame.revision, frame.view, helper, values, guards, frame.depth + 1, autocommit
                )
            )
            return
        if helper is None and not self._is_project_call(frame, step.name):
            return
        reason = (
            f"call of `{step.name}` at {frame.where(step.line)}, which the replay does not follow"
        )
        names = [text for text in (text_of(arg, frame) for arg in step.args) if text]
        touched = [named for named in (split_name(name) for name in names) if named in self.tables]
        if touched:
            for named in touched:
                self._mark(named, reason)
        else:
            self.replay.blind_creates.append(reason)
            self.replay.blind_alters.append(reason)

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

    def _relative(self, frame: Frame, module: str, level: int) -> str:
        here = self.index.module_of(frame.revision.path).split(".")
        base = here[: max(len(here) - level, 0)]
        return ".".join([*base, module] if module else base)

    # -- operations

    def _guarded(self, step: MigrationStep, frame: Frame) -> Optional[str]:
        guards = frame.guards + step.guards
        if not guards:
            return None
        return f"{guards[-1]} in {frame.revision.path} (revision {frame.revision.id})"

    def _operation(self, step: MigrationStep, frame: Frame) -> None:
        name = _OP_ALIASES.get(step.name, step.name)
        if name == "execute":
            self._execute(step, frame)
            return
        if name in _OPAQUE_OPS:
            reason = f"`op.{name}()` at {frame.where(step.line)}"
            self.replay.blind_creates.append(reason)
            self.replay.blind_alters.append(reason)
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
        self._observe(step, frame, (schema, table_name) if table_name is not None else None, bound)
        guard = self._guarded(step, frame)
        if table_name is None and name == "drop_index" and step.kind == "op":
            self._drop_index_anywhere(text_of(bound.get("index_name"), frame))
            return
        if table_name is None:
            reason = f"`{name}` on a table whose name the replay cannot compute at {frame.where(step.line)}"
            if name in ("create_table", "rename_table"):
                self.replay.blind_creates.append(reason)
            self.replay.blind_alters.append(reason)
            return
        key: TableKey = (schema, table_name)
        handler = getattr(self, f"_op_{name}", None)
        if handler is not None:
            handler(key, bound, step, frame)
        else:
            self._existing(key, step, frame, "changes")
        if guard is not None:
            target = text_of(bound.get("new_table_name"), frame) if name == "rename_table" else None
            self._mark((schema, target) if target else key, guard, opaque=False)

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
            table = self.replay.table(*split_name(text))
            if table is not None:
                table.unsure(reason)

    def _observe(
        self, step: MigrationStep, frame: Frame, key: Optional[TableKey], bound: dict[str, Expr]
    ) -> None:
        """Record the operation with the state of its table before it runs (`Replay.operations`)."""
        table = self.replay.table(*key) if key is not None else None
        if table is not None:
            state = CREATED_HERE if table.revision == frame.revision.id else EXISTED
        elif len(self.replay.blind_creates) > self._blind_before_revision:
            state = STATE_UNKNOWN
        else:
            state = EXISTED
        column_type = None
        column_name = text_of(bound.get("column_name"), frame)
        if table is not None and column_name is not None:
            column = table.column_named(column_name)
            column_type = column.type_name if column is not None else None
        resolved = tuple((name, resolve(value, frame) or value) for name, value in bound.items())
        self.replay.operations.append(
            OperationView(
                frame.revision.id,
                frame.revision.path,
                step,
                key,
                state,
                column_type,
                step.autocommit or frame.autocommit,
                resolved,
            )
        )

    def _column(self, expr: Optional[Expr], frame: Frame) -> Optional[ColumnSpec]:
        expr = resolve(expr, frame) if expr is not None and expr.kind == "name" else expr
        if expr is None:
            return None
        spec = column_from_expr(expr, frame.view.qualify, family_of_type_name)
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
            frame.revision.path,
            spec.line,
            spec.column,
        )

    def _op_create_table(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        self._create(key, step, frame)
        table = ReplayTable(
            key[0], key[1], {}, frame.revision.id, frame.revision.path, step.line, step.column
        )
        table.created_guarded = bool(step.guards or frame.guards)
        if step.star:
            table.columns_known = False
            table.unsure(f"columns passed with *args at {frame.where(step.line)}")
        for item in step.args[1:]:
            self._table_item(table, item, frame)
        self.tables[key] = table

    def _create(
        self, key: TableKey, step: MigrationStep, frame: Frame, if_not_exists: bool = False
    ) -> None:
        existing = self.tables.get(key)
        if existing is not None:
            self._repeated_create(
                key,
                None,
                existing,
                step,
                frame,
                tolerated=if_not_exists,
                earlier_certain=not existing.opaque and not existing.created_guarded,
            )
        self.replay.ever_created.add(key)
        self.replay.dropped.pop(key, None)
        self.replay.assumed.pop(key, None)

    def _table_item(self, table: ReplayTable, item: Expr, frame: Frame) -> None:
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
                (table.unique if spec.unique and not spec.index else table.indexes)[
                    f"ix_{table.name}_{column.name}"
                ] = (column.name,)
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
            table.unique[constraint_name or f"uq_{table.name}_{'_'.join(columns)}"] = columns
        elif callee == "Index":
            table.indexes[
                text_of(resolved.args[0], frame) if resolved and resolved.args else ""
            ] = columns[1:]
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
        if self._existing(key, step, frame, "drops") is not None:
            self._discard(key, frame)

    def _op_rename_table(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        new_name = text_of(bound.get("new_table_name"), frame)
        table = self._existing(key, step, frame, "renames")
        if new_name is None:
            self.replay.blind_creates.append(
                f"rename_table to a computed name at {frame.where(step.line)}"
            )
            if table is not None:
                del self.tables[key]
            return
        self._rename(key, (key[0], new_name))

    def _rename(self, key: TableKey, new_key: TableKey) -> None:
        """Move a table to its new name; foreign keys that pointed at it follow, as in the database."""
        assumed = self.replay.assumed.pop(key, None)
        if assumed is not None:
            assumed.schema, assumed.name = new_key
            self.replay.assumed[new_key] = assumed
        table = self.tables.pop(key, None)
        if table is not None:
            table.schema, table.name = new_key
            self.tables[new_key] = table
            for other in self.tables.values():
                for column in other.columns.values():
                    if column.foreign_key:
                        column.foreign_key = retargeted(column.foreign_key, key, new_key[1])
                for name, (columns, target) in list(other.foreign_keys.items()):
                    other.foreign_keys[name] = (columns, retargeted(target, key, new_key[1]))
        self.replay.ever_created.add(new_key)

    def _op_add_column(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        table = self._existing(key, step, frame, "adds a column to")
        spec = self._column(bound.get("column"), frame)
        if table is None:
            return
        if spec is None:
            table.unsure(f"a column added at {frame.where(step.line)} the replay cannot read")
            return
        existing = table.column_named(spec.name or "")
        if existing is not None:
            known = table.columns_known or key in self.replay.assumed
            self._repeated_create(
                key,
                existing,
                table,
                step,
                frame,
                tolerated=False,
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
        table = self._existing(key, step, frame, "drops a column of")
        name = text_of(bound.get("column_name"), frame)
        if table is None:
            return
        if name is None:
            table.unsure(f"drop_column of a computed name at {frame.where(step.line)}")
            return
        column = table.column_named(name)
        if column is not None:
            del table.columns[column.name]

    def _op_alter_column(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        table = self._existing(key, step, frame, "alters a column of")
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
            spec = column_from_expr(
                Expr("call", "Column", (Expr("str", column.name), type_expr)),
                frame.view.qualify,
                family_of_type_name,
            )
            column.type_name = spec.type_name if spec else None
            column.family = spec.family if spec else UNKNOWN
        nullable = dict(step.keywords).get("nullable")
        if nullable is not None:
            if nullable.kind == "const" and nullable.text in ("True", "False"):
                column.nullable = nullable.text == "True"
            else:
                table.unsure(f"alter_column with a computed nullable at {frame.where(step.line)}")
        new_name = text_of(dict(step.keywords).get("new_column_name"), frame)
        if new_name:
            del table.columns[column.name]
            column.name = new_name
            table.columns[new_name] = column

    def _op_create_index(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        table = self._existing(key, step, frame, "creates an index on")
        if table is not None:
            table.indexes[text_of(bound.get("index_name"), frame) or ""] = (
                texts_of(bound.get("columns"), frame) or ()
            )

    def _op_drop_index(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        table = self._existing(key, step, frame, "drops an index of")
        if table is not None:
            table.indexes.pop(text_of(bound.get("index_name"), frame) or "", None)

    def _drop_index_anywhere(self, name: Optional[str]) -> None:
        for table in self.tables.values():
            if name in table.indexes:
                del table.indexes[name]

    def _op_create_foreign_key(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        table = self._existing(key, step, frame, "adds a foreign key to")
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
        table = self._existing(key, step, frame, "adds a unique constraint to")
        if table is not None:
            columns = texts_of(bound.get("columns"), frame) or ()
            table.unique[
                text_of(bound.get("constraint_name"), frame) or f"uq_{'_'.join(columns)}"
            ] = columns

    def _op_create_primary_key(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        table = self._existing(key, step, frame, "adds a primary key to")
        if table is not None:
            for name in texts_of(bound.get("columns"), frame) or ():
                column = table.column_named(name)
                if column is not None:
                    column.primary_key, column.nullable = True, False

    def _op_drop_constraint(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: Frame
    ) -> None:
        table = self._existing(key, step, frame, "drops a constraint of")
        name = text_of(bound.get("constraint_name"), frame)
        if table is not None and name is not None:
            for constraints in (table.unique, table.foreign_keys, table.indexes):
                constraints.pop(name, None)

    # -- SQL

    def _execute(self, step: MigrationStep, frame: Frame) -> None:
        """Run a statement. One the replay cannot read in full makes uncertain only what it could
        change: a DML-shaped one (`UPDATE ...` built in a loop, `sa.update(t)`, `stmt.bindparams()` of
        a `SELECT`) nothing, other text the tables it names; only a statement of which nothing at all
        can be read blinds the replay."""
        expr = resolve(step.args[0], frame) if step.args else None
        text = sql_of(expr, frame)
        if text is not None:
            self._sql(text, step, frame)
            return
        if expr is not None and _is_dml(expr):
            return
        if step.args and self._from_library(frame, step.args[0]):
            return  # SQL a library ships (functions, triggers, extensions), not the project's tables
        partial = self._statement_text(step.args[0], frame) if step.args else None
        if partial is not None and (classify_sql(partial) or not starts_as_row_statement(partial)):
            if classify_sql(partial):
                self._sql(
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
        self.replay.blind_creates.append(reason)
        self.replay.blind_alters.append(reason)

    def _statement_text(self, expr: Optional[Expr], frame: Frame, depth: int = 0) -> Optional[str]:
        """What can be read of a statement built at run time: its string pieces, `{}` for the rest
        (`"UPDATE t SET a = %s" % x`, `"..." + name`, `text(q).bindparams(...)`, a constant of a project
        module). None when no piece is a string."""
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
            if method in STATEMENT_METHODS and callee and "()" not in callee and "[]" not in callee:
                return self._statement_text(Expr("name", callee), frame, depth + 1)
        return None

    def _same_kind(self, name: str, frame: Frame, depth: int) -> Optional[Expr]:
        """A local bound in several branches (`if postgres: stmt = "SELECT ..." else: stmt = "SELECT ..."`):
        the first value, when every value reads as row-only SQL (else None)."""
        if name in frame.function.params or name in frame.function.rebound:
            return None
        values = frame.view.bindings.get((frame.function.name, name), [])
        texts = [self._statement_text(value, frame, depth + 1) for value in values]
        if len(values) > 1 and all(
            text is not None and starts_as_row_statement(text) and not classify_sql(text)
            for text in texts
        ):
            return Expr("str", texts[0] or "")
        return None

    def _project_constant(self, name: str, frame: Frame) -> Optional[Expr]:
        """The literal a name imported from a project module is bound to (`from app.sql import PURGE`)."""
        if name in frame.function.params or name in frame.function.rebound:
            return None
        module = self.index.module_of(frame.revision.path)
        resolution = self.index.resolver.resolve(module, name, frame.function.name)
        if resolution is None or resolution.rest or not isinstance(resolution.target, Defined):
            return None
        node = resolution.target.node
        value = node.value if isinstance(node, Binding) and not node.scope else None
        return value if value is not None and value.kind == "str" else None

    def _unsure_of_named(self, text: str, reason: str) -> None:
        """Mark uncertain the tables a statement the replay cannot read names (none: nothing)."""
        words = name_words(text)
        for key, table in self.tables.items():
            if table.name.lower() in words or table.qualified.lower() in words:
                self._mark(key, reason)

    def _sql(self, text: str, step: MigrationStep, frame: Frame) -> None:
        guard = self._guarded(step, frame)
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
                if statement.kind in (CREATE_TABLE, CREATE_VIEW, RENAME_TABLE):
                    self.replay.blind_creates.append(reason)
                self.replay.blind_alters.append(reason)
                continue
            key = split_name(unquote_dotted(name))
            chunk = text[statement.offset :]
            renamed = renamed_to(statement.kind, chunk)
            if statement.kind in (CREATE_TABLE, CREATE_VIEW):
                self._create(
                    key,
                    step,
                    frame,
                    if_not_exists=creates_if_not_exists(chunk) or statement.kind == CREATE_VIEW,
                )
                if key in self.tables and creates_if_not_exists(chunk):
                    continue
                table = ReplayTable(
                    key[0],
                    key[1],
                    {},
                    frame.revision.id,
                    frame.revision.path,
                    step.line,
                    step.column,
                )
                table.is_view = statement.kind == CREATE_VIEW
                table.columns_known = bool(statement.columns) and not table.is_view
                for column in statement.columns:
                    table.columns[column.name] = _sql_column(column, step, frame)
                self.tables[key] = table
            elif statement.kind in (DROP_TABLE, DROP_VIEW):
                if (
                    key not in self.tables
                    and statement.kind == DROP_TABLE
                    and not drops_if_exists(chunk)
                ):
                    self._existing(key, step, frame, "drops")
                self._discard(key, frame)
            elif renamed is not None:
                new_schema, new_name = split_name(renamed)
                new_key = (new_schema or key[0], new_name)
                self._rename(key, new_key)
                key = new_key  # a guard marks the table under its new name
            elif statement.kind == ALTER_TABLE:
                # `ALTER TABLE public.t` changes the `t` created without a schema
                altered = self.replay.table(*key)
                if altered is not None and not self._alter(
                    altered, alter_actions(chunk), step, frame
                ):
                    altered.unsure(
                        f"ALTER TABLE the replay cannot read at {frame.where(step.line)}"
                    )
            elif statement.kind == RENAME_TABLE:
                self._mark(key, f"RENAME at {frame.where(step.line)}")
                self.replay.blind_creates.append(f"RENAME TABLE at {frame.where(step.line)}")
            if guard is not None:
                self._mark(key, guard, opaque=False)

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
            if action.kind == RENAME_COLUMN:
                if column is None:
                    return False
                del table.columns[column.name]
                column.name = action.new_name
                table.columns[column.name] = column
            elif action.kind == DROP_COLUMN:
                if column is not None:
                    del table.columns[column.name]
            elif action.kind == ALTER_COLUMN:
                if column is None:
                    return False
                if action.nullable is not None:
                    column.nullable = action.nullable
                if action.type_name is not None:
                    column.type_name = action.type_name
                    column.family = family_of_type_name(action.type_name)
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
        frame.revision.path,
        step.line,
        step.column,
    )


def _is_dml(expr: Expr) -> bool:
    """`table.update().values(...)`, `sa.insert(t)`, `text("UPDATE ...")`-like statements that change rows only."""
    if expr.kind != "call":
        return False
    parts = {part.rstrip("()[]") for part in expr.text.split(".")}
    return bool(parts & _DML_WORDS)


def replay_graph(index: ProjectIndex, graph: RevisionGraph) -> Replay:
    """The replay of one revision graph."""
    return _Replayer(index, graph).run()
