"""File contexts seen through DBL101: a migration, env.py or test file is exempt, app code is not.

Every candidate file holds the same `create_all`; which of them are reported shows
which context dblint gave them. None of the migration files has the shape of an
Alembic revision, so only the configuration can make them migrations.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, finding_set, run_tool, write_project

from dblint.contexts import in_benchmark_scripts

DB = "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"
CREATE_ALL = "from app.db import Base\n\n\ndef upgrade(bind):\n    Base.metadata.create_all(bind)\n"
INI_TAIL = "\n[loggers]\nkeys = root\n"


def reported(root: Path) -> set[str]:
    completed = run_tool("dblint", "check", cwd=root)
    assert completed.returncode in (0, 1), completed.stderr
    return {path for path, _, _ in finding_set(completed.stdout)}


def make(
    tmp_path: Path, candidates: list[str], extra: dict[str, str] | None = None, pyproject: str = ""
) -> Path:
    files = {
        "app/__init__.py": "",
        "app/db.py": DB,
        **dict.fromkeys(candidates, CREATE_ALL),
        **(extra or {}),
    }
    return write_project(tmp_path / "proj", files, pyproject=pyproject)


CANDIDATES = [
    "app/main.py",
    "migrations/versions/001_init.py",
    "migrations/env.py",
    "db/migrations/versions/001_init.py",
    "db/migrations/env.py",
    "backend/alembic/versions/001_init.py",
    "backend/alembic/env.py",
    "plugins/billing/versions/001_billing.py",
    "shared/versions/001_shared.py",
    "app/migrations/versions/001_pkg.py",
    "app/migrations/env.py",
]


def exempt_under(root: Path) -> set[str]:
    return set(CANDIDATES) - reported(root)


def test_without_configuration_nothing_is_a_migration(tmp_path: Path) -> None:
    root = make(tmp_path, CANDIDATES)
    assert exempt_under(root) == set()


def test_script_location_with_here(tmp_path: Path) -> None:
    ini = "[alembic]\nscript_location = %(here)s/alembic\n" + INI_TAIL
    root = make(tmp_path, CANDIDATES, {"backend/alembic.ini": ini})
    assert exempt_under(root) == {"backend/alembic/versions/001_init.py", "backend/alembic/env.py"}


def test_relative_script_location(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        CANDIDATES,
        {"alembic.ini": "[alembic]\nscript_location = db/migrations\n" + INI_TAIL},
    )
    assert exempt_under(root) == {"db/migrations/versions/001_init.py", "db/migrations/env.py"}


def test_package_resource_script_location(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        CANDIDATES,
        {"alembic.ini": "[alembic]\nscript_location = app:migrations\n" + INI_TAIL},
    )
    assert exempt_under(root) == {"app/migrations/versions/001_pkg.py", "app/migrations/env.py"}


def test_package_resource_script_location_with_several_steps(tmp_path: Path) -> None:
    """`prefect:server:database:_migrations`: each colon after the package is a directory step,
    as Alembic's `coerce_resource_to_filename` reads it (no phantom `server:database:...` dir)."""
    migration_files = ["app/store/_migrations/versions/001_pkg.py", "app/store/_migrations/env.py"]
    root = make(
        tmp_path,
        ["app/main.py", *migration_files],
        {
            "app/store/__init__.py": "",
            "alembic.ini": "[alembic]\nscript_location = app:store:_migrations\n" + INI_TAIL,
        },
    )
    assert reported(root) == {"app/main.py"}
    inventory = run_tool("dblint", "inventory", "--format", "json", cwd=root)
    assert "store:_migrations" not in inventory.stdout


