"""A static replay of each script location's migrations into an in-memory schema.

Public API (used by the drift rules and the inventory):

- `replays(index) -> tuple[Replay, ...]`, one per revision graph (`index.revisions`),
  built on first use and kept (`ProjectIndex.view`).
- `Replay.tables`: the schema at the head(s) (the union of all branches), by
  `(schema, name)`; each `ReplayTable` has columns (type family, nullability, keys),
  indexes, unique constraints, foreign keys, the revision that created it, and
  `uncertain` reasons when the replay could not follow everything done to it.
- `Replay.created_by_revision`: qualified table name -> revision id that created it.
- `Replay.blind_creates` / `blind_alters`: why the replay may have missed a table
  created, or a change made, anywhere (a computed table name, `create_all()` in a
  migration, SQL it cannot read, a call into another module).
- `Replay.assumed`: tables that revisions on a chain starting at a missing (or
  unreadable) `down_revision` change without creating them: they existed before that
  chain in a schema the replay cannot know, so they are uncertain, never "uncreated".
- `Replay.issues`: DBL414 (creates what exists along one ancestry) and DBL415 (changes
  a table no migration creates) candidates, at the `op.` call.
- `Replay.issues`: DBL414 (creates what exists) and DBL415 (changes a table no
  migration creates) candidates, at the `op.` call.
- `Replay.operations`: every `op.` / `batch_op.` operation and literal SQL step of each
  `upgrade()` in replay order, with whether its table existed before that revision
  (`OperationView`; read by the migration-safety rules).

Each revision's `upgrade()` is applied in graph order, over every chain of the graph
(chains from real roots as usual, chains from a missing link over an unknown schema): `op.*` and `batch_op.*`
operations, SQL strings (through the SQL classifier), helpers of the same file
(with literal arguments substituted) and loops over literal lists. Renames
(`op.rename_table`, `ALTER TABLE t RENAME TO n`, `RENAME TABLE t TO n`) move a table's
columns to the new name, and foreign keys that pointed at it follow, as in the database.
Anything else marks the tables it touches uncertain; precision comes first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from dblint.facts.model import Binding, Expr, FileFacts, MigrationFunction, MigrationStep
from dblint.facts.sql import (
    ALTER_TABLE,
    CREATE_TABLE,
    CREATE_VIEW,
    DROP_TABLE,
    DROP_VIEW,
    RENAME_TABLE,
    classify_sql,
)
from dblint.facts.vocabulary import STATEMENT_METHODS
from dblint.index.columns import ColumnSpec, column_from_expr
from dblint.index.revisions import Revision, RevisionGraph, revision_graphs
from dblint.index.symbols import Defined
from dblint.index.types import UNKNOWN, family_of_type_name

if TYPE_CHECKING:
    from dblint.index.project import ProjectIndex

TableKey = tuple[Optional[str], str]
MAX_HELPER_DEPTH = 8
MAX_NAME_HOPS = 4

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
_DML_START = re.compile(
    r"^\s*(?:\(\s*)?(?:SELECT|INSERT|UPDATE|DELETE|WITH|MERGE|VALUES)\b", re.IGNORECASE
)
_SQL_WORDS = re.compile(r"[\w.]+")
_IF_NOT_EXISTS = re.compile(r"^\s*CREATE\b[^(]*?\bIF\s+NOT\s+EXISTS\b", re.IGNORECASE)
_IF_EXISTS = re.compile(r"^\s*DROP\s+TABLE\s+IF\s+EXISTS\b", re.IGNORECASE)


@dataclass
class ReplayColumn:
    name: str
    type_name: Optional[str]
    family: str
    nullable: bool
    primary_key: bool
    foreign_key: Optional[str]
    revision: str
    path: str
    line: int
    column: int
    certain: bool = True  # False when added or changed under a guard


@dataclass
class ReplayTable:
    schema: Optional[str]
    name: str
    columns: dict[str, ReplayColumn]
    revision: str  # the revision that created it
    path: str
    line: int
    column: int
    indexes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unique: dict[str, tuple[str, ...]] = field(default_factory=dict)
    foreign_keys: dict[str, tuple[tuple[str, ...], str]] = field(
        default_factory=dict
    )  # name -> (columns, target)
    is_view: bool = False
    columns_known: bool = True  # False when created without a readable column list
    uncertain: list[str] = field(default_factory=list)  # why drift findings are not raised for it
    opaque: bool = False  # changed in a way the replay could not read (not just under a guard)
    created_guarded: bool = False  # created under `if` / `try` / a computed loop

    def unsure(self, reason: str, opaque: bool = True) -> None:
        """Record why the replay may not know this table exactly."""
        if reason not in self.uncertain:
            self.uncertain.append(reason)
        self.opaque = self.opaque or opaque

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    def column_named(self, name: str) -> Optional[ReplayColumn]:
        found = self.columns.get(name)
        if found is None:
            lowered = name.lower()
            found = next((col for key, col in self.columns.items() if key.lower() == lowered), None)
        return found


@dataclass(frozen=True)
class ReplayIssue:
    """A DBL414 / DBL415 candidate at an operation."""

    code: str
    table: TableKey
    path: str
    line: int
    column: int
    end_line: int
    message: str
    revision: str = ""
    action: str = ""  # DBL415: what the operation does to the table ("adds a column to")
    shown_name: str = ""  # DBL415: the table as named in the message


def uncreated_message(revision: str, action: str, names: Sequence[str]) -> str:
    """DBL415's words for one operation on one table, or on several (an `op.` call in a loop)."""
    tables = f"table {names[0]}" if len(names) == 1 else f"tables {', '.join(names)}"
    return f"revision {revision} {action} {tables}, which no earlier migration creates"


