"""Hostile and broken inputs: dblint never crashes, never reads outside the project,
and reports what it cannot read as one DBL001 (at the syntax error, else at line 1)
while the scan goes on.

Every test runs the installed `dblint` (and, where it applies, `flake8 --select DBL`)
on files generated under tmp_path. Each project also holds `app.py` with a real
finding, so a test also fails when one bad file stops the scan.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BIN, finding_set, findings_of, run_tool, without_hint, write_project

APP = "import sqlalchemy as sa\nmetadata = sa.MetaData(); metadata_t = sa.Table('t', metadata)\nmetadata.create_all(engine)\n"
APP_FINDING = ("app.py", 3, "DBL101")
DEEP = 20_000  # far beyond what LibCST's native parser survives without the depth guard


def dblint(root: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    """`dblint check` that must end normally: exit 0 or 1, no traceback."""
    completed = run_tool("dblint", "check", *args, cwd=root, **kwargs)
    assert completed.returncode in (0, 1), completed.stderr
    assert "Traceback" not in completed.stderr + completed.stdout
    return completed


def write_bytes(root: Path, files: dict[str, bytes]) -> Path:
    write_project(root, {"app.py": APP})
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def messages(stdout: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in findings_of(stdout):
        path, _line, _column, rest = line.split(":", 3)
        found.setdefault(path, []).append(without_hint(rest.strip()))
    return found


# name -> (bytes, words the DBL001 message must contain)
UNREADABLE: dict[str, tuple[bytes, str]] = {
    "undecodable.py": (b"import sqlalchemy\nname = '\xff\xfe caf\xe9'\n", "cannot decode as utf-8"),
    "wrong_cookie.py": (
        b"# -*- coding: klingon -*-\nimport sqlalchemy\n",
        "unknown encoding: klingon",
    ),
    "ascii_cookie.py": (b"# coding: ascii\nname = 'caf\xc3\xa9'\n", "cannot decode as ascii"),
    "bom_and_latin1_cookie.py": (b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", "coding"),
    "mixed_encodings.py": (
        "a = 'é'\n".encode() + "b = 'é'\n".encode("latin-1"),
        "cannot decode as utf-8",
    ),
    "nul_byte.py": (b"import sqlalchemy\nx = 1\x00\n", "NUL byte"),
    "binary.py": (bytes(range(256)) * 64, "NUL byte"),
    "binary_no_nul.py": (bytes(range(1, 256)) * 64, "cannot decode"),
    "syntax_error.py": (b"import sqlalchemy\ndef create_tables(:\n    pass\n", "syntax error"),
    "python2.py": (b"import sqlalchemy\nprint 'creating tables'\nexec 'x = 1'\n", "syntax error"),
    "unterminated.py": (b'import sqlalchemy\nsql = """CREATE TABLE users (\n', "syntax error"),
    # A Jinja / cookiecutter template saved as `.py` (mage-ai's block templates) says so.
    "template.py": (
        b"import sqlalchemy\n{% if tables %}\nx = 1\n{% endif %}\n",
        "a template, not Python (`{%` at line 2)",
    ),
    "template_expression.py": (b"  {{ cookiecutter.table }} = 1\n", "a template, not Python"),
    # cookiecutter-flask: the package name is a template expression inside an import.
    "template_import.py": (
        b"import sqlalchemy\nfrom {{cookiecutter.app_name}}.app import create_app\n",
        "a template, not Python (`{{` at line 2)",
    ),
    # Its look-alike: broken Python whose line starts with a brace is a syntax error.
    "brace_error.py": (b'import sqlalchemy\n{"users": 1 2}\n', "syntax error"),
    "set_of_sets_error.py": (b"import sqlalchemy\nx = {{1}} {{2}}\n", "syntax error"),
    # Nesting: some shapes the interpreter rejects, some only LibCST cannot take
    # (`and` chains and dotted names crashed its native parser with a stack overflow).
    "deep_parens.py": (
        b"import sqlalchemy\nx = " + b"(" * 1000 + b"1" + b")" * 1000 + b"\n",
        "nested",
    ),
    "deep_binop.py": (b"import sqlalchemy\nx = 1" + b" + 1" * DEEP + b"\n", "too deep"),
    "deep_and.py": (b"import sqlalchemy\nx = session" + b" and 1" * DEEP + b"\n", "too deep"),
    "deep_or.py": (b"import sqlalchemy\nx = session" + b" or 1" * DEEP + b"\n", "too deep"),
    "deep_import.py": (b"import sqlalchemy" + b".b" * DEEP + b"\n", "too deep"),
    "deep_from_import.py": (b"from sqlalchemy" + b".b" * DEEP + b" import c\n", "too deep"),
    "deep_comprehension.py": (
        b"import sqlalchemy\nx = [a" + b" for a in b" * 4000 + b"]\n",
        "too deep",
    ),
    "deep_attribute.py": (b"import sqlalchemy\nx = session" + b".b" * DEEP + b"\n", "too deep"),
    "deep_if.py": (
        b"import sqlalchemy\n"
        + b"".join(b" " * i + b"if x:\n" for i in range(120))
        + b" " * 120
        + b"pass\n",
        "indentation",
    ),
    # Syntax newer than Python 3.12 goes to LibCST without an `ast` tree to measure.
    "deep_newer_syntax.py": (
        b"import sqlalchemy\ntype Rows = list[int]\nx = "
        + b"(" * DEEP
        + b"1"
        + b")" * DEEP
        + b"\n",
        "nest",
    ),
}


