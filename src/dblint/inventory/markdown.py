"""`--format markdown`: totals, then the matrix as a GitHub table.

Paths, tables and metadata are code spans; lists longer than `MAX_ITEMS` end
with "+N more" (the JSON and CSV formats always list everything).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Callable, Optional, Union

from dblint.inventory.risk import LEVELS
from dblint.inventory.rows import UNKNOWN, FileRow, Inventory, TableRow, Totals

MAX_ITEMS = 5
EMPTY = "–"
_LOCATION = re.compile(r"^(?P<place>\S+:\d+)(?P<how> \(.*\))?$")

Column = tuple[str, Callable[..., str]]


def code(text: str) -> str:
    """A code span that survives backticks and pipes in `text`."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if longest else text
    return f"{fence}{padded}{fence}"


def plain(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", text)


def name(text: str) -> str:
    """A table or metadata name as a code span; a description in parentheses as text."""
    return plain(text) if text.startswith("(") else code(text)


def location(text: str) -> str:
    """`path:line (how)` with the place as a code span."""
    match = _LOCATION.match(text)
    if match is None:
        return code(text)
    return code(match.group("place")) + (match.group("how") or "")


def shortened(items: list[str], show: Callable[[str], str] = code) -> str:
    """At most `MAX_ITEMS` items, then "+N more"."""
    if not items:
        return EMPTY
    shown = [show(item) for item in items[:MAX_ITEMS]]
    if len(items) > MAX_ITEMS:
        shown.append(f"+{len(items) - MAX_ITEMS} more")
    return ", ".join(shown)


def findings(counts: dict[str, int]) -> str:
    if not counts:
        return EMPTY
    return ", ".join(item if count == 1 else f"{item} ×{count}" for item, count in counts.items())


def optional(value: Optional[str]) -> str:
    return code(value) if value else EMPTY


FILE_COLUMNS: list[Column] = [
    ("path", lambda row: code(row.path)),
    ("context", lambda row: row.context),
    ("interactions", lambda row: ", ".join(row.interactions) or EMPTY),
    ("tables defined", lambda row: shortened(row.tables_defined)),
    (
        "tables created outside migrations",
        lambda row: shortened(row.tables_created_outside_migrations, name),
    ),
    ("metadata", lambda row: shortened(row.metadata)),
    ("findings", lambda row: findings(row.findings)),
    ("risk", lambda row: f"**{row.risk}**" if row.risk == "high" else row.risk),
]
PROJECT_COLUMN: Column = ("project", lambda row: code(row.project))
TABLE_COLUMNS: list[Column] = [
    ("table", lambda row: code(row.table)),
    ("schema", lambda row: row.schema if row.schema == UNKNOWN else optional(row.schema)),
    ("defined at", lambda row: shortened(row.defined_at)),
    ("metadata", lambda row: optional(row.metadata)),
    (
        "tracked",
        lambda row: (
            row.tracked if isinstance(row.tracked, str) else "yes" if row.tracked else "**no**"
        ),
    ),
    ("created by revision", lambda row: optional(row.created_by_revision)),
    ("created outside migrations", lambda row: shortened(row.created_outside_migrations, location)),
    ("findings", lambda row: findings(row.findings)),
]


def table(columns: list[Column], rows: Sequence[Union[FileRow, TableRow]]) -> list[str]:
    """A GitHub table; a pipe inside a cell is escaped, even inside a code span."""
    lines = ["| " + " | ".join(name for name, _ in columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [
            render_cell(row).replace("|", "\\|").replace("\n", " ") for _, render_cell in columns
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def totals_lines(totals: Totals, rule_names: dict[str, str]) -> list[str]:
    touching = sum(totals.files_touching_db.values())
    by_risk = ", ".join(f"{totals.files_touching_db[level]} {level}" for level in LEVELS)
    lines = [
        f"- Files scanned: {totals.files_scanned}",
        f"- Files touching the database: {touching} ({by_risk})",
        f"- Tables: {totals.tables}",
        f"- Tables Alembic does not track: {totals.tables_untracked}",
        *(
            f"  - {plain(note)}"
            for note in totals.alembic_target_metadata or ["no Alembic script location found"]
        ),
        f"- Tables created outside migrations: {totals.tables_created_outside_migrations}",
        *(
            f"  - and tables dblint cannot name at {plain(place)}"
            for place in totals.unknown_tables_created_at
        ),
        f"- Findings: {sum(totals.findings.values())}",
    ]
    for item, count in totals.findings.items():
        name = f" {plain(rule_names[item])}" if item in rule_names else ""
        lines.append(f"  - {item}{name}: {count}")
    return lines


def render(inventory: Inventory) -> str:
    lines = ["# Database inventory", "", *totals_lines(inventory.totals, inventory.rule_names), ""]
    if inventory.by == "file":
        lines.append("## Files")
        if inventory.min_risk != "low":
            lines += [
                "",
                f"Files with risk {inventory.min_risk} or higher: {len(inventory.files)}.",
            ]
        columns, empty = FILE_COLUMNS, "No file touches the database."
    else:
        lines.append("## Tables")
        columns, empty = TABLE_COLUMNS, "No table is declared, migrated or created in these files."
    lines.append("")
    if inventory.projects:
        columns = [PROJECT_COLUMN, *columns]
    lines += table(columns, inventory.rows) if inventory.rows else [empty]
    if inventory.by == "table":
        lines += uncertain_lines(inventory.tables)
    return "\n".join(lines) + "\n"


def uncertain_lines(rows: list[TableRow]) -> list[str]:
    """Why the replay of the migrations is unsure of some tables (no drift findings for them)."""
    unsure = [row for row in rows if row.uncertain]
    if not unsure:
        return []
    lines = ["", "## Tables the migration replay is unsure of", ""]
    # Steps that blind every table (an operation on a table whose name is computed) are said
    # once, naming all the tables, instead of again in each table's line (ckan: 20 such steps).
    shared = [
        reason for reason in unsure[0].uncertain if all(reason in row.uncertain for row in unsure)
    ]
    by_reasons = _tables_by_reasons(unsure, shared)
    if shared and len(by_reasons) > 1:
        every = ", ".join(code(row.table) for row in unsure)
        lines.append(f"- {every} (all {len(unsure)}): " + _reasons(shared))
        also = " also"
    else:  # nothing shared, or every table has the same steps: one line per group says them all
        by_reasons, also = _tables_by_reasons(unsure, ()), ""
    for reasons, tables in by_reasons.items():
        if reasons:
            lines.append(f"- {', '.join(tables)}{also}: " + _reasons(reasons))
    return lines


def _tables_by_reasons(
    rows: list[TableRow], said: Collection[str]
) -> dict[tuple[str, ...], list[str]]:
    """The tables of `rows` by their reasons beyond those already `said`, in order: tables made
    uncertain by the same further steps share a line."""
    by_reasons: dict[tuple[str, ...], list[str]] = {}
    for row in rows:
        rest = tuple(reason for reason in row.uncertain if reason not in said)
        by_reasons.setdefault(rest, []).append(code(row.table))
    return by_reasons


def _reasons(reasons: Sequence[str]) -> str:
    """Reasons as one Markdown item's text."""
    return "; ".join(plain(reason) for reason in reasons)
