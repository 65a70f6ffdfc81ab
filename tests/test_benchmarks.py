"""The benchmark runner works end to end (CI runs it on a tiny tree; no timing is asserted)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from run import benchmark, render  # noqa: E402


def test_benchmark_runner_smoke(tmp_path: Path) -> None:
    report = benchmark(files=120, small=60, repeat=1, workdir=tmp_path)
    runs = report["runs"]
    assert runs["dblint cold"]["exit"] == 1 and runs["dblint warm"]["exit"] == 1
    assert runs["dblint cold"]["rss_mb"] > 0
    table = render(report)
    assert "| `dblint warm` |" in table and "one file warm / full warm" in table
