"""Shared helpers: run the installed `dblint` and `flake8`, read fixture expectations."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
BIN = Path(sys.executable).parent
_MARKER = re.compile(r"#\s*error:\s*(?P<codes>DBL\d+(?:\s*,\s*DBL\d+)*)")


def run_tool(name: str, *args: str, cwd: Path, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run an installed console script (dblint, flake8) of this environment."""
    executable = BIN / name
    assert executable.exists(), f"{name} is not installed in {BIN}"
    full_env = {**os.environ, "PYTHONHASHSEED": "0", **(env or {})}
    full_env.pop("NO_COLOR", None)
    return subprocess.run(
        [str(executable), *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=600,
    )


def expected_findings(project: Path) -> set[tuple[str, int, str]]:
    """(path, line, code) from `# error: CODE` markers and the EXPECTED_EXTRA file."""
    found: set[tuple[str, int, str]] = set()
    for path in sorted(project.rglob("*.py")):
        rel = path.relative_to(project).as_posix()
        text = path.read_bytes().decode("utf-8", "replace")
        for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
            match = _MARKER.search(line)
            if match:
                for code in re.split(r"\s*,\s*", match.group("codes")):
                    found.add((rel, number, code))
    extra = project / "EXPECTED_EXTRA"
    if extra.exists():
        for line in extra.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                location, code = line.rsplit(":", 1)
                rel, number = location.rsplit(":", 1)
                found.add((rel, int(number), code.strip()))
    return found


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES
