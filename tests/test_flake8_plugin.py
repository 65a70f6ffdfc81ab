"""The real `flake8 --select DBL` reports what `dblint check` reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, as_flake8, hinted, run_tool, run_tool_once, write_project

PROJECTS = sorted(p.parent.name for p in FIXTURES.glob("*/pyproject.toml"))

BASE = "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"
STARTUP = "from app.models.base import Base\n\n\ndef init(engine):\n    Base.metadata.create_all(engine)\n"


def lines_of(stdout: str, skip: frozenset[str] = frozenset()) -> list[str]:
    """Output lines without flake8's `./` prefix, leaving out the files in `skip`."""
    shown = [line.removeprefix("./") for line in as_flake8(stdout).splitlines()]
    return sorted(line for line in shown if line.split(":", 1)[0] not in skip)


@pytest.mark.parametrize("project", PROJECTS)
def test_same_findings_as_dblint_on_every_fixture_project(project: str) -> None:
    root = FIXTURES / project
    dblint = run_tool_once("dblint", "check", ".", cwd=root)  # main, in this process
    flake8 = run_tool("flake8", "--select", "DBL,E9", ".", cwd=root)
    assert "Traceback" not in flake8.stderr, flake8.stderr
    # flake8 runs no plugin on a file its own interpreter cannot parse (E999, e.g. newer syntax).
    unparsable = frozenset(
        line.split(":", 1)[0] for line in lines_of(flake8.stdout) if ": E9" in line
    )
    assert lines_of(flake8.stdout, unparsable) == lines_of(dblint.stdout, unparsable)
    assert len(unparsable) <= 5


def test_cross_file_finding_on_a_single_file(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "proj",
        {
            "app/__init__.py": "",
            "app/models/__init__.py": "",
            "app/models/base.py": BASE,
            "app/startup.py": STARTUP,
        },
    )
    flake8 = run_tool("flake8", "--select", "DBL", "app/startup.py", cwd=root)
    assert (
        flake8.stdout
        == hinted(
            "app/startup.py:5:5: DBL101 Base.metadata.create_all() creates tables outside Alembic migrations"
        )
        + "\n"
    )
    assert flake8.stdout == as_flake8(
        run_tool("dblint", "check", "app/startup.py", cwd=root).stdout
    )


def test_stdin_lints_the_given_text_not_the_file_on_disk(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "proj",
        {
            "app/__init__.py": "",
            "app/models/__init__.py": "",
            "app/models/base.py": BASE,
            "app/startup.py": STARTUP,
        },
    )
    args = ("--select", "DBL", "--stdin-display-name", "app/startup.py", "-")
    # The editor's buffer has the fix; the file on disk does not.
    clean = run_tool(
        "flake8",
        *args,
        cwd=root,
        stdin="from app.models.base import Base\n\n\ndef init(engine):\n    pass\n",
    )
    assert (clean.returncode, clean.stdout) == (0, ""), clean.stderr
    # The buffer adds a drop_all two lines lower than anything on disk.
    edited = STARTUP.replace("def init", "\n\ndef init").replace("create_all", "drop_all")
    dirty = run_tool("flake8", *args, cwd=root, stdin=edited)
    assert (
        dirty.stdout
        == hinted(
            "app/startup.py:7:5: DBL105 Base.metadata.drop_all() drops tables outside Alembic migrations"
        )
        + "\n"
    )
    # A buffer for a file that does not exist yet is linted with the project around it.
    new = run_tool(
        "flake8",
        "--select",
        "DBL",
        "--stdin-display-name",
        "app/new_module.py",
        "-",
        cwd=root,
        stdin=STARTUP,
    )
    assert new.stdout.startswith("app/new_module.py:5:5: DBL101 ")


