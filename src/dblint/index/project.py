"""The project index: all facts of a project joined, built once per run."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, TypeVar, cast

from dblint.config import Settings
from dblint.contexts import FileContext, ScriptLocation, classify
from dblint.facts.model import FileFacts
from dblint.index.imports import migration_helpers, used_modules
from dblint.index.kinds import KindOracle
from dblint.index.modules import module_names, source_roots
from dblint.index.projects import ProjectPart, find_projects
from dblint.index.symbols import ModuleTable, Resolver
from dblint.index.type_checking import prefer_checked_imports
from dblint.packaging import ImportRoot

View = TypeVar("View")


@dataclass
class ProjectIndex:
    """Facts of every file, their contexts and module names, and name resolution."""

    root: Path
    settings: Settings
    files: dict[str, FileFacts]
    contexts: dict[str, FileContext]
    modules: dict[str, str]  # path -> module name
    script_locations: tuple[ScriptLocation, ...]
    resolver: Resolver
    kinds: KindOracle
    paths_by_module: dict[str, str] = field(default_factory=dict)
    part: Optional[ProjectPart] = None  # None: the repository is one project
    # Shared files (`index.projects`) of packages no file of the project imports: their
    # models, tables and metadata are not the project's (another project may use them).
    unused_shared: frozenset[str] = frozenset()
    _views: dict[Callable[[ProjectIndex], object], object] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def view(self, build: Callable[[ProjectIndex], View]) -> View:
        """The view `build` derives from the whole index (the model schema, the revision graphs),
        built on first use and kept: a run pays only for the views its rules ask for."""
        if build not in self._views:
            self._views[build] = build(self)
        return cast(View, self._views[build])  # stored by `build`, which returns a View

    def model_files(self) -> list[str]:
        """The files whose models, tables and metadata holders are the project's, sorted."""
        return sorted(path for path in self.files if path not in self.unused_shared)

    def module_of(self, path: str) -> str:
        return self.modules.get(path, "")

    def context_of(self, path: str) -> FileContext:
        return self.contexts[path]

    def is_application_code(self, facts: FileFacts) -> bool:
        """Parsed application code: what the schema rules (DBL1xx) look at, and the inventory's
        schema-changing sites; not tests, migrations, env.py, the project's own migration steps, or
        modules only migrations import."""
        return facts.parsed and self.context_of(facts.path) == FileContext.APP

    def has_alembic_environment(self) -> bool:
        """Whether the project migrates with Alembic: a script location, an env.py or a revision."""
        return bool(self.script_locations) or any(
            context in (FileContext.MIGRATION, FileContext.ALEMBIC_ENV)
            for context in self.contexts.values()
        )

    def kind_of(self, path: str, dotted: str, scope: str = "") -> Optional[str]:
        """What `dotted` is, seen from `scope` in the file at `path`."""
        return self.kinds.kind_of(self.module_of(path), dotted, scope)


def build_indexes(
    root: Path,
    settings: Settings,
    facts: list[FileFacts],
    config_files: list[str],
    script_locations: tuple[ScriptLocation, ...],
    package_roots: tuple[ImportRoot, ...] = (),
) -> tuple[ProjectIndex, ...]:
    """One index per project of the repository (`index.projects`); one for the whole
    repository when it holds a single project. `package_roots`: the import roots
    packaging declares (`dblint.packaging`)."""
    parts = find_projects((item.path for item in facts), config_files, script_locations)
    if parts is None:
        return (
            build_index(
                root, settings, facts, config_files, script_locations, package_roots=package_roots
            ),
        )
    by_path = {item.path: item for item in facts}
    return tuple(
        build_index(
            root,
            settings,
            [by_path[path] for path in part.python_files],
            list(part.config_files),
            part.project.locations,
            part,
            package_roots,
        )
        for part in parts
    )


