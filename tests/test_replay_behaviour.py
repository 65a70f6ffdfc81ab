"""The static replay: what it follows, and what makes a table uncertain instead of a finding."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import finding_set, run_tool, write_project

from dblint.diagnostics import Diagnostic
from dblint.engine import Request
from dblint.index import ProjectIndex
from dblint.index.replay import Replay, replays
from dblint.pipeline import load_project
from dblint.rules.migration_drift import MigrationChangesUncreatedTable, MigrationCreatesExisting

HEADER = 'from alembic import op\nimport sqlalchemy as sa\n\nrevision = "{rev}"\ndown_revision = {down}\n\n\n'


def _replay(
    tmp_path: Path, *bodies: str, extra: dict[str, str] | None = None
) -> tuple[Replay, list]:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "replay"\n')
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    for number, body in enumerate(bodies):
        down = f'"r{number - 1}"' if number else "None"
        (versions / f"r{number}.py").write_text(HEADER.format(rev=f"r{number}", down=down) + body)
    for rel, text in (extra or {}).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    index = load_project(tmp_path, Request(paths=())).index
    return replays(index)[0], _replay_findings(index)


def _replay_findings(index: ProjectIndex) -> list[Diagnostic]:
    """The DBL414 / DBL415 findings the replay's events make, in report order."""
    found = [
        *MigrationCreatesExisting().check_project(index),
        *MigrationChangesUncreatedTable().check_project(index),
    ]
    return sorted(found, key=Diagnostic.sort_key)


CREATE = 'def upgrade():\n    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("name", sa.String(20)))\n'


def test_helpers_loops_and_batches_are_followed(tmp_path: Path) -> None:
    replay, issues = _replay(
        tmp_path,
        CREATE,
        "def _stamp(table):\n    op.add_column(table, sa.Column('seen_at', sa.DateTime()))\n\n\n"
        "def upgrade():\n    for name in ['users']:\n        _stamp(name)\n"
        "    with op.batch_alter_table('users') as batch_op:\n        batch_op.alter_column('name', new_column_name='login', type_=sa.Text(), nullable=False)\n",
    )
    users = replay.tables[(None, "users")]
    assert sorted(users.columns) == ["id", "login", "seen_at"]
    assert users.columns["login"].family == "string" and users.columns["login"].nullable is False
    assert not users.uncertain and issues == []
    assert replay.created_by_revision == {"users": "r0"}


def test_a_column_says_which_revision_last_changed_its_type_and_nullability(tmp_path: Path) -> None:
    """DBL412 / DBL416 name the revision the migrated type or nullability comes from: the
    `alter_column` (or `ALTER TABLE ... ALTER COLUMN`) that changed it, not the one that made it."""
    replay, _ = _replay(
        tmp_path,
        CREATE,
        "def upgrade():\n    op.alter_column('users', 'name', type_=sa.Integer())\n",
        "def upgrade():\n    op.execute('ALTER TABLE users ALTER COLUMN name SET NOT NULL')\n",
    )
    name = replay.tables[(None, "users")].columns["name"]
    assert (name.revision, name.typed_by, name.nulled_by) == ("r0", "r1", "r2")
    ident = replay.tables[(None, "users")].columns["id"]
    assert (ident.typed_by, ident.nulled_by) == ("", "")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "models.py").write_text(
        "from sqlalchemy import Integer, String\nfrom sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\n"
        "class Base(DeclarativeBase):\n    pass\n\n\n"
        "class User(Base):\n    __tablename__ = 'users'\n    id: Mapped[int] = mapped_column(Integer, primary_key=True)\n"
        "    name: Mapped[str | None] = mapped_column(String(20))\n"
    )
    (tmp_path / "migrations" / "env.py").write_text(
        "from alembic import context\n\nfrom app.models import Base\n\ntarget_metadata = Base.metadata\n"
    )
    completed = run_tool(
        "dblint", "check", "--no-cache", "--extend-select", "DBL416", ".", cwd=tmp_path
    )
    assert "in the migrated schema (revision r1)" in completed.stdout, completed.stdout
    assert "DBL412" in completed.stdout and "DBL416" in completed.stdout
    assert (
        "nullable in the model but NOT NULL in the migrated schema (revision r2)"
        in completed.stdout
    )


