"""Facts of many files: read, look up in the cache, extract the rest (in parallel when it pays).

Worker processes receive (path, bytes, full) and send back the facts encoded
as plain tuples (`codec`), writing the cache entry themselves so that work is
parallel too. The worker function is a module-level function of an importable
module, so the pool works under every start method (fork, spawn, forkserver).
Results are put back in input order: output is the same for any number of jobs.

Memory (issue 17 part 2): a worker sends each chunk's facts back as soon as it is
done (a chunk is about ten LibCST parses), and is replaced after `GENERATION_CHUNKS`
chunks, since a process keeps the memory of the largest tree it parsed. The parent
holds no file's bytes while the workers parse: a worker reads its files itself.
"""

from __future__ import annotations

import dataclasses
import itertools
import multiprocessing
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from dblint.cache import FactsCache, content_key
from dblint.facts import codec, extract_facts
from dblint.facts.model import FileFacts
from dblint.facts.prefilter import needs_parse
from dblint.gcpause import collect_once, long_lived

# Below this much work a pool costs more than it saves. Measured on 2 CPUs with fork
# (benchmarks/README.md): 10 LibCST parses 0.43 s alone vs 0.49 s with 2 workers,
# 20 parses 0.91 s vs 0.48 s. A LibCST parse counts FULL_WEIGHT, an imports-only read 1.
FULL_WEIGHT = 20
POOL_THRESHOLD = 20 * FULL_WEIGHT
CHUNK_WEIGHT = 200
# Chunks one worker extracts before it is replaced: about 80 LibCST parses.
GENERATION_CHUNKS = 8

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ReadOptions:
    max_file_size: int
    use_prefilter: bool = True
    jobs: int = 1
    cache: Optional[FactsCache] = None


def available_cpus() -> int:
    """CPUs this process may run on (the affinity mask where the platform has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def read_files(
    root: Path,
    paths: Sequence[str],
    options: ReadOptions,
    *,
    full: Iterable[str] = (),
    progress: Optional[Progress] = None,
    keys: Optional[dict[str, str]] = None,
) -> list[FileFacts]:
    """Facts of `paths` (project-relative), in the same order; `full` skips the prefilter.
    `keys`, when given, receives the cache key of every file that could be read."""
    forced = frozenset(full)
    results: list[Optional[FileFacts]] = [None] * len(paths)
    # The files to extract, without their bytes: a worker reads the file again, so the run
    # never holds the text of every file it has to parse (a cold run: all of them).
    pending: list[tuple[int, Item, int]] = []
    done = 0
    with (
        long_lived()
    ):  # cached facts are decoded here; LibCST parsing below runs with the collector on
        for position, rel in enumerate(paths):
            data_or_error = _read(root / rel, options.max_file_size)
            if isinstance(data_or_error, str):
                results[position] = FileFacts(path=rel, error=data_or_error)
            else:
                # Keyed before the prefilter runs: a warm run never scans the bytes.
                whole = rel in forced or not options.use_prefilter
                key = content_key(data_or_error, whole)
                if keys is not None:
                    keys[rel] = key
                cached = _cached(options.cache, key, rel)
                if cached is None:
                    item = (rel, str(root / rel), whole, options.max_file_size)
                    pending.append((position, item, _weight(data_or_error, whole)))
                    continue
                results[position] = cached
            done += 1
            if progress is not None:
                progress(done, len(paths))
    for position, (read_key, encoded) in _extract(pending, options.cache, options.jobs):
        if keys is not None:  # the key of the bytes extracted (the file may have changed since)
            keys.pop(paths[position], None)
            if read_key is not None:
                keys[paths[position]] = read_key
        if isinstance(encoded, FileFacts):
            results[position] = encoded
        else:
            with long_lived():
                results[position] = codec.decode(encoded)
        done += 1
        if progress is not None:
            progress(done, len(paths))
    return results  # type: ignore[return-value]  # every position is filled above


def _read(path: Path, max_size: int) -> bytes | str:
    """The file's bytes, or the reason it cannot be checked."""
    try:
        size = path.stat().st_size
        if size > max_size:
            return f"file is too large ({size} bytes > max-file-size {max_size}), skipped"
        data = path.read_bytes()
    except OSError as error:
        return f"cannot read file: {error.strerror or error}"
    if len(data) > max_size:
        return f"file is too large ({len(data)} bytes > max-file-size {max_size}), skipped"
    return data


