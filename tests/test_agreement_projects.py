"""Projects within a repository: per service, real Alembic agrees with dblint.

For each Alembic environment of the multi-project fixtures, the real `alembic upgrade
head` runs against SQLite in a temporary copy, then `alembic check`. Every operation
`alembic check` wants is a DBL410 (a table) or DBL411 (a column) that dblint reports
for that service, and every DBL410/DBL411 dblint reports for that service is one
`alembic check` wants, except on models env.py never imports (DBL204): autogenerate
cannot see those, which is what DBL204 says. No finding of one service names another's.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, run_tool

SERVICES = [
    ("monorepo_services", "services/orders"),
    ("monorepo_services", "services/billing"),
    ("sqlmodel_subprojects", "chat"),
    ("sqlmodel_subprojects", "worker/server"),
]
_ADD_TABLE = re.compile(r"\('add_table', Table\('(?P<table>\w+)'")
_ADD_COLUMN = re.compile(
    r"\('add_column', (?:None|'\w+'), '(?P<table>\w+)', Column\('(?P<column>\w+)'"
)
_DRIFT = {"DBL410", "DBL411"}


def _alembic(service: Path, url: str, *args: str):  # type: ignore[no-untyped-def]
    return run_tool(
        "alembic", *args, cwd=service, env={"DATABASE_URL": url, "PYTHONDONTWRITEBYTECODE": "1"}
    )


def _wanted_by_alembic(project: str, service: str, tmp_path: Path) -> set[tuple[str, str, str]]:
    """(code, table, column) for each operation `alembic check` finds after `upgrade head`."""
    root = tmp_path / project
    shutil.copytree(FIXTURES / project, root)
    url = f"sqlite:///{tmp_path / 'agreement.sqlite'}"
    upgraded = _alembic(root / service, url, "upgrade", "head")
    assert upgraded.returncode == 0, upgraded.stderr
    checked = _alembic(root / service, url, "check")
    output = checked.stdout + checked.stderr
    wanted = {("DBL410", match["table"], "") for match in _ADD_TABLE.finditer(output)}
    wanted |= {
        ("DBL411", match["table"], match["column"]) for match in _ADD_COLUMN.finditer(output)
    }
    assert (checked.returncode == 0) == (not wanted), output
    assert "New upgrade operations detected" in output or checked.returncode == 0, output
    return wanted


def _findings(project: str) -> list[dict]:
    completed = run_tool("dblint", "check", ".", "--format", "json", cwd=FIXTURES / project)
    assert completed.returncode in (0, 1), completed.stderr
    return json.loads(completed.stdout)


def _named(message: str) -> tuple[str, str]:
    """The table and column a DBL410 / DBL411 message names."""
    column = re.match(r"column (\w+)\.(\w+) ", message)
    if column:
        return column[1], column[2]
    table = re.match(r"table (\w+) ", message)
    assert table, message
    return table[1], ""


@pytest.mark.parametrize(
    ("project", "service"), SERVICES, ids=lambda value: value.replace("/", "-")
)
def test_alembic_check_agrees_per_service(project: str, service: str, tmp_path: Path) -> None:
    wanted = _wanted_by_alembic(project, service, tmp_path)
    findings = _findings(project)
    own = [item for item in findings if item["path"].startswith(service + "/")]
    unseen = {(item["path"], item["line"]) for item in own if item["code"] == "DBL204"}
    reported = {
        (item["code"], *_named(item["message"]))
        for item in own
        if item["code"] in _DRIFT and (item["path"], item["line"]) not in unseen
    }
    assert reported == wanted
    # Each finding of this service speaks of this service's migrations and env.py only.
    others = [other for name, other in SERVICES if name == project and other != service]
    for item in own:
        assert not any(other in item["message"] for other in others), item["message"]
    for item in own:
        if item["code"] in _DRIFT | {"DBL204"}:
            assert service + "/" in item["message"], item["message"]


def test_unseen_models_are_absent_from_what_alembic_wants(tmp_path: Path) -> None:
    """A DBL204 model is invisible to autogenerate: `alembic check` never asks for its table."""
    wanted = _wanted_by_alembic("monorepo_services", "services/orders", tmp_path)
    findings = _findings("monorepo_services")
    unseen = [item for item in findings if item["code"] == "DBL204"]
    assert [item["path"] for item in unseen] == ["services/orders/app/models/audit.py"]
    assert ("DBL410", "audit_entries", "") not in wanted
