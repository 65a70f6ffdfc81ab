"""Projects within a repository: which files make each project, and what each sees."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, run_tool, write_project

from dblint.engine import Request
from dblint.index.schema import model_schema
from dblint.pipeline import load_project

MONOREPO = FIXTURES / "monorepo_services"
SUBPROJECTS = FIXTURES / "sqlmodel_subprojects"
PLUGINS = FIXTURES / "plugin_environments"
INI = "[alembic]\nscript_location = {where}\n"
ENV = "from alembic import context\n"


def _parts(root: Path) -> dict[str, tuple[frozenset[str], tuple[str, ...]]]:
    """Project name -> (own files, script location directories)."""
    loaded = load_project(root, Request(paths=(root,)))
    parts = {}
    for index in loaded.indexes:
        assert index.part is not None
        parts[index.part.project.name] = (
            index.part.own,
            tuple(location.directory for location in index.script_locations),
        )
    return parts


def test_services_with_one_layout_are_two_projects_with_their_own_module_names() -> None:
    loaded = load_project(MONOREPO, Request(paths=(MONOREPO,)))
    by_project = {
        index.part.project.name: index for index in loaded.indexes if index.part is not None
    }
    assert sorted(by_project) == ["services/billing", "services/orders"]
    for name, index in by_project.items():
        assert index.paths_by_module["migrations.env"] == f"{name}/migrations/env.py"
        assert index.paths_by_module["app.models"] == f"{name}/app/models/__init__.py"
        # The shared library is one module, seen by each service from its src/ layout.
        assert index.paths_by_module["common.mixins"] == "libs/common/src/common/mixins.py"
        assert not any(path.startswith("libs/") for path in index.part.own)
        assert all(path.startswith(name + "/") for path in index.part.own)
    with pytest.raises(ValueError, match="2 projects"):
        loaded.index  # noqa: B018 - a repository of several projects has no single index


def test_a_repository_with_one_alembic_environment_is_one_index() -> None:
    loaded = load_project(FIXTURES / "alembic_drift", Request(paths=()))
    assert len(loaded.indexes) == 1 and loaded.index.part is None


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # Flask-Migrate keeps alembic.ini in the script directory: the project is the directory above.
        (
            {"a/migrations/alembic.ini": "[alembic]\n", "b/alembic.ini": INI.format(where="db")},
            {"a": ("a/migrations",), "b": ("b/db",)},
        ),
        # An alembic.ini inside a package belongs to the directory that imports the package.
        (
            {
                "svc1/src/one/__init__.py": "",
                "svc1/src/one/alembic.ini": INI.format(where="migrations"),
                "svc2/alembic.ini": INI.format(where="migrations"),
            },
            {"svc1": ("svc1/src/one/migrations",), "svc2": ("svc2/migrations",)},
        ),
        # Two sections of one alembic.ini are one project; a nested service is its own.
        (
            {
                "alembic.ini": INI.format(where="core") + "\n[tenant]\nscript_location = tenant\n",
                "plugins/x/alembic.ini": INI.format(where="migrations"),
            },
            {".": ("core", "tenant"), "plugins/x": ("plugins/x/migrations",)},
        ),
        # A relative script location read from the service's directory, where `alembic -c
        # conf/alembic.ini` runs (nothing beside the ini): the project is the service, not conf/.
        (
            {
                "svc/conf/alembic.ini": INI.format(where="migrations"),
                "svc/migrations/env.py": ENV,
                "jobs/alembic.ini": INI.format(where="m"),
            },
            {"svc": ("svc/migrations",), "jobs": ("jobs/m",)},
        ),
        # `[tool.alembic]` in a service's pyproject.toml.
        (
            {
                "api/pyproject.toml": '[tool.alembic]\nscript_location = "migrations"\n',
                "jobs/alembic.ini": INI.format(where="m"),
            },
            {"api": ("api/migrations",), "jobs": ("jobs/m",)},
        ),
    ],
)
def test_project_roots(
    tmp_path: Path, files: dict[str, str], expected: dict[str, tuple[str, ...]]
) -> None:
    root = write_project(tmp_path / "repo", {**files, "shared/util.py": "X = 1\n"})
    parts = _parts(root)
    assert {name: locations for name, (_, locations) in parts.items()} == expected
    # Outside every project's root, a file is shared; under the repository's root project, it is that project's.
    owners = [name for name, (own, _) in parts.items() if "shared/util.py" in own]
    assert owners == (["."] if "." in parts else [])


def test_files_of_a_nested_project_are_not_the_outer_ones(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "repo",
        {
            "alembic.ini": INI.format(where="migrations"),
            "app.py": "",
            "plugins/x/alembic.ini": INI.format(where="m"),
            "plugins/x/models.py": "",
        },
    )
    parts = _parts(root)
    assert parts["."][0] == {"app.py"} and parts["plugins/x"][0] == {"plugins/x/models.py"}


def test_prepend_sys_path_is_an_import_root(tmp_path: Path) -> None:
    """`prepend_sys_path = ../lib` makes `lib/` importable by env.py: its module is `db`, not `lib.db`."""
    root = write_project(
        tmp_path / "repo",
        {
            "svc/alembic.ini": INI.format(where="migrations") + "prepend_sys_path = . ../lib\n",
            "svc/migrations/env.py": ENV + "from db import Base\ntarget_metadata = Base.metadata\n",
            "lib/db.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
            "other/alembic.ini": INI.format(where="migrations"),
        },
    )
    loaded = load_project(root, Request(paths=(root,)))
    for index in loaded.indexes:
        assert index.paths_by_module.get("db") == "lib/db.py" or index.part.project.name == "other"


def _inventory(root: Path, *args: str) -> str:
    completed = run_tool("dblint", "inventory", *args, cwd=root)
    assert completed.returncode in (0, 1), completed.stderr  # 1: the scan has findings, as `check`
    return completed.stdout


def test_inventory_names_the_project_of_every_file_and_table_in_every_format() -> None:
    files = json.loads(_inventory(MONOREPO, "--format", "json"))["files"]
    projects = {row["path"]: row["project"] for row in files}
    assert projects["services/orders/app/models/order.py"] == "services/orders"
    assert projects["services/billing/app/models/invoice.py"] == "services/billing"
    assert projects["libs/common/src/common/health.py"] == "(shared)"
    assert [row["path"] for row in files].count("libs/common/src/common/health.py") == 1
    assert list(files[0])[:2] == ["project", "path"]
    tables = json.loads(_inventory(MONOREPO, "--by", "table", "--format", "json"))["tables"]
    customers = sorted(
        (row["project"], row["defined_at"][0], row["tracked"])
        for row in tables
        if row["table"] == "customers"
    )
    assert customers == [
        ("services/billing", "services/billing/app/models/invoice.py:7", True),
        ("services/orders", "services/orders/app/models/order.py:7", True),
    ]
    rows = list(
        csv.DictReader(io.StringIO(_inventory(MONOREPO, "--by", "table", "--format", "csv")))
    )
    assert sorted((row["project"], row["table"]) for row in rows) == sorted(
        (row["project"], row["table"]) for row in tables
    )
    markdown = _inventory(MONOREPO)
    assert "| project | path |" in markdown
    assert "| `services/orders` | `services/orders/app/models/order.py` |" in markdown


def test_one_project_inventory_has_no_project_column() -> None:
    files = json.loads(_inventory(FIXTURES / "alembic_drift", "--format", "json"))["files"]
    assert files and all("project" not in row for row in files)


def test_sqlmodel_metadata_is_one_per_project() -> None:
    """Both sub-projects track SQLModel.metadata and declare `message`: no duplicate, no cross-project drift."""
    completed = run_tool(
        "dblint",
        "check",
        ".",
        "--format",
        "json",
        "--extend-select",
        "DBL413,DBL416",
        cwd=SUBPROJECTS,
    )
    findings = json.loads(completed.stdout)
    assert [(item["path"], item["code"]) for item in findings] == [
        ("worker/server/worker_server/models/message.py", "DBL411")
    ]
    assert "worker/server/alembic/versions" in findings[0]["message"]


def test_checking_one_file_of_a_service_reports_only_it() -> None:
    """Pre-commit names files: the service's file is checked against its own project."""
    completed = run_tool(
        "dblint",
        "check",
        "services/billing/app/models/invoice.py",
        "--format",
        "json",
        cwd=MONOREPO,
    )
    assert completed.returncode == 1, completed.stderr
    findings = json.loads(completed.stdout)
    assert [item["path"] for item in findings] == ["services/billing/app/models/invoice.py"] * 2
    assert {item["code"] for item in findings} == {"DBL410", "DBL411"}