def test_relative_script_location_read_from_the_directory_alembic_runs_in(tmp_path: Path) -> None:
    """hypothesis/h: `conf/alembic.ini` says `db/migrations`, which Alembic reads against the working
    directory (`alembic -c conf/alembic.ini` from the root): no phantom `conf/db/migrations`."""
    root = make(
        tmp_path,
        CANDIDATES,
        {
            "conf/alembic.ini": "[alembic]\nscript_location = db/migrations\n" + INI_TAIL,
            "db/migrations/versions/001_init.py": 'revision = "001"\ndown_revision = None\n',
        },
    )
    assert exempt_under(root) == {"db/migrations/versions/001_init.py", "db/migrations/env.py"}
    inventory = run_tool("dblint", "inventory", "--format", "json", cwd=root)
    assert "conf/db" not in inventory.stdout
    # Real Alembic agrees: found from the root, not from the ini's directory.
    from_root = run_tool("alembic", "-c", "conf/alembic.ini", "heads", cwd=root)
    assert from_root.returncode == 0 and "001 (head)" in from_root.stdout, from_root.stderr
    from_conf = run_tool("alembic", "-c", "alembic.ini", "heads", cwd=root / "conf")
    assert from_conf.returncode != 0 and "doesn't exist" in from_conf.stdout + from_conf.stderr


def test_every_relative_path_is_read_from_the_one_directory_alembic_runs_in(
    tmp_path: Path,
) -> None:
    """`conf/alembic.ini` says `db/migrations`, found from the root, where `alembic` runs: its
    `version_locations` entry `db/plugin_versions` is read from the root too, even though the ini's own
    directory has a `db/plugin_versions` (each path used to be looked for on its own)."""
    ini = (
        "[alembic]\nscript_location = db/migrations\n"
        "version_locations = db/migrations/versions db/plugin_versions\n" + INI_TAIL
    )
    plugin_revision = 'revision = "002"\ndown_revision = "001"\n'
    root = make(
        tmp_path,
        ["db/plugin_versions/002_helpers.py", "conf/db/plugin_versions/002_helpers.py"],
        {
            "conf/alembic.ini": ini,
            "db/migrations/versions/001_init.py": 'revision = "001"\ndown_revision = None\n',
            "db/plugin_versions/002_plugin.py": plugin_revision,
        },
    )
    assert reported(root) == {"conf/db/plugin_versions/002_helpers.py"}
    # Real Alembic agrees: run from the root, it reads the root's plugin versions, not the
    # ones beside the ini (Alembic imports every file there, so the helpers go first).
    for helpers in root.glob("**/plugin_versions/002_helpers.py"):
        helpers.unlink()
    (root / "conf/db/plugin_versions/003_beside.py").write_text(
        'revision = "003"\ndown_revision = "001"\n'
    )
    from_root = run_tool("alembic", "-c", "conf/alembic.ini", "heads", cwd=root)
    assert from_root.returncode == 0, from_root.stderr
    assert from_root.stdout.split() == ["002", "(head)"]


def test_script_location_beside_its_ini_wins_over_one_above(tmp_path: Path) -> None:
    """The look-alike: `backend/alembic.ini` says `alembic`, and both `backend/alembic` and
    `alembic/` exist: the ini's own directory is read first; `%(here)s` never falls back."""
    ini = "[alembic]\nscript_location = alembic\n" + INI_TAIL
    extra = {"backend/alembic.ini": ini, "alembic/env.py": CREATE_ALL}
    root = make(tmp_path, CANDIDATES, extra)
    assert exempt_under(root) == {"backend/alembic/versions/001_init.py", "backend/alembic/env.py"}
    here = "[alembic]\nscript_location = %(here)s/db/migrations\n" + INI_TAIL
    root = make(tmp_path / "here", CANDIDATES, {"conf/alembic.ini": here})
    assert exempt_under(root) == set()


