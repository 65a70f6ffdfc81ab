"""`# noqa` comments, read as flake8 reads them."""

from __future__ import annotations

import re

from dblint.facts.model import Noqa

_NOQA = re.compile(
    r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


def find_noqa(text: str) -> tuple[Noqa, ...]:
    """Every line carrying a noqa comment, with the codes it names (empty = all)."""
    if "noqa" not in text.lower():
        return ()
    found: list[Noqa] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if "#" not in line:
            continue
        match = _NOQA.search(line)
        if match is None:
            continue
        codes = match.group("codes")
        found.append(Noqa(number, tuple(code.upper() for code in _CODE.findall(codes)) if codes else ()))
    return tuple(found)


def suppresses(noqa: Noqa, code: str) -> bool:
    """flake8 semantics: a blanket noqa suppresses all; codes match by prefix."""
    return not noqa.codes or any(code.startswith(prefix) for prefix in noqa.codes)
