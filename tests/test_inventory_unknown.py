"""The inventory states what it cannot know as unknown, in every format (issue 16.5)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, finding_set, run_tool, write_project

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


def test_messages_name_no_template(tmp_path: Path) -> None:
    """agno's `CREATE INDEX IF NOT EXISTS idx_{table_name}_created_at`: DBL102/DBL103 said
    "CREATE INDEX idx_{}_created_at", a template read as a name; an object whose name part is
    computed is said to have a computed name (as DBL502 and the inventory say), while a literal
    name, also in a computed schema, is quoted."""
    root = write_project(
        tmp_path / "proj",
        {
            "app/__init__.py": "",
            "app/store.py": (
                "def prepare(conn, table_name, schema):\n"
                '    conn.execute(f"CREATE INDEX IF NOT EXISTS idx_{table_name}_created_at ON {table_name} (created_at)")\n'
                '    conn.execute(f"DROP TABLE IF EXISTS {schema}.{table_name}_old")\n'
                '    conn.execute(f"CREATE TABLE {table_name}_archive (id INTEGER)")\n'
                '    conn.execute("CREATE INDEX idx_events_created_at ON events (created_at)")\n'
                '    conn.execute(f"DROP TABLE {schema}.invoices")\n'
            ),
        },
    )
    completed = run_tool("dblint", "check", cwd=root)
    assert completed.returncode == 1, completed.stderr
    messages = [
        line.split(": ", 1)[1].split(" outside ")[0] for line in completed.stdout.splitlines()[:-1]
    ]
    assert messages == [
        "DBL103 raw SQL CREATE INDEX with a computed name changes the schema",
        "DBL103 raw SQL DROP TABLE with a computed name changes the schema",
        "DBL102 raw SQL creates table with a computed name",
        "DBL103 raw SQL CREATE INDEX idx_events_created_at changes the schema",
        "DBL103 raw SQL DROP TABLE {}.invoices changes the schema",
    ]


def test_a_name_with_a_placeholder_is_computed() -> None:
    assert [shown_name(name) for name in ("users", "{}_role_map", "%s_audit", "tenant_%(id)s")] == [
        "users", "{}_role_map (computed)", "%s_audit (computed)", "tenant_%(id)s (computed)",
    ]  # fmt: skip
    assert not is_computed("{}.invoices"), "a computed schema alone leaves the name known"


AUDIT_REVISION = (
    "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = '0002'\ndown_revision = '0001'\n\n\n"
    "def upgrade():\n    op.create_table('audit_log', sa.Column('id', sa.Integer, primary_key=True))\n"
)
COMPUTED_NAME_MODEL = (
    "from sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import declared_attr\n\n"
    "from app.models import Base\nfrom app.naming import table_name\n\n\n"
    "class AuditLog(Base):\n    @declared_attr\n    def __tablename__(cls):\n"
    "        return table_name(cls)\n\n    id = Column(Integer, primary_key=True)\n"
)


def _tracked_by_table(root: Path) -> dict[str, object]:
    return {row["table"]: row["tracked"] for row in json.loads(_inventory(root, "json"))["tables"]}


# timesketch's mixins: a model class made by `type(...)` on the tracked base, at run time.
MADE_BY_TYPE_MODEL = (
    "from sqlalchemy import Column, Integer\n\nfrom app.models import Base\n\n\n"
    "def audit_model(kind):\n"
    "    return type(kind + 'Audit', (Base,), {'__tablename__': kind + '_log',"
    " 'id': Column(Integer, primary_key=True)})\n"
)
# The look-alike: a class made by `type(...)` on no mapped base is no model.
MADE_BY_TYPE_ERROR = "def audit_error(kind):\n    return type(kind + 'Error', (ValueError,), {})\n"


@pytest.mark.parametrize(
    ("env", "extra_module", "module_path", "audit_log"),
    [
        (PLAIN_ENV, "", "", False),  # no model declares it: Alembic does not track it
        (DYNAMIC_ENV, "", "", "unknown"),  # what Alembic tracks is unknown
        # a tracked model's table name cannot be read
        (PLAIN_ENV, COMPUTED_NAME_MODEL, "app/audit.py", "unknown"),
        (
            PLAIN_ENV,
            MADE_BY_TYPE_MODEL,
            "app/audit.py",
            "unknown",
        ),  # a model made at run time may be it
        (PLAIN_ENV, MADE_BY_TYPE_MODEL, "tests/test_audit.py", False),  # a test's is not
        (
            PLAIN_ENV,
            MADE_BY_TYPE_ERROR,
            "app/audit.py",
            False,
        ),  # an exception class made at run time is not
    ],
    ids=[
        "known",
        "unknown-metadata",
        "computed-model-name",
        "made-by-type",
        "made-by-type-in-a-test",
        "type-no-model",
    ],
)
def test_a_table_only_migrations_create(
    tmp_path: Path, env: str, extra_module: str, module_path: str, audit_log: object
) -> None:
    root = _project(tmp_path, env)
    (root / "alembic/versions/0002_audit.py").write_text(AUDIT_REVISION)
    if extra_module:
        (root / module_path).parent.mkdir(exist_ok=True)
        (root / module_path).write_text(extra_module)
    tracked = _tracked_by_table(root)
    assert tracked["audit_log"] == audit_log
    assert tracked["users"] == (True if env == PLAIN_ENV else "unknown")


def test_tables_a_library_builds_at_run_time_are_unknown() -> None:
    """SQLAlchemy-Continuum builds `article_version` and `transaction` on the metadata of the
    versioned models, which dblint cannot tell (ihatemoney); `legacy_version`, which no
    versioned table explains, is on no metadata Alembic tracks."""
    document = json.loads(_inventory(FIXTURES / "continuum_app", "json"))
    tracked = {row["table"]: row["tracked"] for row in document["tables"]}
    assert tracked == {
        "article": True,
        "article_version": "unknown",
        "comment": True,
        "legacy_version": False,
        "review": True,
        "transaction": "unknown",
    }
    assert document["totals"]["tables_untracked"] == 1


def test_tables_the_versioned_history_recipe_builds_are_unknown() -> None:
    """SQLAlchemy's versioned-history recipe, copied into the project (notifications-api's
    `history_meta.py`), builds `Table(f"{mapper.local_table.name}_history", ...)` on the metadata
    of each versioned model: the migrated `senders_history` may be that table (unknown), while
    `daily_counts`, which no template explains, is on no metadata Alembic tracks. env.py's
    `courier.models.db.metadata` resolves through the `db` that `courier.models` imports, not to
    the test module `tests/courier/db.py`, so the tracked tables are known at all."""
    document = json.loads(_inventory(FIXTURES / "flask_history_tables", "json"))
    tracked = {row["table"]: row["tracked"] for row in document["tables"]}
    assert tracked == {"daily_counts": False, "senders": True, "senders_history": "unknown"}
    assert document["totals"]["tables_untracked"] == 1


SINGLE_DATABASE_ENV = (
    "from alembic import context\nfrom flask import current_app\n\n"
    'target_metadata = current_app.extensions["migrate"].db.metadata\n'
    "context.configure(target_metadata=target_metadata)\n"
)


@pytest.mark.parametrize(("env", "cities"), [(None, "unknown"), (SINGLE_DATABASE_ENV, False)])
def test_a_bind_base_under_the_multi_database_template(
    tmp_path: Path, env: str | None, cities: object
) -> None:
    """funnel: `GeonameModel(DeclarativeBase)` with `__bind_key__`, whose metadata a library adds to
    the db's binds; Flask-Migrate's multi-database env.py compares `db.metadatas[bind]` for every
    bind, so whether it tracks `cities` is unknown, not "no" (a single-database env.py does not
    track it). The template's `upgrade_()` and `upgrade_places()` are what creates the tables."""
    root = tmp_path / "atlas"
    shutil.copytree(FIXTURES / "flask_multidb_bases", root)
    if env is not None:
        (root / "migrations/env.py").write_text(env)
    document = json.loads(_inventory(root, "json"))
    rows = {
        row["table"]: (row["tracked"], row["created_by_revision"]) for row in document["tables"]
    }
    assert rows == {"accounts": (True, "0001_accounts"), "cities": (cities, "0001_accounts")}


