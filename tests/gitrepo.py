"""Throwaway git repositories for the tests that run pre-commit and the GitHub Action.

pre-commit installs a hook repository from a commit; `try-repo` on a working tree
with changes commits only tracked files. So these tests install dblint from a
snapshot: every file of this checkout that git does not ignore, committed in a
new repository — on a fresh clone in CI that is exactly HEAD, on a developer's
machine it is the working tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Commits made by the tests: no user configuration, hooks or signing leak in.
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "dblint tests",
    "GIT_AUTHOR_EMAIL": "tests@dblint.invalid",
    "GIT_COMMITTER_NAME": "dblint tests",
    "GIT_COMMITTER_EMAIL": "tests@dblint.invalid",
}


def git(
    *args: str, cwd: Path, check: bool = True, env: dict | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV, **(env or {})},
        check=check,
    )


def init_repository(path: Path) -> None:
    git("init", "--quiet", "--initial-branch=main", cwd=path)


def commit_all(path: Path, message: str) -> str:
    """Stage everything and commit without hooks; the new commit's id."""
    git("add", "--all", cwd=path)
    git("commit", "--quiet", "--no-verify", "-m", message, cwd=path)
    return git("rev-parse", "HEAD", cwd=path).stdout.strip()


def snapshot_of_this_repository(dest: Path) -> str:
    """Copy this checkout's non-ignored files to `dest`, commit them; the commit id."""
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO).stdout
    for rel in sorted(filter(None, listed.split("\0"))):
        source = REPO / rel
        if source.is_file():  # a tracked file deleted in the working tree is left out
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    init_repository(dest)
    return commit_all(dest, "snapshot of the dblint checkout under test")


def project_repository(fixture: Path, dest: Path) -> Path:
    """A copy of a fixture project as a new git repository with nothing committed (without a
    facts cache a local run may have left in the fixture: a fresh clone has none)."""
    shutil.copytree(fixture, dest, ignore=shutil.ignore_patterns(".dblint_cache"))
    init_repository(dest)
    return dest
