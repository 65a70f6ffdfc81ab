"""Measure dblint against its peers on the synthetic monorepo, as ratios, in one run.

    python benchmarks/run.py                      # 10,000 files (and 1,000 for growth)
    python benchmarks/run.py --files 300 --small 100 --repeat 1 --json out.json   # smoke

Every command runs in a fresh child process whose peak RSS is read from
`getrusage(RUSAGE_CHILDREN)` (the largest process of the command's tree).
Tools that are not installed are reported as missing, not failed. The
figures go to stdout as a markdown table, and to --json when given.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402

BIN = Path(sys.executable).parent
_CHILD = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
    "wall = time.perf_counter() - start\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, code)\n"
)


def tool(name: str) -> Optional[str]:
    """The tool next to this interpreter, else on PATH."""
    local = BIN / name
    return str(local) if local.exists() else shutil.which(name)


def measure(command: list[str], cwd: Path, env: dict[str, str]) -> dict[str, float]:
    """Wall seconds, CPU seconds, peak RSS (MB) and exit status of one run."""
    output = subprocess.run(
        [sys.executable, "-c", _CHILD, *command], cwd=cwd, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    wall, cpu, rss_kb, code = float(output[0]), float(output[1]), int(output[2]), int(output[3])
    return {"wall": wall, "cpu": cpu, "rss_mb": rss_kb / 1024, "exit": code}


def median_run(command: list[str], cwd: Path, env: dict[str, str], repeat: int, before=None) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """The median of `repeat` runs (by wall time); `before()` runs ahead of each (e.g. empty a cache)."""
    runs = []
    for _ in range(repeat):
        if before is not None:
            before()
        runs.append(measure(command, cwd, env))
    runs.sort(key=lambda run: run["wall"])
    chosen = dict(runs[len(runs) // 2])
    chosen["rss_mb"] = max(run["rss_mb"] for run in runs)
    return chosen


def benchmark(files: int, small: int, repeat: int, workdir: Path) -> dict[str, object]:
    big_tree, small_tree, cache = workdir / f"mono{files}", workdir / f"mono{small}", workdir / "cache"
    for tree, count in ((big_tree, files), (small_tree, small)):
        if not tree.exists():
            generate(tree, count)
    env = {**os.environ, "PYTHONHASHSEED": "0", "DBLINT_CACHE_DIR": str(cache)}
    dblint, flake8 = tool("dblint"), tool("flake8")
    assert dblint is not None and flake8 is not None, "dblint and flake8 must be installed"

    def empty_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    results: dict[str, dict[str, float]] = {}
    results["dblint cold"] = median_run([dblint, "check", "-q", "."], big_tree, env, repeat, empty_cache)
    # A run that starts within 2 s of a file's change does not store its findings (snapshot.py):
    # the tree was just generated, so one more run stores them, as any later run would.
    median_run([dblint, "check", "-q", "."], big_tree, env, 1)
    results["dblint warm"] = median_run([dblint, "check", "-q", "."], big_tree, env, repeat)
    one_file = sorted((big_tree / "svc0" / "api").glob("*.py"))[0].relative_to(big_tree).as_posix()
    results["dblint one file warm"] = median_run([dblint, "check", "-q", one_file], big_tree, env, repeat)
    # What pre-commit meets: the file it checks was just edited, so stored findings cannot answer.
    original = (big_tree / one_file).read_bytes()
    edits = iter(range(repeat))

    def edit() -> None:
        (big_tree / one_file).write_bytes(original + f"\n# edit {next(edits)}\n".encode())

    results["dblint one edited file warm"] = median_run([dblint, "check", "-q", one_file], big_tree, env, repeat, edit)
    (big_tree / one_file).write_bytes(original)
    results["dblint cold, small tree"] = median_run([dblint, "check", "-q", "."], small_tree, env, repeat, empty_cache)
    results["dblint cold -j1"] = median_run([dblint, "check", "-q", "-j1", "."], big_tree, env, 1, empty_cache)
    peers = {
        "sqlalchemy-lsp check": ["sqlalchemy-lsp", "check", "."],
        "ruff check --select F --no-cache": ["ruff", "check", "--select", "F", "--no-cache", "-q", "."],
    }
    for label, command in peers.items():
        executable = tool(command[0])
        if executable is not None:
            results[label] = median_run([executable, *command[1:]], big_tree, env, repeat)
    results["flake8 --select F"] = median_run([flake8, "--select", "F", "."], big_tree, env, repeat)
    median_run([dblint, "check", "-q", "."], big_tree, env, 1)  # the flake8 plugin reads the same cache
    results["flake8 --select F,DBL warm"] = median_run([flake8, "--select", "F,DBL", "."], big_tree, env, repeat)
    results["flake8 --select F,DBL cold"] = median_run([flake8, "--select", "F,DBL", "."], big_tree, env, 1, empty_cache)

    def ratio(first: str, second: str) -> Optional[float]:
        if first not in results or second not in results or not results[second]["wall"]:
            return None
        return results[first]["wall"] / results[second]["wall"]

    targets = {
        "cold / sqlalchemy-lsp (target <= 1.0)": ratio("dblint cold", "sqlalchemy-lsp check"),
        "warm / ruff --no-cache (target <= 1.0)": ratio("dblint warm", "ruff check --select F --no-cache"),
        "peak RSS MB, largest dblint process (target <= 350)": max(
            results[label]["rss_mb"] for label in ("dblint cold", "dblint warm", "dblint cold -j1")
        ),
        "flake8 F,DBL / flake8 F, warm cache (target <= 1.10)": ratio("flake8 --select F,DBL warm", "flake8 --select F"),
        "one file warm / full warm (target <= 0.25)": ratio("dblint one file warm", "dblint warm"),
        "one edited file warm / full warm (no target; what pre-commit meets)": ratio("dblint one edited file warm", "dblint warm"),
        f"time {files} files / {small} files, cold (target <= {1.1 * files / small:.1f})": ratio(
            "dblint cold", "dblint cold, small tree"
        ),
    }
    return {
        "files": files,
        "small": small,
        "repeat": repeat,
        "machine": {
            "cpus": os.cpu_count(),
            "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load average at the end": os.getloadavg() if hasattr(os, "getloadavg") else None,
        },
        "runs": results,
        "targets": targets,
    }


def render(report: dict[str, object]) -> str:
    lines = ["| command | wall s | cpu s | peak RSS MB | exit |", "|---|---:|---:|---:|---:|"]
    for label, run in report["runs"].items():  # type: ignore[attr-defined]
        lines.append(f"| `{label}` | {run['wall']:.2f} | {run['cpu']:.2f} | {run['rss_mb']:.0f} | {run['exit']} |")
    lines += ["", "| target | measured |", "|---|---:|"]
    for label, value in report["targets"].items():  # type: ignore[attr-defined]
        lines.append(f"| {label} | {'n/a' if value is None else f'{value:.2f}'} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, help="where the trees and the cache go (default: a temporary directory)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="dblint-bench-"))
    started = time.time()
    report = benchmark(args.files, args.small, args.repeat, workdir)
    report["seconds"] = round(time.time() - started, 1)
    print(render(report))
    print(json.dumps(report["machine"]))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
