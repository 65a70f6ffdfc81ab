"""DBL001-DBL002: what dblint could not read, and where dblint itself failed."""

from __future__ import annotations

from collections.abc import Iterable

from dblint.diagnostics import Diagnostic
from dblint.facts.model import FileFacts
from dblint.index import ProjectIndex
from dblint.rulecodes import INTERNAL_ERROR, UNREADABLE_FILE
from dblint.rules.base import Family, Rule
from dblint.rules.examples import source

FAMILY = Family(
    "DBL001",
    "DBL002",
    "Unreadable files and internal errors",
    "what dblint could not read, and where dblint itself failed",
)


class UnparsableFile(Rule):
    code = UNREADABLE_FILE
    name = "unparsable-file"
    summary = "File could not be read or parsed; it was skipped and the scan went on"
    fix_hint = "exclude the file, or make it readable Python"
    what_it_does = (
        "Reports a Python file that dblint could not read or parse: undecodable bytes, a wrong coding "
        "declaration, a NUL byte, a syntax error (including Python 2 code, and a Jinja or cookiecutter "
        "template saved as `.py`, which the message calls a template), nesting too deep to parse, "
        "a file larger than `max-file-size`, a single statement too large to analyse (over 120,000 syntax "
        "nodes, whose LibCST tree would take over 500 MB; a larger file is read a batch of statements at a "
        "time; an Alembic revision is read whole, and one over that size, a large data migration, keeps its "
        "`revision` / `down_revision` header, so the revision graph stays judged while its operations are "
        "unknown), or a file or directory that cannot be read."
    )
    why_bad = (
        "A file that cannot be parsed cannot be checked: any schema change or model in it is invisible "
        "to dblint, and usually the interpreter rejects it as well."
    )
    example = source("""
        def create_tables(:  # error: DBL001
            pass
    """)
    use_instead = source("""
        def create_tables():
            pass
    """)
    options = "`max-file-size` (bytes, default 10 MB): larger files are reported and skipped."

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        if facts.error is not None:
            yield self.diagnostic(
                facts.path, *facts.error_position, f"cannot check file: {facts.error}"
            )


class InternalError(Rule):
    code = INTERNAL_ERROR
    name = "internal-error"
    summary = "A rule raised an exception on this file; the run went on and exits with status 2"
    fix_hint = "report it to dblint with the traceback `--debug` shows"
    what_it_does = (
        "Reports that a dblint rule failed with an exception while checking this file. The other rules "
        "and files are still checked; the exit status is 2. Run with `--debug` to see the traceback."
    )
    why_bad = "Findings of the failing rule may be missing for this file. Please report it with the traceback."
    example = "# (raised by dblint itself; there is no source pattern)\n"
    use_instead = "# (nothing to change in your code)\n"
