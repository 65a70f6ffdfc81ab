"""DBL501-DBL509 through the installed `dblint` (and flake8): which script locations and
revisions they check, the `dialect` and `safety-since` settings, and their documentation.

The fixture projects (`pg_safety`, `pg_dialect_imports`, `sqlite_safety`) carry the
per-operation expectations as `# error:` markers (test_fixture_projects.py).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, finding_set, run_tool, write_project

_REVISION = """from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = {down}


def upgrade():
{body}
"""
_FILES = {
    "migrations/env.py": "from alembic import context\n",
    "migrations/versions/r1.py": _REVISION.format(
        rev="r1",
        down="None",
        body='    op.create_table("items", sa.Column("id", sa.Integer(), primary_key=True))',
    ),
    "migrations/versions/r2.py": _REVISION.format(
        rev="r2", down='"r1"', body='    op.create_index("ix_items_id", "items", ["id"])'
    ),
    "migrations/versions/r3.py": _REVISION.format(
        rev="r3",
        down='"r2"',
        body='    op.add_column("items", sa.Column("sku", sa.String(20), nullable=False))',
    ),
}
_SAFETY_FINDINGS = {
    ("migrations/versions/r2.py", 9, "DBL501"),
    ("migrations/versions/r3.py", 9, "DBL503"),
}


def _project(tmp_path: Path, ini_url: str = "", config: str = "") -> Path:
    ini = "[alembic]\nscript_location = migrations\n" + (
        f"sqlalchemy.url = {ini_url}\n" if ini_url else ""
    )
    return write_project(tmp_path / "proj", {**_FILES, "alembic.ini": ini}, pyproject=config)


def _safety(stdout: str) -> set[tuple[str, int, str]]:
    return {item for item in finding_set(stdout) if item[2].startswith("DBL5")}


def test_postgresql_url_in_alembic_ini_turns_the_rules_on(tmp_path: Path) -> None:
    root = _project(tmp_path, "postgresql+psycopg2://app@db/app")
    assert _safety(run_tool("dblint", "check", ".", cwd=root).stdout) == _SAFETY_FINDINGS


def test_sqlite_url_and_alembic_template_url_leave_them_off(tmp_path: Path) -> None:
    for url in ("sqlite:///app.db", "driver://user:pass@localhost/dbname", "%(DATABASE_URL)s", ""):
        root = _project(tmp_path / url.replace("/", "_").replace("%", "_"), url)
        completed = run_tool("dblint", "check", ".", cwd=root)
        assert completed.returncode in (0, 1), completed.stderr
        assert _safety(completed.stdout) == set(), url


def test_dialect_setting_decides_over_alembic_ini(tmp_path: Path) -> None:
    on = _project(tmp_path / "on", "", '[tool.dblint]\ndialect = "postgresql"\n')
    assert _safety(run_tool("dblint", "check", ".", cwd=on).stdout) == _SAFETY_FINDINGS
    off = _project(tmp_path / "off", "postgresql://db/app", '[tool.dblint]\ndialect = "sqlite"\n')
    assert _safety(run_tool("dblint", "check", ".", cwd=off).stdout) == set()


def test_dialect_setting_that_names_no_dialect_is_a_config_error(tmp_path: Path) -> None:
    root = _project(tmp_path, "", '[tool.dblint]\ndialect = "postgres-ish"\n')
    completed = run_tool("dblint", "check", ".", cwd=root)
    assert completed.returncode == 2
    assert (
        "tool.dblint.dialect must be one of" in completed.stderr
        and "Traceback" not in completed.stderr
    )


def test_safety_since_checks_only_later_revisions(tmp_path: Path) -> None:
    root = _project(tmp_path, "postgresql://db/app", '[tool.dblint]\nsafety-since = "r2"\n')
    assert _safety(run_tool("dblint", "check", ".", cwd=root).stdout) == {
        ("migrations/versions/r3.py", 9, "DBL503")
    }


def test_safety_since_naming_no_revision_is_a_config_error(tmp_path: Path) -> None:
    root = _project(tmp_path, "postgresql://db/app", '[tool.dblint]\nsafety-since = "deadbeef"\n')
    completed = run_tool("dblint", "check", ".", cwd=root)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "tool.dblint.safety-since" in completed.stderr and "'deadbeef'" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_without_safety_since_the_whole_history_is_checked(tmp_path: Path) -> None:
    """What a team adopting dblint meets first: the fixture's revision 0002 is reported too."""
    root = tmp_path / "pg_safety"
    shutil.copytree(FIXTURES / "pg_safety", root)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('safety-since = "0002"\n', ""))
    found = _safety(run_tool("dblint", "check", ".", cwd=root).stdout)
    assert ("migrations/versions/0002_status_index.py", 16, "DBL501") in found
    assert not any(path.endswith("0001_initial.py") for path, _, _ in found)


