"""`FileFacts` as plain nested tuples, for the cache on disk and for worker processes.

Generic over the frozen dataclasses of `facts.model`: an instance becomes a
list `[class name, field values...]` in field order, a tuple stays a tuple,
and str / int / float / bool / None stay themselves, so `marshal` can store it
and nothing on disk is ever unpickled. New fields and classes need no change
here: `SCHEMA` is derived from the class and field names, and a cache keyed by
it simply misses after the model changes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import Any

from dblint.facts import model
from dblint.facts.model import FileFacts

_PLAIN = (str, int, float, bool, type(None))
CLASSES: dict[str, type] = {
    name: value
    for name, value in sorted(vars(model).items())
    if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == model.__name__
}
_FIELDS: dict[type, tuple[str, ...]] = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in CLASSES.values()}
_RECORD_NAME = re.compile(r"\b(?:%s)\b" % "|".join(CLASSES))
# Per class, the fields whose type hint names a record class: only those need decoding,
# the others are plain values (or tuples of them) exactly as marshal returns them.
_NESTED: dict[type, tuple[str, ...]] = {
    cls: tuple(f.name for f in dataclasses.fields(cls) if _RECORD_NAME.search(str(f.type))) for cls in CLASSES.values()
}
SCHEMA = hashlib.blake2b(
    repr(sorted((cls.__name__, names) for cls, names in _FIELDS.items())).encode(), digest_size=8
).hexdigest()


class CodecError(ValueError):
    """A value the codec does not know how to store (or a malformed stored value)."""


def encode(facts: FileFacts) -> list[Any]:
    """Plain data for `facts`; raises CodecError for values outside the model."""
    return _encode(facts)  # type: ignore[no-any-return]


def _encode(value: Any) -> Any:
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, tuple):
        return tuple(_encode(item) for item in value)
    names = _FIELDS.get(type(value))
    if names is None:
        raise CodecError(f"cannot encode a {type(value).__name__}")
    return [type(value).__name__, *(_encode(getattr(value, name)) for name in names)]


def decode(data: Any) -> FileFacts:
    """The `FileFacts` that `encode` turned into `data`; CodecError when it is not one."""
    facts = _decode(data)
    if not isinstance(facts, FileFacts):
        raise CodecError("not a FileFacts record")
    return facts


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        if not value or not isinstance(value[0], str) or value[0] not in CLASSES:
            raise CodecError("unknown record")
        cls = CLASSES[value[0]]
        names = _FIELDS[cls]
        if len(value) != len(names) + 1:
            raise CodecError(f"{value[0]} record has the wrong number of fields")
        instance = object.__new__(cls)
        fields = dict(zip(names, value[1:]))
        for name in _NESTED[cls]:
            fields[name] = _decode(fields[name])
        # Frozen dataclasses refuse setattr; filling __dict__ is what their __init__ ends up doing.
        instance.__dict__.update(fields)
        return instance
    if isinstance(value, tuple):
        return tuple(map(_decode, value))
    if isinstance(value, _PLAIN):
        return value
    raise CodecError(f"unexpected {type(value).__name__} in a record")
