"""Import roots declared by packaging (setup.cfg, pyproject.toml, setup.py): read as text,
and the modules found through them, as the installed `dblint` reports them."""

from __future__ import annotations

import json
import posixpath
import warnings
from pathlib import Path

import pytest
from conftest import FIXTURES, run_tool, write_project

from dblint.engine import Request
from dblint.packaging import ImportRoot, find_package_roots
from dblint.pipeline import load_project

PACKAGE_ROOTS = FIXTURES / "package_roots"
MODEL = "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n"


def _modules(root: Path) -> dict[str, str]:
    """Module name -> path, in the index of a one-project repository."""
    return load_project(root, Request(paths=(root,))).index.paths_by_module


@pytest.mark.parametrize(
    ("files", "module", "path"),
    [
        # setup.cfg: a root for all packages, one line or one entry per line.
        (
            {"svc/setup.cfg": "[options]\npackage_dir = =src_code\n"},
            "app.db",
            "svc/src_code/app/db.py",
        ),
        (
            {"svc/setup.cfg": "[options]\npackage_dir =\n    = code\n"},
            "app.db",
            "svc/code/app/db.py",
        ),
        # setup.cfg: one package at a directory of another name.
        (
            {"setup.cfg": "[options]\npackage_dir =\n    app = lib/the_app\n"},
            "app.db",
            "lib/the_app/db.py",
        ),
        # setup.cfg: `packages = find:` with `where`.
        (
            {
                "setup.cfg": "[options]\npackages = find:\n\n[options.packages.find]\nwhere = code\n",
            },
            "app.db",
            "code/app/db.py",
        ),
        # pyproject.toml: setuptools' package-dir and packages.find.
        (
            {"svc/pyproject.toml": '[tool.setuptools]\npackage-dir = {"" = "code"}\n'},
            "app.db",
            "svc/code/app/db.py",
        ),
        (
            {"svc/pyproject.toml": '[tool.setuptools.packages.find]\nwhere = ["code"]\n'},
            "app.db",
            "svc/code/app/db.py",
        ),
        # poetry's `from` and hatch's wheel packages.
        (
            {
                "svc/pyproject.toml": (
                    '[tool.poetry]\npackages = [{include = "app", from = "code"}]\n'
                ),
            },
            "app.db",
            "svc/code/app/db.py",
        ),
        (
            {
                "svc/pyproject.toml": (
                    '[tool.hatch.build.targets.wheel]\npackages = ["code/app"]\n'
                ),
            },
            "app.db",
            "svc/code/app/db.py",
        ),
        # setup.py: a literal package_dir, also through `setuptools.setup`.
        (
            {"svc/setup.py": 'import setuptools\nsetuptools.setup(package_dir={"": "code"})\n'},
            "app.db",
            "svc/code/app/db.py",
        ),
        # A directory holding only a setup.cfg is a project root, like one with pyproject.toml.
        ({"svc/setup.cfg": "[metadata]\nname = svc\n"}, "app.db", "svc/app/db.py"),
    ],
)
def test_packaging_declares_where_a_package_is_imported_from(
    tmp_path: Path, files: dict[str, str], module: str, path: str
) -> None:
    root = write_project(tmp_path / "repo", {**files, path: MODEL})
    assert _modules(root).get(module) == path


@pytest.mark.parametrize(
    "files",
    [
        # Computed values are ignored, not guessed.
        {"setup.py": 'import os\nsetup(package_dir={"": os.environ["SRC"]})\n'},
        {"setup.py": 'SRC = "code"\nsetup(package_dir={"": SRC})\n'},
        {"setup.py": "setup(**options)\n"},
        {"setup.py": 'setup(package_dir=dict(app="code/app"))\n'},
        # Prose and broken files declare nothing, and never stop the run.
        {"setup.py": '"""setup(package_dir={"": "code"})"""\n# package_dir = code\n'},
        {"setup.py": "setup(package_dir={'': 'code'}\n"},
        {"setup.cfg": "[options]\npackage_dir =\n    code\n"},
        {"setup.cfg": "not an ini file\n"},
        {"pyproject.toml": '[tool.setuptools\npackage-dir = {"" = "code"}\n'},
        {"pyproject.toml": '[tool.setuptools]\npackage-dir = "code"\n'},
        # Paths leaving the repository are not its roots.
        {"setup.cfg": "[options]\npackage_dir = =../code\n"},
        {"setup.cfg": "[options]\npackage_dir = =/srv/code\n"},
    ],
)
def test_what_packaging_does_not_declare_literally_is_no_root(
    tmp_path: Path, files: dict[str, str]
) -> None:
    root = write_project(tmp_path / "repo", {**files, "code/app/db.py": MODEL})
    assert find_package_roots(root, files) == ()
    assert _modules(root).get("code.app.db") == "code/app/db.py"


