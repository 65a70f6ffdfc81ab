"""Risk levels of a file, as the inventory defines them.

- high: application code that creates, alters or drops schema outside migrations;
  tables on a metadata Alembic does not track (declared or held in the file;
  DBL201, DBL202); a foreign key whose type differs from the referenced key's
  (DBL301, DBL308).
- medium: raw SQL in application code; a secondary metadata holder without
  tables; any other finding about the schema (drift, duplicate or unresolvable
  tables, revision graph).
- low: ORM, session or query use only (and tests, migrations, env.py without findings).
"""

from __future__ import annotations

from collections.abc import Mapping

HIGH, MEDIUM, LOW = "high", "medium", "low"
LEVELS = (HIGH, MEDIUM, LOW)
RANK = {LOW: 0, MEDIUM: 1, HIGH: 2}

HIGH_CODES = frozenset(
    {"DBL101", "DBL102", "DBL103", "DBL104", "DBL105", "DBL201", "DBL202", "DBL301", "DBL308"}
)
# Findings about the reading of a file, not about its database use.
NEUTRAL_CODES = frozenset({"DBL001", "DBL002"})


def file_risk(
    changes_schema: bool,
    raw_sql: bool,
    untracked_tables: bool,
    lone_metadata: bool,
    findings: Mapping[str, int],
) -> str:
    """The risk of one file from what it does and what was found in it."""
    if changes_schema or untracked_tables or any(code in HIGH_CODES for code in findings):
        return HIGH
    if raw_sql or lone_metadata or any(code not in NEUTRAL_CODES for code in findings):
        return MEDIUM
    return LOW


def at_least(risk: str, minimum: str) -> bool:
    return RANK[risk] >= RANK[minimum]