def test_flake8_plugin_reports_what_the_cli_reports() -> None:
    flake8 = run_tool("flake8", "--select", "DBL", "services", cwd=MONOREPO)
    cli = json.loads(
        run_tool("dblint", "check", "services", "--format", "json", cwd=MONOREPO).stdout
    )
    shown = [
        line.split(": ", 1)[0] + ": " + line.split(": ", 1)[1].split(" ", 1)[0]
        for line in flake8.stdout.splitlines()
    ]
    assert len(cli) == 4
    assert sorted(shown) == sorted(
        f"{item['path']}:{item['line']}:{item['column']}: {item['code']}" for item in cli
    )


def test_a_project_module_wins_over_a_shared_one_of_the_same_name(tmp_path: Path) -> None:
    """Imports resolve inside the importing file's project first, then in the shared packages."""
    root = write_project(
        tmp_path / "repo",
        {
            "a/alembic.ini": INI.format(where="migrations"),
            "a/config/__init__.py": "",
            "b/alembic.ini": INI.format(where="migrations"),
            "config/__init__.py": "",
            "util/__init__.py": "",
        },
    )
    loaded = load_project(root, Request(paths=(root,)))
    modules = {index.part.project.name: index.paths_by_module for index in loaded.indexes}
    assert modules["a"]["config"] == "a/config/__init__.py"
    assert modules["b"]["config"] == "config/__init__.py"
    assert modules["a"]["util"] == modules["b"]["util"] == "util/__init__.py"


