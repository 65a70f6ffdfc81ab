"""The `dblint` command: check, inventory, rules, rule."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Optional, TextIO

from dblint import __version__
from dblint.cache import DEFAULT_DIRECTORY, chosen_directory
from dblint.config import ConfigError, Settings, code_problem
from dblint.discover import find_repository_root
from dblint.engine import Result, run
from dblint.inventory.risk import LEVELS as RISK_LEVELS
from dblint.report import DOCUMENT_FORMATS, FORMATTERS, ReportOptions, statistics
from dblint.report.words import counted
from dblint.run_inputs import Request, SettingsOverride
from dblint.sourcelines import SourceLines
from dblint.terminal import COLOR_CHOICES, progress_bar, use_color

if TYPE_CHECKING:
    from dblint.diagnostics import Diagnostic
    from dblint.fixes.files import FileChange

# A warm `dblint check` can finish without LibCST, the index or any rule (engine.py),
# so what only other commands need (fixes, inventory, rule docs) is imported where used.
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
INVENTORY_FORMATS = ("csv", "json", "markdown")  # the keys of inventory.renderers.RENDERERS


def _code_list(selector_kind: str) -> Callable[[str], tuple[str, ...]]:
    """An argparse type: comma-separated codes or prefixes, each naming at least one rule."""

    def parse(value: str) -> tuple[str, ...]:
        codes = tuple(part.strip().upper() for part in value.split(",") if part.strip())
        for code in codes:
            problem = code_problem(code, selector_kind)
            if problem is not None:
                raise argparse.ArgumentTypeError(problem)
        return codes

    return parse


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors as one line that points to the command's --help."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


class UsageError(Exception):
    """Options that parse but do not go together: one line and exit 2, like a parser error."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dblint", description="Static linter for database anti-patterns.")
    parser.add_argument("--version", action="version", version=f"dblint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = commands.add_parser(
        "check", help="report findings in flake8's format", description="Report findings."
    )
    _add_project_options(check)
    check.add_argument(
        "--stdin-filename",
        type=Path,
        help="with the path `-`: the file standard input stands for (its project, its config)",
    )
    check.add_argument(
        "--format",
        choices=sorted(FORMATTERS),
        default="text",
        help="how findings are written (default: text)",
    )
    check.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when findings are reported"
    )
    fixing = check.add_mutually_exclusive_group()
    fixing.add_argument(
        "--fix",
        action="store_true",
        help="apply the safe automatic fixes, then report what remains",
    )
    fixing.add_argument(
        "--diff",
        action="store_true",
        help="print the safe automatic fixes as a unified diff (to --output-file if given); change nothing",
    )
    _add_output_options(check)

    inventory = commands.add_parser(
        "inventory",
        help="list every file and table that touches the database",
        description="List every file and table that touches the database.",
    )
    _add_project_options(inventory)
    inventory.add_argument(
        "--by", choices=("file", "table"), default="file", help="one row per file or per table"
    )
    inventory.add_argument(
        "--format",
        choices=INVENTORY_FORMATS,
        default="markdown",
        help="report format (default: markdown)",
    )
    inventory.add_argument(
        "--output",
        "--output-file",
        type=Path,
        help="write the report to this file instead of stdout",
    )
    inventory.add_argument(
        "--min-risk",
        choices=RISK_LEVELS[::-1],
        default="low",
        help="list only files at this risk or higher",
    )
    inventory.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when the scan has findings"
    )
    _add_progress_options(inventory)

    rules = commands.add_parser("rules", help="list all rules", description="List all rules.")
    rule = commands.add_parser(
        "rule",
        help="show the documentation of one rule",
        description="Show the documentation of one rule.",
    )
    rule.add_argument(
        "code", help="the rule's code (DBL101) or name (create-all-outside-migrations)"
    )
    for command in (check, inventory, rules, rule):
        command.set_defaults(command_parser=command)
    return parser


