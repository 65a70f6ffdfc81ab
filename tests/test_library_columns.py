"""Findings on a column a library base adds (advanced-alchemy's `id`, `created_at`, ...) say
which library class adds it: they are reported at the model's `class` line, whose source never
shows the column. A column the model declares itself is named as before."""

from __future__ import annotations

import json

from conftest import FIXTURES, run_tool


def _messages(*codes: str) -> dict[tuple[int, str], list[str]]:
    completed = run_tool(
        "dblint",
        "check",
        "--select",
        ",".join(codes),
        "--format",
        "json",
        ".",
        cwd=FIXTURES / "library_bases",
    )
    assert completed.returncode == 1, completed.stderr
    found: dict[tuple[int, str], list[str]] = {}
    for item in json.loads(completed.stdout):
        found.setdefault((item["line"], item["code"]), []).append(item["message"])
    return found


def test_library_columns_name_the_class_that_adds_them() -> None:
    found = _messages("DBL301", "DBL306", "DBL411")
    # `Customer(UUIDAuditBase)` at line 19: both audit columns come from the base.
    assert sorted(found[(19, "DBL306")]) == [
        "column customer.created_at (added by advanced_alchemy.base.UUIDAuditBase) is filled "
        "by a client-side default; use `server_default=func.now()` (and `onupdate` for `updated_at`)",
        "column customer.updated_at (added by advanced_alchemy.base.UUIDAuditBase) is filled "
        "by a client-side default; use `server_default=func.now()` (and `onupdate` for `updated_at`)",
    ]
    (missing,) = found[(62, "DBL411")]
    assert missing.startswith(
        "column invoice.updated_at (added by advanced_alchemy.base.UUIDAuditBase) is not in the "
        "migrated schema"
    )
    # The model's own key column is named plainly; the referenced library key says its origin.
    (mismatch,) = found[(32, "DBL301")]
    assert mismatch.startswith(
        "foreign key order_line.ordered_by is INTEGER but customer.id (added by "
        "advanced_alchemy.base.UUIDAuditBase) is UUID"
    )
