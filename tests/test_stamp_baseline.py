"""A database built by `create_all()` and then `alembic stamp` is the migrations' baseline:
DBL415 stays silent on the tables it builds and DBL410 is not judged (fixture `stamp_baseline`);
the stamp must be Alembic's, or a schema manager's `sync()` that does both (sqlalchemy-helpers),
or Alembic's version table created by hand (nbgrader), and in application code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, finding_set, run_tool, write_project

MODELS = (
    "from sqlalchemy import Column, Integer, String\nfrom sqlalchemy.orm import declarative_base\n\n"
    "Base = declarative_base()\n\n\nclass User(Base):\n    __tablename__ = 'users'\n"
    "    id = Column(Integer, primary_key=True)\n    nick = Column(String(20))\n"
)
ENV = "from alembic import context\n\nfrom app.models import Base\n\ntarget_metadata = Base.metadata\n"
REVISION = (
    "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = 'a1'\ndown_revision = None\n\n\n"
    "def upgrade():\n    op.add_column('users', sa.Column('nick', sa.String(20)))\n"
)
# nbgrader's gradebook: `create_all()`, then Alembic's version table created and stamped by hand.
HAND_STAMP = (
    "from sqlalchemy import text\n\nfrom app.models import Base\n\n\n"
    "def init_db(engine, session, head):\n    Base.metadata.create_all(engine)\n"
    "    session.execute(text('CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)'))\n"
    "    session.execute(text(f\"INSERT INTO alembic_version (version_num) VALUES ('{head}')\"))\n"
)
UNCREATED = ("migrations/versions/a1_nick.py", 9, "DBL415")
UNMIGRATED = ("app/models.py", 7, "DBL410")


def _findings(tmp_path: Path, where: str, builder: str) -> set[tuple[str, int, str]]:
    files = {
        "app/__init__.py": "",
        "app/models.py": MODELS,
        "app/extensions.py": "from flask_alembic import Alembic\n\nalembic = Alembic()\n",
        "app/dbext.py": (
            "from sqlalchemy_helpers.flask_ext import DatabaseExtension\n\ndb = DatabaseExtension()\n"
        ),
        "migrations/env.py": ENV,
        "migrations/versions/a1_nick.py": REVISION,
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
        where: builder,
    }
    root = write_project(tmp_path / "proj", files)
    completed = run_tool("dblint", "check", "--select", "DBL4", cwd=root)
    assert completed.returncode in (0, 1), completed.stderr
    return finding_set(completed.stdout)


@pytest.mark.parametrize(
    "builder",
    [
        "from alembic import command\n\nfrom app.models import Base\n\n\n"
        "def init_db(engine, cfg):\n    Base.metadata.create_all(engine)\n    command.stamp(cfg, 'head')\n",
        "from flask_migrate import stamp\n\nfrom app.models import Base\n\n\n"
        "def init_db(engine):\n    Base.metadata.create_all(engine)\n    stamp(revision='head')\n",
        "from app.extensions import alembic\nfrom app.models import Base\n\n\n"
        "def init_db(engine):\n    Base.metadata.create_all(engine)\n    alembic.stamp()\n",
        "from app.dbext import db\n\n\ndef init_db():\n    db.manager.sync()\n",
        "import asyncio\n\nfrom sqlalchemy_helpers.fastapi import syncdb\n\n\n"
        "def init_db(settings):\n    asyncio.run(syncdb(settings))\n",
        "from sqlalchemy_helpers.fastapi import manager_from_config\n\n\n"
        "async def init_db(settings):\n    await manager_from_config(settings).sync()\n",
        HAND_STAMP,
        # Alembic's `version_table_schema`: the version table of another schema
        HAND_STAMP.replace("CREATE TABLE alembic_version", "CREATE TABLE public.alembic_version"),
    ],
    ids=[
        "alembic-command",
        "flask-migrate",
        "flask-alembic",
        "sqlalchemy-helpers-sync",
        "sqlalchemy-helpers-syncdb",
        "sqlalchemy-helpers-manager",
        "by-hand",
        "by-hand-in-a-schema",
    ],
)
def test_a_stamped_baseline_builds_the_tables_the_migrations_change(
    tmp_path: Path, builder: str
) -> None:
    assert _findings(tmp_path, "app/manage.py", builder) == set()


@pytest.mark.parametrize(
    ("where", "builder"),
    [
        (
            "tests/conftest.py",
            "from alembic import command\n\nfrom app.models import Base\n\n\n"
            "def database(engine, cfg):\n    Base.metadata.create_all(engine)\n    command.stamp(cfg, 'head')\n",
        ),
        (
            "app/manage.py",
            "from app.models import Base\nfrom app.tools import stamp\n\n\n"
            "def init_db(engine):\n    Base.metadata.create_all(engine)\n    stamp('ready')\n",
        ),
        (
            "app/manage.py",
            "from app.models import Base\n\n\n"
            "def init_db(engine, now):\n    Base.metadata.create_all(engine)\n    return now.timestamp()\n",
        ),
        (
            "tests/conftest.py",
            "from app.dbext import db\n\n\ndef database():\n    db.manager.sync()\n",
        ),
        ("app/manage.py", "from app.tools import client\n\n\ndef refresh():\n    client.sync()\n"),
        ("app/manage.py", "from app.tools import syncdb\n\n\ndef refresh():\n    syncdb()\n"),
        ("tests/conftest.py", HAND_STAMP),
        ("app/manage.py", HAND_STAMP.replace("alembic_version", "alembic_version_log")),
    ],
    ids=[
        "in-tests",
        "another-stamp",
        "timestamp",
        "sync-in-tests",
        "another-sync",
        "another-syncdb",
        "by-hand-in-tests",
        "another-version-table",
    ],
)
def test_no_baseline_without_alembic_s_stamp_in_application_code(
    tmp_path: Path, where: str, builder: str
) -> None:
    assert _findings(tmp_path, where, builder) == {UNCREATED, UNMIGRATED}


def _complete_history_findings(
    tmp_path: Path, builders: dict[str, str]
) -> set[tuple[str, int, str]]:
    """DBL4 findings of a project whose one migration creates the table it changes, beside an
    `orders` model no migration creates, with `builders` (path -> text) added."""
    files = {
        "app/__init__.py": "",
        "app/models.py": MODELS
        + "\n\nclass Order(Base):\n    __tablename__ = 'orders'\n    id = Column(Integer, primary_key=True)\n",
        "migrations/env.py": ENV,
        "migrations/versions/a1_users.py": REVISION.replace(
            "op.add_column('users', sa.Column('nick', sa.String(20)))",
            "op.create_table('users', sa.Column('id', sa.Integer, primary_key=True), "
            "sa.Column('nick', sa.String(20)))",
        ),
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
        **builders,
    }
    root = write_project(tmp_path / "proj", files)
    completed = run_tool("dblint", "check", "--select", "DBL4", cwd=root)
    return finding_set(completed.stdout)


def test_a_complete_history_with_a_stamp_fallback_keeps_table_without_migration(
    tmp_path: Path,
) -> None:
    """Migrations that create every table they change claim a complete history: a model no
    migration creates is DBL410 even beside a `create_all()` + stamp fallback."""
    manage = (
        "from alembic import command\n\nfrom app.models import Base\n\n\n"
        "def init_db(engine, cfg):\n    try:\n        command.upgrade(cfg, 'head')\n    except Exception:\n"
        "        Base.metadata.create_all(engine)\n        command.stamp(cfg, 'head')\n"
    )
    found = _complete_history_findings(tmp_path, {"app/manage.py": manage})
    assert found == {("app/models.py", 13, "DBL410")}


def test_a_complete_history_beside_a_schema_manager_s_sync_keeps_table_without_migration(
    tmp_path: Path,
) -> None:
    """The look-alike for sqlalchemy-helpers: `db.manager.sync()` in application code is no
    baseline either when the migrations create every table they change."""
    builders = {
        "app/dbext.py": (
            "from sqlalchemy_helpers.flask_ext import DatabaseExtension\n\ndb = DatabaseExtension()\n"
        ),
        "app/manage.py": "from app.dbext import db\n\n\ndef init_db():\n    db.manager.sync()\n",
    }
    assert _complete_history_findings(tmp_path, builders) == {("app/models.py", 13, "DBL410")}


def test_alembic_s_version_table_created_by_hand_is_no_inventory_table() -> None:
    """The fixture `stamp_by_hand` (nbgrader): `alembic_version` is Alembic's bookkeeping, so the
    inventory lists no such table (untracked, created outside migrations); the application's own
    `alembic_version_log` stays."""
    completed = run_tool(
        "dblint", "inventory", "--by", "table", "--format", "json", cwd=FIXTURES / "stamp_by_hand"
    )
    assert completed.returncode in (0, 1), completed.stderr
    inventory = json.loads(completed.stdout)
    assert [row["table"] for row in inventory["tables"]] == [
        "alembic_version_log",
        "course",
        "pupil",
    ]
    assert inventory["totals"]["tables_untracked"] == 1


STAMPING_HELPER = (
    "from alembic import command\nfrom alembic.config import Config\n\n\n"
    "def stamp_heads():\n    command.stamp(Config('alembic.ini'), 'heads')\n"
)
NOT_STAMPING_HELPER = "import time\n\n\ndef stamp_heads():\n    return time.time()\n"
# Kotti's chain: `stamp_heads()` calls `stamp_head()`, whose nested callback stamps.
CHAINED_STAMPING_HELPER = (
    "from alembic.config import Config\nfrom alembic.script import ScriptDirectory\n\n\n"
    "def stamp_head(location):\n    script = ScriptDirectory.from_config(Config())\n\n"
    "    def do_stamp(rev, context):\n        context.stamp(script, 'heads')\n        return []\n\n"
    "    script.run_env(do_stamp)\n\n\n"
    "def stamp_heads():\n    for location in ('migrations',):\n        stamp_head(location)\n"
)
# A `stamp_heads()` that stamps nothing, beside a command of the same module that does.
STAMPING_MODULE_OTHER_HELPER = STAMPING_HELPER.replace("def stamp_heads", "def stamp_db") + (
    "\n\ndef stamp_heads():\n    return 'heads seen'\n"
)
CALLS_HELPER = (
    "from app.migrate import stamp_heads\nfrom app.models import Base\n\n\n"
    "def init_db(engine):\n    stamp_heads()\n    Base.metadata.create_all(engine)\n"
)


@pytest.mark.parametrize(
    ("helper", "expected"),
    [
        (STAMPING_HELPER, set()),
        (CHAINED_STAMPING_HELPER, set()),
        (NOT_STAMPING_HELPER, {UNCREATED, UNMIGRATED}),
        (STAMPING_MODULE_OTHER_HELPER, {UNCREATED, UNMIGRATED}),
    ],
    ids=[
        "helper-stamps",
        "helper-stamps-through-another",
        "helper-does-not-stamp",
        "module-stamps-elsewhere",
    ],
)
def test_a_stamp_helper_of_another_module_is_a_stamp_when_it_stamps(
    tmp_path: Path, helper: str, expected: set[tuple[str, int, str]]
) -> None:
    """Kotti: `initialize_sql()` calls `kotti.migrate.stamp_heads()`, which runs Alembic's stamp
    (through `stamp_head()` and its nested callback), then `create_all()`: a stamped baseline. A
    `stamp_heads()` that stamps nothing is none, also when another function of its module stamps."""
    files = {
        "app/__init__.py": "",
        "app/models.py": MODELS,
        "app/migrate.py": helper,
        "app/manage.py": CALLS_HELPER,
        "migrations/env.py": ENV,
        "migrations/versions/a1_nick.py": REVISION,
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
    }
    root = write_project(tmp_path / "proj", files)
    completed = run_tool("dblint", "check", "--select", "DBL4", cwd=root)
    assert completed.returncode in (0, 1), completed.stderr
    assert finding_set(completed.stdout) == expected


# A model whose table name the base computes beyond reading (Kotti's `"{}s".format(...)`).
UNNAMED_MODELS = MODELS + (
    "\n\nclass Named:\n    @declared_attr\n    def __tablename__(cls):\n"
    "        return '{}s'.format(cls.__name__.lower())\n\n\n"
    "class Node(Named, Base):\n    id = Column(Integer, primary_key=True)\n"
)
NODE_REVISION = REVISION.replace(
    "op.add_column('users', sa.Column('nick', sa.String(20)))",
    "op.add_column('users', sa.Column('nick', sa.String(20)))\n"
    "    op.add_column('nodes', sa.Column('state', sa.String(20)))",
)


@pytest.mark.parametrize("stamped", [True, False], ids=["baseline", "no-baseline"])
def test_under_a_baseline_a_model_of_unnamed_table_may_be_any_uncreated_table(
    tmp_path: Path, stamped: bool
) -> None:
    """Under a stamped baseline the models' tables exist before the first revision; when one
    model's table name cannot be read, `nodes` may be it: no DBL415. Without a baseline, the
    change of `nodes` (and of `users`) is DBL415 as before."""
    files = {
        "app/__init__.py": "",
        "app/models.py": UNNAMED_MODELS.replace(
            "from sqlalchemy.orm import declarative_base",
            "from sqlalchemy.orm import declarative_base, declared_attr",
        ),
        "migrations/env.py": ENV,
        "migrations/versions/a1_nick.py": NODE_REVISION,
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
    }
    if stamped:
        files["app/manage.py"] = (
            "from alembic import command\n\nfrom app.models import Base\n\n\n"
            "def init_db(engine, cfg):\n    Base.metadata.create_all(engine)\n    command.stamp(cfg, 'head')\n"
        )
    root = write_project(tmp_path / "proj", files)
    completed = run_tool("dblint", "check", "--select", "DBL415", cwd=root)
    assert completed.returncode in (0, 1), completed.stderr
    found = finding_set(completed.stdout)
    assert found == (
        set() if stamped else {UNCREATED, ("migrations/versions/a1_nick.py", 10, "DBL415")}
    )
