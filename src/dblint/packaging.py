"""Import roots that packaging configuration declares, read as text (never executed).

A project installed with `pip install -e .` imports its code from where its
packaging says, not from the repository's layout: `package_dir = = src` makes
`src/` a `sys.path` entry, `mypkg = lib/mypkg` makes `lib/mypkg/` the package
`mypkg`. Read from `setup.cfg` (`[options] package_dir`, `[options.packages.find]
where`), `pyproject.toml` (`[tool.setuptools] package-dir`,
`[tool.setuptools.packages.find] where`, poetry's `packages` with `from`, hatch's
wheel `packages`) and the literal `package_dir={...}` of a `setup.py` call
(anything computed is ignored, not guessed). Paths are relative to the file
that declares them; a path leaving the repository is dropped. Also read here: the
directories a pyproject.toml depends on by path, which decide the directory a nested
project is checked from.
"""

from __future__ import annotations

import ast
import configparser
import functools
import posixpath
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from dblint.contexts import configured_directory

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

PACKAGING_FILES = ("setup.cfg", "pyproject.toml", "setup.py")
_GLOB = frozenset("*?[")


@dataclass(frozen=True)
class ImportRoot:
    """A directory Python imports from: a `sys.path` entry (`package` empty), or the
    directory of one package (`package` its dotted name, `mypkg = lib/mypkg`)."""

    directory: str  # repository-relative; "" is the repository's root
    package: str = ""


def find_package_roots(root: Path, files: Iterable[str]) -> tuple[ImportRoot, ...]:
    """The import roots declared by the packaging files among `files`, in a stable order."""
    found: dict[ImportRoot, None] = {}
    for rel in sorted(files):
        directory, _, name = rel.rpartition("/")
        if name not in PACKAGING_FILES:
            continue
        try:
            data = (root / rel).read_bytes()
        except OSError:
            continue
        for declared, package in _declared(name, data):
            if declared.startswith("/"):
                continue  # an absolute path: not the repository's
            location = configured_directory(posixpath.join(directory, declared))
            if location is not None:
                found.setdefault(ImportRoot(location, package), None)
    return tuple(found)


def _declared(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    """(directory relative to the file, package or "") pairs one packaging file declares."""
    if name == "setup.cfg":
        return _from_setup_cfg(data.decode("utf-8", errors="replace"))
    if name == "pyproject.toml":
        return _from_pyproject(data)
    return _from_setup_py(data)


def _package_dir(mapping: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    """setuptools' `package_dir`: `""` names the root of all packages, any other key the
    directory of that package."""
    for package, directory in mapping.items():
        yield directory.strip() or ".", package.strip()


def _from_setup_cfg(text: str) -> Iterator[tuple[str, str]]:
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return
    options = parser["options"] if parser.has_section("options") else {}
    yield from _package_dir(_cfg_dict(options.get("package_dir", "")))
    packages = options.get("packages", "").strip()
    if packages in ("find:", "find_namespace:") and parser.has_section("options.packages.find"):
        where = parser["options.packages.find"].get("where", "").strip()
        if where:
            yield where, ""


def _cfg_dict(value: str) -> dict[str, str]:
    """A setup.cfg dict option as setuptools reads it: `key = value` per line (or per comma
    on one line); a line without `=` makes the option unreadable, so nothing is taken."""
    lines = value.splitlines() if "\n" in value else value.split(",")
    result: dict[str, str] = {}
    for line in (line.strip() for line in lines):
        if not line:
            continue
        key, separator, directory = line.partition("=")
        if not separator:
            return {}
        result[key.strip()] = directory.strip()
    return result


def _from_pyproject(data: bytes) -> Iterator[tuple[str, str]]:
    if not any(word in data for word in (b"setuptools", b"poetry", b"hatch")):
        return
    try:
        tool = tomllib.loads(data.decode("utf-8")).get("tool")
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return
    if not isinstance(tool, dict):
        return
    setuptools = _table(tool, "setuptools")
    package_dir = setuptools.get("package-dir")
    if isinstance(package_dir, dict) and all(
        isinstance(value, str) for value in package_dir.values()
    ):
        yield from _package_dir(package_dir)
    where = _table(_table(setuptools, "packages"), "find").get("where")
    yield from ((entry, "") for entry in _strings(where))
    for entry in _list(_table(tool, "poetry").get("packages")):
        if isinstance(entry, dict) and isinstance(entry.get("from"), str):
            yield entry["from"], ""
    wheel = _table(_table(_table(_table(tool, "hatch"), "build"), "targets"), "wheel")
    for path in _strings(wheel.get("packages")):
        package = posixpath.basename(path.rstrip("/"))
        if package and not _GLOB & set(path):
            yield path, package


@functools.lru_cache(maxsize=64)
def path_dependencies(data: bytes) -> tuple[str, ...]:
    """The directories a pyproject.toml depends on by path, relative to it: poetry's
    `name = { path = "..", develop = true }` in its dependency tables and groups, uv's
    `[tool.uv.sources]`. The project imports their code as installed packages (OpenHands'
    enterprise edition imports `openhands` from the repository above it). Kept by content:
    the flake8 plugin asks once per directory, mostly about the same file."""
    if b"path" not in data:
        return ()
    try:
        tool = tomllib.loads(data.decode("utf-8")).get("tool")
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return ()
    if not isinstance(tool, dict):
        return ()
    poetry = _table(tool, "poetry")
    groups = [group for group in _table(poetry, "group").values() if isinstance(group, dict)]
    tables = [
        _table(poetry, "dependencies"),
        _table(poetry, "dev-dependencies"),
        *(_table(group, "dependencies") for group in groups),
        _table(_table(tool, "uv"), "sources"),
    ]
    specs = [
        spec
        for table in tables
        for value in table.values()
        for spec in (value if isinstance(value, list) else [value])
    ]
    return tuple(
        spec["path"]
        for spec in specs
        if isinstance(spec, dict) and isinstance(spec.get("path"), str)
    )


def _table(table: dict[str, object], key: str) -> dict[str, object]:
    """`table[key]` when it is a table, else an empty one."""
    value = table.get(key)
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _strings(value: object) -> list[str]:
    """A string or a list of strings, as TOML writes either."""
    if isinstance(value, str):
        return [value]
    return [item for item in _list(value) if isinstance(item, str)]


def _from_setup_py(data: bytes) -> Iterator[tuple[str, str]]:
    """`package_dir={...}` of a `setup(...)` call, when it is a literal dict of strings."""
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called_name(node.func) == "setup":
            for keyword in node.keywords:
                if keyword.arg == "package_dir":
                    mapping = _literal_strings(keyword.value)
                    if mapping is not None:
                        yield from _package_dir(mapping)


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _literal_strings(node: ast.expr) -> Optional[dict[str, str]]:
    """A dict display whose keys and values are all string literals; None otherwise."""
    if not isinstance(node, ast.Dict):
        return None
    result: dict[str, str] = {}
    for key, value in zip(node.keys, node.values):
        if not (
            isinstance(key, ast.Constant)
            and isinstance(key.value, str)
            and isinstance(value, ast.Constant)
            and isinstance(value.value, str)
        ):
            return None
        result[key.value] = value.value
    return result
