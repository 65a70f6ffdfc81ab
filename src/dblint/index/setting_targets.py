"""Settings that name things in the project: `target-metadata`, `migrations`, `model-modules`.

An entry that names nothing would silently change the findings (a typo in
`target-metadata` turns the tracking rules off), so each must resolve; what does
not is described with what the project has instead, for a configuration error.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from dblint.contexts import configured_directory
from dblint.index.holders import HolderDef
from dblint.index.kinds import METADATA
from dblint.index.modules import module_matches
from dblint.index.project import ProjectIndex
from dblint.index.schema import model_schema

_SHOWN = 5


def setting_problems(indexes: Sequence[ProjectIndex]) -> list[str]:
    """One line per entry that resolves to nothing in any project of the repository,
    naming the setting, the entry and what was found."""
    if not indexes:
        return []
    settings = indexes[0].settings
    problems: list[str] = []
    if settings.target_metadata:
        problems += _target_metadata(indexes)
    if settings.migrations:
        problems += _migrations(indexes[0])
    if settings.model_modules:
        problems += _model_modules(indexes)
    return problems


def _target_metadata(indexes: Sequence[ProjectIndex]) -> Iterable[str]:
    schemas = [model_schema(index) for index in indexes]
    holders = sorted({_entry_for(holder) for schema in schemas for holder in schema.holders})
    unresolved = set.intersection(*(set(schema.unresolved_target_metadata) for schema in schemas))
    for entry in sorted(unresolved):
        found = _closest(entry, holders) if holders else "the project defines no metadata"
        shape = "" if ":" in entry else " (write module:attribute, like app.db:Base.metadata)"
        yield f"tool.dblint.target-metadata: '{entry}' names no metadata of the project{shape}; metadata found: {found}"


def _entry_for(holder: HolderDef) -> str:
    """How a `target-metadata` entry names this holder's metadata."""
    if holder.path is None:  # SQLModel.metadata, defined by the library
        return holder.metadata
    return f"{holder.module}:{holder.name}" + ("" if holder.kind == METADATA else ".metadata")


def _migrations(index: ProjectIndex) -> Iterable[str]:
    others = sorted(
        location.directory or "."
        for location in index.script_locations
        if location.source != "config"
    )
    found = "script locations found: " + (_closest("", others) if others else "none")
    for entry in index.settings.migrations:
        directory = configured_directory(entry)
        if directory is None:
            yield f"tool.dblint.migrations: '{entry}' is outside the project; {found}"
            continue
        path = index.root / directory
        if not path.is_dir():
            yield f"tool.dblint.migrations: '{entry}' is not a directory of the project; {found}"
        elif not ((path / "env.py").is_file() or (path / "versions").is_dir()):
            yield f"tool.dblint.migrations: '{entry}' has neither env.py nor versions/, so it is no Alembic script location; {found}"


def _model_modules(indexes: Sequence[ProjectIndex]) -> Iterable[str]:
    modules = {module for index in indexes for module in index.modules.values()}
    with_models = sorted(
        {
            table.module
            for index in indexes
            for table in model_schema(index).declared
            if table.module
        }
    )
    for pattern in indexes[0].settings.model_modules:
        if not any(module_matches(module, pattern) for module in modules):
            found = _closest(pattern, with_models) if with_models else "no module defines models"
            yield f"tool.dblint.model-modules: '{pattern}' matches no module of the project; modules with models: {found}"


def _closest(entry: str, candidates: list[str]) -> str:
    """The candidates most like `entry` first, at most a few."""
    ranked = (
        difflib.get_close_matches(entry, candidates, n=_SHOWN, cutoff=0.0) if entry else candidates
    )
    more = len(candidates) - _SHOWN
    return ", ".join(ranked[:_SHOWN]) + (f" and {more} more" if more > 0 else "")
