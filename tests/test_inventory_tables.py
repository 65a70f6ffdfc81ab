"""Table rows and risk levels on small projects written for the case at hand."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import FIXTURES, run_tool

ALEMBIC = {
    "pyproject.toml": "[project]\nname = 'inv'\n",
    "alembic.ini": "[alembic]\nscript_location = migrations\n",
    "app/__init__.py": "",
    "migrations/env.py": (
        "from alembic import context\n\n"
        "from app import models  # noqa: F401\n"
        "from app.db import Base\n\n"
        "target_metadata = Base.metadata\n"
        "context.configure(target_metadata=target_metadata)\n"
    ),
}
DB = (
    "from sqlalchemy import MetaData\n"
    "from sqlalchemy.orm import DeclarativeBase\n\n\n"
    "class Base(DeclarativeBase):\n"
    "    pass\n\n\n"
    "class LegacyBase(DeclarativeBase):\n"
    "    pass\n\n\n"
    "audit_metadata = MetaData()\n"
)
MODELS = (
    "from sqlalchemy import Column, ForeignKey, Integer, String\n"
    "from sqlalchemy.orm import Mapped, mapped_column\n\n"
    "from app.db import Base, LegacyBase\n\n\n"
    "class User(Base):\n"  # line 7
    "    __tablename__ = 'users'\n"
    "    __table_args__ = {'schema': 'auth'}\n\n"
    "    id: Mapped[int] = mapped_column(primary_key=True)\n\n\n"
    "class Account(Base):\n"  # line 14
    "    __tablename__ = 'accounts'\n\n"
    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
    "    user_id: Mapped[str] = mapped_column(String(36), ForeignKey('auth.users.id'))\n\n\n"  # line 18: DBL301
    "class LegacyAccount(LegacyBase):\n"  # line 21: DBL203
    "    __tablename__ = 'accounts'\n\n"
    "    id = Column(Integer, primary_key=True)\n"
)
BOOTSTRAP = (
    "from sqlalchemy import text\n\n"
    "from app.models import User\n\n\n"
    "def bootstrap(engine):\n"
    "    User.__table__.create(engine)\n"  # line 7
    "    with engine.begin() as conn:\n"
    "        conn.execute(text('CREATE TABLE IF NOT EXISTS \"accounts\" (id INTEGER PRIMARY KEY)'))\n"  # line 9
)
MIGRATION = (
    "import sqlalchemy as sa\n"
    "from alembic import op\n\n"
    "revision = 'aaa111'\n"
    "down_revision = None\n\n\n"
    "def upgrade():\n"
    "    op.create_table('users', sa.Column('id', sa.Integer, primary_key=True), schema='auth')\n"
    "    op.create_table('accounts', sa.Column('id', sa.Integer, primary_key=True), sa.Column('user_id', sa.String(36)))\n"
    "    op.create_table('old_events', sa.Column('id', sa.Integer, primary_key=True))\n"
)


def _project(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _inventory(root: Path, *args: str) -> dict:
    completed = run_tool("dblint", "inventory", *args, "--format", "json", cwd=root)
    assert completed.returncode in (0, 1), completed.stderr  # 1: the scan has findings, as `check`
    return json.loads(completed.stdout)


def _accounts_project(root: Path) -> Path:
    return _project(
        root,
        {
            **ALEMBIC,
            "app/db.py": DB,
            "app/models.py": MODELS,
            "app/bootstrap.py": BOOTSTRAP,
            "migrations/versions/aaa_initial.py": MIGRATION,
        },
    )


def test_table_rows_join_declarations_creations_and_revisions(tmp_path: Path) -> None:
    root = _accounts_project(tmp_path)
    document = _inventory(root, "--by", "table")
    rows = [(row["table"], row["schema"], row["defined_at"]) for row in document["tables"]]
    assert rows == [
        ("accounts", None, ["app/models.py:14"]),
        ("accounts", None, ["app/models.py:21"]),  # declared twice (DBL203): two rows
        ("old_events", None, []),  # only a migration creates it
        ("users", "auth", ["app/models.py:7"]),
    ]
    accounts, legacy, old_events, users = document["tables"]
    assert (accounts["metadata"], accounts["tracked"]) == ("app.db:Base.metadata", True)
    assert (legacy["metadata"], legacy["tracked"]) == ("app.db:LegacyBase.metadata", False)
    assert (
        accounts["created_outside_migrations"]
        == legacy["created_outside_migrations"]
        == [
            "app/bootstrap.py:9 (CREATE TABLE)"  # a quoted name in raw SQL is the same table
        ]
    )
    assert accounts["findings"] == {"DBL102": 1, "DBL301": 1}
    assert legacy["findings"] == {"DBL102": 1, "DBL203": 1}
    assert {row["created_by_revision"] for row in document["tables"]} == {"aaa111"}
    assert (old_events["metadata"], old_events["tracked"], old_events["findings"]) == (
        None,
        False,
        {},
    )
    assert users["created_outside_migrations"] == [
        "app/bootstrap.py:7 (Table.create)"
    ]  # User.__table__
    assert users["findings"] == {"DBL104": 1}
    assert document["totals"]["tables_untracked"] == 2
    assert document["totals"]["tables_created_outside_migrations"] == 3


def test_file_rows_name_tables_metadata_and_risk(tmp_path: Path) -> None:
    root = _accounts_project(tmp_path)
    rows = {row["path"]: row for row in _inventory(root)["files"]}
    assert sorted(rows) == [
        "app/bootstrap.py",
        "app/db.py",
        "app/models.py",
        "migrations/env.py",
        "migrations/versions/aaa_initial.py",
    ]
    assert rows["app/bootstrap.py"]["tables_created_outside_migrations"] == [
        "accounts",
        "auth.users",
    ]
    assert rows["app/db.py"]["interactions"] == []  # listed for the metadata it holds
    assert rows["app/db.py"]["metadata"] == [
        "app.db:Base.metadata",
        "app.db:LegacyBase.metadata",
        "app.db:audit_metadata",
    ]
    assert rows["app/db.py"]["risk"] == "high"  # LegacyBase holds a table Alembic does not track
    assert rows["app/models.py"]["tables_defined"] == ["accounts", "auth.users"]
    assert rows["app/models.py"]["risk"] == "high"
    assert rows["migrations/versions/aaa_initial.py"]["interactions"] == ["migration-op"]
    assert rows["migrations/versions/aaa_initial.py"]["risk"] == "low"


def test_a_secondary_metadata_without_tables_is_medium(tmp_path: Path) -> None:
    models = MODELS.split("\n\nclass LegacyAccount")[0] + "\n"
    root = _project(tmp_path, {**ALEMBIC, "app/db.py": DB, "app/models.py": models})
    rows = {row["path"]: row for row in _inventory(root, "--select", "DBL1")["files"]}
    assert rows["app/db.py"]["risk"] == "medium"
    assert rows["app/models.py"]["risk"] == "low"


def test_without_alembic_nothing_is_tracked_and_metadata_is_not_a_risk(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'plain'\n",
            "app/__init__.py": "",
            "app/db.py": DB,
            "app/models.py": MODELS,
        },
    )
    document = _inventory(root, "--select", "DBL1")
    assert document["totals"]["alembic_target_metadata"] == []
    assert {row["path"]: row["risk"] for row in document["files"]} == {
        "app/db.py": "low",
        "app/models.py": "low",
    }
    assert not any(row["tracked"] for row in _inventory(root, "--by", "table")["tables"])


def test_computed_and_unresolved_names_are_described_not_invented(tmp_path: Path) -> None:
    script = (
        "def build(conn, name, metadata, engine):\n"
        "    conn.exec_driver_sql(f'CREATE TABLE {name} (id INTEGER PRIMARY KEY)')\n"
        "    metadata.create_all(engine)\n"
    )
    root = _project(
        tmp_path, {"pyproject.toml": "[project]\nname = 'x'\n", "tools/build.py": script}
    )
    (row,) = _inventory(root)["files"]
    assert row["tables_created_outside_migrations"] == [
        "(all tables of metadata)",
        "(computed name)",
    ]
    assert row["risk"] == "high"
    assert _inventory(root, "--by", "table")["tables"] == []


def test_format_fields_name_no_table(tmp_path: Path) -> None:
    """library_runtime_tables: a session store's `CREATE TABLE {schema}.{table}` (flask-session,
    celery's `{table}`, luigi's `{marker_table}`) and `%(log_table)s` are templates: no table row
    called `{table}`, one `(computed name)` among the file's creates; a literal name stays a row."""
    root = FIXTURES / "library_runtime_tables"
    rows = _inventory(root, "--by", "table")["tables"]
    assert [(row["table"], row["created_outside_migrations"]) for row in rows] == [
        ("store_audit", ["taskstore/pg_queries.py:6 (CREATE TABLE)"])
    ]
    files = {row["path"]: row for row in _inventory(root)["files"]}
    assert files["taskstore/pg_queries.py"]["tables_created_outside_migrations"] == [
        "(computed name)",
        "store_audit",
    ]
    assert files["taskstore/sqlstore.py"]["tables_created_outside_migrations"] == [
        "(all tables of self._metadata)"
    ]


