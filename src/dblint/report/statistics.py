"""`--statistics`: how many findings of each code, like flake8's (`COUNT CODE name`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from dblint.diagnostics import Diagnostic


def _name(code: str, diagnostics: Sequence[Diagnostic]) -> str:
    named = next((d.rule for d in diagnostics if d.code == code and d.rule), "")
    if named:
        return named
    from dblint.rules import rule_by_code  # noqa: PLC0415 - the rule catalog is slow to import; rarely needed here

    rule = rule_by_code(code)
    return rule.name if rule is not None else ""


def render(diagnostics: Sequence[Diagnostic]) -> str:
    counts = Counter(d.code for d in diagnostics)
    return "".join(
        f"{counts[code]:<5} {code} {_name(code, diagnostics)}\n" for code in sorted(counts)
    )
