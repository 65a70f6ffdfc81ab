"""CPU seconds per stage of fact extraction over a tree, in one process (no cache, no pool).

    python benchmarks/fact_stages.py /tmp/bench/mono1000
    python benchmarks/fact_stages.py --sliced /tmp/nova   # whole-file against sliced parsing

`--sliced` times `extract_facts` on every file the prefilter passes, whole-file
(LibCST parses all of it) and sliced (only the statements that need it), alternating
file by file, and says how many of those files' lines LibCST is given when sliced.

Stages: decode, the `ast` syntax check, noqa comments, the prefilter, imports from
`ast` (prefiltered files), LibCST's depth guard, `parse_module`, positions,
the fact collector and the migration collector. Process time, so other jobs on
the machine inflate it less than wall time (they still do, through caches).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, Callable

import libcst as cst
from libcst.metadata import MetadataWrapper

from dblint.facts.alembic_ops import collect_migration
from dblint.facts.ast_imports import imports_from_ast
from dblint.facts.extract import collect
from dblint.facts.noqa import find_noqa
from dblint.facts.prefilter import needs_parse
from dblint.facts.source import check_libcst_depth, check_syntax, decode
from dblint.facts.walk import wrapper_positions


def main(tree: str) -> None:
    seconds: dict[str, float] = {}

    def timed(stage: str, function: Callable[..., Any], *args: Any) -> Any:
        start = time.process_time()
        result = function(*args)
        seconds[stage] = seconds.get(stage, 0.0) + time.process_time() - start
        return result

    files = sorted(Path(tree).rglob("*.py"))
    parsed = 0
    for path in files:
        data = path.read_bytes()
        text = timed("decode", decode, data)
        syntax = timed("ast syntax check", check_syntax, text, str(path))
        timed("noqa", find_noqa, text)
        if syntax is not None and not timed("prefilter", needs_parse, data):
            timed("imports from ast", imports_from_ast, syntax)
            continue
        parsed += 1
        if syntax is not None:
            timed("libcst depth guard", check_libcst_depth, syntax)
        module = timed("libcst parse_module", cst.parse_module, text)
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        timed("positions", wrapper_positions, wrapper)
        collector = timed("fact collector", collect, module, wrapper)
        timed("migration collector", collect_migration, wrapper, collector.imports)
    print(
        f"{len(files)} files, {parsed} parsed with LibCST; CPU seconds: {sum(seconds.values()):.2f}"
    )
    for stage, value in seconds.items():
        print(f"  {stage:22} {value:6.2f}")


def compare_sliced(tree: str) -> None:
    """Whole-file against sliced extraction, file by file, and the share of lines LibCST still parses."""
    import ast  # noqa: PLC0415

    from dblint.facts import extract_facts, slices  # noqa: PLC0415
    from dblint.facts.ast_facts import SourceLines  # noqa: PLC0415
    from dblint.facts.parse import _imports_alembic  # noqa: PLC0415
    from dblint.facts.source import SourceError, statement_sizes  # noqa: PLC0415

    seconds = {"whole": 0.0, "sliced": 0.0}
    lines = {"all": 0, "given to LibCST": 0}
    files = [path for path in sorted(Path(tree).rglob("*.py")) if needs_parse(path.read_bytes())]
    for path in files:
        data = path.read_bytes()
        for mode in ("whole", "sliced"):
            start = time.process_time()
            extract_facts(str(path), data, sliced=mode == "sliced")
            seconds[mode] += time.process_time() - start
        try:
            text = decode(data)
            syntax = ast.parse(text)
            units = slices.plan(syntax, SourceLines(text), statement_sizes(syntax))
        except (SyntaxError, SourceError, ValueError, RecursionError):
            continue
        lines["all"] += len(text.splitlines())
        whole = _imports_alembic(syntax)  # migrations and env.py: parsed whole
        lines["given to LibCST"] += sum(
            unit.last - unit.first + 1 for unit in units if whole or unit.shape is None
        )
    share = lines["given to LibCST"] / max(1, lines["all"])
    print(
        f"{len(files)} files the prefilter passes; CPU s whole-file {seconds['whole']:.2f}, sliced {seconds['sliced']:.2f}"
    )
    print(
        f"  LibCST is given {share:.0%} of their lines (migrations and env.py whole; files of newer syntax not counted)"
    )


if __name__ == "__main__":
    if sys.argv[1] == "--sliced":
        compare_sliced(sys.argv[2])
    else:
        main(sys.argv[1])
