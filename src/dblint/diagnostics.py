"""The one finding type shared by every rule, report and adapter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from dblint.fixes.model import Fix


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A finding at a 1-based line and column of a file.

    `path` is the file's path relative to the project root (POSIX separators);
    reports turn it into a path relative to the working directory.
    `end_line` is the last line of the reported node, so that a `# noqa` at the
    end of a multi-line string suppresses it as flake8 would.
    `fix` is the automatic fix the rule planned (plain data; `dblint check --fix`);
    `fixable` says there is one, and outlives it in stored findings (the report marks it).
    """

    path: str
    line: int
    column: int
    code: str
    message: str
    rule: str = ""
    end_line: int = 0
    fixable: bool = False
    fix: Optional[Fix] = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.code, self.message)
