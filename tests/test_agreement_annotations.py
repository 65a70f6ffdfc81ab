"""DBL304 agrees with what SQLAlchemy really returns, over a matrix of annotation x column type.

A generated models module (our own code) declares one column per (annotation, SQL type),
and one per (annotation, referenced type) for foreign key columns without a type of their
own. A subprocess creates the tables on SQLite with real SQLAlchemy, writes a row, reads
it back and checks whether each returned value is an instance of the annotation (an `int`
counts as a `float`, as PEP 484 says). dblint must report DBL304 on exactly the columns
whose value is not.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import run_tool

# Python annotations (as written in the module) and the class the check uses.
ANNOTATIONS = (
    "int",
    "float",
    "bool",
    "str",
    "Decimal",
    "uuid.UUID",
    "datetime",
    "date",
    "time",
    "timedelta",
    "bytes",
)

# SQL types as written, with the value written to the column (a Python expression).
TYPES = (
    ("Integer", "5"),
    ("BigInteger", "5"),
    ("SmallInteger", "5"),
    ("Boolean", "True"),
    ("Float", "1.5"),
    ("Float(asdecimal=True)", "1.5"),
    ("Numeric(10, 2)", "Decimal('1.5')"),
    ("Numeric(10, 2, asdecimal=False)", "Decimal('1.5')"),
    ("String(36)", "'x'"),
    ("Text", "'x'"),
    ("Uuid", "uuid.uuid4()"),
    ("Uuid(as_uuid=False)", "str(uuid.uuid4())"),
    ("postgresql.UUID(as_uuid=True)", "uuid.uuid4()"),
    ("postgresql.UUID(as_uuid=False)", "str(uuid.uuid4())"),
    ("DateTime", "datetime(2026, 1, 2, 3, 4)"),
    ("Date", "date(2026, 1, 2)"),
    ("Time", "time(3, 4)"),
    ("Interval", "timedelta(days=1)"),
    ("LargeBinary", "b'x'"),
    ("Enum('a', 'b', name='ab')", "'a'"),
    ("UuidText", "uuid.uuid4()"),
    ("Tag", "'x'"),
)

HEADER = '''import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import (
    BigInteger, Boolean, Date, DateTime, Enum, Float, ForeignKey, Integer, Interval, LargeBinary, Numeric,
    SmallInteger, String, Text, Time, TypeDecorator, Uuid,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UuidText(TypeDecorator):
    """A UUID stored as text and read back as `uuid.UUID`."""

    impl = String(36)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else str(value)

    def process_result_value(self, value, dialect):
        return uuid.UUID(value)


class Tag(TypeDecorator):
    impl = String(40)
    cache_ok = True


class Base(DeclarativeBase):
    pass


class Ref(Base):
    __tablename__ = "ref"
    id: Mapped[int] = mapped_column(primary_key=True)
'''

PROBE = r"""
import json, sys, uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

sys.path.insert(0, sys.argv[1])
import matrix_models as models

columns, values = json.loads(sys.argv[2])
engine = sa.create_engine("sqlite://")
models.Base.metadata.create_all(engine)
annotations = {"int": int, "float": float, "bool": bool, "str": str, "Decimal": Decimal, "uuid.UUID": uuid.UUID,
               "datetime": datetime, "date": date, "time": time, "timedelta": timedelta, "bytes": bytes}
mismatched = []
with engine.begin() as connection:
    for table in models.Base.metadata.sorted_tables:
        row = {name: eval(values[table.name][name]) for name in values[table.name]}
        connection.execute(table.insert().values(id=1, **row))
        read = connection.execute(sa.select(table)).mappings().one()
        for name in row:
            expected = annotations[columns[table.name][name]]
            value = read[name]
            fits = isinstance(value, expected) or (expected is float and isinstance(value, int))
            if not fits:
                mismatched.append(f"{table.name}.{name}")
print(json.dumps(sorted(mismatched)))
"""


def _module() -> tuple[str, dict[str, dict[str, str]], dict[str, dict[str, str]], dict[int, str]]:
    """The models source, each table's column annotations and values, and the line of each column."""
    lines = HEADER.splitlines()
    columns: dict[str, dict[str, str]] = {}
    values: dict[str, dict[str, str]] = {"ref": {}}
    where: dict[int, str] = {}
    for number, (written, value) in enumerate(TYPES):
        lines.append(
            f"    k{number}: Mapped[{_python(written)}] = mapped_column({written}, unique=True)"
        )
        values["ref"][f"k{number}"] = value
    columns["ref"] = {f"k{number}": _python(written) for number, (written, _) in enumerate(TYPES)}
    for number, (written, value) in enumerate(TYPES):
        for prefix, declared in (("t", f"{written}"), ("f", f'ForeignKey("ref.k{number}")')):
            table = f"{prefix}{number}"
            lines += [
                "",
                "",
                f"class {table.upper()}(Base):",
                f'    __tablename__ = "{table}"',
                "    id: Mapped[int] = mapped_column(primary_key=True)",
            ]
            columns[table], values[table] = {}, {}
            for position, annotation in enumerate(ANNOTATIONS):
                lines.append(f"    a{position}: Mapped[{annotation}] = mapped_column({declared})")
                where[len(lines)] = f"{table}.a{position}"
                columns[table][f"a{position}"] = annotation
                values[table][f"a{position}"] = value
    return "\n".join(lines) + "\n", columns, values, where


def _python(written: str) -> str:
    """An annotation that fits the type, for the referenced columns (they must not be findings)."""
    head = written.split("(", 1)[0]
    return (
        {
            "Integer": "int",
            "BigInteger": "int",
            "SmallInteger": "int",
            "Boolean": "bool",
            "Float": "float",
            "Numeric": "Decimal",
            "String": "str",
            "Text": "str",
            "Uuid": "uuid.UUID",
            "postgresql.UUID": "uuid.UUID",
            "DateTime": "datetime",
            "Date": "date",
            "Time": "time",
            "Interval": "timedelta",
            "LargeBinary": "bytes",
            "Enum": "str",
            "UuidText": "uuid.UUID",
            "Tag": "str",
        }[head]
        if "as_uuid=False" not in written and "asdecimal" not in written
        else {
            "Float": "Decimal",
            "Numeric": "float",
            "Uuid": "str",
            "postgresql.UUID": "str",
        }[head]
    )


def test_dbl304_agrees_with_what_sqlalchemy_returns(tmp_path: Path) -> None:
    source, columns, values, where = _module()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "matrix"\n')
    (tmp_path / "matrix_models.py").write_text(source)
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path), json.dumps([columns, values])],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert probe.returncode == 0, probe.stderr
    real = set(json.loads(probe.stdout))
    completed = run_tool(
        "dblint", "check", ".", "--select", "DBL304", "--format", "json", cwd=tmp_path
    )
    assert completed.returncode in (0, 1), completed.stderr
    reported = {
        where[item["line"]] for item in json.loads(completed.stdout) if item["code"] == "DBL304"
    }
    assert (
        len(real) > 100 and "t8.a5" in real and "f8.a5" in real
    )  # String(36) under Mapped[uuid.UUID], typed or inherited
    assert sorted(reported - real) == [], "reported, but SQLAlchemy returns a fitting value"
    assert sorted(real - reported) == [], (
        "SQLAlchemy returns a value that does not fit, not reported"
    )
