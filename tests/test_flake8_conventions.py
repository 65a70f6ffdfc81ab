"""flake8's conventions hold for dblint (issue 16.6): opt-in rules selected by full code,
`# flake8: noqa` files, and one clear error for a broken `[tool.dblint]`."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import finding_set, run_tool, write_project

MODELS = (
    "from sqlalchemy import Column, ForeignKey, Integer\n"
    "from sqlalchemy.orm import declarative_base\n"
    "\n"
    "Base = declarative_base()\n"
    "\n"
    "\n"
    "class User(Base):\n"
    "    __tablename__ = 'users'\n"
    "    id = Column(Integer, primary_key=True)\n"
    "\n"
    "\n"
    "class Post(Base):\n"
    "    __tablename__ = 'posts'\n"
    "    id = Column(Integer, primary_key=True)\n"
    "    user_id = Column(Integer, ForeignKey('users.id'))\n"
)
CREATE_ALL = (
    "from app.models import Base\n\n\ndef init(engine):\n    Base.metadata.create_all(engine)\n"
)
DEFAULT = ("app/startup.py", 5, "DBL101")
OPT_IN = ("app/models.py", 15, "DBL305")


def _flake8_findings(root: Path, *args: str) -> set[tuple[str, int, str]]:
    completed = run_tool("flake8", *args, ".", cwd=root)
    assert "Traceback" not in completed.stderr, completed.stderr
    return finding_set(completed.stdout.replace("./", ""))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(
        tmp_path / "proj",
        {"app/__init__.py": "", "app/models.py": MODELS, "app/startup.py": CREATE_ALL},
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("--select", "DBL"),
            {DEFAULT},
        ),  # a prefix leaves opt-in rules off, as `dblint check` does
        (("--select", "DBL305"), {OPT_IN}),
        (("--select", "DBL,DBL305"), {DEFAULT, OPT_IN}),
        (("--select", "DBL", "--extend-select", "DBL305"), {DEFAULT, OPT_IN}),
        (("--select", "DBL1", "--extend-select", "DBL305"), {DEFAULT, OPT_IN}),
        (("--select", "DBL", "--extend-select", "DBL305", "--extend-ignore", "DBL305"), {DEFAULT}),
    ],
)
def test_flake8_selects_opt_in_rules_by_full_code(
    project: Path, args: tuple[str, ...], expected: set
) -> None:
    assert _flake8_findings(project, *args) == expected


def test_flake8_extend_select_alone_enables_the_opt_in_rule(project: Path) -> None:
    assert {OPT_IN, DEFAULT} <= _flake8_findings(project, "--extend-select", "DBL305")


def test_the_cli_agrees_on_opt_in_rules(project: Path) -> None:
    dblint = run_tool("dblint", "check", "--extend-select", "DBL305", cwd=project)
    assert finding_set(dblint.stdout) == _flake8_findings(
        project, "--select", "DBL", "--extend-select", "DBL305"
    )


QUIET = "# flake8: noqa\n" + CREATE_ALL
QUIET_LATER = (
    CREATE_ALL + "\n  # FLAKE8=NOQA\n"
)  # flake8's pattern: case-insensitive, `:` or `=`, at a line's start
NOT_QUIET = {
    # On a line with code, flake8 warns and checks the file anyway.
    "app/inline.py": CREATE_ALL.replace("def init", "x = 1  # flake8: noqa\n\n\ndef init"),
    # Not flake8's comment.
    "app/other.py": "# flake8 noqa\n# pylint: noqa\n" + CREATE_ALL,
    "app/doc.py": '"""Put # flake8: noqa on its own line to skip a file."""\n' + CREATE_ALL,
}


def test_flake8_noqa_silences_a_file_in_every_entry_point(project: Path) -> None:
    for rel, text in {
        "app/quiet.py": QUIET,
        "app/quiet_later.py": QUIET_LATER,
        **NOT_QUIET,
    }.items():
        (project / rel).write_text(text)
    expected = {
        DEFAULT,
        ("app/inline.py", 8, "DBL101"),
        ("app/other.py", 7, "DBL101"),
        ("app/doc.py", 6, "DBL101"),
    }
    whole = run_tool("dblint", "check", cwd=project)
    assert finding_set(whole.stdout) == expected
    named = run_tool(
        "dblint", "check", "app/quiet.py", "app/quiet_later.py", "app/inline.py", cwd=project
    )
    assert finding_set(named.stdout) == {("app/inline.py", 8, "DBL101")}
    assert _flake8_findings(project, "--select", "DBL") == expected


def test_flake8_noqa_keeps_the_file_s_facts(project: Path) -> None:
    """The file is not reported on, but what it defines still counts (here: the referenced table)."""
    (project / "app/models.py").write_text(
        "# flake8: noqa\n" + MODELS + "\nBase.metadata.create_all(engine)\n"
    )
    (project / "app/more.py").write_text(
        "from sqlalchemy import Column, ForeignKey, Integer\n\nfrom app.models import Base\n\n\n"
        "class Tag(Base):\n    __tablename__ = 'tags'\n    id = Column(Integer, primary_key=True)\n"
        "    post_id = Column(Integer, ForeignKey('posts.id'))\n"
    )
    assert finding_set(run_tool("dblint", "check", cwd=project).stdout) == {DEFAULT}


@pytest.mark.parametrize("where", [".", "sub"])
def test_a_broken_configuration_under_flake8_is_one_error(project: Path, where: str) -> None:
    """Also in a project nested in the named path. The error comes from flake8's main
    process before its workers start: raised in a worker, it can leave flake8's process
    pool hanging (CPython's Pool.terminate with a worker killed while holding a lock)."""
    for number in range(5):
        (project / f"app/mod{number}.py").write_text("x = 1\n")
    (project / "sub").mkdir()
    (project / "sub/mod.py").write_text("x = 1\n")
    pyproject = project / where / "pyproject.toml"
    text = pyproject.read_text() if pyproject.exists() else ""
    pyproject.write_text(text + '[tool.dblint]\nselect = ["DBL999"]\n')
    completed = run_tool("flake8", "--select", "DBL", ".", cwd=project)
    assert completed.returncode != 0
    assert "Traceback" not in completed.stdout + completed.stderr
    assert "DBL001" not in completed.stdout
    assert "failed during execution" not in completed.stdout  # not from a worker
    errors = [
        line for line in completed.stdout.splitlines() if "dblint configuration error" in line
    ]
    assert len(errors) == 1, completed.stdout
    assert "tool.dblint.select: 'DBL999' matches no rule code" in errors[0]
