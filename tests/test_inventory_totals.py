"""The inventory's totals are counted from the rows it prints, on every fixture project and
in every format: no header may claim tables or files the listing does not show."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURES, run_tool_once

# One worker runs both modules, so each inventory run of a fixture is made once (`run_tool_once`).
pytestmark = pytest.mark.xdist_group("inventory-runs")

REPO = Path(__file__).resolve().parents[1]
PROJECTS = [
    *sorted(p.parent for p in FIXTURES.glob("*/pyproject.toml")),
    REPO / "examples" / "shop",
]


def _inventory(project: Path, *args: str) -> str:
    completed = run_tool_once("dblint", "inventory", *args, cwd=project)
    assert completed.returncode in (0, 1), completed.stderr
    return completed.stdout


def _markdown_rows(text: str) -> list[list[str]]:
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[1:]]


def _markdown_total(text: str, label: str) -> int:
    line = next(line for line in text.splitlines() if line.startswith(f"- {label}: "))
    return int(line.split(": ", 1)[1].split(" ", 1)[0])


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_totals_list_every_creation_of_tables_no_row_can_name(project: Path) -> None:
    """A file row that creates tables dblint cannot name (`(all tables of ...)`, `(computed
    name)`) is left out of the count of created tables, so the totals list its place."""
    data = json.loads(_inventory(project, "--format", "json"))
    unnamed = {
        (row["path"], created[1:-1])
        for row in data["files"]
        for created in row["tables_created_outside_migrations"]
        if created.startswith("(")
    }
    listed = data["totals"]["unknown_tables_created_at"]
    # Each place says what its row says, whole (`unnamed table: sa.Table()`, not `sa.Table`).
    assert {
        (place.split(" (", 1)[0].rsplit(":", 1)[0], place.split("): ", 1)[1]) for place in listed
    } == unnamed
    markdown = _inventory(project).splitlines()
    said = [line for line in markdown if line.startswith("  - and tables dblint cannot name at ")]
    assert len(said) == len(listed)


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_table_totals_count_the_table_rows(project: Path) -> None:
    data = json.loads(_inventory(project, "--by", "table", "--format", "json"))
    rows, totals = data["tables"], data["totals"]
    assert totals["tables"] == len(rows)
    assert totals["tables_untracked"] == sum(not row["tracked"] for row in rows)
    assert totals["tables_created_outside_migrations"] == sum(
        bool(row["created_outside_migrations"]) for row in rows
    )
    markdown = _inventory(project, "--by", "table", "--format", "markdown")
    printed = _markdown_rows(markdown)
    assert _markdown_total(markdown, "Tables") == len(printed) == len(rows)
    assert _markdown_total(markdown, "Tables Alembic does not track") == sum(
        row[4] == "**no**" for row in printed
    )
    csv_rows = list(
        csv.DictReader(io.StringIO(_inventory(project, "--by", "table", "--format", "csv")))
    )
    assert len(csv_rows) == len(rows)


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_file_totals_count_the_file_rows(project: Path) -> None:
    data = json.loads(_inventory(project, "--format", "json"))
    rows, totals = data["files"], data["totals"]
    assert totals["files_touching_db"] == {
        level: Counter(row["risk"] for row in rows)[level] for level in totals["files_touching_db"]
    }
    markdown = _inventory(project, "--format", "markdown")
    assert (
        _markdown_total(markdown, "Files touching the database")
        == len(_markdown_rows(markdown))
        == len(rows)
    )
    by_table = json.loads(_inventory(project, "--by", "table", "--format", "json"))
    listed = {name for row in rows for name in row["tables_defined"]}
    shown = {
        f"{row['schema']}.{row['table']}"
        if row["schema"] not in (None, "unknown")
        else row["table"]
        for row in by_table["tables"]
    }
    assert listed <= shown, "a file lists a table the table view does not"
