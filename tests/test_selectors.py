"""A selector that names no rule is an error, never a run that silently checks nothing (issue 16.1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import finding_set, run_tool, write_project

from dblint.rulecodes import RULE_CODES
from dblint.rules import all_rules

SOURCE = {
    "app/db.py": (
        "import sqlalchemy as sa\n\n"
        "metadata = sa.MetaData()\n"
        "users = sa.Table('users', metadata, sa.Column('id', sa.Integer, primary_key=True))\n"
        "metadata.create_all(engine)\n"
    )
}


def _project(tmp_path: Path, config: str = "") -> Path:
    return write_project(tmp_path / "proj", SOURCE, pyproject=config)


def test_the_code_table_matches_the_rule_declarations() -> None:
    assert dict(RULE_CODES) == {rule.code: rule.default for rule in all_rules()}


@pytest.mark.parametrize(
    ("flag", "value", "needle"),
    [
        ("--select", "DBL999", "'DBL999' matches no rule code"),
        ("--select", "FOO", "'FOO' matches no rule code"),
        ("--select", "ALL", "'ALL' matches no rule code: 'DBL' selects every default rule"),
        ("--select", "DBL6", "'DBL6' matches no rule code"),
        ("--extend-select", "DBL101,DBL99", "'DBL99' matches no rule code"),
        ("--ignore", "DBL7", "'DBL7' matches no rule code"),
        (
            "--extend-select",
            "DBL3",
            "does not enable the opt-in rules it matches (DBL305, DBL306, DBL307, DBL308)",
        ),
        ("--extend-select", "DBL", "opt-in rules run only when selected by their full code"),
    ],
)
def test_unknown_codes_on_the_command_line_exit_2(
    tmp_path: Path, flag: str, value: str, needle: str
) -> None:
    root = _project(tmp_path)
    for command in ("check", "inventory"):
        completed = run_tool("dblint", command, flag, value, cwd=root)
        assert completed.returncode == 2, completed.stdout + completed.stderr
        assert completed.stdout == ""
        assert needle in completed.stderr.splitlines()[-1]
        assert "Traceback" not in completed.stderr


@pytest.mark.parametrize(
    ("config", "needle"),
    [
        ('select = ["DBL999"]', "tool.dblint.select: 'DBL999' matches no rule code"),
        ('select = ["FOO"]', "tool.dblint.select: 'FOO' matches no rule code"),
        ('ignore = ["DBL1", "DBL8"]', "tool.dblint.ignore: 'DBL8' matches no rule code"),
        (
            'extend-select = ["DBL41"]',
            "tool.dblint.extend-select: 'DBL41' does not enable the opt-in rules it matches (DBL413, DBL416)",
        ),
        ('per-file-ignores = { "app/*" = ["DBL1010"] }', "is not a rule code or prefix"),
        (
            'per-file-ignores = { "app/*" = ["DBL109"] }',
            "tool.dblint.per-file-ignores.\"app/*\": 'DBL109' matches no rule code",
        ),
    ],
)
def test_unknown_codes_in_the_configuration_exit_2(
    tmp_path: Path, config: str, needle: str
) -> None:
    root = _project(tmp_path, f"[tool.dblint]\n{config}\n")
    completed = run_tool("dblint", "check", cwd=root)
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert completed.stdout == ""
    [line] = completed.stderr.splitlines()
    assert line.startswith(f"dblint: error: {root / 'pyproject.toml'}: tool.dblint."), line
    assert needle in line


@pytest.mark.parametrize(
    ("args", "config"),
    [
        (("--select", "DBL1"), ""),
        (("--extend-select", "DBL305,DBL413"), ""),
        (("--ignore", "DBL10"), 'select = ["DBL1"]'),
        ((), 'extend-select = ["DBL305"]\nper-file-ignores = { "scripts/*" = ["DBL"] }'),
    ],
)
def test_codes_and_prefixes_that_name_rules_are_accepted(
    tmp_path: Path, args: tuple[str, ...], config: str
) -> None:
    root = _project(tmp_path, f"[tool.dblint]\n{config}\n" if config else "")
    completed = run_tool("dblint", "check", *args, cwd=root)
    assert completed.returncode in (0, 1), completed.stderr
    assert completed.stderr == ""
    expected = set() if args[:1] == ("--ignore",) else {("app/db.py", 5, "DBL101")}
    assert finding_set(completed.stdout) == expected


def test_noqa_codes_are_not_checked(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "proj",
        {"app/db.py": SOURCE["app/db.py"].replace("(engine)", "(engine)  # noqa: DBL999")},
    )
    completed = run_tool("dblint", "check", cwd=root)
    assert (completed.returncode, finding_set(completed.stdout)) == (
        1,
        {("app/db.py", 5, "DBL101")},
    )
