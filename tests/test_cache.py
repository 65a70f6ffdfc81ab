"""The facts cache: same findings cold and warm, robust to damage, races and read-only trees."""

from __future__ import annotations

import copy
import dataclasses
import os
import pickle
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import BIN, FIXTURES, run_tool

from dblint.cache import MAGIC, FactsCache, content_key
from dblint.facts import FileFacts, codec, extract_facts

PROJECT = FIXTURES / "fastapi_sa2"
NO_ENV_CACHE = {"DBLINT_CACHE_DIR": ""}


def copy_project(tmp_path: Path) -> Path:
    root = Path(
        shutil.copytree(
            PROJECT, tmp_path / "project", ignore=shutil.ignore_patterns(".dblint_cache")
        )
    )
    assert "[tool.dblint]" not in (root / "pyproject.toml").read_text()
    return root


def entries(directory: Path) -> list[Path]:
    return sorted(
        path for path in directory.rglob("*") if path.is_file() and path.name != ".gitignore"
    )


def check(root: Path, *flags: str, env: dict | None = None) -> subprocess.CompletedProcess:
    result = run_tool("dblint", "check", *flags, ".", cwd=root, env=env or NO_ENV_CACHE)
    assert result.returncode in (0, 1), result.stderr
    assert result.stderr == "", result.stderr
    return result


