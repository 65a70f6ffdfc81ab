"""docs/editors.md: the real flake8, run the way each documented editor integration runs it
(arguments, working directory, stdin or file), its output read the way that editor reads it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, run_tool
from gitrepo import REPO

DOCS = (REPO / "docs" / "editors.md").read_text(encoding="utf-8")
SELECT = "--select=DBL"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "notes-service"
    shutil.copytree(FIXTURES / "precommit_app", root)
    return root


def _what(message: str) -> str:
    """What a message says is wrong, without the what-to-do after its last `; `."""
    return message.rpartition("; ")[0]


def _flake8(*args: str, cwd: Path, stdin: str | None = None) -> str:
    completed = run_tool("flake8", *args, cwd=cwd, stdin=stdin)
    assert completed.returncode in (0, 1), completed.stderr
    assert "Traceback" not in completed.stderr
    return completed.stdout


def test_docs_show_the_select_argument_for_every_editor() -> None:
    (settings,) = [
        json.loads(block) for block in re.findall(r"```json\n(.*?)```", DOCS, flags=re.S)
    ]
    assert settings["flake8.args"] == [SELECT]
    assert settings["flake8.importStrategy"] == "fromEnvironment"
    assert f"`{SELECT} $FilePath$`" in DOCS  # PyCharm
    assert f'table.insert(lint.linters.flake8.args, 1, "{SELECT}")' in DOCS  # nvim-lint
    assert f'extra_args = {{ "{SELECT}" }}' in DOCS  # none-ls


def test_vscode_flake8_extension(project: Path) -> None:
    """The extension runs `python -m flake8 --format='…' <flake8.args> <file>` in the
    workspace folder and reads `row,col,type,code:text` lines (quotes included)."""
    (settings,) = [
        json.loads(block) for block in re.findall(r"```json\n(.*?)```", DOCS, flags=re.S)
    ]
    path = project / "notes" / "app.py"
    completed = run_tool(
        "python",
        "-m",
        "flake8",
        "--format='%(row)d,%(col)d,%(code).1s,%(code)s:%(text)s'",
        *settings["flake8.args"],
        str(path),
        cwd=project,
    )
    assert completed.returncode == 1, completed.stderr
    rows = [
        re.fullmatch(r"'?(\d+),(-?\d+),(\w+),(\w+\d+):(.*?)'?", line)
        for line in completed.stdout.splitlines()
    ]
    assert [(m[1], m[2], m[3], m[4], _what(m[5])) for m in rows] == [
        (
            "10",
            "5",
            "D",
            "DBL101",
            "Base.metadata.create_all() creates tables outside Alembic migrations",
        )
    ]


def test_neovim_nvim_lint_on_an_unsaved_buffer(project: Path) -> None:
    """nvim-lint's flake8 linter pipes the buffer: `flake8 <args> --stdin-display-name <buffer> -`."""
    path = project / "notes" / "app.py"
    buffer = path.read_text(encoding="utf-8").replace(
        "    engine.dispose()\n", "    engine.dispose()\n    Base.metadata.drop_all(engine)\n"
    )
    args = [
        SELECT,
        "--format=%(path)s:%(row)d:%(col)d:%(code)s:%(text)s",
        "--no-show-source",
        "--stdin-display-name",
        str(path),
        "-",
    ]
    output = _flake8(*args, cwd=project, stdin=buffer)
    found = [
        re.fullmatch(r"[^:]+:(\d+):(\d+):(\w+):(.+)", line).groups() for line in output.splitlines()
    ]
    found = [(*head, _what(text)) for *head, text in found]
    assert found == [
        ("10", "5", "DBL105", "Base.metadata.drop_all() drops tables outside Alembic migrations"),
        (
            "11",
            "5",
            "DBL101",
            "Base.metadata.create_all() creates tables outside Alembic migrations",
        ),
    ]


def test_neovim_none_ls_with_extra_args(project: Path) -> None:
    """none-ls-extras' flake8 source: `flake8 --format default --stdin-display-name $FILENAME - <extra_args>`."""
    path = project / "scripts" / "backfill.py"
    args = ["--format", "default", "--stdin-display-name", str(path), "-", SELECT]
    output = _flake8(*args, cwd=project, stdin=path.read_text(encoding="utf-8"))
    found = [
        re.search(r":(\d+):(\d+): ((\w)\w+) (.*)", line).groups() for line in output.splitlines()
    ]
    found = [(*head, _what(text)) for *head, text in found]
    assert found == [
        ("10", "27", "DBL102", "D", "raw SQL creates table backfill_log outside Alembic migrations")
    ]


def test_pycharm_file_watcher(project: Path) -> None:
    """The File Watcher runs `flake8 --select=DBL $FilePath$` in `$ProjectFileDir$`; its output
    filter `$FILE_PATH$:$LINE$:$COLUMN$: $MESSAGE$` links each line to the file."""
    path = project / "notes" / "app.py"
    output = _flake8(SELECT, str(path), cwd=project)
    (line,) = output.splitlines()
    match = re.fullmatch(r"(?P<file>.+):(?P<line>\d+):(?P<column>\d+): (?P<message>.+)", line)
    assert match and Path(match["file"]) == path
    assert (match["line"], match["column"]) == ("10", "5")
    assert (
        _what(match["message"])
        == "DBL101 Base.metadata.create_all() creates tables outside Alembic migrations"
    )
