"""File contexts: `migration`, `alembic-env`, `migration-helper`, `own-migration`, `test`,
`benchmark` or `app`.

Alembic script locations come from every alembic.ini of the project, from
`[tool.alembic]` in pyproject.toml and from the `migrations` setting. A module
that looks like a revision (module-level `revision` and `down_revision`, uses
`alembic.op`) is a migration even where no configuration says so. "Migration"
means an Alembic revision; the numbered steps of a migration runner of the
project's own are an `own-migration`, which no rule treats as application code.
A `migration-helper` is an application module only migrations import (a frozen copy
of the models for a data migration, SQL builders): the project index decides it from
the import graph (`index.imports.migration_helpers`), since no file alone can tell.
A `benchmark` is a script of a benchmark directory (`benches/`) that is no package: it
times code against databases it builds, as tests do.
"""

from __future__ import annotations

import configparser
import posixpath
import re
import sys
from collections.abc import Collection, Iterable
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
    BENCHMARK = "benchmark"  # a script of a benchmark directory that is no package (`benches/`)
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


def _resolve(root: Path, config_dir: str, value: str, run_dir: str) -> str | None:
    """A path option as a project-relative directory: `%(here)s` expanded, a resource found in the
    project, an absolute path inside it, or a relative path read against `run_dir`."""
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
    return _normalise(posixpath.join(run_dir, value))


def _run_directory(root: Path, config_dir: str, values: Iterable[str]) -> str:
    """The one directory Alembic reads every relative path of a section against: the one
    `alembic` runs in, which the configuration does not say. Decided by the first relative
    path that exists somewhere (`script_location`, else a version location, else a
    `prepend_sys_path` entry): its own directory (where `alembic` usually runs) when the path is
    there, else the nearest enclosing directory where it is (`alembic -c conf/alembic.ini` run
    from the repository root, as hypothesis/h does); the configuration's directory when none is."""
    for value in values:
        value = _expand(root, config_dir, value)
        if value.startswith("/") or _is_resource(value):
            continue
        base = _nearest_holding(root, config_dir, value)
        if base is not None:
            return base
    return config_dir


def _nearest_holding(root: Path, start: str, value: str) -> str | None:
    """`start` or the nearest directory above it (up to the root) in which `value` is a directory."""
    base = start
    while not (root / base / value).is_dir():
        if not base:
            return None
        base = posixpath.dirname(base)
    return base


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
    placeholder = bool(script and _PLACEHOLDER.search(script))
    version_entries = _split_locations(versions or "", separator)
    path_entries = _split_locations(sys_path or "", separator)
    relative = [*([script] if script and not placeholder else []), *version_entries, *path_entries]
    run_dir = _run_directory(root, config_dir, relative)
    if placeholder:
        directory = _conventional_directory(root, config_dir)
        where = (
            f"the conventional {posixpath.join(directory, 'env.py')} beside it is used"
            if directory is not None
            else "no env.py beside it"
        )
        note = f"script_location `{script}` is a template placeholder, not resolved; {where}"
    else:
        directory = _resolve(root, config_dir, script, run_dir) if script else config_dir
    if directory is None:
        return []
    runs_in = None if run_dir == config_dir else run_dir
    version_dirs = [posixpath.join(directory, "versions") if directory else "versions"]
    version_dirs += _resolved_all(root, config_dir, version_entries, run_dir)
    prepended = tuple(dict.fromkeys(_resolved_all(root, config_dir, path_entries, run_dir)))
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


def _resolved_all(root: Path, config_dir: str, entries: Iterable[str], run_dir: str) -> list[str]:
    """The project-relative directories of a list-valued option's entries (those leaving the
    project dropped)."""
    found = (_resolve(root, config_dir, entry, run_dir) for entry in entries)
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


# Directories a project's own migration steps live in: `migrations/0003_add_flags.py`,
# `schema/delta/27/add_ts.py` (Synapse's numbered schema deltas), `db/upgrade/v02_engine.py`
# (mautrix's `UpgradeTable` steps, one module each).
_OWN_MIGRATION_DIRECTORIES = frozenset(
    {"migration", "migrations", "delta", "deltas", "upgrade", "upgrades"}
)
# A numbered step module (`0003_add_flags`, `0004.add-index`, `v02_engine`, `v2_3_0`) or version
# directory (`27`, `v1_to_v2`).
_NUMBERED_MODULE = re.compile(r"v?[0-9]+(?:[_.-].*)?")
_VERSION_DIRECTORY = _NUMBERED_MODULE
# The directory of step modules a runner laid out as Alembic lays out revisions
# (`migrations/versions/v2_3_0.py`, loaded by `importlib` in version order).
_STEPS_DIRECTORY = "versions"


