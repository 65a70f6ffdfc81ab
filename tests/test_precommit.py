"""The pre-commit hooks, run by the real `pre-commit` on a fixture project in a git repository.

pre-commit builds its own virtualenv and pip-installs dblint from a snapshot of
this checkout, so each hook environment costs tens of seconds: these tests are
marked `slow` (CI runs them all the same).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from conftest import BIN, FIXTURES, expected_findings, run_tool
from gitrepo import GIT_ENV, REPO, commit_all, git, project_repository, snapshot_of_this_repository

# One worker runs them all (`--dist loadgroup`) and they share one pre-commit home, so the
# hook environment is built once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("precommit")]

PROJECT = FIXTURES / "precommit_app"
_FINDING = re.compile(r"^(?P<path>[^\s:]+):(?P<line>\d+):\d+: (?P<code>DBL\d+) ", re.M)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """PRE_COMMIT_HOME for the module: the hook environment of one snapshot is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """dblint as a hook repository: a committed snapshot of this checkout."""
    path = tmp_path_factory.mktemp("hook-repo") / "dblint"
    return path, snapshot_of_this_repository(path)


def _findings(output: str) -> set[tuple[str, int, str]]:
    return {(m["path"], int(m["line"]), m["code"]) for m in _FINDING.finditer(output)}


def _fix_marked_lines(project: Path) -> None:
    """The fix: delete each statement marked `# error:` (each is one line, never alone in its block)."""
    for path in project.rglob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if "# error: DBL" not in line]
        if kept != lines:
            path.write_text("".join(kept), encoding="utf-8")


def _pre_commit(*args: str, cwd: Path, home: Path):  # type: ignore[no-untyped-def]
    return run_tool("pre-commit", *args, cwd=cwd, env={**GIT_ENV, "PRE_COMMIT_HOME": str(home)})


def test_manifest_is_valid_for_pre_commit() -> None:
    completed = run_tool("pre-commit", "validate-manifest", ".pre-commit-hooks.yaml", cwd=REPO)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    hooks = {
        hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    }
    assert hooks["dblint"]["entry"] == "dblint check --force-exclude"
    assert hooks["dblint"]["types"] == ["python"]
    assert hooks["dblint"]["require_serial"] is True
    assert hooks["dblint-inventory"]["entry"].startswith("dblint inventory")
    assert hooks["dblint-inventory"]["stages"] == ["manual"]
    assert hooks["dblint-inventory"]["pass_filenames"] is False


def test_hook_fails_on_staged_findings_and_passes_after_the_fix(
    hook_repo: tuple[Path, str], tmp_path: Path, home: Path
) -> None:
    repo_path, rev = hook_repo
    project = project_repository(PROJECT, tmp_path / "project")
    # pre-commit names every staged file; the hook skips the ones `extend-exclude` excludes.
    (project / "pyproject.toml").write_text(
        (PROJECT / "pyproject.toml").read_text()
        + '\n[tool.dblint]\nextend-exclude = ["scripts/legacy_*.py"]\n'
    )
    (project / "scripts" / "legacy_setup.py").write_text(
        "from notes.db import Base, engine\n\nBase.metadata.create_all(engine)\n"
    )
    config = {"repos": [{"repo": str(repo_path), "rev": rev, "hooks": [{"id": "dblint"}]}]}
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    git("add", "--all", cwd=project)  # staged, as for a commit: `run` checks the staged files

    failed = _pre_commit("run", "dblint", cwd=project, home=home)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "dblint" in failed.stdout and "Failed" in failed.stdout
    assert _findings(failed.stdout) == expected_findings(PROJECT)

    _fix_marked_lines(project)
    git("add", "--all", cwd=project)
    passed = _pre_commit("run", "dblint", cwd=project, home=home)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
    assert _findings(passed.stdout) == set()


