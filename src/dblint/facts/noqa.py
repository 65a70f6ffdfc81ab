"""`# noqa` comments, read exactly as flake8 reads them.

flake8 searches for the comment in the physical lines of one token run: a
multi-line string and the lines it spans count as one, so a `# noqa` after the
closing quotes of a triple-quoted string covers the line the string starts on.
Codes are compared as written (`# noqa:dbl101` suppresses nothing) and by
prefix (`# noqa: DBL1` suppresses DBL101). A line that starts with
`# flake8: noqa` exempts the whole file, as flake8 skips such a file: dblint
records it as a blanket noqa on line 0 (`WHOLE_FILE`).
"""

from __future__ import annotations

import io
import re
import tokenize

from dblint.facts.model import Noqa

# flake8.defaults.NOQA_INLINE_REGEXP
_NOQA = re.compile(
    r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"[,\s]")
# flake8.defaults.NOQA_FILE, matched at the start of each line as flake8 matches it
_NOQA_FILE = re.compile(r"\s*# flake8[:=]\s*noqa", re.IGNORECASE)
WHOLE_FILE = 0  # the line of a `# flake8: noqa`: it covers every line


def find_noqa(text: str) -> tuple[Noqa, ...]:
    """Every line a noqa comment applies to, with the codes it names (empty = all)."""
    if "noqa" not in text.lower():
        return ()
    lines = [line + "\n" for line in text.split("\n")]  # `text` has universal newlines already
    if any(_NOQA_FILE.match(line) for line in lines):
        return (Noqa(WHOLE_FILE, ()),)
    found: list[Noqa] = []
    for first, last in _line_runs(text, len(lines)):
        match = _NOQA.search("".join(lines[first - 1 : last]))
        if match is None:
            continue
        codes = match.group("codes")
        names = tuple(code for code in _SEPARATOR.split(codes) if code) if codes else ()
        found.extend(Noqa(number, names) for number in range(first, last + 1))
    return tuple(found)


def _line_runs(text: str, line_count: int) -> list[tuple[int, int]]:
    """(first, last) line of each run flake8 searches as one (split at NL/NEWLINE tokens)."""
    runs: list[tuple[int, int]] = []
    covered: set[int] = set()
    first, last = line_count + 2, -1
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            first, last = min(first, token.start[0]), max(last, token.end[0])
            if token.type in (tokenize.NL, tokenize.NEWLINE):
                runs.append((first, last))
                covered.update(range(first, last + 1))
                first, last = line_count + 2, -1
    except (tokenize.TokenError, SyntaxError):
        runs, covered = [], set()
    runs.extend((number, number) for number in range(1, line_count + 1) if number not in covered)
    return sorted(runs)


def suppresses(noqa: Noqa, code: str) -> bool:
    """flake8 semantics: a blanket noqa suppresses all; codes match by prefix."""
    return not noqa.codes or any(code.startswith(prefix) for prefix in noqa.codes)


def suppressed(comments: tuple[Noqa, ...], line: int, code: str) -> bool:
    """True when a noqa comment of the file covers a finding of `code` on `line`."""
    return any(noqa.line in (line, WHOLE_FILE) and suppresses(noqa, code) for noqa in comments)
