"""Stage 5 of the pipeline: formatting findings. Reports only format."""

from __future__ import annotations

from typing import Callable, Sequence

from dblint.diagnostics import Diagnostic
from dblint.report import json_report, text

Formatter = Callable[[Sequence[Diagnostic]], str]

FORMATTERS: dict[str, Formatter] = {
    "text": text.render,
    "json": json_report.render,
}

__all__ = ["FORMATTERS", "Formatter"]
