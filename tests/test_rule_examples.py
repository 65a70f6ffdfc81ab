"""Every rule's examples, run in-process the Fixit way: the example is reported exactly at its
`# error:` lines, and `--fix` turns an example whose findings have a fix into its `use_instead`.
The declarations around them: class names, and the family each rule module declares."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import expected_findings, write_project

from dblint import cli
from dblint.ruledocs import render_rules_markdown
from dblint.rules import _RULE_MODULES, all_rules, families, module_family
from dblint.rules.base import example_files, marked_files
from dblint.rules.examples import flagged, source, unmarked

EXECUTABLE_RULES = [rule for rule in all_rules() if rule.code != "DBL002"]
# The rules whose example `--fix` changes; the others' examples have no automatic fix (DBL304's
# is a column that is no foreign key: nothing tells which side of the mismatch is wrong).
FIXED_EXAMPLES = {"DBL301", "DBL501"}


def _findings(
    root: Path, code: str, capsys: pytest.CaptureFixture[str]
) -> set[tuple[str, int, str]]:
    """`dblint check` in this process with `code` selected: (path, line, code) of each finding."""
    capsys.readouterr()
    status = cli.main(
        ["check", "--no-cache", "--jobs", "1", "--extend-select", code, "--format", "json", "."]
    )
    out = capsys.readouterr().out
    assert status in (0, 1), out
    return {(item["path"], item["line"], item["code"]) for item in json.loads(out)}


@pytest.mark.parametrize("rule", EXECUTABLE_RULES, ids=lambda rule: rule.code)
def test_example_is_reported_exactly_at_its_marked_lines(
    rule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_project(tmp_path / "example", marked_files(rule.example))
    monkeypatch.chdir(root)
    expected = expected_findings(root)
    assert any(code == rule.code for _, _, code in expected), "the example marks its own finding"
    assert _findings(root, rule.code, capsys) == expected


@pytest.mark.parametrize("rule", EXECUTABLE_RULES, ids=lambda rule: rule.code)
def test_fix_turns_the_example_into_use_instead(
    rule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`dblint check --fix`, the real fix machinery: the fixed files, read without their markers,
    are the `use_instead` (or, for an example without a fix, stay as they were)."""
    example = marked_files(rule.example)
    root = write_project(tmp_path / "example", example)
    monkeypatch.chdir(root)
    cli.main(["check", "--no-cache", "--jobs", "1", "--extend-select", rule.code, "--fix", "."])
    capsys.readouterr()
    after = {path: unmarked((root / path).read_text(encoding="utf-8")) for path in example}
    if rule.code in FIXED_EXAMPLES:
        assert after == example_files(rule.use_instead)
    else:
        assert after == example_files(rule.example)


def test_rules_whose_examples_are_fixed_document_their_fix() -> None:
    """Each rule in FIXED_EXAMPLES documents its automatic fix."""
    for code in FIXED_EXAMPLES:
        (rule,) = [rule for rule in all_rules() if rule.code == code]
        assert "dblint check --fix" in rule.fix


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_rule_class_is_named_for_its_rule(rule) -> None:
    """`create-all-outside-migrations` is `CreateAllOutsideMigrations`."""
    assert rule.__name__ == "".join(word.capitalize() for word in rule.name.split("-"))


@pytest.mark.parametrize("module", _RULE_MODULES, ids=lambda module: module.__name__)
def test_rule_module_declares_the_family_of_its_rules(module) -> None:
    family = module_family(module)
    codes = [rule.code for rule in all_rules() if rule.__module__ == module.__name__]
    assert codes and all(family.covers(code) for code in codes)
    assert family.title[0].isupper() and not family.description.endswith(".")


def test_families_cover_every_rule_once_from_their_first_to_their_last_code() -> None:
    declared = families()
    assert [rule for _, rules in declared for rule in rules] == list(all_rules())
    for family, rules in declared:
        assert (rules[0].code, rules[-1].code) == (family.first, family.last)


def test_the_documentation_shows_no_marker() -> None:
    assert "# error:" not in render_rules_markdown()


def test_a_marker_is_shown_without_and_a_shared_line_can_be_flagged() -> None:
    text = source("""
        class User(Base):  # error: DBL201, DBL204
            id = Column(Integer)
    """)
    assert text.startswith("class User(Base):  # error") and text.endswith("Integer)\n")
    assert unmarked(text) == "class User(Base):\n    id = Column(Integer)\n"
    assert flagged(unmarked(text), "id =", "DBL301") == unmarked(text).replace(
        "Integer)", "Integer)  # error: DBL301"
    )
    assert re.search(r"# error", unmarked(flagged(text, "id =", "DBL301"))) is None
