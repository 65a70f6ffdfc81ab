"""Sliced parsing gives the facts and findings of a whole-file LibCST parse, byte for byte.

LibCST parses only the statements the prefilter marks (`facts/slices.py`); the others'
facts are read from `ast` (`facts/ast_facts.py`). The soundness gate: for every fixture
file (found afresh each run, so facts added later are covered), the examples, every
rule-doc example and a generated corpus, both ways give the
same encoded facts, and a check of every fixture project the same findings. A second
pass reads *every* statement with `ast` where it can (markers ignored) and compares the
facts that reader owns, so the `ast` reader is tried on far more code than it meets in a run.
"""

from __future__ import annotations

import ast
import itertools
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest
from conftest import finding_set, run_tool, write_project

import dblint.facts as facts_package
from dblint import engine
from dblint.facts import batch, codec, extract_facts, slices
from dblint.facts import parse as parse_module
from dblint.facts.ast_facts import SourceLines
from dblint.facts.model import FileFacts
from dblint.facts.source import MAX_SYNTAX_NODES, statement_sizes
from dblint.rules import all_rules
from dblint.rules.base import example_files

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SHAPE_FIELDS = (
    "imports",
    "bindings",
    "classes",
    "functions",
    "function_defs",
    "toplevel_calls",
    "all_names",
    "all_computed",
)

