"""The revision graph (DBL401-DBL405): long histories, agreement with Alembic, flake8."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.script.revision import CycleDetected, RevisionError
from conftest import FIXTURES, findings_of, run_tool

from dblint.contexts import ScriptLocation
from dblint.engine import Request
from dblint.facts.revision_header import RevisionHeader
from dblint.index.revisions import Revision, build_graph, revision_graphs
from dblint.pipeline import load_project

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


# Longer than Python's default recursion limit (1000): a recursive walk would fail on it.
LONG_CHAIN = 1500


def test_a_long_chain_of_revisions_is_one_clean_line(tmp_path: Path) -> None:
    _write_chain(tmp_path, LONG_CHAIN)
    (tmp_path / "migrations" / "versions" / "extra.py").write_text(
        TEMPLATE.format(rev="extra", down='"r2"')
    )
    completed = run_tool("dblint", "check", ".", cwd=tmp_path)
    # One finding pair: the two heads r4999 and extra, which diverge at r2.
    assert completed.returncode == 1, completed.stderr
    assert sorted(line.split(": ")[0] for line in findings_of(completed.stdout)) == [
        "migrations/versions/extra.py:3:1",
        f"migrations/versions/r{LONG_CHAIN - 1}.py:3:1",
    ]
    assert "diverge at r2" in completed.stdout


def _header(rev: str, down: tuple[str, ...]) -> RevisionHeader:
    return RevisionHeader(rev, down, True, (), (), 1, 1, 2, 1, 2, 1)


def test_a_long_cycle_of_revisions_is_found_without_recursion() -> None:
    revisions = [
        Revision(f"v/r{n}.py", _header(f"r{n}", (f"r{(n - 1) % LONG_CHAIN}",)))
        for n in range(LONG_CHAIN)
    ]
    graph = build_graph(ScriptLocation("m", ("m/versions",), "test"), revisions)
    assert len(graph.cycles) == 1 and len(graph.cycles[0]) == LONG_CHAIN
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


def test_heads_and_roots_agree_with_alembic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(GRAPH))  # the labelled revisions import graph_branches.py
    sections = (
        ("alembic", "heads"),
        ("roots", "roots"),
        ("labels", "labels"),
        ("forked", "forked"),
        ("releases", "releases"),
        ("archive", "archive"),  # its versions/legacy/ is not read: no recursive_version_locations
    )
    for section, location in sections:
        script = _script(section)
        graph = _graph(location)
        assert sorted(script.get_heads()) == sorted(graph.heads)
        assert sorted(script.get_bases()) == sorted(graph.roots)


def test_branch_labels_of_heads_agree_with_alembic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Labels written as constants resolve as Alembic reads them; heads with equal labels group alike."""
    monkeypatch.syspath_prepend(str(GRAPH))
    for section, location in (("alembic", "heads"), ("labels", "labels"), ("forked", "forked")):
        script = _script(section)
        graph = _graph(location)
        alembic_labels = {
            head: frozenset(script.get_revision(head).branch_labels) for head in script.get_heads()
        }
        ours = {head: graph.branch_labels(head) for head in graph.heads}
        assert _partition(alembic_labels) == _partition(ours), section
        if section == "labels":
            assert ours == alembic_labels == {"7002": {"expand"}, "7005": {"contract"}}


def _partition(labels: dict[str, frozenset[str]]) -> set[frozenset[str]]:
    """Heads grouped by equal label sets, whatever the labels are called."""
    groups: dict[frozenset[str], set[str]] = {}
    for head, found in labels.items():
        groups.setdefault(found, set()).add(head)
    return {frozenset(group) for group in groups.values()}


def test_each_dialect_tree_is_the_graph_alembic_sees_when_env_py_picks_it() -> None:
    """Subdirectories with a root each that never refer to each other: one graph per subdirectory."""
    graphs = revision_graphs(load_project(GRAPH, Request(paths=())).index)
    graphs = [graph for graph in graphs if graph.location.directory == "dialects"]
    assert [graph.subtree for graph in graphs] == [
        "dialects/versions/postgresql",
        "dialects/versions/sqlite",
    ]
    for graph in graphs:
        config = Config(str(GRAPH / "alembic.ini"), ini_section="dialects")
        config.set_section_option("dialects", "version_locations", str(GRAPH / graph.subtree))
        script = ScriptDirectory.from_config(config)
        assert sorted(script.get_heads()) == list(graph.heads) and len(graph.heads) == 1
        assert sorted(script.get_bases()) == list(graph.roots)
        assert sorted(script.get_revision(rid).revision for rid in graph.revisions) == sorted(
            graph.revisions
        )
        assert not graph.duplicates and graph.complete


