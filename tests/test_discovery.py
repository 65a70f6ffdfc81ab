"""Which files `dblint check` reads: git work trees, plain walks, symlinks, explicit files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import as_flake8, finding_set, hinted, run_tool, write_project
from gitrepo import commit_all, git, init_repository

from dblint import engine
from dblint.discover import is_markerless

CREATE_ALL = "from app.db import Base, engine\n\nBase.metadata.create_all(engine)\n"
DB = (
    "from sqlalchemy import create_engine\n"
    "from sqlalchemy.orm import DeclarativeBase\n"
    "\n"
    "\n"
    "class Base(DeclarativeBase):\n"
    "    pass\n"
    "\n"
    "\n"
    "engine = create_engine('postgresql://localhost/app')\n"
)


def paths_reported(root: Path, *args: str, cwd: Path | None = None) -> set[str]:
    completed = run_tool("dblint", "check", *args, cwd=cwd or root)
    assert completed.returncode in (0, 1), completed.stderr
    return {path for path, _, _ in finding_set(completed.stdout)}


def test_git_work_tree_tracked_and_untracked_but_not_ignored(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "repo",
        {
            "app/__init__.py": "",
            "app/db.py": DB,
            "app/tracked.py": CREATE_ALL,
            ".gitignore": "generated/\nscratch_*.py\n",
            "generated/schema.py": CREATE_ALL,
        },
    )
    init_repository(root)
    commit_all(root, "initial")
    (root / "app/untracked.py").write_text(CREATE_ALL)
    (root / "app/scratch_local.py").write_text(CREATE_ALL)
    # A tracked file that is later ignored stays part of the project, as in git.
    (root / "vendor").mkdir()
    (root / "vendor/forced.py").write_text(CREATE_ALL)
    git("add", "--force", "vendor/forced.py", cwd=root)
    with (root / ".gitignore").open("a") as gitignore:
        gitignore.write("vendor/\n")
    assert paths_reported(root) == {"app/tracked.py", "app/untracked.py", "vendor/forced.py"}


def test_git_work_tree_skips_virtualenvs_even_if_not_ignored(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "repo", {"app/__init__.py": "", "app/db.py": DB, "app/main.py": CREATE_ALL}
    )
    init_repository(root)
    (root / ".venv/lib/site-packages/pkg").mkdir(parents=True)
    (root / ".venv/lib/site-packages/pkg/setup_db.py").write_text(CREATE_ALL)
    assert paths_reported(root) == {"app/main.py"}


@pytest.mark.parametrize(
    "skipped",
    [
        ".git/hooks",
        "node_modules/pkg",
        "__pycache__",
        "build/lib/app",
        "dist/x",
        "lib/site-packages/x",
        ".tox/py311",
        ".nox/tests",
    ],
)
def test_walk_skips_tool_and_build_directories(tmp_path: Path, skipped: str) -> None:
    root = write_project(
        tmp_path / "plain",
        {
            "app/__init__.py": "",
            "app/db.py": DB,
            "app/main.py": CREATE_ALL,
            f"{skipped}/setup_db.py": CREATE_ALL,
        },
    )
    assert paths_reported(root) == {"app/main.py"}


def test_walk_skips_any_directory_holding_pyvenv_cfg(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "plain",
        {
            "app/__init__.py": "",
            "app/db.py": DB,
            "app/main.py": CREATE_ALL,
            "myenv/pyvenv.cfg": "home = /usr/bin\n",
            "myenv/lib/python3.11/pkg/setup_db.py": CREATE_ALL,
            "environment/setup_db.py": CREATE_ALL,  # no pyvenv.cfg: an ordinary directory
        },
    )
    assert paths_reported(root) == {"app/main.py", "environment/setup_db.py"}


def test_symlinked_directories_are_not_followed(tmp_path: Path) -> None:
    outside = write_project(tmp_path / "outside", {"elsewhere.py": CREATE_ALL})
    root = write_project(
        tmp_path / "plain", {"app/__init__.py": "", "app/db.py": DB, "app/main.py": CREATE_ALL}
    )
    os.symlink(root / "app", root / "app_link", target_is_directory=True)
    os.symlink(outside, root / "external", target_is_directory=True)
    os.symlink(root, root / "app" / "loop", target_is_directory=True)
    assert paths_reported(root) == {"app/main.py"}


def test_symlinked_directories_are_not_followed_in_a_git_work_tree(tmp_path: Path) -> None:
    outside = write_project(tmp_path / "outside", {"elsewhere.py": CREATE_ALL})
    root = write_project(
        tmp_path / "repo", {"app/__init__.py": "", "app/db.py": DB, "app/main.py": CREATE_ALL}
    )
    os.symlink(outside, root / "external", target_is_directory=True)
    os.symlink(outside / "elsewhere.py", root / "app" / "linked_file.py")
    init_repository(root)
    assert paths_reported(root) == {"app/main.py"}


@pytest.mark.parametrize("in_git", [False, True], ids=["walk", "git"])
def test_a_symlink_to_a_file_of_the_project_is_checked_once_at_its_own_path(
    tmp_path: Path, in_git: bool
) -> None:
    """MediaGoblin's shape: a module symlinked under a second name inside the repository. Read
    twice, every finding came twice and a model's table was declared twice (DBL203); a link
    named on the command line is still checked as named."""
    models = (
        "from sqlalchemy import Column, Integer\nfrom app.db import Base\n\n\n"
        "class Item(Base):\n    __tablename__ = 'items'\n    id = Column(Integer, primary_key=True)\n"
    )
    root = write_project(
        tmp_path / "repo",
        {
            "app/__init__.py": "",
            "app/db.py": DB,
            "app/main.py": CREATE_ALL,
            "app/models.py": models,
        },
    )
    os.symlink("main.py", root / "app" / "startup.py")
    os.symlink(root / "app" / "models.py", root / "app" / "legacy_models.py")
    if in_git:
        init_repository(root)
    completed = run_tool("dblint", "check", ".", cwd=root)
    assert {(path, code) for path, _, code in finding_set(completed.stdout)} == {
        ("app/main.py", "DBL101")
    }
    assert paths_reported(root, "app/startup.py") == {"app/startup.py"}


@pytest.mark.parametrize("in_git", [False, True], ids=["walk", "git"])
def test_packages_installed_into_the_tree_are_not_the_projects_code(
    tmp_path: Path, in_git: bool
) -> None:
    """bazarr's `libs/`: `pip install --target libs` (a `*.dist-info` beside the packages) vendors
    SQLAlchemy and Alembic, whose own DDL and `create_all()` were 33 findings; a file of it named
    on the command line is still checked, and a `*.dist-info` at the root skips nothing."""
    root = write_project(
        tmp_path / "repo",
        {
            "app/__init__.py": "",
            "app/db.py": DB,
            "app/main.py": CREATE_ALL,
            "libs/SQLAlchemy-2.0.37.dist-info/METADATA": "Name: SQLAlchemy\n",
            "libs/sqlalchemy_helpers/setup.py": CREATE_ALL,
            "libs/vendored/deep/more.py": CREATE_ALL,
            "toolkit-1.0.dist-info/METADATA": "Name: toolkit\n",
        },
    )
    if in_git:
        init_repository(root)
    assert paths_reported(root) == {"app/main.py"}
    assert paths_reported(root, "libs/sqlalchemy_helpers/setup.py") == {
        "libs/sqlalchemy_helpers/setup.py"
    }


def test_exclude_patterns(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "plain",
        {
            "app/__init__.py": "",
            "app/db.py": DB,
            "app/main.py": CREATE_ALL,
            "app/legacy/old.py": CREATE_ALL,
            "old.py": CREATE_ALL,
        },
        pyproject='[tool.dblint]\nexclude = ["legacy/", "/old.py"]\n',
    )
    assert paths_reported(root) == {"app/main.py"}


def test_named_files_are_checked_even_if_excluded_unless_force_exclude(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "plain",
        {
            "app/__init__.py": "",
            "app/db.py": DB,
            "app/main.py": CREATE_ALL,
            "app/legacy.py": CREATE_ALL,
        },
        pyproject='[tool.dblint]\nextend-exclude = ["app/legacy.py"]\n',
    )
    assert paths_reported(root) == {"app/main.py"}
    assert paths_reported(root, "app/legacy.py") == {"app/legacy.py"}
    assert paths_reported(root, "--force-exclude", "app/legacy.py") == set()
    assert paths_reported(root, "--force-exclude", "app/legacy.py", "app/main.py") == {
        "app/main.py"
    }


def test_named_file_is_analysed_with_the_whole_project_but_only_it_is_reported(
    tmp_path: Path,
) -> None:
    # `Base` comes from app/models/base.py; only the project index knows it is a declarative base.
    root = write_project(
        tmp_path / "plain",
        {
            "app/__init__.py": "",
            "app/models/__init__.py": "from .base import Base\n",
            "app/models/base.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
            "app/startup.py": "from app.models import Base\n\n\ndef init(engine):\n    Base.metadata.create_all(bind=engine)\n",
            "app/other.py": "from app.models.base import Base\n\n\ndef reset(engine):\n    Base.metadata.drop_all(engine)\n",
        },
    )
    completed = run_tool("dblint", "check", "app/startup.py", cwd=root)
    assert completed.returncode == 1
    assert as_flake8(completed.stdout) == (
        hinted(
            "app/startup.py:5:5: DBL101 Base.metadata.create_all() creates tables outside Alembic migrations"
        )
        + "\n"
    )
    assert paths_reported(root) == {"app/startup.py", "app/other.py"}
    assert paths_reported(root, "app/models") == set()


def test_directory_argument_reports_only_below_it(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "plain",
        {
            "app/__init__.py": "",
            "app/db.py": DB,
            "app/main.py": CREATE_ALL,
            "scripts/seed.py": CREATE_ALL,
        },
    )
    assert paths_reported(root, "scripts") == {"scripts/seed.py"}
    assert paths_reported(root, "scripts", "app/main.py") == {"scripts/seed.py", "app/main.py"}


def test_nothing_in_the_scanned_tree_is_created(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "plain", {"app/__init__.py": "", "app/db.py": DB, "app/main.py": CREATE_ALL}
    )
    before = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    paths_reported(root)
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == before


LOOSE_BASE = "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"
LOOSE_JOB = "from helpers import Base\n\n\ndef run(engine):\n    Base.metadata.create_all(engine)\n"


def _loose_directory(root: Path) -> Path:
    """A directory no project marker claims (as `/tmp`), with a script, its sibling helper and a
    deep tree of other files."""
    for rel, text in {
        "helpers.py": LOOSE_BASE,
        "job.py": LOOSE_JOB,
        "archive/2019/old_job.py": LOOSE_JOB.replace("from helpers", "from archive.helpers"),
        "archive/helpers.py": LOOSE_BASE,
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    if not is_markerless(root):
        pytest.skip(f"{root} is below a project marker")
    return root


def _indexed(target: Path) -> set[str]:
    [project] = engine.run(engine.Request(paths=(target,), jobs=1)).runs
    return set(project.fact_keys)


def test_a_loose_file_is_checked_with_the_files_beside_it_only(tmp_path: Path) -> None:
    """`dblint check /tmp/job.py`: no marker above, so the file's directory is read without
    walking below it; the sibling its import names still resolves (DBL101)."""
    root = _loose_directory(tmp_path / "loose")
    assert _indexed(root / "job.py") == {"helpers.py", "job.py"}
    assert paths_reported(root, "job.py") == {"job.py"}
    # A directory named is walked, as before; so is a loose file's directory under a marker.
    assert "archive/2019/old_job.py" in _indexed(root)
    (root / "setup.cfg").write_text("[metadata]\nname = loose\n")
    assert "archive/2019/old_job.py" in _indexed(root / "job.py")


@pytest.mark.parametrize("in_git", [False, True], ids=["walk", "git"])
def test_a_symlink_to_an_excluded_file_is_checked_at_the_link(tmp_path: Path, in_git: bool) -> None:
    """`app/startup.py -> ../vendor/main.py` with `vendor` excluded: the link is the one path
    the code is checked at (dropping it as a second path checked the code nowhere); the link to
    a file that is not excluded is still dropped."""
    root = write_project(
        tmp_path / "repo",
        {
            "pyproject.toml": '[project]\nname = "app"\n\n[tool.dblint]\nextend-exclude = ["vendor"]\n',
            "app/__init__.py": "",
            "app/db.py": DB,
            "app/main.py": CREATE_ALL,
            "vendor/main.py": CREATE_ALL,
        },
    )
    os.symlink("../vendor/main.py", root / "app" / "startup.py")
    os.symlink("main.py", root / "app" / "boot.py")
    if in_git:
        init_repository(root)
    assert paths_reported(root, ".") == {"app/main.py", "app/startup.py"}
