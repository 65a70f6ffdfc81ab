"""The collector pauses around loading and parsing: garbage is still freed, the collector comes back on."""

from __future__ import annotations

import gc
import weakref

from dblint.gcpause import collect_once, long_lived


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def test_cycles_made_during_a_parse_are_freed_right_after() -> None:
    with collect_once():
        assert not gc.isenabled()
        ref = weakref.ref(Node())
        assert ref() is not None  # reference counting alone cannot free a cycle
    assert gc.isenabled()
    assert ref() is None


def test_long_lived_data_is_kept_and_the_collector_restored() -> None:
    try:
        with long_lived():
            assert not gc.isenabled()
            kept = [Node() for _ in range(100)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= 100
        assert all(node.me is node for node in kept)
    finally:
        gc.unfreeze()


def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    try:
        with collect_once():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