FLASK_ENV = (
    "from alembic import context\nfrom flask import current_app\n\n"
    "target_db = current_app.extensions['migrate'].db\n\n\n"
    "def get_metadata():\n    return target_db.metadata\n\n\n"
    "def run_migrations_online():\n    context.configure(target_metadata=get_metadata())\n"
)


def test_each_flask_service_tracks_its_own_db(tmp_path: Path) -> None:
    """Flask-Migrate's env.py names no `db`: it is the project's one `SQLAlchemy()`, one per service."""
    files: dict[str, str] = {}
    for service in ("shop", "admin"):
        files |= {
            f"{service}/migrations/alembic.ini": "[alembic]\n",
            f"{service}/migrations/env.py": FLASK_ENV,
            f"{service}/app/__init__.py": "",
            f"{service}/app/extensions.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
            f"{service}/app/models.py": (
                "from app.extensions import db\n\n\nclass Item(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n"
            ),
        }
    root = write_project(tmp_path / "repo", files)
    loaded = load_project(root, Request(paths=(root,)))
    tracked = {
        index.part.project.name: [item.metadata for item in model_schema(index).tracking]
        for index in loaded.indexes
    }
    assert tracked == {
        "admin": [("app.extensions:db.metadata",)],
        "shop": [("app.extensions:db.metadata",)],
    }


MODELS = (
    "from sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import declarative_base\n\n"
    "Base = declarative_base()\n\n\nclass {name}(Base):\n"
    '    __tablename__ = "{table}"\n    id = Column(Integer, primary_key=True)\n'
)
UNREACHED = (
    "from sqlalchemy import Column, Integer\n\nfrom app.models import Base\n\n\n"
    'class Other(Base):\n    __tablename__ = "others"\n    id = Column(Integer, primary_key=True)\n'
)
REVISION = (
    "import sqlalchemy as sa\nfrom alembic import op\n\n"
    'revision = "{revision}"\ndown_revision = None\n\n\ndef upgrade():\n'
    '    op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True))\n'
)


