"""The inventory states what it cannot know as unknown, in every format (issue 16.5)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import run_tool, write_project

from dblint.inventory.sources import is_computed, shown_name

MODELS = (
    "from sqlalchemy import Column, Integer\n"
    "from sqlalchemy.orm import declarative_base\n\n"
    "Base = declarative_base()\n\n\n"
    "class User(Base):\n"
    "    __tablename__ = 'users'\n"
    "    id = Column(Integer, primary_key=True)\n"
)
REVISION = (
    "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = '0001'\ndown_revision = None\n\n\n"
    "def upgrade():\n    op.create_table('users', sa.Column('id', sa.Integer, primary_key=True))\n"
)
DYNAMIC_ENV = (
    "from alembic import context\n\nfrom app import models\n\n"
    "config = context.config\n"
    "target_metadata = getattr(models, config.get_main_option('metadata_name'))\n"
)
PLAIN_ENV = "from alembic import context\n\nfrom app.models import Base\n\ntarget_metadata = Base.metadata\n"


def _project(tmp_path: Path, env: str, script_location: str = "alembic") -> Path:
    files = {
        "app/__init__.py": "",
        "app/models.py": MODELS,
        "alembic/env.py": env,
        "alembic/versions/0001_users.py": REVISION,
        "alembic.ini": f"[alembic]\nscript_location = {script_location}\n",
    }
    return write_project(tmp_path / "proj", files)


def _inventory(root: Path, fmt: str, by: str = "table") -> str:
    completed = run_tool("dblint", "inventory", "--by", by, "--format", fmt, cwd=root)
    assert completed.returncode in (0, 1), completed.stderr  # 1: findings, as `dblint check`
    return completed.stdout


def test_unresolved_target_metadata_is_unknown_in_every_format(tmp_path: Path) -> None:
    root = _project(tmp_path, DYNAMIC_ENV)
    document = json.loads(_inventory(root, "json"))
    [row] = document["tables"]
    assert (row["table"], row["tracked"], row["created_by_revision"]) == (
        "users",
        "unknown",
        "0001",
    )
    assert document["totals"]["tables_untracked"] == 0
    [note] = document["totals"]["alembic_target_metadata"]
    assert (
        note
        == "alembic/env.py: what Alembic tracks is unknown: target_metadata `getattr(...)` cannot be resolved statically"
    )

    [csv_row] = list(csv.DictReader(io.StringIO(_inventory(root, "csv"))))
    assert (csv_row["table"], csv_row["tracked"], csv_row["created_by_revision"]) == (
        "users",
        "unknown",
        "0001",
    )

    markdown = _inventory(root, "markdown")
    assert (
        "| `users` | – | `app/models.py:7` | `app.models:Base.metadata` | unknown | `0001` |"
        in markdown
    )
    assert "what Alembic tracks is unknown" in markdown and "getattr(...)" in markdown
    assert "**no**" not in markdown


@pytest.mark.parametrize(
    "env",
    [PLAIN_ENV, PLAIN_ENV.replace("Base.metadata", "getattr(Base, 'metadata', None)")],
    ids=["attribute", "literal-getattr"],
)
def test_a_resolved_target_metadata_stays_known(tmp_path: Path, env: str) -> None:
    document = json.loads(_inventory(_project(tmp_path, env), "json"))
    [row] = document["tables"]
    assert (row["tracked"], row["created_by_revision"]) == (True, "0001")
    assert document["totals"]["alembic_target_metadata"] == [
        "alembic/env.py tracks app.models:Base.metadata"
    ]


@pytest.mark.parametrize(
    "placeholder", ["{alembic_dir}", "{{ cookiecutter.alembic_dir }}", "${ALEMBIC_DIR}"]
)
def test_a_placeholder_script_location_is_reported_and_the_conventional_env_found(
    tmp_path: Path, placeholder: str
) -> None:
    root = _project(tmp_path, PLAIN_ENV, script_location=placeholder)
    document = json.loads(_inventory(root, "json"))
    [note] = document["totals"]["alembic_target_metadata"]
    assert note == (
        f"alembic.ini: script_location `{placeholder}` is a template placeholder, not resolved; "
        "the conventional alembic/env.py beside it is used; alembic/env.py tracks app.models:Base.metadata"
    )
    [row] = document["tables"]
    assert (row["tracked"], row["created_by_revision"]) == (True, "0001")
    files = {
        row["path"]: row["context"]
        for row in json.loads(_inventory(root, "json", by="file"))["files"]
    }
    assert files["alembic/env.py"] == "alembic-env"
    assert files["alembic/versions/0001_users.py"] == "migration"


def test_computed_table_names_are_shown_as_computed(tmp_path: Path) -> None:
    root = _project(tmp_path, PLAIN_ENV)
    (root / "app/more.py").write_text(
        "import sqlalchemy as sa\n\nfrom app.models import Base\n\nprefix = 'x'\n"
        "other = sa.Table(f'{prefix}_other', Base.metadata, sa.Column('id', sa.Integer, primary_key=True))\n\n\n"
        "def make(conn, name):\n"
        "    conn.execute(sa.text('CREATE TABLE {}_role_map (id INTEGER)'.format(name)))\n"
        "    conn.execute(sa.text('CREATE TABLE %s_audit (id INTEGER)' % name))\n"
    )
    tables = json.loads(_inventory(root, "json"))["tables"]
    assert [row["table"] for row in tables] == ["users"], "no table is named after a template"
    files = {row["path"]: row for row in json.loads(_inventory(root, "json", by="file"))["files"]}
    assert files["app/more.py"]["tables_created_outside_migrations"] == [
        "(computed name)"
    ]  # sorted, distinct
    for fmt in ("markdown", "csv"):
        text = _inventory(root, fmt, by="file") + _inventory(root, fmt)
        assert "_role_map" not in text and "_audit" not in text and "{}_other" not in text
        assert "(computed name)" in text


def test_a_name_with_a_placeholder_is_computed() -> None:
    assert [shown_name(name) for name in ("users", "{}_role_map", "%s_audit", "tenant_%(id)s")] == [
        "users", "{}_role_map (computed)", "%s_audit (computed)", "tenant_%(id)s (computed)",
    ]  # fmt: skip
    assert not is_computed("{}.invoices"), "a computed schema alone leaves the name known"
