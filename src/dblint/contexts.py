"""File contexts: `migration`, `alembic-env`, `migration-helper`, `own-migration`, `test` or `app`.

Alembic script locations come from every alembic.ini of the project, from
`[tool.alembic]` in pyproject.toml and from the `migrations` setting. A module
that looks like a revision (module-level `revision` and `down_revision`, uses
`alembic.op`) is a migration even where no configuration says so. "Migration"
means an Alembic revision; the numbered steps of a migration runner of the
project's own are an `own-migration`, which no rule treats as application code.
A `migration-helper` is an application module only migrations import (a frozen copy
of the models for a data migration, SQL builders): the project index decides it from
the import graph (`index.imports.migration_helpers`), since no file alone can tell.
"""

from __future__ import annotations

import configparser
import posixpath
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dblint.config import Settings
from dblint.facts.model import FileFacts
from dblint.pathmatch import matches
from dblint.text_enum import TextEnum

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class FileContext(TextEnum):
    """What a file of the project is, which decides the rules that look at it."""

    MIGRATION = "migration"  # an Alembic revision (or a helper module beside env.py)
    ALEMBIC_ENV = "alembic-env"
    MIGRATION_HELPER = "migration-helper"  # an app module only migrations (and tests) import
    OWN_MIGRATION = "own-migration"  # a step module of the project's own migration runner
    TEST = "test"
    APP = "app"


@dataclass(frozen=True)
class ScriptLocation:
    """An Alembic script directory and its version directories (project-relative)."""

    directory: str
    version_dirs: tuple[str, ...]
    source: str  # the file that declared it
    sys_path: tuple[str, ...] = ()  # `prepend_sys_path` directories: import roots of its env.py
    url: str = (
        ""  # `sqlalchemy.url` of its alembic.ini section, as written (the database's dialect)
    )
    note: str = (
        ""  # how it was found when the configuration did not say (an unresolved placeholder)
    )
    # the enclosing directory `alembic` runs in when relative paths are not read against the
    # configuration's own directory (`conf/alembic.ini` saying `h/migrations`, run from the root)
    runs_in: str | None = None
    # `recursive_version_locations = true`: Alembic reads the version directories' subdirectories
    recursive: bool = False

    @property
    def env_path(self) -> str:
        return posixpath.join(self.directory, "env.py") if self.directory else "env.py"


def find_script_locations(
    root: Path, config_files: Iterable[str], settings: Settings
) -> tuple[ScriptLocation, ...]:
    """Every script location declared in the project, in a stable order."""
    locations: dict[str, ScriptLocation] = {}
    for rel in config_files:
        name = rel.rsplit("/", 1)[-1]
        if name == "alembic.ini":
            found = _from_alembic_ini(root, rel)
        elif name == "pyproject.toml":
            found = _from_pyproject(root, rel)
        else:
            continue  # setup.cfg: import roots only (`dblint.packaging`)
        for location in found:
            locations.setdefault(location.directory, location)
    for entry in settings.migrations:
        directory = configured_directory(entry)
        if directory is not None:
            locations.setdefault(
                directory,
                ScriptLocation(directory, (posixpath.join(directory, "versions"),), "config"),
            )
    return tuple(sorted(locations.values(), key=lambda location: location.directory))


def configured_directory(entry: str) -> str | None:
    """A `migrations` entry as a project-relative directory, or None when it leaves the project."""
    return _normalise(entry.strip("/"))


def _normalise(path: str) -> str | None:
    """A project-relative POSIX path, or None when it leaves the project."""
    normal = posixpath.normpath(path) if path else "."
    if normal == "..":
        return None
    if normal.startswith(("../", "/")):
        return None
    return "" if normal == "." else normal


def _expand(root: Path, config_dir: str, value: str) -> str:
    """`%(here)s` is the configuration's own directory (absolute), as Alembic's parser fills it in."""
    here = str(root / config_dir) if config_dir else str(root)
    return value.replace("%(here)s", here).replace("%%", "%").strip()


def _is_resource(value: str) -> bool:
    """The resource form: "package:dir", or "package:sub:dir" (each further colon a step down)."""
    return ":" in value and not value.startswith("/") and bool(re.match(r"^\w+(?:\.\w+)*:", value))


def _resolve(root: Path, config_dir: str, value: str, runs_in: str | None = None) -> str | None:
    """A path of the configuration, project-relative; a relative one is read against `runs_in`
    when the script location says `alembic` runs there, else against `_run_directory`."""
    value = _expand(root, config_dir, value)
    if _is_resource(value):
        package, *steps = value.split(":")
        value = posixpath.join(_package_dir(root, package.replace(".", "/")), *steps)
        return _normalise(value)
    if value.startswith("/"):
        root_text = str(root).rstrip("/")
        if value != root_text and not value.startswith(root_text + "/"):
            return None
        value = value[len(root_text) :].lstrip("/")
        return _normalise(value)
    base = _run_directory(root, config_dir, value) if runs_in is None else runs_in
    return _normalise(posixpath.join(base, value))