def _service(directory: str, name: str, table: str, migrations: str) -> dict[str, str]:
    """A package with a model, an env.py under `migrations` tracking it, and one revision."""
    package = directory.rsplit("/", 1)[-1]
    return {
        f"{directory}/__init__.py": "",
        f"{directory}/models.py": MODELS.format(name=name, table=table),
        f"{migrations}/env.py": ENV
        + f"from {package}.models import Base\ntarget_metadata = Base.metadata\n",
        f"{migrations}/versions/{table}.py": REVISION.format(revision=table, table=table),
    }


SCRIPT_LOCATIONS_ELSEWHERE = {
    # The repository's alembic.ini names a script directory inside a nested project.
    "in-a-nested-project": (
        {
            "alembic.ini": INI.format(where="plugins/x/migrations"),
            **_service("app", "User", "users", "plugins/x/migrations"),
            "app/other.py": UNREACHED,
            "plugins/x/alembic.ini": INI.format(where="db"),
            **_service("plugins/x/xapp", "Item", "items", "plugins/x/db"),
        },
        {"plugins/x/migrations/env.py": ".", "plugins/x/db/env.py": "plugins/x"},
    ),
    # A service's alembic.ini names a script directory beside it, under no project's root.
    "beside-the-configuration": (
        {
            "ops/alembic.ini": INI.format(where="../legacy/migrations"),
            **_service("ops/app", "User", "users", "legacy/migrations"),
            "ops/app/other.py": UNREACHED,
            "svc/alembic.ini": INI.format(where="db"),
            **_service("svc/xapp", "Item", "items", "svc/db"),
        },
        {"legacy/migrations/env.py": "ops", "svc/db/env.py": "svc"},
    ),
    # The same, its models in a shared package (under no project's root) only `ops` imports:
    # they are judged against ops' env.py alone, never as untracked by svc's.
    "a-shared-package-one-project-uses": (
        {
            "ops/alembic.ini": INI.format(where="../legacy/migrations") + "prepend_sys_path = ..\n",
            **_service("app", "User", "users", "legacy/migrations"),
            "app/other.py": UNREACHED,
            "svc/alembic.ini": INI.format(where="db"),
            **_service("svc/xapp", "Item", "items", "svc/db"),
        },
        {"legacy/migrations/env.py": "ops", "svc/db/env.py": "svc"},
    ),
}


@pytest.mark.parametrize("case", sorted(SCRIPT_LOCATIONS_ELSEWHERE))
def test_a_script_location_belongs_to_the_project_whose_configuration_names_it(
    tmp_path: Path, case: str
) -> None:
    """Wherever its directory lies, a script location's env.py and revisions are the project
    of the alembic.ini that names it: its models are judged against them."""
    files, owners = SCRIPT_LOCATIONS_ELSEWHERE[case]
    root = write_project(tmp_path / "repo", files)
    parts = _parts(root)
    for env, owner in owners.items():
        assert env in parts[owner][0]
        assert env.replace("env.py", "versions/") in " ".join(parts[owner][0])
    completed = run_tool("dblint", "check", ".", "--format", "json", cwd=root)
    findings = json.loads(completed.stdout)
    other = next(path for path in files if path.endswith("other.py"))
    assert [(item["path"], item["code"]) for item in findings] == [
        (other, "DBL204"),
        (other, "DBL410"),
    ], completed.stderr
    assert next(iter(owners)) in findings[0]["message"]


