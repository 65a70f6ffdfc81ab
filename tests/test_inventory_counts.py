"""The inventory reports the same findings as `dblint check` with the same selection.

The inventory runs of a fixture project are shared with tests/test_inventory_totals.py
(`run_tool_once`, one xdist group): each is made once and checked by both."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURES, run_tool_once

# One worker runs both modules, so each inventory run of a fixture is made once (`run_tool_once`).
pytestmark = pytest.mark.xdist_group("inventory-runs")

REPO = Path(__file__).resolve().parents[1]
PROJECTS = [
    *sorted(p.parent for p in FIXTURES.glob("*/pyproject.toml")),
    REPO / "examples" / "shop",
]
SELECTIONS = [
    ("--select", "DBL1"),
    ("--ignore", "DBL101,DBL4"),
    ("--extend-select", "DBL305,DBL413"),
]
CASES = [(project, ()) for project in PROJECTS]
CASES += [
    (project, selection)
    for project in [*PROJECTS[-1:], FIXTURES / "core_scripts"]
    for selection in SELECTIONS
]


def _json(*args: str, cwd: Path) -> object:
    completed = run_tool_once("dblint", *args, cwd=cwd)
    assert completed.returncode in (0, 1), completed.stderr
    return json.loads(completed.stdout)


def _checked(selection: tuple[str, ...], paths: tuple[str, ...], cwd: Path) -> Counter:
    items = _json("check", *paths, *selection, "--format", "json", cwd=cwd)
    return Counter(item["code"] for item in items)


@pytest.mark.parametrize(
    "project, selection", CASES, ids=[f"{p.name} {' '.join(s) or 'default'}" for p, s in CASES]
)
def test_inventory_counts_equal_check(project: Path, selection: tuple[str, ...]) -> None:
    expected = _checked(selection, (), project)
    by_file = _json("inventory", *selection, "--format", "json", cwd=project)
    assert Counter(by_file["totals"]["findings"]) == expected
    if not selection:
        by_table = _json("inventory", "--by", "table", "--format", "json", cwd=project)
        assert by_table["totals"] == by_file["totals"]
    per_file = Counter()
    for row in by_file["files"]:
        per_file.update(row["findings"])
    assert per_file == expected, "every finding belongs to exactly one file row"


@pytest.mark.parametrize("paths", [("scripts",), ("shop/main.py", "scripts/reports.py")])
def test_counts_follow_the_path_selection(paths: tuple[str, ...]) -> None:
    shop = REPO / "examples" / "shop"
    expected = _checked((), paths, shop)
    inventory = _json("inventory", *paths, "--format", "json", cwd=shop)
    assert Counter(inventory["totals"]["findings"]) == expected
    assert {row["path"] for row in inventory["files"]} <= {
        path
        for path in (p.relative_to(shop).as_posix() for p in shop.rglob("*.py"))
        if path.startswith(paths)
    }
    assert inventory["totals"]["files_scanned"] == sum(
        len(list((shop / path).rglob("*.py"))) if (shop / path).is_dir() else 1 for path in paths
    )


def test_paths_are_shown_relative_to_the_working_directory() -> None:
    from_repo = _json("inventory", "examples/shop", "--format", "json", cwd=REPO)
    from_shop = _json("inventory", "--format", "json", cwd=REPO / "examples" / "shop")
    assert [row["path"] for row in from_repo["files"]] == [
        "examples/shop/" + row["path"] for row in from_shop["files"]
    ]
    notes = [
        note.replace("migrations/", "examples/shop/migrations/", 1)
        for note in from_shop["totals"]["alembic_target_metadata"]
    ]
    assert from_repo["totals"] == {**from_shop["totals"], "alembic_target_metadata": notes}
    assert notes == ["examples/shop/migrations/env.py tracks shop.db:Base.metadata"]
