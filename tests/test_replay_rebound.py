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
    assert reported == {("crowd/models.py", 19, "DBL411"), ("crowd/models.py", 32, "DBL411")}
    # d4: `conn.execute(sa.text(orphaned("task")))`, a helper of the revision returning a `SELECT`
    # (securedrop's shape), changes no table; e5 (nyaa's shape): `for site in SITES:` over a module
    # constant creates `site + "_stats"` for each, so `south_stats.visits` is judged


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


def test_a_loop_over_a_shadowed_constant_is_not_unrolled(tmp_path: Path) -> None:
    """The look-alike of nyaa's loop: the function binds `SITES` itself, so the module's tuple is
    not what it loops over; the tables it creates are unknown and nothing is judged."""
    body = (
        '    SITES = os.environ["SITES"].split()\n'
        "    for site in SITES:\n"
        '        op.add_column(site, sa.Column("title", sa.String(80)))\n'
    )
    revision = 'SITES = ("task",)\n\n' + _REVISION.format(rev="r2", down='"r1"', body=body)
    assert "cannot compute" in _unjudged(_task_project(tmp_path / "shadowed", revision))


def test_a_choice_type_is_compared_by_no_family(tmp_path: Path) -> None:
    """sqlalchemy-utils' `ChoiceType(Status, impl=Integer())` is an INTEGER column (nyaa's
    `users.status`): its `enum` family is what Python gets back, no DBL412 against `sa.Integer()`."""
    models = _MODELS.replace(
        "from sqlalchemy import Column, Integer, String\n",
        "import enum\n\nfrom sqlalchemy import Column, Integer, String\n"
        "from sqlalchemy_utils import ChoiceType\n",
    ).replace(
        "    title = Column(String(80))\n",
        "    title = Column(String(80))\n    status = Column(ChoiceType(Status, impl=Integer()))\n",
    )
    models = models.replace(
        "Base = declarative_base()\n",
        "Base = declarative_base()\n\n\nclass Status(enum.Enum):\n    OPEN = 0\n",
    )
    body = (
        '    op.add_column("task", sa.Column("title", sa.String(80)))\n'
        '    op.add_column("task", sa.Column("status", sa.Integer()))\n'
    )
    root = _task_project(tmp_path / "choices", _REVISION.format(rev="r2", down='"r1"', body=body))
    (root / "app" / "models.py").write_text(models)
    assert "status = Column(ChoiceType" in (root / "app" / "models.py").read_text()
    assert finding_set(run_tool("dblint", "check", ".", cwd=root).stdout) == set()
    (root / "migrations" / "versions" / "r2.py").write_text(
        _REVISION.format(rev="r2", down='"r1"', body=body.replace("sa.Integer()", "sa.Boolean()"))
    )
    # The look-alike: a plain `Integer` model column against `Boolean` is still a DBL412.
    (root / "app" / "models.py").write_text(
        models.replace("ChoiceType(Status, impl=Integer())", "Integer")
    )
    reported = finding_set(run_tool("dblint", "check", ".", cwd=root).stdout)
    assert {code for _, _, code in reported} == {"DBL412"}


def test_a_computed_rename_on_a_chain_from_a_missing_revision_does_not_crash(
    tmp_path: Path,
) -> None:
    """A table assumed on a chain from an unknown schema, renamed to a computed name, was dropped
    from a table list it was never in (DBL002 on every replay rule; found by the fuzz corpus)."""
    body = (
        '    prefix = op.get_context().opts["table_prefix"]\n'
        '    op.rename_table("accounts", f"{prefix}accounts")\n'
    )
    root = _task_project(
        tmp_path / "unrooted", _REVISION.format(rev="r2", down='"gone"', body=body)
    )
    completed = run_tool("dblint", "check", ".", cwd=root)
    assert completed.returncode == 1, completed.stderr
    codes = {code for _, _, code in finding_set(completed.stdout)}
    assert "DBL402" in codes
    assert "DBL002" not in codes


def test_a_loop_over_a_list_changed_in_place_is_not_unrolled(tmp_path: Path) -> None:
    """A module-level list the module changes in place (`SITES.append("task")`) holds more than
    its display says: the loop over it is not unrolled as `("other",)` (which judged `task.title`
    missing and `other` uncreated), and nothing is judged. A list read only by loops still is."""
    head = 'SITES = ["other"]\nSITES.append("task")\n\n'
    body = (
        '    for site in SITES:\n        op.add_column(site, sa.Column("title", sa.String(80)))\n'
    )
    revision = head + _REVISION.format(rev="r2", down='"r1"', body=body)
    assert "cannot compute" in _unjudged(_task_project(tmp_path / "appended", revision))
    # The look-alike: the list is only looped over, so the loop is unrolled and `title` is added.
    revision = 'SITES = ["task"]\n\n' + _REVISION.format(rev="r2", down='"r1"', body=body)
    root = _task_project(tmp_path / "read_only", revision)
    assert finding_set(run_tool("dblint", "check", ".", cwd=root).stdout) == set()


def test_a_statement_bound_on_the_line_of_its_use_is_read(tmp_path: Path) -> None:
    """`query = "..."; op.execute(query)` on one line: the use reads the value bound on its own
    line before it, not the one of the line above (which left `title` unadded: a false DBL411)."""
    body = (
        '    query = "ALTER TABLE task ADD COLUMN done BOOLEAN"\n'
        "    op.execute(query)\n"
        '    query = "ALTER TABLE task ADD COLUMN title VARCHAR(80)"; op.execute(query)\n'
    )
    root = _task_project(tmp_path / "one_line", _REVISION.format(rev="r2", down='"r1"', body=body))
    assert finding_set(run_tool("dblint", "check", ".", cwd=root).stdout) == set()
    # The look-alike: the use comes first on the line, so it reads the value bound above.
    body = (
        '    query = "ALTER TABLE task ADD COLUMN done BOOLEAN"\n'
        '    op.execute(query); query = "ALTER TABLE task ADD COLUMN title VARCHAR(80)"\n'
    )
    root = _task_project(tmp_path / "use_first", _REVISION.format(rev="r2", down='"r1"', body=body))
    reported = finding_set(run_tool("dblint", "check", ".", cwd=root).stdout)
    assert reported == {("app/models.py", 10, "DBL411")}


def test_a_constant_imported_over_is_not_unrolled(tmp_path: Path) -> None:
    """`SITES = ("other",)` and then `from app.sites import SITES`, or an import of it in the
    function: what the loop reads is the imported value, which dblint does not read here."""
    body = (
        '    for site in SITES:\n        op.add_column(site, sa.Column("title", sa.String(80)))\n'
    )
    head = 'SITES = ("other",)\n\nfrom app.sites import SITES\n\n'
    revision = head + _REVISION.format(rev="r2", down='"r1"', body=body)
    assert "cannot compute" in _unjudged(_task_project(tmp_path / "module_import", revision))
    local = "    from app.sites import SITES\n\n" + body
    revision = 'SITES = ("other",)\n\n' + _REVISION.format(rev="r2", down='"r1"', body=local)
    assert "cannot compute" in _unjudged(_task_project(tmp_path / "function_import", revision))
