"""The README's test command relies on `--dist loadgroup`: tests marked with one `xdist_group`
share a worker, so a PostgreSQL cluster, a pre-commit hook environment or an inventory run
is made once. A pytest and pytest-xdist pair that drops the groups splits them silently."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

GROUPED = """
import os

import pytest

pytestmark = pytest.mark.xdist_group("together")


@pytest.mark.parametrize("number", range(6))
def test_grouped(number):
    with open(os.environ["WORKERS_FILE"], "a") as out:
        out.write(os.environ["PYTEST_XDIST_WORKER"] + "\\n")
"""
PYTEST = (sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider")
LOOSE = "import pytest\n\n\n@pytest.mark.parametrize('number', range(6))\ndef test_loose(number):\n    pass\n"


def test_tests_of_one_group_run_on_one_worker(tmp_path: Path) -> None:
    (tmp_path / "test_grouped.py").write_text(GROUPED)
    (tmp_path / "test_loose.py").write_text(LOOSE)
    workers = tmp_path / "workers.txt"
    completed = subprocess.run(
        [*PYTEST, "-n", "2", "--dist", "loadgroup", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "WORKERS_FILE": str(workers)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    seen = workers.read_text().split()
    assert len(seen) == 6
    assert len(set(seen)) == 1, f"one group ran on several workers: {sorted(set(seen))}"
