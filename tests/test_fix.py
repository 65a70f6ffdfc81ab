"""`dblint check --fix` / `--diff` for DBL301 and DBL304, run for real on copies of a fixture.

tests/fixtures/fix_fk_types/app/ holds the code to fix, expected/ what `--fix` must
make of each file it changes. The fixed copy is then imported with real SQLAlchemy
(our own fixture, never user code): `create_all` works on SQLite, and PostgreSQL
accepts the constraints it rejected before the fix.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, finding_set, hinted, run_tool, write_project
from test_agreement_sqlalchemy import probe, project_schema

FIXTURE = FIXTURES / "fix_fk_types"
CHANGED = ("app/devices.py", "app/heroes.py", "app/subscriptions.py")
FIXED_COLUMNS = {
    "device_events.device_id",
    "device_events.user_id",
    "hero.team_id",
    "subscriptions.user_id",
    "subscriptions.owner_id",
    "subscriptions.plan_code",
    "subscriptions.reviewer_id",
}
REFUSED_COLUMNS = {"pairings.device_id", "pairings.token_value"}
REMAINING = {
    ("app/refused.py", 15, "DBL301"),
    ("app/refused.py", 15, "DBL304"),
    ("app/refused.py", 17, "DBL301"),
    ("app/subscriptions.py", 32, "DBL304"),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(
        FIXTURE, root, ignore=shutil.ignore_patterns("expected", ".dblint_cache", "__pycache__")
    )
    return root


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        path.relative_to(root).as_posix(): (path.read_bytes(), path.stat().st_mode)
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def _dblint(root: Path, *args: str) -> subprocess.CompletedProcess:
    return run_tool("dblint", "check", "--no-cache", *args, cwd=root)


def test_diff_shows_the_fixes_and_writes_nothing(project: Path, tmp_path: Path) -> None:
    before = _snapshot(project)
    completed = _dblint(project, "--diff", ".")
    assert completed.returncode == 1, completed.stderr
    assert _snapshot(project) == before
    assert completed.stderr == "dblint: would fix 8 findings in 3 files\n"
    assert [line[6:] for line in completed.stdout.splitlines() if line.startswith("+++ ")] == list(
        CHANGED
    )
    lines = completed.stdout.splitlines()
    assert (
        '-    user_id = Column(PG_UUID(as_uuid=True), ForeignKey("users.id"), nullable=False)'
        in lines
    )
    assert '+    user_id = Column(Integer, ForeignKey("users.id"), nullable=False)' in lines
    # The diff is a patch that `git apply` accepts, and it gives the expected files.
    patch = tmp_path / "fixes.diff"
    patch.write_text(completed.stdout)
    applied = subprocess.run(
        ["git", "apply", str(patch)], cwd=project, capture_output=True, text=True
    )
    assert applied.returncode == 0, applied.stderr
    for rel in CHANGED:
        assert (project / rel).read_text() == (FIXTURE / "expected" / Path(rel).name).read_text(), (
            rel
        )


def test_fix_writes_the_expected_files_and_reports_what_remains(project: Path) -> None:
    (project / "app" / "subscriptions.py").chmod(0o640)
    before = _snapshot(project)
    completed = _dblint(project, "--fix", ".")
    assert completed.returncode == 1, completed.stderr
    assert finding_set(completed.stdout) == REMAINING
    assert (
        "app/subscriptions.py:22:5: DBL301 fixed (subscriptions.user_id: PG_UUID(as_uuid=True) -> Integer)\n"
        in completed.stderr
    )
    assert (
        "app/subscriptions.py:30:5: DBL304 fixed (subscriptions.account_ref: annotation str -> int)\n"
        in completed.stderr
    )
    assert completed.stderr.endswith("dblint: fixed 8 findings in 3 files\n")
    after = _snapshot(project)
    assert sorted(after) == sorted(before), "files added or removed (a temporary file left behind?)"
    for rel in CHANGED:
        assert after[rel][0] == (FIXTURE / "expected" / Path(rel).name).read_bytes(), rel
        assert after[rel][1] == before[rel][1], f"mode of {rel}"
    assert {rel for rel in before if after[rel] != before[rel]} == set(CHANGED)


def test_a_second_run_finds_nothing_to_fix(project: Path) -> None:
    assert _dblint(project, "--fix", ".").returncode == 1
    fixed = _snapshot(project)
    again = _dblint(project, "--diff", ".")
    assert (again.returncode, again.stdout) == (0, ""), again.stderr
    assert again.stderr == "dblint: would fix 0 findings in 0 files\n"
    rerun = _dblint(project, "--fix", ".")
    assert rerun.stderr == "dblint: fixed 0 findings in 0 files\n"
    assert finding_set(rerun.stdout) == REMAINING
    assert _snapshot(project) == fixed


def test_refused_fixes_say_why(project: Path) -> None:
    completed = _dblint(project, "--select", "DBL301", "app/refused.py")
    assert completed.stdout.splitlines() == [
        hinted(
            "app/refused.py:15:5: DBL301 foreign key pairings.device_id is INTEGER but devices.id is UUID; no automatic fix: "
            "the referenced type UUID(as_uuid=True) cannot be imported safely: UUID is already bound in this file"
        ),
        hinted(
            "app/refused.py:17:5: DBL301 foreign key pairings.token_value is INTEGER but tokens.value is VARCHAR; no automatic "
            "fix: the referenced type String(length=...) is not a plain type expression"
        ),
        "Found 2 findings.",
    ]


def test_fix_changes_only_the_files_named(project: Path) -> None:
    before = _snapshot(project)
    completed = _dblint(project, "--fix", "app/heroes.py")
    assert completed.stderr.endswith("dblint: fixed 1 finding in 1 file\n"), completed.stderr
    assert (completed.returncode, completed.stdout) == (0, "")
    after = _snapshot(project)
    assert {rel for rel in before if after[rel] != before[rel]} == {"app/heroes.py"}


SQLITE_PROBE = r"""
import sys
sys.path.insert(0, ".")
import sqlalchemy as sa
from sqlmodel import SQLModel
import app.accounts, app.devices, app.heroes, app.refused, app.subscriptions
from app.base import Base

