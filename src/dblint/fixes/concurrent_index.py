"""The DBL501 fix: build the index concurrently, outside the migration's transaction.

`op.create_index(...)` becomes

    with op.get_context().autocommit_block():
        op.create_index(..., postgresql_concurrently=True)

`autocommit_block()` commits the migration's transaction before the block, so the fix
is offered only when nothing else in `upgrade()` would be committed early or run
outside the transaction it was written for: every statement of `upgrade()` is an
`op.create_index(...)` call of its own line, unguarded, written in `upgrade()` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dblint.facts.alembic_imports import op_prefixes
from dblint.facts.vocabulary import core_operation
from dblint.fixes.model import ADD_KEYWORD, WRAP_IN_WITH, Fix, Replacement
from dblint.fixes.spelling import Refusal

if TYPE_CHECKING:
    from dblint.fixes.fk_type import Plan
    from dblint.index import ProjectIndex
    from dblint.index.replay import OperationView

_KEYWORD = "postgresql_concurrently=True"
# GeoAlchemy2's `create_geospatial_index` passes its keywords to the index like `create_index`
# on PostgreSQL (`vocabulary.core_operation`), so it takes the same fix.


def plan_concurrent_index(index: ProjectIndex, view: OperationView) -> Plan:
    """Add `postgresql_concurrently=True` and wrap the call in `autocommit_block()`, or say why not."""
    step = view.step
    facts = index.files[view.path]
    upgrade = facts.migration.function("upgrade") if facts.migration is not None else None
    prefixes = op_prefixes(facts.imports)
    if upgrade is None or step not in upgrade.steps or step.kind != "op" or len(prefixes) != 1:
        return Refusal(f"the call is not written as `op.{step.name}(...)` in upgrade()")
    if view.autocommit:
        return Refusal(
            "the call runs outside a transaction already (an autocommit block, or Alembic's "
            "connection switched to AUTOCOMMIT)"
        )
    if step.loop_var:
        return Refusal("the call runs in a loop")
    if step.guards:
        # Name the guard: ckan's revisions open with `if skip_...(op, __name__): return`.
        return Refusal(f"the call runs only sometimes ({step.guards[0]})")
    if step.line != step.end_line:
        return Refusal("the call spans several lines")
    others = [
        other
        for other in upgrade.steps
        if other.kind != "op" or core_operation(other.name) != "create_index" or other.guards
    ]
    if others:
        return Refusal(f"upgrade() does more in the same transaction (line {others[0].line})")
    (prefix,) = prefixes
    callee = f"{prefix}.{step.name}"
    return Fix(
        f"create the index concurrently inside {prefix}.get_context().autocommit_block()",
        (
            Replacement(step.line, step.column, ADD_KEYWORD, callee, _KEYWORD),
            Replacement(
                step.line,
                step.column,
                WRAP_IN_WITH,
                callee,
                f"{prefix}.get_context().autocommit_block()",
            ),
        ),
    )
