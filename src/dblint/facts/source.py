"""Reading a file's bytes into text, and deciding whether Python can parse it.

Every failure is a `SourceError` whose message becomes a DBL001 finding.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
import warnings


class SourceError(Exception):
    """The file cannot be read or parsed; the message says why, and `line` / `column`
    (1-based) where, when a place is known (a syntax error): else the file's start."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line = max(line, 1)
        self.column = max(column, 1)


def decode(data: bytes) -> str:
    """Decode Python source bytes as the interpreter would (BOM, coding cookie)."""
    if b"\x00" in data:
        raise SourceError("source contains a NUL byte")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise SourceError(f"bad coding declaration: {error.msg}") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        reason = error.reason if isinstance(error, UnicodeDecodeError) else str(error)
        raise SourceError(f"cannot decode as {encoding}: {reason}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    # Universal newlines, as the interpreter reads source: CRLF and CR become LF.
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Syntax newer than some interpreters dblint runs on, which LibCST reads:
# PEP 695 (3.12) type aliases and generics, PEP 758 (3.14) unparenthesised except lists,
# PEP 750 (3.14) t-strings.
_NEWER_SYNTAX = (
    ((3, 12), re.compile(r"^\s*type\s+\w+|\b(?:def|class)\s+\w+\s*\[", re.MULTILINE)),
    ((3, 14), re.compile(r"^\s*except\*?\s+[\w.]+\s*,[^:]*:", re.MULTILINE)),
    ((3, 14), re.compile(r"(?<![\w'\"])(?:[tT][rR]?|[rR][tT])['\"]")),  # PEP 750 template strings
)


# PEP 701 (3.12) f-strings (nested quotes, backslashes, comments) are told by the error message.
_NEWER_SYNTAX_ERRORS = (((3, 12), "f-string"),)
# PEP 701 also lets a replacement field of a single-quoted f-string run over several lines;
# an older parser calls the line that opens it an unterminated string.
_OPEN_FIELD = re.compile(r"(?<![\w'\"])(?:[fF][rR]?|[rR][fF])(['\"])(?:(?!\1).)*\{[^}]*$")


def _uses_newer_syntax(text: str, error: SyntaxError) -> bool:
    return (
        any(
            sys.version_info < version and pattern.search(text)
            for version, pattern in _NEWER_SYNTAX
        )
        or any(
            sys.version_info < version and (error.msg or "").startswith(prefix)
            for version, prefix in _NEWER_SYNTAX_ERRORS
        )
        or (
            sys.version_info < (3, 12)
            and (error.msg or "").startswith("unterminated string")
            and _opens_field(text, error.lineno)
        )
    )


def _opens_field(text: str, lineno: int | None) -> bool:
    lines = text.split("\n")
    return (
        lineno is not None
        and 0 < lineno <= len(lines)
        and _OPEN_FIELD.search(lines[lineno - 1]) is not None
    )


# What opens a template statement, expression or comment (Jinja, Django, cookiecutter): a line
# the parser rejects that starts so is a template's, not broken Python.
_TEMPLATE_MARKS = ("{%", "{{", "{#")
# Mid-line, a template expression of a name: `{{ x.y }}`, `{{ x | f }}`.
_TEMPLATE_EXPRESSION = re.compile(r"\{\{\s*[A-Za-z_][\w.]*\s*(?:\}\}|\|)")


def _template_mark(text: str, lineno: int | None, offset: int | None) -> str | None:
    """The template mark that starts the line of a syntax error, or stands where the parser
    stopped (`from {{cookiecutter.app_name}}.app import create_app`), if one does."""
    lines = text.split("\n")
    if not lineno or not 0 < lineno <= len(lines):
        return None
    line = lines[lineno - 1]
    start = next((mark for mark in _TEMPLATE_MARKS if line.lstrip().startswith(mark)), None)
    if start is not None or not offset or not 0 < offset <= len(line):
        return start
    # Mid-line, only a template expression of a name (`{{ x.y }}`, `{{ x | f }}`): a set of
    # sets where the parser stopped (`{{1}} {{2}}`) is broken Python.
    return "{{" if _TEMPLATE_EXPRESSION.match(line, offset - 1) else None


def check_syntax(text: str, filename: str) -> ast.Module | None:
    """Parse with the interpreter's own parser; raise SourceError when it rejects the text.

    Returns the `ast` tree, or None when the text uses syntax newer than the
    running interpreter (PEP 695) that LibCST still reads.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text, filename=filename)
    except SyntaxError as error:
        if _uses_newer_syntax(text, error):
            check_token_depth(text)
            return None
        mark = _template_mark(text, error.lineno, error.offset)
        if mark is not None:  # a Jinja or cookiecutter template saved as `.py`
            raise SourceError(
                f"a template, not Python (`{mark}` at line {error.lineno})",
                error.lineno or 1,
                error.offset or 1,
            ) from None
        where = f" (line {error.lineno})" if error.lineno else ""
        # The place flake8's E999 reports: the parser's line and 1-based offset.
        raise SourceError(
            f"syntax error: {error.msg}{where}", error.lineno or 1, error.offset or 1
        ) from None
    except (RecursionError, MemoryError):
        raise SourceError("nesting too deep to parse") from None
    except ValueError as error:
        raise SourceError(f"cannot parse: {error}") from None


# LibCST nests what `ast` keeps flat (`a and b and ...`, dotted import names,
# `for` clauses of a comprehension); its native parser overflows the C stack on
# a few thousand levels (about 1,250 nested parentheses), which would kill the
# process. Its Python visitors give up on a few hundred levels anyway, so nothing
# readable is lost by refusing here.
MAX_LIBCST_DEPTH = 1000

# A LibCST tree with its positions takes 3.5 to 4.5 kB per `ast` node (measured on
# modules of nova, neutron and prefect and on 100,000 string literals), so this
# bounds the memory of one file's parse at about 500 MB. Beyond it a file is a DBL001.
MAX_SYNTAX_NODES = 120_000


def check_libcst_depth(tree: ast.Module) -> None:
    """Raise SourceError when LibCST's tree for `tree` would nest too deep or be too large."""
    check_size(1 + sum(statement_sizes(tree)))


def statement_sizes(tree: ast.Module) -> list[int]:
    """The syntax nodes of each top-level statement; SourceError when LibCST's tree would nest too deep.

    A walk of every node of every parsed file, so written for speed: `ast.iter_child_nodes`
    inlined, and leaves without fields (`Load`, `Add`, `Eq`, ...) counted where they are met."""
    sizes: list[int] = []
    limit, node_type = MAX_LIBCST_DEPTH, ast.AST
    for statement in tree.body:
        stack: list[tuple[ast.AST, int]] = [(statement, 1)]
        push, pop = stack.append, stack.pop
        nodes = 0
        while stack:
            node, depth = pop()
            nodes += 1
            kind = type(node)
            depth += 1 + (_flattened_levels(node) if kind in _FLATTENING else 0)
            if depth > limit:
                raise SourceError("nesting too deep to parse")
            for name in kind._fields:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    for item in value:
                        if isinstance(item, node_type):
                            push((item, depth))
                elif isinstance(value, node_type):
                    if type(value)._fields:
                        push((value, depth))
                    else:  # a leaf: one node, one level below
                        nodes += 1
                        if depth + 1 > limit:
                            raise SourceError("nesting too deep to parse")
        sizes.append(nodes)
    return sizes


def check_size(nodes: int) -> None:
    """Raise SourceError when a LibCST tree of `nodes` syntax nodes would take too much memory."""
    if nodes > MAX_SYNTAX_NODES:
        raise SourceError(
            f"file is too large to analyse ({nodes} syntax nodes > {MAX_SYNTAX_NODES}), skipped"
        )


_FLATTENING = frozenset(
    (
        ast.BoolOp,
        ast.ListComp,
        ast.SetComp,
        ast.GeneratorExp,
        ast.DictComp,
        ast.alias,
        ast.ImportFrom,
    )
)


def _flattened_levels(node: ast.AST) -> int:
    """Levels LibCST adds for `node` beyond the one `ast` has."""
    if isinstance(node, ast.BoolOp):
        return len(node.values) - 1
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        return len(node.generators) - 1
    if isinstance(node, ast.alias):
        return node.name.count(".")
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").count(".")
    return 0


_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")
_NOT_NODES = frozenset((tokenize.NL, tokenize.COMMENT, tokenize.ENCODING, tokenize.ENDMARKER))


def check_token_depth(text: str) -> None:
    """`check_libcst_depth` for text that `ast` cannot parse (syntax newer than this Python).

    Without a tree, every token is taken as one more level of nesting, except
    that a comma or the end of a statement closes the levels opened since the
    enclosing bracket: an upper bound of LibCST's depth, which flat data
    (long lists, many statements) stays far below. Text that this Python cannot
    even tokenize is bounded the same way by words and punctuation.
    """
    try:
        tokens = [
            (token.type, token.string)
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
        ]
    except (tokenize.TokenError, SyntaxError):
        tokens = [(tokenize.OP, word) for word in re.findall(r"\w+|[^\w\s]", text)]
    check_size(
        sum(1 for kind, string in tokens if kind not in _NOT_NODES and string not in ",:;()[]{}")
    )
    levels = [0]  # per open bracket: tokens since its last comma
    total = indent = 0
    for kind, string in tokens:
        if kind in _NOT_NODES:
            continue
        if kind == tokenize.INDENT:
            indent += 1
        elif kind == tokenize.DEDENT:
            indent -= 1
        elif kind == tokenize.NEWLINE or string == ";":
            levels, total = [0], 0
        elif string in _OPENING:
            levels.append(0)
            total += 1
        elif string in _CLOSING and len(levels) > 1:
            total -= 1 + levels.pop()
        elif string == ",":
            total -= levels[-1]
            levels[-1] = 0
        else:
            levels[-1] += 1
            total += 1
        if total + 2 * indent > MAX_LIBCST_DEPTH:
            raise SourceError("nesting too deep to parse")