@pytest.mark.parametrize(
    ("separator", "joined"),
    [
        ("", "%(here)s/plugins/billing/versions %(here)s/shared/versions"),
        ("", "%(here)s/plugins/billing/versions, %(here)s/shared/versions"),
        ("path_separator = os\n", "%(here)s/plugins/billing/versions:%(here)s/shared/versions"),
        (
            "version_path_separator = ;\n",
            "%(here)s/plugins/billing/versions;%(here)s/shared/versions",
        ),
        (
            "path_separator = newline\n",
            "\n    %(here)s/plugins/billing/versions\n    %(here)s/shared/versions",
        ),
    ],
)
def test_several_version_locations(tmp_path: Path, separator: str, joined: str) -> None:
    ini = (
        f"[alembic]\nscript_location = migrations\n{separator}version_locations = {joined}\n"
        + INI_TAIL
    )
    root = make(tmp_path, CANDIDATES, {"alembic.ini": ini})
    # The script location's own versions/ stays a migration directory too (a harmless superset).
    assert exempt_under(root) == {
        "migrations/versions/001_init.py",
        "migrations/env.py",
        "plugins/billing/versions/001_billing.py",
        "shared/versions/001_shared.py",
    }


def test_tool_alembic_in_pyproject(tmp_path: Path) -> None:
    pyproject = (
        '\n[tool.alembic]\nscript_location = "%(here)s/db/migrations"\n'
        'version_locations = ["%(here)s/plugins/billing/versions"]\n'
    )
    root = make(tmp_path, CANDIDATES, pyproject=pyproject)
    assert exempt_under(root) == {
        "db/migrations/versions/001_init.py",
        "db/migrations/env.py",
        "plugins/billing/versions/001_billing.py",
    }


def test_migrations_setting(tmp_path: Path) -> None:
    root = make(tmp_path, CANDIDATES, pyproject='\n[tool.dblint]\nmigrations = ["db/migrations"]\n')
    assert exempt_under(root) == {"db/migrations/versions/001_init.py", "db/migrations/env.py"}


def test_flask_migrate_layout(tmp_path: Path) -> None:
    # `flask db init` writes migrations/alembic.ini without script_location.
    ini = (
        "# A generic, single database configuration.\n\n[alembic]\n# template used to generate migration files\n"
        + INI_TAIL
    )
    root = make(tmp_path, CANDIDATES, {"migrations/alembic.ini": ini})
    assert exempt_under(root) == {"migrations/versions/001_init.py", "migrations/env.py"}


def test_fallback_by_module_shape(tmp_path: Path) -> None:
    revision = (
        "import sqlalchemy as sa\nfrom alembic import op\n\nfrom app.db import Base\n\n"
        "revision = 'abc123'\ndown_revision = None\n\n\n"
        "def upgrade():\n    Base.metadata.create_all(op.get_bind())\n    op.execute('ALTER TABLE users ADD COLUMN age INTEGER')\n"
    )
    not_a_revision = revision.replace("from alembic import op\n", "from app import op\n")
    only_revision = revision.replace("down_revision = None\n", "")
    root = make(
        tmp_path,
        ["app/main.py"],
        {
            "odd/place/abc123_init.py": revision,
            "odd/place/lookalike.py": not_a_revision,
            "odd/place/half.py": only_revision,
        },
    )
    assert reported(root) == {"app/main.py", "odd/place/lookalike.py", "odd/place/half.py"}


def test_env_py_is_exempt_without_configuration(tmp_path: Path) -> None:
    env = "from alembic import context\n\nfrom app.db import Base\n\nBase.metadata.create_all(context.config.attributes['connection'])\n"
    root = make(tmp_path, ["app/main.py"], {"deploy/alembic/env.py": env, "app/env.py": CREATE_ALL})
    assert reported(root) == {"app/main.py", "app/env.py"}


