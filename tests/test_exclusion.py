"""Exclusion hides findings, not facts; `--force-exclude` skips excluded files named
explicitly, as pre-commit's hook needs (issue 16.3)."""

from __future__ import annotations

from pathlib import Path

from conftest import finding_set, run_tool, write_project

CREATE_ALL = (
    "import sqlalchemy as sa\n\n"
    "metadata = sa.MetaData()\n"
    "users = sa.Table('users', metadata, sa.Column('id', sa.Integer, primary_key=True))\n"
    "metadata.create_all(engine)\n"
)


def _revision(revision: str, down: str | None, table: str) -> str:
    return (
        f'"""Revision {revision}."""\n\nimport sqlalchemy as sa\nfrom alembic import op\n\n'
        f"revision = {revision!r}\ndown_revision = {down!r}\n\n\n"
        f"def upgrade():\n    op.create_table({table!r}, sa.Column('id', sa.Integer(), primary_key=True))\n"
    )


def _project(tmp_path: Path, config: str) -> Path:
    files = {
        "app/__init__.py": "",
        "app/db.py": CREATE_ALL,
        "legacy/old_db.py": CREATE_ALL,
        "migrations/env.py": "from alembic import context\n\ntarget_metadata = None\n",
        "migrations/versions/0001_first.py": _revision("0001", None, "users"),
        "migrations/versions/0002_second.py": _revision("0002", "0001", "orders"),
    }
    return write_project(
        tmp_path / "proj",
        files,
        pyproject=f'[tool.dblint]\nmigrations = ["migrations"]\n{config}\n',
    )


def test_an_excluded_file_named_with_force_exclude_is_skipped(tmp_path: Path) -> None:
    root = _project(tmp_path, 'extend-exclude = ["legacy/"]')
    assert finding_set(run_tool("dblint", "check", cwd=root).stdout) == {("app/db.py", 5, "DBL101")}
    forced = run_tool(
        "dblint", "check", "--force-exclude", "legacy/old_db.py", "app/db.py", cwd=root
    )
    assert (forced.returncode, finding_set(forced.stdout)) == (1, {("app/db.py", 5, "DBL101")})
    only_excluded = run_tool("dblint", "check", "--force-exclude", "legacy/old_db.py", cwd=root)
    assert (only_excluded.returncode, only_excluded.stdout) == (0, "")
    # Named without --force-exclude, an excluded file is checked, as ruff does.
    named = run_tool("dblint", "check", "legacy/old_db.py", cwd=root)
    assert finding_set(named.stdout) == {("legacy/old_db.py", 5, "DBL101")}


def test_an_excluded_parent_revision_still_exists(tmp_path: Path) -> None:
    root = _project(tmp_path, 'extend-exclude = ["migrations/versions/0001_first.py"]')
    for args in (
        (),
        ("migrations/versions/0002_second.py",),
        ("--force-exclude", "migrations/versions/0002_second.py"),
    ):
        completed = run_tool("dblint", "check", *args, cwd=root)
        assert "DBL402" not in completed.stdout, (args, completed.stdout)
        assert "DBL404" not in completed.stdout, (args, completed.stdout)


def test_an_excluded_model_still_defines_its_table(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/base.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
        "generated/users.py": (
            "from sqlalchemy import Column, Integer\n\nfrom app.base import Base\n\n\n"
            "class User(Base):\n    __tablename__ = 'users'\n    id = Column(Integer, primary_key=True)\n"
        ),
        "app/orders.py": (
            "from sqlalchemy import Column, ForeignKey, Integer\n\nfrom app.base import Base\n\n\n"
            "class Order(Base):\n    __tablename__ = 'orders'\n    id = Column(Integer, primary_key=True)\n"
            "    user_id = Column(Integer, ForeignKey('users.id'))\n"
        ),
    }
    root = write_project(
        tmp_path / "proj", files, pyproject='[tool.dblint]\nextend-exclude = ["generated/"]\n'
    )
    completed = run_tool("dblint", "check", cwd=root)
    assert (completed.returncode, completed.stdout) == (0, ""), (
        "no DBL302: the excluded model defines users"
    )


def test_excluded_unparsable_files_are_not_reported(tmp_path: Path) -> None:
    root = _project(tmp_path, 'extend-exclude = ["legacy/"]')
    (root / "legacy/broken.py").write_text("def broken(:\n")
    completed = run_tool("dblint", "check", cwd=root)
    assert "legacy/" not in completed.stdout
