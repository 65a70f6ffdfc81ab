"""Stage 2 of the pipeline: bytes of one file -> `FileFacts`."""

from __future__ import annotations

import traceback

from dblint.facts.ast_imports import imports_from_ast
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
        return FileFacts(path=path, error=str(error), error_position=(error.line, error.column))
    noqa = find_noqa(text)
    if tree is not None and use_prefilter and not needs_parse(data):
        imports, all_names = imports_from_ast(tree)
        return FileFacts(path=path, imports=tuple(imports), noqa=noqa, all_names=all_names)
    if tree is not None:
        try:
            check_libcst_depth(tree)  # LibCST's limits, measured on the `ast` tree
        except SourceError as error:
            return FileFacts(path=path, error=str(error))
    del tree  # the LibCST tree is the large one: never hold both
    # LibCST is imported on the first file that needs it: a run answered from caches needs none.
    from dblint.facts.parse import parse_facts  # noqa: PLC0415

    return parse_facts(path, text, noqa)
