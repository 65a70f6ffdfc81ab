"""`--format json`: `{"totals": {...}, "files": [...]}` or `{"totals": {...}, "tables": [...]}`."""

from __future__ import annotations

import dataclasses
import json

from dblint.inventory.rows import Inventory


def render(inventory: Inventory) -> str:
    key = "files" if inventory.by == "file" else "tables"
    document = {
        "totals": dataclasses.asdict(inventory.totals),
        key: [_shown(dataclasses.asdict(row), inventory.columns()) for row in inventory.rows],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _shown(row: dict[str, object], columns: list[str]) -> dict[str, object]:
    return {name: row[name] for name in columns}
