"""The command line itself: help on every option, one-line usage errors, standard input,
paths without Python files, `dblint rule` by name. The installed `dblint` in a subprocess."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
from conftest import run_tool, write_project
from gitrepo import REPO, init_repository

from dblint.cli import build_parser

SHOP = REPO / "examples" / "shop"
COMMANDS = ("check", "inventory", "rules", "rule")


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [
        action
        for action in parser._actions
        if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction))
    ]


def _command_parsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (commands,) = [
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    ]
    return dict(commands.choices)


def test_every_option_of_every_command_has_help() -> None:
    parsers = _command_parsers()
    assert sorted(parsers) == sorted(COMMANDS)
    missing = [
        f"{name} {action.option_strings or action.dest}"
        for name, parser in parsers.items()
        for action in _options(parser)
        if not action.help  # argparse.SUPPRESS marks the few internal options
    ]
    assert missing == []


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_each_option_with_its_text(command: str) -> None:
    completed = run_tool("dblint", command, "--help", cwd=REPO)
    assert completed.returncode == 0
    for action in _options(_command_parsers()[command]):
        if action.help != argparse.SUPPRESS:
            assert action.help.split("%")[0][:30] in " ".join(completed.stdout.split()), action.dest


@pytest.mark.parametrize(
    "args, words",
    [
        (("check", "--bogus"), "unrecognized arguments: --bogus"),
        (("check", "--format", "xml"), "invalid choice: 'xml'"),
        (("check", "--jobs", "0"), "'0' is not a positive number"),
        (("inventory", "--by", "row"), "invalid choice: 'row'"),
        (("check", "-", "--fix", "--stdin-filename", "app.py"), "checked alone"),
        (("check", "-"), "--stdin-filename"),
        (("check", "--stdin-filename", "app.py"), "pass `-`"),
    ],
)
def test_a_usage_error_is_one_line_that_points_to_help(args: tuple[str, ...], words: str) -> None:
    completed = run_tool("dblint", *args, cwd=SHOP, stdin="")
    assert (completed.returncode, completed.stdout) == (2, "")
    (line,) = completed.stderr.splitlines()
    assert words in line and line.endswith(f"(see `dblint {args[0]} --help`)"), line


def test_unknown_command_points_to_the_main_help() -> None:
    completed = run_tool("dblint", "chekc", cwd=SHOP)
    assert completed.returncode == 2
    (line,) = completed.stderr.splitlines()
    assert "invalid choice: 'chekc'" in line and line.endswith("(see `dblint --help`)")


def test_check_reads_standard_input_as_the_named_file() -> None:
    named = SHOP / "scripts" / "admin_reset.py"
    on_disk = run_tool("dblint", "check", "scripts/admin_reset.py", cwd=SHOP)
    assert on_disk.returncode == 1 and on_disk.stdout
    same = run_tool(
        "dblint",
        "check",
        "-",
        "--stdin-filename",
        "scripts/admin_reset.py",
        cwd=SHOP,
        stdin=named.read_text(),
    )
    assert (same.returncode, same.stdout) == (1, on_disk.stdout)
    # The buffer, not the file: an unsaved edit that removes the findings.
    edited = run_tool(
        "dblint",
        "check",
        "-",
        "--stdin-filename",
        "scripts/admin_reset.py",
        cwd=SHOP,
        stdin="x = 1\n",
    )
    assert (edited.returncode, edited.stdout) == (0, "")
    # A new file that is not on disk yet still belongs to the project around it.
    new = run_tool(
        "dblint",
        "check",
        "-",
        "--stdin-filename",
        "shop/new_module.py",
        cwd=SHOP,
        stdin="from shop.db import Base, engine\nBase.metadata.create_all(engine)\n",
    )
    assert new.returncode == 1 and re.match(r"shop/new_module.py:2:1: DBL101 ", new.stdout), (
        new.stdout + new.stderr
    )


def test_a_path_without_python_files_says_so(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"docs/index.md": "# docs\n", "app.py": "x = 1\n"})
    completed = run_tool("dblint", "check", "docs", cwd=root)
    assert (completed.returncode, completed.stdout) == (0, "")
    assert completed.stderr == "dblint: warning: no Python files found in docs\n"
    assert run_tool("dblint", "check", cwd=root).stderr == ""


@pytest.mark.parametrize("in_git", [True, False], ids=["git", "walk"])
def test_a_tree_that_is_only_a_project_template_says_what_was_skipped(
    tmp_path: Path, in_git: bool
) -> None:
    """A cookiecutter repository: its Python files lie under `{{cookiecutter.x}}/`, which is
    not Python yet; the warning names it instead of calling the tree empty."""
    template = "{{cookiecutter.project_slug}}"
    root = write_project(
        tmp_path / "project",
        {
            f"{template}/app/models.py": "from app.db import Base, engine\nBase.metadata.create_all(engine)\n",
            "{% if cookiecutter.docs %}docs{% endif %}/index.md": "# no Python here\n",
        },
    )
    if in_git:
        init_repository(root)
    completed = run_tool("dblint", "check", cwd=root)
    assert (completed.returncode, completed.stdout) == (0, "")
    assert completed.stderr == (
        "dblint: warning: no Python files found in . (project templates are not checked"
        f" unless named: {template}/)\n"
    )
    named = run_tool("dblint", "check", template, cwd=root)
    assert named.returncode == 1 and " DBL101 " in named.stdout, named.stdout + named.stderr


def test_rule_accepts_the_code_or_the_kebab_case_name() -> None:
    by_code = run_tool("dblint", "rule", "DBL401", cwd=REPO)
    by_name = run_tool("dblint", "rule", "multiple-migration-heads", cwd=REPO)
    assert by_code.returncode == by_name.returncode == 0
    assert by_name.stdout == by_code.stdout and by_code.stdout.startswith(
        "## DBL401 multiple-migration-heads"
    )
