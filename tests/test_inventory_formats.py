"""The inventory's three formats carry the same rows; options behave as documented."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest
from conftest import FIXTURES, run_tool, run_tool_once

REPO = Path(__file__).resolve().parents[1]
SHOP = REPO / "examples" / "shop"
PROJECTS = [SHOP, FIXTURES / "core_scripts", FIXTURES / "flask_app", FIXTURES / "bad_input"]
FILE_KEYS = [
    "path",
    "context",
    "interactions",
    "tables_defined",
    "tables_created_outside_migrations",
    "metadata",
    "findings",
    "risk",
]
TABLE_KEYS = [
    "table",
    "schema",
    "defined_at",
    "metadata",
    "tracked",
    "created_by_revision",
    "created_outside_migrations",
    "findings",
    "uncertain",
]
TOTALS_KEYS = [
    "files_scanned",
    "files_touching_db",
    "tables",
    "tables_untracked",
    "tables_created_outside_migrations",
    "unknown_tables_created_at",
    "findings",
    "alembic_target_metadata",
]


def inventory(*args: str, cwd: Path = SHOP) -> str:
    # The shipped example and the fixtures are never changed: their reports are shared runs
    # of dblint's main in this process; a tree a test writes is run as a process.
    unchanged = cwd == SHOP or FIXTURES in cwd.parents
    completed = (run_tool_once if unchanged else run_tool)("dblint", "inventory", *args, cwd=cwd)
    assert completed.returncode in (0, 1), completed.stderr  # 1: the scan has findings, as `check`
    assert completed.stderr == ""
    return completed.stdout


def as_csv_cell(value: object) -> str:
    """What the CSV must hold for a JSON value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "; ".join(f"{code}: {count}" for code, count in value.items())
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


@pytest.mark.parametrize(
    "by, key, keys", [("file", "files", FILE_KEYS), ("table", "tables", TABLE_KEYS)]
)
def test_json_has_exactly_the_named_keys(by: str, key: str, keys: list[str]) -> None:
    document = json.loads(inventory("--by", by, "--format", "json"))
    assert list(document) == ["totals", key]
    assert list(document["totals"]) == TOTALS_KEYS
    assert list(document["totals"]["files_touching_db"]) == ["high", "medium", "low"]
    assert document[key], "the shop example has rows"
    for row in document[key]:
        assert list(row) == keys
        for name in keys:
            if name in (
                "interactions",
                "tables_defined",
                "tables_created_outside_migrations",
                "defined_at",
                "created_outside_migrations",
                "uncertain",
            ):
                assert isinstance(row[name], list)
            if by == "file" and name == "metadata":
                assert isinstance(row[name], list)
        if by == "table":
            assert isinstance(row["tracked"], bool)


@pytest.mark.parametrize("by, key", [("file", "files"), ("table", "tables")])
@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_csv_round_trips_to_the_json_rows(project: Path, by: str, key: str) -> None:
    rows = json.loads(inventory("--by", by, "--format", "json", cwd=project))[key]
    text = inventory("--by", by, "--format", "csv", cwd=project)
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[0] == (FILE_KEYS if by == "file" else TABLE_KEYS)
    assert len(parsed) == len(rows) + 1
    for record, row in zip(parsed[1:], rows):
        assert record == [as_csv_cell(row[name]) for name in parsed[0]]