# Files the interpreter's parser rejects at a place: their DBL001 is there, not at line 1.
SYNTAX_ERRORS = frozenset(
    {
        "syntax_error.py",
        "python2.py",
        "unterminated.py",
        "deep_parens.py",
        "deep_if.py",
        "template.py",
        "template_import.py",
        "brace_error.py",
        "set_of_sets_error.py",
    }
)


def test_each_unreadable_file_is_one_dbl001_and_the_scan_goes_on(tmp_path):
    root = write_bytes(tmp_path / "project", {rel: data for rel, (data, _) in UNREADABLE.items()})
    completed = dblint(root)
    found_set = finding_set(completed.stdout)
    assert {(rel, code) for rel, _, code in found_set} == {
        (rel, "DBL001") for rel in UNREADABLE
    } | {APP_FINDING[::2]}
    assert {item for item in found_set if item[0] not in SYNTAX_ERRORS} == {
        (rel, 1, "DBL001") for rel in UNREADABLE if rel not in SYNTAX_ERRORS
    } | {APP_FINDING}
    found = messages(completed.stdout)
    for rel, (_, reason) in UNREADABLE.items():
        assert len(found[rel]) == 1, found[rel]
        assert found[rel][0].startswith("DBL001 cannot check file: ") and reason in found[rel][0], (
            found[rel]
        )
    assert completed.returncode == 1


# flake8 itself dies on these (RecursionError from its own `ast.parse`), before any plugin runs.
FLAKE8_OWN_CRASHES = frozenset({"deep_binop.py", "deep_attribute.py"})


def test_flake8_survives_the_same_files(tmp_path):
    """flake8 reports E902/E999 itself for what Python cannot parse; the plugin must not crash on the rest."""
    files = {rel: data for rel, (data, _) in UNREADABLE.items() if rel not in FLAKE8_OWN_CRASHES}
    root = write_bytes(tmp_path / "project", files)
    completed = run_tool("flake8", "--select", "DBL", ".", cwd=root)
    assert "Traceback" not in completed.stderr + completed.stdout
    found = finding_set(completed.stdout.replace("./", ""))
    assert APP_FINDING in found
    # Python parses these; only LibCST cannot: the plugin reports them itself.
    for rel in (
        "deep_and.py",
        "deep_or.py",
        "deep_import.py",
        "deep_from_import.py",
        "deep_comprehension.py",
    ):
        assert (rel, 1, "DBL001") in found


def _positions(stdout: str, code: str) -> dict[str, tuple[int, int]]:
    found = {}
    for line in findings_of(stdout):
        path, row, column, rest = line.split(":", 3)
        if rest.split()[0] == code:
            found[path.removeprefix("./")] = (int(row), int(column))
    return found


