"""The rule codes, and which rules run by default, known without importing the rules.

A selector that names no rule (`--select DBL999`, a typo) must be an error, not
a run with no rules; checking it must not cost a warm run LibCST and the rule
modules. A test keeps this table equal to the rule declarations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

# code -> runs by default (False: opt-in, runs only when selected by its full code)
RULE_CODES: Mapping[str, bool] = {
    "DBL001": True, "DBL002": True,
    "DBL101": True, "DBL102": True, "DBL103": True, "DBL104": True, "DBL105": True,
    "DBL201": True, "DBL202": True, "DBL203": True, "DBL204": True, "DBL205": False,
    "DBL301": True, "DBL302": True, "DBL303": True, "DBL304": True,
    "DBL305": False, "DBL306": False, "DBL307": False, "DBL308": False,
    "DBL401": True, "DBL402": True, "DBL403": True, "DBL404": True, "DBL405": True,
    "DBL410": True, "DBL411": True, "DBL412": True, "DBL413": False, "DBL414": True, "DBL415": True,
    "DBL416": False,
    "DBL501": True, "DBL502": True, "DBL503": True, "DBL504": True,
    "DBL505": False, "DBL506": False, "DBL507": False, "DBL508": True, "DBL509": True,
}  # fmt: skip


# Codes the engine and the stored findings name without loading the rules (rules/internal.py
# declares them): findings placed at the top of a file whatever its facts say.
UNREADABLE_FILE = "DBL001"
INTERNAL_ERROR = "DBL002"

# The selectors that turn rules on; in `ignore` and `per-file-ignores` any prefix of a code is fine.
ENABLING_SELECTORS = ("select", "extend-select")


def selector_problem(selector: str, selector_kind: str) -> Optional[str]:
    """Why `selector` (a code or prefix in `select`, `extend-select`, `ignore`, ...) selects
    nothing it seems to, or None when it is fine.

    Opt-in rules run only when selected by their full code, so a prefix in
    `extend-select` that matches opt-in rules, or in `select` that matches
    nothing else, does not do what it says.
    """
    matched = [code for code in RULE_CODES if code.startswith(selector)]
    if not matched and selector.upper() == "ALL":  # ruff's spelling
        return (
            f"'{selector}' matches no rule code: 'DBL' selects every default rule, "
            "and an opt-in rule runs when selected by its full code (`dblint rules` lists them)"
        )
    if not matched:
        return f"'{selector}' matches no rule code (`dblint rules` lists them)"
    if selector_kind not in ENABLING_SELECTORS or selector in RULE_CODES:
        return None
    opt_in = [code for code in matched if not RULE_CODES[code]]
    if opt_in and (selector_kind == "extend-select" or len(opt_in) == len(matched)):
        return (
            f"'{selector}' does not enable the opt-in rules it matches ({', '.join(opt_in)}): "
            "opt-in rules run only when selected by their full code"
        )
    return None
