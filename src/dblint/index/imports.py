"""The project's import graph: which project modules a module runs on import.

- `direct_imports(index, module)`: project modules a module imports at module
  level (`import a.b.c` runs `a`, `a.b` and `a.b.c`; `from a import b` runs `a`
  and `a.b` when that is a module; `TYPE_CHECKING` imports do not run).
- `closure(index, module)`: the transitive closure (memoised).
- `env_imports(index, env_path)`: the closure from an Alembic env.py, where
  imports inside functions count when the function runs (`run_migrations_*`, or
  called at module level), as do imports inside a project function env.py calls
  at module level (`app = create_app()`); for a Flask-Migrate env.py, also what the
  app factory that sets Flask-Migrate up imports. None for an advanced-alchemy env.py
  (it runs inside the application's command), and when an importing module uses
  importlib/pkgutil (dynamic imports we cannot follow) or star-imports a project
  module whose `__all__` is computed (the modules it reaches are unknown).
- `migration_helpers(index)`: application files that only migrations (and tests) import,
  directly or through other such files: they run inside migrations (the index gives them
  the `migration-helper` context).
- `imports_between(index, schema, a, b)`: True when one module's closure holds
  the other, or one env.py reaches both (they run in one process).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Optional

from dblint.contexts import FileContext
from dblint.facts.model import Expr, FileFacts, Import
from dblint.index.symbols import ModuleTable, Resolver

if TYPE_CHECKING:
    from dblint.index.project import ProjectIndex
    from dblint.index.schema import ModelSchema

DYNAMIC_IMPORTERS = frozenset({"importlib", "pkgutil", "imp", "runpy"})


def _targets(resolver: Resolver, table: ModuleTable, imp: Import) -> Iterable[str]:
    absolute = resolver.absolute(table, imp)
    names = [absolute] if imp.name in (None, "*") else [absolute, f"{absolute}.{imp.name}"]
    if imp.name == "*":
        names += [f"{absolute}.{name}" for name in _star_names(resolver, absolute)]
    for name in names:
        parts = name.split(".")
        for size in range(1, len(parts) + 1):
            found = resolver.project_module(".".join(parts[:size]))
            if found is not None:
                yield found


def _star_names(resolver: Resolver, module: str) -> tuple[str, ...]:
    """The names a star import from `module` takes when its `__all__` is literal: a
    package's submodules listed there are imported by it."""
    found = resolver.project_module(module)
    exported = resolver.modules[found].facts.all_names if found is not None else None
    return exported or ()


def _runs(imp: Import, functions: set[str]) -> bool:
    if imp.type_checking:
        return False
    return not imp.scope or imp.scope.split(".", 1)[0] in functions


def _walk(
    index: ProjectIndex, starts: Iterable[str], functions_of: dict[str, set[str]]
) -> Optional[frozenset[str]]:
    resolver = index.resolver
    seen = set(starts)
    queue = list(seen)
    while queue:
        module = queue.pop()
        table = resolver.modules.get(module)
        if table is None:
            continue
        functions = functions_of.get(module, set())
        for imp in table.facts.imports:
            if not _runs(imp, functions):
                continue
            if resolver.absolute(table, imp).split(".", 1)[0] in DYNAMIC_IMPORTERS:
                return None
            if imp.name == "*" and _computed_all(resolver, resolver.absolute(table, imp)):
                return None
            for found in _targets(resolver, table, imp):
                if found not in seen:
                    seen.add(found)
                    queue.append(found)
    return frozenset(seen)


def _computed_all(resolver: Resolver, module: str) -> bool:
    """A star import from `module` reaches modules we cannot list (its `__all__` is computed)."""
    found = resolver.project_module(module)
    return found is not None and resolver.modules[found].facts.all_computed


def direct_imports(index: ProjectIndex, module: str) -> frozenset[str]:
    resolver = index.resolver
    table = resolver.modules.get(module)
    if table is None:
        return frozenset()
    return frozenset(
        found
        for imp in table.facts.imports
        if _runs(imp, set())
        for found in _targets(resolver, table, imp)
    )


