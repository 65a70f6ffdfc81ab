"""Facts cached per file, keyed by dblint's version and the file's content hash.

Layout: `<dir>/<fingerprint>/<key[:2]>/<key[2:]>`, where the fingerprint covers
the dblint version, the facts schema (`codec.SCHEMA`) and the source of the
fact extractors, so any change to what facts are makes every old entry a miss.
An entry is `MAGIC + blake2b(payload) + payload`, the payload being `marshal`
of plain tuples: a truncated, corrupt or foreign entry fails the check and is
recomputed and rewritten, never unmarshalled. Writes go to a temporary file in
the same directory and are renamed into place, so concurrent runs (pre-commit
and an editor at once) only ever see whole entries. A cache that cannot be
created or written (a read-only tree) is silently skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import tempfile
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Optional, Union

from dblint import __version__
from dblint.facts import codec

DEFAULT_DIRECTORY = ".dblint_cache"
ENVIRONMENT_VARIABLE = "DBLINT_CACHE_DIR"
MAGIC = b"dblint\x01\n"
_DIGEST = 16


def source_digest(prefix: str, sources: Iterable[Path]) -> str:
    """A short hash of `prefix` and the bytes of `sources`: what makes stored results stale."""
    digest = hashlib.blake2b(prefix.encode(), digest_size=8)
    for source in sorted(sources):
        digest.update(source.name.encode() + b"\0")
        with contextlib.suppress(OSError):
            digest.update(source.read_bytes())
    return digest.hexdigest()


# The packages whose code decides what a file's facts are (the SQL reader classifies strings).
FACT_SOURCES = ("facts", "sql")


@cache
def fingerprint() -> str:
    """dblint version + facts schema + the bytes of the fact extractors (read once, on first use)."""
    prefix = f"{__version__}\0{codec.SCHEMA}\0{marshal.version}"
    package = Path(codec.__file__).parent.parent
    return source_digest(
        prefix, [path for name in FACT_SOURCES for path in (package / name).rglob("*.py")]
    )


def chosen_directory(
    flag: Optional[Union[str, Path]], environ: Mapping[str, str]
) -> Optional[Path]:
    """For the adapters: `--cache-dir`, else $DBLINT_CACHE_DIR, as an absolute path (None: neither)."""
    value = flag or environ.get(ENVIRONMENT_VARIABLE) or None
    return Path(os.path.abspath(value)) if value else None


def content_key(data: bytes, full: bool) -> str:
    """The key of one file's facts: its content hash, and whether they come from a full parse
    (`full`) or from whatever the prefilter decided."""
    return hashlib.blake2b(data, digest_size=20, person=b"full" if full else b"imports").hexdigest()


class FactsCache:
    """Encoded facts on disk; every failure is a miss, never an error."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._entries = directory / fingerprint()
        self.writable = True

    @classmethod
    def open(cls, directory: Path) -> Optional[FactsCache]:
        """The cache in `directory`, created with a `.gitignore` of `*`; None when impossible."""
        try:
            directory.mkdir(parents=True, exist_ok=True)
            ignore = directory / ".gitignore"
            if not ignore.exists():
                _write_atomic(ignore, b"*\n")
        except OSError:
            return None
        return cls(directory)

    def _path(self, key: str) -> Path:
        return self._entries / key[:2] / key[2:]

    def load(self, key: str) -> Optional[Any]:
        """The encoded facts stored under `key`, or None."""
        return read_entry(self._path(key))

    def store(self, key: str, encoded: Any) -> None:
        """Write one entry; gives up quietly (and for the rest of the run) when the disk refuses."""
        if self.writable and not write_entry(self._path(key), encoded):
            self.writable = False


def read_entry(path: Path) -> Optional[Any]:
    """The value stored at `path`; None when missing, truncated, corrupt or foreign."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head = len(MAGIC) + _DIGEST
    if (
        blob[: len(MAGIC)] != MAGIC
        or hashlib.blake2b(blob[head:], digest_size=_DIGEST).digest() != blob[len(MAGIC) : head]
    ):
        return None
    try:
        return marshal.loads(blob[head:])
    except (EOFError, ValueError, TypeError):
        return None


def write_entry(path: Path, value: Any) -> bool:
    """Store `value` (plain data) atomically at `path`; False when the disk refuses.
    A value marshal cannot hold is not stored, which is not a disk failure."""
    try:
        payload = marshal.dumps(value)
    except ValueError:
        return True
    blob = MAGIC + hashlib.blake2b(payload, digest_size=_DIGEST).digest() + payload
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, blob)
    except OSError:
        return False
    return True


def _write_atomic(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
