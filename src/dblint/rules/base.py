"""What a rule is: a small declaration (code, name, docs, examples) plus checks.

docs/rules.md and `dblint rule CODE` are generated from these declarations,
and every example is executed by the test suite.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Optional, Union

from dblint.diagnostics import Diagnostic
from dblint.facts.model import FileFacts
from dblint.index import ProjectIndex
from dblint.rules.examples import unmarked

if TYPE_CHECKING:
    from dblint.fixes.model import Fix

# An example is one file's source (placed at `app/main.py`) or a whole small project, written
# with the helpers of `dblint.rules.examples` (read-only: `files(...)`), `# error:` markers on the
# lines its findings are expected at.
ExampleSource = Union[str, Mapping[str, str]]
EXAMPLE_PATH = "app/main.py"


@dataclass(frozen=True)
class Family:
    """A range of codes that one rule module (or a few) checks: the README's family table and the
    family headings of docs/rules.md are generated from these declarations."""

    first: str  # the range's first code, that of a rule
    last: str  # and its last
    title: str  # a heading, sentence case
    description: str  # what its rules find, lower case, no final period

    def covers(self, code: str) -> bool:
        return self.first <= code <= self.last

    @property
    def span(self) -> str:
        """The first and last code joined by an en dash (a single code alone), as tables show it."""
        return self.first if self.first == self.last else f"{self.first}\u2013{self.last}"


class Rule:
    """Base class of all rules. Subclasses set the class attributes and override
    `check_file` (findings within one file) and/or `check_project` (findings
    that need the whole project at once, such as the revision graph)."""

    code: ClassVar[str]
    name: ClassVar[str]  # kebab-case, named for the pattern it flags
    summary: ClassVar[str]  # sentence case, no final period
    # What to do, in a few words (the essence of `use_instead`): every message ends with it,
    # unless the rule words it for each finding (`case_hints`: the right change depends on the case).
    fix_hint: ClassVar[str]
    case_hints: ClassVar[bool] = False
    default: ClassVar[bool] = True
    what_it_does: ClassVar[str]
    why_bad: ClassVar[str]
    example: ClassVar[ExampleSource]
    use_instead: ClassVar[ExampleSource]
    options: ClassVar[str] = "None."
    fix: ClassVar[str] = ""

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        return ()

    def check_project(self, index: ProjectIndex) -> Iterable[Diagnostic]:
        return ()

    def diagnostic(
        self,
        path: str,
        line: int,
        column: int,
        message: str,
        end_line: int = 0,
        *,
        fix: Optional[Fix] = None,
        note: str = "",
        hint: str = "",
    ) -> Diagnostic:
        """The finding: what is wrong, a `note` (why no automatic fix is offered), then what to do
        (`hint` for this finding, else the rule's `fix_hint`)."""
        text = "; ".join(part for part in (message, note, hint or self.fix_hint) if part)
        return Diagnostic(
            path,
            line,
            column,
            self.code,
            text,
            self.name,
            max(end_line, line),
            fix is not None,
            fix,
        )


def marked_files(example: ExampleSource) -> dict[str, str]:
    """An example as a mapping of project-relative path to source, with its `# error:` markers."""
    if isinstance(example, str):
        return {EXAMPLE_PATH: example}
    return dict(example)


def example_files(example: ExampleSource) -> dict[str, str]:
    """An example as the documentation shows it: path to source, without markers."""
    return {path: unmarked(text) for path, text in marked_files(example).items()}
