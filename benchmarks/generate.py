"""A deterministic synthetic monorepo for benchmarking dblint.

`python benchmarks/generate.py OUT --files 10000` writes the same tree for the
same arguments: several services, each with its own declarative base (plain
`declarative_base()`, 2.0 `DeclarativeBase`, SQLModel, Flask-SQLAlchemy),
models with foreign keys, an Alembic history of many revisions, application
code that queries through sessions, scripts with raw SQL and `create_all()`,
tests, and -- most of the files -- library code that never touches a database.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

BASES = ("declarative", "declarative2", "sqlmodel", "flask")
WORDS = (
    "account",
    "invoice",
    "order",
    "item",
    "customer",
    "shipment",
    "ledger",
    "payment",
    "coupon",
    "review",
    "address",
    "profile",
    "session_log",
    "tag",
    "category",
    "vendor",
    "warehouse",
    "report",
    "budget",
    "event",
)
# Share of the files per kind; library code dominates, as in real repositories.
MIX = (
    ("lib", 0.62),
    ("app", 0.12),
    ("test", 0.14),
    ("script", 0.03),
    ("model", 0.04),
    ("migration", 0.05),
)


def _base_module(style: str) -> str:
    if style == "declarative":
        return "from sqlalchemy import MetaData\nfrom sqlalchemy.orm import declarative_base\n\nBase = declarative_base(metadata=MetaData())\n"
    if style == "declarative2":
        return "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n"
    if style == "sqlmodel":
        return "from sqlmodel import SQLModel\n\nBase = SQLModel\n"
    return "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\nBase = db.Model\n"


def _model_module(style: str, service: str, tables: list[str], rng: random.Random) -> str:
    lines = ["from __future__ import annotations", ""]
    if style == "sqlmodel":
        lines += ["from typing import Optional", "", "from sqlmodel import Field, SQLModel", ""]
    elif style == "flask":
        lines += [f"from {service}.db import db", ""]
    else:
        lines += [
            "from sqlalchemy import Column, ForeignKey, Integer, String, DateTime",
            "from sqlalchemy.orm import relationship",
            "",
            f"from {service}.db import Base",
            "",
        ]
    for position, table in enumerate(tables):
        cls = "".join(part.title() for part in table.split("_"))
        parent = tables[position - 1] if position else None
        lines += ["", ""]
        if style == "sqlmodel":
            lines += [
                f"class {cls}(SQLModel, table=True):",
                f'    __tablename__ = "{table}"',
                "    id: Optional[int] = Field(default=None, primary_key=True)",
            ]
            lines += ["    name: str = Field(max_length=80)"]
            if parent:
                lines += [
                    f'    {parent}_id: Optional[int] = Field(default=None, foreign_key="{parent}.id")'
                ]
        elif style == "flask":
            lines += [
                f"class {cls}(db.Model):",
                f'    __tablename__ = "{table}"',
                "    id = db.Column(db.Integer, primary_key=True)",
            ]
            lines += ["    name = db.Column(db.String(80), nullable=False)"]
            if parent:
                lines += [f'    {parent}_id = db.Column(db.Integer, db.ForeignKey("{parent}.id"))']
        else:
            lines += [
                f"class {cls}(Base):",
                f'    __tablename__ = "{table}"',
                "    id = Column(Integer, primary_key=True)",
            ]
            lines += [
                "    name = Column(String(80), nullable=False)",
                "    created = Column(DateTime)",
            ]
            if parent:
                lines += [f'    {parent}_id = Column(Integer, ForeignKey("{parent}.id"))']
        for extra in range(rng.randint(1, 6)):
            if style == "sqlmodel":
                lines.append(f"    field_{extra}: Optional[str] = None")
            elif style == "flask":
                lines.append(f"    field_{extra} = db.Column(db.String(40))")
            else:
                lines.append(f"    field_{extra} = Column(String(40))")
        lines += ["", "    def __repr__(self) -> str:", f'        return f"<{cls} {{self.id}}>"']
    return "\n".join(lines) + "\n"


def _migration(revision: str, down: str | None, table: str, step: int) -> str:
    down_text = f'"{down}"' if down else "None"
    if step == 0:
        body = f'    op.create_table(\n        "{table}",\n        sa.Column("id", sa.Integer, primary_key=True),\n        sa.Column("name", sa.String(80)),\n    )'
        undo = f'    op.drop_table("{table}")'
    else:
        body = f'    op.add_column("{table}", sa.Column("extra_{step}", sa.String(40)))'
        undo = f'    op.drop_column("{table}", "extra_{step}")'
    return (
        f'"""step {step} on {table}\n\nRevision ID: {revision}\nRevises: {down or ""}\n"""\n'
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f'revision = "{revision}"\ndown_revision = {down_text}\nbranch_labels = None\ndepends_on = None\n\n\n'
        f"def upgrade() -> None:\n{body}\n\n\ndef downgrade() -> None:\n{undo}\n"
    )


def _library_module(rng: random.Random, package: str, index: int, siblings: list[str]) -> str:
    """Ordinary code: dataclasses, helpers, string formatting; no database."""
    lines = [
        f'"""Helpers for {package}, part {index}."""',
        "",
        "from __future__ import annotations",
        "",
    ]
    lines += [
        "import dataclasses",
        "import json",
        "import logging",
        "from typing import Any, Iterable",
        "",
    ]
    if siblings:
        lines.append(f"from {package}.{rng.choice(siblings)} import helper_0 as imported_helper")
    lines += ["", "LOG = logging.getLogger(__name__)", f"LIMIT = {rng.randint(10, 999)}", ""]
    for number in range(rng.randint(3, 9)):
        word = rng.choice(WORDS)
        lines += [
            "",
            "@dataclasses.dataclass(frozen=True)",
            f"class {word.title().replace('_', '')}Record{number}:",
            f"    {word}_key: str",
            "    amount: int = 0",
            "    labels: tuple[str, ...] = ()",
            "",
            "    def describe(self) -> str:",
            f'        return f"{word} {{self.{word}_key}}: {{self.amount}}"',
            "",
            "",
            f"def helper_{number}(values: Iterable[Any], factor: int = {rng.randint(1, 9)}) -> list[Any]:",
            '    """Scale and filter values."""',
            "    result = []",
            "    for value in values:",
            "        if isinstance(value, int) and value % factor:",
            "            result.append(value * factor)",
            "        elif isinstance(value, str):",
            "            result.append(value.strip().lower())",
            '    LOG.debug("processed %d values", len(result))',
            "    return result[:LIMIT]",
            "",
            "",
            f"def to_json_{number}(record: Any) -> str:",
            "    return json.dumps(dataclasses.asdict(record), sort_keys=True)",
        ]
    return "\n".join(lines) + "\n"


def _app_module(rng: random.Random, service: str, style: str, tables: list[str]) -> str:
    table = rng.choice(tables)
    cls = "".join(part.title() for part in table.split("_"))
    lines = ["from __future__ import annotations", ""]
    if style == "sqlmodel":
        lines += ["from sqlmodel import Session, select", ""]
    else:
        lines += ["from sqlalchemy import select", "from sqlalchemy.orm import Session", ""]
    lines += [f"from {service}.models.{table} import {cls}", "", ""]
    for number in range(rng.randint(2, 6)):
        lines += [
            f"def list_{table}_{number}(session: Session, limit: int = 50) -> list[{cls}]:",
            f"    return list(session.execute(select({cls}).limit(limit)).scalars())",
            "",
            "",
            f"def get_{table}_{number}(session: Session, key: int) -> {cls} | None:",
            f"    return session.get({cls}, key)",
            "",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def _script(rng: random.Random, service: str, number: int) -> str:
    choice = number % 4
    if choice == 0:
        return (
            f"from {service}.db import Base\nfrom sqlalchemy import create_engine\n\n\n"
            'def main() -> None:\n    engine = create_engine("sqlite://")\n    Base.metadata.create_all(engine)\n'
        )
    if choice == 1:
        return (
            'import sqlite3\n\n\ndef main() -> None:\n    conn = sqlite3.connect("x.db")\n'
            f'    conn.execute("CREATE TABLE IF NOT EXISTS scratch_{number} (id INTEGER PRIMARY KEY, v TEXT)")\n'
        )
    if choice == 2:
        return (
            "from sqlalchemy import text\n\n\ndef report(conn) -> list:\n"
            f'    return list(conn.execute(text("SELECT id, name FROM account WHERE id > :n"), {{"n": {number}}}))\n'
        )
    return 'import sys\n\n\ndef main() -> int:\n    print("could not create table; see the docs")\n    return 0\n\n\nif __name__ == "__main__":\n    sys.exit(main())\n'


def _test_module(rng: random.Random, service: str, number: int, touches_db: bool) -> str:
    if touches_db:
        return (
            f"from {service}.db import Base\n\n\ndef test_schema_{number}(engine) -> None:\n"
            "    Base.metadata.create_all(engine)\n    Base.metadata.drop_all(engine)\n"
        )
    lines = ["import pytest", ""]
    for case in range(rng.randint(2, 8)):
        lines += [
            "",
            f'@pytest.mark.parametrize("value", [1, 2, {case + 3}])',
            f"def test_case_{number}_{case}(value: int) -> None:",
        ]
        lines += [f"    assert value * {case + 1} >= value", "    assert str(value).isdigit()"]
    return "\n".join(lines) + "\n"


def generate(out: Path, files: int, seed: int = 7) -> int:
    """Write the tree; returns the number of Python files written."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    (out / "pyproject.toml").write_text(
        '[project]\nname = "mono"\nversion = "0"\n\n[tool.dblint]\n'
    )
    services = max(1, min(8, files // 500))
    counts = {kind: max(1, int(files * share)) for kind, share in MIX}
    counts["lib"] += (
        files - sum(counts.values()) - 4 * services
    )  # db.py, __init__ x2, env.py per service
    written = 0

    def write(rel: str, text: str) -> None:
        nonlocal written
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written += rel.endswith(".py")

    service_tables: dict[str, list[str]] = {}
    for number in range(services):
        service = f"svc{number}"
        style = BASES[number % len(BASES)]
        write(f"{service}/__init__.py", "")
        write(f"{service}/db.py", _base_module(style))
        tables = [f"{word}_{number}" for word in WORDS]
        service_tables[service] = tables
        write(f"{service}/models/__init__.py", "")
        write(
            f"{service}/alembic.ini",
            "[alembic]\nscript_location = %(here)s/migrations\n",
        )
        write(
            f"{service}/migrations/env.py",
            f"from alembic import context\n\nfrom {service}.db import Base\n\ntarget_metadata = Base.metadata\n",
        )
    service_names = sorted(service_tables)

    def per_service(index: int) -> str:
        return service_names[index % services]

    for index in range(counts["model"]):
        service = per_service(index)
        style = BASES[service_names.index(service) % len(BASES)]
        tables = service_tables[service]
        table = (
            tables[index // services % len(tables)]
            if index < services * len(tables)
            else f"extra_{index}"
        )
        write(
            f"{service}/models/{table}.py",
            _model_module(style, service, [table, f"{table}_d{index}"], rng),
        )
    for index in range(counts["migration"]):
        service = per_service(index)
        step = index // services
        revision = f"{service[3:]:0>2}{step:010x}"
        down = f"{service[3:]:0>2}{step - 1:010x}" if step else None
        table = service_tables[service][0]
        write(
            f"{service}/migrations/versions/{revision}_step.py",
            _migration(revision, down, table, step),
        )
    for index in range(counts["app"]):
        service = per_service(index)
        style = BASES[service_names.index(service) % len(BASES)]
        write(
            f"{service}/api/handlers_{index}.py",
            _app_module(rng, service, style, service_tables[service]),
        )
    for index in range(counts["script"]):
        write(
            f"scripts/{per_service(index)}/task_{index}.py", _script(rng, per_service(index), index)
        )
    for index in range(counts["test"]):
        service = per_service(index)
        write(
            f"{service}/tests/test_{index}.py", _test_module(rng, service, index, index % 10 == 0)
        )
    packages = max(1, counts["lib"] // 40)
    for index in range(counts["lib"]):
        package = f"libs/lib{index % packages}"
        module = f"mod{index // packages}"
        siblings = [f"mod{other}" for other in range(index // packages)][-3:]
        write(
            f"{package}/{module}.py",
            _library_module(rng, package.replace("/", "."), index, siblings),
        )
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(generate(args.out, args.files, args.seed))


if __name__ == "__main__":
    main()
