"""Table-driven tests for dblint.sql.statements: DDL must be found, look-alikes must not."""

from __future__ import annotations

import signal

import pytest

from dblint.sql.statements import (
    ALTER_TABLE,
    CREATE_INDEX,
    CREATE_SCHEMA,
    CREATE_SEQUENCE,
    CREATE_TABLE,
    CREATE_TEMP_TABLE,
    CREATE_TYPE,
    CREATE_VIEW,
    DROP_INDEX,
    DROP_SCHEMA,
    DROP_SEQUENCE,
    DROP_TABLE,
    DROP_TYPE,
    DROP_VIEW,
    RENAME_TABLE,
    SqlColumn,
    SqlStatement,
    alter_table_actions,
    classify_sql,
    is_sql,
)


def found(text: str) -> list[tuple[str, str | None]]:
    return [(statement.kind, statement.name) for statement in classify_sql(text)]


MUST_MATCH = [
    (
        "CREATE FUNCTION purge() RETURNS trigger AS $$BODY$$ BEGIN DROP TABLE scratch; END "
        "$$BODY$$ LANGUAGE plpgsql;\nCREATE TABLE purge_log (id int)",
        [(CREATE_TABLE, "purge_log")],
    ),
    # --- PostgreSQL CREATE TABLE -------------------------------------------
    ("CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL)", [(CREATE_TABLE, "users")]),
    ("create table users (id integer primary key)", [(CREATE_TABLE, "users")]),
    (
        "CREATE TABLE IF NOT EXISTS audit_log (id bigserial, payload jsonb)",
        [(CREATE_TABLE, "audit_log")],
    ),
    (
        "CREATE UNLOGGED TABLE cache_entries (key text PRIMARY KEY, value bytea)",
        [(CREATE_TABLE, "cache_entries")],
    ),
    ("CREATE TABLE public.orders (id uuid PRIMARY KEY)", [(CREATE_TABLE, "public.orders")]),
    ('CREATE TABLE "public"."Order Items" (id int)', [(CREATE_TABLE, "public.Order Items")]),
    ('CREATE TABLE "we""ird" (id int)', [(CREATE_TABLE, 'we"ird')]),
    ("CREATE TABLE report AS SELECT * FROM orders", [(CREATE_TABLE, "report")]),
    ("CREATE TABLE report AS (SELECT 1)", [(CREATE_TABLE, "report")]),
    ("CREATE UNLOGGED TABLE IF NOT EXISTS snap AS TABLE orders", [(CREATE_TABLE, "snap")]),
    ("CREATE TABLE t (a, b) AS SELECT 1, 2", [(CREATE_TABLE, "t")]),
    (
        "CREATE TABLE report_2024 PARTITION OF report FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
        [(CREATE_TABLE, "report_2024")],
    ),
    ("CREATE OR REPLACE TABLE t (id INTEGER)", [(CREATE_TABLE, "t")]),
    ("CREATE TABLE events (status mood NOT NULL)", [(CREATE_TABLE, "events")]),
    ("CREATE TABLE copy_of_users (LIKE users INCLUDING ALL)", [(CREATE_TABLE, "copy_of_users")]),
    ("CREATE TABLE t(id int)", [(CREATE_TABLE, "t")]),
    # --- temp tables ---------------------------------------------------------
    ("CREATE TEMP TABLE tmp_ids (id int)", [(CREATE_TEMP_TABLE, "tmp_ids")]),
    ("create temporary table tmp AS SELECT 1", [(CREATE_TEMP_TABLE, "tmp")]),
    ("CREATE GLOBAL TEMPORARY TABLE scratch (id int)", [(CREATE_TEMP_TABLE, "scratch")]),
    ("CREATE TEMPORARY TABLE IF NOT EXISTS t LIKE users", [(CREATE_TEMP_TABLE, "t")]),
    # --- placeholders --------------------------------------------------------
    ("CREATE TABLE {} (id int)", [(CREATE_TABLE, "{}")]),
    ("CREATE TABLE IF NOT EXISTS %s (id serial)", [(CREATE_TABLE, "%s")]),
    ("CREATE TABLE %(table)s (id serial)", [(CREATE_TABLE, "%(table)s")]),
    ("CREATE TABLE {table_name} (id int)", [(CREATE_TABLE, "{table_name}")]),
    ("CREATE TABLE {0} (id int)", [(CREATE_TABLE, "{0}")]),
    ("CREATE TABLE app_{} (id int)", [(CREATE_TABLE, "app_{}")]),
    ("CREATE TABLE {}.users (id int)", [(CREATE_TABLE, "{}.users")]),
    ("CREATE TABLE :name (id int)", [(CREATE_TABLE, ":name")]),
    ("CREATE TABLE {} ({})", [(CREATE_TABLE, "{}")]),
    ("CREATE TABLE ${schema}.events (id int)", [(CREATE_TABLE, "${schema}.events")]),
    ("DROP TABLE IF EXISTS `{}`", [(DROP_TABLE, "{}")]),
    ("CREATE TABLE t (id {} PRIMARY KEY)", [(CREATE_TABLE, "t")]),
    # --- layout, comments, truncated templates -------------------------------
    (
        "\n    CREATE TABLE users (\n        id SERIAL PRIMARY KEY,\n        name VARCHAR(100)\n    )\n",
        [(CREATE_TABLE, "users")],
    ),
    ("-- schema bootstrap\nCREATE TABLE t (id int)", [(CREATE_TABLE, "t")]),
    ("/* setup */ CREATE /* inline */ TABLE t (id int)", [(CREATE_TABLE, "t")]),
    ("CREATE\n\tTABLE\n  t\n(\n id int\n)", [(CREATE_TABLE, "t")]),
    ("CREATE TABLE t (\n  id int,\n", [(CREATE_TABLE, "t")]),
    ("CREATE TABLE t (", [(CREATE_TABLE, "t")]),
    # --- MySQL ---------------------------------------------------------------
    (
        (
            "CREATE TABLE `users` (`id` INT NOT NULL AUTO_INCREMENT, PRIMARY KEY (`id`)) "
            "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        ),
        [(CREATE_TABLE, "users")],
    ),
    ("CREATE TABLE `shop`.`items` (id int, KEY idx_id (id))", [(CREATE_TABLE, "shop.items")]),
    ("CREATE TABLE new_users LIKE users", [(CREATE_TABLE, "new_users")]),
    ("CREATE TABLE archive SELECT * FROM orders", [(CREATE_TABLE, "archive")]),
    # --- SQLite / SQL Server -------------------------------------------------
    (
        "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT)",
        [(CREATE_TABLE, "notes")],
    ),
    ("CREATE TABLE [dbo].[Users] ([Id] INT NOT NULL)", [(CREATE_TABLE, "dbo.Users")]),
    # --- ALTER TABLE -----------------------------------------------------------
    ("ALTER TABLE users ADD COLUMN age int", [(ALTER_TABLE, "users")]),
    ("alter table users drop column age", [(ALTER_TABLE, "users")]),
    (
        "ALTER TABLE IF EXISTS ONLY public.users ALTER COLUMN name SET NOT NULL",
        [(ALTER_TABLE, "public.users")],
    ),
    ("ALTER TABLE users RENAME TO customers", [(ALTER_TABLE, "users")]),
    ("ALTER TABLE `users` MODIFY `name` varchar(50)", [(ALTER_TABLE, "users")]),
    ("ALTER TABLE {} ADD COLUMN {} {}", [(ALTER_TABLE, "{}")]),
    ("ALTER TABLE t OWNER TO admin", [(ALTER_TABLE, "t")]),
    (
        "ALTER TABLE measurements ATTACH PARTITION m2024 FOR VALUES IN (2024)",
        [(ALTER_TABLE, "measurements")],
    ),
    # --- DROP TABLE ------------------------------------------------------------
    ("DROP TABLE users", [(DROP_TABLE, "users")]),
    ("DROP TABLE IF EXISTS a, b CASCADE", [(DROP_TABLE, "a")]),
    ("drop table if exists `legacy`;", [(DROP_TABLE, "legacy")]),
    ("DROP TABLE {}", [(DROP_TABLE, "{}")]),
    ("DROP TABLE ?", [(DROP_TABLE, "?")]),
    ("DROP TEMPORARY TABLE IF EXISTS tmp", [(DROP_TABLE, "tmp")]),
    ("DROP TABLE users -- only in tests", [(DROP_TABLE, "users")]),
    # --- indexes ---------------------------------------------------------------
    ("CREATE INDEX ix_users_email ON users (email)", [(CREATE_INDEX, "ix_users_email")]),
    (
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ux ON public.users USING btree (lower(email))",
        [(CREATE_INDEX, "ux")],
    ),
    ("CREATE INDEX ON users (email)", [(CREATE_INDEX, None)]),
    ("create index idx_name on t(name)", [(CREATE_INDEX, "idx_name")]),
    ("DROP INDEX CONCURRENTLY IF EXISTS ix_users_email", [(DROP_INDEX, "ix_users_email")]),
    ("DROP INDEX idx ON users", [(DROP_INDEX, "idx")]),
    # --- views -----------------------------------------------------------------
    (
        "CREATE VIEW active_users AS SELECT * FROM users WHERE active",
        [(CREATE_VIEW, "active_users")],
    ),
    ("CREATE OR REPLACE VIEW v (a, b) AS SELECT 1, 2", [(CREATE_VIEW, "v")]),
    (
        "CREATE MATERIALIZED VIEW IF NOT EXISTS stats AS SELECT count(*) FROM t",
        [(CREATE_VIEW, "stats")],
    ),
    ("CREATE TEMP VIEW tv AS SELECT 1", [(CREATE_VIEW, "tv")]),
    (
        "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW v AS SELECT 1",
        [(CREATE_VIEW, "v")],
    ),
    ("DROP VIEW IF EXISTS active_users", [(DROP_VIEW, "active_users")]),
    ("DROP MATERIALIZED VIEW stats CASCADE", [(DROP_VIEW, "stats")]),
    # --- types, sequences, schemas, rename --------------------------------------
    ("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')", [(CREATE_TYPE, "mood")]),
    ("CREATE TYPE inventory_item AS (name text, price numeric)", [(CREATE_TYPE, "inventory_item")]),
    ("DROP TYPE IF EXISTS mood", [(DROP_TYPE, "mood")]),
    ("CREATE SEQUENCE order_seq START 100", [(CREATE_SEQUENCE, "order_seq")]),
    ("CREATE SEQUENCE IF NOT EXISTS invoice_seq", [(CREATE_SEQUENCE, "invoice_seq")]),
    ("DROP SEQUENCE order_seq", [(DROP_SEQUENCE, "order_seq")]),
    ("CREATE SCHEMA IF NOT EXISTS analytics", [(CREATE_SCHEMA, "analytics")]),
    ('CREATE SCHEMA "Tenant_1" AUTHORIZATION app', [(CREATE_SCHEMA, "Tenant_1")]),
    ("DROP SCHEMA analytics CASCADE", [(DROP_SCHEMA, "analytics")]),
    ("RENAME TABLE old_users TO users, a TO b", [(RENAME_TABLE, "old_users")]),
    # --- multi-statement strings -------------------------------------------------
    (
        "DROP TABLE IF EXISTS t; CREATE TABLE t (id int);",
        [(DROP_TABLE, "t"), (CREATE_TABLE, "t")],
    ),
    ("BEGIN; CREATE TABLE t (id int); COMMIT;", [(CREATE_TABLE, "t")]),
    ("SET search_path TO app; CREATE INDEX ix ON t (a)", [(CREATE_INDEX, "ix")]),
    ("SELECT 1; DROP TABLE users", [(DROP_TABLE, "users")]),
    (
        "CREATE TABLE a (id int);\nCREATE TEMP TABLE b (id int);\nALTER TABLE a ADD COLUMN x int;",
        [(CREATE_TABLE, "a"), (CREATE_TEMP_TABLE, "b"), (ALTER_TABLE, "a")],
    ),
]


LOOK_ALIKES = [
    # prose, log and exception messages
    "could not create table users",
    "Failed to create table users",
    "we CREATE TABLE users (sic) later",
    "Note: DROP TABLE is dangerous",
    "You can CREATE TABLE with the --init flag",
    "Please run: DROP TABLE users;",
    "Don't create table in production; use migrations",
    "Error: CREATE TABLE statement failed",
    "CREATE TABLE statements are generated by Alembic",
    "create table failed: permission denied",
    "CREATE TABLE failed",
    "DROP TABLE failed",
    "drop table users failed",
    "DROP TABLE users? [y/N]",
    "DROP TABLE users WHERE id = 1",
    "Alter table users failed",
    "ALTER TABLE is not supported on SQLite",
    "Table users created successfully",
    "Table 'users' already exists",
    'psycopg2.errors.DuplicateTable: relation "users" already exists',
    "ERROR:  permission denied for schema public",
    "Dropping table %s",
    "Creating table %s ...",
    "create index failed",
    "DROP INDEX is slow on big tables",
    "create schema migration failed",
    # sentence-cased titles and help text
    "Create table users (if missing)",
    "Create table users (id int)",
    "Drop table users",
    "Create table",
    "Create Table",
    "Create sequence diagram",
    "Drop schema changes",
    "Create index on email column",
    "Create view for reports",
    "Usage: dblint [--drop] create table NAME",
    # incomplete or malformed statements
    "CREATE TABLE",
    "create table",
    "CREATE TABLE users",
    "CREATE TABLE  -- create the users table",
    "CREATE TABLE IF NOT EXISTS",
    "CREATE TABLE users (sic)",
    "CREATE TABLE users (see docs)",
    "CREATE TABLE users (...)",
    "CREATE TABLE users (e.g. accounts)",
    "CREATE TABLE users (unique names only)",
    "create table users (name, email)",
    "create table users if not exists",
    "create table users as needed",
    "create table of contents",
    "create table from csv",
    "alter table users",
    "alter table users as needed",
    "drop table if exists",
    "drop the table",
    "Drop the users table",
    "DROP tables",
    "ALTER TABLE users; DROP",
    "create index on users",
    "drop index",
    "create view as admin",
    "drop view if needed",
    "create type mismatch",
    "Create type: string",
    "rename table in the UI",
    "Rename table to customers",
    "create unique table t (id int)",
    # Markdown, docstrings, paragraphs
    "# Create table users\n\nThis section explains the schema.",
    "`CREATE TABLE users (id int)`",
    "**DROP TABLE** removes data",
    "> CREATE TABLE users (id int)",
    "1. Create table users (id int)",
    "[create table] users",
    "The schema is:\nCREATE TABLE users (id int)",
    "Creates the table if it does not exist.\n\n    Args:\n        name: table name\n",
    "Create the users table.\n\nDROP TABLE users; is never executed.",
    # identifiers, data, URLs
    "create_table",
    "op.create_table",
    "drop_table_if_exists",
    '{"action": "create table", "table": "users"}',
    "https://example.com/docs/create-table",
    "/api/tables/drop",
    "",
    "   ",
    # DML and SQL that merely mentions DDL
    "SELECT * FROM create_table_log",
    "SELECT id FROM users WHERE action = 'CREATE TABLE x (id int)'",
    "INSERT INTO audit (event) VALUES ('DROP TABLE users')",
    "UPDATE jobs SET status = 'create table done'",
    "TRUNCATE TABLE users",
    "DELETE FROM users WHERE id = %s",
    "-- CREATE TABLE users (id int)\nSELECT 1",
    "/* DROP TABLE users; */ SELECT 1",
    "SELECT $$; DROP TABLE users; $$",
    # a PL/pgSQL body built with string.Template, where `$$BODY$$` is the dollar quote `$BODY$`
    "CREATE OR REPLACE FUNCTION purge() RETURNS trigger AS\n$$BODY$$\nBEGIN\n"
    "  CREATE TABLE PurgeList (Id int);\n  DROP TABLE PurgeList;\nEND\n$$BODY$$ LANGUAGE plpgsql;",
]


@pytest.mark.parametrize(("text", "expected"), MUST_MATCH)
def test_must_match(text: str, expected: list[tuple[str, str | None]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alike_is_not_ddl(text: str) -> None:
    assert classify_sql(text) == ()


def test_table_sizes() -> None:
    total = len(MUST_MATCH) + len(LOOK_ALIKES)
    assert total >= 100
    assert len(MUST_MATCH) * 2 >= total * 0.9  # roughly half each way
    assert len(LOOK_ALIKES) * 2 >= total


def test_offsets_point_at_statement_keyword() -> None:
    text = "-- x\nDROP TABLE a;\n  create table b (id int)"
    statements = classify_sql(text)
    assert [s.offset for s in statements] == [text.index("DROP"), text.index("create")]
    assert all(isinstance(s, SqlStatement) for s in statements)


@pytest.mark.parametrize(
    ("text", "table"),
    [
        ("CREATE INDEX ix ON users (email)", "users"),
        ('CREATE UNIQUE INDEX IF NOT EXISTS ux ON ONLY "app"."users" USING btree (a)', "app.users"),
        ("CREATE INDEX ON {}_rooms (room_id)", "{}_rooms"),
    ],
)
def test_create_index_names_its_table(text: str, table: str) -> None:
    """DBL103 leaves an index on the module's own temporary table alone, so it needs the table."""
    (statement,) = classify_sql(text)
    assert (statement.kind, statement.table) == (CREATE_INDEX, table)


def test_columns_postgres() -> None:
    (statement,) = classify_sql(
        """
        CREATE TABLE IF NOT EXISTS app.orders (
            id BIGSERIAL PRIMARY KEY,
            "Customer" uuid NOT NULL REFERENCES public.customers (id) ON DELETE CASCADE,
            total numeric(10, 2) DEFAULT 0,
            created_at timestamp with time zone NOT NULL DEFAULT now(),
            ratio double precision,
            age int CHECK (age IS NOT NULL),
            org_id int REFERENCES orgs,
            CONSTRAINT total_positive CHECK (total > 0),
            UNIQUE (id, "Customer")
        )
        """
    )
    assert statement.kind == CREATE_TABLE
    assert statement.name == "app.orders"
    assert statement.columns == (
        SqlColumn("id", "BIGSERIAL", nullable=False, primary_key=True, references=None),
        SqlColumn(
            "Customer", "UUID", nullable=False, primary_key=False, references="public.customers.id"
        ),
        SqlColumn("total", "NUMERIC(10, 2)", nullable=True, primary_key=False, references=None),
        SqlColumn(
            "created_at",
            "TIMESTAMP WITH TIME ZONE",
            nullable=False,
            primary_key=False,
            references=None,
        ),
        SqlColumn("ratio", "DOUBLE PRECISION", nullable=True, primary_key=False, references=None),
        SqlColumn("age", "INT", nullable=True, primary_key=False, references=None),
        SqlColumn("org_id", "INT", nullable=True, primary_key=False, references="orgs"),
    )


def test_columns_mysql_table_level_primary_key_and_indexes() -> None:
    (statement,) = classify_sql(
        "CREATE TABLE `t` (`id` int unsigned NOT NULL AUTO_INCREMENT, "
        "`name` VARCHAR(255) CHARACTER SET utf8mb4 NULL, key varchar(10), "
        "PRIMARY KEY (`id`), KEY `idx_name` (`name`), UNIQUE KEY uk (key)) ENGINE=InnoDB"
    )
    assert statement.columns == (
        SqlColumn("id", "INT UNSIGNED", nullable=False, primary_key=True, references=None),
        SqlColumn("name", "VARCHAR(255)", nullable=True, primary_key=False, references=None),
        SqlColumn("key", "VARCHAR(10)", nullable=True, primary_key=False, references=None),
    )


def test_columns_sqlite_and_placeholders() -> None:
    (statement,) = classify_sql(
        "CREATE TABLE {} (id INTEGER PRIMARY KEY, note, owner {} REFERENCES users(id))"
    )
    assert statement.name == "{}"
    assert statement.columns == (
        SqlColumn("id", "INTEGER", nullable=False, primary_key=True, references=None),
        SqlColumn("note", "", nullable=True, primary_key=False, references=None),
        SqlColumn("owner", "{}", nullable=True, primary_key=False, references="users.id"),
    )


def test_columns_empty_for_ctas_and_like() -> None:
    assert classify_sql("CREATE TABLE t AS SELECT 1")[0].columns == ()
    assert classify_sql("CREATE TABLE t LIKE s")[0].columns == ()


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM users",
        "select id, name from users where id = :id",
        "SELECT 1",
        "SELECT pg_advisory_lock(%s)",
        "INSERT INTO t (a, b) VALUES (%s, %s)",
        "INSERT INTO t VALUES (?)",
        "UPDATE users SET name = ? WHERE id = ?",
        "DELETE FROM sessions WHERE expires < now()",
        "WITH recent AS (SELECT 1) SELECT * FROM recent",
        "TRUNCATE TABLE events RESTART IDENTITY CASCADE",
        "MERGE INTO t USING s ON t.id = s.id",
        "  -- comment\nselect count(*) from t",
        "CREATE TABLE t (id int)",
        "CREATE TEMP TABLE t (id int)",
        "DROP INDEX ix",
    ],
)
def test_is_sql_true(text: str) -> None:
    assert is_sql(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello world",
        "SELECT",
        "Select a file from the list",
        "select the best option from the list",
        "Please select a row from the table",
        "Selected 3 rows from users",
        "Update your profile",
        "Update profile set to public",
        "Delete from cart",
        "insert into the box",
        "with care as always",
        "truncate long lines",
        "Merge into main",
        "create_table",
        "Failed to create table users",
    ],
)
def test_is_sql_false(text: str) -> None:
    assert is_sql(text) is False