@pytest.mark.parametrize(
    ("path", "is_test"),
    [
        ("tests/test_models.py", True),
        ("tests/helpers/factories.py", True),
        ("src/app/tests/utils.py", True),
        ("test/integration/setup_db.py", True),
        ("conftest.py", True),
        ("app/conftest.py", True),
        ("app/test_utils.py", True),
        ("app/models_test.py", True),
        ("tests.py", True),
        ("app/testing/fixtures.py", False),
        ("app/testing.py", False),
        ("app/contest.py", False),
        ("app/latest_tests.py", False),
        # Not pytest's or unittest's names, and application modules are named so (`lab_tests.py`
        # with a `lab_tests` model); pgAdmin-style projects add them to `test-paths`.
        ("app/models/lab_tests.py", False),
        ("web/regression/feature_utils/app_starter.py", False),
        ("app/regression.py", False),
        ("app/attest/x.py", False),
        ("docs/examples/quickstart.py", False),
        ("examples/demo.py", False),
    ],
)
def test_default_test_paths(tmp_path: Path, path: str, is_test: bool) -> None:
    root = make(tmp_path, [path])
    assert (path not in reported(root)) is is_test


def test_test_paths_match_at_any_depth_unless_anchored(tmp_path: Path) -> None:
    candidates = [
        "qa/setup_db.py",
        "services/billing/qa/setup_db.py",
        "fixtures/seed.py",
        "app/fixtures/seed.py",
        "tests/x.py",
    ]
    pyproject = '\n[tool.dblint]\ntest-paths = ["qa/", "/fixtures/"]\n'
    root = make(tmp_path, candidates, pyproject=pyproject)
    assert reported(root) == {"app/fixtures/seed.py", "tests/x.py"}


def test_own_migration_runner_is_a_context_of_its_own() -> None:
    """The inventory shows the context: a numbered-step `migrations.py` is an own-migration,
    whose raw SQL counts as a migration's (low risk); its look-alikes are application code."""
    root = FIXTURES / "own_migrations"
    completed = run_tool("dblint", "inventory", "--format", "json", cwd=root)
    assert completed.returncode in (0, 1), completed.stderr
    rows = {row["path"]: row for row in json.loads(completed.stdout)["files"]}
    own = rows["app/plugins/loyalty/migrations.py"]
    assert (own["context"], own["risk"], own["findings"]) == ("own-migration", "low", {})
    assert rows["app/plugins/rewards/steps.py"]["context"] == "app"
    assert rows["app/plugins/vouchers/migrations.py"]["context"] == "app"


def test_numbered_step_modules_of_an_own_runner_are_own_migrations() -> None:
    """own_delta_migrations: a numbered module of `migrations/` (`0003_add_flags.py`,
    `0004.room-index.py`, `upgrade/v01_initial.py`), of `migrations/versions/` when it is a
    package (`v2_3_0.py`, agno's steps laid out as Alembic's revisions, imported by name) and a
    module of a numbered version directory under `delta/` or `migrations/`
    (`schema/delta/27/add_origin_ts.py`, Synapse's shape; `migrations/v1_to_v2/convert_rooms.py`)
    are steps of the project's own runner: no DBL102/DBL103. The runner, an unnumbered module of
    the delta or versions directory, a module of an unnumbered directory of `migrations/`, a
    numbered module of a `migrations/versions/` that is no package, a numbered module elsewhere
    (`store/versions/`) and a numbered directory elsewhere are application code and reported. In
    an application module, only the DDL of its `upgrade_v1`, `upgrade_v2` steps (mautrix's
    `UpgradeTable`) and the items of a module- or class-level `MIGRATIONS` / `*_MIGRATIONS`
    list (langgraph's checkpointers, also a step object's statement) are the migration; its
    other functions and methods, a list of another name and the runner's own version table
    are checked."""
    root = FIXTURES / "own_delta_migrations"
    completed = run_tool("dblint", "inventory", "--format", "json", cwd=root)
    assert completed.returncode in (0, 1), completed.stderr
    rows = {row["path"]: row for row in json.loads(completed.stdout)["files"]}
    for path in (
        "chatd/store/migrations/0003_add_flags.py",
        "chatd/store/migrations/0004.room-index.py",
        "chatd/store/schema/delta/27/add_origin_ts.py",
        "chatd/store/schema/delta/31/receipts.py",
        "chatd/db/upgrade/v01_initial.py",
        "chatd/store/migrations/versions/v2_3_0.py",
        "chatd/store/migrations/v1_to_v2/convert_rooms.py",
    ):
        assert (rows[path]["context"], rows[path]["findings"]) == ("own-migration", {}), path
    checked = run_tool("dblint", "check", cwd=root)
    assert finding_set(checked.stdout) == {
        ("chatd/bots/notes.py", 20, "DBL103"),
        ("chatd/bots/notes.py", 25, "DBL102"),
        ("chatd/bots/migrations/versions/v3_0_0.py", 6, "DBL103"),
        ("chatd/reports/2024/monthly.py", 5, "DBL102"),
        ("chatd/store/delta_tools/sync.py", 5, "DBL103"),
        ("chatd/store/jobs/27_reindex.py", 5, "DBL103"),
        ("chatd/store/migrations/runner.py", 5, "DBL103"),
        ("chatd/store/checkpoints.py", 27, "DBL102"),
        ("chatd/store/checkpoints.py", 39, "DBL102"),
        ("chatd/store/migrations/tools/cleanup.py", 5, "DBL103"),
        ("chatd/store/migrations/versions/loader.py", 5, "DBL103"),
        ("chatd/store/versions/v2_4_0.py", 5, "DBL103"),
        ("chatd/store/schema/delta/helpers.py", 5, "DBL103"),
    }


