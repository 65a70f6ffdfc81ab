"""The composite GitHub Action: its shell steps, run in bash as the runner runs them.

The test reads action.yml, substitutes `${{ inputs.* }}` and evaluates each step's
`if:`, then runs every `run:` step with the runner's environment (GITHUB_ACTION_PATH,
RUNNER_TEMP, GITHUB_PATH, ...) in a copy of a fixture project. The install step
creates a virtualenv and pip-installs dblint from a snapshot of this checkout (once
for the module: later tests find it done), so the module is `slow`. `uses:` steps (the SARIF upload) are not run; the test
checks that what they are given exists.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, expected_findings
from gitrepo import REPO, project_repository, snapshot_of_this_repository

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("action"),
]  # one worker builds its runner once

ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
PROJECT = FIXTURES / "precommit_app"
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_INPUT = re.compile(r"inputs\.([A-Za-z0-9_-]+)")
_CONDITION = re.compile(r"(always\(\) && )?inputs\.([A-Za-z0-9_-]+) == '([^']*)'")
TREE_HASH = "<hash of **/*.py>"


@dataclass
class Outcome:
    ran: list[str] = field(
        default_factory=list
    )  # names of the steps run or, for `uses:`, handed over
    uses: dict[str, dict[str, str]] = field(default_factory=dict)
    status: int = 0
    stdout: str = ""


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """What the runner provides across jobs: the action's checkout and a temp directory."""
    action_path = tmp_path_factory.mktemp("actions") / "dblint"
    snapshot_of_this_repository(action_path)
    return {"action_path": action_path, "temp": tmp_path_factory.mktemp("runner-temp")}


def _inputs(given: dict[str, str]) -> dict[str, str]:
    assert set(given) <= set(ACTION["inputs"]), "unknown input"
    return {
        name: str(given.get(name, spec.get("default", "")))
        for name, spec in ACTION["inputs"].items()
    }


def _substitute(value: str, inputs: dict[str, str], context: dict[str, str]) -> str:
    """`${{ inputs.x }}` and the runner's own expressions the action uses (`context`)."""

    def one(match: re.Match) -> str:
        if match[1] in context:
            return context[match[1]]
        name = _INPUT.fullmatch(match[1])
        assert name, f"expression the test cannot evaluate: {match[0]}"
        return inputs[name[1]]

    return _EXPRESSION.sub(one, value)


def _condition(step: dict, inputs: dict[str, str], failed: bool) -> bool:
    if "if" not in step:
        return not failed
    match = _CONDITION.fullmatch(step["if"].strip())
    assert match, f"condition the test cannot evaluate: {step['if']}"
    return (not failed or bool(match[1])) and inputs[match[2]] == match[3]


def _outputs(path: Path) -> dict[str, str]:
    """What a step wrote to $GITHUB_OUTPUT (`name=value` lines)."""
    lines = path.read_text().splitlines() if path.exists() else []
    return dict(line.split("=", 1) for line in lines if "=" in line)


def run_action(given: dict[str, str], workspace: Path, runner: dict[str, Path]) -> Outcome:
    """Run the action's steps as the runner would, stopping at the first failing step."""
    inputs = _inputs(given)
    github_path = runner["temp"] / "GITHUB_PATH"
    github_path.touch()
    outcome = Outcome()
    failed = False
    for step in ACTION["runs"]["steps"]:
        if not _condition(step, inputs, failed):
            continue
        step_output = runner["temp"] / f"GITHUB_OUTPUT.{step.get('id', 'step')}"
        if step.get("id") == "install" and "version" in _outputs(step_output):
            # The runner's temp directory is shared by the module's tests: the virtualenv an
            # earlier test installed is on GITHUB_PATH already, so it is not built again.
            outcome.ran.append(step["name"])
            continue
        step_output.write_text("")
        context = {
            "runner.os": "Linux",
            "runner.temp": str(runner["temp"]),
            "hashFiles('**/*.py')": TREE_HASH,
            **{
                f"steps.install.outputs.{k}": v
                for k, v in _outputs(runner["temp"] / "GITHUB_OUTPUT.install").items()
            },
        }
        outcome.ran.append(step["name"])
        if "uses" in step:
            outcome.uses[step["uses"]] = {
                key: _substitute(str(value), inputs, context) for key, value in step["with"].items()
            }
            continue
        assert step["shell"] == "bash"
        added = [line for line in github_path.read_text().splitlines() if line]
        env = {
            **os.environ,
            **{
                key: _substitute(str(value), inputs, context)
                for key, value in step.get("env", {}).items()
            },
            "GITHUB_ACTION_PATH": str(runner["action_path"]),
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_PATH": str(github_path),
            "GITHUB_OUTPUT": str(step_output),
            "RUNNER_TEMP": str(runner["temp"]),
            "PATH": os.pathsep.join([*reversed(added), os.environ["PATH"]]),
        }
        env.pop("NO_COLOR", None)
        script = runner["temp"] / "step.sh"
        script.write_text(step["run"], encoding="utf-8")
        # The runner's `shell: bash` is `bash --noprofile --norc -eo pipefail {0}`.
        completed = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        outcome.status, outcome.stdout = completed.returncode, completed.stdout
        if completed.returncode != 0:
            assert completed.stderr == "", completed.stderr
            failed = True
    return outcome