def test_large_and_pathological_inputs_are_read_to_the_end() -> None:
    """Inputs that would make a backtracking reader quadratic or worse are read, and read right.
    No time is asserted (speed lives in benchmarks/); a regression to exponential time hangs,
    which the alarm turns into a failure instead of a stuck run."""
    texts = [
        ("CREATE TABLE t (" + "a int, " * 20000, True, ["create-table"]),
        ("CREATE TABLE t " + "(" * 50000, False, []),
        ("create " * 50000, False, []),
        ("DROP TABLE x; " * 5000, True, ["drop-table"] * 5000),
        ("CREATE TABLE t (a text DEFAULT '" + "''" * 20000, True, ["create-table"]),
        ("SELECT " + "{" * 50000 + " FROM t", True, []),
        ("create table /*" + " *" * 50000, False, []),
        ("prose mentioning create table " * 20000, False, []),
    ]
    previous = signal.signal(signal.SIGALRM, _hung)
    signal.alarm(300)
    try:
        for text, sql, kinds in texts:
            assert is_sql(text) is sql
            assert [statement.kind for statement in classify_sql(text)] == kinds
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _hung(signum: int, frame: object) -> None:
    raise AssertionError("the SQL reader did not finish a pathological input within 300 s")


@pytest.mark.parametrize(
    ("text", "actions"),
    [
        (
            "ALTER TABLE users ADD COLUMN note text DEFAULT 'a, b', DROP COLUMN legacy; SELECT 1, 2",
            ["ADD COLUMN note text DEFAULT 'a, b'", "DROP COLUMN legacy"],
        ),
        (
            "ALTER TABLE t ADD COLUMN sep text DEFAULT ';' NOT NULL",
            ["ADD COLUMN sep text DEFAULT ';' NOT NULL"],
        ),
        ('ALTER TABLE "order lines" RENAME TO lines', ["RENAME TO lines"]),
        (
            "alter table if exists only public.t alter column c set not null",
            ["alter column c set not null"],
        ),
        (
            "ALTER TABLE t ADD CONSTRAINT c CHECK (a IN (1, 2)) NOT VALID, VALIDATE CONSTRAINT c",
            ["ADD CONSTRAINT c CHECK (a IN (1, 2)) NOT VALID", "VALIDATE CONSTRAINT c"],
        ),
        ("ALTER TABLE {} DROP COLUMN x", ["DROP COLUMN x"]),
        ("ALTER INDEX ix RENAME TO iy", None),
        ("DROP TABLE t", None),
    ],
)
def test_alter_table_actions_split_where_sql_does(text: str, actions: list[str] | None) -> None:
    """Commas and semicolons inside strings, quoted names and parentheses are no separators."""
    assert alter_table_actions(text) == actions


@pytest.mark.parametrize(
    ("text", "kind", "column"),
    [
        # pybossa: a constraint renamed with its table changes no column
        (
            "ALTER TABLE blogpost RENAME CONSTRAINT blogpost_app_id_fkey TO b_fkey",
            "constraint",
            None,
        ),
        ("ALTER TABLE task RENAME app_id TO project_id", "rename-column", "app_id"),
        ("ALTER TABLE task RENAME COLUMN constraint_id TO c_id", "rename-column", "constraint_id"),
    ],
)
def test_alter_actions_read_constraint_renames(text: str, kind: str, column: str | None) -> None:
    from dblint.sql.changes import alter_actions

    [action] = alter_actions(text) or ()
    assert (action.kind, action.column or None) == (kind, column)