def test_precommit_style_run_reports_only_the_named_revision(tmp_path: Path) -> None:
    root = _project(tmp_path, "postgresql://db/app")
    completed = run_tool("dblint", "check", "migrations/versions/r3.py", cwd=root)
    assert _safety(completed.stdout) == {("migrations/versions/r3.py", 9, "DBL503")}


def test_flake8_plugin_reports_the_same_finding(tmp_path: Path) -> None:
    root = _project(tmp_path, "postgresql://db/app")
    completed = run_tool("flake8", "--select", "DBL", "migrations/versions/r2.py", cwd=root)
    assert (
        "migrations/versions/r2.py:9:5: DBL501 op.create_index builds ix_items_id on existing table items"
        in completed.stdout
    )


def test_rule_command_explains_the_safe_way(tmp_path: Path) -> None:
    completed = run_tool("dblint", "rule", "DBL501", cwd=tmp_path)
    assert completed.returncode == 0
    assert (
        "postgresql_concurrently=True" in completed.stdout
        and "autocommit_block()" in completed.stdout
    )
    assert "### Use instead" in completed.stdout


def test_names_with_semicolons_keep_the_hint_whole(tmp_path: Path) -> None:
    """The hint is its own part of a finding, never split back off the message at `; `."""
    create = (
        '    op.create_table("orders; archive", sa.Column("id", sa.Integer(), primary_key=True),'
        ' sa.Column("paid; at", sa.DateTime()))'
    )
    change = (
        '    op.create_index("ix_paid", "orders; archive", ["paid; at"])\n'
        '    op.alter_column("orders; archive", "paid; at", nullable=False)'
    )
    files = {
        "alembic.ini": "[alembic]\nscript_location = migrations\nsqlalchemy.url = postgresql://db/app\n",
        "migrations/env.py": "from alembic import context\n",
        "migrations/versions/r1.py": _REVISION.format(rev="r1", down="None", body=create),
        "migrations/versions/r2.py": _REVISION.format(rev="r2", down='"r1"', body=change),
    }
    root = write_project(tmp_path / "proj", files, '[tool.dblint]\nextend-select = ["DBL506"]\n')
    lines = run_tool("dblint", "check", "migrations/versions/r2.py", cwd=root).stdout.splitlines()
    assert lines[:2] == [
        "migrations/versions/r2.py:9:5: DBL501 op.create_index builds ix_paid on existing table orders; archive "
        "with a SHARE lock that blocks every write to orders; archive until the build ends; no automatic fix: "
        "upgrade() does more in the same transaction (line 10); pass postgresql_concurrently=True inside "
        "`with op.get_context().autocommit_block():`",
        "migrations/versions/r2.py:10:5: DBL506 op.alter_column sets orders; archive.paid; at NOT NULL, which "
        "scans the whole table under an ACCESS EXCLUSIVE lock; first add CHECK (paid; at IS NOT NULL) NOT VALID "
        "and VALIDATE CONSTRAINT it",
    ]


def test_computed_names_are_said_to_be_computed() -> None:
    """Names a migration computes at run time (fief's and tracecat's tenant prefixes) are never
    printed as the template (`{}events`) or as `?`."""
    completed = run_tool("dblint", "check", ".", cwd=FIXTURES / "pg_computed_names")
    messages = [line.split(" ", 2)[2] for line in completed.stdout.splitlines() if " DBL5" in line]
    assert len(messages) == 9
    assert not [message for message in messages if "{}" in message or "?" in message]
    assert (
        "op.create_index builds an index with a computed name on an existing table with a computed name "
        "with a SHARE lock that blocks every write to it until the build ends" in messages[0]
    )
    assert "changes column id of a table with a computed name from sa.Integer()" in messages[3]
    assert "renames table accounts to a computed name while model Account" in messages[-1]


