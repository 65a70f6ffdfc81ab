"""The drift rules own their codes: the replay reports events, `rules/migration_drift.py` words them."""

from __future__ import annotations

from pathlib import Path

import dblint

PACKAGE = Path(dblint.__file__).parent
# The table of every rule code, kept without importing the rules (and equal to their
# declarations by tests/test_selectors.py): it names each code, and decides nothing about it.
CODE_TABLE = "rulecodes.py"


def test_only_the_drift_rules_name_dbl41x_codes() -> None:
    naming = sorted(
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and "DBL41" in path.read_text(encoding="utf-8", errors="replace")
    )
    assert naming == sorted(["rules/migration_drift.py", CODE_TABLE])
