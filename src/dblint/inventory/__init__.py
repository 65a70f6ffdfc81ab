"""The repository inventory: every file that touches the database and every table.

`rows.build(result, cwd, by, min_risk)` turns the engine's result (the same
discovery, contexts, config, index and findings as `dblint check`) into rows and
totals; the renderers only format them.
"""

from __future__ import annotations

from typing import Callable

from dblint.inventory import csv_report, json_report, markdown
from dblint.inventory.risk import LEVELS
from dblint.inventory.rows import Inventory, build

RENDERERS: dict[str, Callable[[Inventory], str]] = {
    "markdown": markdown.render,
    "csv": csv_report.render,
    "json": json_report.render,
}

__all__ = ["LEVELS", "RENDERERS", "Inventory", "build"]
