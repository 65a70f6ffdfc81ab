"""Measure dblint against its peers on the synthetic monorepo and given trees, as ratios, in one run.

    python benchmarks/run.py                      # 10,000 files (and 1,000 for growth)
    python benchmarks/run.py --files 300 --small 100 --repeat 1 --json out.json   # smoke
    python benchmarks/run.py --files 0 /tmp/nova /tmp/warehouse   # directories as they are

A given directory is measured in place (the one-edited-file cases edit one model file and
restore it); its cache goes to the work directory.

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
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

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
        [sys.executable, "-c", _CHILD, *command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    wall, cpu, rss_kb, code = float(output[0]), float(output[1]), int(output[2]), int(output[3])
    return {"wall": wall, "cpu": cpu, "rss_mb": rss_kb / 1024, "exit": code}


def median_run(
    command: list[str], cwd: Path, env: dict[str, str], repeat: int, before=None
) -> dict[str, float]:  # type: ignore[no-untyped-def]
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


def edited_file(tree: Path) -> str:
    """The file the one-edited-file case edits: the first model module (`__tablename__`), else the first file."""
    files = sorted(path for path in tree.rglob("*.py") if path.is_file())
    model = next(
        (path for path in files if b"__tablename__" in path.read_bytes()),
        files[0] if files else None,
    )
    assert model is not None, f"no Python file under {tree}"
    return model.relative_to(tree).as_posix()


def measure_tree(
    tree: Path, repeat: int, env: dict[str, str], cache: Path, *, single_job: bool = False
) -> dict[str, dict[str, float]]:
    """Every command on one tree, side by side: dblint cold / warm / one edited file, its peers, flake8."""
    dblint, flake8 = tool("dblint"), tool("flake8")
    assert dblint is not None and flake8 is not None, "dblint and flake8 must be installed"

    def empty_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    results: dict[str, dict[str, float]] = {}
    results["dblint cold"] = median_run(
        [dblint, "check", "-q", "."], tree, env, repeat, empty_cache
    )
    # A run that starts within 2 s of a file's change does not store its findings (snapshot.py):
    # the tree may just have been written, so one more run stores them, as any later run would.
    median_run([dblint, "check", "-q", "."], tree, env, 1)
    results["dblint warm"] = median_run([dblint, "check", "-q", "."], tree, env, repeat)
    one_file = edited_file(tree)
    results["dblint one file warm"] = median_run(
        [dblint, "check", "-q", one_file], tree, env, repeat
    )
    # What pre-commit meets: the file it checks was just edited, so stored findings cannot answer
    # as they are. Three edits: a comment appended (the file's facts stay the same, so the stored
    # findings are kept once its facts are compared), a line inserted at the top (every fact of
    # the file moves by a line: the stored findings move with them) and an import appended (a
    # new fact: the project's findings are recomputed).
    original = (tree / one_file).read_bytes()
    mtime = (tree / one_file).stat().st_mtime_ns
    cases = {
        "dblint one edited file warm": lambda n: original + f"\n# edit {n}\n".encode(),
        "dblint one edited file warm, facts moved": lambda n: f"# edit {n}\n".encode() + original,
        "dblint one edited file warm, facts changed": lambda n: (
            original + f"\nimport json as edit_{n}\n".encode()
        ),
    }
    edits = iter(range(len(cases) * repeat))

    def restore() -> None:
        (tree / one_file).write_bytes(original)
        os.utime(tree / one_file, ns=(mtime, mtime))

    def edit(edited: bytes) -> None:
        # Each edit is compared with the findings stored for the tree as it was: restore it
        # (and its mtime, so that those findings answer again), then edit, with an mtime
        # old enough for the edited run's findings to be stored whatever the load.
        restore()
        median_run([dblint, "check", "-q", "."], tree, env, 1)
        (tree / one_file).write_bytes(edited)
        os.utime(tree / one_file, ns=(mtime + 1_000_000_000, mtime + 1_000_000_000))

    try:
        for label, edited in cases.items():
            results[label] = median_run(
                [dblint, "check", "-q", one_file],
                tree,
                env,
                repeat,
                lambda edited=edited: edit(edited(next(edits))),
            )
    finally:
        restore()
    if single_job:
        results["dblint cold -j1"] = median_run(
            [dblint, "check", "-q", "-j1", "."], tree, env, 1, empty_cache
        )
    peers = {
        "sqlalchemy-lsp check": ["sqlalchemy-lsp", "check", "."],
        "ruff check --select F --no-cache": [
            "ruff",
            "check",
            "--select",
            "F",
            "--no-cache",
            "-q",
            ".",
        ],
    }
    for label, command in peers.items():
        executable = tool(command[0])
        if executable is not None:
            results[label] = median_run([executable, *command[1:]], tree, env, repeat)
    results["flake8 --select F"] = median_run([flake8, "--select", "F", "."], tree, env, repeat)
    median_run([dblint, "check", "-q", "."], tree, env, 1)  # the flake8 plugin reads the same cache
    results["flake8 --select F,DBL warm"] = median_run(
        [flake8, "--select", "F,DBL", "."], tree, env, repeat
    )
    results["flake8 --select F,DBL cold"] = median_run(
        [flake8, "--select", "F,DBL", "."], tree, env, 1, empty_cache
    )
    results["dblint one file warm"]["edited"] = one_file  # type: ignore[assignment]
    return results


def targets(results: dict[str, dict[str, float]]) -> dict[str, Optional[float]]:
    """Issue 17's targets for one tree, as measured ratios (None when a peer is missing)."""

    def ratio(first: str, second: str) -> Optional[float]:
        if first not in results or second not in results or not results[second]["wall"]:
            return None
        return results[first]["wall"] / results[second]["wall"]

    return {
        "cold / sqlalchemy-lsp (target <= 2.5)": ratio("dblint cold", "sqlalchemy-lsp check"),
        "warm / ruff --no-cache (target <= 1.0)": ratio(
            "dblint warm", "ruff check --select F --no-cache"
        ),
        "peak RSS MB, largest dblint process (target <= 350)": max(
            run["rss_mb"] for label, run in results.items() if label.startswith("dblint")
        ),
        "flake8 F,DBL / flake8 F, warm cache (target <= 1.10)": ratio(
            "flake8 --select F,DBL warm", "flake8 --select F"
        ),
        "flake8 F,DBL / flake8 F, cold (target <= 1.25)": ratio(
            "flake8 --select F,DBL cold", "flake8 --select F"
        ),
        "one edited file warm / ruff on the whole tree (target <= 2.0)": ratio(
            "dblint one edited file warm", "ruff check --select F --no-cache"
        ),
        "one edited file warm, facts moved / ruff on the whole tree (target <= 2.0)": ratio(
            "dblint one edited file warm, facts moved", "ruff check --select F --no-cache"
        ),
        "one edited file warm, facts changed / ruff on the whole tree (target <= 2.0)": ratio(
            "dblint one edited file warm, facts changed", "ruff check --select F --no-cache"
        ),
    }