def _cached(cache: Optional[FactsCache], key: str, rel: str) -> Optional[FileFacts]:
    if cache is None:
        return None
    encoded = cache.load(key)
    if encoded is None:
        return None
    try:
        facts = codec.decode(encoded)
    except (codec.CodecError, TypeError, ValueError):
        return None
    return facts if facts.path == rel else dataclasses.replace(facts, path=rel)


Item = tuple[str, str, bool, int]  # path, path on disk, full parse without the prefilter, max size
Extracted = tuple[
    Optional[str], Any
]  # cache key of the bytes read (None: unreadable), encoded facts


def _extract(
    pending: list[tuple[int, Item, int]], cache: Optional[FactsCache], jobs: int
) -> Iterable[tuple[int, Extracted]]:
    positions = [position for position, _, _ in pending]
    work = [item for _, item, _ in pending]
    weights = [weight for _, _, weight in pending]
    # A daemonic process (a worker of flake8's pool) may not start processes of its own.
    if jobs <= 1 or sum(weights) < POOL_THRESHOLD or multiprocessing.current_process().daemon:
        for position, item in zip(positions, work):
            yield position, extract_encoded(item, cache)
        return
    chunks = _chunks(work, weights)
    cache_dir = str(cache.directory) if cache is not None and cache.writable else None
    # Handed on as each chunk arrives: the caller decodes while the workers parse.
    yield from zip(positions, _pooled(chunks, cache_dir, jobs))


def _pooled(chunks: list[list[Item]], cache_dir: Optional[str], jobs: int) -> Iterator[Extracted]:
    """The encoded facts of every item of `chunks`, in order, from generations of workers:
    each generation's pool extracts at most `GENERATION_CHUNKS` chunks per worker, then
    exits, so that no worker keeps the memory of every tree it has parsed.
    (`max_tasks_per_child` would do it within one pool, but deadlocks from Python 3.11
    to 3.14: CPython issue 115634.)"""
    # Imported once here, so that every generation's forked workers start with LibCST loaded.
    import dblint.facts.extract  # noqa: F401, PLC0415

    per_generation = jobs * GENERATION_CHUNKS
    for start in range(0, len(chunks), per_generation):
        generation = chunks[start : start + per_generation]
        with ProcessPoolExecutor(max_workers=min(jobs, len(generation))) as pool:
            for chunk in pool.map(extract_chunk, generation, itertools.repeat(cache_dir)):
                yield from chunk


def _chunks(work: list[Item], weights: list[int]) -> list[list[Item]]:
    """Consecutive runs of about CHUNK_WEIGHT, so workers stay busy without much IPC."""
    chunks: list[list[Item]] = [[]]
    total = 0
    for item, weight in zip(work, weights):
        if total >= CHUNK_WEIGHT:
            chunks.append([])
            total = 0
        chunks[-1].append(item)
        total += weight
    return chunks


def _weight(data: bytes, whole: bool) -> int:
    """Relative cost: a LibCST parse, or a syntax check plus imports."""
    return FULL_WEIGHT if whole or needs_parse(data) else 1


def extract_chunk(chunk: list[Item], cache_dir: Optional[str]) -> list[Extracted]:
    """Worker entry point: the encoded facts of each item of a chunk."""
    cache = FactsCache(Path(cache_dir)) if cache_dir is not None else None
    return [extract_encoded(item, cache) for item in chunk]


def extract_encoded(item: Item, cache: Optional[FactsCache]) -> Extracted:
    """Read one file, extract its facts, store them in the cache; return their key and
    the facts encoded.

    Facts the codec cannot encode (a new kind of value) are returned as they are
    and not cached.
    """
    rel, path, whole, max_size = item
    data = _read(Path(path), max_size)
    if isinstance(data, str):  # gone or grown since it was first read
        return None, FileFacts(path=rel, error=data)
    key = content_key(data, whole)
    with collect_once():
        facts = extract_facts(rel, data, use_prefilter=not whole)
    try:
        encoded = codec.encode(facts)
    except codec.CodecError:
        return key, facts
    if cache is not None and facts.internal_error is None:  # a dblint bug is not a fact to keep
        cache.store(key, encoded)
    return key, encoded
