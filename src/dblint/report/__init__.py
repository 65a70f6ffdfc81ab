"""Stage 5 of the pipeline: formatting findings. Reports only format."""

from __future__ import annotations

from typing import Callable, Sequence

from dblint.diagnostics import Diagnostic
from dblint.report import github, json_report, sarif, text
from dblint.report.options import DEFAULT_OPTIONS, ReportOptions

# Every formatter takes the findings and the adapter's display options.
Formatter = Callable[[Sequence[Diagnostic], ReportOptions], str]

FORMATTERS: dict[str, Formatter] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "github": github.render,
}

# Formats whose output is one document: nothing else may go into their stream.
DOCUMENT_FORMATS = frozenset({"json", "sarif"})

__all__ = ["DEFAULT_OPTIONS", "DOCUMENT_FORMATS", "FORMATTERS", "Formatter", "ReportOptions"]
