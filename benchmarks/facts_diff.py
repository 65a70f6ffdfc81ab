"""Check that the facts of a set of trees are unchanged: save a baseline, then compare to it.

    python benchmarks/facts_diff.py save /tmp/facts.base tests/fixtures src /tmp/bench/mono1000 /tmp/neutron
    python benchmarks/facts_diff.py compare /tmp/facts.base          # same trees, current code

Every `.py` file of each tree is extracted twice with the current code: in full
(`use_prefilter=False`, so every file goes through the LibCST collectors) and as
a run would (with the prefilter). Both results are encoded with `facts/codec.py`
and stored with `marshal`. `compare` re-extracts the same files and prints the
files whose facts differ, with the first differing field; exit status 1 when any
does. A traceback (`internal_error`) is compared by its last line only, since it
names line numbers of dblint's own sources.
"""

from __future__ import annotations

import argparse
import marshal
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from dblint.facts import codec, extract_facts

Entry = tuple[Any, Any]  # encoded facts: full parse, with the prefilter


def python_files(tree: Path) -> Iterator[Path]:
    """Every .py file under `tree`, in a stable order."""
    for directory, subdirs, files in os.walk(tree):
        subdirs.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(directory, name)


def _normalise(encoded: Any) -> Any:
    """The encoded facts with a traceback reduced to its last line."""
    if isinstance(encoded, list) and encoded[0] == "FileFacts":
        names = codec._FIELDS[codec.CLASSES["FileFacts"]]
        index = names.index("internal_error") + 1
        if isinstance(encoded[index], str):
            encoded = list(encoded)
            encoded[index] = encoded[index].strip().splitlines()[-1]
    return encoded


def extract_one(task: tuple[str, str]) -> tuple[str, Entry]:
    """Facts of one file, in full and through the prefilter, encoded."""
    key, filename = task
    data = Path(filename).read_bytes()
    rel = key.split("::", 1)[1]
    full = _normalise(codec.encode(extract_facts(rel, data, use_prefilter=False)))
    filtered = _normalise(codec.encode(extract_facts(rel, data, use_prefilter=True)))
    return key, (full, filtered)


def extract_trees(trees: list[str], jobs: int) -> dict[str, Entry]:
    tasks = [
        (f"{tree}::{path.relative_to(tree)}", str(path))
        for tree in trees
        for path in python_files(Path(tree))
    ]
    if jobs <= 1:
        return dict(map(extract_one, tasks))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return dict(pool.map(extract_one, tasks, chunksize=8))


def first_difference(old: Any, new: Any, where: str = "") -> str:
    """Where two encoded values first differ, as a readable path."""
    if (
        isinstance(old, list)
        and isinstance(new, list)
        and old
        and new
        and old[0] == new[0]
        and isinstance(old[0], str)
    ):
        names = codec._FIELDS.get(codec.CLASSES.get(old[0]), ())  # type: ignore[arg-type]
        for name, a, b in zip(names, old[1:], new[1:]):
            if a != b:
                return first_difference(a, b, f"{where}.{old[0]}.{name}")
    if isinstance(old, tuple) and isinstance(new, tuple) and len(old) == len(new):
        for number, (a, b) in enumerate(zip(old, new)):
            if a != b:
                return first_difference(a, b, f"{where}[{number}]")
    return f"{where}: {old!r:.300} -> {new!r:.300}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=("save", "compare"))
    parser.add_argument("baseline")
    parser.add_argument(
        "trees", nargs="*", help="trees to save (compare reads them from the baseline)"
    )
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.action == "save":
        trees = [str(Path(tree).resolve()) for tree in args.trees]
        facts = extract_trees(trees, args.jobs)
        Path(args.baseline).write_bytes(marshal.dumps({"trees": trees, "facts": facts}))
        print(f"saved the facts of {len(facts)} files in {time.perf_counter() - start:.1f} s")
        return 0
    saved = marshal.loads(Path(args.baseline).read_bytes())
    trees = (args.trees and [str(Path(tree).resolve()) for tree in args.trees]) or saved["trees"]
    facts = extract_trees(trees, args.jobs)
    old = {key: value for key, value in saved["facts"].items() if key.split("::", 1)[0] in trees}
    changed = 0
    for key in sorted(old.keys() | facts.keys()):
        if key not in facts or key not in old:
            print(f"{key}: {'missing now' if key not in facts else 'new file'}")
            changed += 1
            continue
        for mode, before, after in zip(("full", "prefiltered"), old[key], facts[key]):
            if before != after:
                print(f"{key} ({mode}){first_difference(before, after)}")
                changed += 1
    print(
        f"{len(facts)} files compared in {time.perf_counter() - start:.1f} s: {changed} difference(s)"
    )
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