# Constructs where `ast` and LibCST could disagree: each is either read identically or left to LibCST.
TRICKY = {
    "tricky/strings.py": (
        'X = f"a\\n{{b}} {c!r:>{w}}"\nY = ("a"\n     "b")\nZ = b"x" b"y"\nW = "é" + name()\n'
        'V = ["a", *rest, f"{x}"]\n__all__ = ["V", "W"]\n__all__ = ["V"] + extra\nU = "\\N{BULLET} \\x41"\n'
    ),
    "tricky/exports.py": (
        '__all__ = ["a"]\n__all__ += ["b", "c"]\n__all__.extend(("d",))\n__all__.append("e")\n'
        'if x:\n    __all__ += ["f"]\ndef g():\n    __all__ = []\n    __all__ += h\nclass I:\n    __all__ += j\n'
        '__all__.extend(k, l)\n__all__.append(m)\n__all__ -= ["n"]\n__all__ += o.__all__\n'
    ),
    "tricky/tuples.py": (
        "a = (1, 2)\nb = 1, 2\nc = (1), 2\nd = ()\ne = X[(1, 2)]\nf = X[1, 2]\ng = X[(1), 2]\nh = X[1:2, ::3]\n"
        "i = X[()]\nj = f(x for x in y)\nk = f((x for x in y), 1)\nl = {**a, 'k': (1,), 2: [3], (4, 5): 6}\n"
        "m = -1, +2.5, ~3, not 4, -1j, -True, - (7)\nn = {1, *s}\no = 0x1F, 1_000, 1e3, 2j\np = ...\n"
    ),
    "tricky/columns.py": (
        "ä = 1; ü: int = ä\nclass Ω(Base, metaclass=M, **kw):\n    é: Mapped[str] = f(\"ü\", x='ß')\n"
        "    a = b = (c)\n    (d) = 1\n    x, y = 1, 2\n    if z:\n        q = 1\n"
        "    @property\n    async def m(self, /, a: int, *r: str, k: 'K' = 1, **o: T): return -1\n"
        "    def n(self): x = 1; return\n"
        "    def o(self):\n        return -2\nclass P: x = 1\n"
        "def make(*a, **k):\n    def inner(): return 1\n    if a:\n        return Factory(*a, **k)\n    return (lambda: 2)\n"
        "def other(*args):\n    return f(args)\n"
    ),
    "tricky/flow.py": (
        "import os, a.b.c as d\nfrom . import x\nfrom ..p import *\nif TYPE_CHECKING:\n    import t1\nelif other:\n"
        "    import t2\nelse:\n    import t3\nif typing.TYPE_CHECKING: import t4\n"
        "try:\n    a = f()\nexcept g() as e:\n    b = h()\nexcept (i(), j()):\n    pass\nelse:\n    k()\nfinally:\n    l()\n"
        "for m in n():\n    o()\nwhile p(): q()\nwith r() as s, t():\n    u()\n"
        "match v():\n    case [w, *_] if x(): y()\n    case Point(x=0): z()\n    case _: pass\n"
        "a1 = lambda q=b1(): c1(d1())\n[e1() for e1 in f1() if g1()]\nh1()()\ni1().j1()\n(k1)()\n"
        "parser.add(help=m1(), default=n1())\nmsg = 'a' + o1() + p1()\nr1 = (s1() + 1) * t1()\n"
        "assert u1(), v1()\nraise w1() from x1()\ndel y1[z1()]\nx2 += a2()\n'doc'\nf'{b2()}'\n"
        "@c2()\ndef d2(e2: E2 = f2()) -> g2(): h2()\n@i2\nclass J2(k2()): l2()\nglobal m2\nnonlocal_ = 1\n"
        "SQLModel.metadata = other\nobj.attr = 1\nx3 = y3 = z3()\n(a4 := b4())\nc4: int\n"
    ),
    "tricky/interactions.py": (
        "def a(request):\n    return request.db.query(User).all()\n"
        "def b(s: Session):\n    s.session.add(x)\n    parser.add(help=s.query())\n    t = 'a' + s.session\n"
        "class C:\n    rows = conn.cursor()\n    @decorate(scoped_session)\n    def d(self): self.x.execute(q)\n"
        "e = sessionmaker(bind=engine)\nf = select(User).where(User.id == 1)\nconn.exec_driver_sql(q)\n"
        "from app.session import make\nimport lib.query.x as y\nfrom .session import z\n"
    ),
}
# Every way a module can touch `__all__`, each in a file of its own after `__all__ = ["a"]` (so
# that a computed answer in one shape cannot hide another's), with what it leaves: the literal
# names, and whether `__all__` changes in a way that cannot be read (a star import's reach is then
# unknown). Only a whole statement directly in the module body adds names; a change anywhere else
# (an expression, a block, a function through the global list) is unknown.
ALL_SHAPES = (
    ("__all__ += ['b']", "ab", False),
    ("__all__ = __all__ + ['b']", "ab", False),
    ("__all__ = ['b'] + __all__", "a", True),
    ("__all__.extend(('b', 'c')); __all__.append('d')", "abcd", False),
    ("__all__.insert(0, 'b')", "ab", False),
    ("__all__.insert(0, name)", "a", True),
    ("__all__.insert(0)", "a", True),
    ("__all__.append(b='x')", "a", True),
    ("__all__.remove('a')", "a", True),
    ("__all__.pop()", "a", True),
    ("__all__.clear()", "a", True),
    ("__all__.sort()\n__all__.reverse()\nn = __all__.count('a') + __all__.index('a')", "a", False),
    ("names = __all__.copy()", "a", False),
    ("__all__: list[str] = ['b']", "b", False),
    ("__all__: 'list[str]'", "a", False),
    ("__all__[:] = ['b']", "a", True),
    ("__all__[0] = 'b'", "a", True),
    ("__all__[0] += 'b'", "a", True),
    ("del __all__[0]", "a", True),
    ("del __all__", "a", True),
    ("del other, __all__", "a", True),
    ("__all__, other = ['b'], 1", "a", True),
    ("[__all__, other] = ['b'], 1", "a", True),
    ("x = y = __all__ = ['b']", "b", False),
    ("(__all__ := ['b'])", "a", True),
    ("[__all__.append(n) for n in names]", "a", True),
    ("[__all__.append('b') for _ in range(1)]", "a", True),
    ("x = __all__.append('b')", "a", True),
    ("print(__all__.extend(['b']))", "a", True),
    ("__all__.append('b') or None", "a", True),
    ("(__all__.append('b'), 1)", "a", True),
    ("f = lambda: __all__.append('b')", "a", True),
    ("if cond:\n    __all__.append('b')", "a", True),
    ("if cond: __all__.append('b')", "a", True),
    ("if cond:\n    pass\nelse:\n    __all__ += ['b']", "a", True),
    ("if cond:\n    __all__ = ['b']", "a", True),
    ("for n in names:\n    __all__.append('b')", "a", True),
    ("while cond:\n    __all__.extend(['b'])", "a", True),
    ("try:\n    __all__.extend(['b'])\nexcept ImportError:\n    pass", "a", True),
    ("try:\n    import b\nexcept ImportError:\n    pass\nelse:\n    __all__ += ['b']", "a", True),
    ("with ctx():\n    __all__.append('b')", "a", True),
    ("match cond:\n    case 1:\n        __all__.append('b')", "a", True),
    ("def export(obj):\n    __all__.append(obj.__name__)\n    return obj", "a", True),
    ("def f():\n    global __all__\n    __all__ = ['b']", "a", True),
    ("def f():\n    __all__ = ['z']\n    __all__ += ['y']\n    del __all__", "a", False),
    ("def f():\n    __all__[0] = 'b'", "a", True),
    ("def f():\n    return __all__.index('a')", "a", False),
    ("class C:\n    __all__ = ['z']", "a", False),
    ("class C:\n    __all__ += ['z']", "a", True),
    ("class C:\n    __all__.append('z')", "a", True),
    ("@__all__.append\ndef g(): pass", "a", True),
    ("def g(x=__all__.pop()): pass", "a", True),
    ("print(__all__)", "a", False),
    ("__all__.append(f'b')", "a", True),
    ("__all__ = [f'b']", "a", True),
    ("__all__ = ['' 'b']", "b", False),  # adjacent literals: one name
    ("__all__.extend(*more)", "a", True),
    ("f = __all__.append", "a", True),
    ("parser.add(help=__all__.pop())", "a", True),
    ("f'{__all__.pop()}'", "a", True),
    ("x = 'a' + f'{__all__.pop()}'", "a", True),
    ("log.info('%s', __all__.pop())", "a", True),
    # A function that assigns `__all__` has its own: its changes are not the module's.
    ("def f():\n    __all__ = []\n    __all__.extend(names)\n    __all__[0] = 'x'", "a", False),
    ("def f():\n    __all__.append('b')\n    __all__ = []", "a", False),
    ("def f():\n    __all__: list = []\n    __all__.append('b')", "a", False),
    ("class C:\n    def m(self):\n        __all__ = ['z']\n        __all__.pop()", "a", False),
    ("def f():\n    global __all__\n    __all__ += ['b']", "a", True),
    ("def f():\n    def g():\n        __all__.append('b')\n    __all__ = []", "a", True),
    ("def f():\n    for __all__ in x:\n        __all__.append('b')", "a", True),
    ("def f(x=__all__.pop()):\n    pass", "a", True),
    (
        "def f():\n    __all__ = []\n    log.info(f'{__all__.pop()}', extra=__all__.pop())",
        "a",
        False,
    ),
)
TRICKY.update(
    {
        f"tricky/all_shapes/s{i:02}.py": f'__all__ = ["a"]\n{shape}\n'
        for i, (shape, _, _) in enumerate(ALL_SHAPES)
    }
)