def _readme_config(form: str) -> dict:
    """The `.pre-commit-config.yaml` snippet of README.md marked `<!-- pre-commit: FORM -->`."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = dict(re.findall(r"<!-- pre-commit: (\w+) -->\n```yaml\n(.*?)```", readme, flags=re.S))
    assert sorted(blocks) == ["local", "published"], (
        "README.md shows the local hook and the published one"
    )
    assert len(re.findall(r"```yaml\nrepos:", readme)) == 2, "no other .pre-commit-config.yaml"
    return yaml.safe_load(blocks[form])


def test_readme_local_hook_works_after_pip_install(tmp_path: Path, home: Path) -> None:
    """The form that works today: `repo: local` running the dblint installed in the environment."""
    config = _readme_config("local")
    project = project_repository(PROJECT, tmp_path / "project")
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    path = {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    }  # as after `pip install` in an activated venv
    installed = run_tool(
        "pre-commit", "install", cwd=project, env={**GIT_ENV, "PRE_COMMIT_HOME": str(home), **path}
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    git("add", "--all", cwd=project)
    blocked = git(
        "commit",
        "-m",
        "notes service",
        cwd=project,
        check=False,
        env={"PRE_COMMIT_HOME": str(home), **path},
    )
    assert blocked.returncode != 0
    assert (
        "dblint" in blocked.stdout + blocked.stderr and "Failed" in blocked.stdout + blocked.stderr
    )
    assert _findings(blocked.stdout + blocked.stderr) == expected_findings(PROJECT)


def test_readme_config_blocks_the_commit_and_reports_only_committed_files(
    hook_repo: tuple[Path, str], tmp_path: Path, home: Path
) -> None:
    repo_path, rev = hook_repo
    config = _readme_config("published")
    (entry,) = config["repos"]
    assert entry["repo"].startswith("https://github.com/") and [
        h["id"] for h in entry["hooks"]
    ] == ["dblint"]
    entry.update(
        repo=str(repo_path), rev=rev
    )  # the published repository, replaced by this checkout
    project = project_repository(PROJECT, tmp_path / "project")
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    hook_env = {"PRE_COMMIT_HOME": str(home)}
    installed = _pre_commit("install", cwd=project, home=home)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    git("add", "--all", cwd=project)
    blocked = git("commit", "-m", "notes service", cwd=project, check=False, env=hook_env)
    assert blocked.returncode != 0
    assert _findings(blocked.stdout + blocked.stderr) == expected_findings(PROJECT)
    assert git("rev-parse", "--verify", "HEAD", cwd=project, check=False).returncode != 0, (
        "nothing was committed"
    )

    # Legacy code committed without the hook; a later commit that touches other
    # files passes: dblint indexes the whole project but reports on the committed files only.
    commit_all(project, "legacy code")
    migration = project / "migrations" / "versions" / "0001_initial.py"
    migration.write_text(
        migration.read_text(encoding="utf-8").replace(
            "Authors and notes.", "Authors and their notes."
        )
    )
    git("add", "--all", cwd=project)
    passed = git(
        "commit", "-m", "reword the first migration", cwd=project, check=False, env=hook_env
    )
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout + passed.stderr

    _fix_marked_lines(project)
    git("add", "--all", cwd=project)
    fixed = git(
        "commit",
        "-m",
        "create tables through migrations only",
        cwd=project,
        check=False,
        env=hook_env,
    )
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert git("status", "--porcelain", cwd=project).stdout == ""


def test_inventory_hook_runs_in_the_manual_stage_only(
    hook_repo: tuple[Path, str], tmp_path: Path, home: Path
) -> None:
    repo_path, rev = hook_repo
    config = {
        "repos": [
            {
                "repo": str(repo_path),
                "rev": rev,
                "hooks": [{"id": "dblint"}, {"id": "dblint-inventory"}],
            }
        ]
    }
    project = project_repository(PROJECT, tmp_path / "project")
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    commit_all(project, "notes service")
    manual = _pre_commit(
        "run", "dblint-inventory", "--hook-stage", "manual", "--all-files", cwd=project, home=home
    )
    assert manual.returncode == 0, manual.stdout + manual.stderr
    assert "notes/app.py" in manual.stdout and "scripts/backfill.py" in manual.stdout, (
        "the inventory is shown"
    )
    on_commit = _pre_commit("run", "--all-files", cwd=project, home=home)
    assert "dblint inventory" not in on_commit.stdout and "dblint..." in on_commit.stdout
