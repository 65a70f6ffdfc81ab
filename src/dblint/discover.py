"""Stage 1 of the pipeline: which files belong to a project.

In a git work tree: the files git tracks plus untracked files it does not
ignore. Elsewhere: a walk that skips VCS folders, virtual environments and
build output. Symlinked directories are never followed, and no file whose
real path lies outside the project root is read.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from dblint.config import Settings, has_dblint_table
from dblint.packaging import path_dependencies
from dblint.pathmatch import matches

SKIPPED_DIRECTORIES = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        "build",
        "dist",
        "site-packages",
        ".tox",
        ".nox",
        ".venv",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".dblint_cache",
        ".eggs",
    }
)
PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
CONFIG_NAMES = frozenset({"alembic.ini", "pyproject.toml", "setup.cfg"})


@dataclass
class Discovery:
    """Project-relative POSIX paths of Python files and of the configs contexts need."""

    root: Path
    python_files: list[str] = field(default_factory=list)
    config_files: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    # Python files `exclude` / `extend-exclude` match: also in `python_files`, since
    # exclusion hides findings, not facts (an excluded model still defines its table).
    excluded: list[str] = field(default_factory=list)
    # Project templates (`{{cookiecutter.project_slug}}/`) holding Python files, which are
    # not checked unless named: what a run that found nothing else says it skipped.
    templates: list[str] = field(default_factory=list)


def find_checked_root(path: Path, explicit_config: bool = False) -> Path:
    """The directory a file or directory is checked from, whichever way dblint is run.

    As in ruff, configuration is found per file: the nearest directory at or above
    `path` whose pyproject.toml has `[tool.dblint]`, within the repository (the
    search stops at the directory holding `.git`). The files under it are one
    project with those settings. Without such a file (or with `--config`), the
    nearest project root, or the outermost directory holding an `alembic.ini` above it
    when that lies further up: a package with its own pyproject.toml inside a repository whose
    Alembic environment is further up (`components/ledger/pyproject.toml`) is checked
    with that environment, as when dblint runs from the repository root. A project whose
    pyproject.toml depends on a directory above it by path (poetry's `{ path = ".." }`, uv's
    sources) imports code from there and is checked from that directory."""
    start = path if path.is_dir() else path.parent
    alembic_root: Optional[Path] = None
    project_root: Optional[Path] = None  # the nearest directory holding a project marker
    for directory in (start, *start.parents):  # one walk: `.git` is a marker, so it ends there
        if not explicit_config and has_dblint_table(directory / "pyproject.toml"):
            return directory
        if (directory / "alembic.ini").is_file():
            alembic_root = directory
        if project_root is None and any(
            (directory / marker).exists() for marker in PROJECT_MARKERS
        ):
            project_root = directory
        if (directory / ".git").exists():
            break
    nearest = _depended_on(project_root or start, top=directory)
    if alembic_root is not None and nearest in alembic_root.parents:
        return nearest
    return alembic_root or nearest


def is_markerless(directory: Path) -> bool:
    """True when neither `directory` nor any directory above it holds a project marker
    (pyproject.toml, setup.cfg, setup.py, `.git`) or an alembic.ini: a loose file's directory
    (`/tmp`), which `find_checked_root` falls back to, is no project to walk."""
    return not any(
        (candidate / marker).exists()
        for candidate in (directory, *directory.parents)
        for marker in (*PROJECT_MARKERS, "alembic.ini")
    )


def _depended_on(project: Path, top: Path) -> Path:
    """The outermost directory above `project`, up to `top`, that its pyproject.toml (or, in
    turn, that directory's) depends on by path: the project imports code from there, so its
    files are checked with that directory's (an enterprise edition on its open-source parent)."""
    try:
        data = (project / "pyproject.toml").read_bytes()
    except OSError:
        return project
    above = [
        candidate
        for candidate in (
            Path(os.path.normpath(project / declared)) for declared in path_dependencies(data)
        )
        if candidate in project.parents and (candidate == top or top in candidate.parents)
    ]
    return (
        _depended_on(min(above, key=lambda candidate: len(candidate.parts)), top)
        if above
        else project
    )


def nested_config_roots(root: Path, config_files: list[str]) -> list[str]:
    """The outermost directories below `root` whose pyproject.toml has `[tool.dblint]`:
    their files are checked from there, with their own settings."""
    found: list[str] = []
    for rel in sorted(config_files, key=lambda rel: (rel.count("/"), rel)):
        directory, _, name = rel.rpartition("/")
        if (
            name == "pyproject.toml"
            and directory
            and not any(_under(directory, outer) for outer in found)
        ) and has_dblint_table(root / rel):
            found.append(directory)
    return found


def _under(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory + "/")


def without_nested(found: Discovery, nested: list[str]) -> Discovery:
    """The discovery with the files under the `nested` directories left out."""
    if not nested:
        return found

    def kept(paths: list[str]) -> list[str]:
        return [rel for rel in paths if not any(_under(rel, directory) for directory in nested)]

    unreadable = [
        (rel, reason) for rel, reason in found.unreadable if not any(_under(rel, d) for d in nested)
    ]
    return Discovery(
        found.root,
        kept(found.python_files),
        kept(found.config_files),
        unreadable,
        kept(found.excluded),
        kept(found.templates),
    )


def find_repository_root(directory: Path) -> Path:
    """The nearest directory at or above `directory` holding `.git`, else `directory` itself."""
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return directory


def discover(
    root: Path, settings: Settings, named: Collection[str] = (), shallow: bool = False
) -> Discovery:
    """All Python and config files of the project at `root`; excluded config files are left out,
    excluded Python files are listed in `excluded` too. A project template is skipped unless
    a `named` path (project-relative) lies in it. `shallow`: only the files directly in `root`
    (a loose file's directory, which may be large: `/tmp`, a downloads folder)."""
    result = Discovery(root=root)
    listed = None if shallow else _git_files(root)
    candidates = listed if listed is not None else _walk(root, result, named, recursive=not shallow)
    excludes = settings.exclude + settings.extend_exclude
    real_root = os.path.realpath(root)
    templates: set[str] = set()
    links: dict[str, str] = {}  # a symlinked Python file -> its target, project-relative
    installed = _install_targets(listed or [], named) if listed is not None else ()
    for rel in sorted(set(candidates)):
        if installed and any(_under(rel, directory) for directory in installed):
            continue
        excluded = bool(excludes) and matches(rel, excludes)
        name = rel.rsplit("/", 1)[-1]
        if not (rel.endswith(".py") or (name in CONFIG_NAMES and not excluded)):
            continue
        absolute = root / rel
        if absolute.is_symlink():
            target = os.path.realpath(absolute)
            if not is_inside(target, real_root):
                continue
            links[rel] = Path(os.path.relpath(target, real_root)).as_posix()
        if listed is not None and (not absolute.is_file() or _skipped(rel, templates, named)):
            continue
        (result.python_files if rel.endswith(".py") else result.config_files).append(rel)
        if excluded:
            result.excluded.append(rel)
    result.templates = sorted({*result.templates, *templates})
    _drop_second_paths(result, links, named)
    return result


def _drop_second_paths(result: Discovery, links: dict[str, str], named: Collection[str]) -> None:
    """A symlink to another Python file of the project is that file under a second path: it is
    checked once, at its own path (else each finding is reported twice, and a model file's
    tables are declared twice: DBL203), unless the link was named on the command line or only
    the file is excluded (`extend-exclude = ["vendor"]` and `app/tools.py -> vendor/tools.py`:
    the link is then where the code is checked)."""
    checked = set(result.python_files)
    excluded = set(result.excluded)
    second = {
        link
        for link, target in links.items()
        if target in checked and link not in named and (target not in excluded or link in excluded)
    }
    if second:
        result.python_files = [rel for rel in result.python_files if rel not in second]
        result.excluded = [rel for rel in result.excluded if rel not in second]


def _install_targets(listed: list[str], named: Collection[str]) -> tuple[str, ...]:
    """Directories below the root that hold a `*.dist-info` directory: packages installed there
    (`pip install --target libs`, a vendored copy of SQLAlchemy or Alembic), not the project's
    code, skipped like a virtual environment unless a path named on the command line lies in one."""
    found: set[str] = set()
    for rel in listed:
        parts = rel.split("/")
        for depth, part in enumerate(parts[:-1]):
            if depth and part.endswith(".dist-info"):
                found.add("/".join(parts[:depth]))
                break
    return tuple(sorted(d for d in found if not _names_inside(named, d)))


def _skipped(rel: str, templates: set[str], named: Collection[str]) -> bool:
    """Whether a listed file lies in a skipped directory; a Python file's template goes into `templates`."""
    parts = rel.split("/")
    for depth, part in enumerate(parts[:-1]):
        if _template_directory(part):
            template = "/".join(parts[: depth + 1])
            if _names_inside(named, template):
                continue
            if rel.endswith(".py"):
                templates.add(template)
            return True
        if _skipped_directory(part):
            return True
    return False


def _names_inside(named: Collection[str], directory: str) -> bool:
    """Whether a path named on the command line lies at or below `directory`."""
    return any(_under(path, directory) for path in named)


def _skipped_directory(name: str) -> bool:
    """Tool output and environments (project templates are judged apart: `_template_directory`)."""
    return name in SKIPPED_DIRECTORIES or name.endswith(".egg-info")


def _template_directory(name: str) -> bool:
    """A project template's directory (`{{cookiecutter.project_slug}}/`, `{% if x %}name{% endif %}/`)."""
    return "{{" in name or "{%" in name


def is_inside(path: str, root: str) -> bool:
    """True when the real path `path` lies in the real directory `root`."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _git_files(root: Path) -> list[str] | None:
    """Files git knows under `root`, or None when `root` is not in a work tree."""
    try:
        completed = subprocess.run(
            # core.fsmonitor names a program git would run: never in someone else's repository.
            [
                "git",
                "-C",
                str(root),
                "-c",
                "core.fsmonitor=false",
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if completed.returncode != 0:
        return None
    names: list[str] = []
    for raw in completed.stdout.split(b"\0"):
        if raw:
            names.append(os.fsdecode(raw))
    return names


def _holds_python(directory: Path) -> bool:
    """Whether a skipped template holds a Python file: only such a template is worth naming when
    a run finds nothing else to check."""
    return any(
        name.endswith(".py") for _, _, names in os.walk(directory) for name in names
    )  # os.walk follows no symlinked directory


def _installed_metadata(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.name.endswith(".dist-info") and entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _walk(
    root: Path, result: Discovery, named: Collection[str], recursive: bool = True
) -> list[str]:
    """An iterative walk that never follows symlinked directories (only `root`'s own files
    unless `recursive`)."""
    found: list[str] = []
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        directory = root / rel_dir if rel_dir else root
        try:
            entries = list(os.scandir(directory))
        except OSError as error:
            result.unreadable.append(
                (rel_dir or ".", f"cannot read directory: {error.strerror or error}")
            )
            continue
        if rel_dir and any(entry.name == "pyvenv.cfg" for entry in entries):
            continue
        if (
            rel_dir
            and any(_installed_metadata(entry) for entry in entries)
            and not _names_inside(named, rel_dir)
        ):
            continue  # packages installed here (`_install_targets`)
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not recursive:
                        continue
                    if _template_directory(entry.name):
                        if _names_inside(named, rel):
                            stack.append(rel)
                        elif _holds_python(Path(entry.path)):
                            result.templates.append(rel)
                    elif not _skipped_directory(entry.name):
                        stack.append(rel)
                elif entry.is_file():
                    found.append(rel)
            except OSError:
                continue
    return found
