"""Facts of many files: read, look up in the cache, extract the rest (in parallel when it pays).

Worker processes receive (path, bytes, full) and send back the facts encoded
as plain tuples (`codec`), writing the cache entry themselves so that work is
parallel too. The worker function is a module-level function of an importable
module, so the pool works under every start method (fork, spawn, forkserver).
Results are put back in input order: output is the same for any number of jobs.
"""

from __future__ import annotations

import dataclasses
import itertools
import multiprocessing
import os
from collections.abc import Iterable, Sequence
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
) -> list[FileFacts]:
    """Facts of `paths` (project-relative), in the same order; `full` skips the prefilter."""
    forced = frozenset(full)
    results: list[Optional[FileFacts]] = [None] * len(paths)
    pending: list[tuple[int, str, bytes, bool, str]] = []
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
                cached = _cached(options.cache, key, rel)
                if cached is None:
                    pending.append((position, rel, data_or_error, whole, key))
                    continue
                results[position] = cached
            done += 1
            if progress is not None:
                progress(done, len(paths))
    for position, encoded in _extract(pending, options.cache, options.jobs):
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


Item = tuple[str, bytes, bool, str]  # path, bytes, full parse without the prefilter, cache key


def _extract(
    pending: list[tuple[int, str, bytes, bool, str]], cache: Optional[FactsCache], jobs: int
) -> Iterable[tuple[int, Any]]:
    positions = [position for position, *_ in pending]
    work: list[Item] = [(rel, data, whole, key) for _, rel, data, whole, key in pending]
    weights = [_weight(item) for item in work]
    # A daemonic process (a worker of flake8's pool) may not start processes of its own.
    if jobs <= 1 or sum(weights) < POOL_THRESHOLD or multiprocessing.current_process().daemon:
        for position, item in zip(positions, work):
            yield position, extract_encoded(item, cache)
        return
    chunks = _chunks(work, weights)
    cache_dir = str(cache.directory) if cache is not None and cache.writable else None
    with ProcessPoolExecutor(max_workers=min(jobs, len(chunks))) as pool:
        # Handed on as each chunk arrives: the caller decodes while the workers parse.
        results = (
            encoded
            for chunk in pool.map(extract_chunk, chunks, itertools.repeat(cache_dir))
            for encoded in chunk
        )
        yield from zip(positions, results)


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


def _weight(item: Item) -> int:
    """Relative cost: a LibCST parse, or a syntax check plus imports."""
    return FULL_WEIGHT if item[2] or needs_parse(item[1]) else 1


def extract_chunk(chunk: list[Item], cache_dir: Optional[str]) -> list[Any]:
    """Worker entry point: the encoded facts of each item of a chunk."""
    cache = FactsCache(Path(cache_dir)) if cache_dir is not None else None
    return [extract_encoded(item, cache) for item in chunk]


def extract_encoded(item: Item, cache: Optional[FactsCache]) -> Any:
    """Extract one file's facts, store them in the cache, return them encoded.

    Facts the codec cannot encode (a new kind of value) are returned as they are
    and not cached.
    """
    rel, data, whole, key = item
    with collect_once():
        facts = extract_facts(rel, data, use_prefilter=not whole)
    try:
        encoded = codec.encode(facts)
    except codec.CodecError:
        return facts
    if cache is not None and facts.internal_error is None:  # a dblint bug is not a fact to keep
        cache.store(key, encoded)
    return encoded
