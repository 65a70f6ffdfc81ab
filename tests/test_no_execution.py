"""dblint never imports, executes or writes what it analyses; its own failures stay on one file.

- No execution: every module of tests/fixtures/no_exec writes a marker when imported;
  after every command no marker exists. The package source has no way to run code.
- No writes: after every command other than `--fix`, the scanned tree is byte-identical
  except the cache directory.
- Errors inside dblint: a rule that raises is DBL002 at line 1 of the file, the run goes
  on, exit status 2, `--debug` shows the traceback.
"""

from __future__ import annotations

import ast
import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import BIN, FIXTURES, finding_set, hinted, run_tool, write_project

from dblint.rulecodes import RULE_CODES

NO_EXEC = FIXTURES / "no_exec"
SOURCE = Path(__file__).resolve().parents[1] / "src" / "dblint"
ALL_OPT_IN = ",".join(
    code for code, default in RULE_CODES.items() if not default
)  # opt-in rules need their full code


def _subcommands() -> str:
    return run_tool("dblint", "--help", cwd=NO_EXEC).stdout


def _commands() -> list[tuple[str, ...]]:
    commands = [
        ("dblint", "check"),
        ("dblint", "check", "--format", "json", "--extend-select", ALL_OPT_IN),
        ("dblint", "check", "--no-cache", "ledger/db.py", "migrations/env.py", "conftest.py"),
        ("flake8", "--select", "DBL", "."),
    ]
    if "inventory" in _subcommands():
        commands += [
            ("dblint", "inventory"),
            ("dblint", "inventory", "--by", "table", "--format", "json"),
        ]
    return commands


@pytest.fixture
def markers(tmp_path) -> Path:
    directory = tmp_path / "markers"
    directory.mkdir()
    return directory


def test_the_markers_work(markers):
    """Importing a fixture module does leave a marker: the checks below can fail."""
    env = {**os.environ, "NO_EXEC_MARKER_DIR": str(markers), "PYTHONPATH": str(NO_EXEC)}
    subprocess.run(
        [sys.executable, "-c", "import ledger.models"],
        cwd=NO_EXEC,
        env=env,
        check=False,
        capture_output=True,
    )
    assert sorted(path.name for path in markers.iterdir()) == [
        "ledger.db.imported",
        "ledger.imported",
        "ledger.models.imported",
    ]


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_nothing_is_imported(markers, command):
    completed = run_tool(*command, cwd=NO_EXEC, env={"NO_EXEC_MARKER_DIR": str(markers)})
    assert completed.returncode in (0, 1), completed.stderr
    assert "Traceback" not in completed.stderr
    assert not list(markers.iterdir()), f"{' '.join(command)} imported fixture modules"


def test_nothing_is_imported_by_python_m_from_the_project_directory(markers):
    """`python -m dblint` puts the current directory first on sys.path: still nothing of it runs."""
    completed = subprocess.run(
        [sys.executable, "-m", "dblint", "check"],
        cwd=NO_EXEC,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "NO_EXEC_MARKER_DIR": str(markers),
            "DBLINT_CACHE_DIR": str(markers.parent / "cache"),
        },
        timeout=600,
    )
    assert completed.returncode == 1, completed.stderr
    assert finding_set(completed.stdout) == {
        ("ledger/db.py", 18, "DBL101"),
        ("scripts/reset.py", 12, "DBL103"),
    }
    assert not list(markers.iterdir())


# -- the package source has no way to run code ----------------------------------------------

FORBIDDEN_CALLS = frozenset({"eval", "exec", "compile", "__import__", "execfile", "breakpoint"})
FORBIDDEN_MODULES = frozenset(
    {"importlib", "subprocess", "runpy", "pickle", "imp", "code", "codeop", "pty", "pdb"}
)
FORBIDDEN_OS_CALLS = frozenset({"system", "popen", "startfile", "fork", "forkpty"})
FORBIDDEN_OS_PREFIXES = ("exec", "spawn", "posix_spawn")
# Discovery asks git which files it tracks (it runs git, never anything from the analysed project).
ALLOWED = frozenset({("discover.py", "subprocess")})


