"""An ML platform's storage package (phoenix, dstack style): what the opt-in drift rules see.

The default findings are the `# error:` markers of tests/fixtures/ml_platform_store
(test_fixture_projects.py); here the opt-in DBL413/DBL416 run too."""

from __future__ import annotations

import json

from conftest import FIXTURES, expected_findings, run_tool


def test_columns_typed_through_a_generic_map_key_are_model_columns() -> None:
    """`params: Mapped[dict[str, Any]]` takes its type from `type_annotation_map = {dict[str, Any]:
    JSON}`: it is the model's column, so the migration's `params` is no DBL413 (nor DBL416: both
    NOT NULL). Before, such a column was no column at all (phoenix's `dataset_example_revisions.input`)."""
    root = FIXTURES / "ml_platform_store"
    completed = run_tool(
        "dblint", "check", "--extend-select", "DBL413,DBL416", "--format", "json", cwd=root
    )
    assert "Traceback" not in completed.stderr
    found = {(item["path"], item["line"], item["code"]) for item in json.loads(completed.stdout)}
    assert found == expected_findings(root)
