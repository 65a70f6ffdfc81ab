"""Parallel parsing and the flake8 plugin's fast paths give the same findings."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import FIXTURES, run_tool

from dblint.cache import content_key
from dblint.facts import batch
from dblint.facts.batch import FULL_WEIGHT, POOL_THRESHOLD

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from generate import generate


def test_output_is_the_same_for_any_number_of_jobs(tmp_path: Path) -> None:
    root = tmp_path / "mono"
    generate(root, 200, seed=11)
    # Enough files for a pool (over twice the threshold, which is in weighted parses).
    assert sum(1 for _ in root.rglob("*.py")) * FULL_WEIGHT // 4 > POOL_THRESHOLD
    outputs = set()
    for jobs in ("1", "2", "3"):
        result = run_tool(
            "dblint", "check", "--no-cache", "-j", jobs, "--select", "DBL", ".", cwd=root
        )
        assert result.returncode == 1 and result.stderr == "", result.stderr
        outputs.add(result.stdout)
    assert len(outputs) == 1 and outputs.pop().count("\n") >= 10


def test_flake8_plugin_is_idle_unless_dbl_is_selected() -> None:
    root = FIXTURES / "fastapi_sa2"
    only_f = run_tool("flake8", "--select", "F", ".", cwd=root)
    with_dbl = run_tool("flake8", "--select", "F,DBL", ".", cwd=root)
    assert "DBL" not in only_f.stdout and only_f.stderr == ""
    assert " DBL1" in with_dbl.stdout
    assert sorted(line for line in with_dbl.stdout.splitlines() if " DBL" not in line) == sorted(
        only_f.stdout.splitlines()
    )


def test_generations_of_workers_give_the_facts_and_keys_of_one_process(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Workers read their files themselves and are replaced every few chunks (issue 17
    part 2): the facts, and the cache keys of the bytes read, are those of one process."""
    root = tmp_path / "mono"
    generate(root, 300, seed=5)
    paths = sorted(path.relative_to(root).as_posix() for path in root.rglob("*.py"))
    alone: dict[str, str] = {}
    expected = batch.read_files(root, paths, batch.ReadOptions(10**7, jobs=1), keys=alone)
    monkeypatch.setattr(batch, "GENERATION_CHUNKS", 1)  # a new pool for every two chunks
    pooled: dict[str, str] = {}
    assert batch.read_files(root, paths, batch.ReadOptions(10**7, jobs=2), keys=pooled) == expected
    assert pooled == alone == {rel: content_key((root / rel).read_bytes(), False) for rel in paths}
