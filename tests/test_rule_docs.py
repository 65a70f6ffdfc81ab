"""Rule documentation: generated docs are committed, every example is executed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import run_tool

from dblint.ruledocs import render_rule, render_rules_markdown
from dblint.rules import all_rules
from dblint.rules.base import example_files

REPO = Path(__file__).resolve().parents[1]
EXECUTABLE_RULES = [rule for rule in all_rules() if rule.code != "DBL002"]


def test_docs_rules_md_is_generated_from_the_rules() -> None:
    committed = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == render_rules_markdown(), (
        "docs/rules.md is stale: run `python -m dblint.ruledocs > docs/rules.md`"
    )


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_rule_declares_every_doc_section(rule) -> None:
    assert rule.name == rule.name.lower() and " " not in rule.name and "_" not in rule.name
    for section in ("summary", "what_it_does", "why_bad", "options"):
        assert getattr(rule, section).strip(), f"{rule.code} has no {section}"


OPT_IN = ",".join(rule.code for rule in all_rules() if not rule.default)


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_summary_and_fix_hint_are_written_in_one_style(rule) -> None:
    """Summaries: a sentence-case phrase without a final period; the hint: lower case, what to do."""
    assert rule.summary[0].isupper() or rule.summary[0] == "`", rule.summary
    assert not rule.summary.endswith(".")
    assert rule.fix_hint and rule.fix_hint[0].islower() and not rule.fix_hint.endswith("."), (
        rule.fix_hint
    )


def _section(rule, title: str) -> str:
    text = render_rule(rule)
    return text.split(f"### {title}\n", 1)[1].split("\n### ", 1)[0]


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_use_instead_shows_the_change_in_the_right_fences(rule) -> None:
    before, after = example_files(rule.example), example_files(rule.use_instead)
    shown = _section(rule, "Use instead")
    for path, text in after.items():
        if len(after) > 1 and before.get(path) == text:
            assert f"# {path}\n" not in shown, f"{path} is unchanged: not repeated"
        else:
            assert text.strip() in shown
    for section in (_section(rule, "Example"), shown):
        for language, path in re.findall(r"```(\w+)\n(?:#|--) (\S+)\n", section):
            expected = {"ini": "ini", "toml": "toml"}.get(path.rsplit(".", 1)[-1], "python")
            assert language == expected, f"{path} in a ```{language} block"


@pytest.fixture(scope="module")
def example_codes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """The codes reported in each rule's examples, every opt-in rule enabled.

    Each example is its own project (`bad-DBL101/`, `good-DBL101/`, ...) and one `dblint check`
    runs on all of them: one start-up instead of one per example, the same findings.
    """
    root = tmp_path_factory.mktemp("examples")
    projects = {}
    for rule in EXECUTABLE_RULES:
        for kind, example in (("bad", rule.example), ("good", rule.use_instead)):
            project = root / f"{kind}-{rule.code}"
            project.mkdir()
            (project / "pyproject.toml").write_text('[project]\nname = "example"\n')
            for rel, text in example_files(example).items():
                target = project / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            projects[project.name] = []
    completed = run_tool(
        "dblint", "check", *projects, "--format", "json", "--extend-select", OPT_IN, cwd=root
    )
    assert completed.returncode in (0, 1), completed.stderr
    for item in json.loads(completed.stdout):
        projects[item["path"].split("/", 1)[0]].append(item["code"])
    return projects


@pytest.mark.parametrize("rule", EXECUTABLE_RULES, ids=lambda rule: rule.code)
def test_bad_example_is_flagged(rule, example_codes: dict[str, list[str]]) -> None:
    assert rule.code in example_codes[f"bad-{rule.code}"]


@pytest.mark.parametrize("rule", EXECUTABLE_RULES, ids=lambda rule: rule.code)
def test_good_example_is_clean_with_every_rule_enabled(
    rule, example_codes: dict[str, list[str]]
) -> None:
    assert example_codes[f"good-{rule.code}"] == []


def test_rule_command_prints_the_documentation(tmp_path: Path) -> None:
    completed = run_tool("dblint", "rule", "DBL101", cwd=tmp_path)
    assert completed.returncode == 0
    assert (
        "### Why is this bad?" in completed.stdout
        and "create-all-outside-migrations" in completed.stdout
    )


def test_rules_command_lists_every_code(tmp_path: Path) -> None:
    completed = run_tool("dblint", "rules", cwd=tmp_path)
    assert completed.returncode == 0
    listed = [line.split()[0] for line in completed.stdout.splitlines()]
    assert listed == [rule.code for rule in all_rules()]


def test_unknown_rule_is_a_usage_error(tmp_path: Path) -> None:
    completed = run_tool("dblint", "rule", "DBL999", cwd=tmp_path)
    assert completed.returncode == 2
    assert "no rule has the code or name" in completed.stderr
