"""Stored findings (snapshot.py): reused only while every input is unchanged, never a stale answer."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conftest import BIN, FIXTURES, as_flake8, findings_of, hinted, run_tool, write_project

from dblint.engine import INTERNAL_ERROR
from dblint.rules.internal import InternalError

OLD = 1_600_000_000  # an mtime far enough in the past for the snapshot to trust it

MODELS = """\
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
"""
MAIN = """\
from app.models import Base


def setup(engine):
    Base.metadata.create_all(engine)
"""
MAIN_CLEAN = """\
from app.models import Base


def setup(engine):
    return Base.metadata.tables
"""


def project(tmp_path: Path) -> Path:
    root = write_project(
        tmp_path / "project", {"app/__init__.py": "", "app/models.py": MODELS, "app/main.py": MAIN}
    )
    age(root)
    return root


def age(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (OLD, OLD))


def check(root: Path, *args: str) -> subprocess.CompletedProcess:
    cache = root.parent / "cache"
    result = run_tool("dblint", "check", "--cache-dir", str(cache), *args, cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return result


def snapshots(root: Path) -> list[Path]:
    return sorted((root.parent / "cache").glob("findings-*/*"))


def test_an_unchanged_project_is_answered_from_its_snapshot(tmp_path: Path) -> None:
    root = project(tmp_path)
    first = check(root, ".")
    assert "app/main.py:5:5: DBL101" in first.stdout
    assert len(snapshots(root)) == 1
    second = check(root, ".")
    assert second.stdout == first.stdout
    one_file = check(root, "app/main.py")
    assert one_file.stdout == first.stdout
    assert check(root, "app/models.py").stdout == ""


def test_a_changed_file_is_never_answered_from_the_snapshot(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert "DBL101" in check(root, ".").stdout
    (root / "app/main.py").write_text(MAIN_CLEAN)
    os.utime(root / "app/main.py", (OLD + 10, OLD + 10))
    assert check(root, ".").stdout == ""
    (root / "app/main.py").write_text(MAIN)  # a file changed just now: recomputed, and not stored
    stored = snapshots(root)[0].read_bytes()
    assert "DBL101" in check(root, ".").stdout
    assert snapshots(root)[0].read_bytes() == stored


def test_a_new_file_and_other_settings_are_other_inputs(tmp_path: Path) -> None:
    root = project(tmp_path)
    check(root, ".")
    (root / "app/reset.py").write_text(
        "from app.models import Base\n\nBase.metadata.drop_all(None)\n"
    )
    age(root)
    assert "app/reset.py:3:1: DBL105" in check(root, ".").stdout
    assert as_flake8(check(root, "--select", "DBL105", ".").stdout) == (
        hinted(
            "app/reset.py:3:1: DBL105 Base.metadata.drop_all() drops tables outside Alembic migrations"
        )
        + "\n"
    )
    assert "DBL101" in check(root, ".").stdout


def test_a_damaged_snapshot_is_recomputed(tmp_path: Path) -> None:
    root = project(tmp_path)
    first = check(root, ".")
    for path in snapshots(root):
        path.write_bytes(path.read_bytes()[:-7])
    assert check(root, ".").stdout == first.stdout


def test_fixes_and_diffs_are_always_computed(tmp_path: Path) -> None:
    post = (
        "\n\nclass Post(Base):\n"
        '    __tablename__ = "posts"\n'
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        '    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id"))\n'
    )
    models = (
        MODELS.replace(
            "from sqlalchemy.orm", "from sqlalchemy import ForeignKey, String\nfrom sqlalchemy.orm"
        )
        + post
    )
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "app/models.py": models})
    age(root)
    assert "app/models.py:17:5: DBL301" in check(root, ".").stdout
    assert len(snapshots(root)) == 1
    diff = check(root, "--diff", ".")
    assert "-    user_id: Mapped[str] = mapped_column(String(36)" in diff.stdout
    assert "+    user_id: Mapped[int] = mapped_column(Integer" in diff.stdout


def test_a_run_from_the_snapshot_does_not_load_libcst_or_the_rules(tmp_path: Path) -> None:
    root = project(tmp_path)
    check(root, ".")
    probe = (
        "import sys\n"
        "from dblint.cli import main\n"
        "code = main(['check', '--cache-dir', sys.argv[1], '.'])\n"
        "heavy = sorted(name for name in sys.modules if name == 'libcst' or name.startswith(('dblint.rules', 'dblint.index')))\n"
        "print('loaded:', heavy, 'exit:', code)\n"
    )
    result = subprocess.run(
        [str(BIN / "python"), "-c", probe, str(root.parent / "cache")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    assert result.stdout.splitlines()[-1] == "loaded: [] exit: 1", result.stdout + result.stderr
    assert "DBL101" in result.stdout


def test_the_engine_names_the_internal_error_code_of_the_rule() -> None:
    assert InternalError.code == INTERNAL_ERROR


# Issue 17 part 4: after an edit, findings are kept only when the edited files' facts are
# what they were; whatever the path taken, the output is a cold run's, byte for byte.
PROBE = (
    "import sys\n"
    "from dblint.cli import main\n"
    "code = main(['check', '--cache-dir', sys.argv[1], '.'])\n"
    "heavy = sorted(name for name in sys.modules if name.startswith(('dblint.rules', 'dblint.index')))\n"
    "print('index or rules loaded:', bool(heavy))\n"
)


def probe(root: Path) -> tuple[str, bool]:
    """A warm check's report, and whether it had to load the index and the rules."""
    result = subprocess.run(
        [str(BIN / "python"), "-c", PROBE, str(root.parent / "cache")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    report, _, last = result.stdout.rstrip("\n").rpartition("\n")
    assert last.startswith("index or rules loaded: "), result.stdout + result.stderr
    return (report + "\n" if report else ""), last.endswith("True")


def cold(root: Path) -> str:
    return run_tool("dblint", "check", "--no-cache", ".", cwd=root).stdout


def edit(root: Path, rel: str, text: str, when: int) -> None:
    (root / rel).write_text(text)
    os.utime(root / rel, (when, when))


def test_an_edit_that_keeps_the_facts_keeps_the_findings(tmp_path: Path) -> None:
    root = project(tmp_path)
    first = check(root, ".").stdout
    edit(root, "app/models.py", MODELS + "\n# a note below the last fact\n", OLD + 10)
    assert probe(root) == (first, False)
    assert cold(root) == first
    # Kept findings are stored for the new inputs: the next run is answered from them.
    assert len(snapshots(root)) == 1
    assert probe(root) == (first, False)
    # A second edit of the same kind is compared with the facts stored for the first.
    edit(root, "app/main.py", MAIN + "# and another\n", OLD + 20)
    assert probe(root) == (first, False)


def test_an_edit_that_changes_the_facts_changes_the_findings(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert "app/main.py:5:5: DBL101" in check(root, ".").stdout
    edit(root, "app/main.py", MAIN_CLEAN, OLD + 10)
    report, recomputed = probe(root)
    assert recomputed and "DBL101" not in report
    assert report == cold(root)
    # An added import is a new fact, whatever it moves.
    edit(root, "app/main.py", "import os\n" + MAIN, OLD + 20)
    report, recomputed = probe(root)
    assert recomputed and "app/main.py:6:5: DBL101" in report
    assert report == cold(root)


def test_an_edit_that_moves_the_facts_moves_the_findings(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert "app/main.py:5:5: DBL101" in check(root, ".").stdout
    edit(root, "app/main.py", "# moved down a line\n" + MAIN, OLD + 10)
    report, recomputed = probe(root)
    assert not recomputed
    assert "app/main.py:6:5: DBL101" in report
    assert report == cold(root)
    # Moved findings are stored for the new inputs, and the next move starts from them.
    edit(
        root, "app/main.py", MAIN.replace("\n\n\ndef", "\n\n\n# above\n# and above\ndef"), OLD + 20
    )
    report, recomputed = probe(root)
    assert not recomputed and "app/main.py:7:5: DBL101" in report
    assert report == cold(root)


def test_lines_that_change_order_or_columns_are_recomputed(tmp_path: Path) -> None:
    root = project(tmp_path)
    team = '\n\nclass Team(Base):\n    __tablename__ = "teams"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
    head, user = MODELS.split("\n\n\nclass User")
    edit(root, "app/models.py", MODELS + team, OLD)
    check(root, ".")
    edit(root, "app/models.py", head + team + "\n\nclass User" + user, OLD + 10)
    report, recomputed = probe(root)
    assert recomputed and report == cold(root)
    indented = MAIN.replace("    Base.metadata", "    if True:\n        Base.metadata")
    edit(root, "app/main.py", indented, OLD + 20)
    report, recomputed = probe(root)
    assert recomputed and "app/main.py:6:9: DBL101" in report
    assert report == cold(root)


REVISION = """\
\"\"\"{name}

Revision ID: {revision}
Revises: {down}
\"\"\"
from alembic import op
import sqlalchemy as sa

revision = "{revision}"
down_revision = {down_literal}


def upgrade():
    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade():
    op.drop_table("users")
"""


def test_a_message_naming_a_moved_line_is_recomputed(tmp_path: Path) -> None:
    """DBL414 names the earlier revision's line: moving that revision's lines changes
    a finding of the later one, so the findings are computed again."""
    files = {
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
        "migrations/env.py": "from alembic import context\n\ntarget_metadata = None\n",
    }
    for name, revision, down in (("first", "aaa", None), ("again", "bbb", "aaa")):
        files[f"migrations/versions/{revision}_{name}.py"] = REVISION.format(
            name=name, revision=revision, down=down or "", down_literal=repr(down)
        )
    root = write_project(tmp_path / "project", files)
    age(root)
    first = check(root, ".").stdout
    assert "(migrations/versions/aaa_first.py:14)" in first
    earlier = root / "migrations/versions/aaa_first.py"
    edit(root, "migrations/versions/aaa_first.py", "# a note\n" + earlier.read_text(), OLD + 10)
    report, recomputed = probe(root)
    assert recomputed
    assert "(migrations/versions/aaa_first.py:15)" in report
    assert report == cold(root)


def test_a_deleted_file_loses_its_findings(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert "app/main.py:5:5: DBL101" in check(root, ".").stdout
    (root / "app/main.py").unlink()
    report, recomputed = probe(root)
    assert recomputed and "DBL101" not in report
    assert report == cold(root)


def test_stored_facts_that_differ_or_are_damaged_are_not_trusted(tmp_path: Path) -> None:
    root = project(tmp_path)
    first = check(root, ".").stdout
    cache = root.parent / "cache"
    entries = [path for path in cache.glob("*/*/*") if path.is_file()]
    # Every stored facts entry damaged: the kept findings cannot be confirmed, so recomputed.
    for path in entries:
        path.write_bytes(path.read_bytes()[:-3])
    edit(root, "app/models.py", MODELS + "\n# a note\n", OLD + 10)
    assert probe(root) == (first, True)
    # A stored findings entry that is damaged is ignored the same way.
    edit(root, "app/models.py", MODELS + "\n# another note\n", OLD + 20)
    for path in snapshots(root):
        path.write_bytes(b"dblint\x01\n" + bytes(16) + b"junk")
    assert probe(root) == (first, True)
    assert cold(root) == first


MOVED_PROJECTS = ("alembic_drift", "alembic_graph", "models_fk_types", "pg_safety")


def test_moved_findings_are_a_cold_runs_on_fixture_projects(tmp_path: Path) -> None:
    """A comment line inserted above a finding, file by file: whatever path the warm run
    takes (findings moved, or computed again), its report is a cold run's."""
    sources = [Path(__file__).parents[1] / "examples" / "shop"]
    sources += [FIXTURES / name for name in MOVED_PROJECTS]
    moved = 0
    for number, source in enumerate(sources):
        root = tmp_path / f"p{number}" / "project"
        shutil.copytree(source, root, ignore=shutil.ignore_patterns(".dblint_cache"))
        age(root)
        first = check(root, ".").stdout
        places = {}
        for line in findings_of(first):
            path, line_number = line.split(":")[:2]
            places.setdefault(path, int(line_number))
        assert places, source
        for rel, line_number in sorted(places.items())[:3]:
            original = (root / rel).read_text()
            lines = original.splitlines(keepends=True)
            indent = lines[line_number - 1][: -len(lines[line_number - 1].lstrip())]
            lines.insert(line_number - 1, indent + "# moved\n")
            edit(root, rel, "".join(lines), OLD + 10)
            report, recomputed = probe(root)
            assert report == cold(root), (source.name, rel)
            moved += not recomputed
            edit(root, rel, original, OLD)
            check(root, ".")
    assert moved >= 5
