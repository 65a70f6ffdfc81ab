"""`--format github`: GitHub Actions workflow commands, shown as annotations on the pull request.

Escaping follows the runner's rules: in the message `%`, CR and LF are
percent-encoded; in a property value `:` and `,` too, since they delimit properties.
"""

from __future__ import annotations

from collections.abc import Sequence

from dblint.diagnostics import Diagnostic
from dblint.report.options import DEFAULT_OPTIONS, ReportOptions


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command_of(d: Diagnostic) -> str:
    properties = {"file": d.path, "line": str(d.line), "col": str(d.column), "title": d.code}
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::error {joined}::{escape_data(d.message)}"


def render(diagnostics: Sequence[Diagnostic], options: ReportOptions = DEFAULT_OPTIONS) -> str:
    return "".join(command_of(d) + "\n" for d in diagnostics)
