"""Building long-lived data without the cyclic garbage collector rescanning it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def long_lived() -> Iterator[None]:
    """Pause the collector while data that lives to the end of the run is built, then freeze it.

    Decoded facts are millions of small acyclic records; with the collector on, its
    older-generation passes rescan all of them again and again (about 85 % of the
    decoding time of a warm run on 10,000 files). Frozen, they are never scanned again.
    Not for LibCST parsing, whose trees leave cyclic garbage behind.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@contextmanager
def collect_once() -> Iterator[None]:
    """Pause the collector while one file is parsed, then collect what the parse left behind.

    While it is paused every new object stays in the youngest generation, so one
    young-generation pass afterwards frees the parse's cycles without rescanning
    anything older (the collector's own schedule would rescan a large tree many times).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(0)