def test_commit_ends_the_transaction_only_for_drivers_that_begin_no_new_one(tmp_path: Path) -> None:
    """After `op.execute("COMMIT")` psycopg2 (the default driver) runs a concurrent build outside any
    transaction; psycopg 3 begins a new one, where PostgreSQL still refuses it."""
    revision = "migrations/versions/0002_commit_then_concurrently.py"
    default = run_tool("dblint", "check", revision, cwd=FIXTURES / "pg_safety_lookalikes")
    assert _safety(default.stdout) == set()
    root = tmp_path / "psycopg3"
    shutil.copytree(FIXTURES / "pg_safety_lookalikes", root)
    ini = root / "alembic.ini"
    ini.write_text(ini.read_text().replace("postgresql://", "postgresql+psycopg://"))
    lines = run_tool("dblint", "check", revision, cwd=root).stdout.splitlines()
    assert _safety("\n".join(lines)) == {(revision, 16, "DBL502"), (revision, 17, "DBL502")}
    assert (
        "op.create_index of ix_accounts_email with postgresql_concurrently=True runs inside a transaction the "
        "driver begins again after the revision's COMMIT, where PostgreSQL refuses it" in lines[0]
    )


def test_constraint_named_through_a_constant_is_named() -> None:
    revision = "migrations/versions/0007_named_by_constant.py"
    completed = run_tool("dblint", "check", revision, cwd=FIXTURES / "pg_safety_lookalikes")
    assert (
        "adds validated foreign key fk__grants__account_id__accounts on existing table"
        in completed.stdout
    )


_PG_ENV = """from alembic import context
from sqlalchemy import create_engine

config = context.config
with create_engine(config.get_main_option("sqlalchemy.url")).connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
"""


@pytest.mark.xdist_group("postgres")  # the worker of test_postgres_fk.py: one cluster
@pytest.mark.parametrize(
    ("initial", "outside", "inside"),
    [
        ("0008", "0009_autocommit_connection.py", "0010_other_isolation_level.py"),
        ("0019", "0020_new_connection_in_autocommit.py", "0021_new_connection_other_level.py"),
    ],
    ids=["committed-connection", "new-connection"],
)
def test_concurrent_builds_outside_a_transaction_agree_with_postgresql(
    tmp_path: Path, postgres_url: str, initial: str, outside: str, inside: str
) -> None:
    """letta: `connection.commit()` then `connection.execution_options(isolation_level=
    "AUTOCOMMIT")` runs the concurrent builds outside any transaction (no DBL502); another
    isolation level keeps the transaction, and PostgreSQL refuses the build (DBL502). onyx:
    after `bind.commit()`, `with bind.engine.connect().execution_options(isolation_level=
    "AUTOCOMMIT") as conn:` (or such a connection held in a name) is a new connection outside
    any transaction (no DBL502); a new connection given another isolation level begins a
    transaction of its own, which PostgreSQL refuses the build in (DBL502)."""
    versions = FIXTURES / "pg_safety_lookalikes" / "migrations" / "versions"
    initial_revision = _REVISION.format(
        rev=initial,
        down="None",
        body="\n".join(
            f'    op.create_table("{table}", sa.Column("{column}", sa.Integer()))'
            for table, column in (("accounts", "name"), ("entries", "account_id"))
        )
        + '\n    op.create_table("grants", sa.Column("account_id", sa.Integer()))',
    )
    url = _own_database(postgres_url, f"concurrent_{uuid.uuid4().hex}")
    files = {
        "alembic.ini": f"[alembic]\nscript_location = migrations\nsqlalchemy.url = {url}\n",
        "migrations/env.py": _PG_ENV,
        f"migrations/versions/{initial}_tables.py": initial_revision,
        f"migrations/versions/{outside[:4]}.py": (versions / outside).read_text(),
        f"migrations/versions/{inside[:4]}.py": (versions / inside).read_text(),
    }
    root = write_project(tmp_path / "pg", files)
    reported = finding_set(run_tool("dblint", "check", ".", cwd=root).stdout)
    assert {(path, code) for path, _, code in reported} == {
        (f"migrations/versions/{inside[:4]}.py", "DBL502")
    }
    upgraded = run_tool("alembic", "upgrade", outside[:4], cwd=root)
    assert upgraded.returncode == 0, upgraded.stderr
    refused = run_tool("alembic", "upgrade", inside[:4], cwd=root)
    assert refused.returncode != 0
    assert "cannot run inside a transaction block" in refused.stderr