def _run_directory(root: Path, config_dir: str, value: str) -> str:
    """The directory Alembic reads a relative path against: the one `alembic` runs in, which the
    configuration does not say. Its own directory (where `alembic` usually runs) unless nothing
    is there; then the nearest enclosing directory where the path exists (`alembic -c
    conf/alembic.ini` run from the repository root, as hypothesis/h does)."""
    base = config_dir
    while base and not (root / base / value).is_dir():
        base = posixpath.dirname(base)
    return base if (root / base / value).is_dir() else config_dir


# Alembic's `path_separator` / `version_path_separator` values; "os" is ":" on POSIX, ";" on Windows.
_SEPARATORS = {"space": r"\s+", "newline": r"\n+", "os": r"[:;\n]+", ":": r"[:\n]+", ";": r"[;\n]+"}
_LEGACY_SEPARATOR = r"[\s,]+"  # no separator configured: Alembic splits on spaces and commas


def _package_dir(root: Path, package: str) -> str:
    """Where an importable package lives in the project: at the root, under `src/`, or
    one or two directories down (monorepos); the shallowest match wins."""
    for pattern in (package, f"*/{package}", f"*/*/{package}"):
        found = sorted(
            path.parent.relative_to(root).as_posix()
            for path in root.glob(f"{pattern}/__init__.py")
            if not path.is_symlink()
        )
        if found:
            return found[0]
    return package


def _split_locations(value: str, separator: str | None = None) -> list[str]:
    pattern = _SEPARATORS.get((separator or "").strip(), _LEGACY_SEPARATOR)
    return [part.strip() for part in re.split(pattern, value) if part.strip()]


def _location(
    root: Path,
    config_dir: str,
    script: str | None,
    versions: str | None,
    source: str,
    separator: str | None = None,
    sys_path: str | None = None,
    url: str = "",
    recursive: bool = False,
) -> list[ScriptLocation]:
    note = ""
    if script and _PLACEHOLDER.search(script):
        directory = _conventional_directory(root, config_dir)
        where = (
            f"the conventional {posixpath.join(directory, 'env.py')} beside it is used"
            if directory is not None
            else "no env.py beside it"
        )
        note = f"script_location `{script}` is a template placeholder, not resolved; {where}"
    else:
        directory = _resolve(root, config_dir, script) if script else config_dir
    if directory is None:
        return []
    runs_in = _script_run_directory(root, config_dir, script)
    version_dirs = [posixpath.join(directory, "versions") if directory else "versions"]
    version_dirs += _resolved_all(root, config_dir, versions, separator)
    # Alembic puts `prepend_sys_path` on sys.path as written: a relative entry is read against
    # the directory `alembic` runs in (keep's `keep/alembic.ini`: `.` is the repository root).
    prepended = tuple(dict.fromkeys(_resolved_all(root, config_dir, sys_path, separator, runs_in)))
    return [
        ScriptLocation(
            directory,
            tuple(dict.fromkeys(version_dirs)),
            source,
            prepended,
            url,
            note,
            runs_in,
            recursive,
        )
    ]


def _script_run_directory(root: Path, config_dir: str, script: str | None) -> str | None:
    """Where `alembic` must run for a relative `script_location` to be found, when that is not
    the configuration's own directory (None: its own directory, or the path is not relative)."""
    if not script or _PLACEHOLDER.search(script):
        return None
    value = _expand(root, config_dir, script)
    if value.startswith("/") or _is_resource(value):
        return None
    base = _run_directory(root, config_dir, value)
    return None if base == config_dir else base


# `{alembic_dir}`, `{{ cookiecutter.x }}`, `${DIR}`, `<dir>`: a template's value, filled in elsewhere
_PLACEHOLDER = re.compile(r"\{[^}]*\}|\$\{|<[^>]*>")
CONVENTIONAL_DIRECTORIES = ("alembic", "migrations")


def _conventional_directory(root: Path, config_dir: str) -> str | None:
    """`alembic/` or `migrations/` beside the configuration, when it holds an env.py."""
    for name in CONVENTIONAL_DIRECTORIES:
        directory = posixpath.join(config_dir, name) if config_dir else name
        if (root / directory / "env.py").is_file():
            return directory
    return None


def _resolved_all(
    root: Path,
    config_dir: str,
    value: str | None,
    separator: str | None,
    runs_in: str | None = None,
) -> list[str]:
    """The project-relative directories of a list-valued option (entries leaving the project dropped)."""
    found = (
        _resolve(root, config_dir, entry, runs_in)
        for entry in _split_locations(value or "", separator)
    )
    return [resolved for resolved in found if resolved is not None]


