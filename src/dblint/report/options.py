"""How a report is shown: decided by the adapter (flags, terminal), applied by the formatters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

# The text of line N (1-based) of a reported file, without its line break;
# None when it cannot be read. Reports never open files themselves.
SourceLine = Callable[[str, int], Optional[str]]


def no_source(path: str, line: int) -> Optional[str]:
    return None


@dataclass(frozen=True)
class ReportOptions:
    color: bool = False  # ANSI colours (text format)
    show_source: bool = False  # the offending line and a caret under the column (text format)
    source_line: SourceLine = no_source
    # The absolute `file:` URI of the directory the reported paths are relative to
    # (the repository root); SARIF names it as its `%SRCROOT%` base.
    source_root_uri: Optional[str] = None


DEFAULT_OPTIONS = ReportOptions()