def _own_database(postgres_url: str, name: str) -> str:
    """A new, empty database in the test cluster, and its URL."""
    psycopg = pytest.importorskip("psycopg")
    server = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return postgres_url.replace("@/postgres?", f"@/{name}?")


@pytest.mark.xdist_group("postgres")  # the worker of test_postgres_fk.py: one cluster
def test_rebound_connections_agree_with_postgresql(tmp_path: Path, postgres_url: str) -> None:
    """A connection switched to AUTOCOMMIT after a commit, then a name bound again: every
    `op.get_bind()` is Alembic's one connection, still outside any transaction (so are `op.*`
    operations and `conn = conn.execution_options(...)`), while a name bound to a connection of
    its own (annotated, walrus, `with ... as`) runs in that connection's transaction (DBL502).
    A helper of the revision called after the switch runs outside it too; one called before the
    switch, or after the switch of a connection of its own, runs in Alembic's transaction (DBL502)."""
    versions = FIXTURES / "pg_safety_lookalikes" / "migrations" / "versions"
    initial = _REVISION.format(
        rev="0012",
        down="None",
        body='    op.create_table("accounts", sa.Column("email", sa.String()), sa.Column("name", sa.String()))\n'
        + "\n".join(
            f'    op.create_table("{table}", sa.Column("account_id", sa.Integer()))'
            for table in ("entries", "grants")
        ),
    )
    revisions = {
        "0013": "0013_alembic_connection_rebound.py",
        "0014": "0014_switched_connection_reassigned.py",
        "0015": "0015_name_rebound_to_new_connection.py",
        "0016": "0016_helper_after_switch.py",
        "0017": "0017_helper_before_switch.py",
        "0018": "0018_helper_after_other_switch.py",
    }
    files = {
        "alembic.ini": f"[alembic]\nscript_location = migrations\nsqlalchemy.url = {postgres_url}\n",
        "migrations/env.py": _PG_ENV,
        "migrations/versions/0012_tables.py": initial,
        **{
            f"migrations/versions/{rev}.py": (versions / name).read_text()
            for rev, name in revisions.items()
        },
    }
    files["alembic.ini"] = files["alembic.ini"].replace(
        postgres_url, _own_database(postgres_url, f"rebound_{uuid.uuid4().hex}")
    )  # a database of its own: other tests make tables of these names
    root = write_project(tmp_path / "pg", files)
    reported = finding_set(run_tool("dblint", "check", ".", cwd=root).stdout)
    assert reported == {
        *(("migrations/versions/0015.py", line, "DBL502") for line in (19, 21, 23)),
        ("migrations/versions/0017.py", 13, "DBL502"),
        ("migrations/versions/0018.py", 13, "DBL502"),
    }
    # One upgrade each: a switched connection ends with its process. A refused revision is
    # stamped as done, so that the next one runs alone.
    for rev in ("0013", "0014", "0015", "0016", "0017", "0018"):
        upgraded = run_tool("alembic", "upgrade", rev, cwd=root)
        if rev in ("0013", "0014", "0016"):
            assert upgraded.returncode == 0, upgraded.stderr
            continue
        assert upgraded.returncode != 0, rev
        assert "cannot run inside a transaction block" in upgraded.stderr
        stamped = run_tool("alembic", "stamp", rev, cwd=root)
        assert stamped.returncode == 0, stamped.stderr


