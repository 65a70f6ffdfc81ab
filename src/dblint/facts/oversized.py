"""What a revision file too large for LibCST still says: its header.

A revision whose `upgrade()` holds a large data migration can exceed LibCST's node budget
(DBL001). Its module-level `revision` / `down_revision` / `branch_labels` / `depends_on` are
small statements the `ast` shape reader reads as LibCST would, so the revision keeps its place
in the graph (DBL401/DBL402 stay judged) while its operations are unknown (the replay is blind).
"""

from __future__ import annotations

import ast

from dblint.facts.ast_facts import ShapeCollector, SourceLines, Unsupported
from dblint.facts.model import Binding
from dblint.facts.revision_header import HEADER_NAMES


def header_bindings(tree: ast.Module, text: str) -> tuple[Binding, ...]:
    """The module-level bindings of the revision header names, as the LibCST reader gives them."""
    statements = [
        statement
        for statement in tree.body
        if isinstance(statement, (ast.Assign, ast.AnnAssign))
        and any(
            isinstance(target, ast.Name) and target.id in HEADER_NAMES
            for target in (
                statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            )
        )
    ]
    if not statements:
        return ()
    try:
        shape = ShapeCollector(SourceLines(text)).collect(statements)
    except Unsupported:
        return ()
    return tuple(
        binding for binding in shape.bindings if binding.name in HEADER_NAMES and not binding.scope
    )
