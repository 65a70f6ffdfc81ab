"""`[tool.dblint]` and the command-line flags that override it, through the installed `dblint`."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import finding_set, run_tool, write_project

# One finding of each of DBL101, DBL103 and DBL105 in app code, one DBL101 in a script.
SOURCES = {
    "app/db.py": (
        "from sqlalchemy import Column, Integer, MetaData, Table, create_engine, text\n"
        "metadata = MetaData()\n"
        "users = Table('users', metadata, Column('id', Integer))\n"
        "engine = create_engine('sqlite:///app.db')\n"
        "metadata.create_all(engine)\n"
        "metadata.drop_all(engine)\n"
        "\n"
        "\n"
        "def migrate(conn):\n"
        "    conn.execute(text('ALTER TABLE users ADD COLUMN age INTEGER'))\n"
    ),
    "scripts/seed.py": "from app.db import engine, metadata\n\nmetadata.create_all(engine)\n",
    "app/__init__.py": "",
}
ALL = {
    ("app/db.py", 5, "DBL101"),
    ("app/db.py", 6, "DBL105"),
    ("app/db.py", 10, "DBL103"),
    ("scripts/seed.py", 3, "DBL101"),
}


def check(root: Path, *args: str):
    return run_tool("dblint", "check", *args, cwd=root)


def project(tmp_path: Path, config: str = "", files: dict[str, str] | None = None) -> Path:
    return write_project(tmp_path / "proj", {**SOURCES, **(files or {})}, pyproject=config)


def assert_one_line_error(completed, *needles: str) -> None:
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert completed.stdout == ""
    lines = completed.stderr.splitlines()
    assert len(lines) == 1, completed.stderr
    assert "Traceback" not in completed.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.mark.parametrize(
    ("config", "needles"),
    [
        ('[tool.dblint]\nselect = ["DBL"\n', ["pyproject.toml", "TOML"]),
        ("[tool.dblint]\nselect = 'DBL' 'x'\n", ["pyproject.toml", "TOML"]),
        ('[tool.dblint]\nselekt = ["DBL"]\n', ["pyproject.toml", "tool.dblint.selekt"]),
        ('[tool.dblint]\nignore = "DBL101"\n', ["pyproject.toml", "tool.dblint.ignore"]),
        ('[tool.dblint]\nmax-file-size = "big"\n', ["pyproject.toml", "tool.dblint.max-file-size"]),
        ("[tool.dblint]\nmax-file-size = -1\n", ["pyproject.toml", "tool.dblint.max-file-size"]),
        ("[tool.dblint]\ntest-paths = [1, 2]\n", ["pyproject.toml", "tool.dblint.test-paths"]),
        (
            '[tool.dblint]\nselect = ["DBL1O1"]\n',
            ["pyproject.toml", "tool.dblint.select", "DBL1O1"],
        ),
        (
            '[tool.dblint]\nextend-select = ["dbl101"]\n',
            ["pyproject.toml", "tool.dblint.extend-select"],
        ),
        (
            '[tool.dblint]\nper-file-ignores = {"app/*" = "DBL101"}\n',
            ["pyproject.toml", "tool.dblint.per-file-ignores"],
        ),
        (
            '[tool.dblint]\nper-file-ignores = ["app/*"]\n',
            ["pyproject.toml", "tool.dblint.per-file-ignores"],
        ),
        ("[tool.dblint]\ncache-dir = 3\n", ["pyproject.toml", "tool.dblint.cache-dir"]),
    ],
)
def test_configuration_errors_are_one_line_and_exit_2(
    tmp_path: Path, config: str, needles: list[str]
) -> None:
    root = project(tmp_path, config)
    assert_one_line_error(check(root), *needles)


def test_invalid_utf8_configuration_is_one_line(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "pyproject.toml").write_bytes(b'[tool.dblint]\nignore = ["DBL1\xff"]\n')
    assert_one_line_error(check(root), "pyproject.toml")


def test_defaults_report_every_default_rule(tmp_path: Path) -> None:
    root = project(tmp_path)
    completed = check(root)
    assert completed.returncode == 1
    assert finding_set(completed.stdout) == ALL


def test_select_and_ignore_from_the_file(tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.dblint]\nselect = ["DBL1"]\nignore = ["DBL105", "DBL103"]\n')
    assert finding_set(check(root).stdout) == {f for f in ALL if f[2] == "DBL101"}


def test_most_specific_code_wins(tmp_path: Path) -> None:
    # ignore the family, re-enable one member by its longer code
    root = project(tmp_path, '[tool.dblint]\nignore = ["DBL1"]\nextend-select = ["DBL105"]\n')
    assert finding_set(check(root).stdout) == {("app/db.py", 6, "DBL105")}


def test_flags_override_the_file(tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.dblint]\nselect = ["DBL105"]\n')
    assert finding_set(check(root).stdout) == {("app/db.py", 6, "DBL105")}
    assert finding_set(check(root, "--select", "DBL101,DBL103").stdout) == {
        f for f in ALL if f[2] != "DBL105"
    }
    assert finding_set(check(root, "--select", "DBL1", "--ignore", "DBL101").stdout) == {
        ("app/db.py", 6, "DBL105"),
        ("app/db.py", 10, "DBL103"),
    }


def test_ignore_flag_adds_to_the_file(tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.dblint]\nignore = ["DBL105"]\n')
    assert finding_set(check(root, "--ignore", "DBL103").stdout) == {
        f for f in ALL if f[2] == "DBL101"
    }


def test_config_flag_reads_another_file(tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.dblint]\nselect = ["DBL105"]\n')
    other = tmp_path / "ci.toml"
    other.write_text('[tool.dblint]\nselect = ["DBL103"]\n')
    assert finding_set(check(root, "--config", str(other)).stdout) == {("app/db.py", 10, "DBL103")}
    other.write_text("[tool.dblint]\nunknown = 1\n")
    assert_one_line_error(check(root, "--config", str(other)), "ci.toml", "tool.dblint.unknown")
    assert_one_line_error(check(root, "--config", str(tmp_path / "missing.toml")), "missing.toml")


def test_opt_in_rules_need_their_full_code(tmp_path: Path) -> None:
    root = project(tmp_path)
    listing = run_tool("dblint", "rules", cwd=root).stdout.splitlines()
    opt_in = [line.split()[0] for line in listing if " opt-in " in line]
    assert opt_in, "the catalog has opt-in rules"
    code = opt_in[0]
    # Selecting the family by prefix does not turn an opt-in rule on ...
    prefix_only = check(root, "--select", code[:4], "--format", "json")
    assert code not in prefix_only.stdout
    # ... its full code in extend-select does (it may or may not fire here, but it must run without error).
    full = check(root, "--extend-select", code)
    assert full.returncode in (0, 1), full.stderr


def test_per_file_ignores(tmp_path: Path) -> None:
    config = (
        '[tool.dblint]\nper-file-ignores = { "scripts/*.py" = ["DBL1"], "db.py" = ["DBL105"] }\n'
    )
    root = project(tmp_path, config)
    assert finding_set(check(root).stdout) == {
        ("app/db.py", 5, "DBL101"),
        ("app/db.py", 10, "DBL103"),
    }


def test_exclude_and_extend_exclude(tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.dblint]\nexclude = ["scripts/"]\n')
    assert finding_set(check(root).stdout) == {f for f in ALL if f[0] == "app/db.py"}
    assert finding_set(check(root, "--extend-exclude", "app/db.py").stdout) == set()
    # --exclude replaces the file's list
    assert finding_set(check(root, "--exclude", "app/").stdout) == {
        ("scripts/seed.py", 3, "DBL101")
    }


def test_test_paths_replace_the_defaults(tmp_path: Path) -> None:
    files = {
        "tests/test_db.py": "from app.db import engine, metadata\n\nmetadata.create_all(engine)\n"
    }
    root = project(tmp_path, files=files)
    assert ("tests/test_db.py", 3, "DBL101") not in finding_set(check(root).stdout)
    (root / "pyproject.toml").write_text('[tool.dblint]\ntest-paths = ["scripts/"]\n')
    found = finding_set(check(root).stdout)
    assert ("tests/test_db.py", 3, "DBL101") in found
    assert ("scripts/seed.py", 3, "DBL101") not in found


def test_exit_zero(tmp_path: Path) -> None:
    root = project(tmp_path)
    completed = check(root, "--exit-zero")
    assert completed.returncode == 0
    assert finding_set(completed.stdout) == ALL


def test_exit_status_clean_is_0(tmp_path: Path) -> None:
    root = write_project(tmp_path / "clean", {"app/main.py": "print('hello')\n"})
    completed = check(root)
    assert (completed.returncode, completed.stdout, completed.stderr) == (0, "", "")


def test_nonexistent_path_is_one_line(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert_one_line_error(check(root, "app/nope.py"), "app/nope.py")


def test_bad_code_on_the_command_line_exits_2(tmp_path: Path) -> None:
    root = project(tmp_path)
    completed = check(root, "--select", "DBL1O1")
    assert completed.returncode == 2
    assert "DBL1O1" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_configuration_is_read_from_the_project_root_when_run_from_a_subdirectory(
    tmp_path: Path,
) -> None:
    root = project(tmp_path, '[tool.dblint]\nselect = ["DBL105"]\n')
    completed = run_tool("dblint", "check", ".", cwd=root / "app")
    assert completed.stdout.startswith(
        "db.py:6:1: DBL105 metadata.drop_all() drops tables outside Alembic migrations; "
    )
    assert completed.stdout.endswith("\nFound 1 finding.\n") and completed.stdout.count("\n") == 2
