"""dblint's static model index agrees with what SQLAlchemy / SQLModel / Flask-SQLAlchemy build.

Each fixture project is imported for real in a subprocess (our own fixture code,
never a user's): tables per metadata, names, schemas, column type families (the
type compiled for PostgreSQL), foreign key targets and inheritance must match the
index; the foreign keys SQLAlchemy cannot resolve (`NoReferencedTableError` /
`NoReferencedColumnError`) are exactly those dblint reports as DBL302/DBL303, or
target a table that only a migration or `external-tables` provides.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, finding_set, run_tool, write_project

from dblint.engine import Request
from dblint.index.replay import tables_migrations_create
from dblint.index.schema import ModelSchema, model_schema
from dblint.index.tables import TableDef
from dblint.pipeline import load_project

PROJECTS = [
    "models_second_base",
    "models_fk_types",
    "models_sqlmodel_legacy",
    "models_flask_binds",
    "models_opt_in",
    "models_schemas",
    "models_cross_metadata",
    "models_factories",
    "models_annotated_table",
    "models_rebound_base",
    "models_schema_keys",
]

PROBE = r"""
import importlib, json, sys
import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.dialects import postgresql
from dblint.index.types import family_of_type_name

modules, metadata_ids, classes, postgres_url = json.loads(sys.argv[1])
for name in modules:
    importlib.import_module(name)


def resolve(metadata_id):
    module, _, chain = metadata_id.partition(":")
    chain, _, bind = chain.partition("[bind=")
    owner = importlib.import_module(module)
    parts = chain.split(".")
    for part in parts[:-1]:
        owner = getattr(owner, part)
    return owner.metadatas[bind.rstrip("]")] if bind else getattr(owner, parts[-1])


def family(column):
    if isinstance(column.type, sa.Enum):
        return "enum"
    if isinstance(column.type, sa.types.NullType):
        return "unknown"
    return family_of_type_name(column.type.compile(dialect=postgresql.dialect()))


out = {"tables": {}, "unresolved": [], "models": {}, "resolved": {}}
for metadata_id in metadata_ids:
    tables = {}
    for table in resolve(metadata_id).tables.values():
        columns = {}
        for column in table.columns:
            for fk in column.foreign_keys:
                try:
                    referenced = fk.column.table.fullname
                except (exc.NoReferencedTableError, exc.NoReferencedColumnError):
                    out["unresolved"].append(f"{table.fullname}.{column.name}")
                else:
                    out["resolved"].setdefault(f"{table.fullname}.{column.name}", []).append(referenced)
            targets = sorted(fk.target_fullname for fk in column.foreign_keys)
            columns[column.name] = {"family": family(column), "fks": targets}
        tables[table.fullname] = columns
    out["tables"][metadata_id] = tables
for module, name in classes:
    mapper = sa.inspect(getattr(importlib.import_module(module), name))
    kind = "single" if mapper.single else ("joined" if mapper.inherits is not None else None)
    out["models"][module + "." + name] = [mapper.local_table.fullname if not mapper.single else mapper.persist_selectable.fullname, kind]



def verdicts(connection, tables, wanted=None):
    # Does PostgreSQL accept each foreign key of `tables`, types as SQLAlchemy compiles them?
    found = {}
    for table in tables:
        for column in table.columns:
            for fk in column.foreign_keys:
                if wanted is not None and f"{table.fullname}.{column.name}" not in wanted:
                    continue
                try:
                    target = fk.column
                except (exc.NoReferencedTableError, exc.NoReferencedColumnError):
                    continue
                if isinstance(column.type, sa.Enum) or isinstance(target.type, sa.Enum):
                    continue
                mine = column.type.compile(dialect=postgresql.dialect()) if not isinstance(column.type, sa.types.NullType) else target.type.compile(dialect=postgresql.dialect())
                theirs = target.type.compile(dialect=postgresql.dialect())
                transaction = connection.begin()
                try:
                    connection.exec_driver_sql(f"CREATE TABLE parent (key {theirs} PRIMARY KEY)")
                    connection.exec_driver_sql(f"CREATE TABLE child (ref {mine} REFERENCES parent (key))")
                    verdict = "accepted"
                except exc.DBAPIError as error:
                    verdict = str(error.orig).splitlines()[0]
                finally:
                    transaction.rollback()
                found[f"{table.fullname}.{column.name}"] = verdict
    return found


