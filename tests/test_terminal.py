"""On a terminal: the progress bar on stderr and colours; nothing of either when piped.
`dblint --version` and `python -m dblint`. Terminals are real pseudo-terminals (pty)."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import tempfile
from importlib.metadata import version

import pytest
from conftest import BIN, CACHE_DIR, FIXTURES, run_tool

PROJECT = FIXTURES / "core_scripts"
ESC = "\x1b["
# The progress bar shows from the first file on: the delay (1 s by default) is a hidden option.
NOW = ("--progress-delay", "0")


def _run_on_terminal(*args: str, terminal: str, env: dict | None = None) -> tuple[int, str, str]:
    """Run `dblint` with `terminal` ("stdout" or "stderr") on a pty; (exit status, terminal text, other stream)."""
    master, slave = pty.openpty()
    full_env = {
        **os.environ,
        "PYTHONHASHSEED": "0",
        "TERM": "xterm",
        "DBLINT_CACHE_DIR": CACHE_DIR,
        **(env or {}),
    }
    if env is None or "NO_COLOR" not in env:
        full_env.pop("NO_COLOR", None)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as other:
        streams = {"stdout": other, "stderr": other, terminal: slave}
        process = subprocess.Popen(
            [str(BIN / "dblint"), *args],
            cwd=PROJECT,
            stdin=subprocess.DEVNULL,
            env=full_env,
            **streams,
        )
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        os.close(master)
        status = process.wait(timeout=600)
        other.seek(0)
        return status, b"".join(chunks).decode("utf-8").replace("\r\n", "\n"), other.read()


@pytest.fixture(scope="module")
def plain_report() -> str:
    completed = run_tool("dblint", "check", cwd=PROJECT)
    assert completed.returncode == 1 and completed.stdout
    return completed.stdout


def test_progress_bar_on_a_terminal_then_erased(plain_report: str) -> None:
    # Without a cache every file is read (stored findings would answer without reading any).
    status, shown, stdout = _run_on_terminal("check", "--no-cache", *NOW, terminal="stderr")
    assert status == 1
    assert stdout == plain_report, "the progress bar never touches the report"
    total = sum(1 for path in PROJECT.rglob("*.py"))
    assert shown.startswith("\r[") and f"] {total}/{total} files parsed" in shown
    assert shown.endswith("\r\x1b[K"), "the bar is erased at the end"
    counts = [
        int(part.split("/")[0].rsplit(" ", 1)[-1])
        for part in shown.split("\r")
        if "files parsed" in part
    ]
    assert counts == sorted(counts) and counts[-1] == total


def test_no_progress_bar_when_quiet(plain_report: str) -> None:
    assert _run_on_terminal("check", "--quiet", *NOW, terminal="stderr") == (1, "", plain_report)


def test_no_progress_bar_when_stderr_is_piped(plain_report: str) -> None:
    completed = run_tool("dblint", "check", *NOW, cwd=PROJECT)
    assert (completed.returncode, completed.stdout, completed.stderr) == (1, plain_report, "")


def test_colour_on_a_terminal(plain_report: str) -> None:
    status, shown, _ = _run_on_terminal("check", "--quiet", terminal="stdout")
    assert status == 1 and f"{ESC}1m" in shown and f"{ESC}31m" in shown
    assert _strip_colour(shown) == plain_report


@pytest.mark.parametrize(
    "args, env",
    [(("--color", "never"), {}), ((), {"NO_COLOR": "1"}), ((), {"TERM": "dumb"})],
    ids=["--color never", "NO_COLOR", "TERM=dumb"],
)
def test_no_colour_on_a_terminal_when_asked(
    args: tuple[str, ...], env: dict, plain_report: str
) -> None:
    assert _run_on_terminal("check", "--quiet", *args, terminal="stdout", env=env) == (
        1,
        plain_report,
        "",
    )


def test_colour_always_even_when_piped(plain_report: str) -> None:
    completed = run_tool("dblint", "check", "--color", "always", cwd=PROJECT)
    assert completed.returncode == 1 and ESC in completed.stdout
    assert _strip_colour(completed.stdout) == plain_report
    assert run_tool("dblint", "check", cwd=PROJECT).stdout == plain_report, (
        "auto: no colour in a pipe"
    )
    as_json = run_tool("dblint", "check", "--color", "always", "--format", "json", cwd=PROJECT)
    assert ESC not in as_json.stdout, "only the text report is coloured"


def _strip_colour(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_version_from_the_command_and_python_m() -> None:
    expected = f"dblint {version('dblint')}\n"
    assert run_tool("dblint", "--version", cwd=PROJECT).stdout == expected
    module = subprocess.run(
        [sys.executable, "-m", "dblint", "--version"], capture_output=True, text=True, cwd=PROJECT
    )
    assert module.stdout == expected


def test_python_m_dblint_checks_like_the_command(plain_report: str) -> None:
    module = subprocess.run(
        [sys.executable, "-m", "dblint", "check"],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env={**os.environ, "PYTHONHASHSEED": "0", "DBLINT_CACHE_DIR": CACHE_DIR},
    )
    assert (module.returncode, module.stdout) == (1, plain_report)


def test_progress_bar_waits_for_its_delay_and_throttles() -> None:
    """The bar itself, on a fake clock: nothing before the delay, at most one redraw per interval, the last always."""
    import io

    from dblint.terminal import ProgressBar

    now = [0.0]
    stream = io.StringIO()
    bar = ProgressBar(stream, delay=1.0, clock=lambda: now[0])
    bar(1, 4)
    now[0] = 0.9
    bar(2, 4)
    assert stream.getvalue() == ""
    now[0] = 1.0
    bar(3, 4)
    now[0] = 1.01
    bar(3, 4)
    bar(4, 4)
    bar.close()
    frames = stream.getvalue().split("\r")[1:]
    assert frames == [
        f"[{'#' * 22}{'.' * 8}] 3/4 files parsed\x1b[K",
        f"[{'#' * 30}] 4/4 files parsed\x1b[K",
        "\x1b[K",
    ]


def test_inventory_draws_the_same_progress_bar_and_exits_as_check() -> None:
    plain = run_tool("dblint", "inventory", cwd=PROJECT)
    assert plain.returncode == 1, "findings: exit 1, as `dblint check`"
    status, shown, stdout = _run_on_terminal("inventory", "--no-cache", *NOW, terminal="stderr")
    assert (status, stdout) == (1, plain.stdout)
    total = sum(1 for path in PROJECT.rglob("*.py"))
    assert (
        shown.startswith("\r[")
        and f"] {total}/{total} files parsed" in shown
        and shown.endswith("\r\x1b[K")
    )


@pytest.mark.parametrize("quiet", ["-q", "--quiet"])
def test_inventory_draws_no_progress_bar_when_quiet(quiet: str) -> None:
    plain = run_tool("dblint", "inventory", cwd=PROJECT)
    assert _run_on_terminal("inventory", "--no-cache", quiet, *NOW, terminal="stderr") == (
        1,
        "",
        plain.stdout,
    )
