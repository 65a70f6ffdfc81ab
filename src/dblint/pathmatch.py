"""Glob patterns over project-relative POSIX paths, matched as .gitignore does.

A pattern matches at any depth (`tests/` matches `a/tests/b.py`) unless it
starts with `/`, which anchors it at the project root. A pattern that matches
a directory matches everything below it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    anchored = pattern.startswith("/")
    body = pattern.strip("/")
    if body.startswith("./"):
        body, anchored = body[2:], True
    parts: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if body.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
            continue
        if body.startswith("**", index):
            parts.append(".*")
            index += 2
            continue
        if char == "*":
            parts.append("[^/]*")
        elif char == "?":
            parts.append("[^/]")
        elif char == "[":
            end = body.find("]", index + 1)
            if end == -1:
                parts.append(re.escape(char))
            else:
                parts.append("[" + body[index + 1 : end].replace("\\", "\\\\") + "]")
                index = end
        else:
            parts.append(re.escape(char))
        index += 1
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(prefix + "".join(parts) + "(?:/.*)?")


def matches(path: str, patterns: Iterable[str]) -> bool:
    """True when the project-relative POSIX `path` matches any pattern."""
    return any(_compile(pattern).fullmatch(path) for pattern in patterns if pattern.strip("/"))
