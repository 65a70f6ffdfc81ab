"""The flake8 adapter: `flake8 --select DBL` shows what `dblint check` shows.

flake8 calls the plugin once per file. The projects of the paths flake8 was
given are checked once, in flake8's main process before it starts its workers
(which inherit them); a file of another project has its project checked once
in the worker that meets it. The plugin checks the text flake8 gives it (stdin's
text when an editor lints an unsaved buffer). flake8 never reads pyproject.toml,
so `[tool.dblint]` is loaded here (a broken one stops flake8 with one line);
noqa comments, `# flake8: noqa` included, and which codes are shown are left to
flake8, which also turns on the opt-in rules it selects by full code.
"""

from __future__ import annotations

import dataclasses
import io
import os
import tokenize
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from flake8.exceptions import ExecutionError
from flake8.style_guide import Decision, DecisionEngine

from dblint import __version__
from dblint.cache import chosen_directory
from dblint.config import ConfigError, Settings
from dblint.diagnostics import Diagnostic
from dblint.discover import find_checked_root
from dblint.engine import is_within, run
from dblint.facts.source import SourceError, decode
from dblint.pathmatch import matches
from dblint.rulecodes import RULE_CODES
from dblint.run_inputs import ProjectRun, Request

if TYPE_CHECKING:
    from dblint.pipeline import LoadedProject

_Message = tuple[int, int, str, type]


# In flake8's workers the plugin parses in the process it is given; flake8's main
# process, which checks the named paths before the workers start, uses dblint's own.
_REQUEST = Request(
    paths=(),
    apply_noqa=False,
    jobs=1,
    use_cache=True,
    cache_dir=chosen_directory(None, os.environ),
    use_snapshot=True,
)
_OPT_IN_CODES = tuple(code for code, default in RULE_CODES.items() if not default)


class ConfigurationError(ExecutionError):  # type: ignore[misc]  # flake8 ships no types
    """A broken `[tool.dblint]`: flake8 stops with this one line (never a DBL001 on every file).

    Raised while flake8 reads its options, flake8 prints it after its "critical error"
    line; raised in a worker (a project the named paths did not lead to), flake8 prints
    its repr inside a "failed during execution" line."""

    def __str__(self) -> str:
        return f"dblint configuration error: {self.args[0]}"

    __repr__ = __str__


def _with_opt_in(codes: tuple[str, ...]) -> Request:
    """The request with opt-in rules flake8 selected by full code added to `extend-select`."""
    if not codes:
        return _REQUEST

    def override(settings: Settings) -> Settings:
        return settings.with_overrides(extend_select=settings.extend_select + codes)

    return dataclasses.replace(_REQUEST, override=override)


class _Project:
    """One project's findings by path, computed (or read from the stored snapshot) once."""

    def __init__(self, project_run: ProjectRun, request: Request) -> None:
        self.root = project_run.root  # the checked root of the files that share this project
        self.request = request
        self.run = project_run
        self.by_path: dict[str, list[Diagnostic]] = {}
        for diagnostic in self.run.diagnostics:
            self.by_path.setdefault(diagnostic.path, []).append(diagnostic)
        self._loaded: Optional[LoadedProject] = None

    def with_buffer(self, rel: str, source: str) -> list[Diagnostic]:
        """Findings of `rel` when its text is `source` instead of what is on disk."""
        from dblint.pipeline import check_project, load_project  # noqa: PLC0415 - only for unsaved buffers

        if self._loaded is None:
            self._loaded = load_project(self.run.root, self.request)
        project = self._loaded.with_source(rel, _encoded(source), self.request)
        return check_project(project, [self.run.root / rel], self.request, []).diagnostics


_roots: dict[
    Path, Path
] = {}  # directory -> the root its files are checked from, looked up once per directory


def _root_of(path: Path) -> Path:
    directory = path.parent
    if directory not in _roots:
        _roots[directory] = find_checked_root(path)
    return _roots[directory]


_projects: dict[tuple[Path, tuple[str, ...]], _Project] = {}


def _check(roots: Sequence[Path], opt_in: tuple[str, ...], jobs: Optional[int]) -> list[_Project]:
    """Check the projects at `roots` and those nested in them, once for every later file."""
    request = _with_opt_in(opt_in)
    try:
        result = run(dataclasses.replace(request, paths=tuple(roots), jobs=jobs))
    except ConfigError as error:
        raise ConfigurationError(str(error)) from None
    projects = [_Project(project_run, request) for project_run in result.runs]
    for project in projects:
        _projects.setdefault((project.root, opt_in), project)
    return projects