def test_dbl001_of_a_syntax_error_is_where_flake8_reports_e999(tmp_path):
    root = write_bytes(tmp_path / "project", {rel: UNREADABLE[rel][0] for rel in SYNTAX_ERRORS})
    e999 = _positions(run_tool("flake8", "--select", "E999", ".", cwd=root).stdout, "E999")
    dbl001 = _positions(dblint(root).stdout, "DBL001")
    assert set(e999) == SYNTAX_ERRORS
    # flake8's line; the column of Python's own caret (flake8 7 prints one column past it).
    assert {rel: row for rel, (row, _) in dbl001.items()} == {
        rel: row for rel, (row, _) in e999.items()
    }
    assert dbl001 == {rel: _caret(UNREADABLE[rel][0]) for rel in SYNTAX_ERRORS}
    assert dbl001["syntax_error.py"] == (2, 19)  # the `:` of `def create_tables(:`


def _caret(data: bytes) -> tuple[int, int]:
    """Where the interpreter's parser puts the error (compiled only, never run)."""
    try:
        compile(data, "<fixture>", "exec", dont_inherit=True)
    except SyntaxError as error:
        return error.lineno, error.offset
    raise AssertionError("the fixture parses")


ODD_BUT_VALID: dict[str, tuple[bytes, int]] = {
    "bom.py": (b"\xef\xbb\xbf" + APP.encode(), 3),
    "crlf.py": (APP.replace("\n", "\r\n").encode(), 3),
    "cr_only.py": (APP.replace("\n", "\r").encode(), 3),
    "mixed_newlines.py": (
        b"import sqlalchemy as sa\r\nmetadata = sa.MetaData(); metadata_t = sa.Table('t', metadata)\rx = 1\nmetadata.create_all(engine)\n",
        4,
    ),
    "form_feed.py": (
        b"import sqlalchemy as sa\n\x0c\nmetadata = sa.MetaData(); metadata_t = sa.Table('t', metadata)\nif True:\n\x0c    metadata.create_all(engine)\n",
        5,
    ),
    "latin1_cookie.py": (
        "# -*- coding: latin-1 -*-\nimport sqlalchemy as sa\nnom = 'café'\nm = sa.MetaData(); m_t = sa.Table('t', m)\nm.create_all(e)\n".encode(
            "latin-1"
        ),
        5,
    ),
    "non_ascii_names.py": (
        "import sqlalchemy as sa\nmétadonnées = sa.MetaData(); métadonnées_t = sa.Table('t', métadonnées)\nmétadonnées.create_all(moteur)\n".encode(),
        3,
    ),
    "cjk_names.py": (
        "import sqlalchemy as sa\n元数据 = sa.MetaData(); 元数据_t = sa.Table('t', 元数据)\n元数据.create_all(引擎)\n".encode(),
        3,
    ),
    "python312.py": (
        b"import sqlalchemy as sa\ntype Rows = list[int]\ndef first[T](items: list[T]) -> T:\n"
        b"    return items[0]\nmetadata = sa.MetaData(); metadata_t = sa.Table('t', metadata)\nmetadata.create_all(engine)\n",
        6,
    ),
    "tabs.py": (
        b"import sqlalchemy as sa\nmetadata = sa.MetaData(); metadata_t = sa.Table('t', metadata)\nif True:\n\tmetadata.create_all(engine)\n",
        4,
    ),
    "empty.py": (b"", 0),
    "only_bom.py": (b"\xef\xbb\xbf", 0),
    "no_final_newline.py": (APP.rstrip("\n").encode(), 3),
}


def test_odd_but_valid_files_are_read_correctly(tmp_path):
    root = write_bytes(
        tmp_path / "project", {rel: data for rel, (data, _) in ODD_BUT_VALID.items()}
    )
    expected = {(rel, line, "DBL101") for rel, (_, line) in ODD_BUT_VALID.items() if line} | {
        APP_FINDING
    }
    assert finding_set(dblint(root).stdout) == expected
    flake8 = run_tool("flake8", "--select", "DBL", ".", cwd=root)
    assert "Traceback" not in flake8.stderr
    if sys.version_info < (3, 12):  # flake8 itself cannot parse PEP 695 syntax there
        expected.discard(("python312.py", 6, "DBL101"))
    assert finding_set(flake8.stdout.replace("./", "")) == expected


def _run_bytes(root: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "dblint"), *args],
        cwd=root,
        capture_output=True,
        env={**os.environ, **env},
        timeout=600,
    )