def test_a_dialect_tree_is_still_checked_on_its_own(tmp_path: Path) -> None:
    """Split trees keep their own duplicate, root and head checks; a subdirectory naming another's revision joins it."""
    _write_chain(tmp_path, 0)
    versions = tmp_path / "migrations" / "versions"
    for dialect in ("postgresql", "sqlite"):
        (versions / dialect).mkdir()
        (versions / dialect / "a.py").write_text(TEMPLATE.format(rev="a", down="None"))
        (versions / dialect / "b.py").write_text(TEMPLATE.format(rev="b", down='"a"'))
    assert _codes(tmp_path) == []
    (versions / "sqlite" / "c.py").write_text(TEMPLATE.format(rev="b", down='"a"'))
    assert _codes(tmp_path) == ["DBL403", "DBL403"]
    (versions / "sqlite" / "c.py").write_text(TEMPLATE.format(rev="c", down="None"))
    assert sorted(_codes(tmp_path)) == ["DBL401", "DBL401", "DBL404", "DBL404"]
    (versions / "sqlite" / "c.py").unlink()
    (versions / "mysql").mkdir()
    (versions / "mysql" / "c.py").write_text(TEMPLATE.format(rev="c", down='"b"'))
    assert (
        _codes(tmp_path) == ["DBL403"] * 4
    )  # one graph again: the ids both trees declare are duplicates


def test_a_new_directory_whose_first_revision_forgot_its_parent_is_still_a_second_root(
    tmp_path: Path,
) -> None:
    """Year directories are no dialect trees: an unattached `2025/` is a mistake, not a copy."""
    _write_chain(tmp_path, 0)
    versions = tmp_path / "migrations" / "versions"
    for year, first, second in (("2024", "a", "b"), ("2025", "c", "d")):
        (versions / year).mkdir()
        (versions / year / f"{first}.py").write_text(TEMPLATE.format(rev=first, down="None"))
        (versions / year / f"{second}.py").write_text(
            TEMPLATE.format(rev=second, down=f'"{first}"')
        )
    assert sorted(_codes(tmp_path)) == ["DBL401", "DBL401", "DBL404", "DBL404"]
    (versions / "2025" / "c.py").write_text(TEMPLATE.format(rev="c", down='"b"'))
    assert _codes(tmp_path) == []


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
    codes = {
        (item["path"], item["code"])
        for item in json.loads(
            run_tool("dblint", "check", ".", "--format", "json", cwd=GRAPH).stdout
        )
    }
    assert not any(
        path.startswith(("heads/versions/200", "labels/", "forked/versions/8001"))
        for path, _ in codes
    )
    assert ("forked/versions/8003_feature_a.py", "DBL401") in codes


def test_unresolvable_label_constants_still_label_the_branch(tmp_path: Path) -> None:
    """A label imported from outside the project is a label of its own; a branch under it that forks is still found."""
    _write_chain(tmp_path, 2)
    versions = tmp_path / "migrations" / "versions"
    plugin = TEMPLATE.replace(
        "from alembic import op\n", "from alembic import op\nfrom vendor import LABEL\n"
    )
    (versions / "p0.py").write_text(
        plugin.format(rev="p0", down="None") + "\nbranch_labels = (LABEL,)\n"
    )
    (versions / "p1.py").write_text(
        TEMPLATE.format(rev="p1", down='"p0"') + "\ndepends_on = ('vendor-label',)\n"
    )
    assert _codes(tmp_path) == []
    (versions / "p2.py").write_text(TEMPLATE.format(rev="p2", down='"p0"'))
    assert _codes(tmp_path) == ["DBL401", "DBL401"]


def test_docstring_header_is_a_fallback(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "doc"\n')
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    (versions / "a.py").write_text(
        '"""a\n\nRevision ID: a1\nRevises:\n"""\nfrom alembic import op\n\nrevision = "a1"\ndown_revision = None\n'
    )
    (versions / "b.py").write_text(
        '"""b\n\nRevision ID: b2\nRevises: a1\n"""\nfrom alembic import op\n\nrevision = REVISION\n'
    )
    graph = revision_graphs(load_project(tmp_path, Request(paths=())).index)[0]
    assert graph.heads == ("b2",) and graph.revisions["b2"].header.down_revisions == ("a1",)


def test_flake8_reports_on_the_migration_file() -> None:
    completed = run_tool(
        "flake8",
        "--select",
        "DBL",
        "heads/versions/1002_b.py",
        "roots/versions/5000_initial.py",
        cwd=GRAPH,
    )
    lines = sorted(completed.stdout.splitlines())
    assert [line.split(": ")[0] + ":" + line.split(": ")[1].split()[0] for line in lines] == [
        "heads/versions/1002_b.py:8:1:DBL401",
        "roots/versions/5000_initial.py:8:1:DBL401",
        "roots/versions/5000_initial.py:9:1:DBL404",
    ]


def _alembic_heads(root: Path) -> list[str]:
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))  # not the tests' directory
    return sorted(ScriptDirectory.from_config(config).get_heads())


