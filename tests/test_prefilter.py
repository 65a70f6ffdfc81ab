"""The byte prefilter is sound: it changes how much is parsed, never what is found."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, run_tool, write_project

from dblint import engine
from dblint.facts import extract_facts
from dblint.facts.prefilter import needs_parse
from dblint.facts.vocabulary import is_memory_database

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from generate import generate

PROJECTS = sorted(p.parent.name for p in FIXTURES.glob("*/pyproject.toml"))
# Facts a file has of its own beyond imports, `__all__` and noqa comments.
OWN_FACTS = ("schema_calls", "sql_strings", "interactions", "calls", "migration", "database_opens")

# Files the prefilter lets through without their own trigger words, and that still
# change the findings: through name resolution, class hierarchies, or SQL spelled
# with escapes or split across implicitly concatenated literals.
TRICKY = {
    "alembic.ini": "[alembic]\nscript_location = migrations\n",
    "migrations/env.py": (
        "from alembic import context\n\nimport app.models\nfrom app.db import Base\n\ntarget_metadata = Base.metadata\n"
    ),
    "migrations/versions/0001_users.py": (
        'import sqlalchemy as sa\nfrom alembic import op\n\nrevision = "0001"\ndown_revision = None\n\n\n'
        'def upgrade():\n    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))\n'
    ),
    "app/__init__.py": "",
    "app/db.py": "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n",
    "app/models.py": (
        "from sqlalchemy import Column, Integer\n\nfrom app.db import Base\n\n\n"
        'class User(Base):\n    __tablename__ = "users"\n    id = Column(Integer, primary_key=True)\n'
    ),
    # An alias in a file without a trigger word; only resolution through it finds the base.
    "app/aliases.py": "from app.db import Base as _base\n\nRoot = _base\n",
    "app/startup.py": (
        "from app.aliases import Root\n\nschema = Root.metadata\n\n\ndef init(engine):\n    schema.create_all(engine)\n"
    ),
    # A second base, and a model on it in a file without a trigger word.
    "app/legacy.py": "from sqlalchemy.orm import declarative_base\n\nLegacyBase = declarative_base()\n",
    "app/fields.py": "from sqlalchemy import Column, Integer\n\n\ndef pk():\n    return Column(Integer, primary_key=True)\n",
    "app/legacy_models.py": (
        "from app.fields import pk\nfrom app.legacy import LegacyBase\n\n\n"
        'class Audit(LegacyBase):\n    __tablename__ = "audit"\n    id = pk()\n'
    ),
    # A library base re-exported by a project module; the model names no table (advanced-alchemy
    # names it after the class), so only its import of that module leads to it.
    "app/aa_base.py": "from litestar.plugins.sqlalchemy import base\n\nAABase = base.UUIDBase\n",
    "app/aa_models.py": "from app.aa_base import AABase\n\n\nclass Invoice(AABase):\n    pass\n",
    # A base from a library dblint does not know, re-exported without a trigger word: the model
    # maps itself (`__tablename__`), and the alias it inherits through must be read too.
    "app/corp.py": "import corp_orm\n\nCorpBase = corp_orm.Base\n",
    "app/corp_models.py": (
        'from app.corp import CorpBase\n\n\nclass Ledger(CorpBase):\n    __tablename__ = "ledger"\n'
    ),
    # A SQLModel `table=True` class on a project base: no trigger word, reached through its base.
    "app/sqlm_base.py": "from sqlmodel import SQLModel\n\n\nclass Stamped(SQLModel):\n    pass\n",
    "app/sqlm_models.py": (
        "from app.sqlm_base import Stamped\n\n\nclass Hero(Stamped, table=True):\n    pass\n"
    ),
    # SQL the bytes do not spell out.
    "app/escaped.py": 'def run(conn):\n    conn.run("\\x43REATE TABLE scratch (id int)")\n',
    "app/split.py": 'def run(conn):\n    conn.run("CRE" "ATE TABLE scratch2 (id int)")\n',
    "app/commented.py": 'def run(conn):\n    conn.run("CRE"  # why not\n             "ATE TABLE scratch3 (id int)")\n',
}


def tricky_project(root: Path) -> Path:
    return write_project(root, TRICKY)


def corpus_project(root: Path) -> Path:
    generate(root, 400, seed=3)
    return root


def _check(root: Path, *flags: str) -> str:
    result = run_tool(
        "dblint",
        "check",
        "--select",
        "DBL",
        "--format",
        "json",
        *flags,
        ".",
        cwd=root,
    )
    assert result.returncode in (0, 1), result.stderr
    return result.stdout


def _findings_in_process(root: Path, *, use_prefilter: bool) -> list[str]:
    """Every finding of every rule, opt-in ones included (the engine, as `--select DBL` runs it)."""
    request = engine.Request(
        paths=(root,),
        override=lambda settings: settings.with_overrides(select=("DBL",)),
        use_prefilter=use_prefilter,
        jobs=1,
    )
    return [repr(found) for run in engine.run(request).runs for found in run.diagnostics]


# In process: the CLI's --no-prefilter is checked on the generated projects below.
@pytest.mark.parametrize("project", PROJECTS)
def test_same_findings_without_the_prefilter_on_every_fixture(project: str) -> None:
    root = FIXTURES / project
    with_prefilter = _findings_in_process(root, use_prefilter=True)
    assert with_prefilter == _findings_in_process(root, use_prefilter=False)


@pytest.mark.parametrize("make", [tricky_project, corpus_project])
def test_same_findings_without_the_prefilter_on_generated_projects(tmp_path: Path, make) -> None:  # type: ignore[no-untyped-def]
    root = make(tmp_path / "project")
    with_prefilter = _check(root)
    assert with_prefilter == _check(root, "--no-prefilter")
    assert with_prefilter.count('"code"') >= 5


def test_the_tricky_files_are_prefiltered_yet_found(tmp_path: Path) -> None:
    """Each tricky file passes the byte check only through the rules meant for it, and is reported."""
    root = tricky_project(tmp_path / "project")
    shown = _check(root)
    for rel in (
        "app/startup.py",
        "app/legacy_models.py",
        "app/aa_models.py",
        "app/escaped.py",
        "app/split.py",
        "app/commented.py",
    ):
        assert f'"path": "{rel}"' in shown, rel
    for rel in ("app/aliases.py", "app/aa_models.py", "app/corp.py", "app/sqlm_models.py"):
        assert not needs_parse(TRICKY[rel].encode()), rel


def _tables(root: Path, *flags: str) -> list[str]:
    result = run_tool(
        "dblint", "inventory", "--by", "table", "--format", "csv", *flags, ".", cwd=root
    )
    assert result.returncode in (0, 1), result.stderr
    return result.stdout.splitlines()


def test_models_on_library_bases_are_in_the_inventory(tmp_path: Path) -> None:
    """A model on a library base that a project module re-exports, one that maps itself on a base
    from an unknown library, and a SQLModel `table=True` class on a project base are tables
    whether or not the prefilter runs."""
    root = tricky_project(tmp_path / "project")
    rows = _tables(root)
    assert rows == _tables(root, "--no-prefilter")
    invoice = next(row for row in rows if row.startswith("invoice,"))
    assert "app/aa_models.py:4" in invoice and "advanced_alchemy.base" in invoice
    ledger = next(row for row in rows if row.startswith("ledger,"))
    assert "app/corp_models.py:4" in ledger and "corp_orm:Base.metadata" in ledger
    hero = next(row for row in rows if row.startswith("hero,"))
    assert "app/sqlm_models.py:4" in hero and "SQLModel.metadata" in hero


def _python_files() -> list[Path]:
    return sorted(FIXTURES.rglob("*.py")) + sorted(
        Path(__file__).resolve().parents[1].joinpath("src").rglob("*.py")
    )


def test_a_prefiltered_file_has_no_facts_of_its_own(tmp_path: Path) -> None:
    files = _python_files() + sorted(corpus_project(tmp_path / "corpus").rglob("*.py"))
    skipped = 0
    for path in files:
        data = path.read_bytes()
        if needs_parse(data):
            continue
        skipped += 1
        facts = extract_facts(path.name, data, use_prefilter=False)
        own = {name: getattr(facts, name) for name in OWN_FACTS if getattr(facts, name)}
        assert not own, (path, own)
    assert skipped >= 100


@pytest.mark.parametrize(
    "source",
    [
        'x = "\\x43REATE TABLE t (id int)"\n',
        'x = ("CRE"\n     "ATE TABLE t (id int)")\n',
        'x = """\n    SELECT 1 FROM t"""\n',
        'x = "-- note\\nsomething"\n',
        "# coding: cp500\nx = 1\n",
        'x = "\\N{LATIN CAPITAL LETTER C}REATE TABLE t (id int)"\n',
        "def f(obj):\n    obj .create(1)\n",
        "def f(path):\n    return sqlite3.connect (\n        path\n    )\n",
        "engine = create_async_engine(url)\n",
        # A class made at run time, maybe a model (`calls` keeps it).
        "def made(Base, kind):\n    return type(kind + 'Tag', (Base,), {})\n",
        "def made(Base, row):\n    return type(str('column_' + str(row.id)), (Base,), {})\n",
        'class Ledger(CorpBase):\n    __tablename__ = "ledger"\n',
        "class Ledger(CorpBase):\n    __table__ = ledger_table\n",
        "class Entry(CorpBase):\n    __abstract__ = True\n",
        "class Named:\n    @declared_attr\n    def __tablename__(cls):\n        return cls.__name__\n",
        # Alembic's stamp and a schema manager's sync (`calls` keeps them).
        'def baseline(cfg):\n    command.stamp (cfg, "head")\n',
        "def setup(db):\n    db.manager.sync()\n",
        "syncdb(settings)\n",
    ],
)
def test_trigger_cases(source: str) -> None:
    assert needs_parse(source.encode("utf-8"))


def test_plain_code_is_not_parsed() -> None:
    assert not needs_parse(
        b'"""Helpers."""\nimport json\n\n\ndef dump(value):\n    return json.dumps(value, indent=2)\n'
    )
    assert not needs_parse(b"def kind(value):\n    return type(value).__name__, type(value)\n")
    # `stamp(` and `sync(` inside longer names are no such calls.
    assert not needs_parse(
        b"def save(fd, moment):\n    os.fsync(fd)\n    return moment.timestamp()\n"
    )


@pytest.mark.parametrize(
    ("value", "in_memory"),
    [
        (":memory:", True),
        ("file::memory:?cache=shared", True),
        ("sqlite://", True),
        ("sqlite+pysqlite://", True),
        ("sqlite:///:memory:", True),
        ("duckdb:///:memory:", True),
        ("sqlite:///app.db", False),
        ("postgresql://", False),  # libpq's defaults: a server's database
        ("inventory.db", False),
        ("", False),
    ],
)
def test_in_memory_databases(value: str, in_memory: bool) -> None:
    assert is_memory_database(value) is in_memory