def test_guarded_operations_make_the_table_uncertain(tmp_path: Path) -> None:
    replay, issues = _replay(
        tmp_path,
        CREATE,
        "def upgrade():\n    if not has_column('users', 'name'):\n        op.add_column('users', sa.Column('name', sa.String(20)))\n"
        "    try:\n        op.drop_column('users', 'id')\n    except Exception:\n        pass\n",
    )
    users = replay.tables[(None, "users")]
    assert any("`if`" in reason for reason in users.uncertain) and any(
        "`try`" in reason for reason in users.uncertain
    )
    assert issues == []


def test_computed_names_and_create_all_blind_the_replay(tmp_path: Path) -> None:
    replay, issues = _replay(
        tmp_path,
        "def upgrade():\n    for name in tables():\n        op.create_table(name, sa.Column('id', sa.Integer()))\n",
        "def upgrade():\n    Base.metadata.create_all(op.get_bind())\n    op.add_column('ghosts', sa.Column('x', sa.Integer()))\n",
    )
    assert replay.blind_creates and replay.blind_alters
    assert issues == []  # DBL415 needs to know every table a migration creates


def test_sql_strings_are_replayed(tmp_path: Path) -> None:
    replay, issues = _replay(
        tmp_path,
        "SQL = 'CREATE TABLE logs (id INTEGER PRIMARY KEY, msg TEXT NOT NULL)'\n\n\n"
        "def upgrade():\n    op.get_bind().execute(sa.text(SQL))\n"
        "    op.execute('ALTER TABLE logs ADD COLUMN level VARCHAR(10), ALTER COLUMN msg DROP NOT NULL')\n"
        "    op.execute('CREATE TABLE IF NOT EXISTS logs (id INTEGER)')\n"
        "    op.execute(sa.update(sa.table('logs')).values(level='x'))\n",
    )
    logs = replay.tables[(None, "logs")]
    assert sorted(logs.columns) == ["id", "level", "msg"] and logs.columns["msg"].nullable is True
    assert not logs.uncertain and issues == [] and not replay.blind_creates


def test_duplicate_column_and_uncreated_table_are_found_once(tmp_path: Path) -> None:
    _, issues = _replay(
        tmp_path,
        CREATE,
        "def upgrade():\n    op.add_column('users', sa.Column('name', sa.String(20)))\n"
        "    op.add_column('orders', sa.Column('x', sa.Integer()))\n    op.create_index('ix', 'orders', ['x'])\n",
    )
    assert [(issue.code, issue.line) for issue in issues] == [("DBL414", 9), ("DBL415", 10)]


def test_calls_into_project_modules_are_not_followed(tmp_path: Path) -> None:
    replay, _ = _replay(
        tmp_path,
        CREATE,
        "from app.ddl import add_audit_columns\nfrom app import db\n\n\n"
        "def upgrade():\n    add_audit_columns('users')\n    db.session.commit()\n",
        extra={"app/__init__.py": "", "app/ddl.py": "def add_audit_columns(table):\n    pass\n"},
    )
    users = replay.tables[(None, "users")]
    assert any("add_audit_columns" in reason for reason in users.uncertain)
    assert not replay.blind_creates


