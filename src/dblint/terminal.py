"""The CLI's terminal side: whether to colour, and the progress bar on stderr.

Only the CLI uses this module; the engine reports progress through a callback
and never touches a stream.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Callable, TextIO

COLOR_CHOICES = ("auto", "always", "never")


def use_color(choice: str, stream: TextIO, environ: Mapping[str, str]) -> bool:
    """`always`/`never` as told; `auto`: a terminal, unless NO_COLOR is set (no-color.org) or TERM is dumb."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    return _is_terminal(stream)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed streams
        return False


class ProgressBar:
    """`[#####.....] 120/480 files parsed`, redrawn in place on a terminal.

    Nothing is drawn before `delay` seconds have passed, so quick runs stay
    silent; redraws are throttled; `close()` erases the bar.
    """

    WIDTH = 30
    INTERVAL = 0.1

    def __init__(
        self, stream: TextIO, delay: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._stream = stream
        self._delay = delay
        self._clock = clock
        self._started = clock()
        self._drawn_at: float | None = None

    def __call__(self, done: int, total: int) -> None:
        now = self._clock()
        if now - self._started < self._delay:
            return
        if self._drawn_at is not None and now - self._drawn_at < self.INTERVAL and done < total:
            return
        filled = self.WIDTH * done // total if total else self.WIDTH
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self._stream.write(f"\r[{bar}] {done}/{total} files parsed\x1b[K")
        self._stream.flush()
        self._drawn_at = now

    def close(self) -> None:
        if self._drawn_at is not None:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._drawn_at = None


def progress_bar(stream: TextIO, quiet: bool, delay: float) -> ProgressBar | None:
    """A progress bar when `stream` is a terminal and the user did not ask for quiet."""
    if quiet or not _is_terminal(stream):
        return None
    return ProgressBar(stream, delay)
