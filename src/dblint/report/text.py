"""flake8's default format: `path:line:col: CODE message`, optionally coloured and with the source line."""

from __future__ import annotations

from typing import Sequence

from dblint.diagnostics import Diagnostic
from dblint.report.options import DEFAULT_OPTIONS, ReportOptions

# The colours of flake8's `--color`: bold path, cyan separators, bold red code.
_BOLD, _RED, _CYAN, _RESET = "\x1b[1m", "\x1b[31m", "\x1b[36m", "\x1b[m"


def line_of(diagnostic: Diagnostic) -> str:
    return f"{diagnostic.path}:{diagnostic.line}:{diagnostic.column}: {diagnostic.code} {diagnostic.message}"


def _coloured_line_of(d: Diagnostic) -> str:
    colon = f"{_CYAN}:{_RESET}"
    return f"{_BOLD}{d.path}{_RESET}{colon}{d.line}{colon}{d.column}{colon} {_BOLD}{_RED}{d.code}{_RESET} {d.message}"


def source_excerpt(diagnostic: Diagnostic, options: ReportOptions) -> str:
    """The reported line and a caret under the column, tabs kept so the caret lines up."""
    line = options.source_line(diagnostic.path, diagnostic.line)
    if line is None:
        return ""
    indent = "".join(char if char.isspace() else " " for char in line[: diagnostic.column - 1])
    return f"{line}\n{indent}^\n"


def render(diagnostics: Sequence[Diagnostic], options: ReportOptions = DEFAULT_OPTIONS) -> str:
    parts = []
    for diagnostic in diagnostics:
        parts.append((_coloured_line_of(diagnostic) if options.color else line_of(diagnostic)) + "\n")
        if options.show_source:
            parts.append(source_excerpt(diagnostic, options))
    return "".join(parts)
