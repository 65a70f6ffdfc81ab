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
from typing import Any, Callable

from dblint.facts import model
from dblint.facts.model import FileFacts

_PLAIN = (str, int, float, bool, type(None))
CLASSES: dict[str, type] = {
    name: value
    for name, value in sorted(vars(model).items())
    if isinstance(value, type)
    and dataclasses.is_dataclass(value)
    and value.__module__ == model.__name__
}
_FIELDS: dict[type, tuple[str, ...]] = {
    cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in CLASSES.values()
}
_RECORD_NAME = re.compile(r"\b(?:{})\b".format("|".join(CLASSES)))
SCHEMA = hashlib.blake2b(
    repr(sorted((cls.__name__, names) for cls, names in _FIELDS.items())).encode(), digest_size=8
).hexdigest()


class CodecError(ValueError):
    """A value the codec does not know how to store (or a malformed stored value)."""


def encode(facts: FileFacts) -> list[Any]:
    """Plain data for `facts`; raises CodecError for values outside the model."""
    encoded: list[Any] = _encode(facts)
    return encoded


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
    try:
        facts = _record(data)
    except (TypeError, ValueError, KeyError, IndexError) as error:
        raise CodecError(f"malformed record: {error}") from error
    if not isinstance(facts, FileFacts):
        raise CodecError("not a FileFacts record")
    return facts


# Decoding runs once per record of every cached file on a warm run, so each class gets
# its decoders up front: the fields holding records, with the shape their type hint gives.
Decoder = Callable[[Any], Any]


def _record(value: list[Any]) -> Any:
    if type(value) is not list:
        raise CodecError(f"unexpected {type(value).__name__} where a record belongs")
    cls, size, plain, nested = _SPECS[value[0]]
    if len(value) != size:
        raise CodecError(f"{value[0]} record has the wrong number of fields")
    instance: Any = object.__new__(cls)
    # Frozen dataclasses refuse setattr; their slots' own setters are what their __init__ ends up using.
    for setter, position in plain:
        setter(instance, value[position])
    for setter, position, decoder in nested:
        item = value[position]
        setter(instance, decoder(item) if item else item)  # None and () stay as they are
    return instance


def _records(items: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(map(_record, items))


def _named_records(items: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, Any], ...]:
    return tuple((name, _record(item)) for name, item in items)


_SHAPES: tuple[tuple[re.Pattern[str], Decoder], ...] = (
    (re.compile(r"'?(\w+)'?(?: \| None)?"), _record),
    (re.compile(r"tuple\['?(\w+)'?, \.\.\.\]"), _records),
    (re.compile(r"tuple\[tuple\[str, '?(\w+)'?\], \.\.\.\]"), _named_records),
)


def _decoder(hint: str) -> Decoder:
    """`X | None` -> one record, `tuple[X, ...]` -> records, `tuple[tuple[str, X], ...]` -> named records.
    Any other shape holding a record is a model change this module must learn: fail at import."""
    for pattern, decoder in _SHAPES:
        match = pattern.fullmatch(hint)
        if match and match.group(1) in CLASSES:
            return decoder
    raise TypeError(f"codec: no decoder for a field typed {hint}")


Setter = Callable[[Any, Any], None]
_Spec = tuple[type, int, tuple[tuple[Setter, int], ...], tuple[tuple[Setter, int, Decoder], ...]]


def _spec(cls: type) -> _Spec:
    """The class, its record's length, and for each field its slot's setter and position in the
    record: plain fields, then fields holding records with their decoder."""
    plain: list[tuple[Setter, int]] = []
    nested: list[tuple[Setter, int, Decoder]] = []
    for position, field in enumerate(dataclasses.fields(cls), start=1):
        setter = vars(cls)[field.name].__set__
        if _RECORD_NAME.search(str(field.type)):
            nested.append((setter, position, _decoder(str(field.type))))
        else:
            plain.append((setter, position))
    return cls, len(_FIELDS[cls]) + 1, tuple(plain), tuple(nested)


_SPECS: dict[str, _Spec] = {name: _spec(cls) for name, cls in CLASSES.items()}
