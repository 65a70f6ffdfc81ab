"""`facts.walk` must visit and position nodes exactly as LibCST's own visit and PositionProvider do."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from dblint.facts import walk as walk_module
from dblint.facts.source import decode

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    [
        *ROOT.joinpath("tests", "fixtures").rglob("*.py"),
        *ROOT.joinpath("src", "dblint").rglob("*.py"),
    ]
)
EXTRA = {
    "odd.py": 'x = (\n  1 +  # c\n  2)\n@d\n\nasync def f(a, /, *b, c: "T" = 3, **d) -> None:\n\tawait g(f"{a!r:>{b}}")\n'
    "class C[T](B, metaclass=M):\n    y: int = [i for i in range(3) if i]\n    def m(self): return {1: 2, **z}\n"
    "match p:\n    case [1, *r] | {'k': _} if r:\n        pass\nlambda: (yield)\n",
}


def _recording_visitor() -> type:
    """A visitor class with a recording visit_/leave_ method for every node class the walk enters."""
    methods = {}
    for cls in vars(cst).values():
        if (
            isinstance(cls, type)
            and issubclass(cls, cst.CSTNode)
            and cls not in walk_module._LEAVES
        ):
            name = cls.__name__
            methods[f"visit_{name}"] = lambda self, node, name=name: self.log.append(
                ("visit", name, id(node))
            )
            methods[f"leave_{name}"] = lambda self, node, name=name: self.log.append(
                ("leave", name, id(node))
            )
    return type("Recorder", (cst.CSTVisitor,), methods)


RECORDER = _recording_visitor()


# The fixtures of Python that no parser accepts (DBL001 cases): nothing to walk.
UNPARSABLE = str(Path("tests", "fixtures", "bad_input", "legacy")) + "/"
# A fixture file marked with its syntax error (a Python 2 revision): nothing to walk either.
FIXTURES = str(Path("tests", "fixtures")) + "/"
SYNTAX_ERROR_MARKER = "# error: DBL001"


def _cases() -> list[tuple[str, str]]:
    """(name, text) of every walkable file; parsed in the test, so a worker parses only its own cases."""
    cases = []
    for path in SOURCES:
        try:
            text = decode(path.read_bytes())
        except Exception:  # noqa: BLE001 - the fixtures of unreadable input; nothing to walk
            continue
        cases.append((str(path.relative_to(ROOT)), text))
    return [*cases, *EXTRA.items()]


CASES = _cases()


@pytest.mark.parametrize(("name", "text"), CASES, ids=[name for name, _ in CASES])
def test_walk_and_positions_agree_with_libcst(name, text):
    if name.startswith(UNPARSABLE) or (name.startswith(FIXTURES) and SYNTAX_ERROR_MARKER in text):
        with pytest.raises(cst.ParserSyntaxError):
            cst.parse_module(text)
        return
    module = cst.parse_module(text)
    expected, found = RECORDER(), RECORDER()
    expected.log, found.log = [], []
    module.visit(expected)
    walk_module.walk(module, found)
    assert found.log == expected.log
    libcst_ranges = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    ranges = walk_module.positions(module)._ranges
    assert len(ranges) == len(libcst_ranges)
    for node, where in libcst_ranges.items():
        assert ranges[id(node)] == (
            where.start.line,
            where.start.column,
            where.end.line,
            where.end.column,
        )