engine = sa.create_engine("sqlite://")
Base.metadata.create_all(engine)
SQLModel.metadata.create_all(engine)
tables = {**Base.metadata.tables, **SQLModel.metadata.tables}
for name in sys.argv[1:]:
    table, column = name.split(".")
    fk_column = tables[table].c[column]
    (foreign,) = fk_column.foreign_keys
    print(name, type(fk_column.type).__name__, type(foreign.column.type).__name__)
"""


def test_fixed_project_imports_and_creates_its_tables_on_sqlite(project: Path) -> None:
    assert _dblint(project, "--fix", ".").returncode == 1
    completed = subprocess.run(
        [sys.executable, "-c", SQLITE_PROBE, *sorted(FIXED_COLUMNS)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    types = {line.split()[0]: line.split()[1:] for line in completed.stdout.splitlines()}
    assert types["subscriptions.user_id"] == ["Integer", "Integer"]
    assert types["subscriptions.plan_code"] == ["String", "String"]
    assert types["device_events.device_id"] == ["UUID", "UUID"]
    assert types["hero.team_id"] == ["Integer", "Integer"]


@pytest.mark.xdist_group("postgres")  # the worker of test_postgres_fk.py: one cluster
def test_postgresql_accepts_the_fixed_constraints(project: Path, postgres_url: str) -> None:
    def rejected() -> set[str]:
        verdicts = probe(project, project_schema(project), postgres_url)["postgres"]
        assert set(verdicts) >= FIXED_COLUMNS | REFUSED_COLUMNS
        return {column for column, verdict in verdicts.items() if verdict != "accepted"}

    assert rejected() == FIXED_COLUMNS | REFUSED_COLUMNS
    assert _dblint(project, "--fix", ".").returncode == 1
    assert rejected() == REFUSED_COLUMNS


def test_fix_extends_a_one_line_import_and_leaves_noqa_lines_alone(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "small",
        {
            "app/__init__.py": "",
            "app/models.py": (
                "from sqlalchemy import Column, Integer\n"
                "from sqlalchemy.orm import declarative_base\n\n"
                "Base = declarative_base()\n\n\n"
                "class User(Base):\n"
                '    __tablename__ = "users"\n'
                "    id = Column(Integer, primary_key=True)\n"
            ),
            "app/posts.py": (
                "from sqlalchemy import Column, ForeignKey, String\n\n"
                "from app.models import Base\n\n\n"
                "class Post(Base):\n"
                '    __tablename__ = "posts"\n'
                "    id = Column(String(10), primary_key=True)\n"
                '    author_id = Column(String(10), ForeignKey("users.id"))\n'
                '    editor_id = Column(String(10), ForeignKey("users.id"))  # noqa: DBL301\n'
            ),
        },
    )
    completed = _dblint(root, "--fix", ".")
    assert (completed.returncode, completed.stdout) == (0, ""), completed.stderr
    assert (root / "app" / "posts.py").read_text() == (
        "from sqlalchemy import Column, ForeignKey, Integer, String\n\n"
        "from app.models import Base\n\n\n"
        "class Post(Base):\n"
        '    __tablename__ = "posts"\n'
        "    id = Column(String(10), primary_key=True)\n"
        '    author_id = Column(Integer, ForeignKey("users.id"))\n'
        '    editor_id = Column(String(10), ForeignKey("users.id"))  # noqa: DBL301\n'
    )


def test_readme_shows_the_diff_dblint_prints() -> None:
    repo = Path(__file__).resolve().parents[1]
    readme = (repo / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Fixing foreign key types", 1)[1]
    shown = re.search(r"```diff\n(.*?)```", section, flags=re.S)
    assert shown is not None
    completed = run_tool("dblint", "check", "--diff", "examples/shop", cwd=repo)
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout == shown.group(1)