def test_a_table_built_with_a_computed_name_is_said_so() -> None:
    """library_runtime_tables: agno's storage classes build `table = Table(table_name, ...)` in a
    method and call `table.create(engine, checkfirst=True)`: DBL104 (and DBL105 for its drop)
    says the name is computed, and the inventory says "computed name", where it said "unnamed
    table: table"; a table built from a module constant or a literal is not computed."""
    root = FIXTURES / "library_runtime_tables"
    completed = run_tool("dblint", "check", "taskstore/kvstore.py", cwd=root)
    messages = [line.split(" outside ")[0] for line in completed.stdout.splitlines()[:-1]]
    assert messages == [
        "taskstore/kvstore.py:17:9: DBL104 table.create() creates a table with a computed name",
        "taskstore/kvstore.py:22:9: DBL105 items.drop() drops a table with a computed name",
        "taskstore/kvstore.py:27:9: DBL104 events.create() creates a table",
        "taskstore/kvstore.py:29:9: DBL104 meta.create() creates a table",
    ]
    files = {row["path"]: row for row in _inventory(root)["files"]}
    assert files["taskstore/kvstore.py"]["tables_created_outside_migrations"] == [
        "(computed name)",
        "(unnamed table: events)",
        "(unnamed table: meta)",
    ]