def test_tool_dblint_configuration_is_honoured(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "proj",
        {
            "app/__init__.py": "",
            "app/models/__init__.py": "",
            "app/models/base.py": BASE,
            "app/startup.py": STARTUP,
            "app/reset.py": STARTUP.replace("create_all", "drop_all"),
            "scripts/seed.py": STARTUP,
        },
        pyproject='[tool.dblint]\nignore = ["DBL105"]\nper-file-ignores = { "scripts/*" = ["DBL101"] }\n',
    )
    flake8 = run_tool("flake8", "--select", "DBL", ".", cwd=root)
    assert lines_of(flake8.stdout) == [
        hinted(
            "app/startup.py:5:5: DBL101 Base.metadata.create_all() creates tables outside Alembic migrations"
        )
    ]
    assert lines_of(flake8.stdout) == lines_of(run_tool("dblint", "check", cwd=root).stdout)


def test_configuration_error_is_reported_not_raised(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "proj", {"app/startup.py": STARTUP}, pyproject="[tool.dblint]\nselekt = []\n"
    )
    flake8 = run_tool("flake8", "--select", "DBL", "app/startup.py", cwd=root)
    assert "Traceback" not in flake8.stderr
    assert "tool.dblint.selekt" in flake8.stdout + flake8.stderr
    assert (
        "DBL001" not in flake8.stdout
    )  # DBL001 means an unparsable file, not a broken configuration


def test_stdin_with_a_coding_cookie(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "proj",
        {"app/__init__.py": "", "app/models/__init__.py": "", "app/models/base.py": BASE},
    )
    buffer = "# -*- coding: latin-1 -*-\n# Données\n" + STARTUP
    flake8 = run_tool(
        "flake8",
        "--select",
        "DBL",
        "--stdin-display-name",
        "app/boot.py",
        "-",
        cwd=root,
        stdin=buffer,
    )
    assert (
        flake8.stdout
        == hinted(
            "app/boot.py:7:5: DBL101 Base.metadata.create_all() creates tables outside Alembic migrations"
        )
        + "\n"
    )


def test_loading_the_plugin_imports_no_libcst() -> None:
    """flake8 loads every plugin on start, also for `--select F`: LibCST waits until a file needs a parse."""
    import subprocess
    import sys

    script = (
        "import sys\nfrom importlib.metadata import entry_points\n"
        "(plugin,) = [e for e in entry_points(group='flake8.extension') if e.name == 'DBL']\n"
        "plugin.load()\nfrom dblint.rules import all_rules\nall_rules()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith('libcst')}))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]"


def test_project_root_is_looked_up_once_per_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dblint import flake8_plugin

    root = write_project(
        tmp_path / "project", {"app/a.py": "x = 1\n", "app/b.py": "y = 2\n", "c.py": "z = 3\n"}
    )
    looked_up: list[Path] = []
    real = flake8_plugin.find_checked_root
    monkeypatch.setattr(
        flake8_plugin, "find_checked_root", lambda path: looked_up.append(path) or real(path)
    )
    monkeypatch.setattr(flake8_plugin, "_roots", {})
    monkeypatch.setattr(flake8_plugin, "_projects", {})
    monkeypatch.setattr(flake8_plugin.Plugin, "active", True)
    for rel in ("app/a.py", "app/b.py", "c.py"):
        path = root / rel
        plugin = flake8_plugin.Plugin(None, str(path), path.read_text().splitlines(keepends=True))
        assert list(plugin.run()) == []
    assert [path.parent for path in looked_up] == [root / "app", root]


def test_an_idle_plugin_looks_nothing_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`flake8 --select F`: flake8 still builds the plugin for every file, which then costs nothing."""
    from dblint import flake8_plugin

    root = write_project(tmp_path / "project", {"app/a.py": "x = 1\n"})
    looked_up: list[Path] = []
    monkeypatch.setattr(flake8_plugin, "find_checked_root", looked_up.append)
    monkeypatch.setattr(flake8_plugin, "_roots", {})
    monkeypatch.setattr(flake8_plugin, "_projects", {})
    monkeypatch.setattr(flake8_plugin.Plugin, "active", False)
    plugin = flake8_plugin.Plugin(None, str(root / "app/a.py"), ["x = 1\n"])
    assert list(plugin.run()) == []
    assert looked_up == [] and flake8_plugin._projects == {}
