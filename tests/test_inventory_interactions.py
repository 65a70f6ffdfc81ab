"""Interactions through libraries that are no database do not put a file in the inventory.

Flask's cookie `session`, HTTP clients' sessions (requests, httpx, aiohttp, boto3), a
BeautifulSoup `select` and `select.select` look like database access to a word match.
The fixture `flask_cookie_session` has views using only those (no row) next to look-alikes
that stay: `db.session`, a `session` parameter in a file that imports flask's `session`,
SQLAlchemy's own `Session` and `select`, `g.db.execute(...)`, a `self.session` made by a `sessionmaker`, and a
`self.session` inherited from a base class beside another class whose `self.session` is
an HTTP session.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, run_tool, run_tool_once, write_project

from dblint.facts import extract_facts

PROJECT = FIXTURES / "flask_cookie_session"
EXPECTED = {
    "notes/__init__.py": [],
    "notes/counts.py": ["session", "query"],
    "notes/legacy.py": ["query"],
    "notes/models.py": ["orm-model"],
    "notes/reports.py": ["session", "query"],
    "notes/repository.py": ["session"],
    "notes/services.py": ["session", "query"],
    "notes/sync.py": ["session"],
    "notes/views.py": ["session"],
}


def test_files_touching_no_database_are_not_listed() -> None:
    completed = run_tool_once(
        "dblint", "inventory", "--by", "file", "--format", "json", cwd=PROJECT
    )
    assert completed.returncode == 0, completed.stderr
    rows = {row["path"]: row["interactions"] for row in json.loads(completed.stdout)["files"]}
    assert rows == EXPECTED  # no auth.py, cookies.py, weather.py, scrape.py


# (source, interactions): small files whose facts are read in-process, sliced and whole.
CASES = [
    ("from flask import session\n\ndef f():\n    return session.get('u')\n", ()),
    ("from flask import session as cookie\n\ndef f():\n    return cookie.pop('u')\n", ()),
    ("import flask\n\ndef f():\n    return flask.session.get('u')\n", ()),
    ("import requests\n\ns = requests.session()\n", ()),
    ("from boto3.session import Session\n\ns = Session()\n", ()),
    ("import botocore.session\n\ns = botocore.session.get_session()\n", ()),
    ("import httpx\n\ndef f():\n    session = httpx.Client()\n    return session.get('/')\n", ()),
    (
        "from bs4 import BeautifulSoup\n\ndef f(h):\n    soup = BeautifulSoup(h)\n    return soup.select('a')\n",
        (),
    ),
    ("from select import select\n\nselect([], [], [], 1)\n", ()),
    ("from urllib.parse import urlparse\n\nurlparse(u).query\n", ()),
    (
        "from urllib.parse import urlsplit\n\ndef f(u):\n    parts = urlsplit(u)\n    return parts.query\n",
        (),
    ),
    ("from bs4 import BeautifulSoup\n\nBeautifulSoup(h).select('a')\n", ()),
    (
        "import requests\n\nclass C:\n    def __init__(self):\n        self.session = requests.Session()\n\n"
        "    def f(self):\n        return self.session.get('/')\n",
        (),
    ),
    (
        "import requests\n\nclass C:\n    session = requests.Session()\n\n"
        "    def f(self):\n        def g():\n            return self.session.get('/')\n        return g()\n",
        (),
    ),
    # A name bound any other way too keeps today's reading.
    (
        "import requests\n\nclass C:\n    def __init__(self):\n        self.session = requests.Session()\n\n"
        "class D(Base):\n    def f(self):\n        return self.session.query(User)\n",
        ("query", "session"),
    ),
    (
        "import requests\n\nclass C:\n    session = requests.Session()\n\n"
        "    def f(self, db):\n        self.session = db\n        return self.session.execute(q)\n",
        ("query", "session"),
    ),
    (
        "from flask import session\n\ndef f(session):\n    return session.execute(q)\n",
        ("query", "session"),
    ),
    (
        "from flask import session\n\nfor session in sessions:\n    session.execute(q)\n",
        ("query", "session"),
    ),
    (
        "from flask import session\nfrom app.db import session\n\nsession.execute(q)\n",
        ("query", "session"),
    ),
    (
        "import requests\n\ndef f(engine):\n    with Session(engine) as session:\n        return session.get(User, 1)\n",
        ("session",),
    ),
    ("import requests\n\ndef f(soup):\n    return soup.select('a')\n", ("query",)),
    ("import requests\nfrom sqlalchemy import select\n\nselect(User)\n", ("query",)),
    ("import requests\n\nmake_session().query(User)\n", ("query",)),
    ("from urllib.parse import urlparse\n\nurlparse = None\nurlparse(u).query\n", ("query",)),
    ("from flask import g\n\ng.db.execute(q)\n", ("query",)),
    ("from flask import current_app\n\ncurrent_app.db.session.add(x)\n", ("session",)),
    ("from .http import session\n\nsession.get('/')\n", ("session",)),
    # No library that is not a database imported: as before.
    ("def f():\n    return session.get('u')\n", ("session",)),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
@pytest.mark.parametrize("sliced", [True, False])
def test_interactions_of_a_file(source: str, expected: tuple[str, ...], sliced: bool) -> None:
    facts = extract_facts("m.py", source.encode(), use_prefilter=False, sliced=sliced)
    assert facts.error is None and facts.internal_error is None
    assert facts.interactions == expected


def test_ddl_on_a_module_s_own_temporary_table_is_no_schema_change() -> None:
    """raw_ddl_temporary_tables: a module whose only DDL is on its own temporary table has no
    DBL103 and is no high-risk schema change; the same statements on a permanent table are."""
    completed = run_tool_once(
        "dblint", "inventory", "--format", "json", cwd=FIXTURES / "raw_ddl_temporary_tables"
    )
    rows = {row["path"]: row for row in json.loads(completed.stdout)["files"]}
    assert (rows["purge/media.py"]["findings"], rows["purge/media.py"]["risk"]) == ({}, "medium")
    assert (rows["purge/export.py"]["findings"], rows["purge/export.py"]["risk"]) == (
        {"DBL103": 3},
        "high",
    )


# The shape of a VM controller using no database (GNS3's server): an HTTP session handed
# in as a parameter, a Docker client's own `query` method, a list helper named `select`,
# and a WMI query string, which is SQL text and keeps counting as raw SQL.
NO_DATABASE = {
    "vmctl/__init__.py": "",
    "vmctl/fetch.py": (
        "async def fetch_json(session, url):\n"
        "    async with session.get(url) as response:\n"
        "        return await response.json()\n"
    ),
    "vmctl/containers.py": (
        "class ContainerClient:\n"
        "    async def query(self, method, path, data=None):\n"
        "        return (method, path, data)\n\n"
        "    async def images(self):\n"
        "        return await self.query('GET', 'images/json')\n"
    ),
    "vmctl/pick.py": (
        "def select(items, key):\n    return [item for item in items if key in item]\n\n\n"
        "def running(vms):\n    return select(vms, 'running')\n"
    ),
    "vmctl/hyperv.py": (
        "def adapters(conn, vm_id):\n"
        "    wql = f\"SELECT * FROM Msvm_NetworkAdapter WHERE InstanceID like '{vm_id}%'\"\n"
        "    return conn.run(wql)\n"
    ),
}


def _file_interactions(root: Path) -> dict[str, list[str]]:
    completed = run_tool("dblint", "inventory", "--format", "json", cwd=root)
    assert completed.returncode in (0, 1), completed.stderr  # 1: the unreadable file's DBL001
    return {row["path"]: row["interactions"] for row in json.loads(completed.stdout)["files"]}


def test_a_project_using_no_database_library_has_no_session_or_query(tmp_path: Path) -> None:
    root = write_project(tmp_path, NO_DATABASE)
    assert _file_interactions(root) == {"vmctl/hyperv.py": ["raw-sql"]}


@pytest.mark.parametrize(
    "store",
    [
        "import sqlite3\n",
        "import psycopg2.extras\n",
        "from mysql import connector\n",
        "from django.db import connection\n",
        "from sqlalchemy.orm import Session\n",
        "class Vm(Model):\n    __tablename__ = 'vms'\n",  # a class mapping itself on an unknown base
        "def broken(:\n",  # what an unreadable file imports is unknown: today's reading stays
    ],
)
def test_where_some_file_uses_a_database_the_same_code_counts(tmp_path: Path, store: str) -> None:
    root = write_project(tmp_path, {**NO_DATABASE, "vmctl/store.py": store})
    found = _file_interactions(root)
    assert found["vmctl/fetch.py"] == ["session"]
    assert found["vmctl/containers.py"] == ["query"]
    assert found["vmctl/pick.py"] == ["query"]
