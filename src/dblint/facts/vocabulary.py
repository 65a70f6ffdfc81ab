"""Names and limits shared by the LibCST collector and the `ast` extraction (no LibCST import here)."""

from __future__ import annotations

# How deep and how wide an `Expr` summary goes; deeper or larger structures become "other".
MAX_DEPTH = 6
MAX_ITEMS = 64
# Keyword arguments whose values are messages for humans, never SQL to run (nor calls to record).
MESSAGE_KEYWORDS = frozenset({"help", "description", "msg", "message", "comment", "doc", "title", "summary", "detail", "reason"})
# `if <this>:` guards imports that exist only for type checkers.
TYPE_CHECKING_TESTS = frozenset({"TYPE_CHECKING", "typing.TYPE_CHECKING", "t.TYPE_CHECKING"})
# sqlalchemy.schema.CreateTable, recorded as a schema call when executed.
CREATE_TABLE_CONSTRUCT = "CreateTable"