def test_a_schema_dblint_cannot_know_is_unknown_not_none(tmp_path: Path) -> None:
    """A base factory's `MetaData(schema=schema)` parameter and `schema=settings.X` are computed;
    a literal default schema is read, also through a factory."""
    models = (
        "import sqlalchemy as sa\n"
        "from sqlalchemy.orm import DeclarativeBase\n\n"
        "from app import settings\n\n\n"
        "def make_base(schema):\n"
        "    class _Base(DeclarativeBase):\n"
        "        metadata = sa.MetaData(schema=schema)\n\n"
        "    return _Base\n\n\n"
        "def make_fixed():\n"
        "    class _Base(DeclarativeBase):\n"
        "        metadata = sa.MetaData(schema='fixed')\n\n"
        "    return _Base\n\n\n"
        "Tenant = make_base('tenant')\n"
        "Fixed = make_fixed()\n"
        "plain = sa.MetaData()\n"
        "events = sa.Table('events', plain, sa.Column('id', sa.Integer), schema=settings.SCHEMA)\n"
        "notes = sa.Table('notes', plain, sa.Column('id', sa.Integer))\n\n\n"
        "class Account(Tenant):\n"
        "    __tablename__ = 'accounts'\n"
        "    id = sa.Column(sa.Integer, primary_key=True)\n\n\n"
        "class Ledger(Fixed):\n"
        "    __tablename__ = 'ledgers'\n"
        "    id = sa.Column(sa.Integer, primary_key=True)\n"
    )
    root = _project(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            "app/__init__.py": "",
            "app/settings.py": "import os\n\nSCHEMA = os.environ['SCHEMA']\n",
            "app/models.py": models,
        },
    )
    rows = _inventory(root, "--by", "table")["tables"]
    assert sorted((row["table"], row["schema"]) for row in rows) == [
        ("accounts", "unknown"),
        ("events", "unknown"),
        ("ledgers", "fixed"),
        ("notes", None),
    ]
    markdown = run_tool("dblint", "inventory", "--by", "table", cwd=root).stdout
    assert "| `accounts` | unknown |" in markdown and "| `ledgers` | `fixed` |" in markdown


