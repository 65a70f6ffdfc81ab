"""Whether a project uses a database at all, for the interactions found by name alone.

The readers take any `session` or `query` / `select` / `execute` call for database access
(`facts.vocabulary.call_interactions`): in a project that imports no database library and
maps no class, those are an HTTP client's session or a Docker client's `self.query(...)`.
Raw SQL strings and DDL say what they are and are not judged here.
"""

from __future__ import annotations

from dblint.facts.model import FileFacts
from dblint.facts.vocabulary import is_database_module
from dblint.index.project import ProjectIndex
from dblint.index.reach import imports_database_library, maps_a_class


def uses_database(index: ProjectIndex) -> bool:
    """Whether some file of the project imports a database library or driver, or maps a class
    itself; True too when a file could not be read (what it imports is unknown)."""
    return index.view(_uses_database)


def _uses_database(index: ProjectIndex) -> bool:
    return any(
        facts.error is not None
        or imports_database_library(facts)
        or maps_a_class(facts)
        or _imports_driver(facts)
        for facts in index.files.values()
    )


def _imports_driver(facts: FileFacts) -> bool:
    return any(
        not imported.level
        and (
            is_database_module(imported.module)
            or (
                imported.name is not None
                and is_database_module(f"{imported.module}.{imported.name}")
            )
        )
        for imported in facts.imports
    )