def test_a_table_an_unknown_library_mixin_names_is_not_called_untracked() -> None:
    """`class ApiKey(KeyTableMixin, Base)` with no `__tablename__`: the mixin of a library dblint
    does not describe names the table, so the migrated `api_keys` may be that model's, on the
    tracked metadata; whether Alembic tracks it is unknown, not "no" (it was, before)."""
    document = json.loads(_inventory(FIXTURES / "library_unknown_mixin", "json"))
    tracked = {row["table"]: row["tracked"] for row in document["tables"]}
    assert tracked == {"api_keys": "unknown", "audit": True, "grant": True, "note": True}


def test_one_reason_for_a_name_env_py_binds_and_passes_on(tmp_path: Path) -> None:
    """`target_metadata = deps.Base.metadata`, then `configure(target_metadata=target_metadata)`:
    the reason names what the name stands for, once."""
    env = (
        "from alembic import context\n\nfrom app.deps import provide\n\n"
        "db_interface = provide()\ntarget_metadata = db_interface.Base.metadata\n\n\n"
        "def run_migrations_online():\n"
        "    context.configure(url='x', target_metadata=target_metadata)\n"
    )
    document = json.loads(_inventory(_project(tmp_path, env), "json"))
    assert document["totals"]["alembic_target_metadata"] == [
        "alembic/env.py: what Alembic tracks is unknown: "
        "target_metadata `db_interface.Base.metadata` cannot be resolved statically"
    ]


