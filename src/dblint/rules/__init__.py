"""Stage 4 of the pipeline: the rule catalog.

Each module listed in `_RULE_MODULES` defines `Rule` subclasses and declares the
`FAMILY` (a `Family`: code range, title, description) they belong to; they are
collected here, ordered by code. Adding a rule family is adding a module here.
"""

from __future__ import annotations

from functools import lru_cache
from types import ModuleType

from dblint.rules import (
    client_side_timestamps,
    foreign_keys,
    internal,
    metadata_tracking,
    migration_drift,
    migration_safety,
    revision_graph,
    schema_outside_migrations,
)
from dblint.rules.base import Family, Rule

__all__ = ["Family", "Rule", "all_rules", "families", "module_family", "rule_by_code", "rule_named"]

_RULE_MODULES: tuple[ModuleType, ...] = (
    internal,
    schema_outside_migrations,
    metadata_tracking,
    foreign_keys,
    client_side_timestamps,
    revision_graph,
    migration_drift,
    migration_safety,
)


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class of the catalog, sorted by code."""
    found: dict[str, type[Rule]] = {}
    for module in _RULE_MODULES:
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and "code" in vars(value):
                found[value.code] = value
    return tuple(found[code] for code in sorted(found))


def module_family(module: ModuleType) -> Family:
    """The family a rule module declares (`FAMILY = Family(...)`)."""
    family = vars(module).get("FAMILY")
    if not isinstance(family, Family):
        raise TypeError(f"{module.__name__} declares no FAMILY")
    return family


@lru_cache(maxsize=1)
def families() -> tuple[tuple[Family, tuple[type[Rule], ...]], ...]:
    """Every family with its rules, by code (modules that declare the same family share it)."""
    declared = sorted({module_family(module) for module in _RULE_MODULES}, key=lambda f: f.first)
    return tuple(
        (family, tuple(rule for rule in all_rules() if family.covers(rule.code)))
        for family in declared
    )


def rule_by_code(code: str) -> type[Rule] | None:
    for rule in all_rules():
        if rule.code == code.upper():
            return rule
    return None


def rule_named(code_or_name: str) -> type[Rule] | None:
    """The rule with this code (DBL101, dbl101) or kebab-case name (create-all-outside-migrations)."""
    return rule_by_code(code_or_name) or next(
        (rule for rule in all_rules() if rule.name == code_or_name.lower()), None
    )