# (old type, new type) as autogenerate writes them: one PostgreSQL type spelled two ways, and
# real changes (the time zone, the integer's width).
_TYPE_PAIRS = [
    ("postgresql.TIMESTAMP()", "sa.DateTime()"),
    ("sa.DateTime(timezone=True)", "postgresql.TIMESTAMP(timezone=True)"),
    ("sa.BIGINT()", "sa.BigInteger()"),
    ("sa.SmallInteger()", "sa.SMALLINT()"),
    ("postgresql.TIMESTAMP(timezone=True)", "sa.DateTime()"),
    ("sa.BIGINT()", "sa.Integer()"),
    ("sa.Integer()", "sa.BigInteger()"),
    # faraday: `FLOAT(p)` is `real` up to p = 24, `double precision` above and without p
    ("sa.REAL()", "sa.Float(precision=3, asdecimal=True)"),
    ("sa.REAL()", "sa.Float()"),
    ("sa.Float()", "postgresql.DOUBLE_PRECISION()"),
    ("sa.Float(24)", "postgresql.REAL()"),
    ("sa.Float(25)", "sa.Double()"),
    ("sa.Float(24)", "sa.Float(25)"),
    ("postgresql.DOUBLE_PRECISION()", "sa.REAL()"),
    ("postgresql.DOUBLE_PRECISION(53)", "sa.Float()"),
    # phoenix: a `with_variant` chain is what its PostgreSQL variant is (JSONB to JSON rewrites),
    # and reported as unknown when its last variant is another database's
    (
        'sa.JSON().with_variant(sa.Text(), "sqlite").with_variant(postgresql.JSONB(), "postgresql")',
        "sa.JSON()",
    ),
    ('sa.Text().with_variant(sa.String(50), "postgresql")', "sa.String(100)"),
    (
        'sa.JSON().with_variant(postgresql.JSONB(), "postgresql").with_variant(sa.Text(), "sqlite")',
        "sa.JSON()",
    ),
]


# A table a revision creates in raw SQL: its columns' types as PostgreSQL spells them.
_SQL_TYPE_PAIRS = [
    ("VARCHAR(50)", "sa.String(100)"),
    ("character varying(50)", "sa.String(20)"),
    ("INTEGER", "sa.BigInteger()"),
    ("SERIAL", "sa.Integer()"),
    ("TIMESTAMP WITH TIME ZONE", "sa.DateTime(timezone=True)"),
    ("TIMESTAMP", "sa.DateTime(timezone=True)"),
    ("NUMERIC(10, 2)", "sa.Numeric(12, 2)"),
    ("NUMERIC(10, 2)", "sa.Numeric(12, 4)"),
    ("TEXT", "sa.String()"),
    ("BOOLEAN", "sa.Boolean()"),
    ("INT8", "sa.BigInteger()"),
]
_HEADER = (
    "from alembic import op\nimport sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql\n"
)


def _type_changes(tmp_path: Path, name: str, create: str, alters: list[str]) -> dict[int, str]:
    """DBL504's messages by alter (0-based) when revision r2 runs `alters` on r1's table `t`."""
    files = {
        "alembic.ini": "[alembic]\nscript_location = migrations\nsqlalchemy.url = postgresql://x@h/db\n",
        "migrations/env.py": "from alembic import context\n",
        "migrations/versions/r1.py": _HEADER
        + f'revision = "r1"\ndown_revision = None\n\n\ndef upgrade():\n{create}\n',
        "migrations/versions/r2.py": _HEADER
        + 'revision = "r2"\ndown_revision = "r1"\n\n\ndef upgrade():\n'
        + "".join(f"    {alter}\n" for alter in alters),
    }
    root = write_project(tmp_path / name, files)
    lines = run_tool("dblint", "check", ".", cwd=root).stdout.splitlines()
    # r2.py: the alter_column calls start at line 9 (3 imports, 2 revision lines, 2 blank, `def`)
    return {int(line.split(":")[1]) - 9: line for line in lines if " DBL504 " in line}


def _rewritten(connection: Any, prefix: str, pairs: list[tuple[str, str]]) -> set[int]:
    """The pairs whose type change PostgreSQL does by rewriting the table (a new file)."""
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql

    names = {"sa": sa, "postgresql": postgresql}
    rewritten = set()
    for number, (old, new) in enumerate(pairs):
        old_type = old if prefix == "sql" else _compiled(eval(old, names), connection)
        new_type = _compiled(eval(new, names), connection)  # our own literals above
        table = f"{prefix}_{number}"
        connection.exec_driver_sql(f"CREATE TABLE {table} (c {old_type})")
        before = _file_node(connection, table)
        connection.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN c TYPE {new_type}")
        if _file_node(connection, table) != before:
            rewritten.add(number)
    return rewritten


def _compiled(type_: Any, connection: Any) -> str:
    return str(type_.compile(dialect=connection.dialect))