def _annotations(stdout: str) -> set[tuple[str, int, str]]:
    found = set()
    for line in stdout.splitlines():
        match = re.match(r"::error file=([^,]+),line=(\d+),col=\d+,title=(DBL\d+)::", line)
        if match:
            found.add((match[1], int(match[2]), match[3]))
    return found


def test_action_annotates_findings_uploads_sarif_and_fails_the_job(
    tmp_path: Path, runner: dict[str, Path]
) -> None:
    workspace = project_repository(PROJECT, tmp_path / "workspace")
    outcome = run_action({"sarif": "true", "python": sys.executable}, workspace, runner)
    assert outcome.ran == [
        "Install dblint",
        "Restore the facts cache",
        "dblint (SARIF for code scanning)",
        "Upload SARIF",
        "dblint",
        "Save the facts cache",
    ]
    assert outcome.status == 1, "findings fail the job"
    assert _annotations(outcome.stdout) == expected_findings(PROJECT)
    assert re.search(r"^1\s+DBL101 create-all-outside-migrations$", outcome.stdout, flags=re.M), (
        "statistics in the log"
    )

    upload = outcome.uses["github/codeql-action/upload-sarif@v3"]
    assert upload["category"] == "dblint"
    log = json.loads((workspace / upload["sarif_file"]).read_text(encoding="utf-8"))
    results = log["runs"][0]["results"]
    uris = {
        (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["ruleId"])
        for r in results
    }
    assert uris == {(path, code) for path, _, code in expected_findings(PROJECT)}


def test_action_passes_on_a_clean_project_without_sarif(
    tmp_path: Path, runner: dict[str, Path]
) -> None:
    workspace = project_repository(FIXTURES / "clean_project", tmp_path / "workspace")
    outcome = run_action({"python": sys.executable, "cache": "false"}, workspace, runner)
    assert outcome.ran == ["Install dblint", "dblint"]
    assert (outcome.status, _annotations(outcome.stdout)) == (0, set())
    assert not (workspace / "dblint.sarif").exists()


def test_action_restores_and_saves_the_facts_cache(tmp_path: Path, runner: dict[str, Path]) -> None:
    """The cache is keyed by dblint's version and the tree, falls back to the branch's last one, and is filled."""
    from dblint import __version__

    workspace = project_repository(PROJECT, tmp_path / "workspace")
    outcome = run_action({"python": sys.executable}, workspace, runner)
    cache_dir = runner["temp"] / "dblint-cache"
    key = f"dblint-Linux-{__version__}-{TREE_HASH}"
    assert outcome.uses["actions/cache/restore@v4"] == {
        "path": str(cache_dir),
        "key": key,
        "restore-keys": f"dblint-Linux-{__version__}-",
    }
    assert outcome.uses["actions/cache/save@v4"] == {"path": str(cache_dir), "key": key}
    assert any(path.is_file() for path in cache_dir.rglob("*")), (
        "the run filled the directory that is saved"
    )
    assert not (workspace / ".dblint_cache").exists()


def test_action_inputs_reach_dblint(tmp_path: Path, runner: dict[str, Path]) -> None:
    workspace = project_repository(PROJECT, tmp_path / "workspace")
    outcome = run_action(
        {"python": sys.executable, "path": "scripts notes", "args": "--ignore DBL102"},
        workspace,
        runner,
    )
    assert outcome.status == 1
    assert _annotations(outcome.stdout) == {
        f for f in expected_findings(PROJECT) if f[2] != "DBL102"
    }


def test_readme_workflow_uses_this_action_with_its_inputs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", readme, flags=re.S)]
    (workflow,) = [b for b in blocks if isinstance(b, dict) and "jobs" in b]
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    (ours,) = [step for step in steps if str(step.get("uses", "")).startswith("dblint/dblint@")]
    assert set(ours.get("with", {})) <= set(ACTION["inputs"])
    # The snippet works today: a branch, not a release tag that does not exist yet.
    ref = ours["uses"].split("@", 1)[1]
    tags = subprocess.run(
        ["git", "tag", "--list"], cwd=REPO, capture_output=True, text=True
    ).stdout.split()
    assert ref == "main" or ref in tags, f"{ref} is not published"
    assert "dblint/dblint@v0.1.0`, is\n**not available yet**" in readme, (
        "the published form is marked as such"
    )
    job = next(iter(workflow["jobs"].values()))
    assert job["permissions"]["security-events"] == "write", "SARIF upload needs it"
