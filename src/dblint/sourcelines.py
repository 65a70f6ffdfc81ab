"""The lines of reported files, for `--show-source`: read lazily, once per file, by the CLI."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from dblint.facts.source import SourceError, decode

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class SourceLines:
    """`lines(path, number)`: line `number` (1-based) of `path` relative to `base`, or None."""

    def __init__(self, base: Path) -> None:
        self._base = base
        self._files: dict[str, Optional[list[str]]] = {}

    def __call__(self, path: str, number: int) -> Optional[str]:
        if path not in self._files:
            self._files[path] = self._read(path)
        lines = self._files[path]
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]

    def _read(self, path: str) -> Optional[list[str]]:
        try:
            return _LINE_BREAK.split(decode((self._base / path).read_bytes()))
        except (OSError, SourceError):
            return None
