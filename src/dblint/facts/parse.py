"""The LibCST pass of stage 2: the facts of a file that may hold any (see `prefilter`)."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper

from dblint.facts.alembic_ops import collect_migration
from dblint.facts.extract import collect
from dblint.facts.model import FileFacts, Noqa


def parse_facts(path: str, text: str, noqa: tuple[Noqa, ...]) -> FileFacts:
    """Parse `text` with LibCST and collect every fact (its size and depth were checked first)."""
    try:
        module = cst.parse_module(text)
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        collector = collect(module, wrapper)
        migration = collect_migration(wrapper, collector.imports)
    except cst.ParserSyntaxError as error:
        return FileFacts(
            path=path,
            error=f"syntax error: {error.message} (line {error.raw_line})",
            error_position=(error.raw_line, error.raw_column + 1),
        )
    except (cst.CSTLogicError, cst.CSTValidationError) as error:  # LibCST's own limits (new syntax)
        return FileFacts(path=path, error=f"LibCST cannot parse this file: {error}")
    except RecursionError:
        return FileFacts(path=path, error="nesting too deep to parse")
    return FileFacts(
        path=path,
        parsed=True,
        imports=tuple(collector.imports),
        bindings=tuple(collector.bindings),
        classes=tuple(collector.classes),
        schema_calls=tuple(collector.schema_calls),
        sql_strings=tuple(collector.sql_strings),
        interactions=tuple(sorted(collector.interactions)),
        noqa=noqa,
        all_names=collector.all_names,
        calls=tuple(collector.calls),
        toplevel_calls=tuple(dict.fromkeys(collector.toplevel_calls)),
        migration=migration,
        functions=tuple(collector.functions),
        function_defs=tuple(collector.function_defs),
    )