def test_tables_unsure_for_the_same_reasons_share_one_line(tmp_path: Path) -> None:
    root = _project(tmp_path, PLAIN_ENV)
    (root / "alembic/versions/0002_audit.py").write_text(
        AUDIT_REVISION.replace(
            "\n    op.create_table(",
            "\n    op.execute(statement_from_elsewhere())\n    op.create_table(",
        )
    )
    markdown = _inventory(root, "markdown")
    unsure = markdown.split("## Tables the migration replay is unsure of", 1)[1]
    reasons = [line for line in unsure.splitlines() if line.startswith("- ")]
    assert len(reasons) == 1, unsure
    assert reasons[0].startswith("- `audit_log`, `users`: ")


def test_a_history_whose_every_revision_file_is_unreadable_is_unsure(tmp_path: Path) -> None:
    """A script location whose one revision is Python 2 (DBL001): its history is unknown, and the
    inventory says so, naming the file, instead of showing `users` created by no revision."""
    root = _project(tmp_path, PLAIN_ENV)
    revision = root / "alembic/versions/0001_users.py"
    revision.write_text(
        revision.read_text().replace("def upgrade():\n", "def upgrade():\n    print 'users'\n")
    )
    markdown = _inventory(root, "markdown")
    unsure = markdown.split("## Tables the migration replay is unsure of", 1)[1]
    reasons = [line for line in unsure.splitlines() if line.startswith("- ")]
    assert reasons == [
        "- `users`: revision file alembic/versions/0001\\_users.py could not be read"
    ]


def test_tables_copied_into_the_tracked_metadata_make_it_unknown(tmp_path: Path) -> None:
    """glance's env.py copies another base's tables into its target (`_add_table` in a loop over
    `BASE_DICT.metadata.sorted_tables`): what Alembic tracks is more than `Base.metadata`, and
    which is not read, so the other base's tables are not reported untracked (DBL201/DBL202)."""
    env = PLAIN_ENV + (
        "from app import extra\n\n"
        "for table in extra.ExtraBase.metadata.sorted_tables:\n"
        "    target_metadata._add_table(table.name, table.schema, table)\n"
    )
    extra = MODELS.replace("Base", "ExtraBase").replace("users", "notes").replace("User", "Note")
    root = _project(tmp_path, env)
    (root / "app" / "extra.py").write_text(extra)
    document = json.loads(_inventory(root, "json"))
    assert {row["table"]: row["tracked"] for row in document["tables"]} == {
        "notes": "unknown",
        "users": "unknown",
    }
    [note] = document["totals"]["alembic_target_metadata"]
    assert note.endswith("`target_metadata._add_table()` adds tables of other metadata to it")
    checked = run_tool("dblint", "check", cwd=root)
    assert "DBL201" not in checked.stdout and "DBL202" not in checked.stdout
    plain = _project(tmp_path / "plain", PLAIN_ENV)
    (plain / "app" / "extra.py").write_text(extra)
    assert "DBL201" in run_tool("dblint", "check", cwd=plain).stdout  # the look-alike


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ("from alembic import context\n\ntarget_metadata = None\n", "sets target_metadata = None"),
        ("from alembic import context\n\nconfig = context.config\n", "sets no target_metadata"),
        # the multidb template before it is filled in
        (
            "from alembic import context\n\ntarget_metadata = {}\n"
            "context.configure(target_metadata=target_metadata.get('engine1'))\n",
            "sets target_metadata = {}",
        ),
    ],
    ids=["none", "unset", "empty-dict"],
)
def test_an_env_py_without_metadata_says_how_and_assumes_the_largest(
    tmp_path: Path, env: str, says: str
) -> None:
    document = json.loads(_inventory(_project(tmp_path, env), "json"))
    [note] = document["totals"]["alembic_target_metadata"]
    assert note.startswith(f"alembic/env.py {says}")
    assert note.endswith("assuming app.models:Base.metadata, the metadata with the most tables")