def _from_alembic_ini(root: Path, rel: str) -> list[ScriptLocation]:
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string((root / rel).read_text(encoding="utf-8", errors="replace"), source=rel)
    except (OSError, configparser.Error):
        return []
    config_dir = posixpath.dirname(rel)
    found: list[ScriptLocation] = []
    for section in parser.sections():
        options = parser[section]
        script = options.get("script_location")
        if script is None and section != "alembic":
            continue
        # Flask-Migrate keeps alembic.ini inside the script directory, without script_location.
        separator = options.get("path_separator", options.get("version_path_separator"))
        url = options.get("sqlalchemy.url", "").strip()
        found += _location(
            root,
            config_dir,
            script,
            options.get("version_locations"),
            rel,
            separator,
            options.get("prepend_sys_path"),
            url,
            # Alembic compares the text with "true" exactly (`get_alembic_boolean_option`)
            options.get("recursive_version_locations") == "true",
        )
    return found


def _from_pyproject(root: Path, rel: str) -> list[ScriptLocation]:
    try:
        data = (root / rel).read_bytes()
        if b"alembic" not in data:
            return []
        tool = tomllib.loads(data.decode("utf-8")).get("tool", {})
        table = tool.get("alembic", {}) if isinstance(tool, dict) else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    if not isinstance(table, dict) or not isinstance(table.get("script_location"), str):
        return []
    versions, sys_path = (
        _joined(table.get("version_locations")),
        _joined(table.get("prepend_sys_path")),
    )
    return _location(
        root,
        posixpath.dirname(rel),
        table["script_location"],
        versions,
        rel,
        sys_path=sys_path,
        recursive=table.get("recursive_version_locations") is True,
    )


def _joined(value: object) -> str | None:
    """A `[tool.alembic]` list (or string) as the space-separated text alembic.ini would hold."""
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    return value if isinstance(value, str) else None


def _under(path: str, directory: str) -> bool:
    return not directory or path.startswith(directory.rstrip("/") + "/")


def _uses_alembic_op(facts: FileFacts) -> bool:
    return any(
        (imp.module == "alembic" and imp.name == "op") or imp.module == "alembic.op"
        for imp in facts.imports
    )


def looks_like_revision(facts: FileFacts) -> bool:
    """Module-level `revision` and `down_revision`, plus an import of `alembic.op` or a
    module-level `upgrade()` (plugin migrations that receive `op` as a parameter)."""
    names = {binding.name for binding in facts.bindings if not binding.scope}
    if not {"revision", "down_revision"} <= names:
        return False
    if _uses_alembic_op(facts):
        return True
    imports_another_op = any(imp.local == "op" for imp in facts.imports)
    return "upgrade" in facts.functions and not imports_another_op


def looks_like_env(facts: FileFacts) -> bool:
    """An env.py that configures an Alembic migration context."""
    return facts.path.rsplit("/", 1)[-1] == "env.py" and any(
        imp.module == "alembic" and imp.name == "context" for imp in facts.imports
    )


# `async def m001_initial(db)`: a numbered step of a migration runner of the project's own.
_NUMBERED_STEP = re.compile(r"m\d{3,}_\w+")


def looks_like_own_migrations(facts: FileFacts) -> bool:
    """A `migrations.py` (or a module under `migrations/`) made of numbered steps (`def m001_initial`,
    `def m002_add_wallets`) that a runner of the project applies in order, as Alembic applies its
    versions (LNbits and its extensions): DDL there is the migration, not a bypass of one."""
    parts = facts.path.split("/")
    named = parts[-1] == "migrations.py" or "migrations" in parts[:-1]
    return named and any(_NUMBERED_STEP.fullmatch(name) for name in facts.functions)


def classify(
    facts: FileFacts, locations: Iterable[ScriptLocation], settings: Settings
) -> FileContext:
    """The context of one file."""
    path = facts.path
    for location in locations:
        if path == location.env_path:
            return FileContext.ALEMBIC_ENV
        if any(_under(path, versions) for versions in location.version_dirs):
            return FileContext.MIGRATION
        if location.directory and _under(path, location.directory) and _uses_alembic_op(facts):
            return FileContext.MIGRATION  # a helper module of the migrations, beside env.py
    if looks_like_revision(facts):
        return FileContext.MIGRATION
    if looks_like_env(facts):
        return FileContext.ALEMBIC_ENV
    if matches(path, settings.test_paths):
        return FileContext.TEST
    if looks_like_own_migrations(facts):
        return FileContext.OWN_MIGRATION
    return FileContext.APP