def test_a_schema_only_a_migration_computes_is_unknown_not_none(tmp_path: Path) -> None:
    """r2r: `op.create_table("vectors", ..., schema=project_name)` with `project_name` read from
    the environment, later renamed to `chunks`: no model declares the table, and the inventory
    said its schema was none (`–`); it is unknown. A literal schema, a constant's and
    `schema=None` are read."""
    first = (
        "import os\n\nimport sqlalchemy as sa\nfrom alembic import op\n\n"
        "revision = '0001'\ndown_revision = None\n\n"
        "project_name = os.getenv('PROJECT_NAME') or 'default'\nAUDIT = 'audit'\n\n\n"
        "def upgrade():\n"
        "    op.create_table('vectors', sa.Column('id', sa.Integer, primary_key=True), schema=project_name)\n"
        "    op.create_table('plain', sa.Column('id', sa.Integer, primary_key=True), schema='lit')\n"
        "    op.create_table('entries', sa.Column('id', sa.Integer, primary_key=True), schema=AUDIT)\n"
        "    op.create_table('notes', sa.Column('id', sa.Integer, primary_key=True), schema=None)\n"
    )
    second = (
        "import os\n\nfrom alembic import op\n\n"
        "revision = '0002'\ndown_revision = '0001'\n\n"
        "project_name = os.getenv('PROJECT_NAME') or 'default'\n\n\n"
        "def upgrade():\n"
        "    op.rename_table('vectors', 'chunks', schema=project_name)\n"
    )
    root = _project(
        tmp_path,
        {
            "alembic.ini": "[alembic]\nscript_location = migrations\n",
            "migrations/env.py": "from alembic import context\n\ntarget_metadata = None\n",
            "migrations/versions/0001_init.py": first,
            "migrations/versions/0002_rename.py": second,
        },
    )
    rows = _inventory(root, "--by", "table")["tables"]
    assert sorted((row["table"], row["schema"]) for row in rows) == [
        ("chunks", "unknown"),
        ("entries", "audit"),
        ("notes", None),
        ("plain", "lit"),
    ]


def test_redefinitions_join_their_table_and_duplicates_are_rows_of_their_own() -> None:
    root = Path(__file__).parent / "fixtures" / "models_duplicates"
    rows = [
        (row["table"], row["schema"], row["defined_at"])
        for row in _inventory(root, "--by", "table")["tables"]
    ]
    assert rows == [
        ("companies", None, ["crm/reporting.py:17"]),
        ("companies", "crm", ["crm/models.py:13"]),  # another schema, another table
        # the model, and the `extend_existing=True` redefinition; `Table("contacts", metadata)` only refers to it
        ("contacts", None, ["crm/models.py:6", "crm/reporting.py:14"]),
        ("contacts", None, ["crm/reporting.py:6"]),  # declared again (DBL203)
        ("hero", None, ["docs_src/tutorial/tutorial001.py:6"]),
        ("hero", None, ["docs_src/tutorial/tutorial002.py:6"]),
    ]


def test_an_executed_create_table_construct_creates_its_table(tmp_path: Path) -> None:
    """`conn.execute(CreateTable(t))` creates `t` like `t.create()`; compiling one to print it does not."""
    reports = (
        "import sqlalchemy as sa\n"
        "from sqlalchemy.schema import CreateTable\n\n"
        "from app.db import audit_metadata\n"
        "from app.models import User\n\n"
        "audit_events = sa.Table('audit_events', audit_metadata, sa.Column('id', sa.Integer, primary_key=True))\n\n\n"
        "def ensure(engine):\n"
        "    with engine.begin() as conn:\n"
        "        conn.execute(CreateTable(audit_events, if_not_exists=True))\n"  # line 12
        "        conn.execute(sa.schema.CreateTable(User.__table__))\n"  # line 13
        "\n\n"
        "def show_ddl(engine):\n"
        "    return str(CreateTable(audit_events).compile(engine))\n"
    )
    root = _project(
        tmp_path, {**ALEMBIC, "app/db.py": DB, "app/models.py": MODELS, "app/reports.py": reports}
    )
    tables = {row["table"]: row for row in _inventory(root, "--by", "table")["tables"]}
    assert tables["audit_events"]["created_outside_migrations"] == [
        "app/reports.py:12 (CreateTable)"
    ]
    assert tables["audit_events"]["findings"] == {"DBL104": 1, "DBL201": 1}
    assert tables["users"]["created_outside_migrations"] == ["app/reports.py:13 (CreateTable)"]
    files = {row["path"]: row for row in _inventory(root)["files"]}
    assert files["app/reports.py"]["tables_created_outside_migrations"] == [
        "audit_events",
        "auth.users",
    ]
    assert "ddl" in files["app/reports.py"]["interactions"]
    assert files["app/reports.py"]["risk"] == "high"