def _add_project_options(command: argparse.ArgumentParser) -> None:
    """What to analyse and which rules run: the same for `check` and `inventory`."""
    command.add_argument("paths", nargs="*", type=Path, help="files or directories (default: .)")
    command.add_argument(
        "--select", type=_code_list("select"), help="comma-separated codes or prefixes to enable"
    )
    command.add_argument(
        "--extend-select",
        type=_code_list("extend-select"),
        help="codes to enable in addition (opt-in rules)",
    )
    command.add_argument("--ignore", type=_code_list("ignore"), help="codes or prefixes to disable")
    command.add_argument(
        "--exclude", type=lambda v: tuple(p for p in v.split(",") if p), help="globs to exclude"
    )
    command.add_argument(
        "--extend-exclude",
        type=lambda v: tuple(p for p in v.split(",") if p),
        help="globs to exclude in addition to `exclude`",
    )
    command.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply exclude / extend-exclude to files named on the command line too (as pre-commit passes them)",
    )
    command.add_argument("--config", type=Path, help="pyproject.toml to read [tool.dblint] from")
    command.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    command.add_argument("--no-prefilter", action="store_true", help=argparse.SUPPRESS)
    command.add_argument(
        "--jobs",
        "-j",
        type=_positive,
        help="processes that parse files (default: the CPUs available)",
    )
    command.add_argument(
        "--cache-dir",
        type=Path,
        help=f"facts cache directory (default: $DBLINT_CACHE_DIR, the cache-dir setting, or {DEFAULT_DIRECTORY}/ at the project root)",
    )
    command.add_argument(
        "--no-cache", action="store_true", help="neither read nor write the facts cache"
    )


def _add_output_options(command: argparse.ArgumentParser) -> None:
    """Where and how `check` shows its findings."""
    command.add_argument(
        "--output-file", type=Path, help="write the report to this file instead of standard output"
    )
    command.add_argument(
        "--statistics",
        action="store_true",
        help="count the findings per code after the report (on stderr next to a json/sarif document on stdout)",
    )
    command.add_argument(
        "--show-source",
        action="store_true",
        help="show each reported line with a caret under the column",
    )
    command.add_argument(
        "--color",
        choices=COLOR_CHOICES,
        default="auto",
        help="colour the text report (auto: on a terminal unless NO_COLOR is set)",
    )
    _add_progress_options(command)


