"""Raw SQL that SQLAlchemy runs as part of a table's create or drop.

A `DDL("...")` construct handed to `event.listen(table, "after_create", ...)` (or
`before_create`, `after_drop`, `before_drop`; on a `MetaData` too), directly or through the
module-level name it is bound to, optionally as `.execute_if(dialect=...)`, runs only when
SQLAlchemy creates or drops that table: by `create_all()` / `table.create()` or their drops.
`op.create_table` builds a table object of its own, so the listener never runs in a
migration: a database built by migrations lacks the change unless a migration makes it too
(faraday attaches its expression index `uix_vulnerability` so, and a migration builds it as
well). DBL102/DBL103 say when such a statement runs.
"""

from __future__ import annotations

from dblint.facts.model import Expr, FileFacts, SqlString
from dblint.facts.vocabulary import EVENT_LISTENER, TABLE_EVENTS


def _listener_name(listener: Expr) -> str:
    """The module-level name a listener argument refers to (`ddl`, `ddl.execute_if(...)`), or ""."""
    while listener.kind == "call" and listener.text.endswith(".execute_if"):
        listener = Expr("name", listener.text.removesuffix(".execute_if"))
    return listener.text if listener.kind == "name" and "." not in listener.text else ""


def table_event_names(facts: FileFacts) -> frozenset[str]:
    """The module-level names `event.listen(...)` hands to a table's create or drop events."""
    names = set()
    for call in facts.calls:
        expr = call.expr
        if expr.text.rsplit(".", 1)[-1] != "listen" or len(expr.args) < 3:
            continue
        event = expr.args[1]
        if event.kind == "str" and event.text in TABLE_EVENTS:
            names.add(_listener_name(expr.args[2]))
    names.discard("")
    return frozenset(names)


def runs_with_table_event(string: SqlString, listeners: frozenset[str]) -> bool:
    """Whether `string` is the statement of a `DDL` construct listening to a table's create or drop."""
    construct = string.ddl_construct
    return construct == EVENT_LISTENER or (bool(construct) and construct in listeners)
