"""The benchmark runner works end to end (CI runs it on a tiny tree; no timing is asserted)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from run import benchmark, render


def test_benchmark_runner_smoke(tmp_path: Path) -> None:
    tree = tmp_path / "given"
    shutil.copytree(Path(__file__).resolve().parent / "fixtures" / "flask_app", tree)
    before = {path: path.read_bytes() for path in tree.rglob("*.py")}
    report = benchmark(files=40, small=20, repeat=1, workdir=tmp_path / "work", trees=[tree])
    synthetic = report["trees"]["synthetic monorepo, 40 files"]
    runs = synthetic["runs"]
    assert runs["dblint cold"]["exit"] == 1 and runs["dblint warm"]["exit"] == 1
    assert runs["dblint cold"]["rss_mb"] > 0
    (given,) = [value for name, value in report["trees"].items() if name.startswith("given (")]
    assert given["runs"]["dblint cold"]["exit"] == given["runs"]["dblint warm"]["exit"] == 1
    assert {path: path.read_bytes() for path in tree.rglob("*.py")} == before, (
        "the edited file is restored"
    )
    table = render(report)
    assert "| `dblint warm` |" in table and "one edited file warm / ruff on the whole tree" in table
    assert "### given (" in table