def test_an_env_py_without_metadata_in_a_project_without_models_tracks_nothing(
    tmp_path: Path,
) -> None:
    """Migrations only, raw queries elsewhere: there is no largest metadata to assume."""
    root = _project(tmp_path, "from alembic import context\n\ntarget_metadata = None\n")
    (root / "app" / "models.py").write_text("QUERY = 'SELECT id FROM users'\n")
    document = json.loads(_inventory(root, "json"))
    [note] = document["totals"]["alembic_target_metadata"]
    assert note == (
        "alembic/env.py sets target_metadata = None (no autogenerate),"
        " and the project declares no metadata: Alembic tracks no table"
    )
    assert [(row["table"], row["tracked"]) for row in document["tables"]] == [("users", False)]


def test_steps_that_blind_every_table_are_said_once(tmp_path: Path) -> None:
    """ckan: twenty operations on tables whose names are computed blind every table; they are
    said once, naming all the tables, and each table's line keeps only its own further steps."""
    root = _project(tmp_path, PLAIN_ENV)
    (root / "alembic/versions/0002_audit.py").write_text(
        AUDIT_REVISION.replace(
            "\n    op.create_table(",
            "\n    op.add_column(name_from_elsewhere(), sa.Column('x', sa.Integer))\n"
            "    if legacy_database():\n        return\n    op.create_table(",
        )
    )
    markdown = _inventory(root, "markdown")
    unsure = markdown.split("## Tables the migration replay is unsure of", 1)[1]
    reasons = [line for line in unsure.splitlines() if line.startswith("- ")]
    assert len(reasons) == 2, unsure
    shared, own = reasons
    assert shared.startswith(
        "- `audit_log`, `users` (all 2): \\`add\\_column\\` on a table whose name"
    )
    assert "return" not in shared
    assert own.startswith("- `audit_log` also: early \\`return\\`")
    assert "add\\_column" not in own
    assert markdown.count("add\\_column") == 1


def test_a_script_location_with_nothing_in_the_repository_is_no_environment() -> None:
    """alembic_templates: a plugin skeleton's alembic.ini names `plugin_migrations`, which only a
    copy of the skeleton has. It is said to be unread, not guessed to track the largest metadata
    (which hid ReportBase's DBL201/DBL202); the environment plugins share, whose env.py is in
    the repository and whose revisions come from each plugin, stays one."""
    root = FIXTURES / "alembic_templates"
    document = json.loads(_inventory(root, "json"))
    assert document["totals"]["alembic_target_metadata"] == [
        "crm/plugin_skeleton/alembic.ini: script location crm/plugin_skeleton/plugin_migrations has "
        "neither env.py nor revisions in the repository (a template's configuration, or one "
        "completed elsewhere): not read as an Alembic environment",
        "crm/plugins/shared_env/env.py tracks crm.db:Base.metadata",
        "migrations/env.py tracks crm.db:Base.metadata",
    ]
    tracked = {row["table"]: row["tracked"] for row in document["tables"]}
    assert tracked == {"contacts": True, "daily_totals": False, "weekly_totals": False}


