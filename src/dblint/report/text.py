"""flake8's default format, `path:line:col: CODE message`, optionally coloured and with the source line;
a finding `--fix` can fix is marked `[*]`, and a closing line counts the findings (as ruff does)."""

from __future__ import annotations

from collections.abc import Sequence

from dblint.diagnostics import Diagnostic
from dblint.report.options import DEFAULT_OPTIONS, ReportOptions
from dblint.report.words import counted

# The colours of flake8's `--color`: bold path, cyan separators, bold red code.
_BOLD, _RED, _CYAN, _RESET = "\x1b[1m", "\x1b[31m", "\x1b[36m", "\x1b[m"


FIXABLE_MARK = "[*] "


def line_of(d: Diagnostic) -> str:
    return f"{d.path}:{d.line}:{d.column}: {d.code} {_marked(d)}"


def _coloured_line_of(d: Diagnostic) -> str:
    colon = f"{_CYAN}:{_RESET}"
    return f"{_BOLD}{d.path}{_RESET}{colon}{d.line}{colon}{d.column}{colon} {_BOLD}{_RED}{d.code}{_RESET} {_marked(d)}"


def _marked(d: Diagnostic) -> str:
    return FIXABLE_MARK + d.message if d.fixable else d.message


def summary(diagnostics: Sequence[Diagnostic]) -> str:
    """`Found 13 findings (2 fixable with --fix).`; nothing when there are none."""
    if not diagnostics:
        return ""
    fixable = sum(1 for d in diagnostics if d.fixable)
    detail = f" ({fixable} fixable with --fix)" if fixable else ""
    return f"Found {counted(len(diagnostics), 'finding')}{detail}.\n"


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
        parts.append(
            (_coloured_line_of(diagnostic) if options.color else line_of(diagnostic)) + "\n"
        )
        if options.show_source:
            parts.append(source_excerpt(diagnostic, options))
    parts.append(summary(diagnostics))
    return "".join(parts)
