"""The guard in front of LibCST for text `ast` cannot parse (syntax newer than the interpreter).

Such text reaches LibCST's native parser without an `ast` tree to measure, and that
parser kills the whole process (a C stack overflow, not an exception) on about 1,250
nested parentheses. `check_token_depth` must refuse every shape deep enough for that,
accept flat data of any length, and be calibrated so that the deepest text it accepts
still parses in a separate process.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Callable

import pytest

from dblint.facts import extract_facts
from dblint.facts.source import SourceError, check_token_depth

NEWER = "type Rows = list[int]\n"  # PEP 695: a SyntaxError before Python 3.12

SHAPES: dict[str, Callable[[int], str]] = {
    "parens": lambda n: "x = " + "(" * n + "1" + ")" * n,
    "lists": lambda n: "x = " + "[" * n + "1" + "]" * n,
    "unary": lambda n: "x = " + "-" * n + "y",
    "not": lambda n: "x = " + "not " * n + "y",
    "power": lambda n: "x = " + "**".join(["a"] * n),
    "and": lambda n: "x = " + " and ".join(["a"] * n),
    "attribute": lambda n: "x = " + ".".join(["a"] * n),
    "ternary": lambda n: "x = " + " if c else ".join(["a"] * n),
    "lambda": lambda n: "x = " + "lambda: " * n + "1",
    "strings": lambda n: "x = (" + " ".join(['"a"'] * n) + ")",
    "dotted_import": lambda n: "import " + ".".join(["a"] * n),
    "blocks": lambda n: "".join(" " * i + "if x:\n" for i in range(n)) + " " * n + "pass",
}


def _accepted(text: str) -> bool:
    try:
        check_token_depth(text)
    except SourceError:
        return False
    return True


# Levels each shape is refused at: 20,000, far past the ~1,250 that kill LibCST, except for
# nested blocks, whose text grows with the square of the depth (20,000 levels are 200 MB of
# indentation): 2,000 levels, still four times the depth the guard lets through.
DEEP = {shape: 2_000 if shape == "blocks" else 20_000 for shape in SHAPES}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_deep_shapes_are_refused(shape):
    with pytest.raises(SourceError, match="nesting too deep"):
        check_token_depth(NEWER + SHAPES[shape](DEEP[shape]))


def test_untokenizable_text_is_still_bounded():
    with pytest.raises(SourceError, match="nesting too deep"):
        check_token_depth(NEWER + "x = " + "(" * 20_000 + '"""unterminated')


def test_flat_data_of_any_length_is_accepted():
    check_token_depth(NEWER + "DATA = [\n" + "    'a', 'b', 1, 2.0, None,\n" * 20_000 + "]\n")
    check_token_depth(NEWER + "x = call(a.b.c, d[1])\n" * 5_000)


@pytest.mark.parametrize("shape", ["parens", "unary", "and", "power", "ternary", "strings"])
def test_libcst_survives_the_deepest_text_accepted(shape):
    low, high = 1, 2_000
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if _accepted(NEWER + SHAPES[shape](middle)) else (low, middle)
    text = NEWER + SHAPES[shape](low) + "\n"
    completed = subprocess.run(
        [sys.executable, "-c", "import sys, libcst; libcst.parse_module(sys.stdin.read())"],
        input=text,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode >= 0, (
        f"LibCST's parser died with signal {-completed.returncode} on {shape} x {low}"
    )


def test_too_many_tokens_is_too_large():
    with pytest.raises(SourceError, match="too large to analyse"):
        check_token_depth(NEWER + "x = call(a.b.c, d[1])\n" * 20_000)


def test_a_replacement_field_over_several_lines_is_newer_syntax_not_a_syntax_error() -> None:
    """PEP 701 (3.12): an older parser calls `f"-{` at a line's end an unterminated string."""
    valid = b'def total(order):\n    return f"-{\n        order.amount\n    }"\n'
    assert extract_facts("m.py", valid, use_prefilter=False).error is None
    for broken in (b'x = f"-{ a\n', b'x = "-{\n    a\n}"\n'):
        assert (extract_facts("m.py", broken, use_prefilter=False).error or "").startswith(
            "syntax error"
        )