def test_renamed_tables_keep_their_columns_and_the_foreign_keys_to_them(tmp_path: Path) -> None:
    replay, issues = _replay(
        tmp_path,
        CREATE + "    op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True),"
        " sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id')))\n"
        "    op.create_table('notes', sa.Column('user_id', sa.Integer()), sa.ForeignKeyConstraint(['user_id'], ['users.id']))\n"
        "    op.create_table('items', sa.Column('id', sa.Integer()), schema='shop')\n",
        "def upgrade():\n    op.rename_table('users', 'accounts')\n"
        "    op.add_column('accounts', sa.Column('email', sa.String(50)))\n"
        "    op.execute('RENAME TABLE orders TO purchases')\n"
        '    op.execute(\'ALTER TABLE "notes" RENAME TO "remarks"\')\n'
        "    op.rename_table('items', 'products', schema='shop')\n"
        "    op.create_index('ix_purchases_user_id', 'purchases', ['user_id'])\n"
        "    op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True))\n",
    )
    assert sorted(table.qualified for table in replay.tables.values()) == [
        "accounts",
        "purchases",
        "remarks",
        "shop.products",
        "users",
    ]
    accounts = replay.tables[(None, "accounts")]
    assert sorted(accounts.columns) == ["email", "id", "name"] and accounts.revision == "r0"
    purchases = replay.tables[(None, "purchases")]
    assert purchases.columns["user_id"].foreign_key == "accounts.id"
    assert list(purchases.foreign_keys.values()) == [(("user_id",), "accounts.id")]
    assert list(replay.tables[(None, "remarks")].foreign_keys.values()) == [
        (("user_id",), "accounts.id")
    ]
    assert not any(table.uncertain for table in replay.tables.values()) and not replay.blind_creates
    assert issues == []  # `users` is created afresh after the rename: no DBL414


def test_renames_the_replay_cannot_follow_blind_it(tmp_path: Path) -> None:
    replay, issues = _replay(
        tmp_path,
        CREATE,
        "def upgrade():\n    op.execute('RENAME TABLE users TO a, a TO b')\n    op.add_column('b', sa.Column('x', sa.Integer()))\n",
    )
    assert replay.blind_creates and issues == []


def test_a_table_reached_with_and_without_its_schema_is_reported_once(tmp_path: Path) -> None:
    _, issues = _replay(
        tmp_path,
        "def upgrade():\n    op.add_column('orgs', sa.Column('x', sa.Integer()))\n"
        "    op.create_foreign_key(None, 'orgs', 'users', ['x'], ['id'], source_schema='core')\n",
    )
    assert [(issue.code, issue.line) for issue in issues] == [("DBL415", 9)]


def test_operations_after_a_conditional_return_are_guarded(tmp_path: Path) -> None:
    _, issues = _replay(
        tmp_path,
        "def upgrade():\n    insp = sa.inspect(op.get_bind())\n    if 'legacy' not in insp.get_table_names():\n        return\n"
        "    op.alter_column('legacy', 'name', type_=sa.String(36))\n",
        "def helper():\n    return 1\n\n\ndef upgrade():\n    op.add_column('ghosts', sa.Column('x', sa.Integer()))\n",
    )
    # Only the unguarded operation (a plain `return` in another function guards nothing) is reported.
    assert [(issue.code, issue.path.rsplit("/", 1)[-1], issue.line) for issue in issues] == [
        ("DBL415", "r1.py", 13)
    ]


def test_data_migrations_do_not_blind_the_replay(tmp_path: Path) -> None:
    """Statements built at run time: DML changes no table, other text makes uncertain only what it names."""
    replay, _ = _replay(
        tmp_path,
        CREATE + '    op.create_table("orders", sa.Column("id", sa.Integer(), primary_key=True))\n',
        "def upgrade():\n"
        "    conn = op.get_bind()\n"
        '    stmt = sa.text("UPDATE users SET name = :name WHERE name IS NULL")\n'
        '    conn.execute(stmt.bindparams(name="?"))\n'
        '    for user_id in conn.execute(sa.text("SELECT id FROM users")).scalars():\n'
        '        conn.execute(sa.text("DELETE FROM orders WHERE id = %d" % user_id))\n'
        '    op.execute("VACUUM " + mode)\n'
        '    op.execute(f"GRANT SELECT ON orders TO {role}")\n',
    )
    assert replay.blind_creates == [] and replay.blind_alters == []
    assert replay.tables[(None, "users")].uncertain == []
    assert replay.tables[(None, "orders")].uncertain == [
        "a statement the replay cannot read in full at migrations/versions/r1.py:15 names it"
    ]


