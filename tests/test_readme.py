"""README's two commands stay true: CI runs the README's test command."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from conftest import findings_of, run_tool

from dblint import readme as readme_blocks

REPO = Path(__file__).resolve().parents[1]


def _shell_blocks() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.*?)```", readme, flags=re.S)


def test_ci_runs_the_readme_test_command() -> None:
    test_command = next(block for block in _shell_blocks() if "pytest" in block).strip()
    pytest_part = test_command.rsplit("&&", 1)[-1].strip().replace(".venv/bin/python", "python")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    (ci_pytest,) = [
        line.strip()
        for line in ci.splitlines()
        if "pytest" in line and not line.lstrip().startswith("#")
    ]
    assert ci_pytest == pytest_part, "CI runs exactly the README's test command"


def test_the_test_command_runs_in_parallel_with_the_slow_tests() -> None:
    """pytest-xdist is in the test extra, the README's command uses it, and deselects nothing."""
    test_command = next(block for block in _shell_blocks() if "pytest" in block).strip()
    options = test_command.split(" -m pytest", 1)[1].split()
    assert "-n" in options and "auto" in options and "-m" not in options and "-k" not in options
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    extra = pyproject.split("test = [", 1)[1].split("]", 1)[0]
    assert '"pytest-xdist' in extra


def test_readme_demo_command_targets_the_shipped_example() -> None:
    demo = _shell_blocks()[0]
    match = re.search(r"dblint check (\S+)", demo)
    assert match is not None
    assert (REPO / match.group(1) / "pyproject.toml").is_file()


# --- generated blocks and output samples ----------------------------------------------------------

README = REPO / "README.md"
_SAMPLE = re.compile(
    r"<!-- (?P<kind>output[\w-]*)(?: \((?P<dir>[^)]*)\))?: (?P<command>[^>]*) -->\n```text\n(?P<shown>.*?)```",
    re.S,
)


def _readme() -> str:
    return README.read_text(encoding="utf-8")


def test_generated_blocks_are_in_sync_with_the_code() -> None:
    text = _readme()
    assert set(readme_blocks.blocks(text)) == set(readme_blocks.GENERATORS)
    assert text == readme_blocks.regenerated(text), (
        "README.md is stale: run `python -m dblint.readme`"
    )


def test_rule_family_table_covers_every_rule() -> None:
    table = readme_blocks.blocks(_readme())["rule-families"]
    from dblint.rules import all_rules

    spans = re.findall(r"^\| (DBL\d+)(?:–(DBL\d+))? \|", table, flags=re.M)
    covered = {
        rule.code
        for rule in all_rules()
        for first, last in spans
        if first <= rule.code <= (last or first)
    }
    assert covered == {rule.code for rule in all_rules()}


def test_every_option_is_documented() -> None:
    options = readme_blocks.blocks(_readme())["command-options"]
    for flag in (
        "--force-exclude",
        "--stdin-filename",
        "--diff",
        "--output-file",
        "--quiet",
        "--min-risk",
        "--exit-zero",
    ):
        assert f"`{flag}`" in options


def test_every_text_sample_is_produced_by_a_test() -> None:
    text = _readme()
    assert text.count("```text\n") == len(_SAMPLE.findall(text)), (
        "a ```text sample without an output marker"
    )


@pytest.mark.parametrize(
    "sample", _SAMPLE.findall(README.read_text(encoding="utf-8")), ids=lambda sample: sample[2]
)
def test_output_sample_is_what_the_command_prints_on_the_example(
    sample: tuple[str, str, str, str],
) -> None:
    kind, directory, command, shown = sample
    completed = run_tool(*shlex.split(command), cwd=REPO / directory)
    assert completed.returncode in (0, 1), completed.stderr
    if kind == "output":
        assert shown == completed.stdout
    elif kind == "output-after-header":  # a tool's own header (pre-commit's), then dblint's output
        assert shown.split("\n\n", 1)[1] == completed.stdout
        assert findings_of(completed.stdout)
    else:
        assert kind == "output-line"
        assert set(shown.splitlines()) <= set(completed.stdout.splitlines())