EXISTED = "existed"  # created by an earlier revision, or by something the replay never saw
CREATED_HERE = "created-here"  # created earlier in the same revision
STATE_UNKNOWN = "unknown"  # not seen, and this revision creates tables the replay cannot see


@dataclass(frozen=True)
class OperationView:
    """An operation as the replay met it: the state of its table just before it ran."""

    revision: str
    path: str
    step: MigrationStep
    table: Optional[TableKey]  # None for SQL steps and computed table names
    table_state: str  # EXISTED, CREATED_HERE or STATE_UNKNOWN
    column_type: Optional[str]  # `alter_column`: the column's type before the step, when known
    autocommit: bool  # inside `autocommit_block()`, directly or through a helper called there
    bound: tuple[tuple[str, Expr], ...]  # the operation's arguments by parameter name


@dataclass
class Replay:
    graph: RevisionGraph
    tables: dict[TableKey, ReplayTable] = field(default_factory=dict)
    issues: list[ReplayIssue] = field(default_factory=list)
    blind_creates: list[str] = field(default_factory=list)
    blind_alters: list[str] = field(default_factory=list)
    ever_created: set[TableKey] = field(default_factory=set)
    dropped: dict[TableKey, str] = field(
        default_factory=dict
    )  # table -> revision that dropped it last
    assumed: dict[TableKey, ReplayTable] = field(
        default_factory=dict
    )  # changed on an unrooted chain, never created
    operations: list[OperationView] = field(default_factory=list)

    @property
    def created_by_revision(self) -> dict[str, str]:
        return {
            table.qualified: table.revision
            for _, table in sorted(self.tables.items(), key=_key_text)
        }

    def table(self, schema: Optional[str], name: str) -> Optional[ReplayTable]:
        """The table named so, also when only the case or an unnamed default schema differs."""
        found = self.tables.get((schema, name))
        if found is not None:
            return found
        lowered = name.lower()
        candidates = [
            t
            for (s, n), t in self.tables.items()
            if n.lower() == lowered and (s == schema or not s or not schema)
        ]
        return candidates[0] if len(candidates) == 1 else None


def _key_text(item: tuple[TableKey, ReplayTable]) -> tuple[str, str]:
    (schema, name), _ = item
    return (schema or "", name)


def _split_name(text: str) -> TableKey:
    schema, _, name = text.rpartition(".")
    return (schema or None, name)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] in '"`[' and text[-1] in '"`]':
        return text[1:-1]
    return text


# -- one file's names -------------------------------------------------------------------


class _FileView:
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
class _Frame:
    revision: Revision
    view: _FileView
    function: MigrationFunction
    values: dict[str, Optional[Expr]]  # parameters and loop variables with known values
    guards: tuple[str, ...]
    depth: int = 0
    autocommit: bool = False  # called from inside `autocommit_block()`

    def where(self, line: int) -> str:
        return f"{self.revision.path}:{line}"


def _resolve(expr: Optional[Expr], frame: _Frame, hops: int = MAX_NAME_HOPS) -> Optional[Expr]:
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
        return _resolve(local[0], frame, hops - 1) if len(local) == 1 else None
    module = frame.view.bindings.get(("", name))
    if module is not None and len(module) == 1:
        return _resolve(module[0], frame, hops - 1)
    return None