def test_the_fixture_reports_models_reached_through_every_declared_root() -> None:
    """Each package of the fixture is imported only as its packaging says; the findings
    name the modules by those names."""
    completed = run_tool("dblint", "check", ".", "--format", "json", cwd=PACKAGE_ROOTS)
    assert completed.returncode == 1, completed.stderr
    by_code = {
        (item["path"], item["code"]): item["message"] for item in json.loads(completed.stdout)
    }
    assert "never imports shop.invoices" in by_code[("lib/shop_pkg/invoices.py", "DBL204")]
    assert (
        "tracks shop.base:Base.metadata"
        in by_code[("extras/exports/lib/exports/models.py", "DBL410")]
    )
    modules = _modules(PACKAGE_ROOTS)
    assert {
        name: modules[name]
        for name in (
            "shop.models",
            "ledger.entries",
            "audit.models",
            "reports.models",
            "exports.models",
        )
    } == {
        "shop.models": "lib/shop_pkg/models.py",
        "ledger.entries": "components/ledger/source/ledger/entries.py",
        "audit.models": "plugins/audit/code/audit/models.py",
        "reports.models": "extras/reports/pkg/reports/models.py",
        "exports.models": "extras/exports/lib/exports/models.py",
    }
    assert "lib.helpers" in modules  # tools/setup.py's computed package_dir is not followed


# --- agreement with setuptools' own configuration readers (they read text, run nothing) ---

SETUP_CFGS = [
    "[options]\npackage_dir = =src\n",
    "[options]\npackage_dir =\n    = src\n    extra = vendor/extra_pkg\n",
    "[options]\npackage_dir = app = lib/app, = src\n",
    "[options]\npackage_dir =\n    app.sub = lib/sub\n",
]
PYPROJECTS = [
    '[tool.setuptools]\npackage-dir = {"" = "src"}\n',
    '[tool.setuptools]\npackage-dir = {"app" = "lib/app", "" = "src"}\n',
]


def _expected(package_dir: dict[str, str], directory: str) -> set[ImportRoot]:
    """The import roots setuptools' `package_dir` means, relative to the repository."""
    roots = set()
    for package, path in package_dir.items():
        normal = posixpath.normpath(posixpath.join(directory, path))
        roots.add(ImportRoot("" if normal == "." else normal, package))
    return roots


@pytest.mark.parametrize("text", SETUP_CFGS)
def test_setup_cfg_package_dir_agrees_with_setuptools(tmp_path: Path, text: str) -> None:
    setupcfg = pytest.importorskip("setuptools.config.setupcfg")
    path = tmp_path / "svc" / "setup.cfg"
    path.parent.mkdir()
    path.write_text("[metadata]\nname = svc\n\n" + text)
    package_dir = setupcfg.read_configuration(path)["options"]["package_dir"]
    assert set(find_package_roots(tmp_path, ["svc/setup.cfg"])) == _expected(package_dir, "svc")


@pytest.mark.parametrize("text", PYPROJECTS)
def test_pyproject_package_dir_agrees_with_setuptools(tmp_path: Path, text: str) -> None:
    pyprojecttoml = pytest.importorskip("setuptools.config.pyprojecttoml")
    path = tmp_path / "svc" / "pyproject.toml"
    path.parent.mkdir()
    path.write_text('[project]\nname = "svc"\nversion = "0"\n\n' + text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # `[tool.setuptools]` is "beta" in older setuptools
        config = pyprojecttoml.read_configuration(path, expand=False)
    package_dir = config["tool"]["setuptools"]["package-dir"]
    assert set(find_package_roots(tmp_path, ["svc/pyproject.toml"])) == _expected(
        package_dir, "svc"
    )


def test_the_fixture_agrees_with_setuptools() -> None:
    setupcfg = pytest.importorskip("setuptools.config.setupcfg")
    package_dir = setupcfg.read_configuration(PACKAGE_ROOTS / "setup.cfg")["options"]["package_dir"]
    assert set(find_package_roots(PACKAGE_ROOTS, ["setup.cfg"])) == _expected(package_dir, "")
