"""A string enum for Python 3.9+: members compare, hash, serialise and format as their text."""

from __future__ import annotations

from enum import Enum


class TextEnum(str, Enum):
    """Members are their value wherever a string is expected (`==`, JSON, f-strings), so
    facts and output stay what they were as plain strings; `StrEnum` needs Python 3.11."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)