def _python_files(*roots: Path) -> Iterable[Path]:
    for root in roots:
        yield from sorted(root.rglob("*.py"))


def _sliced_encoded(rel: str, data: bytes) -> object:
    facts = extract_facts(rel, data, use_prefilter=False, sliced=True)
    assert facts.internal_error is None, facts.internal_error
    return codec.encode(facts)


# The tests on the whole corpus share its module fixtures: one worker builds them once.
_ON_THE_CORPUS = pytest.mark.xdist_group("sliced_parse_corpus")


# Session-scoped: other modules' tests may run between the three corpus tests on their
# worker, and a module fixture would be built again after each of them.
@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Every source the gate runs on, by a readable name."""
    generated = tmp_path_factory.mktemp("generated")
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    generate(generated, 150)
    found = {
        str(path.relative_to(REPO)): path.read_bytes()
        for path in _python_files(FIXTURES, REPO / "examples")
    }
    found.update(
        {
            f"generated/{path.relative_to(generated)}": path.read_bytes()
            for path in _python_files(generated)
        }
    )
    for rule in all_rules():
        for kind in ("example", "use_instead"):
            for rel, text in example_files(getattr(rule, kind)).items():
                found[f"{rule.code}/{kind}/{rel}"] = text.encode("utf-8")
    found.update({rel: text.encode("utf-8") for rel, text in TRICKY.items()})
    return found


@pytest.fixture(scope="session")
def whole_file_facts(corpus: dict[str, bytes]) -> dict[str, FileFacts]:
    """The reference: LibCST given each whole file (no slices, no batches), parsed once per worker."""
    found = {}
    for rel, data in corpus.items():
        facts = extract_facts(rel, data, use_prefilter=False, sliced=False)
        assert facts.internal_error is None, facts.internal_error
        found[rel] = facts
    return found


@_ON_THE_CORPUS
def test_sliced_facts_are_the_whole_file_facts(
    corpus: dict[str, bytes], whole_file_facts: dict[str, FileFacts]
) -> None:
    assert len(corpus) > 300
    differ = [
        rel
        for rel, data in corpus.items()
        if _sliced_encoded(rel, data) != codec.encode(whole_file_facts[rel])
    ]
    assert differ == []


@_ON_THE_CORPUS
def test_facts_are_the_same_when_libcst_is_given_one_statement_at_a_time(
    corpus: dict[str, bytes],
    whole_file_facts: dict[str, FileFacts],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Batches of statements (how a large file is parsed) give the facts of one parse."""
    monkeypatch.setattr(parse_module, "BATCH_NODES", 1)
    differ = [
        rel
        for rel, data in corpus.items()
        if _sliced_encoded(rel, data) != codec.encode(whole_file_facts[rel])
    ]
    assert differ == []


