"""`# noqa` as flake8 reads it: `dblint check` and `flake8 --select DBL` suppress the same findings."""

from __future__ import annotations

from pathlib import Path

from conftest import as_flake8, finding_set, run_tool, write_project

# Each create_all line is (comment, suppressed?) as flake8 decides.
CASES = [
    ("", False),
    ("  # noqa", True),
    ("  # NOQA", True),
    ("  # NoQA:DBL101", True),
    ("  # noqa: DBL101,DBL102", True),
    ("  # noqa: DBL102, DBL101", True),
    ("  # noqa:DBL101 DBL105", True),
    ("  # noqa: DBL1", True),  # prefix
    ("  # noqa:DBL", True),  # prefix
    ("  # noqa: E501", False),  # another code
    ("  # noqa: DBL105", False),  # another DBL code
    ("  # noqa: DBL1011", False),  # longer than the code: no prefix of it
    ("  # noqa:dbl101", False),  # codes are compared as written
    ("  #noqa", False),  # flake8 needs "# noqa"
    ("  #" + "noqa:DBL1", False),  # split so linters of this file do not read it
    ("  # noqa : DBL105", True),  # not a code list: a blanket noqa
    ("  # type: ignore  # noqa: DBL101", True),
    ("  # the noqa convention", False),
]

SCHEMA_SQL = '''

def multi_line(conn):
    conn.execute(text("""
        CREATE TABLE a1 (id INTEGER PRIMARY KEY, name TEXT)
    """))  # noqa: DBL102
    conn.execute(text("""
        CREATE TABLE a2 (id INTEGER PRIMARY KEY, name TEXT)
    """))  # noqa: DBL103
    conn.execute(text(
        "CREATE TABLE a3 (id INTEGER PRIMARY KEY,"
        " name TEXT)"  # noqa: DBL102
    ))
    conn.execute(text(
        "CREATE TABLE a4 (id INTEGER PRIMARY KEY,"  # noqa: DBL102
        " name TEXT)"
    ))
    ddl = """ALTER TABLE users
        ADD COLUMN age INTEGER"""  # noqa
    conn.execute(ddl)
    conn.execute(text("""
        DROP TABLE legacy
    """))
'''


def project(tmp_path: Path) -> tuple[Path, dict[int, bool]]:
    lines = [
        "from sqlalchemy import MetaData, Table, text",
        "metadata = MetaData()",
        "users = Table('users', metadata)",
    ]
    expected: dict[int, bool] = {}
    for comment, suppressed in CASES:
        lines.append(f"metadata.create_all(None){comment}")
        expected[len(lines)] = suppressed
    source = "\n".join(lines) + "\n" + SCHEMA_SQL
    return write_project(
        tmp_path / "proj", {"app/__init__.py": "", "app/noqa_cases.py": source}
    ), expected


def test_noqa_comments_on_the_reported_line(tmp_path: Path) -> None:
    root, expected = project(tmp_path)
    found = finding_set(run_tool("dblint", "check", cwd=root).stdout)
    reported = {line for path, line, code in found if code == "DBL101"}
    assert reported == {line for line, suppressed in expected.items() if not suppressed}


def test_noqa_on_the_last_line_of_a_multi_line_string(tmp_path: Path) -> None:
    root, _ = project(tmp_path)
    source = (root / "app/noqa_cases.py").read_text().splitlines()
    start = {
        name: next(i for i, line in enumerate(source, 1) if f"TABLE {name}" in line)
        for name in ("a2", "a3", "legacy")
    }
    found = finding_set(run_tool("dblint", "check", cwd=root).stdout)
    others = {(line, code) for path, line, code in found if code != "DBL101"}
    # a1 and the ALTER are suppressed from the closing line; a2 names another code;
    # a3's noqa is on a different line than the reported first piece (as in flake8); a4 is on it.
    assert others == {
        (start["a2"] - 1, "DBL102"),
        (start["a3"], "DBL102"),
        (start["legacy"] - 1, "DBL103"),
    }


def test_flake8_suppresses_exactly_the_same(tmp_path: Path) -> None:
    root, _ = project(tmp_path)
    dblint = run_tool("dblint", "check", "app", cwd=root)
    flake8 = run_tool("flake8", "--select", "DBL", "app", cwd=root)
    assert flake8.returncode == 1, flake8.stderr
    assert sorted(flake8.stdout.splitlines()) == sorted(as_flake8(dblint.stdout).splitlines())
