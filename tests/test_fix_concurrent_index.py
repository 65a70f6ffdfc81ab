"""`dblint check --fix` for DBL501, for real: the fixed revision is what real Alembic
renders as `CREATE INDEX CONCURRENTLY` outside the migration's transaction."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import finding_set, run_tool, write_project

_HEADER = """from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = {down}


def upgrade():
"""
_INI = "[alembic]\nscript_location = migrations\nsqlalchemy.url = postgresql://app@db/app\n"
_ENV = """from alembic import context

context.configure(url=context.config.get_main_option("sqlalchemy.url"), literal_binds=True)
with context.begin_transaction():
    context.run_migrations()
"""
_FILES = {
    "alembic.ini": _INI,
    "migrations/env.py": _ENV,
    "migrations/versions/r1.py": _HEADER.format(rev="r1", down="None")
    + '    op.create_table("items", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("sku", sa.String(20)))\n',
    # Only index builds: fixed.
    "migrations/versions/r2.py": _HEADER.format(rev="r2", down='"r1"')
    + "    # the catalogue searches by sku\n"
    + '    op.create_index("ix_items_sku", "items", ["sku"], unique=True)\n'
    + '    op.create_index("ix_items_id_sku", "items", ["id", "sku"])  # noqa: E501\n',
    # Other work in the same transaction: left alone, and the finding says why.
    "migrations/versions/r3.py": _HEADER.format(rev="r3", down='"r2"')
    + '    op.add_column("items", sa.Column("name", sa.Text()))\n'
    + '    op.create_index("ix_items_name", "items", ["name"])\n',
}
_FIXED_R2 = _HEADER.format(rev="r2", down='"r1"') + (
    "    # the catalogue searches by sku\n"
    "    with op.get_context().autocommit_block():\n"
    '        op.create_index("ix_items_sku", "items", ["sku"], unique=True, postgresql_concurrently=True)\n'
    "    with op.get_context().autocommit_block():\n"
    '        op.create_index("ix_items_id_sku", "items", ["id", "sku"], postgresql_concurrently=True)  # noqa: E501\n'
)


def test_fix_builds_the_index_concurrently_outside_the_transaction(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", _FILES)
    r3_before = (root / "migrations/versions/r3.py").read_text()

    completed = run_tool("dblint", "check", "--fix", ".", cwd=root)
    assert "fixed 2 findings in 1 file" in completed.stderr, completed.stderr
    assert (root / "migrations/versions/r2.py").read_text() == _FIXED_R2
    assert (root / "migrations/versions/r3.py").read_text() == r3_before

    after = run_tool("dblint", "check", ".", cwd=root)
    assert finding_set(after.stdout) == {("migrations/versions/r3.py", 10, "DBL501")}
    assert "no automatic fix: upgrade() does more in the same transaction (line 9)" in after.stdout

    rendered = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "r1:r2", "--sql"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rendered.returncode == 0, rendered.stderr
    sql = "\n".join(line for line in rendered.stdout.splitlines() if not line.startswith("--"))
    statements = [part.strip() for part in sql.split(";") if part.strip()]
    concurrent = [
        index
        for index, text in enumerate(statements)
        if text.startswith("CREATE UNIQUE INDEX CONCURRENTLY ix_items_sku")
    ]
    assert concurrent and statements[concurrent[0] - 1].endswith("COMMIT"), rendered.stdout
    assert any(text.startswith("CREATE INDEX CONCURRENTLY ix_items_id_sku") for text in statements)


def test_a_refused_fix_names_what_keeps_it_from_being_safe(tmp_path: Path) -> None:
    """ckan's revisions return early on legacy databases (`if skip(op): return`); the refusal
    names that guard, or the loop, instead of a list of things it might be."""
    files = {
        "alembic.ini": _INI,
        "migrations/env.py": _ENV,
        "migrations/versions/r1.py": _FILES["migrations/versions/r1.py"],
        "migrations/versions/r2.py": _HEADER.format(rev="r2", down='"r1"')
        + "    if legacy_database(op):\n        return\n"
        + '    op.create_index("ix_items_sku", "items", ["sku"])\n',
        "migrations/versions/r3.py": _HEADER.format(rev="r3", down='"r2"')
        + '    for column in ("id", "sku"):\n'
        + '        op.create_index("ix_items_" + column, "items", [column])\n',
    }
    root = write_project(tmp_path / "proj", files)
    completed = run_tool("dblint", "check", ".", cwd=root)
    lines = {line.split(":")[0]: line for line in completed.stdout.splitlines() if "DBL501" in line}
    assert (
        "no automatic fix: the call runs only sometimes (early `return` at line 10);"
        in (lines["migrations/versions/r2.py"])
    )
    assert "no automatic fix: the call runs in a loop;" in lines["migrations/versions/r3.py"]


def test_fix_builds_a_geospatial_index_concurrently_too(tmp_path: Path) -> None:
    """GeoAlchemy2's `create_geospatial_index` hands its keywords to the index it builds with
    `create_index` on PostgreSQL (alembic_helpers.py), so the same fix applies, under its name."""
    files = {
        **_FILES,
        "migrations/versions/r2.py": _HEADER.format(rev="r2", down='"r1"')
        + '    op.create_geospatial_index("ix_items_sku", "items", ["sku"], postgresql_using="gist")\n',
    }
    del files["migrations/versions/r3.py"]
    root = write_project(tmp_path / "proj", files)
    completed = run_tool("dblint", "check", "--fix", ".", cwd=root)
    assert "fixed 1 finding in 1 file" in completed.stderr, completed.stderr
    assert (root / "migrations/versions/r2.py").read_text() == _HEADER.format(
        rev="r2", down='"r1"'
    ) + (
        "    with op.get_context().autocommit_block():\n"
        '        op.create_geospatial_index("ix_items_sku", "items", ["sku"], postgresql_using="gist", '
        "postgresql_concurrently=True)\n"
    )
    assert finding_set(run_tool("dblint", "check", ".", cwd=root).stdout) == set()
