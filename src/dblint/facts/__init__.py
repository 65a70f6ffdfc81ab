"""Stage 2 of the pipeline: bytes of one file -> `FileFacts`."""

from __future__ import annotations

import traceback
import warnings

from dblint.facts.ast_imports import imports_from_ast
from dblint.facts.model import FileFacts
from dblint.facts.noqa import find_noqa
from dblint.facts.prefilter import needs_parse
from dblint.facts.source import SourceError, check_size, check_syntax, decode, statement_sizes

__all__ = ["FileFacts", "extract_facts"]


def extract_facts(
    path: str, data: bytes, *, use_prefilter: bool = True, sliced: bool = True
) -> FileFacts:
    """Facts of one file; a file that cannot be read or parsed gets `error` set.

    `sliced` lets LibCST parse only the statements that need it (`parse.parse_sliced`);
    without it LibCST parses the whole file, which gives the same facts (a file over
    the node budget is then a DBL001). A bug in dblint hit on this file becomes
    `internal_error` (reported as DBL002), so one file never stops the run.
    """
    try:
        with warnings.catch_warnings():
            # Reading a string literal's value runs Python's own parser on it, which warns about
            # the user's invalid escapes (`"\d"`): a SyntaxWarning on stderr per string on 3.12+.
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            return _extract(path, data, use_prefilter, sliced)
    except Exception:  # noqa: BLE001 - any failure must stay on this file
        return FileFacts(path=path, internal_error=traceback.format_exc())


def _extract(path: str, data: bytes, use_prefilter: bool, sliced: bool) -> FileFacts:
    try:
        text = decode(data)
        tree = check_syntax(text, path)
    except SourceError as error:
        return FileFacts(path=path, error=str(error), error_position=(error.line, error.column))
    noqa = find_noqa(text)
    if tree is not None and use_prefilter and not needs_parse(data):
        imports, all_names, all_computed = imports_from_ast(tree, "__all__" in text)
        return FileFacts(
            path=path,
            imports=tuple(imports),
            noqa=noqa,
            all_names=all_names,
            all_computed=all_computed,
        )
    # LibCST is imported on the first file that needs it: a run answered from caches needs none.
    from dblint.facts.parse import parse_facts, parse_sliced, too_large  # noqa: PLC0415

    if tree is None:
        return parse_facts(
            path, text, noqa
        )  # syntax newer than this Python: LibCST reads all of it
    try:
        sizes = statement_sizes(tree)  # LibCST's limits, measured on the `ast` tree
    except SourceError as error:
        return FileFacts(path=path, error=str(error))
    if not sliced:
        try:
            check_size(1 + sum(sizes))
        except SourceError as error:
            return too_large(path, error, tree, text)
    if sliced:
        return parse_sliced(path, text, noqa, tree, sizes)
    del tree  # the LibCST tree is the large one: never hold both
    return parse_facts(path, text, noqa)