@pytest.mark.xdist_group("postgres")  # the worker of test_postgres_fk.py: one cluster
def test_type_changes_reported_are_the_ones_postgresql_rewrites(
    tmp_path: Path, postgres_url: str
) -> None:
    """letta: `existing_type=postgresql.TIMESTAMP(timezone=True)` to `sa.DateTime()` is a rewrite,
    and the message shows the time zone; `postgresql.TIMESTAMP()` to `sa.DateTime()` is the same
    type. faraday: `sa.REAL()` to `sa.Float(precision=3)` is the same type (`FLOAT(3)` is `real`).
    Without `existing_type=`, the old type is the one the replayed migrations wrote, sizes and
    time zone included (`sa.String(50)` to `sa.String(50)` was called a change of unknown size,
    `sa.Integer()` to `sa.INTEGER()` a rewrite), also from a raw `CREATE TABLE`.
    PostgreSQL (session time zone not UTC) rewrites exactly the tables dblint reports."""
    columns = "".join(
        f'        sa.Column("c{number}", {old}),\n' for number, (old, _) in enumerate(_TYPE_PAIRS)
    )
    create = f'    op.create_table(\n        "t",\n{columns}    )'
    alter = 'op.alter_column("t", "c{}", type_={}{})'
    declared = _type_changes(
        tmp_path,
        "declared",
        create,
        [
            alter.format(n, new, f", existing_type={old}")
            for n, (old, new) in enumerate(_TYPE_PAIRS)
        ],
    )
    replayed = _type_changes(
        tmp_path,
        "replayed",
        create,
        [alter.format(n, new, "") for n, (_, new) in enumerate(_TYPE_PAIRS)],
    )
    sql_columns = ", ".join(f"c{number} {old}" for number, (old, _) in enumerate(_SQL_TYPE_PAIRS))
    from_sql = _type_changes(
        tmp_path,
        "sql",
        f'    op.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, {sql_columns})")',
        [alter.format(n, new, "") for n, (_, new) in enumerate(_SQL_TYPE_PAIRS)],
    )
    assert "from postgresql.TIMESTAMP(timezone=True) to sa.DateTime()" in declared[4]
    assert (
        "from postgresql.JSONB() (the PostgreSQL variant of sa.JSON) to sa.JSON()" in declared[15]
    )
    assert "dblint cannot tell its current type on PostgreSQL" in declared[17]
    assert (
        "(no reads or writes) unless the migration's session runs with TimeZone UTC" in declared[4]
    )
    assert "changes t.c6 from sa.Integer() to sa.BigInteger(), which rewrites" in replayed[6]
    assert "changes t.c2 from INTEGER to sa.BigInteger(), which rewrites" in from_sql[2]
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("SET TimeZone = 'Europe/Paris'")
        rewritten = _rewritten(connection, "types", _TYPE_PAIRS)
        sql_rewritten = _rewritten(connection, "sql", _SQL_TYPE_PAIRS)
        # The time-zone change back is done in place when the session's time zone is UTC.
        connection.exec_driver_sql("SET TimeZone = 'UTC'")
        before = _file_node(connection, "types_4")
        connection.exec_driver_sql("ALTER TABLE types_4 ALTER COLUMN c TYPE timestamptz")
        assert _file_node(connection, "types_4") == before
    assert rewritten == {4, 5, 6, 8, 12, 13, 15, 17}
    assert set(declared) == rewritten
    assert set(replayed) == rewritten
    assert sql_rewritten == {1, 2, 5, 7}
    assert set(from_sql) == sql_rewritten


def _file_node(connection: Any, table: str) -> int:
    """The table's file: a new one when PostgreSQL rewrote the table."""
    query = f"SELECT relfilenode FROM pg_class WHERE relname = '{table}'"
    return int(connection.exec_driver_sql(query).scalar())


def test_a_type_change_to_a_library_type_says_its_sql_type_is_not_read() -> None:
    """funnel's `UrlType()` (a TEXT underneath): dblint cannot tell a rewrite from a widening in place,
    and says so instead of claiming the rewrite; SQLAlchemy's own types are still judged."""
    revision = "migrations/versions/0006_widen_types.py"
    completed = run_tool("dblint", "check", revision, cwd=FIXTURES / "pg_safety_lookalikes")
    lines = completed.stdout.splitlines()
    [library] = [line for line in lines if ":25:5: DBL504" in line]
    assert (
        "changes the type of accounts.name to URLType(), whose SQL type dblint cannot read "
        "(a library's or the project's type); unless that is a widening PostgreSQL does in place"
    ) in library
    [own] = [line for line in lines if ":23:5: DBL504" in line]
    assert "changes accounts.name from sa.Text() to sa.String(80), which rewrites the table" in own


