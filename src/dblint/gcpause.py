"""Building long-lived data without the cyclic garbage collector rescanning it."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


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
