"""Each fixture project: `dblint check` reports exactly the marked findings.

The check is dblint's `main` in this process (`run_tool_once`), shared with the other tests
that read the same report; the installed command runs over every fixture project in
tests/test_no_execution.py and on single projects throughout the suite."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, expected_findings, run_tool_once

PROJECTS = sorted(p.parent.name for p in FIXTURES.glob("*/pyproject.toml"))


@pytest.mark.parametrize("project", PROJECTS)
def test_findings_match_markers(project: str) -> None:
    root = FIXTURES / project
    completed = run_tool_once("dblint", "check", "--format", "json", cwd=root)
    assert completed.returncode in (0, 1), completed.stderr
    assert "Traceback" not in completed.stderr
    actual = {(item["path"], item["line"], item["code"]) for item in json.loads(completed.stdout)}
    expected = expected_findings(root)
    assert sorted(actual - expected) == [], "unexpected findings"
    assert sorted(expected - actual) == [], "missing findings"
    assert completed.returncode == (1 if expected else 0)


def test_projects_exist() -> None:
    assert len(PROJECTS) >= 5
