"""One answer whatever the entry point (issue 16.4): the CLI from the repository root and
from a subdirectory, the GitHub Action's command, flake8 and the pre-commit hook report
the same findings on a repository whose backend has its own `[tool.dblint]`.

Configuration is found per file, as ruff finds it: the backend's files use
backend/pyproject.toml (an opt-in rule, an ignored rule, per-file-ignores, excluded
files including a parent revision), the rest of the repository uses the root's.
The Action's and the hook's commands come from action.yml and .pre-commit-hooks.yaml;
pre-commit runs the hook as a `language: system` hook with this environment's dblint.
"""

from __future__ import annotations

import os
import posixpath
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import BIN, FIXTURES, expected_findings, finding_set, run_tool
from gitrepo import GIT_ENV, REPO, git, project_repository

FIXTURE = FIXTURES / "nested_config"
EXPECTED = expected_findings(FIXTURE)
_FINDING = re.compile(r"^(?:\./)?(?P<path>[^\s:]+):(?P<line>\d+):\d+: (?P<code>DBL\d+) ", re.M)
_ANNOTATION = re.compile(r"^::error file=([^,]+),line=(\d+),col=\d+,title=(DBL\d+)::", re.M)


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return project_repository(FIXTURE, tmp_path_factory.mktemp("entry-points") / "platform")


def _from(directory: str, findings: set[tuple[str, int, str]]) -> set[tuple[str, int, str]]:
    """Findings shown relative to `directory`, made relative to the repository root."""
    return {
        (posixpath.normpath(posixpath.join(directory, path)), line, code)
        for path, line, code in findings
    }


def _findings(output: str) -> set[tuple[str, int, str]]:
    return {(m["path"], int(m["line"]), m["code"]) for m in _FINDING.finditer(output)}


def _env() -> dict[str, str]:
    return {**os.environ, **GIT_ENV, "PATH": os.pathsep.join([str(BIN), os.environ["PATH"]])}


def test_the_fixture_expects_findings_in_both_projects() -> None:
    assert {path.split("/")[0] for path, _, _ in EXPECTED} == {"backend", "tools"}


@pytest.mark.parametrize(
    ("cwd", "args"),
    [
        (".", ()),
        (".", ("backend", "tools")),
        ("backend/app", ("../..",)),
        ("tools", ("..",)),
    ],
)
def test_cli_from_any_directory(repository: Path, cwd: str, args: tuple[str, ...]) -> None:
    completed = run_tool("dblint", "check", *args, cwd=repository / cwd)
    assert completed.returncode == 1, completed.stderr
    assert _from(cwd, finding_set(completed.stdout)) == EXPECTED


def test_cli_on_each_file(repository: Path) -> None:
    files = sorted(path.relative_to(repository).as_posix() for path in repository.rglob("*.py"))
    completed = run_tool("dblint", "check", *files, cwd=repository)
    assert (
        _from(".", finding_set(completed.stdout))
        - {("backend/scripts/legacy_setup.py", 4, "DBL101")}
        == EXPECTED
    )


@pytest.mark.parametrize("cwd", [".", "backend"])
def test_flake8(repository: Path, cwd: str) -> None:
    completed = run_tool("flake8", "--select", "DBL", ".", cwd=repository / cwd)
    assert "Traceback" not in completed.stderr, completed.stderr
    found = _from(cwd, _findings(completed.stdout))
    assert found == {item for item in EXPECTED if cwd == "." or item[0].startswith(cwd + "/")}


def test_github_action_command(repository: Path) -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    (step,) = [step for step in action["runs"]["steps"] if step["name"] == "dblint"]
    env = {
        **_env(),
        "DBLINT_PATHS": action["inputs"]["path"]["default"],
        "DBLINT_ARGS": action["inputs"]["args"]["default"],
    }
    env.pop("NO_COLOR", None)
    completed = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=repository, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 1, completed.stderr
    assert {
        (path, int(line), code) for path, line, code in _ANNOTATION.findall(completed.stdout)
    } == EXPECTED


def test_pre_commit_hook(repository: Path, tmp_path: Path) -> None:
    (hook,) = [
        hook
        for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
        if hook["id"] == "dblint"
    ]
    config = {"repos": [{"repo": "local", "hooks": [{**hook, "language": "system"}]}]}
    (repository / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    git("add", "--all", cwd=repository)
    completed = subprocess.run(
        [str(BIN / "pre-commit"), "run", "--all-files"],
        cwd=repository, env={**_env(), "PRE_COMMIT_HOME": str(tmp_path / "home")}, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "dblint" in completed.stdout and "Failed" in completed.stdout
    assert _findings(completed.stdout) == EXPECTED
