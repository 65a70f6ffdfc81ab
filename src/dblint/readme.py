"""The README's generated blocks: the rule families (from the rule declarations) and
the options of each command (from the parser). `python -m dblint.readme` rewrites them
in README.md; tests/test_readme.py fails when the committed README drifts."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from dblint.cli import build_parser
from dblint.rules import families

# <!-- generated: NAME -->, the block, <!-- end: NAME -->
_BLOCK = re.compile(
    r"(<!-- generated: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- end: (?P=name) -->)", re.S
)


def rule_families() -> str:
    """One row per rule family, as the rule modules declare it."""
    rows = ["| codes | family | what it finds |", "|---|---|---|"]
    rows += [
        f"| {family.span} | {family.title} | {family.description} |" for family, _ in families()
    ]
    return "\n".join(rows) + "\n"


def command_options() -> str:
    """For each command, every option and its help text, as `dblint COMMAND --help` shows them."""
    parser = build_parser()
    (commands,) = [
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    ]
    sections = []
    for name, command in commands.choices.items():
        rows = []
        for action in command._actions:
            if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
                continue
            spelled = (
                ", ".join(f"`{option}`" for option in action.option_strings)
                or f"`{action.metavar or action.dest}`"
            )
            choices = f" ({', '.join(map(str, action.choices))})" if action.choices else ""
            rows.append(f"| {spelled} | {action.help}{choices} |".replace("\n", " "))
        header = f"`dblint {name}`: {command.description or ''}".rstrip(": ")
        table = (
            "\n".join(["| option | what it does |", "|---|---|", *rows]) if rows else "No options."
        )
        sections.append(f"{header}\n\n{table}\n")
    return "\n".join(sections)


GENERATORS = {"rule-families": rule_families, "command-options": command_options}


def regenerated(readme: str) -> str:
    """`readme` with every generated block replaced by what the code says now."""
    return _BLOCK.sub(lambda m: m.group(1) + GENERATORS[m["name"]]() + m.group(4), readme)


def blocks(readme: str) -> dict[str, str]:
    return {m["name"]: m["body"] for m in _BLOCK.finditer(readme)}


if __name__ == "__main__":  # pragma: no cover - `python -m dblint.readme` rewrites README.md
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    path.write_text(regenerated(path.read_text(encoding="utf-8")), encoding="utf-8")