def _root_markers(
    config_files: list[str], script_locations: tuple[ScriptLocation, ...]
) -> list[str]:
    """The configuration files that mark an import root: an alembic.ini whose script locations
    are all read from an enclosing directory does not, since `alembic` runs there (keep's
    `keep/alembic.ini` saying `keep/api/models/db/migrations`: its env.py imports `keep.api`)."""
    here = {location.source for location in script_locations if location.runs_in is None}
    elsewhere = {
        location.source
        for location in script_locations
        if location.runs_in is not None and location.source.endswith("alembic.ini")
    }
    not_roots = elsewhere - here
    return [path for path in config_files if path not in not_roots]


def build_index(
    root: Path,
    settings: Settings,
    facts: list[FileFacts],
    config_files: list[str],
    script_locations: tuple[ScriptLocation, ...],
    part: Optional[ProjectPart] = None,
    package_roots: tuple[ImportRoot, ...] = (),
) -> ProjectIndex:
    """Join the facts of all files into one index: of the whole repository, or of one
    of its projects (`part`: its own files and the shared ones, its script locations)."""
    paths = [item.path for item in facts]
    sys_path = [entry for location in script_locations for entry in location.sys_path]
    if (
        part is not None
    ):  # the project's directory is its import root (Flask-Migrate keeps alembic.ini below it)
        sys_path.append(part.project.root)
    roots = source_roots(
        paths, _root_markers(config_files, script_locations), sys_path, package_roots
    )
    modules: dict[str, str] = {}
    tables: dict[str, ModuleTable] = {}
    paths_by_module: dict[str, str] = {}
    # A project's own module wins over a shared one of the same name: imports resolve inside the project first.
    for item in sorted(facts, key=lambda f: (part is not None and f.path not in part.own, f.path)):
        names = module_names(item.path, roots)
        name = next(names)
        holder = paths_by_module.get(name)
        package = item.path.endswith("__init__.py")
        if holder is not None and not package and _same_side(part, item.path, holder):
            # Two programs' modules of one name (each script directory a project of its own):
            # imports of the name reach the first; the other is named from an enclosing root, so
            # that its own classes and tables stay its own.
            name = next((other for other in names if other not in paths_by_module), name)
        modules[item.path] = name
        if name not in tables or (package and _same_side(part, item.path, paths_by_module[name])):
            tables[name] = ModuleTable(name, item)
            paths_by_module[name] = item.path
    resolver = Resolver(tables)
    prefer_checked_imports(resolver)
    packages = frozenset(
        posixpath.dirname(item.path) for item in facts if item.path.endswith("__init__.py")
    )
    contexts = {item.path: classify(item, script_locations, settings, packages) for item in facts}
    index = ProjectIndex(
        root=root,
        settings=settings,
        files={item.path: item for item in facts},
        contexts=contexts,
        modules=modules,
        script_locations=script_locations,
        resolver=resolver,
        kinds=KindOracle(resolver),
        paths_by_module=paths_by_module,
        part=part,
    )
    # Only the import graph tells a module only migrations import (`migration-helper`).
    contexts.update(dict.fromkeys(migration_helpers(index), FileContext.MIGRATION_HELPER))
    if part is not None:
        index.unused_shared = _unused_shared(index, part)
    return index


def _unused_shared(index: ProjectIndex, part: ProjectPart) -> frozenset[str]:
    """Shared files of top-level packages the project's own files never import (directly or
    through other shared files): a model in a package the project uses is the project's
    (env.py may forget to import it: DBL204); one in a package it never touches is not."""
    used = used_modules(index, (index.module_of(path) for path in part.own))
    packages = {module.split(".", 1)[0] for module in used}
    return frozenset(
        path
        for path in index.files
        if path not in part.own and index.module_of(path).split(".", 1)[0] not in packages
    )


def _same_side(part: Optional[ProjectPart], path: str, other: str) -> bool:
    """True when both files are the project's own, or both shared (or the repository is one project)."""
    return part is None or (path in part.own) == (other in part.own)