def _violations(path: Path, base: Path = SOURCE) -> list[str]:
    rel = path.relative_to(base).as_posix()
    found = []
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""]
        else:
            modules = []
        for module in modules:
            if module.split(".")[0] in FORBIDDEN_MODULES and (rel, module) not in ALLOWED:
                found.append(f"{rel}:{node.lineno}: import {module}")
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
                found.append(f"{rel}:{node.lineno}: {func.id}()")
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == "os"
            ) and (func.attr in FORBIDDEN_OS_CALLS or func.attr.startswith(FORBIDDEN_OS_PREFIXES)):
                found.append(f"{rel}:{node.lineno}: os.{func.attr}()")
            if isinstance(func, ast.Attribute) and func.attr in FORBIDDEN_CALLS - {"compile"}:
                found.append(f"{rel}:{node.lineno}: .{func.attr}()")
    return found


def test_package_source_cannot_execute_code():
    files = sorted(SOURCE.rglob("*.py"))
    assert len(files) > 20
    violations = [item for path in files for item in _violations(path)]
    assert violations == []


def test_the_source_scan_finds_what_it_looks_for(tmp_path):
    """The scanner itself flags each forbidden form (so an empty result means something)."""
    (tmp_path / "evil.py").write_text(
        "import importlib\nimport subprocess as sp\nfrom runpy import run_path\nimport os\n"
        "eval('1')\nexec('x = 1')\n__import__('os')\nos.system('true')\nos.execv('a', [])\n"
        "importlib.import_module('x')\n"
    )
    assert len(_violations(tmp_path / "evil.py", tmp_path)) == 8


# -- no writes -----------------------------------------------------------------------------


def _snapshot(root: Path, cache: str) -> dict[str, str]:
    """Every entry under `root` (except cache directories) with its type, mode and content hash."""
    state = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if cache in rel.split("/"):
            continue
        info = path.lstat()
        if path.is_symlink():
            digest = "link:" + os.readlink(path)
        elif path.is_file():
            digest = f"{info.st_mtime_ns} {hashlib.sha256(path.read_bytes()).hexdigest()}"
        else:
            digest = "dir"  # its mtime changes when a cache directory is created in it
        state[rel] = f"{oct(info.st_mode)} {digest}"
    return state


def _read_only_commands(root: Path) -> list[tuple[str, ...]]:
    projects = sorted(path.parent.name for path in root.glob("*/pyproject.toml"))
    some = [
        name
        for name in ("fastapi_sa2", "alembic_drift", "fix_fk_types", "no_exec")
        if name in projects
    ]
    commands: list[tuple[str, ...]] = [("dblint", "check", *projects)]
    commands += [("dblint", "check", *some, "--format", fmt) for fmt in ("json", "sarif", "github")]
    commands += [
        ("dblint", "check", *some, "--extend-select", ALL_OPT_IN, "--statistics", "--show-source"),
        ("dblint", "check", *some, "--diff"),
        ("dblint", "check", "fastapi_sa2/app/main.py", "no_exec/ledger/db.py"),
        ("dblint", "rules"),
        ("dblint", "rule", "DBL101"),
        ("flake8", "--select", "DBL", *some),
    ]
    if "inventory" in _subcommands():
        commands += [("dblint", "inventory", project) for project in projects[:4]]
        commands += [
            ("dblint", "inventory", "no_exec", "--by", "table", "--format", fmt)
            for fmt in ("csv", "json")
        ]
    help_text = run_tool("dblint", "check", "--help", cwd=root).stdout
    return [
        command
        for command in commands
        if all(not arg.startswith("--") or arg in help_text for arg in command[2:])
    ]


def test_no_command_but_fix_writes_to_the_scanned_tree(tmp_path):
    root = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, root, symlinks=True)
    before = _snapshot(root, ".dblint_cache")
    env = {
        key: value for key, value in os.environ.items() if key != "DBLINT_CACHE_DIR"
    }  # default: in the project
    for command in _read_only_commands(root):
        completed = subprocess.run(
            [str(BIN / command[0]), *command[1:]], cwd=root, env=env, capture_output=True, text=True
        )
        assert completed.returncode in (0, 1), (command, completed.stderr)
        assert _snapshot(root, ".dblint_cache") == before, f"{' '.join(command)} changed the tree"
    assert list(root.glob("*/.dblint_cache")), "the default cache location was not exercised"