def test_file_names_that_are_not_utf8(tmp_path):
    root = write_project(tmp_path / "project", {"app.py": APP})
    try:
        with open(os.path.join(os.fsencode(root), b"caf\xe9_\xff.py"), "wb") as handle:
            handle.write(APP.encode())
    except (OSError, UnicodeError):
        pytest.skip("this file system does not store non-UTF-8 names")
    for encoding in ("utf-8", "utf-8:surrogateescape", "ascii", "latin-1"):
        for fmt in ("text", "json", "sarif", "github"):
            completed = _run_bytes(
                root, "check", "--no-cache", "--format", fmt, env={"PYTHONIOENCODING": encoding}
            )
            assert completed.returncode == 1, (encoding, fmt, completed.stderr)
            assert b"Traceback" not in completed.stderr + completed.stdout
            output = completed.stdout.decode("utf-8", "surrogateescape")
            if fmt == "json":
                codes = [item["code"] for item in json.loads(output)]
            elif fmt == "sarif":
                codes = [item["ruleId"] for item in json.loads(output)["runs"][0]["results"]]
            else:
                # The code of each finding, not the one its hint names (`# noqa: DBL101`).
                codes = re.findall(r"\bDBL101\b(?!`)", output)
            assert codes == ["DBL101", "DBL101"], (encoding, fmt, output)


def _drop_root_file_access() -> None:
    """In the child: give up root's right to ignore file permissions (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _as_unprivileged() -> dict:
    """subprocess arguments under which chmod 000 really denies access, or skip."""
    if os.name != "posix":
        pytest.skip("permissions are POSIX-specific")
    if os.geteuid() != 0:
        return {}
    probe = (
        subprocess.run(["true"], preexec_fn=_drop_root_file_access, check=False)
        if sys.platform == "linux"
        else None
    )
    if probe is None or probe.returncode != 0:
        pytest.skip("running as root without a way to drop CAP_DAC_OVERRIDE")
    return {"preexec_fn": _drop_root_file_access}


@pytest.mark.parametrize("with_git", [False, True])
def test_unreadable_file_and_directory(tmp_path, with_git):
    extra = _as_unprivileged()
    if with_git and shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = write_project(
        tmp_path / "project", {"app.py": APP, "secret.py": APP, "locked/models.py": APP}
    )
    if with_git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "secret.py").chmod(0)
    (root / "locked").chmod(0)
    try:
        completed = subprocess.run(
            [str(BIN / "dblint"), "check", "--no-cache"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=600,
            **extra,
        )
    finally:
        (root / "locked").chmod(0o755)
        (root / "secret.py").chmod(0o644)
    assert completed.returncode == 1, completed.stderr
    assert "Traceback" not in completed.stderr
    found = messages(completed.stdout)
    assert found["secret.py"] == ["DBL001 cannot check file: cannot read file: Permission denied"]
    if not with_git:  # git skips a directory it cannot open (with a warning); the walk reports it
        assert found["locked"] == ["DBL001 cannot check: cannot read directory: Permission denied"]
    assert found["app.py"] == [
        "DBL101 metadata.create_all() creates tables outside Alembic migrations"
    ]


@pytest.mark.parametrize("with_git", [False, True])
def test_symlinks_never_loop_and_never_leave_the_project(tmp_path, with_git):
    if with_git and shutil.which("git") is None:
        pytest.skip("git is not installed")
    outside = write_project(tmp_path / "outside", {"models.py": APP, "pkg/db.py": APP})
    root = write_project(tmp_path / "project", {"app.py": APP, "pkg/__init__.py": ""})
    links = {
        "loop_a.py": "loop_b.py",
        "loop_b.py": "loop_a.py",
        "self.py": "self.py",
        "pkg/again": "..",  # a directory loop
        "pkg/here": ".",
        "outside_file.py": str(outside / "models.py"),
        "outside_relative.py": "../outside/models.py",
        "outside_dir": str(outside / "pkg"),
        "dangling.py": "does_not_exist.py",
        "inside.py": "app.py",
    }
    for rel, target in links.items():
        os.symlink(target, root / rel)
    if with_git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    found = finding_set(dblint(root, "--no-cache").stdout)
    # Only the symlink to a file inside the project is read; nothing outside is.
    assert found == {APP_FINDING, ("inside.py", 3, "DBL101")}
    # Named explicitly, a link out of the project is reported, not read.
    named = dblint(root, "--no-cache", "outside_file.py", "outside_dir/db.py")
    assert messages(named.stdout) == {
        "outside_file.py": [
            "DBL001 cannot check: symbolic link to a file outside the project, not read"
        ],
        "outside_dir/db.py": [
            "DBL001 cannot check: symbolic link to a file outside the project, not read"
        ],
    }


def test_git_never_runs_a_program_the_repository_configures(tmp_path):
    """`git ls-files` would run core.fsmonitor: a repository must not make dblint run its code."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = write_project(tmp_path / "project", {"app.py": APP})
    marker = tmp_path / "fsmonitor-ran"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    hook = root / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch '{marker}'\n")
    hook.chmod(0o755)
    subprocess.run(["git", "-C", str(root), "config", "core.fsmonitor", str(hook)], check=True)
    assert finding_set(dblint(root).stdout) == {APP_FINDING}
    assert not marker.exists()


