"""`--format json`: a list of objects, one per finding."""

from __future__ import annotations

import json
from collections.abc import Sequence

from dblint.diagnostics import Diagnostic
from dblint.report.options import DEFAULT_OPTIONS, ReportOptions


def render(diagnostics: Sequence[Diagnostic], options: ReportOptions = DEFAULT_OPTIONS) -> str:
    items = [
        {
            "path": d.path,
            "line": d.line,
            "column": d.column,
            "code": d.code,
            "message": d.message,
            "rule": d.rule,
        }
        for d in diagnostics
    ]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