def used_modules(index: ProjectIndex, starts: Iterable[str]) -> frozenset[str]:
    """Modules `starts` import, transitively, wherever the import statement stands (in a
    function, under `TYPE_CHECKING`): the code those modules use at all."""
    resolver = index.resolver
    seen = set(starts)
    queue = list(seen)
    while queue:
        table = resolver.modules.get(queue.pop())
        if table is None:
            continue
        for imp in table.facts.imports:
            for found in _targets(resolver, table, imp):
                if found not in seen:
                    seen.add(found)
                    queue.append(found)
    return frozenset(seen)


def closure(index: ProjectIndex, module: str) -> frozenset[str]:
    """Modules importing `module` runs (dynamic imports ignored)."""
    closures = index.view(_Closures)
    if module not in closures:
        seen = {module}
        queue = [module]
        while queue:
            for found in direct_imports(index, queue.pop()):
                if found not in seen:
                    seen.add(found)
                    queue.append(found)
        closures[module] = frozenset(seen)
    return closures[module]


class _Closures(dict[str, frozenset[str]]):
    """Import closures computed so far, by module (a view of the index)."""

    def __init__(self, index: ProjectIndex) -> None:
        super().__init__()


def env_imports(index: ProjectIndex, env_path: str) -> Optional[frozenset[str]]:
    """Modules an env.py run imports. A Flask-Migrate env.py (`current_app`) runs inside the Flask
    app: the modules that set Flask-Migrate up (`Migrate(app, db)`, `migrate.init_app(app, db)`,
    in the app factory) are imported too, with the imports of every function of theirs (the
    factory's helpers run when it does), and none found means we cannot tell (None). So does
    an env.py of advanced-alchemy's templates: it runs inside whatever process loaded the
    application's SQLAlchemy config (`litestar database ...`, `alchemy --config ...`), whose
    imports dblint cannot follow (None)."""
    resolver = index.resolver
    start = index.module_of(env_path)
    table = resolver.modules.get(start)
    if table is None or runs_in_command(table.facts):
        return None
    functions_of: dict[str, set[str]] = {}
    _enter(
        resolver,
        table,
        {name for name in _function_scopes(table) if name.startswith("run_migrations")},
        functions_of,
    )
    starts = [start]
    if uses_flask_app(table.facts):
        apps = migrate_setups(index)
        if not apps:
            return None
        for module, functions in sorted(apps.items()):
            app_module = resolver.modules[module]
            # The factory calls other functions of its module (`load_api(app)` importing the
            # blueprints, as zou does), which calls are not recorded: all of them count.
            _enter(resolver, app_module, functions | _function_scopes(app_module), functions_of)
        starts += sorted(apps)
    return _walk(index, starts, functions_of)


def _enter(
    resolver: Resolver, table: ModuleTable, running: set[str], functions_of: dict[str, set[str]]
) -> None:
    """Mark what runs when a module is run: the functions `running` and those it calls at module
    level, its own or imported ones (`app = create_app()`), whose imports then count."""
    called = {call.split(".", 1)[0] for call in table.facts.toplevel_calls}
    functions_of.setdefault(table.name, set()).update(
        running | {name for name in _function_scopes(table) if name in called}
    )
    for imp in table.facts.imports:
        if imp.scope or imp.type_checking or imp.name in (None, "*") or imp.local not in called:
            continue
        source = resolver.project_module(resolver.absolute(table, imp))
        if source is not None:
            functions_of.setdefault(source, set()).add(imp.name)


def uses_flask_app(facts: FileFacts) -> bool:
    """An env.py of Flask-Migrate's templates: it reads the app's config through `current_app`."""
    return any(
        imp.name == "current_app" and imp.module.split(".", 1)[0] == "flask"
        for imp in facts.imports
    )


def runs_in_command(facts: FileFacts) -> bool:
    """An env.py of advanced-alchemy's templates: it reads the command's config
    (`config: AlembicCommandConfig = context.config`, imported if only for type checkers), whose
    `db_url`, `engine` and `bind_key` exist only when advanced-alchemy's commands run it."""
    return any(
        imp.name == "AlembicCommandConfig" and imp.module.split(".", 1)[0] == "advanced_alchemy"
        for imp in facts.imports
    )