def test_a_metadata_dict_that_unpacks_another_mapping_is_unknown(tmp_path: Path) -> None:
    """The look-alike of the multidb fixture: `{**SHARED, "accounts": ...}` tracks what SHARED
    holds too, which dblint does not read, so nothing is reported as untracked."""
    root = tmp_path / "multidb"
    shutil.copytree(FIXTURES / "alembic_multidb", root)
    env = root / "migrations" / "env.py"
    env.write_text(
        env.read_text().replace(
            "target_metadata = {\n", "SHARED = load_shared()\ntarget_metadata = {\n    **SHARED,\n"
        )
    )
    completed = run_tool("dblint", "check", ".", cwd=root)
    assert completed.returncode == 0, completed.stdout
    document = json.loads(_inventory(root, "json"))
    [note] = document["totals"]["alembic_target_metadata"]
    assert note == (
        "migrations/env.py: what Alembic tracks is unknown: "
        "target_metadata is a dict that unpacks another mapping (`**`)"
    )


@pytest.mark.parametrize(
    ("lookup", "tracked", "note"),
    [
        # one database's env.py: only that database's metadata, not every value of the dict
        (
            'METADATA_BY_DB["accounts"]',
            {"accounts": True, "transfers": True, "daily_totals": False},
            "migrations/env.py tracks ledger.models:AccountsBase.metadata",
        ),
        # the template itself: a key read at run time, each database's in turn
        (
            "METADATA_BY_DB.get(name)",
            {"accounts": True, "transfers": True, "daily_totals": True},
            "migrations/env.py tracks ledger.models:AccountsBase.metadata, "
            "ledger.models:AnalyticsBase.metadata",
        ),
        # a key the dict does not hold (a KeyError at run time): unknown, saying so
        (
            'METADATA_BY_DB["acounts"]',
            {"accounts": "unknown", "transfers": "unknown", "daily_totals": "unknown"},
            "migrations/env.py: what Alembic tracks is unknown: target_metadata looks up "
            "the key 'acounts', which the dict does not hold",
        ),
    ],
    ids=["literal-key", "key-at-run-time", "missing-key"],
)
def test_a_metadata_dict_looked_up_by_a_literal_key_tracks_that_value(
    tmp_path: Path, lookup: str, tracked: dict[str, object], note: str
) -> None:
    """`METADATA_BY_DB["accounts"]`, the multidb fixture's dict under another name, tracks
    `AccountsBase.metadata` only: the union of every value called `daily_totals` tracked (no
    DBL201/DBL202 on its base)."""
    root = tmp_path / "multidb"
    shutil.copytree(FIXTURES / "alembic_multidb", root)
    env = root / "migrations" / "env.py"
    env.write_text(
        env.read_text()
        .replace("target_metadata = {", "METADATA_BY_DB = {")
        .replace("target_metadata.get(name)", lookup)
    )
    document = json.loads(_inventory(root, "json"))
    rows = {row["table"]: row["tracked"] for row in document["tables"] if row["table"] in tracked}
    assert rows == tracked
    assert document["totals"]["alembic_target_metadata"] == [note]


def test_an_unreadable_target_metadata_expression_is_named_as_such(tmp_path: Path) -> None:
    """A comprehension has no text to show: the reason says what it is, not "target_metadata ``"."""
    root = tmp_path / "multidb"
    shutil.copytree(FIXTURES / "alembic_multidb", root)
    env = root / "migrations" / "env.py"
    text = env.read_text()
    start, end = (
        text.index("target_metadata = {"),
        text.index("}\n", text.index("target_metadata = {")),
    )
    env.write_text(
        text[:start]
        + "target_metadata = [base.metadata for base in (AccountsBase, AnalyticsBase)]\n"
        + text[end + 2 :].replace("target_metadata.get(name)", "target_metadata")
    )
    document = json.loads(_inventory(root, "json"))
    [note] = document["totals"]["alembic_target_metadata"]
    assert note == (
        "migrations/env.py: what Alembic tracks is unknown: "
        "target_metadata is an expression dblint does not read statically"
    )