def test_an_alembic_ini_in_a_namespace_directory_of_a_package_is_the_package_s_project(
    tmp_path: Path,
) -> None:
    """`pkg/server/lifespan/alembic.ini`, where `lifespan/` has no `__init__.py` but `server/`
    is a package (OpenHands): Python imports the directory as `pkg.server.lifespan`, so its
    env.py is the repository root's project, beside a service of its own."""
    root = write_project(
        tmp_path / "repo",
        {
            "pkg/__init__.py": "",
            "pkg/server/__init__.py": "",
            "pkg/server/lifespan/alembic.ini": INI.format(where="%(here)s/alembic"),
            "pkg/server/lifespan/service.py": "",
            "svc/alembic.ini": INI.format(where="migrations"),
        },
    )
    parts = _parts(root)
    assert {name: locations for name, (_, locations) in parts.items()} == {
        ".": ("pkg/server/lifespan/alembic",),
        "svc": ("svc/migrations",),
    }
    assert "pkg/server/__init__.py" in parts["."][0]


def test_a_script_location_above_other_projects_does_not_take_their_files(tmp_path: Path) -> None:
    """`script_location = ../services` names a directory holding another service: its files
    stay its own (its root is deeper); what lies in no deeper project is the naming one's."""
    root = write_project(
        tmp_path / "repo",
        {
            "ops/alembic.ini": INI.format(where="../services"),
            "ops/app.py": "",
            "services/y/alembic.ini": INI.format(where="migrations"),
            "services/y/app/models.py": "",
            "services/notes.py": "",
        },
    )
    parts = _parts(root)
    assert parts["services/y"][0] == {"services/y/app/models.py"}
    assert parts["ops"][0] == {"ops/app.py", "services/notes.py"}


def test_env_py_files_inside_one_package_keep_their_own_module_names() -> None:
    """Plugin environments in namespace directories of their packages (ckan style) are not
    import roots: each env.py is its own module, not four modules named `env`."""
    loaded = load_project(PLUGINS, Request(paths=(PLUGINS,)))
    envs = {
        path: loaded.index.module_of(path) for path in loaded.index.files if path.endswith("env.py")
    }
    assert envs == {
        "portal/migration/env.py": "portal.migration.env",
        "portalext/activity/migration/activity/env.py": "portalext.activity.migration.activity.env",
        "portalext/reports/migration/reports/env.py": "portalext.reports.migration.reports.env",
        "portalext/tracking/migration/tracking/env.py": "portalext.tracking.migration.tracking.env",
    }


SPLIT = FIXTURES / "split_environments"
_BILLING = "enterprise/storage/billing.py"


@pytest.mark.parametrize(
    ("dependency", "found"),
    [
        ('[tool.poetry.dependencies]\nrelay = { path = "../", develop = true }\n', True),
        ('[tool.poetry.group.dev.dependencies]\nrelay = { path = ".." }\n', True),
        ('[tool.uv.sources]\nrelay = { path = "..", editable = true }\n', True),
        # A sibling, not a directory above: the enterprise project is checked on its own.
        ('[tool.uv.sources]\nrelay = { path = "../relay" }\n', False),
        ("", False),
    ],
)
def test_a_project_depending_on_its_parent_by_path_is_checked_with_it(
    tmp_path: Path, dependency: str, found: bool
) -> None:
    """Pre-commit names the enterprise edition's file: it imports the open-source `Base` from
    the directory above, so it is checked from there, as `dblint check .` at the top does."""
    root = tmp_path / "repo"
    shutil.copytree(SPLIT, root, ignore=shutil.ignore_patterns(".dblint_cache", "__pycache__"))
    pyproject = root / "enterprise" / "pyproject.toml"
    pyproject.write_text(
        '[tool.poetry]\nname = "relay-enterprise"\npackages = [{ include = "storage" }]\n\n'
        + dependency,
        encoding="utf-8",
    )
    for cwd, target in ((root, _BILLING), (root / "enterprise", "storage/billing.py")):
        completed = run_tool("dblint", "check", target, "--format", "json", cwd=cwd)
        assert completed.returncode == 1, completed.stderr
        [item] = json.loads(completed.stdout)
        assert (item["line"], item["code"]) == (6, "DBL204")
        # Checked from the top, the environment is the repository's `enterprise/migrations`;
        # on its own (the base an unknown library's), the enterprise project's `migrations`.
        assert ("enterprise/migrations/env.py never imports" in item["message"]) is found