ALEMBIC_INI_CASES = {
    "broken_interpolation": "[alembic]\nscript_location = %(nonexistent)s/migrations\nsqlalchemy.url = %(\n",
    "percent_signs": "[alembic]\nscript_location = migrations\nsqlalchemy.url = postgresql://u:p%%40ss%@h/db\n",
    "no_section_header": "script_location = migrations\n",
    "duplicate_keys": "[alembic]\nscript_location = a\nscript_location = b\n[alembic]\nscript_location = c\n",
    "outside_relative": "[alembic]\nscript_location = ../../outside/migrations\nversion_locations = ../outside/v /etc\n",
    "outside_here": "[alembic]\nscript_location = %(here)s/../outside/migrations\n",
    "outside_absolute": "[alembic]\nscript_location = {outside}/migrations\nversion_locations = {outside}/migrations/versions\n",
    "package_resource": "[alembic]\nscript_location = ..:..\nversion_locations = a..b:c .:x\n",
    "binary": "\x00\xff\xfe[alembic]\x00",
}


@pytest.mark.parametrize("case", sorted(ALEMBIC_INI_CASES))
def test_broken_or_escaping_alembic_ini(tmp_path, case):
    outside = write_project(
        tmp_path / "outside",
        {
            "migrations/env.py": "from alembic import context\nimport sqlalchemy\nsqlalchemy.MetaData().create_all(e)\n",
            "migrations/versions/a1.py": "revision = 'a1'\ndown_revision = 'missing'\n",
        },
    )
    root = write_project(
        tmp_path / "project",
        {"app.py": APP, "migrations/versions/b1.py": "revision = 'b1'\ndown_revision = None\n"},
    )
    (root / "alembic.ini").write_bytes(
        ALEMBIC_INI_CASES[case].format(outside=outside).encode("utf-8", "surrogateescape")
    )
    (root / "sub").mkdir()
    (root / "sub" / "pyproject.toml").write_text('tool = "alembic"\n')  # not a table
    completed = dblint(root)
    found = finding_set(completed.stdout)
    assert APP_FINDING in found
    assert all(not path.startswith("..") and not path.startswith("/") for path, _, _ in found)


def test_broken_tool_alembic_table(tmp_path):
    root = write_project(
        tmp_path / "project",
        {"app.py": APP},
        pyproject='[tool.alembic]\nscript_location = 5\nversion_locations = [1, "../x"]\n',
    )
    assert finding_set(dblint(root).stdout) == {APP_FINDING}


