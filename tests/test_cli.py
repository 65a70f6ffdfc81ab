"""The `dblint` command line: output order, stability, paths, formats, exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, findings_of, run_tool, write_project

SCHEMA = (
    "from sqlalchemy import MetaData, Table, Column, Integer, text\n"
    "\n"
    "metadata = MetaData()\n"
    "jobs = Table('jobs', metadata, Column('id', Integer, primary_key=True))\n"
    "\n"
    "\n"
    "def setup(engine, conn):\n"
    "    metadata.drop_all(engine); metadata.create_all(engine); jobs.create(engine)\n"
    "    conn.execute(text('CREATE TABLE audit (id INTEGER PRIMARY KEY); ALTER TABLE jobs ADD COLUMN note TEXT'))\n"
)
SEED = "from app.schema import metadata\n\n\ndef seed(engine):\n    metadata.create_all(engine)\n"


def project(tmp_path: Path) -> Path:
    return write_project(
        tmp_path / "proj",
        {
            "app/__init__.py": "",
            "app/schema.py": SCHEMA,
            "app/z_last.py": SEED,
            "app/sub/__init__.py": "",
            "app/sub/a_first.py": SEED,
            "app.py": SEED.replace("app.schema", "app_schema"),
            "app_schema.py": SCHEMA,
            "scripts/seed.py": SEED,
        },
    )


def parsed(stdout: str) -> list[tuple[str, int, int, str]]:
    rows = []
    for line in findings_of(stdout):
        path, number, column, rest = line.split(":", 3)
        rows.append((path, int(number), int(column), rest.split()[0]))
    return rows


def test_output_is_sorted_by_path_line_column_code(tmp_path: Path) -> None:
    completed = run_tool("dblint", "check", cwd=project(tmp_path))
    assert completed.returncode == 1
    rows = parsed(completed.stdout)
    assert rows == sorted(rows)
    schema = [row[1:] for row in rows if row[0] == "app/schema.py"]
    assert schema == [
        (8, 5, "DBL105"),
        (8, 32, "DBL101"),
        (8, 61, "DBL104"),
        (9, 23, "DBL102"),
        (9, 23, "DBL103"),
    ]
    assert [row[0] for row in rows].count("app/sub/a_first.py") == 1


@pytest.mark.parametrize("fixture", ["core_scripts", "fastapi_sa2", "realworld_patterns"])
def test_text_output_is_byte_identical_across_runs_and_hash_seeds(fixture: str) -> None:
    root = FIXTURES / fixture
    outputs = {
        run_tool("dblint", "check", ".", cwd=root, env={"PYTHONHASHSEED": seed}).stdout
        for seed in ("0", "1", "4242", "random", "random")
    }
    assert len(outputs) == 1
    assert outputs.pop()


def test_json_output_is_stable_and_complete(tmp_path: Path) -> None:
    root = project(tmp_path)
    first = run_tool("dblint", "check", "--format", "json", cwd=root, env={"PYTHONHASHSEED": "1"})
    second = run_tool("dblint", "check", "--format", "json", cwd=root, env={"PYTHONHASHSEED": "2"})
    assert first.stdout == second.stdout
    items = json.loads(first.stdout)
    text_rows = parsed(run_tool("dblint", "check", cwd=root).stdout)
    assert [(i["path"], i["line"], i["column"], i["code"]) for i in items] == text_rows
    assert {"path", "line", "column", "code", "message"} <= set(items[0])
    assert all(item["message"] for item in items)


def test_paths_are_relative_to_the_working_directory(tmp_path: Path) -> None:
    root = project(tmp_path)
    from_root = parsed(run_tool("dblint", "check", cwd=root).stdout)
    from_parent = parsed(run_tool("dblint", "check", "proj", cwd=tmp_path).stdout)
    assert from_parent == [(f"proj/{path}", *rest) for path, *rest in from_root]
    from_sub = run_tool("dblint", "check", cwd=root / "app" / "sub")
    assert parsed(from_sub.stdout) == [("a_first.py", 5, 5, "DBL101")]
    whole_from_sub = parsed(run_tool("dblint", "check", "../..", cwd=root / "app" / "sub").stdout)
    assert {row[0] for row in whole_from_sub} == {
        "../../app.py",
        "../../app_schema.py",
        "../schema.py",
        "../z_last.py",
        "a_first.py",
        "../../scripts/seed.py",
    }
    assert whole_from_sub == sorted(whole_from_sub)


def test_exit_status(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert run_tool("dblint", "check", cwd=root).returncode == 1
    assert run_tool("dblint", "check", "--exit-zero", cwd=root).returncode == 0
    assert run_tool("dblint", "check", "--select", "DBL2", cwd=root).returncode == 0
    assert run_tool("dblint", "check", "--format", "nope", cwd=root).returncode == 2
    assert run_tool("dblint", cwd=root).returncode == 2


def test_rules_listing_and_one_rule(tmp_path: Path) -> None:
    listing = run_tool("dblint", "rules", cwd=tmp_path)
    assert listing.returncode == 0
    codes = [line.split()[0] for line in listing.stdout.splitlines()]
    assert codes == sorted(codes)
    assert {"DBL001", "DBL101", "DBL102", "DBL103", "DBL104", "DBL105"} <= set(codes)
    line = next(line for line in listing.stdout.splitlines() if line.startswith("DBL101"))
    assert "create-all-outside-migrations" in line and "default" in line
    one = run_tool("dblint", "rule", "DBL101", cwd=tmp_path)
    assert one.returncode == 0
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead"):
        assert heading in one.stdout
    unknown = run_tool("dblint", "rule", "DBL999", cwd=tmp_path)
    assert unknown.returncode == 2
    assert len(unknown.stderr.splitlines()) == 1


def test_version(tmp_path: Path) -> None:
    completed = run_tool("dblint", "--version", cwd=tmp_path)
    assert completed.returncode == 0
    assert completed.stdout.startswith("dblint ")