def compile_bytecode() -> None:
    """Compile dblint's modules as `pip install` does for an installed package.

    An editable install leaves that to the first import, which `PYTHONDONTWRITEBYTECODE`
    (set on some machines) prevents: every run would then compile dblint anew, about 0.1 s
    that no user's installed dblint pays.
    """
    import compileall  # noqa: PLC0415 - only here

    import dblint  # noqa: PLC0415 - the package being measured, wherever it is installed

    compileall.compile_dir(str(Path(dblint.__file__).parent), quiet=1)


def benchmark(
    files: int, small: int, repeat: int, workdir: Path, trees: Sequence[Path] = ()
) -> dict[str, object]:
    """The synthetic monorepo (unless `files` is 0) and every tree of `trees`, each measured on its own."""
    compile_bytecode()
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    measured: dict[str, dict[str, object]] = {}
    if files:
        big_tree, small_tree = workdir / f"mono{files}", workdir / f"mono{small}"
        for tree, count in ((big_tree, files), (small_tree, small)):
            if not tree.exists():
                generate(tree, count)
        cache = workdir / "cache"
        tree_env = {**env, "DBLINT_CACHE_DIR": str(cache)}
        runs = measure_tree(big_tree, repeat, tree_env, cache, single_job=True)
        runs["dblint cold, small tree"] = median_run(
            [str(tool("dblint")), "check", "-q", "."],
            small_tree,
            tree_env,
            repeat,
            lambda: shutil.rmtree(cache, ignore_errors=True),
        )
        found = targets(runs)
        found[f"time {files} files / {small} files, cold (target <= {1.1 * files / small:.1f})"] = (
            runs["dblint cold"]["wall"] / runs["dblint cold, small tree"]["wall"]
        )
        measured[f"synthetic monorepo, {files} files"] = {"runs": runs, "targets": found}
    for number, tree in enumerate(trees):
        cache = workdir / f"cache-{number}"
        runs = measure_tree(tree.resolve(), repeat, {**env, "DBLINT_CACHE_DIR": str(cache)}, cache)
        python_files = sum(1 for _ in tree.rglob("*.py"))
        measured[f"{tree.name} ({python_files} Python files)"] = {
            "runs": runs,
            "targets": targets(runs),
        }
    return {
        "repeat": repeat,
        "machine": {
            "cpus": os.cpu_count(),
            "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load average at the end": os.getloadavg() if hasattr(os, "getloadavg") else None,
        },
        "trees": measured,
    }


def render(report: dict[str, object]) -> str:
    lines: list[str] = []
    for name, tree in report["trees"].items():  # type: ignore[attr-defined]
        lines += [
            f"### {name}",
            "",
            "| command | wall s | cpu s | peak RSS MB | exit |",
            "|---|---:|---:|---:|---:|",
        ]
        for label, run in tree["runs"].items():
            lines.append(
                f"| `{label}` | {run['wall']:.2f} | {run['cpu']:.2f} | {run['rss_mb']:.0f} | {run['exit']} |"
            )
        lines += ["", "| target | measured |", "|---|---:|"]
        for label, value in tree["targets"].items():
            lines.append(
                f"| {label} | {'n/a (peer not installed)' if value is None else f'{value:.2f}'} |"
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "trees",
        nargs="*",
        type=Path,
        help="directories to measure as they are (public repositories)",
    )
    parser.add_argument(
        "--files", type=int, default=10_000, help="files of the synthetic tree (0: none)"
    )
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--workdir",
        type=Path,
        help="where the trees and the cache go (default: a temporary directory)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="dblint-bench-"))
    started = time.time()
    report = benchmark(args.files, args.small, args.repeat, workdir, args.trees)
    report["seconds"] = round(time.time() - started, 1)
    print(render(report))
    print(json.dumps(report["machine"]))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
