"""The LibCST pass of stage 2: the facts of a file that may hold any (see `prefilter`).

`parse_facts` gives LibCST the whole file; `parse_sliced` only the statements that
need it (`slices`), reading the others' facts from `ast`. Both give the same facts
(tests/test_sliced_parse.py); a migration is always parsed whole, since its facts
(`alembic_ops`) follow calls between its functions.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import Any, Optional, Union

import libcst as cst
from libcst.metadata import MetadataWrapper

from dblint.facts import slices
from dblint.facts.alembic_imports import op_prefixes
from dblint.facts.alembic_ops import collect_migration
from dblint.facts.ast_facts import ShapeCollector, SourceLines
from dblint.facts.exports import Exports
from dblint.facts.extract import FactCollector, collect
from dblint.facts.model import FileFacts, MigrationFacts, Noqa
from dblint.facts.origins import database_interactions
from dblint.facts.oversized import header_bindings
from dblint.facts.source import MAX_SYNTAX_NODES, SourceError, check_size, check_syntax
from dblint.facts.walk import positions, walk

Collected = Union[FactCollector, ShapeCollector]
REVISION_NAMES = frozenset({"revision", "down_revision"})
# Nodes LibCST is given at once: about 130 MB of tree with its positions (4.4 kB a node,
# source.MAX_SYNTAX_NODES), so a large file costs no more memory than a middling one.
BATCH_NODES = 30_000
# LibCST's own limits (new syntax) and what it rejects that `ast` accepted.
_LIBCST_FAILURES = (
    cst.ParserSyntaxError,
    cst.CSTLogicError,
    cst.CSTValidationError,
    RecursionError,
)


def _failure(path: str, error: Exception) -> FileFacts:
    """The DBL001 of a file LibCST cannot parse."""
    if isinstance(error, cst.ParserSyntaxError):
        return FileFacts(
            path=path,
            error=f"syntax error: {error.message} (line {error.raw_line})",
            error_position=(error.raw_line, error.raw_column + 1),
        )
    if isinstance(error, RecursionError):
        return FileFacts(path=path, error="nesting too deep to parse")
    return FileFacts(path=path, error=f"LibCST cannot parse this file: {error}")


def parse_facts(path: str, text: str, noqa: tuple[Noqa, ...]) -> FileFacts:
    """Parse `text` with LibCST and collect every fact (its size and depth were checked first)."""
    try:
        module = cst.parse_module(text)
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        collector = collect(module, wrapper)
        declares = {b.name for b in collector.bindings if not b.scope} >= REVISION_NAMES
        migration = collect_migration(wrapper, collector.imports, declares)
    except _LIBCST_FAILURES as error:
        return _failure(path, error)
    return _file_facts(path, noqa, [collector], migration, lambda: _ast_of(path, text))


def parse_sliced(
    path: str, text: str, noqa: tuple[Noqa, ...], tree: ast.Module, sizes: Sequence[int]
) -> FileFacts:
    """The facts of `parse_facts`, with LibCST parsing only the statements that need it, a batch at a time."""
    if _imports_alembic(tree) or _declares_revision(tree):
        return _whole(path, text, noqa, tree, sizes)
    source = SourceLines(text)
    units = slices.plan(tree, source, sizes)
    parsed = [unit for unit in units if unit.shape is None]
    by_unit: dict[int, FactCollector] = {}
    try:
        for batch in slices.batches(parsed, BATCH_NODES):
            if batch[0].nodes > MAX_SYNTAX_NODES:  # one statement, alone in its batch
                return FileFacts(
                    path=path,
                    error=f"the statement at line {batch[0].statements[0].lineno} is too large to analyse ({batch[0].nodes} syntax nodes > {MAX_SYNTAX_NODES}), skipped",
                )
            _collect_batch(source.lines, batch, by_unit)
    except _LIBCST_FAILURES as error:
        return _failure(path, error)
    collected: list[Collected] = [
        unit.shape if unit.shape is not None else by_unit[id(unit)]
        for unit in units
        if unit.shape is not None or id(unit) in by_unit
    ]
    facts = _file_facts(path, noqa, collected, None, lambda: tree)
    if op_prefixes(facts.imports):  # `from alembic import op` nested in a top-level block
        return _whole(path, text, noqa, tree, sizes)
    return facts


def _whole(
    path: str, text: str, noqa: tuple[Noqa, ...], tree: ast.Module, sizes: Sequence[int]
) -> FileFacts:
    try:
        check_size(1 + sum(sizes))
    except SourceError as error:
        return too_large(path, error, tree, text)
    return parse_facts(path, text, noqa)


def too_large(path: str, error: SourceError, tree: ast.Module, text: str) -> FileFacts:
    """A file over LibCST's node budget: unreadable (DBL001), but a revision keeps its header."""
    revision = _imports_alembic(tree) or _declares_revision(tree)
    return FileFacts(
        path=path, error=str(error), bindings=header_bindings(tree, text) if revision else ()
    )


