"""`[tool.dblint]` configuration: loaded once, validated strictly, frozen.

Every user mistake (broken TOML, unknown key, wrong type) becomes a
`ConfigError` whose message names the file and the key; adapters print it as
one line and exit 2.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dblint.rulecodes import selector_problem

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

# pytest collects `test_*.py` and `*_test.py`; `tests.py` is the single test module of Django apps and
# small Flask projects (unittest discovers `test*.py`). Not `*_tests.py` or `regression/`: no runner
# collects them by default, and application modules carry such names (`lab_tests.py`, `ab_tests.py`).
DEFAULT_TEST_PATHS: tuple[str, ...] = (
    "tests/",
    "test/",
    "test_*.py",
    "*_test.py",
    "tests.py",
    "conftest.py",
)
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024
CODE_PATTERN = re.compile(r"^[A-Z]{1,3}[0-9]{0,3}$")
# SQLAlchemy's built-in dialect names: what the `dialect` setting may say.
DIALECTS: tuple[str, ...] = ("mssql", "mysql", "oracle", "postgresql", "sqlite")


class ConfigError(Exception):
    """A user error in configuration or on the command line (exit status 2)."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable, after defaults, file and command line are merged."""

    select: tuple[str, ...] = ("DBL",)
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    test_paths: tuple[str, ...] = DEFAULT_TEST_PATHS
    migrations: tuple[str, ...] = ()
    target_metadata: tuple[str, ...] = ()
    model_modules: tuple[str, ...] = ()
    external_tables: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    cache_dir: str | None = None
    dialect: str | None = (
        None  # the database of every script location, when alembic.ini does not say
    )
    safety_since: str | None = None  # migration-safety rules check only revisions after this one
    config_path: Path | None = field(default=None, compare=False)

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with command-line values (None means "not given") applied."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


# key in TOML -> (Settings field, expected kind)
_KEYS: dict[str, tuple[str, str]] = {
    "select": ("select", "codes"),
    "ignore": ("ignore", "codes"),
    "extend-select": ("extend_select", "codes"),
    "per-file-ignores": ("per_file_ignores", "table-of-codes"),
    "exclude": ("exclude", "strings"),
    "extend-exclude": ("extend_exclude", "strings"),
    "test-paths": ("test_paths", "strings"),
    "migrations": ("migrations", "strings"),
    "target-metadata": ("target_metadata", "string-or-strings"),
    "model-modules": ("model_modules", "strings"),
    "external-tables": ("external_tables", "strings"),
    "max-file-size": ("max_file_size", "positive-int"),
    "cache-dir": ("cache_dir", "string"),
    "dialect": ("dialect", "dialect"),
    "safety-since": ("safety_since", "string"),
}


def find_config(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` that has `[tool.dblint]`."""
    for directory in (start, *start.parents):
        if has_dblint_table(directory / "pyproject.toml"):
            return directory / "pyproject.toml"
    return None


def has_dblint_table(path: Path) -> bool:
    """Whether `path` is a pyproject.toml with `[tool.dblint]` (broken TOML that mentions
    dblint counts, so that loading it reports the error)."""
    try:
        data = path.read_bytes() if path.is_file() else b""
    except OSError:
        return False
    if b"dblint" not in data:
        return False
    try:
        tool = tomllib.loads(data.decode("utf-8")).get("tool")
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True
    return isinstance(tool, dict) and "dblint" in tool


def load_settings(path: Path | None) -> Settings:
    """Settings from `[tool.dblint]` of `path` (defaults when `path` is None)."""
    if path is None:
        return Settings()
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read configuration: {error.strerror or error}") from None
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: configuration is not valid UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    tool = document.get("tool", {})
    table = tool.get("dblint", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.dblint] must be a table")
    return parse_table(table, source=str(path), base=Settings(config_path=path))


def parse_table(table: Mapping[str, Any], source: str, base: Settings) -> Settings:
    """Validate a `[tool.dblint]` mapping into Settings (strict: unknown keys are errors)."""
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"{source}: unknown key 'tool.dblint.{key}' (known keys: {known})")
        name, kind = _KEYS[key]
        values[name] = _coerce(value, kind, f"{source}: tool.dblint.{key}", key)
    return replace(base, **values)


def _coerce(value: Any, kind: str, where: str, key: str) -> Any:
    if kind == "string":
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string, got {_toml_type(value)}")
        return value
    if kind == "dialect":
        if value not in DIALECTS:
            raise ConfigError(f"{where} must be one of {', '.join(DIALECTS)}, got {value!r}")
        return value
    if kind == "positive-int":
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(f"{where} must be a positive integer (bytes), got {value!r}")
        return value
    if kind == "string-or-strings" and isinstance(value, str):
        return (value,)
    if kind in ("strings", "string-or-strings"):
        return _string_list(value, where)
    if kind == "codes":
        items = _string_list(value, where)
        for item in items:
            problem = code_problem(item, key)
            if problem is not None:
                raise ConfigError(f"{where}: {problem}")
        return items
    if kind == "table-of-codes":
        if not isinstance(value, dict):
            raise ConfigError(f"{where} must be a table of glob = [codes], got {_toml_type(value)}")
        return tuple(
            (pattern, _coerce(codes, "codes", f'{where}."{pattern}"', key))
            for pattern, codes in value.items()
        )
    raise AssertionError(kind)


def code_problem(selector: str, selector_kind: str) -> str | None:
    """Why a code or prefix in `selector_kind` (`select`, `ignore`, ...; from the
    configuration or the command line) is unusable, or None."""
    if not CODE_PATTERN.match(selector):
        return f"'{selector}' is not a rule code or prefix (like DBL101 or DBL1)"
    return selector_problem(selector, selector_kind)


def _string_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where} must be a list of strings, got {_toml_type(value)}")
    return tuple(value)


def _toml_type(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a float",
        str: "a string",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def setting_names() -> tuple[str, ...]:
    """The documented TOML keys, for docs and error messages."""
    return tuple(_KEYS)