# With a PostgreSQL URL: does PostgreSQL accept each foreign key? And the keys SQLAlchemy cannot
# resolve on their own metadata, once every table of the project is on one metadata?
out["postgres"], out["shared_postgres"] = {}, {}
if postgres_url:
    engine = sa.create_engine(postgres_url)
    shared = sa.MetaData()
    for metadata_id in metadata_ids:
        for table in resolve(metadata_id).tables.values():
            if table.fullname not in shared.tables:
                table.to_metadata(shared)
    with engine.connect() as connection:
        for metadata_id in metadata_ids:
            out["postgres"].update(verdicts(connection, resolve(metadata_id).tables.values()))
        out["shared_postgres"] = verdicts(connection, shared.tables.values(), set(out["unresolved"]))
print(json.dumps(out))
"""


def project_schema(project: Path) -> ModelSchema:
    loaded = load_project(project, Request(paths=(project,)))
    return model_schema(loaded.index)


def probe(project: Path, schema: ModelSchema, postgres_url: str = "") -> dict:
    """Import the fixture for real in a subprocess and describe what SQLAlchemy built."""
    declared = [table for table in schema.declared if table.metadata is not None]
    modules = sorted(
        {table.module for table in declared} | {h.module for h in schema.holders if h.path}
    )
    metadata_ids = sorted({table.metadata for table in declared if table.metadata})
    classes = sorted({(m.module, m.name) for m in schema.models if m.context == "app"})
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {str(project)!r})\n" + PROBE,
            json.dumps([modules, metadata_ids, classes, postgres_url]),
        ],
        cwd=project,
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def _ours(table: TableDef) -> dict:
    return {
        column.name: {
            "family": column.family,
            "fks": sorted(fk.target for fk in column.foreign_keys),
            # a key whose target dblint cannot read (`ForeignKey(key_of(Supplier))`)
            "unread": column.declares_foreign_key and not column.foreign_keys,
        }
        for column in table.columns
    }


@pytest.mark.parametrize("project", PROJECTS)
def test_index_agrees_with_sqlalchemy(project: str) -> None:
    root = FIXTURES / project
    schema = project_schema(root)
    real = probe(root, schema)
    assert sum(len(tables) for tables in real["tables"].values()) >= 3
    for metadata_id, tables in real["tables"].items():
        ours = {
            table.full_name: _ours(table)
            for table in schema.declared
            if table.metadata == metadata_id
        }
        assert sorted(ours) == sorted(tables), f"tables on {metadata_id}"
        for name, columns in tables.items():
            assert sorted(ours[name]) == sorted(columns), f"columns of {name}"
            for column, facts in columns.items():
                mine = ours[name][column]
                if mine["unread"]:  # a key, where to unknown: SQLAlchemy has one
                    assert facts["fks"], f"foreign keys of {name}.{column}"
                    continue
                assert mine["fks"] == facts["fks"], f"foreign keys of {name}.{column}"
                if facts["family"] != "unknown":
                    assert mine["family"] == facts["family"], f"type family of {name}.{column}"
    ours_resolved = {
        f"{table.full_name}.{column.name}": sorted(
            f"{fk.schema}.{fk.table}" if fk.schema else fk.table for fk in column.foreign_keys
        )
        for table in schema.declared
        for column in table.columns
    }
    unread = {
        f"{table.full_name}.{column.name}"
        for table in schema.declared
        for column in table.columns
        if column.declares_foreign_key and not column.foreign_keys
    }
    for column, targets in real["resolved"].items():
        if column not in unread:
            assert ours_resolved[column] == sorted(targets), f"referenced table of {column}"
    assert real["resolved"], "no foreign key resolved"
    for model in schema.models:
        if model.context != "app":
            continue
        table, kind = real["models"][f"{model.module}.{model.name}"]
        assert model.table is not None and model.table.full_name == table, f"table of {model.name}"
        assert model.inheritance == kind, f"inheritance of {model.name}"


@pytest.mark.parametrize("project", PROJECTS)
def test_unresolvable_foreign_keys_are_reported(project: str) -> None:
    root = FIXTURES / project
    schema = project_schema(root)
    real = probe(root, schema)
    completed = run_tool(
        "dblint", "check", ".", "--format", "json", "--select", "DBL302,DBL303", cwd=root
    )
    reported = {
        (item["path"], item["line"])
        for item in json.loads(completed.stdout)
        if item["code"] in ("DBL302", "DBL303")
    }
    flagged = {
        f"{table.full_name}.{column.name}"
        for table in schema.declared
        for column in table.columns
        if (column.path, column.line) in reported
    }
    loaded = load_project(root, Request(paths=(root,)))
    provided = tables_migrations_create(loaded.index) | {
        entry.rsplit(".", 1)[-1] for entry in loaded.settings.external_tables
    }
    accepted = set()
    for table in schema.declared:
        for column in table.columns:
            if any(fk.table in provided for fk in column.foreign_keys):
                accepted.add(f"{table.full_name}.{column.name}")
    assert flagged <= set(real["unresolved"])
    assert set(real["unresolved"]) - flagged <= accepted


def test_a_model_mapped_before_its_base_s_metadata_is_rebound_stays_on_the_old_one() -> None:
    """pyramid_cms (Kotti): `Base.metadata = metadata` puts the models mapped after it on
    `metadata`; `Setting`, mapped above the rebinding in the same module, keeps the base's own
    metadata, as SQLAlchemy builds them: DBL201 on `Setting` only."""
    root = FIXTURES / "pyramid_cms"
    real = subprocess.run(
        [
            sys.executable,
            "-c",
            "import cms, cms.resources\n"
            "print(sorted(t for t in cms.metadata.tables), cms.Setting.__table__.metadata is cms.metadata)",
        ],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout.split("\n")[0]
    assert real == "['nodes', 'principals'] False"
    completed = run_tool("dblint", "check", "--select", "DBL201", "--no-cache", ".", cwd=root)
    assert [
        line.split(" ", 2)[:2] for line in completed.stdout.splitlines() if "DBL201" in line
    ] == [
        ["cms/__init__.py:12:1:", "DBL201"],
        ["cms/legacy.py:9:1:", "DBL201"],
    ]


SQLMODEL_REBOUND = """from typing import Optional

