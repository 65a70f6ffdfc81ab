"""Settings that name things must name something: `target-metadata`, `migrations` and
`model-modules` entries that resolve to nothing are errors (issue 16.2)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import finding_set, run_tool

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "shop"


def _example(tmp_path: Path, config: str) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(EXAMPLE, root)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n[tool.dblint]\n" + config + "\n")
    return root


@pytest.mark.parametrize(
    ("config", "needles"),
    [
        (
            'target-metadata = ["shop.dbb:Base.metadata"]',
            [
                "tool.dblint.target-metadata",
                "'shop.dbb:Base.metadata' names no metadata",
                "metadata found: shop.db:Base.metadata",
            ],
        ),
        (
            'target-metadata = "shop.db:Base.metdata"',
            ["'shop.db:Base.metdata'", "metadata found: shop.db:Base.metadata"],
        ),
        (
            'target-metadata = ["Base.metadata"]',
            ["write module:attribute", "shop.db:Base.metadata"],
        ),
        (
            'migrations = ["nonexistent/dir"]',
            [
                "tool.dblint.migrations",
                "'nonexistent/dir' is not a directory",
                "script locations found: migrations",
            ],
        ),
        ('migrations = ["../elsewhere"]', ["'../elsewhere' is outside the project"]),
        ('migrations = ["shop"]', ["'shop' has neither env.py nor versions/"]),
        (
            'model-modules = ["app.models"]',
            ["tool.dblint.model-modules", "'app.models' matches no module", "shop.models"],
        ),
    ],
)
def test_an_entry_that_names_nothing_is_one_error_line(
    tmp_path: Path, config: str, needles: list[str]
) -> None:
    root = _example(tmp_path, config)
    for command in (("check",), ("inventory",)):
        completed = run_tool("dblint", *command, "--no-cache", cwd=root)
        assert completed.returncode == 2, completed.stdout + completed.stderr
        assert completed.stdout == ""
        [line] = completed.stderr.splitlines()
        assert line.startswith(f"dblint: error: {root / 'pyproject.toml'}: "), line
        for needle in needles:
            assert needle in line, (needle, line)


@pytest.mark.parametrize(
    "config",
    [
        'target-metadata = ["shop.db:Base.metadata"]',
        'migrations = ["migrations"]',
        'model-modules = ["shop.models", "shop.analytics", "scripts.*"]',
    ],
)
def test_entries_that_resolve_keep_the_findings(tmp_path: Path, config: str) -> None:
    plain = run_tool("dblint", "check", "--no-cache", cwd=EXAMPLE)
    configured = run_tool("dblint", "check", "--no-cache", cwd=_example(tmp_path, config))
    assert configured.stderr == ""
    assert (configured.returncode, finding_set(configured.stdout)) == (1, finding_set(plain.stdout))


def test_sqlmodel_metadata_is_a_target(tmp_path: Path) -> None:
    files = {
        "app/models.py": "from sqlmodel import Field, SQLModel\n\n\nclass Hero(SQLModel, table=True):\n    id: int = Field(primary_key=True)\n",
        "app/main.py": "from sqlmodel import SQLModel\n\nSQLModel.metadata.create_all(engine)\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dblint]\ntarget-metadata = ["sqlmodel:SQLModel.metadata"]\n'
    )
    completed = run_tool("dblint", "check", "--no-cache", cwd=tmp_path)
    assert (completed.returncode, completed.stderr) == (1, "")
    assert finding_set(completed.stdout) == {("app/main.py", 3, "DBL101")}


def test_the_readme_configuration_sample_works_on_the_example(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    sample = re.search(r"```toml\n\[tool\.dblint\]\n(.*?)```", readme, re.S)
    assert sample is not None, "the README has a [tool.dblint] sample"
    root = _example(tmp_path, sample.group(1))
    completed = run_tool("dblint", "check", "--no-cache", cwd=root)
    assert completed.returncode == 1, completed.stderr
    assert completed.stderr == ""
    # The sample's target-metadata names what env.py tracks: the tracking findings stay.
    assert any(code == "DBL201" for _, _, code in finding_set(completed.stdout))
