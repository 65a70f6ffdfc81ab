"""Which tables a Flask-SQLAlchemy `create_all(bind_key=...)` creates, as the inventory lists
them, agrees with real Flask-SQLAlchemy: every bind when no `bind_key` is given (or a computed
one, which may name any), only the named binds otherwise (`None`: the default one)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import run_tool, write_project

APP = """\
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Book(db.Model):
    id = db.Column(db.Integer, primary_key=True)


class Tally(db.Model):
    __bind_key__ = "reports"
    id = db.Column(db.Integer, primary_key=True)


class Trail(db.Model):
    __bind_key__ = "audit"
    id = db.Column(db.Integer, primary_key=True)


def everything():
    db.create_all()


def only_reports():
    db.create_all(bind_key="reports")


def default_only():
    db.create_all(bind_key=None)


def default_and_audit():
    db.create_all(bind_key=[None, "audit"])


def chosen(key="reports"):
    db.create_all(bind_key=key)
"""

CALLS = {  # function -> line of its create_all
    "everything": 22,
    "only_reports": 26,
    "default_only": 30,
    "default_and_audit": 34,
    "chosen": 38,
}

PROBE = r"""
import json, sys
sys.path.insert(0, ".")
import sqlalchemy as sa
from flask import Flask
import shop.app as app_module

created = {}
for function in sys.argv[1].split(","):
    app = Flask(function)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    app.config["SQLALCHEMY_BINDS"] = {"reports": "sqlite://", "audit": "sqlite://"}
    db = app_module.db
    db.init_app(app)
    with app.app_context():
        getattr(app_module, function)()
        names = set()
        for key in (None, "reports", "audit"):
            names |= set(sa.inspect(db.engines[key]).get_table_names())
    created[function] = sorted(names)
print(json.dumps(created))
"""


def test_create_all_lists_the_tables_of_the_binds_it_names(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"shop/__init__.py": "", "shop/app.py": APP})
    lines = APP.splitlines()
    for function, line in CALLS.items():
        assert "create_all" in lines[line - 1], (function, lines[line - 1])
    completed = run_tool(
        "dblint", "inventory", ".", "--no-cache", "--by", "table", "--format", "json", cwd=root
    )
    listed: dict[int, set[str]] = {line: set() for line in CALLS.values()}
    for row in json.loads(completed.stdout)["tables"]:
        for site in row["created_outside_migrations"]:
            where = site.split(" ")[0]
            listed[int(where.rsplit(":", 1)[1])].add(row["table"])
    real = subprocess.run(
        [sys.executable, "-B", "-c", PROBE, ",".join(CALLS)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert real.returncode == 0, real.stderr
    made = json.loads(real.stdout)
    for function, line in CALLS.items():
        if function == "chosen":  # a computed key: dblint cannot tell, so it lists every bind
            assert listed[line] == {"book", "tally", "trail"}
            assert set(made[function]) <= listed[line]
            continue
        assert listed[line] == set(made[function]), function


ENV = """\
from alembic import context
from flask import current_app

target_metadata = current_app.extensions["migrate"].db.metadata
context.configure(url="sqlite://", target_metadata=target_metadata)
with context.begin_transaction():
    context.run_migrations()
"""


def test_create_all_of_binds_no_environment_tracks_says_so(tmp_path: Path) -> None:
    """DBL101 on `create_all(bind_key="reports")` when env.py tracks only the default bind:
    the message names the bind and says no environment migrates it; a create that includes
    the default bind, or every bind, or a computed one, keeps the usual wording."""
    root = write_project(
        tmp_path / "p",
        {
            "shop/__init__.py": "",
            "shop/app.py": APP,
            "migrations/alembic.ini": "[alembic]\n",
            "migrations/env.py": ENV,
        },
    )
    completed = run_tool(
        "dblint", "check", ".", "--no-cache", "--select", "DBL101", "--format", "json", cwd=root
    )
    messages = {item["line"]: item["message"] for item in json.loads(completed.stdout)}
    assert sorted(messages) == sorted(CALLS.values())
    bound = messages[CALLS["only_reports"]]
    assert bound.startswith("db.create_all() creates the tables of bind reports outside Alembic")
    assert "no Alembic environment tracks bind reports" in bound
    assert "# noqa: DBL101" in bound
    for function in ("everything", "default_only", "default_and_audit", "chosen"):
        message = messages[CALLS[function]]
        assert message.startswith("db.create_all() creates tables outside Alembic migrations")
        assert "alembic revision --autogenerate" in message
