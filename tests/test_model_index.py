"""The model index: type families, column declarations, holders, tables, tracking and env.py imports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_tool

from dblint.engine import Request
from dblint.facts import extract_facts
from dblint.index.columns import column_from_expr
from dblint.index.imports import env_imports
from dblint.index.schema import ModelSchema, model_schema
from dblint.index.types import family_of_type_name, integer_width, python_family
from dblint.pipeline import load_project

ALEMBIC_INI = "[alembic]\nscript_location = migrations\n"


def build(tmp_path: Path, files: dict[str, str]) -> ModelSchema:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "t"\n')
    for rel, text in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return model_schema(load_project(tmp_path, Request(paths=(tmp_path,))).index)


def tables(schema: ModelSchema) -> dict[str, str | None]:
    return {table.full_name: table.metadata for table in schema.declared}


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("sqlalchemy.Integer", "integer"),
        ("sa.types.BigInteger", "integer"),
        ("SERIAL", "integer"),
        ("int", "integer"),
        ("INT UNSIGNED", "integer"),
        ("sqlalchemy.dialects.postgresql.UUID", "uuid"),
        ("sqlalchemy.Uuid", "uuid"),
        ("uuid.UUID", "uuid"),
        ("VARCHAR(255)", "string"),
        ("character varying(20)", "string"),
        ("sqlmodel.sql.sqltypes.AutoString", "string"),
        ("str", "string"),
        ("datetime.datetime", "datetime"),
        ("timestamp with time zone", "datetime"),
        ("datetime.date", "date"),
        ("DOUBLE PRECISION", "float"),
        ("Numeric(10, 2)", "numeric"),
        ("postgresql.JSONB", "json"),
        ("integer[]", "array"),
        ("sa.Enum", "enum"),
        ("String().with_variant", "string"),
        ("geoalchemy2.Geometry", "unknown"),
        ("", "unknown"),
    ],
)
def test_type_families(name: str, family: str) -> None:
    assert family_of_type_name(name) == family


def test_integer_widths_and_python_types() -> None:
    assert [
        integer_width(n) for n in ("SmallInteger", "sqlalchemy.Integer", "BIGSERIAL", "String")
    ] == [16, 32, 64, None]
    assert python_family("decimal.Decimal") == "numeric" and python_family("dict") == "unknown"


def _class_values(source: str) -> list:
    facts = extract_facts("m.py", source.encode())
    return [attr.value for attr in facts.classes[0].attrs]


def test_column_from_expr_reads_every_declaration_style() -> None:
    qualified = {
        "sa": "sqlalchemy",
        "PG_UUID": "sqlalchemy.dialects.postgresql.UUID",
        "Field": "sqlmodel.Field",
        "User": "app.models.User",
        "users": "app.tables.users",
        "ForeignKey": "sqlalchemy.ForeignKey",
        "mapped_column": "sqlalchemy.orm.mapped_column",
        "db": "app.ext.db",
        "Field2": "pydantic.Field",
    }

    def qualify(dotted: str) -> str:
        head, _, rest = dotted.partition(".")
        return qualified.get(head, head) + (f".{rest}" if rest else "")

    values = _class_values(
        "class A:\n"
        "    a = sa.Column('a_id', PG_UUID(as_uuid=True), sa.ForeignKey('s.user.id'), nullable=False)\n"
        "    b = mapped_column(ForeignKey(User.id), index=True)\n"
        "    c = Field(default=None, foreign_key='team.id', primary_key=True)\n"
        "    d = db.Column(db.Integer, ForeignKey(users.c.id), unique=True)\n"
        "    e = Field(sa_column=sa.Column(sa.Text, server_default='x'))\n"
        "    f = Field2(default=1)\n"
        "    g = relationship('User')\n"
    )
    a, b, c, d, e, f, g = (column_from_expr(value, qualify) for value in values)
    assert (a.name, a.type_name, a.family, a.foreign_key, a.nullable) == (
        "a_id",
        "sqlalchemy.dialects.postgresql.UUID",
        "uuid",
        "s.user.id",
        False,
    )
    assert (b.family, b.foreign_key, b.foreign_key_ref, b.index) == (
        "unknown",
        None,
        "app.models.User.id",
        True,
    )
    assert (c.foreign_key, c.primary_key, c.client_default) == ("team.id", True, True)
    assert (d.family, d.foreign_key_ref, d.unique) == ("integer", "app.tables.users.c.id", True)
    assert (e.family, e.server_default) == ("string", True)
    assert f is None and g is None


def test_holders_sharing_one_metadata_are_one_metadata(tmp_path: Path) -> None:
    schema = build(
        tmp_path,
        {
            "app/db.py": (
                "from sqlalchemy import Column, Integer, MetaData\n"
                "from sqlalchemy.orm import DeclarativeBase, as_declarative, declarative_base, registry\n"
                "shared = MetaData()\n"
                "A = declarative_base(metadata=shared)\n"
                "reg = registry(metadata=shared)\n"
                "B = reg.generate_base()\n"
                "class C(DeclarativeBase):\n"
                "    metadata = shared\n"
                "@as_declarative()\n"
                "class D:\n"
                "    id = Column(Integer, primary_key=True)\n"
                "class T1(A):\n    __tablename__ = 't1'\n    id = Column(Integer, primary_key=True)\n"
                "class T2(B):\n    __tablename__ = 't2'\n    id = Column(Integer, primary_key=True)\n"
                "class T3(C):\n    __tablename__ = 't3'\n    id = Column(Integer, primary_key=True)\n"
                "@reg.mapped\nclass T4:\n    __tablename__ = 't4'\n    id = Column(Integer, primary_key=True)\n"
                "class T5(D):\n    __tablename__ = 't5'\n"
            ),
        },
    )
    assert tables(schema) == {
        "t1": "app.db:shared",
        "t2": "app.db:shared",
        "t3": "app.db:shared",
        "t4": "app.db:shared",
        "t5": "app.db:D.metadata",
    }
    assert [column.name for column in schema.find("t5")[0].columns] == [
        "id"
    ]  # the base's columns are inherited


def test_table_names_follow_each_library(tmp_path: Path) -> None:
    schema = build(
        tmp_path,
        {
            "app/models.py": (
                "from typing import Optional\n"
                "from flask_sqlalchemy import SQLAlchemy\n"
                "from sqlalchemy import Column, Integer\n"
                "from sqlalchemy.orm import DeclarativeBase, declared_attr\n"
                "from sqlmodel import Field, SQLModel\n"
                "db = SQLAlchemy()\n"
                "class Base(DeclarativeBase):\n"
                "    @declared_attr.directive\n"
                "    def __tablename__(cls):\n"
                "        return cls.__name__.lower()\n"
                "class SchemaMixin:\n"
                "    __table_args__ = {'schema': 'crm'}\n"
                "class Contact(SchemaMixin, Base):\n    id = Column(Integer, primary_key=True)\n"
                "class Lead(Contact):\n    kind = Column(Integer)\n"
                "class HTTPRequestLog(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n"
                "class HeroBase(SQLModel):\n    name: str\n"
                "class Hero(HeroBase, table=True):\n    id: Optional[int] = Field(default=None, primary_key=True)\n"
            ),
        },
    )
    assert sorted(tables(schema)) == ["crm.contact", "crm.lead", "hero", "http_request_log"]
    hero = schema.find("hero")[0]
    assert [(c.name, c.family, c.nullable) for c in hero.columns] == [
        ("id", "integer", False),
        ("name", "string", False),
    ]


def _tracking(tmp_path: Path, env: str, extra: dict[str, str] | None = None):
    files = {
        "alembic.ini": ALEMBIC_INI,
        "app/__init__.py": "",
        "app/models.py": (
            "from sqlalchemy import Column, Integer, MetaData, Table\n"
            "from sqlalchemy.orm import declarative_base\n"
            "Base = declarative_base()\n"
            "Other = declarative_base()\n"
            "class A(Base):\n    __tablename__ = 'a'\n    id = Column(Integer, primary_key=True)\n"
            "class B(Base):\n    __tablename__ = 'b'\n    id = Column(Integer, primary_key=True)\n"
            "class C(Other):\n    __tablename__ = 'c'\n    id = Column(Integer, primary_key=True)\n"
        ),
        "migrations/env.py": env,
        **(extra or {}),
    }
    return build(tmp_path, files).tracking[0]


@pytest.mark.parametrize(
    ("env", "tracked", "source"),
    [
        (
            "from app.models import Base\ntarget_metadata = Base.metadata\n",
            ("app.models:Base.metadata",),
            "env.py",
        ),
        (
            "import app.models as m\ntarget_metadata = [m.Base.metadata, m.Other.metadata]\n",
            ("app.models:Base.metadata", "app.models:Other.metadata"),
            "env.py",
        ),
        (
            (
                "from alembic import context\nfrom app import models\n"
                "def run_migrations_online():\n    context.configure(target_metadata=(models.Other.metadata,))\n"
            ),
            ("app.models:Other.metadata",),
            "env.py",
        ),
        ("target_metadata = None\n", ("app.models:Base.metadata",), "largest"),
        (
            "from app.registry import get_metadata_for\ntarget_metadata = get_metadata_for('x')\n",
            None,
            "env.py",
        ),
    ],
)
def test_tracked_metadata_from_env(tmp_path: Path, env: str, tracked, source: str) -> None:
    found = _tracking(tmp_path, env)
    assert (found.metadata, found.source) == (tracked, source)


def test_tracked_metadata_from_config_wins(tmp_path: Path) -> None:
    files = {"pyproject.toml": '[tool.dblint]\ntarget-metadata = "app.models:Other.metadata"\n'}
    found = _tracking(
        tmp_path, "from app.models import Base\ntarget_metadata = Base.metadata\n", files
    )
    assert (found.metadata, found.source) == (("app.models:Other.metadata",), "config")


def test_flask_migrate_tracks_the_projects_db(tmp_path: Path) -> None:
    schema = build(
        tmp_path,
        {
            "migrations/alembic.ini": "[alembic]\n",
            "app/ext.py": "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n",
            "app/models.py": "from app.ext import db\nclass User(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n",
            "migrations/env.py": (
                "from flask import current_app\n"
                "target_db = current_app.extensions['migrate'].db\n"
                "def get_metadata():\n    return target_db.metadata\n"
                "def run_migrations_online():\n    context.configure(target_metadata=get_metadata())\n"
            ),
        },
    )
    assert (schema.tracking[0].metadata, schema.tracking[0].source) == (
        ("app.ext:db.metadata",),
        "flask-migrate",
    )


def test_env_imports_follow_what_runs(tmp_path: Path) -> None:
    files = {
        "alembic.ini": ALEMBIC_INI,
        "app/__init__.py": "",
        "app/models/__init__.py": "from app.models.user import User\n",
        "app/models/user.py": "from app.models import base\n",
        "app/models/base.py": "",
        "app/hints.py": "",
        "app/late.py": "",
        "app/never.py": "",
        "app/factory.py": "def create_app():\n    from app import factory_models\n",
        "app/factory_models.py": "",
        "migrations/env.py": (
            "from typing import TYPE_CHECKING\n"
            "from alembic import context\n"
            "from app.factory import create_app\n"
            "import app.models\n"
            "if TYPE_CHECKING:\n    import app.hints\n"
            "def run_migrations_online():\n    import app.late\n"
            "def helper():\n    import app.never\n"
            "application = create_app()\n"
        ),
    }
    build(tmp_path, files)
    index = load_project(tmp_path, Request(paths=(tmp_path,))).index
    reached = env_imports(index, "migrations/env.py")
    assert {
        "app",
        "app.models",
        "app.models.user",
        "app.models.base",
        "app.late",
        "app.factory_models",
    } <= reached
    assert not {"app.hints", "app.never"} & reached
    (tmp_path / "app/models/base.py").write_text("import importlib\n")
    index = load_project(tmp_path, Request(paths=(tmp_path,))).index
    assert env_imports(index, "migrations/env.py") is None


def test_package_holding_alembic_ini_is_not_an_import_root(tmp_path: Path) -> None:
    schema = build(
        tmp_path,
        {
            "src/shop/__init__.py": "",
            "src/shop/alembic.ini": "[alembic]\nscript_location = migrations\n",
            "src/shop/db.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
            "src/shop/models.py": (
                "from sqlalchemy import Column, Integer\nfrom shop.db import Base\n"
                "class A(Base):\n    __tablename__ = 'a'\n    id = Column(Integer, primary_key=True)\n"
            ),
        },
    )
    assert tables(schema) == {"a": "shop.db:Base.metadata"}


def test_flake8_reports_findings_that_need_other_files(tmp_path: Path) -> None:
    files = {
        "setup.cfg": "[flake8]\nselect = DBL\n",
        "alembic.ini": ALEMBIC_INI,
        "app/__init__.py": "",
        "app/models.py": (
            "from sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import declarative_base\n"
            "Base = declarative_base()\nLegacy = declarative_base()\n"
            "class A(Base):\n    __tablename__ = 'a'\n    id = Column(Integer, primary_key=True)\n"
            "class B(Legacy):\n    __tablename__ = 'b'\n    id = Column(Integer, primary_key=True)\n"
        ),
        "migrations/env.py": "from app.models import Base\ntarget_metadata = Base.metadata\n",
    }
    build(tmp_path, files)
    completed = run_tool("flake8", "--select", "DBL2", "app/models.py", cwd=tmp_path)
    lines = completed.stdout.splitlines()
    assert any(line.startswith("app/models.py:4:1: DBL202") for line in lines), (
        completed.stdout + completed.stderr
    )
    assert any(line.startswith("app/models.py:8:1: DBL201") for line in lines), completed.stdout
    cli = run_tool(
        "dblint", "check", "app/models.py", "--format", "json", "--select", "DBL2", cwd=tmp_path
    )
    assert {(item["line"], item["code"]) for item in json.loads(cli.stdout)} == {
        (4, "DBL202"),
        (8, "DBL201"),
    }


def test_sqlmodel_metadata_reassigned_to_a_base(tmp_path: Path) -> None:
    schema = build(
        tmp_path,
        {
            "alembic.ini": ALEMBIC_INI,
            "app/base.py": (
                "from sqlalchemy.orm import DeclarativeBase\nfrom sqlmodel import SQLModel\n"
                "class Base(DeclarativeBase):\n    pass\n"
                "SQLModel.metadata = Base.metadata\n"
            ),
            "app/models.py": (
                "from typing import Optional\nfrom sqlmodel import Field, SQLModel\nimport app.base\n"
                "class Hero(SQLModel, table=True):\n    id: Optional[int] = Field(default=None, primary_key=True)\n"
            ),
            "migrations/env.py": "from alembic import context\nimport app.models\nfrom app.base import Base\ntarget_metadata = Base.metadata\n",
        },
    )
    assert tables(schema) == {"hero": "app.base:Base.metadata"}
    assert schema.tracking[0].metadata == ("app.base:Base.metadata",)


def test_a_column_type_made_by_a_project_function_is_unknown(tmp_path: Path) -> None:
    """`sa.Column(payload_type(Model))`: a function builds the type (seen on Open-Assistant); its family is unknown."""
    schema = build(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/types.py": (
                "from sqlalchemy.types import TypeDecorator\nfrom sqlalchemy.dialects import postgresql as pg\n\n\n"
                "def payload_type(model):\n    class Payload(TypeDecorator):\n        impl = pg.JSONB()\n    return Payload\n"
            ),
            "app/models.py": (
                "import sqlalchemy as sa\nfrom sqlalchemy.orm import declarative_base\nfrom app.types import payload_type\n\n"
                "Base = declarative_base()\n\n\nclass Event(Base):\n    __tablename__ = 'events'\n"
                "    id = sa.Column(sa.Integer, primary_key=True)\n    payload = sa.Column(payload_type(dict))\n"
            ),
        },
    )
    (events,) = schema.declared
    assert {column.name: column.family for column in events.columns} == {
        "id": "integer",
        "payload": "unknown",
    }