def _project(root: Path, opt_in: tuple[str, ...]) -> _Project:
    key = (root, opt_in)
    if key not in _projects:
        # The engine may check `root` from a directory above it; its files are that project's.
        projects = _check([root], opt_in, jobs=1)
        _projects.setdefault(key, max(projects, key=lambda project: is_within(root, project.root)))
    return _projects[key]


def _named_roots(filenames: Sequence[str]) -> list[Path]:
    """The checked roots of the paths flake8 was given (stdin's text has no path)."""
    roots = {
        find_checked_root(path)
        for path in (Path(os.path.abspath(name)) for name in filenames or ["."] if name != "-")
        if path.exists()
    }
    return sorted(roots)


def _flake8_jobs(options: Any) -> Optional[int]:
    """dblint's parsing processes in flake8's main process: flake8's `--jobs` (None: the CPUs)."""
    jobs = getattr(options, "jobs", None)
    if jobs is None or getattr(jobs, "is_auto", True):
        return None
    return max(1, int(getattr(jobs, "n_jobs", 1)))


class Plugin:
    """flake8 extension entry point (code prefix `DBL`)."""

    name = "dblint"
    version = __version__
    active = True
    opt_in: tuple[
        str, ...
    ] = ()  # opt-in rules flake8's --select / --extend-select name by full code
    reads_stdin = True  # `flake8 -`: text that may not be the file on disk (an unsaved buffer)

    def __init__(self, tree: Any, filename: str, lines: Sequence[str]) -> None:
        self.filename = filename
        self.lines = lines
        self.path = Path(os.path.abspath(filename))
        # Loaded here, not in run(): flake8 reports an exception raised while it builds
        # a plugin as one line and stops (exit 1), while one raised in run() is a traceback.
        # Idle (`--select F`), the plugin looks nothing up.
        self.project = _project(_root_of(self.path), self.opt_in) if self.active else None

    @classmethod
    def parse_options(cls, options: Any) -> None:
        """Stay idle when no DBL code is selected (`flake8 --select F`); run the opt-in
        rules flake8 selects by full code (`--select DBL305`, `--extend-select DBL305`),
        as flake8-bugbear's B9xx: `--select DBL` keeps them off, as `dblint check` does.
        Only text read from stdin is compared with the file on disk (no second read per file).
        The projects of the named paths are checked here, before flake8 starts its workers:
        once rather than once per worker, and a broken `[tool.dblint]` stops flake8 before
        any worker runs (an error raised in a worker can leave flake8's pool hanging)."""
        try:
            cls.reads_stdin = "-" in (options.filenames or ())
            decider = DecisionEngine(options)
            cls.active = any(decider.decision_for(code) is Decision.Selected for code in RULE_CODES)
            named = {
                code.strip() for code in (*(options.select or ()), *(options.extend_select or ()))
            }
            cls.opt_in = tuple(
                code
                for code in _OPT_IN_CODES
                if code in named and decider.decision_for(code) is Decision.Selected
            )
        except (AttributeError, TypeError, ValueError):
            cls.active, cls.opt_in, cls.reads_stdin = True, (), True
        if cls.active:
            _check(
                _named_roots(getattr(options, "filenames", None) or ()),
                cls.opt_in,
                _flake8_jobs(options),
            )

    def run(self) -> Iterator[_Message]:
        project, path = self.project, self.path
        if project is None:
            return
        rel = path.relative_to(project.root).as_posix()
        settings = project.run.settings
        excludes = settings.exclude + settings.extend_exclude
        if excludes and matches(rel, excludes):
            return  # flake8 found the file itself; `[tool.dblint]` excludes it, as `dblint check .` does
        source = "".join(self.lines)
        # A file flake8 read from disk is the one the project's findings were computed from.
        if rel not in project.run.reported or (self.reads_stdin and _differs(path, source)):
            diagnostics = project.with_buffer(rel, source)
        else:
            diagnostics = project.by_path.get(rel, [])
        for diagnostic in diagnostics:
            yield (
                diagnostic.line,
                diagnostic.column - 1,
                f"{diagnostic.code} {diagnostic.message}",
                type(self),
            )


def _differs(path: Path, source: str) -> bool:
    """True when flake8's text is not the file on disk (stdin, unsaved buffer)."""
    try:
        on_disk = path.read_bytes()
    except OSError:
        return True
    try:
        text = decode(on_disk)
    except SourceError:
        # flake8 reads what Python cannot decode as latin-1; the same file then keeps dblint's DBL001.
        text = on_disk.decode("latin-1").replace("\r\n", "\n").replace("\r", "\n")
    return text != source.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


def _encoded(source: str) -> bytes:
    """The text as bytes in the encoding its coding cookie declares, so dblint decodes it back unchanged."""
    data = source.encode("utf-8")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return source.encode(encoding)
    except (SyntaxError, LookupError, UnicodeEncodeError):
        return data
