"""Shared helpers: run the installed `dblint` and `flake8`, read fixture expectations."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# Fuzzing profiles (tests/test_fuzz.py): a small reproducible one for CI (the
# default), a long one for local runs: `pytest --hypothesis-profile=long`.
hypothesis_settings.register_profile(
    "ci", max_examples=40, deadline=None, derandomize=True, database=None, print_blob=True
)
hypothesis_settings.register_profile("long", max_examples=3000, deadline=None, print_blob=True)
hypothesis_settings.load_profile("ci")

FIXTURES = Path(__file__).parent / "fixtures"
BIN = Path(sys.executable).parent
CACHE_DIR = tempfile.mkdtemp(prefix="dblint-test-cache-")


def _bytecode_cache() -> None:
    """Let the tools the tests start reuse compiled bytecode (they are started ~1,500 times).

    With PYTHONDONTWRITEBYTECODE set, every `dblint`, `flake8` or `python` subprocess compiles
    each module that has no .pyc from source again (most of dblint in a fresh checkout): about
    half of a short run's CPU. The subprocesses write their bytecode to a directory of this
    test run instead, shared by the xdist workers; nothing is written next to the sources.
    """
    if not os.environ.pop("PYTHONDONTWRITEBYTECODE", None) or "PYTHONPYCACHEPREFIX" in os.environ:
        return
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run is None:
        prefix = tempfile.mkdtemp(prefix="dblint-test-pycache-")
    else:
        prefix = os.path.join(tempfile.gettempdir(), f"dblint-test-pycache-{run}")
        os.makedirs(prefix, exist_ok=True)
    os.environ["PYTHONPYCACHEPREFIX"] = prefix


_bytecode_cache()
_MARKER = re.compile(r"#\s*error:\s*(?P<codes>DBL\d+(?:\s*,\s*DBL\d+)*)")


def run_tool(
    name: str, *args: str, cwd: Path, stdin: str | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run an installed console script (dblint, flake8) of this environment."""
    executable = BIN / name
    assert executable.exists(), f"{name} is not installed in {BIN}"
    # The facts cache goes to a temporary directory, never into the fixture trees.
    full_env = {**os.environ, "PYTHONHASHSEED": "0", "DBLINT_CACHE_DIR": CACHE_DIR, **(env or {})}
    full_env.pop("NO_COLOR", None)
    return subprocess.run(
        [str(executable), *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=600,
    )


@functools.cache
def run_tool_once(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """A `dblint` run whose result is shared by every test (of this worker) that asks for it.

    Only for a tree no test changes (a fixture project) and a run whose report several tests
    read and check differently, such as one `dblint inventory --format json` of a fixture.
    It is the command's own `main`, called in this process with its streams captured, the
    environment `run_tool` gives and the working directory `cwd`: these tests check reports,
    and hundreds of them would otherwise pay a process start and import each. Whatever
    concerns the process itself (exit codes, streams, arguments) is tested with `run_tool`.
    """
    assert name == "dblint", "only dblint's own main runs in process"
    from dblint.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    saved_environ, saved_cwd = dict(os.environ), os.getcwd()
    os.environ["DBLINT_CACHE_DIR"] = CACHE_DIR
    os.environ.pop("NO_COLOR", None)
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                code = main(list(args))
            except SystemExit as exit:  # argparse's usage errors
                code = exit.code if isinstance(exit.code, int) else 2
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_environ)
    return subprocess.CompletedProcess(
        [name, *args],
        code,
        stdout=_universal(stdout.getvalue()),
        stderr=_universal(stderr.getvalue()),
    )


def _universal(text: str) -> str:
    """Line ends as `run_tool` reads a process's output (text mode: universal newlines)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def expected_findings(project: Path) -> set[tuple[str, int, str]]:
    """(path, line, code) from `# error: CODE` markers and the EXPECTED_EXTRA file."""
    found: set[tuple[str, int, str]] = set()
    for path in sorted(project.rglob("*.py")):
        rel = path.relative_to(project).as_posix()
        text = path.read_bytes().decode("utf-8", "replace")
        for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
            match = _MARKER.search(line)
            if match:
                for code in re.split(r"\s*,\s*", match.group("codes")):
                    found.add((rel, number, code))
    extra = project / "EXPECTED_EXTRA"
    if extra.exists():
        for line in extra.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                location, code = line.rsplit(":", 1)
                rel, number = location.rsplit(":", 1)
                found.add((rel, int(number), code.strip()))
    return found


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


def write_project(root: Path, files: dict[str, str], pyproject: str = "") -> Path:
    """A small project under `root`: a pyproject.toml (project root marker) plus `files`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n' + pyproject)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


SUMMARY = re.compile(r"Found \d+ findings?(?: \(\d+ fixable with --fix\))?\.")


def findings_of(stdout: str) -> list[str]:
    """The finding lines of a text report: all but its closing summary line."""
    lines = stdout.splitlines()
    if lines and SUMMARY.fullmatch(lines[-1]):
        lines.pop()
    return lines


def as_flake8(stdout: str) -> str:
    """dblint's text report as the flake8 plugin prints the same findings: no `[*]` marks, no closing line."""
    return "".join(
        re.sub(r"^([^:]*:\d+:\d+: DBL\d+) \[\*\] ", r"\1 ", line) + "\n"
        for line in findings_of(stdout)
    )


def hinted(line: str, *, alembic: bool = False) -> str:
    """A finding line as dblint words it: what is wrong, then `; ` and what to do (the rule's fix
    hint; for DBL1xx in a project without an Alembic environment, `no_alembic_hint`)."""
    from dblint.rules import rule_by_code

    match = re.search(r": (DBL\d+) ", line)
    assert match is not None, line
    rule = rule_by_code(match[1])
    assert rule is not None, line
    return f"{line}; {_hint_of(rule.code, rule.fix_hint, alembic)}"


def _hint_of(code: str, fix_hint: str, alembic: bool) -> str:
    from dblint.rules.schema_outside_migrations import FAMILY, no_alembic_hint

    return fix_hint if alembic or not FAMILY.covers(code) else no_alembic_hint(code)


def without_hint(text: str) -> str:
    """`CODE message` without the `; what to do` its rule ends every message with."""
    from dblint.rules import rule_by_code

    rule = rule_by_code(text.split(" ", 1)[0])
    if rule is None:
        return text
    for alembic in (True, False):
        text = text.removesuffix(f"; {_hint_of(rule.code, rule.fix_hint, alembic)}")
    return text


def finding_set(stdout: str) -> set[tuple[str, int, str]]:
    """(path, line, code) of each finding line of dblint's text output (not the closing summary)."""
    found = set()
    for line in findings_of(stdout):
        path, number, _column, rest = line.split(":", 3)
        found.add((path, int(number), rest.split()[0]))
    return found


# Debian installs the server binaries outside PATH, one directory per major version.
POSTGRES_BIN_DIRS = (
    Path("/usr/local/bin"),
    *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True),
)


def _postgres_bin_dir() -> Path | None:
    for directory in POSTGRES_BIN_DIRS:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a unix socket, started once per session (per xdist worker)."""
    bin_dir = _postgres_bin_dir()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) are not installed; install Debian's postgresql package"
        )
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'dblint[test]')")
    workdir = Path(tempfile.mkdtemp(prefix="dblint-pg-"))
    workdir.chmod(0o777)
    data, socket_dir = workdir / "data", workdir / "sock"
    socket_dir.mkdir()
    socket_dir.chmod(0o777)
    # initdb refuses to run as root: drop to `nobody` when the tests run as root (containers).
    as_user = (
        ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        if os.geteuid() == 0
        else []
    )
    env = {**os.environ, "LC_ALL": "C"}
    subprocess.run(
        [
            *as_user,
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    options = f"-k {socket_dir} -c listen_addresses='' -p 54329"
    subprocess.run(
        [
            *as_user,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-w",
            "-l",
            str(workdir / "log"),
            "start",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={socket_dir}&port=54329"
    finally:
        subprocess.run(
            [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
            env=env,
        )
        shutil.rmtree(workdir, ignore_errors=True)
