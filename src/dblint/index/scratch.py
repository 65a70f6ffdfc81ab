"""Raw SQL run on a database that vanishes with its connection.

A module whose every database is in memory (`sqlite3.connect(":memory:")`,
`duckdb.connect(":memory:")`, `create_engine("sqlite://")`) builds scratch tables there,
as redash's query-results runner loads other queries' rows into SQLite to join them:
like a temporary table, that is no one's schema. A module that also opens any other
database (or a connection dblint cannot read) is not one.
"""

from __future__ import annotations

from dblint.facts.model import FileFacts


def on_scratch_database(facts: FileFacts) -> bool:
    """Whether the raw SQL of `facts` can only run on in-memory databases the file opens."""
    opens = facts.database_opens
    return bool(opens) and all(opened.in_memory for opened in opens)
