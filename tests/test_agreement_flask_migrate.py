"""dblint agrees with Flask-Migrate on a Flask app with an app factory.

The fixture app runs for real in a subprocess on a temporary SQLite database:
`flask db upgrade`, then `flask db check` (Alembic's check, run inside the app, so
its metadata holds exactly the models the app imports). Every difference it
reports is a dblint finding and every DBL204/DBL410/DBL411 finding is a
difference: a table only the migrations create is one no import reaches
(DBL204, Alembic would drop it), a model table no migration creates is DBL410,
a model column the migrations lack is DBL411.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, run_tool

PROJECT = "flask_migrate_factory"

_DIFFS = """
import json, sys
sys.path.insert(0, ".")
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from kitchen import create_app

app = create_app()
with app.app_context():
    db = app.extensions["migrate"].db
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, db.metadata)
out = []
for diff in diffs:
    for item in diff if isinstance(diff, list) else [diff]:
        if item[0] in ("add_table", "remove_table"):
            out.append([item[0], item[1].name, None])
        elif item[0] in ("add_column", "remove_column"):
            out.append([item[0], item[2], item[3].name])
        else:
            out.append([item[0], None, None])
print(json.dumps(out))
"""

_RULE_FOR_DIFF = {"add_table": "DBL410", "add_column": "DBL411", "remove_table": "DBL204"}


def _env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "KITCHEN_DATABASE_URL": url,
        "FLASK_APP": "kitchen:create_app",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _flask(root: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "db", *args],
        cwd=root,
        env=_env(url),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_flask_db_check_agrees_with_dblint(tmp_path: Path) -> None:
    root = tmp_path / PROJECT
    shutil.copytree(FIXTURES / PROJECT, root)
    url = f"sqlite:///{root / 'kitchen.sqlite'}"
    upgraded = _flask(root, url, "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    checked = _flask(root, url, "check")
    assert (
        checked.returncode != 0
        and "New upgrade operations detected" in checked.stderr + checked.stdout
    )
    completed = subprocess.run(
        [sys.executable, "-c", _DIFFS],
        cwd=root,
        env=_env(url),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    diffs = json.loads(completed.stdout)
    assert sorted(kind for kind, _, _ in diffs) == ["add_column", "add_table", "remove_table"]
    dblint = run_tool("dblint", "check", ".", "--format", "json", cwd=FIXTURES / PROJECT)
    findings = [
        item for item in json.loads(dblint.stdout) if item["code"] in ("DBL204", "DBL410", "DBL411")
    ]
    for kind, table, column in diffs:
        words = [word for word in (table, column) if word]
        assert any(
            item["code"] == _RULE_FOR_DIFF[kind]
            and all(re.search(rf"\b{word}\b", item["message"]) for word in words)
            for item in findings
        ), (kind, table, column)
    assert len(findings) == len(diffs)
