"""A project `TypeDecorator` that returns `uuid.UUID` but is stored as CHAR(36) on every database.

Its SQL family is the `impl`'s (string), not "uuid": the migrations' `sa.CHAR(36)` is no
drift (DBL412), a key from a per-dialect GUID (UUID on PostgreSQL) to it is a DBL301, and
the fixes give a `Mapped[...]` annotation what the type returns (`uuid.UUID`), not `str`.
The fixture is tests/fixtures/drift_stored_uuid; Alembic's own comparison agrees
(tests/test_agreement_alembic.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, run_tool

FIXTURE = FIXTURES / "drift_stored_uuid"


def _check(root: Path, *args: str) -> subprocess.CompletedProcess:
    return run_tool("dblint", "check", "--no-cache", *args, ".", cwd=root)


def test_char_stored_uuid_is_no_drift_and_a_native_uuid_key_to_it_is() -> None:
    completed = _check(FIXTURE, "--format", "json")
    found = {(item["line"], item["code"]) for item in json.loads(completed.stdout)}
    # terminals.id (line 19): TextGUID in the model, CHAR(36) in the migration: no DBL412
    assert (19, "DBL412") not in found
    assert (28, "DBL412") not in found
    # badges.terminal_id: NativeGUID (UUID on PostgreSQL) -> terminals.id CHAR(36)
    assert (35, "DBL301") in found
    messages = {i["code"]: i["message"] for i in json.loads(completed.stdout)}
    assert "terminals.serial is string in the model but integer" in messages["DBL412"]
    # the messages name the project's type next to the SQL type it is stored as
    assert "is UUID (NativeGUID) but terminals.id is VARCHAR (TextGUID)" in messages["DBL301"]
    assert "its SQL type is VARCHAR (TextGUID), which returns uuid.UUID" in messages["DBL304"]


def test_fixes_annotate_what_the_type_returns(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns(".dblint_cache", "__pycache__"))
    completed = _check(root, "--diff")
    added = [line for line in completed.stdout.splitlines() if line.startswith("+    ")]
    assert added == [
        '+    terminal_id: Mapped[uuid.UUID] = mapped_column(TextGUID(), ForeignKey("terminals.id"))'
        "  # error: DBL304",
        '+    terminal_id: Mapped[uuid.UUID] = mapped_column(TextGUID(), ForeignKey("terminals.id"))'
        "  # error: DBL301",
    ], completed.stdout
    fixed = _check(root, "--fix", "--format", "json")
    codes = {item["code"] for item in json.loads(fixed.stdout)}
    assert codes == {"DBL412"}, fixed.stdout  # only the real drift (terminals.serial) is left
    # Real SQLAlchemy (our own fixture, never user code): the fixed badge key returns a UUID.
    probe = (
        "import uuid, sqlalchemy as sa\n"
        "from kiosk.models import Badge, Base\n"
        "column = Badge.__table__.c.terminal_id\n"
        "assert type(column.type).__name__ == 'TextGUID'\n"
        "assert column.type.process_result_value(str(uuid.uuid4()), None).__class__ is uuid.UUID\n"
        "print(sa.schema.CreateTable(Badge.__table__).compile(dialect=sa.dialects.postgresql.dialect()))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    assert "terminal_id CHAR(36)" in ran.stdout
