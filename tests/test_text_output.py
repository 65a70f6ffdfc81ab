"""The text report a person reads: each message ends with what to do, fixable findings
are marked, a closing line counts them with correct plurals, annotations are quoted as
written, and one cause at one place is one finding. The installed `dblint`."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, findings_of, run_tool, write_project
from gitrepo import REPO

from dblint.rules import all_rules, rule_by_code
from dblint.rules.base import Rule
from dblint.rules.schema_outside_migrations import FAMILY, no_alembic_hint, untracked_bind_hint

SHOP = REPO / "examples" / "shop"
PROJECTS = sorted(p.parent.name for p in FIXTURES.glob("*/pyproject.toml"))
OPT_IN = ",".join(rule.code for rule in all_rules() if not rule.default)


def test_closing_line_counts_the_findings_and_the_fixable_ones() -> None:
    completed = run_tool("dblint", "check", cwd=SHOP)
    assert completed.returncode == 1
    *findings, closing = completed.stdout.splitlines()
    assert closing == "Found 13 findings (1 fixable with --fix)."
    assert len(findings) == 13
    marked = [line for line in findings if " [*] " in line]
    assert [line.split()[1] for line in marked] == ["DBL301"], (
        "only the finding --fix can fix is marked"
    )
    assert marked[0].startswith(
        "shop/models.py:35:5: DBL301 [*] foreign key orders.customer_id is UUID"
    )


def test_closing_line_in_the_singular_and_none_on_a_clean_project(tmp_path: Path) -> None:
    app = 'import sqlalchemy as sa\nm = sa.MetaData()\nt = sa.Table("t", m, sa.Column("id", sa.Integer))\nm.create_all(engine)\n'
    one = write_project(tmp_path / "one", {"app.py": app})
    completed = run_tool("dblint", "check", cwd=one)
    assert completed.stdout.splitlines()[-1] == "Found 1 finding."
    clean = run_tool("dblint", "check", cwd=FIXTURES / "clean_project")
    assert (clean.returncode, clean.stdout) == (0, "")


def test_fix_says_what_it_fixed_in_the_singular(tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    shutil.copytree(SHOP, shop, ignore=shutil.ignore_patterns(".dblint_cache", "__pycache__"))
    diff = run_tool("dblint", "check", "--diff", cwd=shop)
    assert diff.stderr.splitlines()[-1] == "dblint: would fix 1 finding in 1 file"
    fixed = run_tool("dblint", "check", "--fix", cwd=shop)
    assert "dblint: fixed 1 finding in 1 file" in fixed.stderr.splitlines()
    remaining = findings_of(fixed.stdout)
    assert remaining and fixed.stdout.splitlines()[-1] == f"Found {len(remaining)} findings.", (
        "none left to fix"
    )


@pytest.mark.parametrize("project", PROJECTS)
def test_every_message_ends_with_what_to_do(project: str) -> None:
    completed = run_tool(
        "dblint", "check", "--format", "json", "--extend-select", OPT_IN, cwd=FIXTURES / project
    )
    assert completed.returncode in (0, 1), completed.stderr
    for finding in json.loads(completed.stdout):
        rule = rule_by_code(finding["code"])
        what, _, hint = finding["message"].rpartition("; ")
        assert what and hint, finding["message"]
        if not rule.case_hints:  # else the hint is worded for the case
            bind = re.search(r"the tables of binds? (.+) outside Alembic", what)
            if bind is not None and FAMILY.covers(rule.code):  # binds no environment tracks
                verb = "drop" if rule.code == "DBL105" else "create"
                assert hint == untracked_bind_hint(rule.code, verb, bind.group(1)), hint
                continue
            assert hint in _hints(rule), finding["message"]


def _hints(rule: Rule) -> tuple[str, ...]:
    """A rule's fix hint, and for DBL1xx the one of a project without an Alembic environment."""
    return (
        (rule.fix_hint, no_alembic_hint(rule.code))
        if FAMILY.covers(rule.code)
        else (rule.fix_hint,)
    )


def test_annotation_is_quoted_as_written(tmp_path: Path) -> None:
    models = (
        "from typing import Optional\n\n"
        "from sqlalchemy import Integer\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\n"
        "class Base(DeclarativeBase):\n    pass\n\n\n"
        "class Account(Base):\n"
        "    __tablename__ = 'accounts'\n"
        "    id: Mapped[int] = mapped_column(Integer, primary_key=True)\n"
        "    code: Mapped[Optional[str]] = mapped_column(Integer)\n"
        "    label: Mapped[str | None] = mapped_column(Integer)\n"
    )
    root = write_project(tmp_path / "project", {"app/models.py": models})
    completed = run_tool("dblint", "check", "--select", "DBL304", cwd=root)
    messages = [line.split(" DBL304 ", 1)[1] for line in findings_of(completed.stdout)]
    assert [message.split(" but ")[0] for message in messages] == [
        "column accounts.code is annotated Mapped[Optional[str]]",
        "column accounts.label is annotated Mapped[str | None]",
    ]


def test_one_operation_in_a_loop_over_tables_is_one_finding() -> None:
    completed = run_tool("dblint", "check", "--format", "json", cwd=FIXTURES / "migration_loop_ops")
    findings = [(item["line"], item["message"]) for item in json.loads(completed.stdout)]
    assert [line for line, _ in findings] == [15, 20, 21], "one finding per operation"
    assert findings[0][1].startswith(
        "revision a1b2c3d4e5f6 adds a column to tables customers, invoices, orders, products, which no earlier "
        "migration creates; "
    )
    assert "table payments," in findings[1][1] and "table refunds," in findings[2][1]


def test_the_no_alembic_hint_only_where_there_is_no_alembic(tmp_path: Path) -> None:
    """DBL1xx tells a project without an Alembic environment so; a project with one (alembic.ini
    and env.py beside the same code) keeps the rule's own hint, naming Alembic's commands."""
    app = (
        "from sqlalchemy import Column, Integer, MetaData, Table, create_engine\n\n"
        "metadata = MetaData()\n"
        "users = Table('users', metadata, Column('id', Integer, primary_key=True))\n\n\n"
        "def setup(url):\n    metadata.create_all(create_engine(url))\n"
    )
    plain = write_project(tmp_path / "plain", {"app.py": app})
    migrated = write_project(
        tmp_path / "migrated",
        {
            "app.py": app,
            "alembic.ini": "[alembic]\nscript_location = migrations\n",
            "migrations/env.py": "from alembic import context\n\nfrom app import metadata\n\ntarget_metadata = metadata\n",
        },
    )
    rule = rule_by_code("DBL101")
    for root, hint in ((plain, no_alembic_hint("DBL101")), (migrated, rule.fix_hint)):
        lines = findings_of(run_tool("dblint", "check", ".", cwd=root).stdout)
        assert [line.split(": ", 1)[1] for line in lines] == [
            f"DBL101 metadata.create_all() creates tables outside Alembic migrations; {hint}"
        ], root.name
