"""Module names from file paths: src/ layouts, packages, namespace packages, monorepos,
and the package roots packaging declares."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from fnmatch import fnmatchcase

from dblint.packaging import ImportRoot

SOURCE_ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", "alembic.ini")


def source_roots(
    python_files: Iterable[str],
    config_files: Iterable[str],
    sys_path: Iterable[str] = (),
    declared: Iterable[ImportRoot] = (),
) -> list[ImportRoot]:
    """Candidate import roots: the project root, each directory holding a project
    marker or named by Alembic's `prepend_sys_path` (unless it is itself a package),
    the `src/` directory beside it, and the roots packaging declares (`declared`).
    Deepest first."""
    roots = {""}
    python_files = list(python_files)
    packages = {posixpath.dirname(path) for path in python_files if is_package(path)}
    marker_dirs = {posixpath.dirname(path) for path in config_files} | set(sys_path)
    marker_dirs |= {
        posixpath.dirname(path)
        for path in python_files
        if path.endswith("/setup.py") or path == "setup.py"
    }
    for directory in marker_dirs:
        # A package holding an alembic.ini (`src/app/alembic.ini`) is imported from its parent.
        if not in_package(directory, packages):
            roots.add(directory)
    for path in python_files:
        parts = path.split("/")
        for index, part in enumerate(parts[:-1]):
            if part == "src":
                roots.add("/".join(parts[: index + 1]))
    found = {ImportRoot(directory) for directory in roots} | set(declared)
    return sorted(found, key=_deepest_first)


def _deepest_first(root: ImportRoot) -> tuple[int, str, bool, str]:
    """Deepest directory first; at one directory, a declared package before a plain root."""
    directory = root.directory
    depth = directory.count("/") + (1 if directory else 0)
    return (-depth, directory, not root.package, root.package)


def module_name(path: str, roots: list[ImportRoot]) -> str:
    """The dotted module name of a project-relative path, against the nearest root."""
    return next(module_names(path, roots), path)


def module_names(path: str, roots: list[ImportRoot]) -> Iterator[str]:
    """The dotted names of a project-relative path against each root holding it, nearest first:
    the first is its module name; the others name it when another file of the project already
    has that name (`examples/a/example.py` and `examples/b/example.py`, each beside a
    `pyproject.toml` of its own: two programs, one `example` module each)."""
    for root in roots:
        if not root.directory or path.startswith(root.directory + "/"):
            rel = path[len(root.directory) + 1 :] if root.directory else path
            prefix = root.package.split(".") if root.package else []
            rel = rel[: -len(".py")] if rel.endswith(".py") else rel
            parts = [*prefix, *(part for part in rel.split("/") if part)]
            if parts and parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts)


def in_package(directory: str, packages: set[str]) -> bool:
    """A package, or a directory without `__init__.py` somewhere inside one (Python imports
    it as a namespace portion of that package: `ckanext/activity/migration/activity`)."""
    while directory:
        if directory in packages:
            return True
        directory = posixpath.dirname(directory)
    return False


def is_package(path: str) -> bool:
    return path.endswith("/__init__.py") or path == "__init__.py"


def resolve_relative(importer: str, importer_is_package: bool, module: str, level: int) -> str:
    """Absolute module name of `from <level dots><module> import ...` inside `importer`."""
    if level == 0:
        return module
    parts = importer.split(".") if importer else []
    drop = level - 1 if importer_is_package else level
    base = parts[: len(parts) - drop] if drop <= len(parts) else []
    return ".".join([*base, module] if module else base)


def module_matches(module: str, pattern: str) -> bool:
    """A `model-modules` entry: the module, a package and what is in it, or a glob."""
    return module == pattern or module.startswith(pattern + ".") or fnmatchcase(module, pattern)
