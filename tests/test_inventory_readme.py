"""README's inventory excerpts are real: the output of the commands they name."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from conftest import run_tool

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _excerpt(marker: str) -> tuple[list[str], str]:
    match = re.search(rf"<!-- {marker}: dblint (.*?) -->\n```\w+\n(.*?)```", README, flags=re.S)
    assert match is not None, f"README has no {marker} block"
    return shlex.split(match.group(1)), match.group(2)


def test_markdown_excerpt_is_the_command_output() -> None:
    args, shown = _excerpt("inventory-excerpt")
    completed = run_tool("dblint", *args, cwd=REPO)
    assert completed.returncode in (0, 1), completed.stderr  # 1: the scan has findings, as `check`
    assert shown == completed.stdout


def test_json_excerpt_is_a_row_of_the_command_output() -> None:
    args, shown = _excerpt("inventory-excerpt-json")
    completed = run_tool("dblint", *args, cwd=REPO)
    assert completed.returncode in (0, 1), completed.stderr  # 1: the scan has findings, as `check`
    assert json.loads(shown) in json.loads(completed.stdout)["tables"]