def test_a_test_harness_env_py_handing_alembic_over_is_no_environment(tmp_path: Path) -> None:
    """Look-alike of sourcehut's env.py under the test paths (`tests/data/alembic/env.py` calling a
    library's runner beside a revision): a test's harness, not the application's environment. Its
    unknown tracking silenced DBL201/DBL202 for the whole project; they stay."""
    models = (
        "from sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import declarative_base\n\n"
        "Base = declarative_base()\nOtherBase = declarative_base()\n\n\n"
        "class User(Base):\n    __tablename__ = 'users'\n    id = Column(Integer, primary_key=True)\n\n\n"
        "class Stray(OtherBase):\n    __tablename__ = 'strays'\n    id = Column(Integer, primary_key=True)\n"
    )
    revision = (
        "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = '{rev}'\ndown_revision = None\n\n\n"
        "def upgrade():\n    op.create_table('{table}', sa.Column('id', sa.Integer, primary_key=True))\n"
    )
    root = write_project(
        tmp_path / "proj",
        {
            "app/__init__.py": "",
            "app/models.py": models,
            "alembic.ini": "[alembic]\nscript_location = migrations\n",
            "migrations/env.py": (
                "from alembic import context\n\nfrom app.models import Base\n\n"
                "context.configure(target_metadata=Base.metadata)\n"
            ),
            "migrations/versions/a1.py": revision.format(rev="a1", table="users"),
            "tests/data/alembic/env.py": "from harness import run_env\n\nrun_env()\n",
            "tests/data/alembic/versions/t1.py": revision.format(rev="t1", table="things"),
        },
    )
    completed = run_tool("dblint", "check", "--select", "DBL2", ".", cwd=root)
    assert {(path, code) for path, _, code in finding_set(completed.stdout)} == {
        ("app/models.py", "DBL201"),
        ("app/models.py", "DBL202"),
    }


def test_an_env_py_handing_alembic_to_a_library_tracks_unknown() -> None:
    """sourcehut's env.py (`from srht.database import alembic_env; alembic_env()`, no alembic.ini)
    beside revisions found by their shape: Alembic runs it, so the script location is an
    environment whose tracked metadata is unknown; a table only migrations create is `unknown`,
    not untracked, and the totals say why instead of "no Alembic script location found"."""
    document = json.loads(_inventory(FIXTURES / "library_env_handover", "json"))
    tracked = {row["table"]: row["tracked"] for row in document["tables"]}
    assert tracked == {"ticket": "unknown", "ticket_webhook_sub": "unknown"}
    assert document["totals"]["tables_untracked"] == 0
    assert document["totals"]["alembic_target_metadata"] == [
        "tracker/alembic/env.py: what Alembic tracks is unknown: it does not configure "
        "Alembic's context itself (it imports hutcore.database)"
    ]


def test_an_env_py_configuring_alembic_beside_revisions_found_by_shape_stays_known(
    tmp_path: Path,
) -> None:
    """The look-alike: the same layout with an env.py that configures Alembic's context on a
    project base; a table only migrations create is untracked."""
    root = tmp_path / "proj"
    shutil.copytree(FIXTURES / "library_env_handover", root)
    (root / "tracker/types/ticket.py").write_text(
        (root / "tracker/types/ticket.py")
        .read_text()
        .replace("from hutcore.database import Base", "from tracker.base import Base")
    )
    (root / "tracker/base.py").write_text(
        "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"
    )
    (root / "tracker/alembic/env.py").write_text(
        "from alembic import context\n\nimport tracker.types  # noqa: F401\n"
        "from tracker.base import Base\n\ntarget_metadata = Base.metadata\n"
    )
    tracked = _tracked_by_table(root)
    assert tracked == {"ticket": True, "ticket_webhook_sub": False}


def test_configure_given_one_database_of_the_metadata_dict_tracks_that_one_only(
    tmp_path: Path,
) -> None:
    """The multidb fixture with `configure(target_metadata=target_metadata["accounts"])`: the dict
    bound to target_metadata is a table of metadata by database, and configure() gives Alembic
    the accounts one only; the analytics model is untracked (the dict's union hid it)."""
    root = tmp_path / "multidb"
    shutil.copytree(FIXTURES / "alembic_multidb", root)
    env = root / "migrations" / "env.py"
    env.write_text(
        env.read_text().replace(
            "target_metadata=target_metadata.get(name)",
            'target_metadata=target_metadata["accounts"]',
        )
    )
    completed = run_tool("dblint", "check", "--select", "DBL201", ".", cwd=root)
    assert [line.split(": ")[0] for line in completed.stdout.splitlines()[:-1]] == [
        "ledger/models.py:27:1",
        "ledger/models.py:36:11",
    ]
    assert "model DailyTotal (table daily_totals)" in completed.stdout
