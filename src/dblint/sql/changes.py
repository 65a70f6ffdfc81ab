"""What a DDL statement found by the classifier changes: ALTER TABLE actions, a rename's new
name, `IF [NOT] EXISTS`.

The classifier (`statements.py`) says which statement a string holds and on which table;
the replay needs, in addition, what that statement does to the table's columns. Reading
SQL text stays here, beside the classifier, so the replay only applies what was read.
Each reader is strict: an action it cannot read is reported as unread, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from dblint.sql.statements import (
    ALTER_TABLE,
    RENAME_TABLE,
    SqlColumn,
    alter_table_actions,
    classify_sql,
)

# A text that is only a statement ending the transaction, or one starting a transaction.
_COMMIT = re.compile(r"^\s*(?:COMMIT|END)(?:\s+(?:WORK|TRANSACTION))?\s*;?\s*$", re.IGNORECASE)
_BEGIN = re.compile(r"^\s*(?:BEGIN|START\s+TRANSACTION)\b", re.IGNORECASE)

# What an ALTER TABLE action does (`AlterAction.kind`).
RENAME_COLUMN = "rename-column"
DROP_COLUMN = "drop-column"
ALTER_COLUMN = "alter-column"
ADD_COLUMN = "add-column"
CONSTRAINT_ACTION = "constraint"  # constraints, ownership, storage: no column changes
UNREAD_ACTION = "unread"  # an action this reader does not understand

_NAME_PART = r"[\w\"`\[\]]+"
_SQL_NAME = rf"{_NAME_PART}(?:\.{_NAME_PART})?"
_ALTER_RENAME = re.compile(rf"^RENAME\s+TO\s+(?P<new>{_SQL_NAME})$", re.IGNORECASE)
_RENAME_ONE_TABLE = re.compile(
    rf"^\s*RENAME\s+TABLE\s+{_SQL_NAME}\s+TO\s+(?P<new>{_SQL_NAME})\s*(?:;|$)", re.IGNORECASE
)
_ADD = re.compile(
    r"^ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?P<rest>.+)$", re.IGNORECASE | re.DOTALL
)
_DROP = re.compile(
    rf"^DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(?P<name>{_NAME_PART})(?:\s+(?:CASCADE|RESTRICT))?$",
    re.IGNORECASE,
)
_RENAME_COLUMN = re.compile(
    rf"^RENAME\s+(?:COLUMN\s+)?(?P<old>{_NAME_PART})\s+TO\s+(?P<new>{_NAME_PART})$", re.IGNORECASE
)
_ALTER_COLUMN = re.compile(
    rf"^ALTER\s+(?:COLUMN\s+)?(?P<name>{_NAME_PART})\s+(?P<action>.+)$", re.IGNORECASE | re.DOTALL
)
_CONSTRAINT_ACTIONS = re.compile(
    r"^(?:ADD\s+(?:CONSTRAINT|PRIMARY\s+KEY|UNIQUE|FOREIGN\s+KEY|CHECK|EXCLUDE)|DROP\s+CONSTRAINT|"
    r"RENAME\s+CONSTRAINT|"
    r"VALIDATE\s+CONSTRAINT|OWNER\s+TO|ENABLE|DISABLE|SET\s+\(|RESET|CLUSTER|REPLICA|FORCE|NO\s+FORCE)\b",
    re.IGNORECASE,
)
_USING = re.compile(r"\s+USING\s+", re.IGNORECASE)
_IF_NOT_EXISTS = re.compile(r"^\s*CREATE\b[^(]*?\bIF\s+NOT\s+EXISTS\b", re.IGNORECASE)
_DROP_TABLE_IF_EXISTS = re.compile(r"^\s*DROP\s+TABLE\s+IF\s+EXISTS\b", re.IGNORECASE)


@dataclass(frozen=True)
class AlterAction:
    """One action of `ALTER TABLE t <action>, <action>`, with the names unquoted.

    `column` is the column the action names; `new_name` the new name of a renamed
    column; `nullable` / `type_name` what `ALTER COLUMN` sets (None: left as is);
    `added` the column `ADD COLUMN` defines.
    """

    kind: str
    column: str = ""
    new_name: str = ""
    nullable: Optional[bool] = None
    type_name: Optional[str] = None
    added: Optional[SqlColumn] = None


def unquote_identifier(text: str) -> str:
    """`"name"`, `` `name` `` or `[name]` without its quotes (other text stripped only)."""
    text = text.strip()
    if len(text) >= 2 and text[0] in '"`[' and text[-1] in '"`]':
        return text[1:-1]
    return text


def unquote_dotted(text: str) -> str:
    """A possibly schema-qualified name with each part unquoted (`"s"."t"` -> `s.t`)."""
    return ".".join(unquote_identifier(part) for part in text.split("."))


def creates_if_not_exists(statement: str) -> bool:
    """True for `CREATE ... IF NOT EXISTS name (...)`: the statement tolerates an existing table."""
    return bool(_IF_NOT_EXISTS.match(statement))


def drops_if_exists(statement: str) -> bool:
    """True for `DROP TABLE IF EXISTS`: the statement tolerates a missing table."""
    return bool(_DROP_TABLE_IF_EXISTS.match(statement))


def renamed_to(kind: str, statement: str) -> Optional[str]:
    """The new name (unquoted) of `ALTER TABLE t RENAME TO n` / `RENAME TABLE t TO n`, one table only."""
    found = None
    if kind == RENAME_TABLE:
        found = _RENAME_ONE_TABLE.match(statement)
    elif kind == ALTER_TABLE:
        actions = alter_table_actions(statement) or []
        found = _ALTER_RENAME.match(actions[0]) if len(actions) == 1 else None
    if found is None:
        return None
    return unquote_dotted(found.group("new"))


def alter_actions(statement: str) -> Optional[tuple[AlterAction, ...]]:
    """The actions of `ALTER TABLE t ...` in order (None when the text does not start so)."""
    actions = alter_table_actions(statement)
    if actions is None:
        return None
    return tuple(_action(action) for action in actions)


def _action(action: str) -> AlterAction:
    if _CONSTRAINT_ACTIONS.match(action):
        return AlterAction(CONSTRAINT_ACTION)
    renamed = _RENAME_COLUMN.match(action)
    if renamed and not action.upper().startswith("RENAME TO"):
        return AlterAction(
            RENAME_COLUMN,
            unquote_identifier(renamed.group("old")),
            unquote_identifier(renamed.group("new")),
        )
    dropped = _DROP.match(action)
    if dropped:
        return AlterAction(DROP_COLUMN, unquote_identifier(dropped.group("name")))
    altered = _ALTER_COLUMN.match(action)
    if altered:
        return _column_change(unquote_identifier(altered.group("name")), altered.group("action"))
    added = _ADD.match(action)
    if added:
        parsed = classify_sql(f"CREATE TABLE t ({added.group('rest')})")
        if parsed and len(parsed[0].columns) == 1:
            column = parsed[0].columns[0]
            return AlterAction(ADD_COLUMN, column.name, added=column)
    return AlterAction(UNREAD_ACTION)


def _column_change(column: str, action: str) -> AlterAction:
    """`ALTER COLUMN c <action>`: nullability, default or type (anything else is unread)."""
    words = action.upper().split()
    if words[:3] == ["SET", "NOT", "NULL"]:
        return AlterAction(ALTER_COLUMN, column, nullable=False)
    if words[:3] == ["DROP", "NOT", "NULL"]:
        return AlterAction(ALTER_COLUMN, column, nullable=True)
    if words[:2] in (["SET", "DEFAULT"], ["DROP", "DEFAULT"]):
        return AlterAction(ALTER_COLUMN, column)
    if words[:1] == ["TYPE"] or words[:3] == ["SET", "DATA", "TYPE"]:
        type_text = action.split(None, 3 if words[0] == "SET" else 1)[-1]
        return AlterAction(ALTER_COLUMN, column, type_name=_USING.split(type_text)[0].strip())
    return AlterAction(UNREAD_ACTION, column)


def ends_transaction(text: str) -> Optional[bool]:
    """True for a text that only ends the transaction (`COMMIT`, `END`), False for one that
    starts one (`BEGIN`, `START TRANSACTION`), None for anything else."""
    if _COMMIT.match(text):
        return True
    return False if _BEGIN.match(text) else None
