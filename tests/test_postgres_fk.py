"""DBL301 against a real PostgreSQL: the foreign keys dblint flags are the ones PostgreSQL rejects.

The test starts a throwaway cluster (initdb + pg_ctl from Debian's PostgreSQL
package) in a temporary directory, listening on a unix socket only, and for every
foreign key of the fixture projects creates the referenced and the referencing
column with the types SQLAlchemy compiles for PostgreSQL. Skipped, with the reason,
when the PostgreSQL server binaries or psycopg are not installed.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from conftest import FIXTURES, run_tool
from test_agreement_sqlalchemy import probe, project_schema

from dblint.index.schema import ModelSchema

# The tests that need PostgreSQL (here and in test_fix.py) run on one worker, which starts one
# cluster for the session (conftest.postgres_url).
pytestmark = pytest.mark.xdist_group("postgres")

PROJECTS = [
    "models_fk_types",
    "models_sqlmodel_legacy",
    "models_flask_binds",
    "models_second_base",
    "models_opt_in",
    "models_cross_metadata",
]


@functools.cache
def _probed(project: str, postgres_url: str) -> tuple[ModelSchema, dict]:
    """The fixture's schema as dblint reads it, and what SQLAlchemy and PostgreSQL made of it:
    probed once per project for every test here that asks."""
    schema = project_schema(FIXTURES / project)
    return schema, probe(FIXTURES / project, schema, postgres_url)


def _flagged_columns(root: Path) -> set[tuple[str, int]]:
    completed = run_tool("dblint", "check", ".", "--format", "json", "--select", "DBL301", cwd=root)
    assert completed.returncode in (0, 1), completed.stderr
    return {
        (item["path"], item["line"])
        for item in json.loads(completed.stdout)
        if item["code"] == "DBL301"
    }


@pytest.mark.parametrize("project", PROJECTS)
def test_dbl301_matches_what_postgresql_rejects(project: str, postgres_url: str) -> None:
    root = FIXTURES / project
    schema, found = _probed(project, postgres_url)
    verdicts = {
        **found["postgres"],
        **found["shared_postgres"],
    }  # keys across metadata: once on one metadata
    assert verdicts, "no foreign key was tried"
    reported = _flagged_columns(root)
    flagged = {
        f"{table.full_name}.{column.name}"
        for table in schema.declared
        for column in table.columns
        if (column.path, column.line) in reported
    }
    rejected = {column for column, verdict in verdicts.items() if verdict != "accepted"}
    assert all("cannot be implemented" in verdicts[column] for column in rejected), verdicts
    assert flagged == rejected


def test_dbl301_across_metadata_is_what_postgresql_rejects_on_one_metadata(
    postgres_url: str,
) -> None:
    """Keys to a table on another metadata: once all tables share one, PostgreSQL rejects exactly the DBL301 ones."""
    root = FIXTURES / "models_cross_metadata"
    schema, found = _probed("models_cross_metadata", postgres_url)
    shared = found["shared_postgres"]
    assert set(shared) == set(found["unresolved"]) and len(shared) >= 6
    reported = _flagged_columns(root)
    flagged = {
        f"{table.full_name}.{column.name}"
        for table in schema.declared
        for column in table.columns
        if (column.path, column.line) in reported and f"{table.full_name}.{column.name}" in shared
    }
    rejected = {column for column, verdict in shared.items() if verdict != "accepted"}
    assert all("cannot be implemented" in shared[column] for column in rejected), shared
    assert flagged == rejected and len(rejected) >= 4


def test_at_least_three_fixtures_fail_on_postgresql(postgres_url: str) -> None:
    failing = [
        project
        for project in PROJECTS
        if any(
            verdict != "accepted"
            for verdict in _probed(project, postgres_url)[1]["postgres"].values()
        )
    ]
    assert len(failing) >= 3, failing


# PostgreSQL types and the families dblint gives them.
MATRIX_TYPES = (
    "smallint",
    "integer",
    "bigint",
    "numeric",
    "numeric(10,2)",
    "real",
    "double precision",
    "varchar(36)",
    "text",
    "char(36)",
    "uuid",
    "boolean",
    "timestamp",
    "timestamptz",
    "date",
    "time",
    "interval",
    "jsonb",
    "bytea",
)
# Accepted by PostgreSQL through an implicit cast to float that rounds: dblint reports them on purpose.
LOSSY = {("integer", "float"), ("numeric", "float")}


def test_foreign_key_compatibility_is_postgresqls_rule(postgres_url: str) -> None:
    """`foreign_key_compatible` says yes exactly where PostgreSQL creates the constraint (bar the lossy pairs)."""
    import sqlalchemy as sa
    from sqlalchemy import exc

    from dblint.index.types import family_of_type_name, foreign_key_compatible

    disagreements = []
    engine = sa.create_engine(postgres_url)
    with engine.connect() as connection:
        for referenced in MATRIX_TYPES:
            for referencing in MATRIX_TYPES:
                transaction = connection.begin()
                try:
                    connection.exec_driver_sql(
                        f"CREATE TABLE parent (key {referenced} PRIMARY KEY)"
                    )
                    connection.exec_driver_sql(
                        f"CREATE TABLE child (ref {referencing} REFERENCES parent (key))"
                    )
                    accepted = True
                except exc.DBAPIError as error:
                    assert "cannot be implemented" in str(error.orig), error
                    accepted = False
                finally:
                    transaction.rollback()
                pair = (family_of_type_name(referencing), family_of_type_name(referenced))
                assert "unknown" not in pair, (referencing, referenced)
                expected = accepted and pair not in LOSSY
                if foreign_key_compatible(*pair) != expected:
                    disagreements.append((referencing, referenced, accepted))
    engine.dispose()
    assert not disagreements
