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

import pytest
from conftest import FIXTURES, run_tool_once

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