def test_max_file_size(tmp_path):
    root = write_project(tmp_path / "project", {"app.py": APP})
    row = b"x = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'\n"
    with open(root / "huge.py", "wb") as handle:
        handle.write(b"import sqlalchemy\n" + row * (50 * 1024 * 1024 // len(row) + 1))
    one_line = (
        b"import sqlalchemy as sa\nrows = '"
        + b"x" * 2 * 1024 * 1024
        + b"'; m = sa.MetaData(); t = sa.Table('t', m); m.create_all(e)\n"
    )
    (root / "one_line.py").write_bytes(one_line)
    found = messages(dblint(root).stdout)
    assert found["huge.py"] == [
        f"DBL001 cannot check file: file is too large ({(root / 'huge.py').stat().st_size} bytes > max-file-size 10485760), skipped"
    ]
    assert found["one_line.py"] == [
        "DBL101 m.create_all() creates tables outside Alembic migrations"
    ]
    assert found["app.py"] == [
        APP_FINDING[2] + " metadata.create_all() creates tables outside Alembic migrations"
    ]
    (root / "pyproject.toml").write_text("[tool.dblint]\nmax-file-size = 1000000\n")
    found = messages(dblint(root).stdout)
    assert found["one_line.py"] == [
        f"DBL001 cannot check file: file is too large ({len(one_line)} bytes > max-file-size 1000000), skipped"
    ]
    assert "huge.py" in found and "app.py" in found


def test_file_over_the_node_budget_is_analysed(tmp_path):
    """Past MAX_SYNTAX_NODES a LibCST tree would take over 500 MB: LibCST parses only the statements
    that need it, a batch at a time; one statement over the budget alone is a DBL001."""
    data = (
        "import sqlalchemy as sa\nDATA = [\n"
        + "    1, 2, 3, 4, 5, 6, 7, 8, 9, 10,\n" * 13_000
        + "]\nm = sa.MetaData(); t = sa.Table('t', m); m.create_all(e)\n"
    )
    marked = (
        "import sqlalchemy as sa\nDATA = [\n"
        + "    'Column', 2, 3, 4, 5, 6, 7, 8, 9, 10,\n" * 13_000
        + "]\nm = sa.MetaData(); t = sa.Table('t', m); m.create_all(e)\n"
    )
    root = write_project(
        tmp_path / "project", {"app.py": APP, "data.py": data, "marked.py": marked}
    )
    found = messages(dblint(root, "--no-cache").stdout)
    assert found["data.py"] == ["DBL101 m.create_all() creates tables outside Alembic migrations"]
    assert found["marked.py"] == [
        "DBL001 cannot check file: the statement at line 2 is too large to analyse (130005 syntax nodes > 120000), skipped"
    ]
    assert found["app.py"] == [
        APP_FINDING[2] + " metadata.create_all() creates tables outside Alembic migrations"
    ]


def test_create_table_in_a_huge_string_is_still_found(tmp_path):
    """A schema dump far longer than the classifier reads (sql.MAX_SQL_LENGTH) is read up to a `;`."""
    tables = "".join(
        f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, {'x VARCHAR(10), ' * 20}y TEXT);\n"
        for i in range(1000)
    )
    source = (
        f'import sqlite3\nSCHEMA = """\n{tables}"""\nsqlite3.connect("db").executescript(SCHEMA)\n'
    )
    assert len(tables) > 300_000
    root = write_project(tmp_path / "project", {"app.py": APP, "dump.py": source})
    assert finding_set(dblint(root).stdout) == {APP_FINDING, ("dump.py", 2, "DBL102")}


def test_100000_string_literals(tmp_path):
    rows = "".join("    " + "'a', " * 20 + "\n" for _ in range(5000))
    source = (
        "import sqlalchemy as sa\nDATA = [\n"
        + rows
        + "]\nsa.text('CREATE TABLE audit_log (id INT)')\n"
    )
    root = write_project(tmp_path / "project", {"app.py": APP, "data.py": source})
    assert finding_set(dblint(root).stdout) == {APP_FINDING, ("data.py", 5004, "DBL102")}


def _chain(count: int, cycle: bool) -> dict[str, str]:
    files = {}
    for number in range(count):
        down = f"'r{number - 1:05d}'" if number else (f"'r{count - 1:05d}'" if cycle else "None")
        files[f"migrations/versions/r{number:05d}.py"] = (
            f'revision = "r{number:05d}"\ndown_revision = {down}\n'
        )
    files["migrations/env.py"] = "from alembic import context\n"
    return files


# Longer than Python's default recursion limit (1000): a recursive walk would fail on it.
LONG_CHAIN = 1500


@pytest.mark.parametrize("length", [3, LONG_CHAIN])
def test_revision_cycle(tmp_path, length):
    root = write_project(tmp_path / "project", {"app.py": APP, **_chain(length, cycle=True)})
    (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    found = finding_set(dblint(root).stdout)
    assert APP_FINDING in found
    assert any(code == "DBL405" for _, _, code in found), found


def test_long_revision_chain(tmp_path):
    root = write_project(tmp_path / "project", {"app.py": APP, **_chain(LONG_CHAIN, cycle=False)})
    (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    found = finding_set(dblint(root).stdout)
    assert APP_FINDING in found
    assert not {code for _, _, code in found} & {"DBL401", "DBL402", "DBL403", "DBL404", "DBL405"}


_PEAK_MEMORY = (
    "import resource, sys\nfrom dblint.cli import main\ncode = main(sys.argv[1:])\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\nsys.exit(code)\n"
)


def _generated_repository(root: Path, modules: int) -> Path:
    files = {"app.py": APP}
    for number in range(modules):
        package = f"pkg{number % 40}"
        if number % 10 == 0:  # a model module: parsed by LibCST
            files[f"{package}/models{number}.py"] = (
                "import sqlalchemy as sa\nfrom sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\n"
                "class Base(DeclarativeBase):\n    pass\n\n\n"
                + "".join(
                    f"class T{number}x{i}(Base):\n    __tablename__ = 't{number}x{i}'\n    id: Mapped[int] = mapped_column(primary_key=True)\n\n\n"
                    for i in range(5)
                )
            )
        else:  # plain code: only syntax-checked
            files[f"{package}/util{number}.py"] = "".join(
                f"def f{i}(a, b):\n    return a + b * {i}\n\n\n" for i in range(20)
            )
    return write_project(root, files)


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in kilobytes on Linux only")
def test_memory_stays_bounded_on_a_large_generated_repository(tmp_path):
    """Peak memory grows far less than the repository: facts are small, parse trees are dropped.
    The large one is 4,600 modules (most of 80 lines): what grows with the files is kept per file."""
    peaks = []
    for modules in (460, 4600):
        root = _generated_repository(tmp_path / f"repo{modules}", modules)
        completed = subprocess.run(
            [
                sys.executable,
                "-c",
                _PEAK_MEMORY,
                "check",
                "--no-cache",
                "--jobs",
                "1",
                "--select",
                "DBL001,DBL002",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
        peaks.append(int(completed.stderr.strip().splitlines()[-1]))
    grown_mb = (peaks[1] - peaks[0]) / 1024
    assert grown_mb < 100, f"peak memory grew by {grown_mb:.0f} MB for 10x the files ({peaks} kB)"


def test_files_that_vanish_during_the_scan(tmp_path, monkeypatch):
    """Listed, then deleted before they are read: a DBL001 for the file, the scan goes on."""
    from dblint import engine, run_inputs
    from dblint.engine import Request

    root = write_project(
        tmp_path / "project",
        {
            "app.py": APP,
            "gone.py": APP,
            "gone_dir/models.py": APP,
            "migrations/alembic.ini": "[alembic]\n",
        },
    )
    discover = run_inputs.discover  # discovery moved from the engine to run_inputs

    def discover_then_delete(*args, **kwargs):
        found = discover(*args, **kwargs)
        (root / "gone.py").unlink()
        shutil.rmtree(root / "gone_dir")
        (root / "migrations" / "alembic.ini").unlink()
        return found

    monkeypatch.setattr(run_inputs, "discover", discover_then_delete)
    result = engine.run(Request(paths=(root,), jobs=1, use_cache=False))
    assert not result.tracebacks
    found = {
        (d.path, d.line, d.code, without_hint(f"{d.code} {d.message}").split(" ", 1)[1])
        for d in result.diagnostics
    }
    reason = "DBL001", "cannot check file: cannot read file: No such file or directory"
    assert found == {
        ("app.py", 3, "DBL101", "metadata.create_all() creates tables outside Alembic migrations"),
        ("gone.py", 1, *reason),
        ("gone_dir/models.py", 1, *reason),
    }


def test_invalid_escapes_in_the_code_print_no_warnings(tmp_path: Path) -> None:
    """Reading a string's value runs Python's parser on it, which warns about `"\\d"` (on stderr by
    default from Python 3.12 on; here every warning is shown): the user's escapes are not dblint's
    to report, and a clean run prints nothing on stderr."""
    root = write_project(
        tmp_path / "escapes",
        {
            "app/queries.py": 'from sqlalchemy import text\n\nPATTERN = "\\d+ CREATE TABLE"\n'
            'QUERY = text("SELECT \\d FROM users")\n'
        },
    )
    completed = run_tool(
        "dblint", "check", "--no-cache", ".", cwd=root, env={"PYTHONWARNINGS": "always"}
    )
    assert (completed.returncode, completed.stderr) == (0, ""), completed.stderr