def _add_progress_options(command: argparse.ArgumentParser) -> None:
    """The progress bar a long run draws on a terminal (stderr)."""
    command.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    command.add_argument("--progress-delay", type=float, default=1.0, help=argparse.SUPPRESS)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # said by the command's own parser, so that the pointer is to its --help
        getattr(args, "command_parser", parser).error(
            f"unrecognized arguments: {' '.join(unknown)}"
        )
    try:
        if args.command == "check":
            return _check(args, sys.stdout, sys.stderr)
        if args.command == "inventory":
            return _inventory(args, sys.stdout, sys.stderr)
        if args.command == "rules":
            return _list_rules(sys.stdout)
        if args.command == "rule":
            return _show_rule(args.code, sys.stdout, sys.stderr)
    except ConfigError as error:
        print(f"dblint: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except UsageError as error:
        print(
            f"dblint {args.command}: error: {error} (see `dblint {args.command} --help`)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # one line, never a traceback, unless --debug
        if getattr(args, "debug", False):
            raise
        print(
            f"dblint: internal error: {error!r} (rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    parser.print_help(sys.stderr)
    return EXIT_ERROR


def _override(args: argparse.Namespace) -> SettingsOverride:
    def apply(settings: Settings) -> Settings:
        return settings.with_overrides(
            select=args.select,
            extend_select=None
            if args.extend_select is None
            else settings.extend_select + args.extend_select,
            ignore=None if args.ignore is None else settings.ignore + args.ignore,
            exclude=args.exclude,
            extend_exclude=None
            if args.extend_exclude is None
            else settings.extend_exclude + args.extend_exclude,
        )

    return apply


def _request(args: argparse.Namespace) -> Request:
    """The engine request for the project options of `check` and `inventory`."""
    if args.config is not None and not args.config.is_file():
        raise ConfigError(f"{args.config}: configuration file not found")
    paths, sources = _stdin_source(args)
    for path in paths:
        if not path.exists() and path not in sources:
            raise ConfigError(f"{path}: no such file or directory")
    return Request(
        paths=paths,
        sources={Path(os.path.abspath(path)): data for path, data in sources.items()},
        config=args.config,
        override=_override(args),
        force_exclude=args.force_exclude,
        use_prefilter=not args.no_prefilter,
        jobs=args.jobs,
        use_cache=not args.no_cache,
        cache_dir=chosen_directory(args.cache_dir, os.environ),
    )


def _stdin_source(args: argparse.Namespace) -> tuple[tuple[Path, ...], dict[Path, bytes]]:
    """The paths to check, and the text standard input gives for `-` (`--stdin-filename`)."""
    stdin_filename = getattr(args, "stdin_filename", None)
    if Path("-") not in args.paths:
        if stdin_filename is not None:
            raise UsageError(
                "--stdin-filename names the file of `-`; pass `-` as the path to read standard input"
            )
        return tuple(args.paths or [Path(".")]), {}
    if stdin_filename is None:
        raise UsageError(
            "`-` reads standard input: name the file it stands for with --stdin-filename"
        )
    if args.paths != [Path("-")] or args.fix or args.diff:
        raise UsageError(
            "`-` (standard input) is checked alone, without other paths, --fix or --diff"
        )
    return (stdin_filename,), {stdin_filename: sys.stdin.buffer.read()}


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"'{value}' is not a positive number")
    return number


def _report_tracebacks(args: argparse.Namespace, result: Result, err: TextIO) -> None:
    if args.debug:
        for trace in result.tracebacks:
            err.write(trace)
    elif result.tracebacks:
        err.write(
            "dblint: a rule failed with an internal error (DBL002); rerun with --debug for the traceback\n"
        )


def _run_check(args: argparse.Namespace, err: TextIO) -> Result:
    progress = progress_bar(err, args.quiet, args.progress_delay)
    try:
        # --fix and --diff need the planned fixes, which only a fresh check has.
        return run(
            dataclasses.replace(
                _request(args), progress=progress, use_snapshot=not (args.fix or args.diff)
            )
        )
    finally:
        if progress is not None:
            progress.close()


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.diff and args.format != "text":
        raise UsageError(
            f"--diff writes a unified diff, not --format {args.format}; use --fix to apply the fixes and report the rest"
        )
    result = _run_check(args, err)
    _say_when_nothing_was_checked(args, result, err)
    if args.diff:
        return _show_fixes(args, result, out, err)
    if args.fix and _apply_fixes(result, err):
        result = _run_check(args, err)  # what remains, at the lines as they are now
    _emit_report(args, result, out, err)
    _report_tracebacks(args, result, err)
    return _exit_status(args, result)


def _exit_status(args: argparse.Namespace, result: Result) -> int:
    """0 nothing found, 1 findings (0 with --exit-zero), 2 an internal error: `check` and `inventory` alike."""
    if result.internal_error:
        return EXIT_ERROR
    if result.diagnostics and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _say_when_nothing_was_checked(args: argparse.Namespace, result: Result, err: TextIO) -> None:
    """A path with no Python file is not a clean project: say so (as ruff does)."""
    if result.files_checked == 0:
        named = ", ".join(str(path) for path in args.paths) or "."
        skipped = ""
        if result.templates:
            shown = ", ".join(f"{os.path.relpath(path)}/" for path in sorted(result.templates))
            skipped = f" (project templates are not checked unless named: {shown})"
        err.write(f"dblint: warning: no Python files found in {named}{skipped}\n")


def _planned_changes(result: Result, err: TextIO) -> list[FileChange]:
    from dblint.fixes.files import plan_changes  # noqa: PLC0415

    changes, problems = plan_changes(
        ((run.root, run.diagnostics) for run in result.runs), Path.cwd()
    )
    for problem in problems:
        err.write(f"dblint: {problem}\n")
    return changes


def _fixed_count(changes: list[FileChange]) -> str:
    return f"{counted(sum(len(change.fixed) for change in changes), 'finding')} in {counted(len(changes), 'file')}"


def _show_fixes(args: argparse.Namespace, result: Result, out: TextIO, err: TextIO) -> int:
    """`--diff`: the fixes as a unified diff on stdout; nothing is written."""
    from dblint.fixes.files import unified_diff  # noqa: PLC0415

    changes = _planned_changes(result, err)
    _write_to(args.output_file, out, "".join(unified_diff(change) for change in changes))
    err.write(f"dblint: would fix {_fixed_count(changes)}\n")
    _report_tracebacks(args, result, err)
    if result.internal_error:
        return EXIT_ERROR
    return EXIT_FINDINGS if changes and not args.exit_zero else EXIT_CLEAN


def _apply_fixes(result: Result, err: TextIO) -> bool:
    """`--fix`: write the fixed files and say what changed; True when something was written."""
    from dblint.fixes.files import write_atomically  # noqa: PLC0415

    written = []
    for change in _planned_changes(result, err):
        try:
            write_atomically(change.path, change.after)
        except OSError as error:
            err.write(f"dblint: {change.shown}: not fixed: {error.strerror or error}\n")
            continue
        written.append(change)
        for diagnostic in change.fixed:
            description = diagnostic.fix.description if diagnostic.fix is not None else ""
            err.write(
                f"{change.shown}:{diagnostic.line}:{diagnostic.column}: {diagnostic.code} fixed ({description})\n"
            )
    err.write(f"dblint: fixed {_fixed_count(written)}\n")
    return bool(written)


def _emit_report(args: argparse.Namespace, result: Result, out: TextIO, err: TextIO) -> None:
    """The report to stdout or `--output-file`, statistics after it (as flake8 does) —
    except next to a JSON or SARIF document, which must stay valid: then they go to
    stdout when the document went to a file, else to stderr.
    SARIF paths are relative to the repository root (code scanning resolves them
    there), whichever directory dblint runs in; the other formats' to the working directory."""
    with_statistics = args.statistics and args.format not in DOCUMENT_FORMATS
    base = find_repository_root(Path.cwd()) if args.format == "sarif" else Path.cwd()
    diagnostics = displayed(result, base)

    def emit(stream: TextIO) -> None:
        options = ReportOptions(
            use_color(args.color, stream, os.environ),
            args.show_source,
            SourceLines(base),
            base.as_uri().rstrip("/") + "/",
        )
        _write(stream, FORMATTERS[args.format](diagnostics, options))
        if with_statistics:
            _write(stream, statistics.render(diagnostics))

    if args.output_file is None:
        emit(out)
    else:
        with _opened_output(args.output_file) as handle:
            emit(handle)
    if args.statistics and not with_statistics:
        _write(err if args.output_file is None else out, statistics.render(diagnostics))


@contextlib.contextmanager
def _opened_output(path: Path) -> Iterator[TextIO]:
    """`--output-file` for writing; a file that cannot be written is one error line."""
    try:
        # A file name that is not UTF-8 is written escaped: the report stays valid UTF-8.
        with open(path, "w", encoding="utf-8", errors="backslashreplace", newline="") as handle:
            yield handle
    except OSError as error:
        raise ConfigError(f"{path}: cannot write the report: {error.strerror or error}") from error


def _write_to(path: Optional[Path], out: TextIO, text: str) -> None:
    if path is None:
        _write(out, text)
    else:
        with _opened_output(path) as handle:
            handle.write(text)


def _inventory(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The inventory report; exit 0 whatever it lists (2 on usage or internal errors)."""
    if args.by == "table" and args.min_risk != "low":
        raise ConfigError("--min-risk applies to --by file only (tables have no risk level)")
    from dblint.inventory.renderers import RENDERERS  # noqa: PLC0415
    from dblint.inventory.rows import build  # noqa: PLC0415

    progress = progress_bar(err, args.quiet, args.progress_delay)
    try:
        result = run(dataclasses.replace(_request(args), progress=progress))
    finally:
        if progress is not None:
            progress.close()
    _write_to(
        args.output, out, RENDERERS[args.format](build(result, Path.cwd(), args.by, args.min_risk))
    )
    _report_tracebacks(args, result, err)
    return _exit_status(args, result)


def displayed(result: Result, cwd: Path) -> list[Diagnostic]:
    """Findings with paths relative to `cwd`, sorted as flake8 sorts them."""
    shown: list[Diagnostic] = []
    for project in result.runs:
        for diagnostic in project.diagnostics:
            path = os.path.relpath(project.root / diagnostic.path, cwd)
            shown.append(dataclasses.replace(diagnostic, path=Path(path).as_posix()))
    return sorted(shown, key=lambda d: d.sort_key())


def _write(out: TextIO, text: str) -> None:
    """Write `text`; where the stream's encoding cannot hold it, write UTF-8 (file names
    that are not UTF-8 keep their own bytes), so a JSON document stays a document."""
    try:
        out.write(text)
    except UnicodeEncodeError:
        buffer = getattr(out, "buffer", None)
        if buffer is None:
            out.write(text.encode("ascii", "backslashreplace").decode("ascii"))
        else:
            out.flush()
            buffer.write(text.encode("utf-8", "surrogateescape"))
    out.flush()


def _list_rules(out: TextIO) -> int:
    from dblint.rules import all_rules  # noqa: PLC0415

    for rule in all_rules():
        status = "default" if rule.default else "opt-in"
        out.write(f"{rule.code}  {rule.name:<40} {status:<8} {rule.summary}\n")
    return EXIT_CLEAN


def _show_rule(code: str, out: TextIO, err: TextIO) -> int:
    from dblint.ruledocs import render_rule  # noqa: PLC0415
    from dblint.rules import rule_named  # noqa: PLC0415

    rule = rule_named(code)
    if rule is None:
        err.write(f"dblint: error: no rule has the code or name '{code}' (see `dblint rules`)\n")
        return EXIT_ERROR
    out.write(render_rule(rule))
    return EXIT_CLEAN
