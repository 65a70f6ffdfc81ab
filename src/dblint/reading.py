"""Reading a project's facts for a run: its cache, its jobs, and whether files changed
since the stored findings still have the facts those findings were computed from.

Light to import (no LibCST, no index, no rule): the engine asks `unchanged_facts`
before deciding to load the pipeline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Optional

from dblint.cache import FactsCache
from dblint.config import Settings
from dblint.facts import FileFacts, codec
from dblint.facts.batch import ReadOptions, available_cpus, read_files
from dblint.facts.moves import LineMoves, line_moves
from dblint.run_inputs import ProjectFiles, Request, cache_directory


def read_facts(
    root: Path,
    files: list[str],
    settings: Settings,
    request: Request,
    full: Iterable[str] = (),
    keys: Optional[dict[str, str]] = None,
) -> list[FileFacts]:
    """Facts of `files` (cached, parsed in parallel), with size and read failures turned into `error`;
    `keys` receives each read file's cache key."""
    options = ReadOptions(
        settings.max_file_size,
        request.use_prefilter,
        request.jobs or available_cpus(),
        _facts_cache(root, settings, request),
    )
    return read_files(root, files, options, full=full, progress=request.progress, keys=keys)


def _facts_cache(root: Path, settings: Settings, request: Request) -> Optional[FactsCache]:
    directory = cache_directory(root, settings, request)
    return FactsCache.open(directory) if directory is not None else None


def unchanged_facts(
    files: ProjectFiles, request: Request, previous: dict[str, tuple[str, ...]]
) -> Optional[tuple[dict[str, tuple[str, ...]], dict[str, LineMoves]]]:
    """The new cache keys of the changed files, and how each one's lines moved, when each
    one's facts are what they were (`previous`: their keys then, as
    `LoadedProject.fact_keys` holds them) or those facts moved by whole lines; else None.

    Findings depend on the files only through their facts (with the settings and config
    files, which are unchanged here), so equal facts mean the stored findings still hold,
    and facts that only moved mean findings that only moved with them (`snapshot.moved`).
    """
    root, settings = files.root, files.settings
    cache = _facts_cache(root, settings, request)
    if cache is None:
        return None
    quiet = dataclasses.replace(request, progress=None)
    found: dict[str, tuple[str, ...]] = {}
    moves: dict[str, LineMoves] = {}
    for rel, old_keys in sorted(previous.items()):
        new_keys: list[str] = []
        for number, old_key in enumerate(old_keys):  # the first pass, then the full parse
            keys: dict[str, str] = {}
            [facts] = read_facts(root, [rel], settings, quiet, [rel] if number else (), keys)
            key = keys.get(rel)
            if key is None:
                return None
            if key != old_key:
                file_moves = _stored_facts_moves(cache, old_key, facts)
                if file_moves is not None and rel in moves:
                    file_moves = moves[rel].merged(file_moves)
                if file_moves is None:
                    return None
                if file_moves.moved:
                    moves[rel] = file_moves
            new_keys.append(key)
        found[rel] = tuple(new_keys)
    return found, moves


def _stored_facts_moves(cache: FactsCache, key: str, facts: FileFacts) -> Optional[LineMoves]:
    """How the facts stored under `key` moved to become `facts` (None: a missing or damaged
    entry, or facts that differ in more than their line numbers)."""
    encoded = cache.load(key)
    if encoded is None:
        return None
    try:
        stored = codec.decode(encoded)
    except codec.CodecError:
        return None
    return line_moves(stored, facts)