def test_statements_formatted_with_str_format_are_read(tmp_path: Path) -> None:
    """tasking-manager: `op.execute("UPDATE organisations SET type = {}".format(...))` and
    `sa.text("SELECT ... WHERE project_id={0}".format(project_id))` change rows, not tables, so
    they no longer blind the replay, nor does notifications-api's `textwrap.dedent("...").strip()`;
    a formatted DDL statement is replayed as an f-string's."""
    replay, _ = _replay(
        tmp_path,
        CREATE,
        "def upgrade():\n"
        '    op.execute("UPDATE users SET name = {}".format(DEFAULT))\n'
        "    conn = op.get_bind()\n"
        '    conn.execute(sa.text("SELECT id FROM users WHERE id={0}".format(1)))\n'
        '    op.execute("ALTER TABLE users ADD COLUMN {name} INTEGER".format(name=column))\n'
        '    op.execute("ALTER TABLE users ADD COLUMN email VARCHAR(20)".format())\n'
        '    insert = """INSERT INTO users (id, name) VALUES ({}, {!r})"""\n'
        "    op.execute(insert.format(1, DEFAULT))\n"
        '    add = "ALTER TABLE users ADD COLUMN {} INTEGER, ADD COLUMN age INTEGER"\n'
        "    op.execute(add.format(column))\n"
        '    update = """UPDATE users SET name = {} WHERE name IS NULL""".format(DEFAULT)\n'
        "    op.execute(update)\n"
        '    op.execute(textwrap.dedent("""\n        DELETE FROM users WHERE id > 10;\n        """).strip())\n',
    )
    assert replay.blind_creates == [] and replay.blind_alters == []
    users = replay.tables[(None, "users")]
    assert "email" in users.columns and "age" in users.columns


@pytest.mark.parametrize(
    "statement",
    [
        "load_sql('add').format(column)",
        "STATEMENTS['add'].format(column)",
        "template.format(column)",
    ],
    ids=["call-result", "container-item", "unbound-name"],
)
def test_a_formatted_template_the_replay_cannot_read_still_blinds_it(
    tmp_path: Path, statement: str
) -> None:
    """The look-alike: `.format(...)` on a template read from a call, a container or a name
    bound nowhere in the revision may be any DDL, so the replay says it cannot read it."""
    replay, _ = _replay(tmp_path, CREATE, f"def upgrade():\n    op.execute({statement})\n")
    assert replay.blind_creates and replay.blind_alters


def test_a_recursion_over_data_does_not_blind_the_replay(tmp_path: Path) -> None:
    """security_monkey: `sub_list` and `sub_dict` call each other to sort a revision's JSON, beyond
    the depth the replay follows; they reach no operation, so nothing is blinded. A recursion
    that does reach one still blinds the replay."""
    walk = (
        "def sub_list(items):\n    for item in items:\n        sub_dict(item)\n\n\n"
        "def sub_dict(data):\n    for key in data:\n        sub_list(data[key])\n\n\n"
    )
    (tmp_path / "data").mkdir()
    (tmp_path / "ops").mkdir()
    replay, _ = _replay(tmp_path / "data", CREATE, walk + "def upgrade():\n    sub_list(ROWS)\n")
    assert replay.blind_creates == [] and replay.blind_alters == []
    altering = walk.replace(
        "        sub_list(data[key])\n", "        sub_list(data[key])\n        op.drop_table(key)\n"
    )
    replay, _ = _replay(tmp_path / "ops", CREATE, altering + "def upgrade():\n    sub_list(ROWS)\n")
    assert replay.blind_creates