def test_a_subdirectory_beside_read_revisions_is_read_only_when_recursive(tmp_path: Path) -> None:
    """zou's `versions/legacy/`: Alembic reads only the files directly in a version directory
    unless `recursive_version_locations = true`, and dblint reads what Alembic reads."""
    _write_chain(tmp_path, 2)
    legacy = tmp_path / "migrations" / "versions" / "legacy"
    legacy.mkdir()
    for rev, down in (("x", "None"), ("y", '"x"'), ("z", '"x"')):
        (legacy / f"{rev}.py").write_text(TEMPLATE.format(rev=rev, down=down))
    assert _codes(tmp_path) == [] and _alembic_heads(tmp_path) == ["r1"]
    ini = tmp_path / "alembic.ini"
    ini.write_text(ini.read_text() + "recursive_version_locations = true\n")
    assert _alembic_heads(tmp_path) == ["r1", "y", "z"]
    assert sorted(_codes(tmp_path)) == ["DBL401"] * 3 + ["DBL404"] * 2
    # Alembic compares with "true" exactly: "True" reads no subdirectory.
    ini.write_text(ini.read_text().replace("= true", "= True"))
    assert _codes(tmp_path) == [] and _alembic_heads(tmp_path) == ["r1"]


def test_a_subdirectory_chained_to_the_read_revisions_stays_in_the_graph(tmp_path: Path) -> None:
    """The look-alike: a subdirectory whose revision continues the history (version locations set
    in code, as neutron's releases) is read; its fork is a second head."""
    _write_chain(tmp_path, 2)
    hotfix = tmp_path / "migrations" / "versions" / "hotfix"
    hotfix.mkdir()
    (hotfix / "h.py").write_text(TEMPLATE.format(rev="h", down='"r0"'))
    assert sorted(_codes(tmp_path)) == ["DBL401", "DBL401"]
    graph = revision_graphs(load_project(tmp_path, Request(paths=())).index)[0]
    assert sorted(graph.revisions) == ["h", "r0", "r1"]


def _seed_revision(rev: str, down: str, rows: int) -> str:
    """A data migration whose `upgrade()` inserts `rows` literal rows (over LibCST's node budget
    from about 10,000 rows)."""
    values = ",\n".join(
        f'        {{"id": {n}, "code": "c{n}", "tags": [{n}, {n}]}}' for n in range(rows)
    )
    return (
        '"""seed the lookup table"""\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
        f'revision = "{rev}"\ndown_revision = "{down}"\nbranch_labels = None\ndepends_on = None\n\n\n'
        'def upgrade():\n    lookup = sa.table("lookup", sa.column("id"))\n'
        f"    op.bulk_insert(lookup, [\n{values}\n    ])\n"
    )


def test_a_revision_too_large_to_read_keeps_its_place_in_the_graph(tmp_path: Path) -> None:
    """A seed migration over LibCST's node budget is DBL001, but its header is read: the revisions
    after it still have their parent, so a second head branching from it is DBL401 (a graph with
    an unreadable file judges no heads) and no DBL402 is invented; its operations stay unknown."""
    _write_chain(tmp_path, 2)
    versions = tmp_path / "migrations" / "versions"
    (versions / "seed.py").write_text(_seed_revision("seed", "r1", 30000))
    (versions / "after.py").write_text(TEMPLATE.format(rev="after", down='"seed"'))
    (versions / "other.py").write_text(TEMPLATE.format(rev="other", down='"seed"'))
    completed = run_tool("dblint", "check", ".", cwd=tmp_path)
    found = sorted(
        (line.split(": ")[0], line.split(" ")[1]) for line in findings_of(completed.stdout)
    )
    assert found == [
        ("migrations/versions/after.py:3:1", "DBL401"),
        ("migrations/versions/other.py:3:1", "DBL401"),
        ("migrations/versions/seed.py:1:1", "DBL001"),
    ]
    assert "is too large to analyse" in completed.stdout