def test_concurrent_sql_and_spatial_indexes_are_named_as_called() -> None:
    """A concurrent statement run through the connection is named by the call as written, not
    `op.execute()`; GeoAlchemy2's spatial index operations are index builds and drops too."""
    revision = "migrations/versions/0012_driver_sql_and_spatial.py"
    completed = run_tool("dblint", "check", revision, cwd=FIXTURES / "pg_safety_lookalikes")
    lines = [line for line in completed.stdout.splitlines() if "DBL50" in line]
    assert {line.split(":")[1] for line in lines} == {"15", "16", "17", "19", "20", "21"}
    assert (
        "DBL502 bind.exec_driver_sql() of CREATE INDEX CONCURRENTLY ix_entries_by_account"
        in lines[0]
    )
    assert (
        "DBL502 op.get_bind().execute() of DROP INDEX CONCURRENTLY ix_entries_by_account"
        in lines[1]
    )
    assert "DBL501 op.create_geospatial_index builds ix_accounts_spot on existing table" in lines[2]
    assert "DBL501 batch_op.create_geospatial_index builds ix_grants_spot" in lines[3]
    assert "DBL502 op.drop_geospatial_index of ix_accounts_spot" in lines[5]
    assert "op.execute()" not in completed.stdout


def test_an_autocommit_switch_without_a_commit_keeps_the_transaction(tmp_path: Path) -> None:
    """The look-alike of letta's shape: without `connection.commit()` first, Alembic's transaction
    is still open when the isolation level is switched, so the concurrent build is still DBL502."""
    body = (
        "    connection = op.get_bind()\n"
        '    outside = connection.execution_options(isolation_level="AUTOCOMMIT")\n'
        '    outside.exec_driver_sql("CREATE INDEX CONCURRENTLY ix_entries_account ON entries (account_id)")\n'
    )
    root = write_project(
        tmp_path / "pg",
        {
            "alembic.ini": "[alembic]\nscript_location = migrations\nsqlalchemy.url = postgresql:///x\n",
            "migrations/env.py": "from alembic import context\n",
            "migrations/versions/0001.py": _REVISION.format(
                rev="0001",
                down="None",
                body='    op.create_table("entries", sa.Column("account_id", sa.Integer()))',
            ),
            "migrations/versions/0002.py": _REVISION.format(rev="0002", down='"0001"', body=body),
        },
    )
    reported = finding_set(run_tool("dblint", "check", ".", cwd=root).stdout)
    assert {(path, code) for path, _, code in reported} == {
        ("migrations/versions/0002.py", "DBL502")
    }


def test_a_with_variant_type_is_read_as_postgresql_gets_it() -> None:
    """phoenix: `JSON().with_variant(JSONB(), "postgresql").with_variant(..., "sqlite")` keeps only the
    last call's arguments, so its PostgreSQL type is unknown and the finding says so; a chain whose last
    `with_variant` names "postgresql" is judged on that variant, never on sizes read from it."""
    revision = "migrations/versions/0019_variant_types.py"
    completed = run_tool("dblint", "check", revision, cwd=FIXTURES / "pg_safety_lookalikes")
    lines = [line for line in completed.stdout.splitlines() if " DBL504 " in line]
    assert [line.split(":")[1] for line in lines] == ["25", "27", "29"]
    assert (
        "changes accounts.document from postgresql.JSONB() (the PostgreSQL variant of sa.JSON) to "
        "sa.JSON(), which rewrites the table"
    ) in lines[0]
    assert (
        "changes the type of accounts.settings to sa.JSON(); dblint cannot tell its current type on "
        'PostgreSQL (existing_type=sa.JSON(...).with_variant(...).with_variant(..., "sqlite") is a '
        'variant it cannot read: only a last with_variant() naming "postgresql" is read)'
    ) in lines[1]
    assert (
        'changes the type of accounts.motto to sa.JSON(...).with_variant(...).with_variant(..., "sqlite"), '
        "a variant whose type on PostgreSQL dblint cannot read"
    ) in lines[2]
