"""The inventory's output formats."""

from __future__ import annotations

from typing import Callable

from dblint.inventory import csv_report, json_report, markdown
from dblint.inventory.rows import Inventory

RENDERERS: dict[str, Callable[[Inventory], str]] = {
    "markdown": markdown.render,
    "csv": csv_report.render,
    "json": json_report.render,
}
