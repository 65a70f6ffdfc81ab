"""What the replay saw happen that a rule may judge: something created twice, a change to a
table the migrations have not created.

Events are neutral: they say what happened, where, and how sure the replay is of it.
Whether that is a finding, its code and its words belong to the rules
(`rules/migration_drift.py`), as do settings such as `external-tables`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

TableKey = tuple[Optional[str], str]  # (schema or None, table name)


@dataclass(frozen=True)
class OperationPlace:
    """The migration operation (`op.` call or SQL step) an event happened at."""

    revision: str
    path: str
    line: int
    column: int
    end_line: int


@dataclass(frozen=True)
class RepeatedCreate:
    """An operation creates a table, adds a column, or creates an index or unique constraint under
    a name, that a revision it runs with (one below it, one a merge joins to it, or one on an
    unmerged branch: `across_heads`) already created.

    `column` and `index` are None for a table. The replay's certainty: `guarded` (under `if` /
    `try` / after a conditional return), `tolerated` (the statement accepts an existing table:
    `IF NOT EXISTS`, a view), `earlier_certain` (the replay knows the earlier table, column or
    name exactly), `after_unseen` (something the replay cannot see had changed tables before).
    `across_heads`: the earlier create is on another branch that no merge joins to this one
    (`upgrade heads` runs both).
    """

    at: OperationPlace
    table: TableKey
    column: Optional[str]
    earlier_revision: str
    earlier_path: str
    earlier_line: int
    guarded: bool
    tolerated: bool
    earlier_certain: bool
    after_unseen: bool
    across_heads: bool = False
    # An index or unique constraint created again under one name (`column` is then None).
    index: Optional[str] = None
    index_kind: str = ""  # "index" | "unique constraint"


@dataclass(frozen=True)
class ChangeOfUncreated:
    """An operation changes a table that no revision replayed before it created (nor dropped),
    on a chain from a real root. `action` says what it does ("adds a column to")."""

    at: OperationPlace
    table: TableKey
    action: str
    guarded: bool