from sqlalchemy.orm import declarative_base
from sqlmodel import Field, SQLModel

Base = declarative_base()


class Early(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)


SQLModel.metadata = Base.metadata


class Late(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
"""


def test_a_sqlmodel_model_mapped_before_sqlmodel_metadata_is_rebound_stays_on_it(
    tmp_path: Path,
) -> None:
    """`SQLModel.metadata = Base.metadata` moves only the models mapped after it, as real SQLModel
    builds them: `Early` stays on SQLModel's own metadata, untracked (DBL201); `Late` is tracked."""
    revision = (
        "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = 'a1'\ndown_revision = None\n\n\n"
        "def upgrade():\n    op.create_table('early', sa.Column('id', sa.Integer, primary_key=True))\n"
        "    op.create_table('late', sa.Column('id', sa.Integer, primary_key=True))\n"
    )
    root = write_project(
        tmp_path / "proj",
        {
            "app/__init__.py": "",
            "app/models.py": SQLMODEL_REBOUND,
            "alembic.ini": "[alembic]\nscript_location = migrations\n",
            "migrations/env.py": (
                "from alembic import context\n\nfrom app.models import Base\n\n"
                "target_metadata = Base.metadata\n"
            ),
            "migrations/versions/a1.py": revision,
        },
    )
    real = subprocess.run(
        [
            sys.executable,
            "-c",
            "from app.models import Base, Early, Late\n"
            "print(Early.__table__.metadata is Base.metadata, Late.__table__.metadata is Base.metadata)",
        ],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout.strip()
    assert real == "False True"
    completed = run_tool("dblint", "check", "--no-cache", ".", cwd=root)
    assert finding_set(completed.stdout) == {("app/models.py", 9, "DBL201")}