# -- errors inside dblint ----------------------------------------------------------------------

_INJECT = textwrap.dedent(
    """
    import sys
    from dblint import cli, rules
    from dblint.rules.base import Rule

    class Exploding(Rule):
        code = "DBL999"
        name = "exploding-rule"
        summary = "Raises on purpose (test only)"

        def check_file(self, facts, index):
            if facts.path.endswith("boom.py"):
                raise RuntimeError("kaboom\\non two lines")
            return ()

    class ExplodingProject(Rule):
        code = "DBL998"
        name = "exploding-project-rule"
        summary = "Raises on purpose (test only)"

        def check_project(self, index):
            raise KeyError("missing")

    module = type(sys)("exploding_rules")
    module.Exploding, module.ExplodingProject = Exploding, ExplodingProject
    rules._RULE_MODULES = (*rules._RULE_MODULES, module)
    rules.all_rules.cache_clear()
    sys.exit(cli.main(sys.argv[1:]))
    """
)


def _run_with_failing_rules(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _INJECT, "check", "--no-cache", "--jobs", "1", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_failing_rule_is_dbl002_and_the_run_goes_on(tmp_path):
    app = "import sqlalchemy as sa\nmetadata = sa.MetaData()\nt = sa.Table('t', metadata)\nmetadata.create_all(engine)\n"
    root = write_project(
        tmp_path / "project", {"app.py": app, "boom.py": app, "calm.py": "x = 1\n"}
    )
    completed = _run_with_failing_rules(root)
    assert completed.returncode == 2, completed.stderr
    assert completed.stdout.splitlines() == [
        hinted("app.py:1:1: DBL002 internal error in rule DBL998: KeyError: 'missing'"),
        hinted(
            "app.py:4:1: DBL101 metadata.create_all() creates tables outside Alembic migrations"
        ),
        hinted(
            "boom.py:1:1: DBL002 internal error in rule DBL999: RuntimeError: kaboom on two lines"
        ),
        hinted(
            "boom.py:4:1: DBL101 metadata.create_all() creates tables outside Alembic migrations"
        ),
        "Found 4 findings.",
    ]
    assert "Traceback" not in completed.stderr
    assert "--debug" in completed.stderr
    debug = _run_with_failing_rules(root, "--debug")
    assert debug.returncode == 2
    assert debug.stdout == completed.stdout
    assert debug.stderr.count("Traceback (most recent call last)") == 2
    assert "RuntimeError: kaboom" in debug.stderr and "KeyError: 'missing'" in debug.stderr


def test_a_failure_while_reading_one_file_is_dbl002_and_the_run_goes_on(tmp_path):
    inject = textwrap.dedent(
        """
        import sys
        import dblint.facts.parse as facts
        original = facts.collect

        def collect(module, *args, **kwargs):
            if "explode_here" in module.code:
                raise ValueError("collector bug")
            return original(module, *args, **kwargs)

        facts.collect = collect
        original_batch = facts._collect_batch

        def collect_batch(lines, batch, by_unit):  # the sliced parse of a file without Alembic
            if any("explode_here" in line for line in lines):
                raise ValueError("collector bug")
            return original_batch(lines, batch, by_unit)

        facts._collect_batch = collect_batch
        from dblint import cli
        sys.exit(cli.main(sys.argv[1:]))
        """
    )
    app = "import sqlalchemy as sa\nmetadata = sa.MetaData()\nt = sa.Table('t', metadata)\nmetadata.create_all(engine)\n"
    # The marker sits on a line every parse of the file reads (also a sliced one).
    odd = app.replace("create_all(engine)", "create_all(engine)  # explode_here")
    root = write_project(tmp_path / "project", {"app.py": app, "odd.py": odd})
    completed = subprocess.run(
        [sys.executable, "-c", inject, "check", "--no-cache", "--jobs", "1"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 2, completed.stderr
    assert completed.stdout.splitlines() == [
        hinted(
            "app.py:4:1: DBL101 metadata.create_all() creates tables outside Alembic migrations"
        ),
        hinted(
            "odd.py:1:1: DBL002 internal error while reading the file: ValueError: collector bug"
        ),
        "Found 2 findings.",
    ]
