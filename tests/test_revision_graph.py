"""The revision graph (DBL401-DBL405): long histories, agreement with Alembic, flake8."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.script.revision import CycleDetected, RevisionError

from conftest import FIXTURES, run_tool
from dblint.contexts import ScriptLocation
from dblint.engine import Request
from dblint.pipeline import load_project
from dblint.facts.alembic_ops import RevisionHeader
from dblint.index.revisions import Revision, build_graph, revision_graphs

GRAPH = FIXTURES / "alembic_graph"
TEMPLATE = 'from alembic import op\n\nrevision = "{rev}"\ndown_revision = {down}\n\n\ndef upgrade():\n    op.create_table("t{rev}")\n'


def _write_chain(root: Path, count: int, cycle: bool = False) -> None:
    (root / "pyproject.toml").write_text('[project]\nname = "long"\n')
    (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    for number in range(count):
        down = f'"r{number - 1}"' if number else (f'"r{count - 1}"' if cycle else "None")
        (versions / f"r{number}.py").write_text(TEMPLATE.format(rev=f"r{number}", down=down))


def _codes(root: Path) -> list[str]:
    completed = run_tool("dblint", "check", ".", "--format", "json", cwd=root)
    assert completed.returncode in (0, 1), completed.stderr
    assert "Traceback" not in completed.stderr
    return [item["code"] for item in json.loads(completed.stdout)]


def test_a_chain_of_5000_revisions_is_one_clean_line(tmp_path: Path) -> None:
    _write_chain(tmp_path, 5000)
    (tmp_path / "migrations" / "versions" / "extra.py").write_text(TEMPLATE.format(rev="extra", down='"r2"'))
    completed = run_tool("dblint", "check", ".", cwd=tmp_path)
    # One finding pair: the two heads r4999 and extra, which diverge at r2.
    assert completed.returncode == 1, completed.stderr
    assert sorted(line.split(": ")[0] for line in completed.stdout.splitlines()) == [
        "migrations/versions/extra.py:3:1", "migrations/versions/r4999.py:3:1"
    ]
    assert "diverge at r2" in completed.stdout


def _header(rev: str, down: tuple[str, ...]) -> RevisionHeader:
    return RevisionHeader(rev, down, True, (), (), 1, 1, 2, 1, 2, 1)


def test_a_cycle_through_5000_revisions_is_found_without_recursion() -> None:
    revisions = [Revision(f"v/r{n}.py", _header(f"r{n}", (f"r{(n - 1) % 5000}",))) for n in range(5000)]
    graph = build_graph(ScriptLocation("m", ("m/versions",), "test"), revisions)
    assert len(graph.cycles) == 1 and len(graph.cycles[0]) == 5000
    assert graph.order == () and graph.roots == () and graph.heads == ()


def test_a_small_cycle_is_reported_at_each_down_revision(tmp_path: Path) -> None:
    _write_chain(tmp_path, 3, cycle=True)
    assert _codes(tmp_path) == ["DBL405"] * 3


def _script(section: str) -> ScriptDirectory:
    config = Config(str(GRAPH / "alembic.ini"), ini_section=section)
    return ScriptDirectory.from_config(config)


def _graph(location: str):
    graphs = revision_graphs(load_project(GRAPH, Request(paths=())).index)
    return next(graph for graph in graphs if graph.location.directory == location)


def test_heads_and_roots_agree_with_alembic() -> None:
    for section, location in (("alembic", "heads"), ("roots", "roots")):
        script = _script(section)
        graph = _graph(location)
        assert sorted(script.get_heads()) == sorted(graph.heads)
        assert sorted(script.get_bases()) == sorted(graph.roots)


def test_alembic_rejects_what_dblint_reports() -> None:
    with pytest.raises(CycleDetected):
        _script("cycle").get_heads()
    assert _graph("cycle").cycles == (("6001", "6002"),)
    with warnings.catch_warnings(record=True) as caught, pytest.raises((KeyError, RevisionError)):
        warnings.simplefilter("always")
        _script("missing").get_heads()
    assert any("30O1" in str(w.message) for w in caught)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _script("dupes").get_heads()
    assert any("present more than once" in str(w.message) for w in caught)
    assert list(_graph("dupes").duplicates) == ["4001"]


def test_labelled_branch_is_not_a_second_head_or_root() -> None:
    codes = {(item["path"], item["code"]) for item in json.loads(run_tool("dblint", "check", ".", "--format", "json", cwd=GRAPH).stdout)}
    assert not any(path.startswith("heads/versions/200") for path, _ in codes)


def test_docstring_header_is_a_fallback(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "doc"\n')
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    (versions / "a.py").write_text('"""a\n\nRevision ID: a1\nRevises:\n"""\nfrom alembic import op\n\nrevision = "a1"\ndown_revision = None\n')
    (versions / "b.py").write_text('"""b\n\nRevision ID: b2\nRevises: a1\n"""\nfrom alembic import op\n\nrevision = REVISION\n')
    graph = revision_graphs(load_project(tmp_path, Request(paths=())).index)[0]
    assert graph.heads == ("b2",) and graph.revisions["b2"].header.down_revisions == ("a1",)


def test_flake8_reports_on_the_migration_file() -> None:
    completed = run_tool("flake8", "--select", "DBL", "heads/versions/1002_b.py", "roots/versions/5000_initial.py", cwd=GRAPH)
    lines = sorted(completed.stdout.splitlines())
    assert [line.split(": ")[0] + ":" + line.split(": ")[1].split()[0] for line in lines] == [
        "heads/versions/1002_b.py:8:1:DBL401",
        "roots/versions/5000_initial.py:8:1:DBL401",
        "roots/versions/5000_initial.py:9:1:DBL404",
    ]
