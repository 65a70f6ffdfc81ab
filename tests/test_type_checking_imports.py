"""A name an `if TYPE_CHECKING:` import binds and its `else:` rebinds to an opaque call
(optuna's `models = _LazyImport("...models")`) is what the import says; an `else:` that
imports another module, or a rebinding after the block, leaves the name as it was."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import FIXTURES, run_tool

from dblint.facts import extract_facts

PROJECT = FIXTURES / "type_checking_imports"


def _inventory(root: Path) -> dict[str, Any]:
    completed = run_tool("dblint", "inventory", "--format", "json", ".", cwd=root)
    assert completed.returncode in (0, 1), completed.stderr
    assert "Traceback" not in completed.stderr
    report: dict[str, Any] = json.loads(completed.stdout)
    return report


def _created(report: dict[str, Any], path: str) -> list[str]:
    files = {item["path"]: item for item in report["files"]}
    created: list[str] = files[path]["tables_created_outside_migrations"]
    return created


def test_lazy_else_binding_takes_the_checked_import() -> None:
    report = _inventory(PROJECT)
    assert _created(report, "vault/stores/store.py") == ["items", "lockers"]
    assert report["totals"]["findings"] == {"DBL101": 3}  # the DBL101 stays


def test_else_import_and_later_rebinding_stay_as_they_were() -> None:
    report = _inventory(PROJECT)
    # The `else:` imports another project module: that module's tables, as before.
    assert _created(report, "vault/stores/runtime_store.py") == ["archive"]
    # A rebinding after the block (not in its `else:`) runs: the tables stay unknown.
    assert _created(report, "vault/stores/legacy.py") == ["(all tables of tables.Root.metadata)"]
    assert report["totals"]["unknown_tables_created_at"] == [
        "vault/stores/legacy.py:16 (create_all): all tables of tables.Root.metadata"
    ]


SOURCE = b"""from typing import TYPE_CHECKING
import typing
if TYPE_CHECKING:
    from a import b
else:
    b = Lazy("a.b")
    def f():
        b = 2
if typing.TYPE_CHECKING:
    from a import c
elif x:
    c: int = Lazy("a.c")
else:
    c = 3
d = 4
"""


def test_both_readers_mark_else_bindings() -> None:
    expected = [("b", 6, True), ("b", 8, False), ("c", 12, True), ("c", 14, True), ("d", 15, False)]
    with_call = SOURCE + b"b.metadata.create_all(e)\n"  # a marker: LibCST reads that statement
    for data, sliced in ((SOURCE, True), (with_call, True), (with_call, False)):
        facts = extract_facts("m.py", data, sliced=sliced, use_prefilter=False)
        found = [(b.name, b.line, b.checking_else) for b in facts.bindings]
        assert found == expected, (sliced, found)


IMPORTS = b"""\
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app import models
elif FAST:
    from app import fast_models as models
else:
    from app import lazy_models as models


def load():
    if TYPE_CHECKING:
        import typing_extensions
    else:
        import json
"""


def test_an_import_in_the_else_of_type_checking_runs() -> None:
    """Only the `if TYPE_CHECKING:` branch is for type checkers: the parsed readers (LibCST
    whole or sliced) and the imports-only one agree that the `elif` / `else` imports run."""
    expected = [
        ("TYPE_CHECKING", "typing", False),
        ("models", "app", True),
        ("models", "app", False),
        ("models", "app", False),
        ("typing_extensions", "typing_extensions", True),
        ("json", "json", False),
    ]
    with_call = IMPORTS + b"models.Base.metadata.create_all(e)\n"  # a marker: LibCST reads it
    readers = [
        (IMPORTS, True, True),  # no marker: the imports-only reader
        (with_call, True, True),
        (with_call, True, False),
        (with_call, False, False),
    ]
    for data, use_prefilter, sliced in readers:
        facts = extract_facts("m.py", data, sliced=sliced, use_prefilter=use_prefilter)
        found = [(imp.local, imp.module, imp.type_checking) for imp in facts.imports]
        assert sorted(found) == sorted(expected), (use_prefilter, sliced, found)
