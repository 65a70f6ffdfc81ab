"""Stage 5 of the pipeline: formatting findings. Reports only format."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Callable

from dblint.diagnostics import Diagnostic
from dblint.report import github, json_report, text
from dblint.report.options import DEFAULT_OPTIONS, ReportOptions

# Every formatter takes the findings and the adapter's display options.
Formatter = Callable[[Sequence[Diagnostic], ReportOptions], str]


def _sarif(diagnostics: Sequence[Diagnostic], options: ReportOptions = DEFAULT_OPTIONS) -> str:
    """SARIF describes every rule, so it loads the rule catalog, which a plain report never needs."""
    from dblint.report import sarif  # noqa: PLC0415

    return sarif.render(diagnostics, options)


FORMATTERS: dict[str, Formatter] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": _sarif,
    "github": github.render,
}

# Formats whose output is one document: nothing else may go into their stream.
DOCUMENT_FORMATS = frozenset({"json", "sarif"})

__all__ = ["DEFAULT_OPTIONS", "DOCUMENT_FORMATS", "FORMATTERS", "Formatter", "ReportOptions"]
