"""`--format csv`: one header row, one row per file or table (RFC 4180 quoting).

Lists are joined with "; ", findings written `DBL101: 2; DBL105: 1`, booleans
`true` / `false`, missing values empty.
"""

from __future__ import annotations

import csv
import io

from dblint.inventory.rows import Inventory

SEPARATOR = "; "


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return SEPARATOR.join(f"{code}: {count}" for code, count in value.items())
    if isinstance(value, list):
        return SEPARATOR.join(str(item) for item in value)
    return str(value)


def render(inventory: Inventory) -> str:
    names = inventory.columns()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names)
    for row in inventory.rows:
        writer.writerow([cell(getattr(row, name)) for name in names])
    return buffer.getvalue()