def _ast_of(path: str, text: str) -> Optional[ast.Module]:
    """The `ast` tree of a file LibCST parsed whole (None: syntax newer than this Python), read as
    `check_syntax` reads every file: its warnings (`invalid escape sequence`) silenced."""
    try:
        return check_syntax(text, path)
    except SourceError:
        return None


def _imports_alembic(tree: ast.Module) -> bool:
    """A module-level `import alembic...` / `from alembic... import` (a likely migration or env.py)."""
    for statement in tree.body:
        if (
            isinstance(statement, ast.ImportFrom)
            and (statement.module or "").split(".")[0] == "alembic"
            and not statement.level
        ):
            return True
        if isinstance(statement, ast.Import) and any(
            alias.name.split(".")[0] == "alembic" for alias in statement.names
        ):
            return True
    return False


def _declares_revision(tree: ast.Module) -> bool:
    """Module-level `revision` and `down_revision` assignments: a revision file, whose migration
    facts `collect_migration` reads even when it imports no Alembic `op`."""
    names: set[str] = set()
    for statement in tree.body:
        targets = (
            statement.targets
            if isinstance(statement, ast.Assign)
            else [statement.target]
            if isinstance(statement, ast.AnnAssign)
            else []
        )
        names.update(target.id for target in targets if isinstance(target, ast.Name))
    return names >= REVISION_NAMES


def _collect_batch(
    lines: Sequence[str], batch: Sequence[slices.Unit], by_unit: dict[int, FactCollector]
) -> None:
    """Parse one batch of units and walk each of its statements with the collector of its unit."""
    module = cst.parse_module(slices.text_of(lines, batch))
    node_positions = positions(module)
    units = iter(batch)
    unit = next(units)
    for statement in module.body:
        line, _ = node_positions.start(statement)
        while line > unit.last:
            unit = next(units)
        collector = by_unit.get(id(unit))
        if collector is None:
            collector = by_unit[id(unit)] = FactCollector(node_positions)
        walk(statement, collector)


def _file_facts(
    path: str,
    noqa: tuple[Noqa, ...],
    collected: Sequence[Collected],
    migration: Optional[MigrationFacts],
    tree: Callable[[], Optional[ast.Module]],
) -> FileFacts:
    """One file's facts from the collectors of its statements, in source order.

    A list the `ast` reader does not keep (SQL strings, schema calls, ...) is empty for its
    statements: they hold no marker, so LibCST would find none there either.
    """

    def joined(name: str) -> tuple[Any, ...]:  # the list of facts named `name`, of its own type
        return tuple(fact for collector in collected for fact in getattr(collector, name, ()))

    exports = Exports.joined(collector.exports for collector in collected)
    imports = joined("imports")
    return FileFacts(
        path=path,
        parsed=True,
        imports=imports,
        bindings=joined("bindings"),
        classes=joined("classes"),
        schema_calls=joined("schema_calls"),
        sql_strings=joined("sql_strings"),
        interactions=database_interactions(joined("interactions"), imports, tree),
        noqa=noqa,
        all_names=exports.names,
        all_computed=exports.computed,
        calls=joined("calls"),
        toplevel_calls=tuple(dict.fromkeys(joined("toplevel_calls"))),
        migration=migration,
        functions=joined("functions"),
        function_defs=joined("function_defs"),
        database_opens=joined("database_opens"),
    )