def migrate_setups(index: ProjectIndex) -> dict[str, set[str]]:
    """Application modules that set Flask-Migrate up, with the functions doing it (the app factory)."""
    found: dict[str, set[str]] = {}
    for path, facts in index.files.items():
        if index.contexts.get(path) != FileContext.APP:
            continue
        for call in facts.calls:
            if is_migrate_setup(call.expr):
                functions = found.setdefault(index.module_of(path), set())
                if call.scope:
                    functions.add(call.scope.split(".", 1)[0])
    return found


def is_migrate_setup(call: Expr) -> bool:
    """`Migrate(app, db)` / `Migrate(app, db=db)`, `migrate.init_app(app, db)` (not `db.init_app(app)`)."""
    last = call.text.rsplit(".", 1)[-1]
    return last in ("Migrate", "init_app") and (
        len(call.args) >= 2 or call.keyword("db") is not None
    )


def _function_scopes(table: ModuleTable) -> set[str]:
    return {imp.scope.split(".", 1)[0] for imp in table.facts.imports if imp.scope}


def imports_between(index: ProjectIndex, schema: ModelSchema, first: str, second: str) -> bool:
    if first == second or second in closure(index, first) or first in closure(index, second):
        return True
    for tracking in schema.tracking:
        reach = schema.env_imports(tracking.env_path) if tracking.env_path else None
        if reach is not None and first in reach and second in reach:
            return True
    return False


_OUTSIDE_APP = frozenset(
    {FileContext.MIGRATION, FileContext.ALEMBIC_ENV, FileContext.TEST, FileContext.BENCHMARK}
)


def migration_helpers(index: ProjectIndex) -> frozenset[str]:
    """Paths of application modules that migrations import, directly or through other such
    modules, and whose importers (any import statement, in functions too) are all migrations,
    env.py files, tests, benchmarks or other such modules: SQL builders for revisions
    (tracecat's row-level security policies) or a frozen copy of the models for a data
    migration (agenta's `deprecated_models.py`), which run only inside migrations. A module an
    env.py reaches is not one (its models are what autogenerate compares), nor is a module
    nothing imports."""
    importers = _importers(index)
    candidates = _reached_from_migrations(index, importers)
    changed = True
    while changed:
        kept = {
            path
            for path in candidates
            if all(
                index.contexts.get(item) in _OUTSIDE_APP or item in candidates
                for item in importers[path]
            )
        }
        changed = kept != candidates
        candidates = kept
    return frozenset(candidates)


def _reached_from_migrations(index: ProjectIndex, importers: dict[str, set[str]]) -> set[str]:
    """Application files migrations import, directly or through other application files,
    except those an env.py reaches."""
    contexts = index.contexts
    imported_by: dict[str, set[str]] = {}
    for target, found in importers.items():
        for importer in found:
            imported_by.setdefault(importer, set()).add(target)
    envs = (
        index.module_of(path) for path, kind in contexts.items() if kind == FileContext.ALEMBIC_ENV
    )
    seen_by_env = used_modules(index, envs)
    queue = [path for path, kind in contexts.items() if kind == FileContext.MIGRATION]
    reached: set[str] = set()
    while queue:
        for target in imported_by.get(queue.pop(), ()):
            if (
                target not in reached
                and contexts.get(target) == FileContext.APP
                and index.module_of(target) not in seen_by_env
            ):
                reached.add(target)
                queue.append(target)
    return reached


def _importers(index: ProjectIndex) -> dict[str, set[str]]:
    """The project files importing each project file, by path (any import statement)."""
    resolver = index.resolver
    path_of = {index.module_of(path): path for path in index.files}
    importers: dict[str, set[str]] = {}
    for path in index.files:
        table = resolver.modules.get(index.module_of(path))
        if table is None or table.facts.path != path:
            continue
        for imp in table.facts.imports:
            for found in _targets(resolver, table, imp):
                target = path_of.get(found)
                if target is not None and target != path:
                    importers.setdefault(target, set()).add(path)
    return importers