def test_a_table_a_later_revision_drops_names_its_creator_and_its_dropper(tmp_path: Path) -> None:
    """A model whose table the migrations create and later drop: the row says both revisions,
    in every format, never only the creator (the migrations do not leave it) nor nothing.
    A table dropped and created again is the re-creator's, with no word of the drop."""
    models = (
        "from sqlalchemy.orm import Mapped, mapped_column\n\n"
        "from app.db import Base\n\n\n"
        "class Label(Base):\n"
        "    __tablename__ = 'labels'\n\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n\n\n"
        "class Note(Base):\n"
        "    __tablename__ = 'notes'\n\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
    )
    first = (
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        "revision = 'aaa111'\ndown_revision = None\n\n\n"
        "def upgrade():\n"
        "    op.create_table('labels', sa.Column('id', sa.Integer, primary_key=True))\n"
        "    op.create_table('notes', sa.Column('id', sa.Integer, primary_key=True))\n"
    )
    second = (
        "from alembic import op\n\n"
        "revision = 'bbb222'\ndown_revision = 'aaa111'\n\n\n"
        "def upgrade():\n"
        "    op.drop_table('labels')\n"
        "    op.drop_table('notes')\n"
    )
    third = (
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        "revision = 'ccc333'\ndown_revision = 'bbb222'\n\n\n"
        "def upgrade():\n"
        "    op.create_table('notes', sa.Column('id', sa.Integer, primary_key=True))\n"
    )
    root = _project(
        tmp_path,
        {
            **ALEMBIC,
            "app/db.py": DB,
            "app/models.py": models,
            "migrations/versions/a_first.py": first,
            "migrations/versions/b_second.py": second,
            "migrations/versions/c_third.py": third,
        },
    )
    tables = {row["table"]: row for row in _inventory(root, "--by", "table")["tables"]}
    assert tables["labels"]["created_by_revision"] == "aaa111 (dropped by bbb222)"
    assert tables["notes"]["created_by_revision"] == "ccc333"
    csv_out = run_tool("dblint", "inventory", "--by", "table", "--format", "csv", cwd=root).stdout
    assert "aaa111 (dropped by bbb222)" in csv_out
    markdown = run_tool("dblint", "inventory", "--by", "table", cwd=root).stdout
    assert "`aaa111 (dropped by bbb222)`" in markdown


def test_a_table_only_read_from_the_database_is_neither_tracked_nor_untracked(
    tmp_path: Path,
) -> None:
    """A report script reflects `accounts` and names `audit_log` without columns: neither declares
    a schema Alembic could track, so neither counts as untracked; a table the same script declares
    with columns on its own metadata still does."""
    script = (
        "from sqlalchemy import Column, Integer, MetaData, Table, create_engine\n\n"
        "engine = create_engine('postgresql:///app')\n"
        "seen = MetaData()\n"
        "accounts = Table('accounts', seen, autoload_with=engine)\n"
        "audit_log = Table('audit_log', MetaData())\n"
        "snapshots = Table('snapshots', seen, Column('id', Integer, primary_key=True))\n"
    )
    root = _accounts_project(tmp_path)
    (root / "scripts").mkdir()
    (root / "scripts" / "report.py").write_text(script)
    document = _inventory(root, "--by", "table")
    rows = {
        (row["table"], row["defined_at"][0]): row["tracked"]
        for row in document["tables"]
        if row["defined_at"]
    }
    assert rows[("accounts", "scripts/report.py:5")] == "read from the database"
    assert rows[("audit_log", "scripts/report.py:6")] == "read from the database"
    assert rows[("snapshots", "scripts/report.py:7")] is False
    assert rows[("accounts", "app/models.py:14")] is True
    assert document["totals"]["tables_untracked"] == sum(
        row["tracked"] is False for row in document["tables"]
    )


def test_create_all_on_a_name_bound_to_a_base_metadata_creates_its_tables(tmp_path: Path) -> None:
    """bazarr: `metadata = Base.metadata` at module level, `metadata.create_all(engine)` in a
    function: the tables of Base are created there (it said "all tables of metadata", unnamed),
    not those of another base's metadata."""
    bootstrap = (
        "from app.db import Base, engine\n\n"
        "metadata = Base.metadata\n\n\n"
        "def init_db():\n"
        "    metadata.create_all(engine)\n"  # line 7
    )
    root = _accounts_project(tmp_path)
    (root / "app" / "bootstrap.py").write_text(bootstrap)
    document = _inventory(root, "--by", "table")
    created = {
        (row["table"], row["metadata"]): row["created_outside_migrations"]
        for row in document["tables"]
    }
    assert "app/bootstrap.py:7 (create_all)" in created[("users", "app.db:Base.metadata")]
    assert "app/bootstrap.py:7 (create_all)" in created[("accounts", "app.db:Base.metadata")]
    assert (
        "app/bootstrap.py:7 (create_all)" not in created[("accounts", "app.db:LegacyBase.metadata")]
    )
    assert document["totals"]["unknown_tables_created_at"] == []
