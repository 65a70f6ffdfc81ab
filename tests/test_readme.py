"""README's two commands stay true: CI runs the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _shell_blocks() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.*?)```", readme, flags=re.S)


def test_ci_runs_the_readme_test_command() -> None:
    test_command = next(block for block in _shell_blocks() if "pytest" in block).strip()
    pytest_part = test_command.rsplit("&&", 1)[-1].strip().replace(".venv/bin/python", "python")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert pytest_part in ci


def test_readme_demo_command_targets_the_shipped_example() -> None:
    demo = _shell_blocks()[0]
    match = re.search(r"dblint check (\S+)", demo)
    assert match is not None
    assert (REPO / match.group(1) / "pyproject.toml").is_file()
