"""DBL501-DBL507 agree with squawk on the SQL that real Alembic renders for each revision.

For every revision of the `pg_safety` fixture, real Alembic renders that revision's
upgrade offline (`alembic upgrade PREV:REV --sql` on the fixture's PostgreSQL URL: no
database needed). One revision at a time, because a whole offline history is one
transaction in which every table looks newly created. Real squawk (`squawk-cli`, in the
test extra) lints that SQL. Each squawk finding of a rule with a dblint counterpart must
be a dblint finding on the same operation (same index, column or constraint), and each
dblint finding must be a squawk finding, except the differences listed in `DELIBERATE`.

Squawk rules without a dblint counterpart, and why:
- require-lock-timeout, require-statement-timeout: session settings, not a property of an
  operation; dblint reports the operations that take the locks.
- prefer-bigint-over-int, prefer-bigint-over-smallint, prefer-identity, prefer-text-field,
  prefer-timestamp-tz, ban-char-field: type preferences, not locks or failures.
- prefer-robust-stmts (IF [NOT] EXISTS for re-runs): style of raw SQL.
- renaming-table, renaming-column, ban-drop-column, ban-drop-table: squawk reports every
  rename and drop; DBL508 / DBL509 report only those the running code still uses (a model
  of the tracked metadata declares the old name), which SQL alone cannot know.
- constraint-missing-not-valid on `VALIDATE CONSTRAINT` in the transaction that added
  the constraint: dblint has no rule for it (DBL506's docs advise a separate revision).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BIN, FIXTURES, run_tool

from dblint.engine import Request
from dblint.index.revisions import revision_graphs
from dblint.pipeline import load_project

FIXTURE = "pg_safety"
SQUAWK = BIN / "squawk"

# squawk rule -> dblint code of the same meaning. `constraint-missing-not-valid` means
# DBL505 on a foreign key and DBL507 on a unique constraint (see `_squawk_keys`).
COUNTERPARTS = {
    "require-concurrent-index-creation": "DBL501",
    "ban-concurrent-index-creation-in-transaction": "DBL502",
    "adding-required-field": "DBL503",
    "changing-column-type": "DBL504",
    "adding-foreign-key-constraint": "DBL505",
    "adding-not-nullable-field": "DBL506",
    "disallowed-unique-constraint": "DBL507",
}
# What identifies the operation: in the rendered SQL statement, and in dblint's message.
SQL_KEYS = {
    "DBL501": r"CREATE (?:UNIQUE )?INDEX (?P<key>\w+)",
    "DBL502": r"CREATE (?:UNIQUE )?INDEX CONCURRENTLY (?P<key>\w+)",
    "DBL503": r"ALTER TABLE (?P<table>\w+) ADD COLUMN (?P<column>\w+)",
    "DBL504": r"ALTER TABLE (?P<table>\w+) ALTER COLUMN (?P<column>\w+) TYPE",
    "DBL505": r"ALTER TABLE (?P<table>\w+) ADD (?:CONSTRAINT \w+ )?FOREIGN KEY\s*\((?P<column>\w+)",
    "DBL506": r"ALTER TABLE (?P<table>\w+) ALTER COLUMN (?P<column>\w+) SET NOT NULL",
    "DBL507": r"ADD CONSTRAINT (?P<key>\w+) UNIQUE",
}
MESSAGE_KEYS = {
    "DBL501": r"builds (?P<key>\w+) on existing table",
    "DBL502": r"(?:of (?P<key>\w+) with postgresql_concurrently|CREATE INDEX CONCURRENTLY (?P<key2>\w+))",
    "DBL503": r"adds NOT NULL column (?P<column>\w+) without server_default to existing table (?P<table>\w+)",
    "DBL504": r"changes (?:the type of )?(?P<table>\w+)\.(?P<column>\w+)",
    "DBL505": r"(?:on existing table|adds column) (?P<table>\w+)\((?P<column>\w+)",
    "DBL506": r"sets (?P<table>\w+)\.(?P<column>\w+) NOT NULL",
    "DBL507": r"of (?P<key>\w+) on existing table",
}
# (revision, code, key) squawk reports and dblint deliberately does not, and why.
DELIBERATE = {
    # a table created earlier in the same revision: no running code uses it yet
    ("0003", "DBL503", "invoices.number"),
    # widenings PostgreSQL does in place, without a rewrite (VARCHAR(n) -> VARCHAR(m > n) / TEXT, NUMERIC precision up)
    ("0003", "DBL504", "customers.email"),
    ("0003", "DBL504", "orders.note"),
    ("0003", "DBL504", "orders.total"),
    # the same widening, the old VARCHAR(40) read from the replayed migrations (no existing_type=)
    ("0003", "DBL504", "customers.phone"),
}
# (revision, code, key) dblint reports and squawk does not, and why.
DBLINT_ONLY = {
    # `DROP INDEX CONCURRENTLY` in a transaction fails like the create; squawk has no rule for the drop
    ("0004", "DBL502", "ix_orders_status"),
}


def _key(match: re.Match) -> str:
    groups = {name: value for name, value in match.groupdict().items() if value}
    if "table" in groups:
        return f"{groups['table']}.{groups['column']}"
    return groups.get("key") or groups["key2"]


def _squawk_keys(sql: str, findings: list[dict]) -> set[tuple[str, str]]:
    lines = sql.splitlines()
    found = set()
    for finding in findings:
        rule = finding["rule_name"]
        statement = " ".join(
            lines[finding["line"] : finding["line_end"] + 1]
        )  # squawk's lines are 0-based
        code = COUNTERPARTS.get(rule)
        if rule == "constraint-missing-not-valid":
            code = (
                "DBL505"
                if "FOREIGN KEY" in statement
                else "DBL507"
                if " UNIQUE" in statement
                else None
            )
        if code is None:
            continue
        match = re.search(SQL_KEYS[code], statement)
        assert match, f"{rule} on a statement the test cannot read: {statement}"
        found.add((code, _key(match)))
    return found


def _dblint_keys(findings: list[dict]) -> set[tuple[str, str]]:
    found = set()
    for finding in findings:
        code = finding["code"]
        if code not in MESSAGE_KEYS:
            continue
        match = re.search(MESSAGE_KEYS[code], finding["message"])
        assert match, finding["message"]
        found.add((code, _key(match)))
    return found


def _revisions(root: Path) -> list[tuple[str, str, str]]:
    """(revision, the revision before it or "base", path) in upgrade order."""
    project = load_project(root, Request(paths=(root,)))
    (graph,) = revision_graphs(project.index)
    ordered = []
    for rid in graph.order:
        parents = graph.parents(rid)
        assert len(parents) <= 1, "the fixture is one straight line of revisions"
        ordered.append((rid, parents[0] if parents else "base", graph.revisions[rid].path))
    return ordered


def _render(root: Path, previous: str, revision: str) -> str:
    target = revision if previous == "base" else f"{previous}:{revision}"
    completed = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", target, "--sql"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def _squawk(sql_file: Path) -> list[dict]:
    completed = subprocess.run(
        [str(SQUAWK), "--reporter", "json", sql_file.name],
        cwd=sql_file.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode in (0, 1, 2, 3), completed.stderr  # non-zero when it has findings
    return json.loads(completed.stdout or "[]")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("squawk") / FIXTURE
    shutil.copytree(FIXTURES / FIXTURE, root)
    return root


def test_squawk_and_dblint_report_the_same_operations(project: Path) -> None:
    if not SQUAWK.exists():
        pytest.skip(
            "squawk is not installed in this environment (`pip install squawk-cli`, part of the test extra)"
        )
    # Without safety-since: every revision is compared, including the ones the fixture leaves out.
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('safety-since = "0002"\n', ""))
    completed = run_tool("dblint", "check", ".", "--format", "json", "--no-cache", cwd=project)
    assert completed.returncode in (0, 1), completed.stderr
    by_path: dict[str, list[dict]] = {}
    for finding in json.loads(completed.stdout):
        by_path.setdefault(finding["path"], []).append(finding)
    compared = 0
    for revision, previous, path in _revisions(project):
        sql = _render(project, previous, revision)
        sql_file = project / f"{revision}.sql"
        sql_file.write_text(sql)
        from_squawk = _squawk_keys(sql, _squawk(sql_file))
        from_dblint = _dblint_keys(by_path.get(path, []))
        deliberate = {(code, key) for rev, code, key in DELIBERATE if rev == revision}
        only_dblint = {(code, key) for rev, code, key in DBLINT_ONLY if rev == revision}
        assert deliberate <= from_squawk, f"{revision}: a listed difference no longer occurs"
        assert only_dblint <= from_dblint, f"{revision}: a listed difference no longer occurs"
        assert from_dblint - only_dblint == from_squawk - deliberate, f"revision {revision}:\n{sql}"
        compared += len(from_dblint)
    assert compared >= 12  # the fixture exercises every rule with a counterpart