@_ON_THE_CORPUS
def test_the_ast_reader_agrees_wherever_it_reads(
    corpus: dict[str, bytes],
    whole_file_facts: dict[str, FileFacts],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Markers ignored: every statement `ast` can read is read by it; its facts must be LibCST's."""
    monkeypatch.setattr(slices, "needs_libcst", lambda data: False)
    monkeypatch.setattr(parse_module, "_imports_alembic", lambda tree: False)
    differ = []
    read_by_ast = 0
    for rel, data in corpus.items():
        whole = whole_file_facts[rel]
        sliced = extract_facts(rel, data, use_prefilter=False, sliced=True)
        assert sliced.internal_error is None, sliced.internal_error
        read_by_ast += sliced.parsed and not sliced.sql_strings
        differ += [
            f"{rel}: {name}"
            for name in SHAPE_FIELDS
            if getattr(whole, name) != getattr(sliced, name)
        ]
        if set(whole.interactions) - {"raw-sql"} != set(sliced.interactions) - {
            "raw-sql"
        }:  # raw-sql: also from SQL strings
            differ.append(f"{rel}: interactions")
    assert differ == []
    assert read_by_ast > 100


@_ON_THE_CORPUS
def test_the_imports_only_reader_builds_all_as_libcst_does(
    corpus: dict[str, bytes],
    whole_file_facts: dict[str, FileFacts],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A file the prefilter skips gets `__all__` from the imports-only reader: LibCST's answer."""
    monkeypatch.setattr(facts_package, "needs_parse", lambda data: False)
    differ = []
    for rel, data in corpus.items():
        whole = whole_file_facts[rel]
        skipped = extract_facts(rel, data)
        if skipped.parsed or not whole.parsed:  # syntax newer than this Python: LibCST reads it
            continue
        if (skipped.all_names, skipped.all_computed) != (whole.all_names, whole.all_computed):
            differ.append(rel)
    assert differ == []


def _parsed_by_libcst(text: str) -> list[int]:
    """The first lines of the units of `text` that LibCST is given."""
    tree = ast.parse(text)
    return [
        unit.first
        for unit in slices.plan(tree, SourceLines(text), statement_sizes(tree))
        if unit.shape is None
    ]


def test_plain_statements_are_read_by_ast_and_the_rest_left_to_libcst() -> None:
    assert (
        _parsed_by_libcst(TRICKY["tricky/tuples.py"]) == []
    )  # parenthesised tuples, generators, numbers
    # f-strings; adjacent literals, an escape and a non-ASCII literal (markers of the prefilter)
    assert _parsed_by_libcst(TRICKY["tricky/strings.py"]) == [1, 2, 4, 6, 9]
    assert _parsed_by_libcst(TRICKY["tricky/columns.py"]) == [2]  # `Mapped`
    assert _parsed_by_libcst(TRICKY["tricky/flow.py"]) == [50]  # `SQLModel.metadata = ...`
    assert _parsed_by_libcst(TRICKY["tricky/interactions.py"]) == []  # sessions, queries, cursors


@pytest.mark.parametrize(
    "project", sorted(path.name for path in FIXTURES.iterdir() if path.is_dir())
)
def test_sliced_findings_are_the_whole_file_findings(
    project: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def check(sliced: bool) -> list[str]:
        def extract(rel: str, data: bytes, *, use_prefilter: bool = True) -> object:
            return extract_facts(rel, data, use_prefilter=use_prefilter, sliced=sliced)

        monkeypatch.setattr(batch, "extract_facts", extract)
        result = engine.run(engine.Request(paths=(FIXTURES / project,), jobs=1))
        return [repr(diagnostic) for run in result.runs for diagnostic in run.diagnostics]

    assert check(sliced=True) == check(sliced=False)


def test_a_module_over_the_node_budget_is_analysed(tmp_path: Path) -> None:
    """A generated module far over the LibCST budget: its CREATE TABLE near the top is still found."""
    rows = "".join(f"    ({i}, 'name {i}', {i * 2.5}, None),\n" for i in range(30_000))
    source = (
        "import sqlite3\n"
        "sqlite3.connect('app.db').execute('CREATE TABLE audit_log (id INTEGER PRIMARY KEY)')\n"
        f"ROWS = [\n{rows}]\n"
        "def load(db):\n    db.executemany('INSERT INTO audit_log VALUES (?)', ROWS)\n"
    )
    data = source.encode()
    whole = extract_facts("big.py", data, sliced=False)
    assert whole.error is not None and "too large to analyse" in whole.error
    facts = extract_facts("big.py", data)
    assert facts.error is None and facts.parsed
    assert [(s.line, s.statements[0].kind) for s in facts.sql_strings][:1] == [(2, "create-table")]
    assert [b.name for b in facts.bindings if not b.scope] == ["ROWS"]
    assert sum(statement_sizes(ast.parse(source))) > MAX_SYNTAX_NODES
    root = write_project(tmp_path / "project", {"app/big.py": source})
    assert finding_set(run_tool("dblint", "check", ".", "--no-cache", cwd=root).stdout) == {
        ("app/big.py", 2, "DBL102")
    }


def _all_as_the_three_readers_read_it(data: bytes) -> set[object]:
    return {
        (facts.all_names, facts.all_computed)
        for facts in (
            extract_facts("m.py", data),  # no trigger word: the imports-only reader
            extract_facts("m.py", data, use_prefilter=False),  # sliced: the `ast` reader
            extract_facts("m.py", data, use_prefilter=False, sliced=False),  # LibCST
        )
    }


@pytest.mark.parametrize(
    ("source", "names", "computed"),
    [
        (
            '__all__ = ["a"]\n__all__ += ["b"]\n__all__.extend(["c"])\n__all__.append("d")\n',
            "abcd",
            False,
        ),
        ('__all__ = ["a"]\n__all__ += ("b",)\n__all__ = ["z"]\n', "z", False),
        ('__all__ = ["a"]\n__all__ = __all__ + ["b"]\n', "ab", False),
        ('__all__ = ["a"]\n__all__ = __all__ + m.__all__\n', "a", True),
        ('__all__ = ["a"]\n__all__ = ["b"] + __all__\n', "a", True),
        (
            '__all__ = ["a"]\ndef f():\n    __all__ = []\n    __all__ += [x for x in y]\n',
            "a",
            False,
        ),
        ('import m\n__all__ = ["a"]\n__all__ += m.__all__\n', "a", True),
        ('__all__ = ["a"]\n__all__.extend(n for n in dir())\n', "a", True),
        ('__all__ = ["a"]\n__all__.append(name)\n', "a", True),
        ('__all__ = ["a"]\n__all__ -= ["a"]\n', "a", True),
        ("__all__ = [n for n in dir()]\n", "", True),
    ],
)
def test_the_three_readers_build_all_alike(source: str, names: str, computed: bool) -> None:
    """`__all__ += [...]` / `.extend([...])` / `.append("x")` add literal names; a computed extension
    makes a star import's reach unknown: the imports-only reader, `ast` and LibCST agree."""
    data = source.encode()
    read = _all_as_the_three_readers_read_it(data)
    assert read == {(tuple(names) or None, computed)}


@pytest.mark.parametrize(("shape", "names", "computed"), ALL_SHAPES)
def test_each_use_of_all_is_read_alike_by_the_three_readers(
    shape: str, names: str, computed: bool
) -> None:
    data = f'__all__ = ["a"]\n{shape}\n'.encode()
    read = _all_as_the_three_readers_read_it(data)
    assert read == {(tuple(names), computed)}


# The places a use of `__all__` may stand, each wrapping a body (indented by `_indented`).
_ALL_PLACES = (
    "{body}",
    "if c:\n{body}",
    "try:\n{body}except E:\n    pass\n",
    "while c:\n    pass\nelse:\n{body}",
    "with m() as n:\n{body}",
    "def f(a=__all__.index('a')):\n{body}",
    "async def f():\n    __all__ = []\n{body}",
    "def f():\n    global __all__\n{body}",
    "def f():\n    def g():\n{inner}    __all__ = []\n",
    "def f():\n    class C:\n{inner}",
    "class C:\n{body}",
    "class C:\n    def m(self):\n{inner}",
    "match v:\n    case 1:\n{inner}",
)


def _indented(body: str) -> str:
    return "".join(f"    {line}\n" for line in body.splitlines())


def test_every_use_of_all_in_every_place_is_read_alike() -> None:
    """Each shape of `ALL_SHAPES` in each place (a block, a function with or without its own
    `__all__`, a class, a closure): the three readers give the same answer."""
    differ = []
    for (shape, _, _), place in itertools.product(ALL_SHAPES, _ALL_PLACES):
        body = shape if place == "{body}" else _indented(shape)
        source = '__all__ = ["a"]\n' + place.format(body=body, inner=_indented(body)) + "\n"
        try:
            compile(source, "m.py", "exec")
        except SyntaxError:  # `global` at module level after a use, `match` before 3.10
            continue
        if len(_all_as_the_three_readers_read_it(source.encode())) != 1:
            differ.append(source)
    assert differ == []
