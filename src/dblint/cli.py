"""The `dblint` command: check, rules, rule."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path
from typing import Optional, Sequence, TextIO

from dblint import __version__
from dblint.config import CODE_PATTERN, ConfigError, Settings
from dblint.engine import Request, Result, run
from dblint.report import FORMATTERS
from dblint.ruledocs import render_rule
from dblint.rules import all_rules, rule_by_code

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(value: str) -> tuple[str, ...]:
    codes = tuple(part.strip().upper() for part in value.split(",") if part.strip())
    for code in codes:
        if not CODE_PATTERN.match(code):
            raise argparse.ArgumentTypeError(f"'{code}' is not a rule code or prefix (like DBL101 or DBL1)")
    return codes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dblint", description="Static linter for database anti-patterns.")
    parser.add_argument("--version", action="version", version=f"dblint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="report findings in flake8's format")
    check.add_argument("paths", nargs="*", type=Path, help="files or directories (default: .)")
    check.add_argument("--select", type=_codes, help="comma-separated codes or prefixes to enable")
    check.add_argument("--extend-select", type=_codes, help="codes to enable in addition (opt-in rules)")
    check.add_argument("--ignore", type=_codes, help="codes or prefixes to disable")
    check.add_argument("--exclude", type=lambda v: tuple(p for p in v.split(",") if p), help="globs to exclude")
    check.add_argument("--extend-exclude", type=lambda v: tuple(p for p in v.split(",") if p))
    check.add_argument("--force-exclude", action="store_true", help="exclude files named on the command line too")
    check.add_argument("--format", choices=sorted(FORMATTERS), default="text")
    check.add_argument("--config", type=Path, help="pyproject.toml to read [tool.dblint] from")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings are reported")
    check.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    check.add_argument("--no-prefilter", action="store_true", help=argparse.SUPPRESS)

    commands.add_parser("rules", help="list all rules")
    rule = commands.add_parser("rule", help="show the documentation of one rule")
    rule.add_argument("code")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return _check(args, sys.stdout, sys.stderr)
        if args.command == "rules":
            return _list_rules(sys.stdout)
        if args.command == "rule":
            return _show_rule(args.code, sys.stdout, sys.stderr)
    except ConfigError as error:
        print(f"dblint: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # noqa: BLE001 - one line, never a traceback, unless --debug
        if getattr(args, "debug", False):
            raise
        print(f"dblint: internal error: {error!r} (rerun with --debug for the traceback)", file=sys.stderr)
        return EXIT_ERROR
    parser.print_help(sys.stderr)
    return EXIT_ERROR


def _override(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    def apply(settings: Settings) -> Settings:
        return settings.with_overrides(
            select=args.select,
            extend_select=None if args.extend_select is None else settings.extend_select + args.extend_select,
            ignore=None if args.ignore is None else settings.ignore + args.ignore,
            exclude=args.exclude,
            extend_exclude=None if args.extend_exclude is None else settings.extend_exclude + args.extend_exclude,
        )

    return apply


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.config is not None and not args.config.is_file():
        raise ConfigError(f"{args.config}: configuration file not found")
    for path in args.paths:
        if not path.exists():
            raise ConfigError(f"{path}: no such file or directory")
    request = Request(
        paths=tuple(args.paths or [Path(".")]),
        config=args.config,
        override=_override(args),
        force_exclude=args.force_exclude,
        use_prefilter=not args.no_prefilter,
    )
    result = run(request)
    diagnostics = displayed(result, Path.cwd())
    _write(out, FORMATTERS[args.format](diagnostics))
    if args.debug:
        for trace in result.tracebacks:
            err.write(trace)
    elif result.tracebacks:
        err.write("dblint: a rule failed with an internal error (DBL002); rerun with --debug for the traceback\n")
    if result.internal_error:
        return EXIT_ERROR
    if diagnostics and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def displayed(result: Result, cwd: Path):  # type: ignore[no-untyped-def]
    """Findings with paths relative to `cwd`, sorted as flake8 sorts them."""
    shown = []
    for project in result.runs:
        for diagnostic in project.diagnostics:
            path = os.path.relpath(project.root / diagnostic.path, cwd)
            shown.append(dataclasses.replace(diagnostic, path=Path(path).as_posix()))
    return sorted(shown, key=lambda d: d.sort_key())


def _write(out: TextIO, text: str) -> None:
    try:
        out.write(text)
    except UnicodeEncodeError:
        out.write(text.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace"))
    out.flush()


def _list_rules(out: TextIO) -> int:
    for rule in all_rules():
        status = "default" if rule.default else "opt-in"
        out.write(f"{rule.code}  {rule.name:<40} {status:<8} {rule.summary}\n")
    return EXIT_CLEAN


def _show_rule(code: str, out: TextIO, err: TextIO) -> int:
    rule = rule_by_code(code)
    if rule is None:
        err.write(f"dblint: error: unknown rule code '{code}' (see `dblint rules`)\n")
        return EXIT_ERROR
    out.write(render_rule(rule))
    return EXIT_CLEAN
