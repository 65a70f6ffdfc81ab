"""The drift rules own their codes: the replay reports events, `rules/migration_drift.py` words them."""

from __future__ import annotations

import re
from pathlib import Path

import dblint

PACKAGE = Path(dblint.__file__).parent
OWNER = "rules/migration_drift.py"
# The table of every rule code, kept without importing the rules (and equal to their
# declarations by tests/test_selectors.py): it names each code, and decides nothing about it.
CODE_TABLE = "rulecodes.py"
# A rule example's expected findings (`# error: DBL412` markers, written with `flagged(...)`):
# another rule's example may produce a drift finding, and must say so to be checked.
EXPECTED_FINDING = re.compile(r"# error: |\bflagged\(")


def test_only_the_drift_rules_name_dbl41x_codes() -> None:
    naming: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(PACKAGE).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
        lines = [line.strip() for line in text.splitlines() if "DBL41" in line]
        if rel not in (OWNER, CODE_TABLE):
            lines = [line for line in lines if not EXPECTED_FINDING.search(line)]
        if lines:
            naming[rel] = lines
    assert sorted(naming) == [CODE_TABLE, OWNER], naming
