"""One local rebound to each raw statement a revision runs (pybossa's `query = "ALTER TABLE ...";
op.execute(query)`, again and again) is read at each use as the last value assigned above it,
in straight-line code only; a column named by a module constant is read too. The fixture's
replay is checked against the real Alembic in tests/test_agreement_alembic.py."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES, finding_set, run_tool, write_project

ROOT = FIXTURES / "alembic_rebound_statements"


def test_rebound_statements_leave_the_replay_sure() -> None:
    completed = run_tool("dblint", "inventory", "--by", "table", ".", cwd=ROOT)
    assert "unsure" not in completed.stdout
    assert "cannot read" not in completed.stdout
    reported = finding_set(run_tool("dblint", "check", ".", cwd=ROOT).stdout)
    assert reported == {("crowd/models.py", 19, "DBL411")}
    # d4: `conn.execute(sa.text(orphaned("task")))`, a helper of the revision returning a `SELECT`
    # (securedrop's shape), changes no table


_MODELS = """\
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Task(Base):
    __tablename__ = "task"
    id = Column(Integer, primary_key=True)
    title = Column(String(80))
"""

_REVISION = """\
import os

import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = {down}


def upgrade() -> None:
{body}
"""


def _task_project(root: Path, second_revision: str) -> Path:
    """A model `task` with a `title` no migration adds, r1 creating `task`, and `second_revision`."""
    return write_project(
        root,
        {
            "alembic.ini": "[alembic]\nscript_location = migrations\n",
            "app/__init__.py": "",
            "app/models.py": _MODELS,
            "migrations/env.py": "from alembic import context\n\nfrom app.models import Base\n\n"
            "target_metadata = Base.metadata\n",
            "migrations/versions/r1.py": _REVISION.format(
                rev="r1",
                down="None",
                body='    op.create_table("task", sa.Column("id", sa.Integer(), primary_key=True))',
            ),
            "migrations/versions/r2.py": second_revision,
        },
    )


def _unjudged(root: Path) -> str:
    """No finding (no DBL411 on `task.title`): the inventory's table report, to say why."""
    assert finding_set(run_tool("dblint", "check", ".", cwd=root).stdout) == set()
    return run_tool("dblint", "inventory", "--by", "table", ".", cwd=root).stdout.replace("\\", "")


def test_a_statement_bound_in_a_branch_is_not_guessed(tmp_path: Path) -> None:
    """The look-alike: `query` is rebound under an `if`, so which statement runs is unknown;
    the replay says so and judges no column of the tables (no DBL411 on `task.title`)."""
    body = (
        '    query = "ALTER TABLE task ADD COLUMN title VARCHAR(80);"\n'
        '    if os.environ.get("SKIP_TITLE"):\n'
        '        query = "SELECT 1;"\n'
        "    op.execute(query)\n"
        '    query = "ALTER TABLE task ADD COLUMN done BOOLEAN;"\n'
        "    op.execute(query)\n"
    )
    root = _task_project(tmp_path / "branched", _REVISION.format(rev="r2", down='"r1"', body=body))
    assert (
        "`op.execute()` of a statement the replay cannot read at migrations/versions/r2.py:14"
        in _unjudged(root)
    )


def test_a_helper_building_ddl_still_blinds_the_replay(tmp_path: Path) -> None:
    """The look-alike of securedrop's `SELECT` helper: a helper that builds `ALTER TABLE` changes
    tables the replay cannot name, so no column is judged (no DBL411 on `task.title`)."""
    helper = (
        "def add_title(table_name: str) -> str:\n"
        '    return f"ALTER TABLE {table_name} ADD COLUMN title VARCHAR(80)"\n'
    )
    body = "    conn = op.get_bind()\n    conn.execute(sa.text(add_title(os.environ['TABLE'])))\n"
    revision = helper + _REVISION.format(rev="r2", down='"r1"', body=body)
    assert "the replay cannot read" in _unjudged(_task_project(tmp_path / "ddl_helper", revision))
