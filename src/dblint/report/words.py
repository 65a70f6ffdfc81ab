"""Counted nouns in what dblint tells people: `1 finding`, `2 findings`."""

from __future__ import annotations


def counted(count: int, noun: str) -> str:
    """`count` and `noun`, plural unless the count is one (nouns here take a plain -s)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
