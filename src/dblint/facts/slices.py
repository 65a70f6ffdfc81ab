"""Which top-level statements of a file LibCST must parse, and the text it is given for them.

The `ast` tree of the syntax check gives every top-level statement's lines. A statement
is a *unit* (statements sharing a line are one, `a = 1; b = 2`). A unit in which the
prefilter finds no marker but interaction words has its facts read from `ast` (`ast_facts.ShapeCollector`);
every other unit, and every unit `ast` cannot read exactly, goes to LibCST. LibCST is
given the file's text with every other line left empty, so the lines and columns of
what it parses are the file's own: nothing has to be mapped back. Units are given in
batches under the node budget (`source.MAX_SYNTAX_NODES`), so a very large file is
analysed a part at a time. Selecting by markers keeps this generic: a new fact of the
LibCST collector is found in marked statements without any change here.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

from dblint.facts.ast_facts import ShapeCollector, SourceLines, Unsupported
from dblint.facts.prefilter import needs_libcst


@dataclass
class Unit:
    """Top-level statements on lines `first`..`last` (with the comments before them)."""

    first: int
    last: int
    statements: list[ast.stmt]
    nodes: int
    shape: Optional[ShapeCollector] = (
        None  # the facts read from `ast`; None: LibCST parses this unit
    )


def plan(tree: ast.Module, source: SourceLines, sizes: Sequence[int]) -> list[Unit]:
    """The units of `tree`, each with its facts from `ast` where the prefilter and `ast` allow."""
    found = _units(tree, sizes)
    lines = source.lines
    for unit in found:
        code = "\n".join(lines[_code_start(unit.statements[0]) - 1 : unit.last])
        if needs_libcst(code.encode("utf-8", "surrogatepass")):
            continue
        try:
            unit.shape = ShapeCollector(source).collect(unit.statements)
        except Unsupported:
            unit.shape = None
    return found


def _units(tree: ast.Module, sizes: Sequence[int]) -> list[Unit]:
    units: list[Unit] = []
    for statement, nodes in zip(tree.body, sizes):
        last = statement.end_lineno or statement.lineno
        if units and statement.lineno <= units[-1].last:
            units[-1].statements.append(statement)
            units[-1].last = max(units[-1].last, last)
            units[-1].nodes += nodes
        else:
            first = units[-1].last + 1 if units else 1
            units.append(Unit(first, last, [statement], nodes))
    return units


def _code_start(statement: ast.stmt) -> int:
    """The first line of a statement, its decorators included."""
    decorators: list[ast.expr] = getattr(statement, "decorator_list", None) or []
    return min([statement.lineno, *(decorator.lineno for decorator in decorators)])


def batches(units: Sequence[Unit], budget: int) -> list[list[Unit]]:
    """Consecutive runs of units of at most `budget` nodes (a larger unit alone)."""
    runs: list[list[Unit]] = []
    total = budget + 1
    for unit in units:
        if total + unit.nodes > budget:
            runs.append([])
            total = 0
        runs[-1].append(unit)
        total += unit.nodes
    return runs


def text_of(lines: Sequence[str], units: Sequence[Unit]) -> str:
    """The lines of `units` in place, every other line up to the last of them empty."""
    kept = [""] * units[-1].last
    for unit in units:
        kept[unit.first - 1 : unit.last] = lines[unit.first - 1 : unit.last]
    return "\n".join(kept) + "\n"
