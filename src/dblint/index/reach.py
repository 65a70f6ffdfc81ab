"""Which prefiltered files must be parsed in full after all, for cross-file facts.

The byte prefilter (`facts.prefilter`) only vouches that a file has no fact of
its own beyond imports. Its bindings and classes still matter when resolution
can reach them: a model class deriving from a base imported from another
module (`class Admin(User)`), or a constant, alias or type another module
imports. Resolution only moves along imports, and every kind the rules know
(a MetaData, a declarative base, a model, a Table ...) starts at a name
imported from a database library (one `index.kinds` or `index.library_bases` knows), or at
a class that maps itself (`__tablename__`, `__table__`, `__abstract__`) on a base from a
library dblint does not know (the prefilter parses those files). So these files are

- the modules that import, directly or transitively, a module that imports a
  database library or maps a class itself (their classes and bindings may derive
  from what they import), and
- the modules that any of those import transitively (their bindings may be what
  a model or a migration resolves a name, a type or a constant to).

A file outside both sets resolves nothing to a database object, and nothing
that resolves to one passes through it. The sets depend on imports only, which
every file has, so parsing the files they name changes neither set.
"""

from __future__ import annotations

from collections.abc import Iterable

from dblint.facts.model import FileFacts
from dblint.facts.vocabulary import MAPPED_MARKERS
from dblint.index.kinds import KIND_PACKAGES
from dblint.index.library_bases import declares_module
from dblint.index.project import ProjectIndex
from dblint.index.symbols import ModuleTable, Resolver

# Top-level packages whose names the index turns into kinds (`index.kinds`; `flask` only for
# its `SQLAlchemy`), and the migration tools env.py and the revisions import.
DATABASE_LIBRARIES = (KIND_PACKAGES - {"flask"}) | {"alembic", "flask_migrate", "flask_alembic"}


def files_to_parse(index: ProjectIndex) -> list[str]:
    """Paths of prefiltered files (imports only) that resolution can reach."""
    resolver = index.resolver
    paths_of: dict[str, list[str]] = {}
    for path, name in index.modules.items():
        paths_of.setdefault(name, []).append(path)
    imports: dict[str, set[str]] = {}
    importers: dict[str, set[str]] = {}
    for path, facts in index.files.items():
        name = index.module_of(path)
        table = resolver.modules.get(name)
        if table is None or table.facts.path != path:  # a module shadowed by a same-named one
            table = ModuleTable(name, facts)
        targets = {
            found for module in _imported(resolver, table) for found in paths_of.get(module, ())
        }
        imports[path] = targets
        for target in targets:
            importers.setdefault(target, set()).add(path)
    upward = _closure(
        (
            path
            for path, facts in index.files.items()
            if imports_database_library(facts) or maps_a_class(facts)
        ),
        importers,
    )
    reached = _closure(upward, imports)
    return sorted(path for path in reached if _prefiltered(index.files[path]))


def imports_database_library(facts: FileFacts) -> bool:
    """An import of a library whose names `index.kinds` or `index.library_bases` knows."""
    for imp in facts.imports:
        if imp.level:
            continue
        top = imp.module.split(".", 1)[0]
        if (
            top in DATABASE_LIBRARIES
            or declares_module(f"{imp.module}.{imp.name}" if imp.name else imp.module)
            or (top == "flask" and ("sqlalchemy" in imp.module or imp.name == "SQLAlchemy"))
        ):
            return True
    return False


def maps_a_class(facts: FileFacts) -> bool:
    """A class declaring its own table (`__tablename__` ...), whatever its base is."""
    return any(
        attr.name in MAPPED_MARKERS for cls in facts.classes for attr in (*cls.attrs, *cls.methods)
    )


def _prefiltered(facts: FileFacts) -> bool:
    return not facts.parsed and facts.error is None and facts.internal_error is None


def _imported(resolver: Resolver, table: ModuleTable) -> Iterable[str]:
    """Project modules an import of this module may bind: the module, or `module.name`."""
    for imp in table.facts.imports:
        base = resolver.absolute(table, imp)
        for candidate in (base, f"{base}.{imp.name}" if imp.name and imp.name != "*" else None):
            found = resolver.project_module(candidate) if candidate else None
            if found is not None:
                yield found


def _closure(start: Iterable[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(start)
    stack = list(seen)
    while stack:
        for found in edges.get(stack.pop(), ()):
            if found not in seen:
                seen.add(found)
                stack.append(found)
    return seen
