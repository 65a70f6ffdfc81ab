"""flake8's default format: `path:line:col: CODE message`."""

from __future__ import annotations

from typing import Sequence

from dblint.diagnostics import Diagnostic


def line_of(diagnostic: Diagnostic) -> str:
    return f"{diagnostic.path}:{diagnostic.line}:{diagnostic.column}: {diagnostic.code} {diagnostic.message}"


def render(diagnostics: Sequence[Diagnostic]) -> str:
    return "".join(line_of(d) + "\n" for d in diagnostics)
