"""Stage 2 of the pipeline: bytes of one file -> `FileFacts`."""

from __future__ import annotations

import traceback

import libcst as cst
from libcst.metadata import MetadataWrapper

from dblint.facts.alembic_ops import collect_migration
from dblint.facts.ast_imports import imports_from_ast
from dblint.facts.extract import collect
from dblint.facts.model import FileFacts
from dblint.facts.noqa import find_noqa
from dblint.facts.prefilter import needs_parse
from dblint.facts.source import SourceError, check_libcst_depth, check_syntax, decode

__all__ = ["FileFacts", "extract_facts"]


def extract_facts(path: str, data: bytes, *, use_prefilter: bool = True) -> FileFacts:
    """Facts of one file; a file that cannot be read or parsed gets `error` set.

    A bug in dblint hit on this file becomes `internal_error` (reported as
    DBL002), so one file never stops the run.
    """
    try:
        return _extract(path, data, use_prefilter)
    except Exception:  # noqa: BLE001 - any failure must stay on this file
        return FileFacts(path=path, internal_error=traceback.format_exc())


def _extract(path: str, data: bytes, use_prefilter: bool) -> FileFacts:
    try:
        text = decode(data)
        tree = check_syntax(text, path)
    except SourceError as error:
        return FileFacts(path=path, error=str(error))
    noqa = find_noqa(text)
    if tree is not None and use_prefilter and not needs_parse(data):
        imports, all_names = imports_from_ast(tree)
        return FileFacts(path=path, imports=tuple(imports), noqa=noqa, all_names=all_names)
    try:
        if tree is not None:
            check_libcst_depth(tree)
        module = cst.parse_module(text)
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        collector = collect(module, wrapper)
        migration = collect_migration(wrapper, collector.imports)
    except SourceError as error:
        return FileFacts(path=path, error=str(error))
    except cst.ParserSyntaxError as error:
        return FileFacts(path=path, error=f"syntax error: {error.message} (line {error.raw_line})")
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
    )