def _text(expr: Optional[Expr], frame: _Frame) -> Optional[str]:
    """The string an argument evaluates to, when the replay can tell."""
    expr = _resolve(expr, frame)
    if expr is None:
        return None
    if expr.kind == "str":
        return None if "{}" in expr.text else expr.text
    if (
        expr.kind == "call"
        and expr.text.rsplit(".", 1)[-1] in ("f", "quoted_name", "conv")
        and expr.args
    ):
        return _text(expr.args[0], frame)
    return None


def _texts(expr: Optional[Expr], frame: _Frame) -> Optional[tuple[str, ...]]:
    expr = _resolve(expr, frame)
    if expr is None:
        return None
    if expr.kind == "list":
        values = [_text(arg, frame) for arg in expr.args]
        return tuple(v for v in values if v is not None)
    single = _text(expr, frame)
    return (single,) if single is not None else None


def _bind(step: MigrationStep, params: tuple[str, ...]) -> dict[str, Expr]:
    bound = dict(zip(params, step.args))
    for key, value in step.keywords:
        bound.setdefault(key, value)
    return bound


# -- the replay ---------------------------------------------------------------------------


class _Replayer:
    def __init__(self, index: ProjectIndex, graph: RevisionGraph) -> None:
        self.index = index
        self.replay = Replay(graph)
        self.views: dict[str, _FileView] = {}
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

    def _issue(
        self,
        code: str,
        key: TableKey,
        step: MigrationStep,
        frame: _Frame,
        message: str,
        action: str = "",
        name: str = "",
    ) -> None:
        if step.guards or frame.guards:
            return
        if code == "DBL414" and (self.replay.blind_alters or self.replay.blind_creates):
            return
        revision = frame.revision
        self.replay.issues.append(
            ReplayIssue(
                code,
                key,
                revision.path,
                step.line,
                step.column,
                step.end_line,
                message,
                revision.id,
                action,
                name,
            )
        )

    def _existing(
        self, key: TableKey, step: MigrationStep, frame: _Frame, action: str
    ) -> Optional[ReplayTable]:
        """The table an operation changes; a DBL415 candidate when it does not exist.

        On a chain that starts at a missing link the table may come from the unknown
        schema before it: it is assumed (uncertain) instead.
        """
        table = self.tables.get(key)
        if table is not None:
            return table
        if frame.revision.id in self.unrooted:
            return self._assumed(key, frame)
        name = f"{key[0]}.{key[1]}" if key[0] else key[1]
        if key not in self.replay.dropped:
            self._issue(
                "DBL415",
                key,
                step,
                frame,
                uncreated_message(frame.revision.id, action, [name]),
                action,
                name,
            )
        return None

    def _assumed(self, key: TableKey, frame: _Frame) -> ReplayTable:
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

    def _known_key(self, key: TableKey) -> TableKey:
        """The key of the table an operation changes when it names it with a schema the table
        was created without, or the other way round (`t` and `public.t`, one table through the
        search path), or in another case."""
        if key in self.tables:
            return key
        found = self.replay.table(*key)
        return (found.schema, found.name) if found is not None else key

    def _discard(self, key: TableKey, frame: _Frame) -> None:
        """Forget a dropped table, whether created or assumed."""
        if self.tables.pop(key, None) is not None:
            self.replay.dropped[key] = frame.revision.id
        self.replay.assumed.pop(key, None)

    def _repeated(self, earlier: str, frame: _Frame) -> bool:
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
            view = self.views.setdefault(revision.path, _FileView(facts))
            self._blind_before_revision = len(self.replay.blind_creates)
            self._run_function(_Frame(revision, view, upgrade, {}, ()))
        return self.replay

    def _run_function(self, frame: _Frame) -> None:
        for step in frame.function.steps:
            if step.loop_var:
                for value in step.loop_values:
                    values = {
                        **frame.values,
                        step.loop_var: Expr("str", value, line=step.line, column=step.column),
                    }
                    self._run_step(
                        step,
                        _Frame(
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

    def _run_step(self, step: MigrationStep, frame: _Frame) -> None:
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

    def _call(self, step: MigrationStep, frame: _Frame) -> None:
        migration = frame.view.facts.migration
        helper = (
            migration.function(step.name)
            if migration is not None and "." not in step.name
            else None
        )
        if helper is not None and helper.name != "upgrade" and frame.depth < MAX_HELPER_DEPTH:
            values = {param: _resolve(arg, frame) for param, arg in zip(helper.params, step.args)}
            for key, arg in step.keywords:
                if key in helper.params:
                    values[key] = _resolve(arg, frame)
            guards = frame.guards + step.guards
            if step.star:
                guards += (f"helper called with *args at {frame.where(step.line)}",)
            autocommit = frame.autocommit or step.autocommit
            self._run_function(
                _Frame(
                    frame.revision, frame.view, helper, values, guards, frame.depth + 1, autocommit
                )
            )
            return
        if helper is None and not self._is_project_call(frame, step.name):
            return
        reason = (
            f"call of `{step.name}` at {frame.where(step.line)}, which the replay does not follow"
        )
        names = [text for text in (_text(arg, frame) for arg in step.args) if text]
        touched = [key for key in (_split_name(name) for name in names) if key in self.tables]
        if touched:
            for key in touched:
                self._mark(key, reason)
        else:
            self.replay.blind_creates.append(reason)
            self.replay.blind_alters.append(reason)

    def _is_project_call(self, frame: _Frame, callee: str) -> bool:
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

    def _from_library(self, frame: _Frame, expr: Expr) -> bool:
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

    def _relative(self, frame: _Frame, module: str, level: int) -> str:
        here = self.index.module_of(frame.revision.path).split(".")
        base = here[: max(len(here) - level, 0)]
        return ".".join([*base, module] if module else base)

    # -- operations

    def _guarded(self, step: MigrationStep, frame: _Frame) -> Optional[str]:
        guards = frame.guards + step.guards
        if not guards:
            return None
        return f"{guards[-1]} in {frame.revision.path} (revision {frame.revision.id})"

    def _operation(self, step: MigrationStep, frame: _Frame) -> None:
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
            bound = _bind(step, params)
            batch = step.batch or Expr("other")
            batch_args = _bind(
                MigrationStep("op", "", batch.args, batch.keywords, 0, 0, 0),
                ("table_name", "schema"),
            )
            bound[table_param] = batch_args.get("table_name", Expr("other"))
            schema_expr = batch_args.get("schema")
        else:
            bound = _bind(step, params)
            schema_expr = bound.get(schema_keyword)
        table_name = _text(bound.get(table_param), frame)
        schema = _text(schema_expr, frame) if schema_expr is not None else None
        self._observe(step, frame, (schema, table_name) if table_name is not None else None, bound)
        guard = self._guarded(step, frame)
        if table_name is None and name == "drop_index" and step.kind == "op":
            self._drop_index_anywhere(_text(bound.get("index_name"), frame))
            return
        if table_name is None:
            reason = f"`{name}` on a table whose name the replay cannot compute at {frame.where(step.line)}"
            if name in ("create_table", "rename_table"):
                self.replay.blind_creates.append(reason)
            self.replay.blind_alters.append(reason)
            return
        key: TableKey = (schema, table_name)
        if name != "create_table":
            key = self._known_key(key)
        handler = getattr(self, f"_op_{name}", None)
        if handler is not None:
            handler(key, bound, step, frame)
        else:
            self._existing(key, step, frame, "changes")
        if guard is not None:
            target = _text(bound.get("new_table_name"), frame) if name == "rename_table" else None
            self._mark((schema, target) if target else key, guard, opaque=False)

    def _unknown_operation(self, step: MigrationStep, frame: _Frame) -> None:
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
        for text in filter(None, (_text(arg, frame) for arg in args)):
            table = self.replay.table(*_split_name(text))
            if table is not None:
                table.unsure(reason)

    def _observe(
        self, step: MigrationStep, frame: _Frame, key: Optional[TableKey], bound: dict[str, Expr]
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
        column_name = _text(bound.get("column_name"), frame)
        if table is not None and column_name is not None:
            column = table.column_named(column_name)
            column_type = column.type_name if column is not None else None
        resolved = tuple((name, _resolve(value, frame) or value) for name, value in bound.items())
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

    def _column(self, expr: Optional[Expr], frame: _Frame) -> Optional[ColumnSpec]:
        expr = _resolve(expr, frame) if expr is not None and expr.kind == "name" else expr
        if expr is None:
            return None
        spec = column_from_expr(expr, frame.view.qualify, family_of_type_name)
        return spec if spec is not None and spec.name else None

    def _new_column(
        self, spec: ColumnSpec, frame: _Frame, primary_key: bool = False
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
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: _Frame
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
        self, key: TableKey, step: MigrationStep, frame: _Frame, if_not_exists: bool = False
    ) -> None:
        existing = self.tables.get(key)
        if (
            existing is not None
            and not existing.opaque
            and not existing.created_guarded
            and not if_not_exists
            and self._repeated(existing.revision, frame)
        ):
            self._issue(
                "DBL414",
                key,
                step,
                frame,
                f"revision {frame.revision.id} creates table {existing.qualified}, which revision "
                f"{existing.revision} already created ({existing.path}:{existing.line})",
            )
        self.replay.ever_created.add(key)
        self.replay.dropped.pop(key, None)
        self.replay.assumed.pop(key, None)

    def _table_item(self, table: ReplayTable, item: Expr, frame: _Frame) -> None:
        resolved = _resolve(item, frame) if item.kind == "name" else item
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
            tuple(text for text in (_text(arg, frame) for arg in resolved.args) if text)
            if resolved
            else ()
        )
        constraint_name = _text(resolved.keyword("name"), frame) if resolved else None
        if callee == "PrimaryKeyConstraint":
            for name in columns:
                column = table.column_named(name)
                if column is not None:
                    column.primary_key = True
                    column.nullable = False
        elif callee == "UniqueConstraint":
            table.unique[constraint_name or f"uq_{table.name}_{'_'.join(columns)}"] = columns
        elif callee == "Index":
            table.indexes[_text(resolved.args[0], frame) if resolved and resolved.args else ""] = (
                columns[1:]
            )
        elif callee == "ForeignKeyConstraint" and resolved is not None and len(resolved.args) >= 2:
            local = _texts(resolved.args[0], frame) or ()
            remote = _texts(resolved.args[1], frame) or ()
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
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: _Frame
    ) -> None:
        if self._existing(key, step, frame, "drops") is not None:
            self._discard(key, frame)

    def _op_rename_table(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: _Frame
    ) -> None:
        new_name = _text(bound.get("new_table_name"), frame)
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
                        column.foreign_key = _retargeted(column.foreign_key, key, new_key[1])
                for name, (columns, target) in list(other.foreign_keys.items()):
                    other.foreign_keys[name] = (columns, _retargeted(target, key, new_key[1]))
        self.replay.ever_created.add(new_key)

    def _op_add_column(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: _Frame
    ) -> None:
        table = self._existing(key, step, frame, "adds a column to")
        spec = self._column(bound.get("column"), frame)
        if table is None:
            return
        if spec is None:
            table.unsure(f"a column added at {frame.where(step.line)} the replay cannot read")
            return
        existing = table.column_named(spec.name or "")
        known = table.columns_known or key in self.replay.assumed
        if (
            existing is not None
            and known
            and existing.certain
            and not table.opaque
            and not table.created_guarded
            and self._repeated(existing.revision, frame)
        ):
            self._issue(
                "DBL414",
                key,
                step,
                frame,
                f"revision {frame.revision.id} adds column {table.qualified}.{existing.name}, which revision "
                f"{existing.revision} already added ({existing.path}:{existing.line})",
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
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: _Frame
    ) -> None:
        table = self._existing(key, step, frame, "drops a column of")
        name = _text(bound.get("column_name"), frame)
        if table is None:
            return
        if name is None:
            table.unsure(f"drop_column of a computed name at {frame.where(step.line)}")
            return
        column = table.column_named(name)
        if column is not None:
            del table.columns[column.name]

    def _op_alter_column(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: _Frame
    ) -> None:
        table = self._existing(key, step, frame, "alters a column of")
        name = _text(bound.get("column_name"), frame)
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
        new_name = _text(dict(step.keywords).get("new_column_name"), frame)
        if new_name:
            del table.columns[column.name]
            column.name = new_name
            table.columns[new_name] = column

    def _op_create_index(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: _Frame
    ) -> None:
        table = self._existing(key, step, frame, "creates an index on")
        if table is not None:
            table.indexes[_text(bound.get("index_name"), frame) or ""] = (
                _texts(bound.get("columns"), frame) or ()
            )

    def _op_drop_index(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: _Frame
    ) -> None:
        table = self._existing(key, step, frame, "drops an index of")
        if table is not None:
            table.indexes.pop(_text(bound.get("index_name"), frame) or "", None)

    def _drop_index_anywhere(self, name: Optional[str]) -> None:
        for table in self.tables.values():
            if name in table.indexes:
                del table.indexes[name]

    def _op_create_foreign_key(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: _Frame
    ) -> None:
        table = self._existing(key, step, frame, "adds a foreign key to")
        if table is not None:
            local = _texts(bound.get("local_cols"), frame) or ()
            target = _text(bound.get("referent_table"), frame) or "?"
            remote = _texts(bound.get("remote_cols"), frame) or ()
            name = (
                _text(bound.get("constraint_name"), frame) or f"fk_{table.name}_{'_'.join(local)}"
            )
            table.foreign_keys[name] = (local, f"{target}.{','.join(remote)}")

    def _op_create_unique_constraint(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: _Frame
    ) -> None:
        table = self._existing(key, step, frame, "adds a unique constraint to")
        if table is not None:
            columns = _texts(bound.get("columns"), frame) or ()
            table.unique[
                _text(bound.get("constraint_name"), frame) or f"uq_{'_'.join(columns)}"
            ] = columns

    def _op_create_primary_key(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: _Frame
    ) -> None:
        table = self._existing(key, step, frame, "adds a primary key to")
        if table is not None:
            for name in _texts(bound.get("columns"), frame) or ():
                column = table.column_named(name)
                if column is not None:
                    column.primary_key, column.nullable = True, False

    def _op_drop_constraint(
        self, key: TableKey, bound: dict[str, Expr], step: MigrationStep, frame: _Frame
    ) -> None:
        table = self._existing(key, step, frame, "drops a constraint of")
        name = _text(bound.get("constraint_name"), frame)
        if table is not None and name is not None:
            for constraints in (table.unique, table.foreign_keys, table.indexes):
                constraints.pop(name, None)

    # -- SQL

    def _execute(self, step: MigrationStep, frame: _Frame) -> None:
        """Run a statement. One the replay cannot read in full makes uncertain only what it could
        change: a DML-shaped one (`UPDATE ...` built in a loop, `sa.update(t)`, `stmt.bindparams()` of
        a `SELECT`) nothing, other text the tables it names; only a statement of which nothing at all
        can be read blinds the replay."""
        expr = _resolve(step.args[0], frame) if step.args else None
        text = _sql_of(expr, frame)
        if text is not None:
            self._sql(text, step, frame)
            return
        if expr is not None and _is_dml(expr):
            return
        if step.args and self._from_library(frame, step.args[0]):
            return  # SQL a library ships (functions, triggers, extensions), not the project's tables
        partial = self._statement_text(step.args[0], frame) if step.args else None
        if partial is not None and (classify_sql(partial) or not _DML_START.match(partial)):
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

    def _statement_text(self, expr: Optional[Expr], frame: _Frame, depth: int = 0) -> Optional[str]:
        """What can be read of a statement built at run time: its string pieces, `{}` for the rest
        (`"UPDATE t SET a = %s" % x`, `"..." + name`, `text(q).bindparams(...)`, a constant of a project
        module). None when no piece is a string."""
        if expr is None or depth > MAX_NAME_HOPS:
            return None
        resolved = _resolve(expr, frame) if expr.kind == "name" else expr
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

    def _same_kind(self, name: str, frame: _Frame, depth: int) -> Optional[Expr]:
        """A local bound in several branches (`if postgres: stmt = "SELECT ..." else: stmt = "SELECT ..."`):
        the first value, when every value reads as row-only SQL (else None)."""
        if name in frame.function.params or name in frame.function.rebound:
            return None
        values = frame.view.bindings.get((frame.function.name, name), [])
        texts = [self._statement_text(value, frame, depth + 1) for value in values]
        if len(values) > 1 and all(
            text is not None and _DML_START.match(text) and not classify_sql(text) for text in texts
        ):
            return Expr("str", texts[0] or "")
        return None

    def _project_constant(self, name: str, frame: _Frame) -> Optional[Expr]:
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
        words = {word.lower() for word in _SQL_WORDS.findall(text)}
        for key, table in self.tables.items():
            if table.name.lower() in words or table.qualified.lower() in words:
                self._mark(key, reason)

    def _sql(self, text: str, step: MigrationStep, frame: _Frame) -> None:
        guard = self._guarded(step, frame)
        statements = classify_sql(text)
        if not statements and "{}" in text and not _DML_START.match(text):
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
            key = _split_name(".".join(_unquote(part) for part in name.split(".")))
            chunk = text[statement.offset :]
            renamed = _renamed_to(statement.kind, chunk)
            if statement.kind in (CREATE_TABLE, CREATE_VIEW):
                self._create(
                    key,
                    step,
                    frame,
                    if_not_exists=bool(_IF_NOT_EXISTS.match(chunk))
                    or statement.kind == CREATE_VIEW,
                )
                if key in self.tables and _IF_NOT_EXISTS.match(chunk):
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
                    table.columns[column.name] = ReplayColumn(
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
                self.tables[key] = table
            elif statement.kind in (DROP_TABLE, DROP_VIEW):
                if (
                    key not in self.tables
                    and statement.kind == DROP_TABLE
                    and not _IF_EXISTS.match(chunk)
                ):
                    self._existing(key, step, frame, "drops")
                self._discard(key, frame)
            elif renamed is not None:
                new_schema, new_name = _split_name(renamed)
                new_key = (new_schema or key[0], new_name)
                self._rename(key, new_key)
                key = new_key  # a guard marks the table under its new name
            elif statement.kind == ALTER_TABLE:
                table = self.replay.table(
                    *key
                )  # `ALTER TABLE public.t` changes the `t` created without a schema
                if table is not None and not _apply_alter(table, chunk, frame, step):
                    table.unsure(f"ALTER TABLE the replay cannot read at {frame.where(step.line)}")
            elif statement.kind == RENAME_TABLE:
                self._mark(key, f"RENAME at {frame.where(step.line)}")
                self.replay.blind_creates.append(f"RENAME TABLE at {frame.where(step.line)}")
            if guard is not None:
                self._mark(key, guard, opaque=False)


_SQL_NAME = r"[\w\"`\[\]]+(?:\.[\w\"`\[\]]+)?"
_ALTER_RENAME = re.compile(rf"^RENAME\s+TO\s+(?P<new>{_SQL_NAME})$", re.IGNORECASE)
_RENAME_ONE_TABLE = re.compile(
    rf"^\s*RENAME\s+TABLE\s+{_SQL_NAME}\s+TO\s+(?P<new>{_SQL_NAME})\s*(?:;|$)", re.IGNORECASE
)


def _renamed_to(kind: str, chunk: str) -> Optional[str]:
    """The new name of `ALTER TABLE t RENAME TO n` / `RENAME TABLE t TO n` (one table), unquoted."""
    found = None
    if kind == RENAME_TABLE:
        found = _RENAME_ONE_TABLE.match(chunk)
    elif kind == ALTER_TABLE:
        head = _ALTER_HEAD.match(chunk)
        actions = _split_actions(chunk[head.end() :]) if head else []
        found = _ALTER_RENAME.match(actions[0]) if len(actions) == 1 else None
    if found is None:
        return None
    return ".".join(_unquote(part) for part in found.group("new").split("."))


def _retargeted(target: str, old: TableKey, new_name: str) -> str:
    """A foreign key target (`table.col`, `schema.table.col`, comma-separated) with table `old` renamed."""
    parts = []
    for part in target.split(","):
        table, dot, column = part.rpartition(".")
        schema, name = _split_name(table)
        if (
            dot
            and name.lower() == old[1].lower()
            and (schema == old[0] or (not old[0] and not schema))
        ):
            part = f"{schema}.{new_name}.{column}" if schema else f"{new_name}.{column}"
        parts.append(part)
    return ",".join(parts)


def _sql_of(expr: Optional[Expr], frame: _Frame) -> Optional[str]:
    if expr is None:
        return None
    if expr.kind == "str":
        return expr.text
    if expr.kind == "call" and expr.text.rsplit(".", 1)[-1] in ("text", "DDL") and expr.args:
        inner = _resolve(expr.args[0], frame)
        return inner.text if inner is not None and inner.kind == "str" else None
    return None


def _is_dml(expr: Expr) -> bool:
    """`table.update().values(...)`, `sa.insert(t)`, `text("UPDATE ...")`-like statements that change rows only."""
    if expr.kind != "call":
        return False
    parts = {part.rstrip("()[]") for part in expr.text.split(".")}
    return bool(parts & _DML_WORDS)


_ALTER_HEAD = re.compile(
    r"^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?\S+\s+", re.IGNORECASE
)
_ADD = re.compile(
    r"^ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?P<rest>.+)$", re.IGNORECASE | re.DOTALL
)
_DROP = re.compile(
    r"^DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(?P<name>[\w\"`\[\]]+)(?:\s+(?:CASCADE|RESTRICT))?$",
    re.IGNORECASE,
)
_RENAME_COLUMN = re.compile(
    r"^RENAME\s+(?:COLUMN\s+)?(?P<old>[\w\"`\[\]]+)\s+TO\s+(?P<new>[\w\"`\[\]]+)$", re.IGNORECASE
)
_ALTER_COLUMN = re.compile(
    r"^ALTER\s+(?:COLUMN\s+)?(?P<name>[\w\"`\[\]]+)\s+(?P<action>.+)$", re.IGNORECASE | re.DOTALL
)
_CONSTRAINT_ACTIONS = re.compile(
    r"^(?:ADD\s+(?:CONSTRAINT|PRIMARY\s+KEY|UNIQUE|FOREIGN\s+KEY|CHECK|EXCLUDE)|DROP\s+CONSTRAINT|"
    r"VALIDATE\s+CONSTRAINT|OWNER\s+TO|ENABLE|DISABLE|SET\s+\(|RESET|CLUSTER|REPLICA|FORCE|NO\s+FORCE)\b",
    re.IGNORECASE,
)


def _split_actions(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        elif char == ";" and depth == 0:
            break
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [part for part in parts if part]


def _apply_alter(table: ReplayTable, text: str, frame: _Frame, step: MigrationStep) -> bool:
    """Apply `ALTER TABLE t <actions>` to `table`; False when an action is not understood."""
    head = _ALTER_HEAD.match(text)
    if head is None:
        return False
    for action in _split_actions(text[head.end() :]):
        if _CONSTRAINT_ACTIONS.match(action):
            continue
        renamed = _RENAME_COLUMN.match(action)
        dropped = _DROP.match(action)
        altered = _ALTER_COLUMN.match(action)
        added = _ADD.match(action)
        if renamed and not action.upper().startswith("RENAME TO"):
            column = table.column_named(_unquote(renamed.group("old")))
            if column is None:
                return False
            del table.columns[column.name]
            column.name = _unquote(renamed.group("new"))
            table.columns[column.name] = column
        elif dropped:
            column = table.column_named(_unquote(dropped.group("name")))
            if column is not None:
                del table.columns[column.name]
        elif altered:
            column = table.column_named(_unquote(altered.group("name")))
            if column is None or not _alter_column_sql(column, altered.group("action")):
                return False
        elif added:
            parsed = classify_sql(f"CREATE TABLE t ({added.group('rest')})")
            if not parsed or len(parsed[0].columns) != 1:
                return False
            sql_column = parsed[0].columns[0]
            table.columns[sql_column.name] = ReplayColumn(
                sql_column.name,
                sql_column.type_name,
                family_of_type_name(sql_column.type_name),
                sql_column.nullable,
                sql_column.primary_key,
                sql_column.references,
                frame.revision.id,
                frame.revision.path,
                step.line,
                step.column,
            )
        else:
            return False
    return True


def _alter_column_sql(column: ReplayColumn, action: str) -> bool:
    words = action.upper().split()
    if words[:3] == ["SET", "NOT", "NULL"]:
        column.nullable = False
    elif words[:3] == ["DROP", "NOT", "NULL"]:
        column.nullable = True
    elif words[:2] in (["SET", "DEFAULT"], ["DROP", "DEFAULT"]):
        pass
    elif words[:1] == ["TYPE"] or words[:3] == ["SET", "DATA", "TYPE"]:
        type_text = action.split(None, 3 if words[0] == "SET" else 1)[-1]
        type_text = re.split(r"\s+USING\s+", type_text, flags=re.IGNORECASE)[0]
        column.type_name = type_text.strip()
        column.family = family_of_type_name(column.type_name)
    else:
        return False
    return True


def replays(index: ProjectIndex) -> tuple[Replay, ...]:
    """The replay of every revision graph of the project."""
    return index.view(_replay_all)


def _replay_all(index: ProjectIndex) -> tuple[Replay, ...]:
    return tuple(_Replayer(index, graph).run() for graph in revision_graphs(index))


def replay_issues(index: ProjectIndex) -> Iterable[ReplayIssue]:
    """DBL414/DBL415 candidates that hold for the whole project.

    A DBL415 candidate is dropped when any migration of any script location creates
    the table (branches replayed in another order, several locations on one database)
    or when some migration creates tables the replay cannot see; each revision reports
    its first operation on each such table name (`t` and `schema.t` are usually the
    same table, reached through the search path).
    """
    all_replays = replays(index)
    created = {key[1].lower() for replay in all_replays for key in replay.ever_created}
    external = {name.lower() for name in index.settings.external_tables}
    for replay in all_replays:
        reported: set[tuple[str, str]] = set()
        for issue in replay.issues:
            if issue.code == "DBL415":
                name = issue.table[1].lower()
                qualified = f"{issue.table[0]}.{name}" if issue.table[0] else name
                if (
                    replay.blind_creates
                    or name in created
                    or name in external
                    or qualified in external
                ):
                    continue
                if (issue.path, name) in reported:
                    continue  # a revision's first operation on the table (with or without its schema) says it all
                reported.add((issue.path, name))
            yield issue
