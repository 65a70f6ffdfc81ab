"""Projects within a repository: which files one Alembic environment's code is made of.

A repository may hold several services, each with its own `alembic.ini` (or
`[tool.alembic]`), `env.py` and import roots. Each is indexed on its own, so
module names never collide across them (two `migrations.env`, two `app.models`),
a library-global holder (`SQLModel.metadata`, a Flask-SQLAlchemy `db`) is one per
project, and tracked metadata, reachability, duplicates and the replay never
compare one project's models with another's migrations.

A project's root is the import root of the directory that declares its script
location: the `alembic.ini` / `pyproject.toml` directory, its parent when the
file sits inside the script directory (Flask-Migrate), the enclosing directory `alembic`
must run in when its relative paths are read from there (`conf/alembic.ini` saying
`h/migrations`), above any package it lies
in (`cloud/db/api/alembic.ini` inside package `cloud` belongs to the repository's
root; so does a directory without `__init__.py` inside a package, which Python
imports as part of it), and above a `src/` directory. Script locations with one
root are one project. A file under a script location belongs to the project
whose configuration names it, even when the directory lies in another project's
directory or under no project root (`script_location = ../legacy/migrations`);
any other file belongs to the project with the deepest root above it. Files
under no project root are shared packages, seen by every project.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Optional

from dblint.contexts import ScriptLocation
from dblint.index.modules import in_package, is_package

SHARED = "(shared)"  # the project reports name for files of shared packages


@dataclass(frozen=True)
class Project:
    """One Alembic environment's part of a repository."""

    root: str  # repository-relative directory; "" is the repository's root
    locations: tuple[ScriptLocation, ...]

    @property
    def name(self) -> str:
        """How reports name the project: its root directory (`.` for the repository's root)."""
        return self.root or "."

    def holds(self, path: str) -> bool:
        return not self.root or path.startswith(self.root + "/")

    def location_directories(self) -> tuple[str, ...]:
        """The script and version directories its configuration names (not the repository's root)."""
        found = (
            directory
            for location in self.locations
            for directory in (location.directory, *location.version_dirs)
        )
        return tuple(dict.fromkeys(directory for directory in found if directory))


@dataclass(frozen=True)
class ProjectPart:
    """A project and the files its index is built from: its own and the shared ones."""

    project: Project
    python_files: tuple[str, ...]
    config_files: tuple[str, ...]
    own: frozenset[str]  # python files of the project itself (not shared)


def find_projects(
    python_files: Iterable[str], config_files: Iterable[str], locations: Iterable[ScriptLocation]
) -> Optional[list[ProjectPart]]:
    """The projects of a repository with their files, or None when it holds at most one."""
    python_files, config_files = sorted(python_files), sorted(config_files)
    packages = {posixpath.dirname(path) for path in python_files if is_package(path)}
    grouped: dict[str, list[ScriptLocation]] = {}
    for location in locations:
        grouped.setdefault(project_root(location, packages), []).append(location)
    if len(grouped) < 2:
        return None
    projects = [Project(root, tuple(grouped[root])) for root in sorted(grouped)]
    python_owner = {path: _owner(path, projects) for path in python_files}
    config_owner = {path: _owner(path, projects) for path in config_files}
    return [
        ProjectPart(
            project,
            tuple(path for path in python_files if python_owner[path] in (project, None)),
            tuple(path for path in config_files if config_owner[path] in (project, None)),
            frozenset(path for path in python_files if python_owner[path] == project),
        )
        for project in projects
    ]


def project_root(location: ScriptLocation, packages: set[str]) -> str:
    """The import root of the directory that declares `location` (see the module docstring)."""
    declared_in = (
        location.source if location.source.endswith((".ini", ".toml")) else location.directory
    )
    directory = posixpath.dirname(declared_in) if location.runs_in is None else location.runs_in
    if location.directory and (directory + "/").startswith(location.directory + "/"):
        directory = posixpath.dirname(location.directory)  # Flask-Migrate: migrations/alembic.ini
    while directory and in_package(directory, packages):
        directory = posixpath.dirname(directory)
    if posixpath.basename(directory) == "src":
        directory = posixpath.dirname(directory)
    return directory


def _owner(path: str, projects: list[Project]) -> Optional[Project]:
    """The project of the deepest directory above `path` among the script locations each
    project's configuration names (wherever they lie) and the projects' roots; at one
    directory, the script location's. None for a shared file."""
    candidates = [
        ((len(directory), True), project)
        for project in projects
        for directory in project.location_directories()
        if path.startswith(directory + "/")
    ]
    candidates += [
        ((len(project.root), False), project) for project in projects if project.holds(path)
    ]
    return max(candidates, key=lambda found: found[0], default=(None, None))[1]