def test_a_drift_message_names_every_version_location(tmp_path: Path) -> None:
    """`version_locations` with a plugin's directory: the revisions of both are searched, so both are named."""
    revision = (
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        "revision = {rev!r}\ndown_revision = None\nbranch_labels = ({label!r},)\n{extra}\n\n"
        "def upgrade():\n    op.create_table({table!r}, sa.Column('id', sa.Integer, primary_key=True))\n"
    )
    root = write_project(
        tmp_path / "app",
        {
            "alembic.ini": "[alembic]\nscript_location = alembic\n"
            "version_locations = %(here)s/alembic/versions %(here)s/plugins/billing/migrations\n",
            "alembic/env.py": "from alembic import context\n\nfrom shop.models import Base\n\n"
            "target_metadata = Base.metadata\n",
            "alembic/versions/a1.py": revision.format(
                rev="a1", label="core", extra="", table="users"
            ),
            "plugins/billing/migrations/p1.py": revision.format(
                rev="p1", label="billing", extra="depends_on = 'a1'", table="invoices"
            ),
            "shop/__init__.py": "",
            "shop/models.py": "from sqlalchemy import Column, Integer\n"
            "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\n\n"
            "class User(Base):\n    __tablename__ = 'users'\n    id = Column(Integer, primary_key=True)\n\n\n"
            "class Invoice(Base):\n    __tablename__ = 'invoices'\n"
            "    id = Column(Integer, primary_key=True)\n    amount = Column(Integer)\n",
        },
    )
    completed = run_tool("dblint", "check", "--select", "DBL4", cwd=root)
    assert completed.stdout.splitlines()[:-1] == [
        "shop/models.py:15:5: DBL411 column invoices.amount is not in the migrated schema: table"
        " invoices is created by revision p1, but no migration in alembic/versions,"
        " plugins/billing/migrations adds the column; add the column in a migration (`op.add_column`)"
    ], completed.stdout + completed.stderr


INI_IN_PACKAGE = FIXTURES / "alembic_ini_in_package_dir"


def test_an_alembic_ini_run_from_an_enclosing_directory_is_no_import_root(
    tmp_path: Path,
) -> None:
    """keephq/keep: `shop/alembic.ini` (in a namespace package) says `shop/db/migrations` and
    `prepend_sys_path = .`, read from the root where `alembic` runs: env.py's `shop.db.models.*`
    imports are the models' modules (only the model it never imports is DBL204), as real
    Alembic agrees: run from the root, its check sees `refund` and nothing else missing."""
    loaded = load_project(INI_IN_PACKAGE, Request(paths=(INI_IN_PACKAGE,)))
    assert loaded.index.paths_by_module["shop.db.models.order"] == "shop/db/models/order.py"
    completed = run_tool("dblint", "check", ".", "--format", "json", cwd=INI_IN_PACKAGE)
    reported = [(item["path"], item["code"]) for item in json.loads(completed.stdout)]
    assert reported == [("shop/db/models/refund.py", "DBL204")]
    root = tmp_path / "repo"
    shutil.copytree(INI_IN_PACKAGE, root)
    ini = root / "shop" / "alembic.ini"
    ini.write_text(ini.read_text().replace("sqlite://", f"sqlite:///{tmp_path / 'db.sqlite'}"))
    upgraded = run_tool("alembic", "-c", "shop/alembic.ini", "upgrade", "head", cwd=root)
    assert upgraded.returncode == 0, upgraded.stderr
    checked = run_tool("alembic", "-c", "shop/alembic.ini", "check", cwd=root)
    assert "remove_table" in checked.stdout + checked.stderr
    assert "'refund'" in checked.stdout + checked.stderr
    assert "'order'" not in checked.stdout + checked.stderr
    from_ini_dir = run_tool("alembic", "-c", "alembic.ini", "heads", cwd=root / "shop")
    assert from_ini_dir.returncode != 0