def test_ddl_through_a_variable_or_a_project_constant_is_replayed(tmp_path: Path) -> None:
    replay, _ = _replay(
        tmp_path,
        "from app.sql import CREATE_LOG\n\n\n"
        "def upgrade():\n"
        '    ddl = "CREATE TABLE audit (id INTEGER PRIMARY KEY)"\n'
        "    op.execute(ddl)\n"
        "    stmt = sa.text(CREATE_LOG)\n"
        "    op.get_bind().execute(stmt.execution_options(autocommit=True))\n",
        extra={
            "app/__init__.py": "",
            "app/sql.py": 'CREATE_LOG = "CREATE TABLE log (id INTEGER PRIMARY KEY)"\n',
        },
    )
    assert sorted(name for _, name in replay.tables) == ["audit", "log"]
    assert replay.blind_creates == []


def test_a_statement_nothing_can_be_read_of_still_blinds_the_replay(tmp_path: Path) -> None:
    replay, _ = _replay(tmp_path, CREATE, "def upgrade():\n    op.execute(load_statement())\n")
    assert replay.blind_alters and replay.blind_creates


def _graph_replay(tmp_path: Path, revisions: dict[str, tuple[str, str]]) -> tuple[Replay, list]:
    """A replay of revisions given as id -> (down_revision as written, upgrade body)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "replay"\n')
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    for rev, (down, body) in revisions.items():
        (versions / f"{rev}.py").write_text(HEADER.format(rev=rev, down=down) + body)
    index = load_project(tmp_path, Request(paths=())).index
    return replays(index)[0], _replay_findings(index)


ADD_NAME = "def upgrade():\n    op.add_column('users', sa.Column('nick', sa.String(20)))\n"


def test_a_chain_from_a_missing_revision_starts_from_an_unknown_schema(tmp_path: Path) -> None:
    replay, issues = _graph_replay(
        tmp_path,
        {
            "a0": ("None", CREATE),
            "a1": (
                '"a0"',
                "def upgrade():\n    op.alter_column('orders', 'total', nullable=False)\n",
            ),
            "b0": (
                '"gone"',
                "def upgrade():\n    op.add_column('orders', sa.Column('note', sa.Text()))\n",
            ),
            "b1": (
                '"b0"',
                "def upgrade():\n    op.add_column('orders', sa.Column('note', sa.Text()))\n",
            ),
        },
    )
    assert [(issue.code, issue.path.rsplit("/", 1)[-1]) for issue in issues] == [
        ("DBL415", "a1.py"),
        ("DBL414", "b1.py"),
    ]
    assert (None, "orders") not in replay.tables and replay.created_by_revision == {"users": "a0"}
    orders = replay.assumed[(None, "orders")]
    assert sorted(orders.columns) == ["note"] and not orders.columns_known and orders.uncertain
    assert not replay.blind_creates


def test_the_same_column_is_a_duplicate_on_one_ancestry_or_on_unmerged_heads(
    tmp_path: Path,
) -> None:
    branches = {"a0": ("None", CREATE), "b1": ('"a0"', ADD_NAME), "c1": ('"a0"', ADD_NAME)}
    _, issues = _graph_replay(tmp_path / "apart", branches)
    # Two heads, each adding it: `upgrade heads` runs both, and so would their merge.
    assert [(issue.code, issue.path.rsplit("/", 1)[-1]) for issue in issues] == [
        ("DBL414", "c1.py")
    ]
    labelled = {
        **branches,
        "c1": ('"a0"', ADD_NAME.replace("def upgrade", "branch_labels = ('x',)\n\n\ndef upgrade")),
    }
    _, issues = _graph_replay(tmp_path / "labelled", labelled)
    assert issues == []  # a branch on purpose (it may run on another database)
    dropped = {
        **branches,
        "d2": ('"b1"', "def upgrade():\n    op.drop_column('users', 'nick')\n"),
    }
    _, issues = _graph_replay(tmp_path / "dropped", dropped)
    assert (
        issues == []
    )  # d2 may run between b1 and c1 (the replay runs it after c1): Alembic picks the order
    _, issues = _graph_replay(
        tmp_path / "merged", {**branches, "m2": ('("b1", "c1")', "def upgrade():\n    pass\n")}
    )
    assert [(issue.code, issue.path.rsplit("/", 1)[-1]) for issue in issues] == [
        ("DBL414", "c1.py")
    ]
    _, issues = _graph_replay(
        tmp_path / "after",
        {"a0": ("None", CREATE), "b1": ('"a0"', ADD_NAME), "m2": ('("b1",)', ADD_NAME)},
    )
    assert [(issue.code, issue.path.rsplit("/", 1)[-1]) for issue in issues] == [
        ("DBL414", "m2.py")
    ]


def test_each_revision_reports_its_uncreated_tables(tmp_path: Path) -> None:
    alter = "def upgrade():\n    op.alter_column('orders', 'total', nullable=False)\n    op.create_index('ix', 'orders', ['total'])\n"
    _, issues = _graph_replay(tmp_path, {"a0": ("None", alter), "a1": ('"a0"', alter)})
    assert [(issue.code, issue.path.rsplit("/", 1)[-1], issue.line) for issue in issues] == [
        ("DBL415", "a0.py", 9),
        ("DBL415", "a1.py", 9),
    ]


def test_plugin_operations_and_schema_qualified_sql(tmp_path: Path) -> None:
    replay, issues = _replay(
        tmp_path,
        CREATE + '    op.create_table("events", sa.Column("id", sa.Integer(), primary_key=True))\n',
        "def upgrade():\n    with op.batch_alter_table('users') as batch_op:\n"
        "        batch_op.add_geospatial_column(sa.Column('home', Geometry('POINT')))\n"
        "    op.add_geospatial_column('events', sa.Column('place', Geometry('POINT')))\n"
        "    op.add_audit_columns('events')\n"
        "    op.execute('ALTER TABLE public.users ADD shared boolean NOT NULL DEFAULT true')\n",
    )
    users, events = replay.tables[(None, "users")], replay.tables[(None, "events")]
    assert sorted(users.columns) == ["home", "id", "name", "shared"] and not users.uncertain
    assert "place" in events.columns
    assert events.uncertain == [
        "`add_audit_columns()` at migrations/versions/r1.py:12, an operation the replay does not know"
    ]
    assert issues == []


def _root_revision_findings(tmp_path: Path, root: str) -> set[tuple[str, int, str]]:
    """DBL410/DBL415 of a project whose root revision is `root` and whose second revision adds a
    column to `users`, which only the root can have created."""
    files = {
        "app/__init__.py": "",
        "app/models.py": "from sqlalchemy import Column, Integer, String\n"
        "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\n\n"
        "class User(Base):\n    __tablename__ = 'users'\n    id = Column(Integer, primary_key=True)\n"
        "    nick = Column(String(20))\n",
        "app/schema_v1.py": "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
        "    op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True))\n",
        "migrations/env.py": "from alembic import context\n\nfrom app.models import Base\n\n"
        "target_metadata = Base.metadata\n",
        "migrations/versions/r0.py": root,
        "migrations/versions/r1.py": HEADER.format(rev="r1", down='"r0"')
        + "def upgrade():\n    op.add_column('users', sa.Column('nick', sa.String(20)))\n",
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
    }
    project = write_project(tmp_path / "proj", files)
    completed = run_tool("dblint", "check", "--select", "DBL410,DBL415", cwd=project)
    assert completed.returncode in (0, 1), completed.stderr
    return finding_set(completed.stdout)


def test_a_root_revision_without_op_that_runs_project_code_blinds_the_replay(
    tmp_path: Path,
) -> None:
    """glance's `liberty` revision imports no `op`: it runs `add_images_tables.upgrade()`, whose
    tables the replay does not see, so nothing it may have created is reported missing."""
    root = (
        'from app import schema_v1\n\nrevision = "r0"\ndown_revision = None\n\n\n'
        "def upgrade():\n    schema_v1.upgrade()\n"
    )
    assert _root_revision_findings(tmp_path, root) == set()


def test_a_revision_without_op_that_runs_nothing_blinds_nothing(tmp_path: Path) -> None:
    root = 'import sqlalchemy as sa\n\nrevision = "r0"\ndown_revision = None\n\n\ndef upgrade():\n    pass\n'
    assert _root_revision_findings(tmp_path, root) == {
        ("app/models.py", 7, "DBL410"),
        ("migrations/versions/r1.py", 9, "DBL415"),
    }


UNIQUE = "    op.create_unique_constraint('uq_users_name', 'users', ['name'])\n"
INDEX = "    op.create_index('ix_users_name', 'users', ['name'])\n"


@pytest.mark.parametrize(
    ("between", "repeated"),
    [
        ("    pass\n", True),
        ("    op.drop_constraint('uq_users_name', 'users')\n", False),
        (
            "    op.drop_column('users', 'name')\n    op.add_column('users', sa.Column('name', sa.Text()))\n",
            False,
        ),
        ("    op.execute('ALTER TABLE users DROP CONSTRAINT uq_users_name')\n", False),
        ("    op.alter_column('users', 'name', type_=sa.String(40))\n", True),
    ],
    ids=["kept", "dropped", "column-dropped", "sql-dropped", "altered"],
)
def test_a_named_unique_constraint_created_again(
    tmp_path: Path, between: str, repeated: bool
) -> None:
    """`create_unique_constraint` under a name the table already has fails on every database; a
    drop of the constraint or of its column in between (or SQL naming it) makes way for it."""
    _, issues = _graph_replay(
        tmp_path,
        {
            "a0": ("None", CREATE),
            "b1": ('"a0"', "def upgrade():\n" + UNIQUE),
            "c1": ('"b1"', "def upgrade():\n" + between),
            "d1": ('"c1"', "def upgrade():\n" + UNIQUE),
        },
    )
    expected = [("DBL414", "d1.py")] if repeated else []
    assert [(issue.code, issue.path.rsplit("/", 1)[-1]) for issue in issues] == expected


def test_a_named_index_created_again_under_a_guard_or_a_computed_name(tmp_path: Path) -> None:
    """Not reported: the second create under `if` (it may not run), or the first one (it may
    not have run); a name the replay cannot read is no name."""
    guarded = "def upgrade():\n    if not has_index():\n    " + INDEX
    for first, second in (
        (INDEX, guarded[len("def upgrade():\n") :]),
        (guarded[len("def upgrade():\n") :], INDEX),
    ):
        _, issues = _graph_replay(
            tmp_path / str(len(first)),
            {
                "a0": ("None", CREATE),
                "b1": ('"a0"', "def upgrade():\n" + first),
                "c1": ('"b1"', "def upgrade():\n" + second),
            },
        )
        assert issues == []
    computed = INDEX.replace("'ix_users_name'", "name_of('users')")
    _, issues = _graph_replay(
        tmp_path / "computed",
        {
            "a0": ("None", CREATE),
            "b1": ('"a0"', "def upgrade():\n" + computed),
            "c1": ('"b1"', "def upgrade():\n" + computed),
        },
    )
    assert issues == []


@pytest.mark.parametrize(
    "guard", ["", '    if os.environ.get("FULL"):\n    '], ids=["plain", "guarded"]
)
def test_an_index_of_create_table_then_created_again(tmp_path: Path, guard: str) -> None:
    """`sa.Index` inside `create_table` names the index as `op.create_index` does; under `if` the
    table (and its index) may not have been made, so the later create is no certain repeat."""
    table = (
        "op.create_table('events', sa.Column('id', sa.Integer()), sa.Column('kind', sa.Text()),"
        " sa.Index('ix_events_kind', 'kind'))\n"
    )
    _, issues = _graph_replay(
        tmp_path,
        {
            "a0": ("None", "import os\n\n\ndef upgrade():\n" + guard + "    " + table),
            "b1": (
                '"a0"',
                "def upgrade():\n    op.create_index('ix_events_kind', 'events', ['kind'])\n",
            ),
        },
    )
    expected = [] if guard else [("DBL414", "b1.py")]
    assert [(issue.code, issue.path.rsplit("/", 1)[-1]) for issue in issues] == expected


@pytest.mark.parametrize(
    ("second", "repeated"),
    [
        (
            "    op.create_table('users', sa.Column('id', sa.Integer()), if_not_exists=True)\n",
            False,
        ),
        ("    op.create_table('users', sa.Column('id', sa.Integer()))\n", True),
        (
            "    op.add_column('users', sa.Column('name', sa.String(20)), if_not_exists=True)\n",
            False,
        ),
        ("    op.add_column('users', sa.Column('name', sa.String(20)))\n", True),
    ],
    ids=["table-if-not-exists", "table", "column-if-not-exists", "column"],
)
def test_if_not_exists_tolerates_a_repeated_create(
    tmp_path: Path, second: str, repeated: bool
) -> None:
    """Alembic's `if_not_exists=True` on `create_table` / `add_column` emits `IF NOT EXISTS`:
    creating what exists is then no error (as `create_index(..., if_not_exists=True)` already is)."""
    _, issues = _replay(tmp_path, CREATE, "def upgrade():\n" + second)
    assert [issue.code for issue in issues] == (["DBL414"] if repeated else [])


def test_a_helper_s_star_args_passed_on_to_create_table_are_read(tmp_path: Path) -> None:
    """nbgrader's `_get_or_create_table(*args)` hands its `*args` to `op.create_table(*args)`:
    the call's arguments are the table's name and columns."""
    replay, issues = _replay(
        tmp_path,
        "def _create(*args):\n    return op.create_table(*args)\n\n\n"
        "def upgrade():\n    _create('grade_cells', sa.Column('id', sa.String(32), primary_key=True),"
        " sa.Column('max_score', sa.Float()))\n",
    )
    cells = replay.tables[(None, "grade_cells")]
    assert sorted(cells.columns) == ["id", "max_score"]
    assert not cells.uncertain and not replay.blind_creates and issues == []


@pytest.mark.parametrize(
    "helper",
    [
        # the tuple is changed before it is passed on
        "def _create(*args):\n    columns = args[1:]\n    return op.create_table(args[0], *columns)\n",
        # keyword-only parameters after `*args`: which arguments the tuple holds is not read
        "def _create(*args, schema=None):\n    return op.create_table(*args, schema=schema)\n",
        # the tuple is bound anew, under the same name, before it is passed on
        "def _create(*args):\n    args = args + (sa.Column('extra', sa.Integer()),)\n"
        "    return op.create_table(*args)\n",
        "def _create(*args):\n    args += (sa.Column('extra', sa.Integer()),)\n"
        "    return op.create_table(*args)\n",
    ],
    ids=["rebuilt", "keyword-only", "rebound", "augmented"],
)
def test_star_args_the_replay_cannot_follow_still_blind_it(tmp_path: Path, helper: str) -> None:
    replay, _ = _replay(
        tmp_path,
        helper + "\n\ndef upgrade():\n    _create('grade_cells', sa.Column('id', sa.Integer()))\n",
    )
    assert (
        (None, "grade_cells") not in replay.tables
        or replay.tables[(None, "grade_cells")].uncertain
        or replay.blind_creates
    )


def test_a_helper_parameter_bound_anew_is_not_the_argument(tmp_path: Path) -> None:
    """`def _create(name): name = "x_" + name`: the table created is not the one the call names;
    its name is unknown (a blind create), not `grade_cells`."""
    replay, _ = _replay(
        tmp_path,
        "def _create(name):\n    name = 'x_' + name\n"
        "    op.create_table(name, sa.Column('id', sa.Integer()))\n\n\n"
        "def upgrade():\n    _create('grade_cells')\n",
    )
    assert (None, "grade_cells") not in replay.tables and replay.blind_creates
