"""DBL305 agrees with the tables real SQLAlchemy builds: a foreign key column is reported exactly
when no index of the table leads with it (its own `index=True` / `unique=True`, an `Index`, a
unique constraint, or the primary key, whose columns SQLAlchemy orders its own way: the class's
columns before its mixins'). The fixture is imported in a subprocess (our own code, never a user's).
"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import FIXTURES, run_tool

PROJECT = FIXTURES / "models_opt_in"

PROBE = r"""
import json, sys
sys.path.insert(0, ".")
from inventory.models import Base
uncovered = []
for table in Base.metadata.tables.values():
    leading = {c.name for c in table.columns if c.index or c.unique}
    leading |= {idx.columns.keys()[0] for idx in table.indexes if len(idx.columns)}
    for constraint in table.constraints:
        names = [c.name for c in constraint.columns] if hasattr(constraint, "columns") else []
        if names and constraint.__class__.__name__ in ("PrimaryKeyConstraint", "UniqueConstraint"):
            leading.add(names[0])
    for column in table.columns:
        if column.foreign_keys and column.name not in leading:
            uncovered.append(f"{table.name}.{column.name}")
print(json.dumps(sorted(uncovered)))
"""


def test_foreign_keys_without_a_leading_index_are_those_sqlalchemy_builds() -> None:
    real = subprocess.run(
        [sys.executable, "-B", "-c", PROBE],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert real.returncode == 0, real.stderr
    uncovered = json.loads(real.stdout)
    assert "item_suppliers.supplier_id" in uncovered and "stock_levels.item_id" in uncovered
    completed = run_tool(
        "dblint", "check", ".", "--no-cache", "--format", "json", "--select", "DBL305", cwd=PROJECT
    )
    reported = sorted(
        item["message"].split()[2]
        for item in json.loads(completed.stdout)
        if item["code"] == "DBL305"
    )
    assert reported == uncovered