def test_benchmark_scripts_are_a_context_of_their_own() -> None:
    """benchmark_scripts: files under `benches/` and `benchmarks/` (no `__init__.py`) build scratch
    databases, as tests do: no DBL1xx, shown as `benchmark`, low risk. A `benchmarks` package of
    the application and a module named `benchmark.py` are application code."""
    root = FIXTURES / "benchmark_scripts"
    completed = run_tool("dblint", "inventory", "--format", "json", cwd=root)
    assert completed.returncode in (0, 1), completed.stderr
    rows = {row["path"]: row for row in json.loads(completed.stdout)["files"]}
    for path in ("benches/bench_balance.py", "benchmarks/io/bench_import.py"):
        assert (rows[path]["context"], rows[path]["risk"], rows[path]["findings"]) == (
            "benchmark",
            "low",
            {},
        )
    assert rows["ledger/benchmarks/store.py"]["context"] == "app"
    assert rows["tools/benchmark.py"]["context"] == "app"


@pytest.mark.parametrize(
    ("path", "packages", "scripts"),
    [
        ("benches/bench_x.py", set(), True),
        ("bench/x.py", set(), True),
        ("services/api/benchmarks/sub/x.py", {"services/api/benchmarks/sub"}, True),
        ("app/benchmarks/x.py", {"app/benchmarks"}, False),
        # The nearest benchmark directory decides.
        ("benchmarks/app/benches/x.py", {"benchmarks"}, True),
        ("tools/benchmark.py", set(), False),
        ("benchmarking/x.py", set(), False),
    ],
)
def test_benchmark_directories(path: str, packages: set[str], scripts: bool) -> None:
    assert in_benchmark_scripts(path, packages) is scripts


def test_modules_only_migrations_import_are_migration_helpers() -> None:
    """The inventory shows the context the index gives a module that only revisions import,
    directly or through another such module; a module the application or env.py imports too is
    application code."""
    root = FIXTURES / "frozen_models"
    completed = run_tool("dblint", "inventory", "--format", "json", cwd=root)
    assert completed.returncode in (0, 1), completed.stderr
    contexts = {row["path"]: row["context"] for row in json.loads(completed.stdout)["files"]}
    assert contexts["app/backfill/cards.py"] == "migration-helper"
    assert contexts["app/shared_models.py"] == contexts["app/models.py"] == "app"
