"""Which rules run, and which findings a per-file-ignores entry silences.

Most specific wins, as in flake8: `select = ["DBL"]`, `ignore = ["DBL1"]`,
`extend-select = ["DBL101"]` runs DBL101 but no other DBL1xx. Opt-in rules run
only when their full code is selected.
"""

from __future__ import annotations

from dblint.config import Settings
from dblint.pathmatch import matches


def _longest_prefix(code: str, prefixes: tuple[str, ...]) -> int:
    return max((len(prefix) for prefix in prefixes if code.startswith(prefix)), default=-1)


def is_enabled(code: str, default: bool, settings: Settings) -> bool:
    """Whether the rule with this code runs under these settings."""
    selected = settings.select + settings.extend_select
    chosen = _longest_prefix(code, selected)
    if chosen < 0:
        return False
    if not default and code not in selected:
        return False
    return chosen > _longest_prefix(code, settings.ignore)


def ignored_for_file(path: str, code: str, settings: Settings) -> bool:
    """True when a `per-file-ignores` entry matching `path` names `code` (by prefix)."""
    return any(
        matches(path, (pattern,)) and any(code.startswith(prefix) for prefix in codes)
        for pattern, codes in settings.per_file_ignores
    )
