"""CPU seconds per stage of fact extraction over a tree, in one process (no cache, no pool).

    python benchmarks/fact_stages.py /tmp/bench/mono1000

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
    print(f"{len(files)} files, {parsed} parsed with LibCST; CPU seconds: {sum(seconds.values()):.2f}")
    for stage, value in seconds.items():
        print(f"  {stage:22} {value:6.2f}")


if __name__ == "__main__":
    main(sys.argv[1])