def test_default_cache_at_the_project_root_ignored_by_git(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    cold = check(root)
    cache = root / ".dblint_cache"
    assert (cache / ".gitignore").read_text() == "*\n"
    assert len(entries(cache)) >= len(list(root.rglob("*.py")))
    warm = check(root)
    assert cold.stdout == warm.stdout != ""
    assert check(root, "--no-cache").stdout == cold.stdout


def test_cache_dir_flag_environment_and_setting(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    check(root, "--cache-dir", str(tmp_path / "flag"))
    check(root, env={"DBLINT_CACHE_DIR": str(tmp_path / "env")})
    with (root / "pyproject.toml").open("a") as stream:
        stream.write('\n[tool.dblint]\ncache-dir = "build/facts"\n')
    check(root)
    for directory in (tmp_path / "flag", tmp_path / "env", root / "build" / "facts"):
        assert entries(directory), directory
    assert not (root / ".dblint_cache").exists()
    check(root, "--no-cache", "--cache-dir", str(tmp_path / "unused"))
    assert not (tmp_path / "unused").exists()


def test_corrupt_and_foreign_entries_are_ignored_and_rewritten(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    expected = check(root).stdout
    stored = entries(root / ".dblint_cache")
    damage = [
        b"",
        b"garbage",
        MAGIC,
        MAGIC + b"\0" * 16 + b"x",
        b"\x80\x04\x95 not a pickle either",
    ]
    for number, path in enumerate(stored):
        blob = path.read_bytes()
        path.write_bytes(damage[number % len(damage)] if number % 3 else blob[: len(blob) // 2])
    assert check(root).stdout == expected
    assert all(
        path.read_bytes().startswith(MAGIC) and len(path.read_bytes()) > len(MAGIC) + 16
        for path in stored
    )
    assert check(root).stdout == expected


def test_an_unusable_cache_location_is_skipped_silently(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    expected = check(root, "--no-cache").stdout
    (tmp_path / "blocked").write_text("a file, not a directory")
    assert check(root, "--cache-dir", str(tmp_path / "blocked" / "cache")).stdout == expected


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes into read-only directories"
)
def test_read_only_tree(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    expected = check(root, "--no-cache").stdout
    for path in [*sorted(root.rglob("*"), reverse=True), root]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        assert check(root).stdout == expected
        assert not (root / ".dblint_cache").exists()
    finally:
        for path in [root, *root.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_concurrent_runs_on_an_empty_cache(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    expected = check(root, "--no-cache").stdout
    env = {**os.environ, "PYTHONHASHSEED": "0", "DBLINT_CACHE_DIR": str(tmp_path / "shared")}
    runs = [
        subprocess.Popen(
            [str(BIN / "dblint"), "check", "-j1", "."],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [(out.decode(), err.decode()) for out, err in outputs] == [(expected, "")] * 4
    assert not list((tmp_path / "shared").rglob(".tmp-*"))


def test_codec_round_trip_and_path_independence() -> None:
    for path in sorted(FIXTURES.rglob("*.py")):
        data = path.read_bytes()
        facts = extract_facts("a/b.py", data, use_prefilter=False)
        assert codec.decode(codec.encode(facts)) == facts
        # Entries are keyed by content only, so facts must not depend on the path.
        assert (
            dataclasses.replace(extract_facts("c/d.py", data, use_prefilter=False), path="a/b.py")
            == facts
        )


def test_decoded_records_are_slotted_and_pickle_round_trips() -> None:
    """Facts hold no per-instance dict (memory: issue 17 part 2), and still pickle (a worker
    returns facts the codec cannot encode that way) and copy while staying frozen."""
    data = (PROJECT / "app" / "models.py").read_bytes()
    facts = codec.decode(codec.encode(extract_facts("a/b.py", data, use_prefilter=False)))
    assert facts.classes and facts.classes[0].attrs
    for record in (facts, facts.classes[0], facts.classes[0].attrs[0], facts.imports[0]):
        assert not hasattr(record, "__dict__")
    assert pickle.loads(pickle.dumps(facts)) == facts
    assert copy.deepcopy(facts) == facts
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.classes[0].name = "Other"  # type: ignore[misc]  # the point: frozen records refuse it


def test_records_of_another_schema_are_misses(tmp_path: Path) -> None:
    facts = extract_facts("m.py", b"from sqlalchemy import MetaData\nmeta = MetaData()\n")
    encoded = codec.encode(facts)
    with pytest.raises(codec.CodecError):
        codec.decode([encoded[0], *encoded[1:-1]])  # a field fewer, as written by another version
    cache = FactsCache.open(tmp_path / "cache")
    assert cache is not None
    key = content_key(b"x", full=True)
    assert cache.load(key) is None
    cache.store(key, encoded)
    assert codec.decode(cache.load(key)) == facts


# Where the imports sit in an encoded FileFacts record (after its name and the fields before `imports`).
IMPORTS = 1 + [field.name for field in dataclasses.fields(FileFacts)].index("imports")


@pytest.mark.parametrize(
    "damage",
    [
        lambda encoded: ["NoSuchRecord", *encoded[1:]],
        lambda encoded: [
            *encoded[:IMPORTS],
            ("not a record",),
            *encoded[IMPORTS + 1 :],
        ],  # imports: a tuple of plain values
        lambda encoded: [
            *encoded[:IMPORTS],
            [encoded[IMPORTS]],
            *encoded[IMPORTS + 1 :],
        ],  # a list where a tuple belongs
        lambda encoded: (encoded[0], *encoded[1:]),  # the record itself as a tuple
        lambda encoded: [],
        lambda encoded: None,
    ],
)
def test_malformed_records_are_codec_errors(damage) -> None:  # type: ignore[no-untyped-def]
    facts = extract_facts(
        "m.py",
        b"import sqlalchemy as sa\nfrom sqlalchemy import MetaData\nmeta = MetaData()\n",
        use_prefilter=False,
    )
    encoded = codec.encode(facts)
    assert encoded[IMPORTS] and encoded[IMPORTS][0][0] == "Import"
    with pytest.raises(codec.CodecError):
        codec.decode(damage(encoded))


def test_the_cache_key_covers_every_module_that_shapes_facts() -> None:
    """A change to any module the extractors import makes every entry a miss (the SQL reader
    moved out of `facts/` once, and its changes would have kept stale facts)."""
    from test_import_directions import _in, _modules, _reachable

    from dblint.cache import FACT_SOURCES

    shaping = {
        module
        for start in _modules()
        if _in(start, "dblint.facts")
        for module in _reachable(start)
        # the cache, the collector pause and the batch runner move facts, never shape them
        if module not in ("dblint", "dblint.cache", "dblint.gcpause", "dblint.facts.batch")
    }
    uncovered = sorted(
        module
        for module in shaping
        if not any(_in(module, f"dblint.{package}") for package in FACT_SOURCES)
    )
    assert uncovered == []
