"""DDL constructs listening to a table's create or drop events run with `create_all()`, never in
a migration (faraday's `uix_vulnerability`): their DBL102/DBL103 say so, since a database built
by migrations lacks them unless a migration makes the same change. Checked with the real
SQLAlchemy and Alembic on the fixture's own code."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import FIXTURES, finding_set, run_tool

ROOT = FIXTURES / "raw_ddl_table_events"

PROBE = r"""
import json
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from tracker.models import issues, metadata


def indexes(engine):
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")
        return sorted(row[0] for row in rows)


by_create_all = sa.create_engine("sqlite://")
metadata.create_all(by_create_all)
by_migration = sa.create_engine("sqlite://")
with by_migration.begin() as connection:
    op = Operations(MigrationContext.configure(connection))
    op.create_table("issues", *(sa.Column(c.name, c.type, primary_key=c.primary_key) for c in issues.columns))
print(json.dumps({"create_all": indexes(by_create_all), "migration": indexes(by_migration)}))
"""


def test_table_event_ddl_runs_with_create_all_and_never_in_a_migration() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r})\n" + PROBE],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    real = json.loads(completed.stdout)
    assert real == {"create_all": ["ix_issue_path", "uix_issue"], "migration": []}


def test_ddl_a_table_event_runs_says_when_it_runs() -> None:
    completed = run_tool("dblint", "check", ".", cwd=ROOT)
    reported = finding_set(completed.stdout)
    assert {(line, code) for _, line, code in reported} == {
        (16, "DBL103"),
        (20, "DBL103"),
        (28, "DBL103"),
        (30, "DBL103"),
        (33, "DBL103"),
        (34, "DBL103"),
        (40, "DBL103"),
        (45, "DBL101"),
    }
    when = (
        "(run by `event.listen` when SQLAlchemy creates or drops the table: "
        "`create_all()`, `create()` or their drops, never a migration)"
    )
    lines = completed.stdout.splitlines()
    hooked = {int(line.split(":")[1]) for line in lines if when in line}
    assert hooked == {16, 20, 28, 30}
    assert "raw SQL CREATE INDEX uix_issue (run by `event.listen`" in lines[0]