def looks_like_own_migrations(facts: FileFacts) -> bool:
    """A `migrations.py` (or a module under `migrations/`) made of numbered steps (`def m001_initial`,
    `def m002_add_wallets`) that a runner of the project applies in order, as Alembic applies its
    versions (LNbits and its extensions): DDL there is the migration, not a bypass of one. So is a
    numbered step module of such a runner: `migrations/0003_add_flags.py`, `upgrade/v02_engine.py`,
    or a module of a version directory `delta/27/` (Synapse loads each and runs it once, as it
    runs `.sql` deltas). So is such a module whose module-level functions a runner registers by
    number (`FunctionDef.numbered_step`: MediaGoblin's pre-Alembic
    `@RegisterMigration(4, MIGRATIONS) def add_collection_tables`)."""
    parts = facts.path.split("/")
    named = parts[-1] == "migrations.py" or "migrations" in parts[:-1]
    if named and any(_NUMBERED_STEP.fullmatch(name) for name in facts.functions):
        return True
    if named and any(f.numbered_step and not f.scope for f in facts.function_defs):
        return True
    return _numbered_step_module(parts)


# `@upgrade_table.register(...) async def upgrade_v2(conn)`: a step of mautrix's `UpgradeTable`.
_NUMBERED_UPGRADE = re.compile(r"upgrade_v[0-9]+")


def in_own_migration_step(facts: FileFacts, scope: str) -> bool:
    """Whether code of `scope` runs in a module-level function named as a numbered upgrade step
    (`upgrade_v1`, `upgrade_v2`: the steps an `UpgradeTable` of mautrix registers and applies in
    order, in maubot and its plugins): its DDL is the migration, in whatever module it is, while
    the rest of the module is application code."""
    function = scope.split(".", 1)[0]
    return function in facts.functions and _NUMBERED_UPGRADE.fullmatch(function) is not None


def _numbered_step_module(parts: list[str]) -> bool:
    """`<migrations dir>/<number>_<name>.py` or `<migrations dir>/<number>/<name>.py` (`delta/27/`,
    a one-off `migrations/v1_to_v2/`); a number elsewhere (`reports/2024/x.py`) or an unnumbered
    module of the directory (`migrations/runner.py`) is no step."""
    directories, module = parts[:-1], parts[-1].removesuffix(".py")
    if directories and directories[-1] in _OWN_MIGRATION_DIRECTORIES:
        return module != "__init__" and _NUMBERED_MODULE.fullmatch(module) is not None
    return (
        len(directories) >= 2
        and directories[-2] in _OWN_MIGRATION_DIRECTORIES
        and _VERSION_DIRECTORY.fullmatch(directories[-1]) is not None
    )


def in_steps_package(path: str, packages: Collection[str]) -> bool:
    """`<migrations dir>/versions/<number>_<name>.py` in a package `versions`: a step module of a
    runner laid out as Alembic lays out revisions, which the runner imports by name (agno's
    `db/migrations/versions/v2_3_0.py`, loaded with `importlib` in version order). Alembic loads
    its revisions by path and needs no package, so a `versions/` that is none stays application
    code unless a configuration makes it a script location; so does `store/versions/v2.py`."""
    *directories, module = path.removesuffix(".py").split("/")
    return (
        len(directories) >= 2
        and directories[-1] == _STEPS_DIRECTORY
        and directories[-2] in _OWN_MIGRATION_DIRECTORIES
        and "/".join(directories) in packages
        and _NUMBERED_MODULE.fullmatch(module) is not None
    )


# Directories of benchmark scripts (pytest-benchmark's and asv's `benchmarks/`, Rust-style `benches/`).
BENCHMARK_DIRECTORIES = frozenset({"bench", "benches", "benchmarks"})


def in_benchmark_scripts(path: str, packages: Collection[str]) -> bool:
    """Under a directory named `bench`, `benches` or `benchmarks` (the nearest decides) that holds
    no `__init__.py`: scripts that time code against databases they build (prefect's `benches/`
    makes scratch indexes). A package so named is importable application code, so it stays `app`
    (a `benchmarks` feature of an application may define its models there)."""
    parts = path.split("/")[:-1]
    for depth in range(len(parts), 0, -1):
        if parts[depth - 1] in BENCHMARK_DIRECTORIES:
            return "/".join(parts[:depth]) not in packages
    return False


def classify(
    facts: FileFacts,
    locations: Iterable[ScriptLocation],
    settings: Settings,
    packages: Collection[str],
) -> FileContext:
    """The context of one file; `packages` are the directories holding an `__init__.py`."""
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
    if looks_like_own_migrations(facts) or in_steps_package(facts.path, packages):
        return FileContext.OWN_MIGRATION
    if in_benchmark_scripts(path, packages):
        return FileContext.BENCHMARK
    return FileContext.APP