def test_csv_quotes_cells_with_separators_and_quotes(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'odd'\n")
    (tmp_path / 'odd, "name".py').write_text(
        "from sqlalchemy import text\n\n\ndef run(conn):\n"
        "    conn.execute(text('CREATE TABLE \"odd, table\" (id INTEGER PRIMARY KEY)'))\n"
    )
    text = inventory("--format", "csv", cwd=tmp_path)
    assert '"odd, ""name"".py"' in text
    parsed = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [row["path"] for row in parsed] == ['odd, "name".py']


def _markdown_tables(text: str) -> list[list[str]]:
    tables: list[list[str]] = []
    current: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables


def _cells(line: str) -> list[str]:
    assert line.startswith(("| ", "|-")), line
    return re.split(r"(?<!\\)\|", line.strip())[1:-1]


@pytest.mark.parametrize("by", ["file", "table"])
@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_markdown_renders_totals_then_one_github_table(project: Path, by: str) -> None:
    text = inventory("--by", by, cwd=project)
    document = json.loads(inventory("--by", by, "--format", "json", cwd=project))
    rows = document["files" if by == "file" else "tables"]
    lines = text.splitlines()
    assert lines[0] == "# Database inventory"
    assert lines[2] == f"- Files scanned: {document['totals']['files_scanned']}"
    heading = lines.index("## Files" if by == "file" else "## Tables")
    assert all(not line.startswith("|") for line in lines[:heading])
    (table,) = _markdown_tables(text)
    header, separator, *body = table
    assert len(_cells(header)) == 8
    assert _cells(separator) == ["---"] * 8
    assert len(body) == len(rows)
    for line, row in zip(body, rows):
        cells = _cells(line)
        assert len(cells) == 8, line
        first = row["path"] if by == "file" else row["table"]
        assert cells[0].strip().strip("`").strip() == first.replace("|", "\\|")


def test_markdown_shortens_long_lists_only_in_markdown(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'many'\n")
    models = [
        "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n"
    ]
    for number in range(8):
        models.append(f"\n\nclass T{number}(Base):\n    __tablename__ = 't{number}'\n")
    (tmp_path / "models.py").write_text("".join(models))
    markdown = inventory(cwd=tmp_path)
    assert "`t0`, `t1`, `t2`, `t3`, `t4`, +3 more" in markdown
    (row,) = json.loads(inventory("--format", "json", cwd=tmp_path))["files"]
    assert row["tables_defined"] == [f"t{number}" for number in range(8)]
    assert "t7" in inventory("--format", "csv", cwd=tmp_path)


def test_markdown_escapes_pipes_and_backticks(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'pipes'\n")
    (tmp_path / "a|b`c.py").write_text(
        "from sqlalchemy.orm import Session\n\nsession = Session()\n"
    )
    (table,) = _markdown_tables(inventory(cwd=tmp_path))
    assert table[2].startswith("| `` a\\|b`c.py `` | app | session |")
    assert len(_cells(table[2])) == 8


def test_min_risk_filters_rows_but_not_totals() -> None:
    everything = json.loads(inventory("--format", "json"))
    high = json.loads(inventory("--format", "json", "--min-risk", "high"))
    medium = json.loads(inventory("--format", "json", "--min-risk", "medium"))
    assert high["totals"] == everything["totals"]
    assert high["files"] == [row for row in everything["files"] if row["risk"] == "high"]
    assert medium["files"] == [
        row for row in everything["files"] if row["risk"] in ("high", "medium")
    ]
    assert len(high["files"]) == everything["totals"]["files_touching_db"]["high"] > 0
    assert f"Files with risk high or higher: {len(high['files'])}." in inventory(
        "--min-risk", "high"
    )


def test_output_file_gets_the_report_and_stdout_stays_empty(tmp_path: Path) -> None:
    target = tmp_path / "inventory.csv"
    assert inventory("--format", "csv", "--output", str(target)) == ""
    data = target.read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") > 1, "RFC 4180 line breaks"
    assert data.decode("utf-8").replace("\r\n", "\n") == inventory("--format", "csv")


def test_output_is_byte_identical_across_hash_seeds() -> None:
    outputs = set()
    for seed in ("0", "1", "12345"):
        for args in (("--format", "json"), ("--by", "table"), ("--format", "csv", "--by", "table")):
            completed = run_tool(
                "dblint",
                "inventory",
                *args,
                cwd=FIXTURES / "core_scripts",
                env={"PYTHONHASHSEED": seed},
            )
            outputs.add((args, completed.stdout))
    assert len(outputs) == 3


@pytest.mark.parametrize(
    "args, message",
    [
        (("--by", "table", "--min-risk", "high"), "--min-risk applies to --by file only"),
        (("no/such/dir",), "no/such/dir: no such file or directory"),
        (("--output", "/nonexistent-dir/x.md"), "/nonexistent-dir/x.md: cannot write the report"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    completed = run_tool("dblint", "inventory", *args, cwd=SHOP)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.startswith("dblint: error: ") and message in completed.stderr
    assert completed.stderr.count("\n") == 1


def test_bad_choices_are_argparse_errors() -> None:
    for args in (("--by", "column"), ("--format", "xml"), ("--min-risk", "severe")):
        completed = run_tool("dblint", "inventory", *args, cwd=SHOP)
        assert completed.returncode == 2
        assert "invalid choice" in completed.stderr


def test_a_file_name_that_is_not_utf8_keeps_the_output_file_valid_utf8(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'latin'\n")
    name = os.fsencode(tmp_path) + b"/caf\xe9.py"
    with open(name, "wb") as handle:
        handle.write(b"from sqlalchemy.orm import Session\n\nsession = Session()\n")
    target = tmp_path / "inventory.csv"
    assert inventory("--format", "csv", "--output", str(target), cwd=tmp_path) == ""
    rows = list(csv.DictReader(io.StringIO(target.read_bytes().decode("utf-8"), newline="")))
    assert [row["path"] for row in rows] == ["caf\\udce9.py"]


def test_the_command_line_offers_every_inventory_format() -> None:
    """`cli` names the formats without importing the renderers (a warm check loads no inventory)."""
    from dblint.cli import INVENTORY_FORMATS
    from dblint.inventory.renderers import RENDERERS

    assert sorted(INVENTORY_FORMATS) == sorted(RENDERERS)
