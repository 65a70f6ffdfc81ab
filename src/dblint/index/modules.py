"""Module names from file paths: src/ layouts, packages, namespace packages, monorepos."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from fnmatch import fnmatchcase

SOURCE_ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", "alembic.ini")


def source_roots(
    python_files: Iterable[str], config_files: Iterable[str], sys_path: Iterable[str] = ()
) -> list[str]:
    """Candidate import roots: the project root, each directory holding a project
    marker or named by Alembic's `prepend_sys_path` (unless it is itself a package),
    and the `src/` directory beside it. Deepest first."""
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
        if directory not in packages:
            roots.add(directory)
    for path in python_files:
        parts = path.split("/")
        for index, part in enumerate(parts[:-1]):
            if part == "src":
                roots.add("/".join(parts[: index + 1]))
    return sorted(roots, key=lambda root: (-root.count("/") - (1 if root else 0), root))


def module_name(path: str, roots: list[str]) -> str:
    """The dotted module name of a project-relative path, against the nearest root."""
    for root in roots:
        if not root or path.startswith(root + "/"):
            rel = path[len(root) + 1 :] if root else path
            break
    else:  # pragma: no cover - "" always matches
        rel = path
    rel = rel[: -len(".py")] if rel.endswith(".py") else rel
    parts = [part for part in rel.split("/") if part]
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


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
