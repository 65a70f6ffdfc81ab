"""A cheap byte-level check: can this file yield any fact that needs LibCST?

Files that fail it are only syntax-checked and have their imports read, which
is what most files of a real repository need. The check must be sound: a file
it rejects must have no fact beyond imports, `__all__` and noqa comments that
a rule or the index reads *from that file alone*. Bindings and classes of a
rejected file still matter when other files resolve names through it; the
engine parses those files in full afterwards (`index.reach.files_to_parse`).

Each alternative below exists for a fact of `extract.FactCollector` or
`alembic_ops`:
- library and API names (imports of SQLAlchemy, SQLModel, advanced-alchemy, Alembic,
  Flask-SQLAlchemy and Flask-Migrate, `declarative`, `mapped`, `Column`, `Table`, `relationship`);
- schema calls: `create_all`, `drop_all`, any `create` word (`.create(`, with
  whitespace or a line break before the name), any `drop` word (`.drop(`), `CreateTable`,
  `DropTable` and the other DDL constructs (`Create...` / `Drop...`, `AddConstraint`);
- calls kept whole: `configure`, `create_table`, `Migrate`, `init_app`, `reflect`
  (`to_metadata` / `tometadata` hold `metadata`), `stamp(` (`alembic stamp` after
  `create_all()`; `timestamp(` is no such call), `stamp_<what>(` (a project helper that may
  stamp) and `sync(` (sqlalchemy-helpers' `db.manager.sync()` and `syncdb(...)`, which do
  both; `fsync(` is no such call);
- calls that open a database: `connect(`, `create_engine(`, `create_async_engine(`;
- classes made at run time: `type(` whose first argument ends at a comma (`type(name, bases,
  namespace)`, never `type(self)`);
- interactions: session, query, select, scalar(s), execute, exec_driver_sql, cursor;
- SQL in string literals: a DDL word anywhere (the classifier needs one), a string
  that starts with a DML verb, `(`, `;` or a SQL comment, an escape sequence that can
  spell a letter (`\\x43REATE`), and adjacent literals whose implicit concatenation
  can join a keyword (`"CRE" "ATE"`);
- Alembic revisions: `revision` (`op.` calls are read only where `alembic` is imported);
- classes that map themselves (`__tablename__`, `__table__`, `__abstract__`): parsed (their
  shape is read by `ast`), since their base may come from a library no import marks.
Text that is not ASCII-compatible (UTF-16, EBCDIC code pages) is always parsed, and so
is UTF-8 text holding one of the letters that case-insensitive matching folds onto ASCII
(`ſ`, `ı`, `İ`, the Kelvin sign), which the SQL classifier would read as `s`, `i`, `k`.
"""

from __future__ import annotations

import io
import re
import tokenize

from dblint.facts.vocabulary import (
    DATABASE_OPENERS,
    MAPPED_MARKERS,
    SCHEMA_CONSTRUCTS,
    TABLE_CONSTRUCTS,
    TABLE_EVENTS,
)

# Case-sensitive words: library names, API names, calls and attributes the collector records.
_WORDS = (
    b"sqlalchemy",
    b"sqlmodel",
    b"advanced_alchemy",
    b"alembic",
    b"SQLAlchemy",
    b"flask_migrate",
    b"Migrate",
    b"metadata",
    b"MetaData",
    b"create_all",
    b"drop_all",
    b"create_table",
    # The DDL constructs the collector records when executed (`CreateTable`, `AddConstraint`).
    *sorted(construct.encode() for construct in TABLE_CONSTRUCTS | SCHEMA_CONSTRUCTS),
    # `event.listen(table, "after_create", DDL(...))`: the collector keeps the call.
    *sorted(event.encode() for event in TABLE_EVENTS),
    b"configure",
    b"Table",
    b"Column",
    b"declarative",
    b"mapped",
    b"Mapped",
    b"relationship",
    b"revision",
    b"init_app",
    b"reflect",
    # Letters that case-insensitive matching folds onto ASCII: `ſ`, `İ`, `ı`, the Kelvin sign.
    b"\xc5\xbf",
    b"\xc4\xb0",
    b"\xc4\xb1",
    b"\xe2\x84\xaa",
)
_DDL_WORDS = (b"create", b"alter", b"drop", b"rename")
_DATABASE_OPEN = re.compile(
    rb"\b(?:%s)\s*\(" % b"|".join(sorted(name.encode() for name in DATABASE_OPENERS))
)
_DDL_WORD = re.compile(rb"(?i:\b(?:create|alter|drop|rename)\b)")
_LETTER_ESCAPE = re.compile(rb"\\(?:x|u|U|N\{|[0-7])")
# One pattern that starts at a quote, so the engine scans for the quote characters only:
# a literal that starts as SQL, and literals joined by implicit concatenation.
_STRING = re.compile(
    rb"[\"'](?:"
    rb"(?:\s|\\[ntrfv\n])*(?:(?i:select|insert|update|delete|with|truncate|merge)\b|\(|;|--|/\*)"
    rb"|(?:[ \t]|\\?\r?\n)+[ \t]*[rRbBuUfF]{0,2}[\"']"
    rb"|[ \t]*#[^\n]*\n\s*[rRbBuUfF]{0,2}[\"']"
    rb")"
)
# `type(name, bases, namespace)`: its first argument, with calls two deep in it
# (calibre-web's `type(str("custom_column_" + str(row.id)), (Base,), ...)`), ends at a comma;
# `type(self)` has none.
_MADE_CLASS = re.compile(rb"\btype\s*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*,")
# A call named `stamp` (`command.stamp(cfg, "head")`), `stamp_<what>` (a project helper that
# stamps: Kotti's `stamp_heads()`) or `sync`, never `timestamp(` or `fsync(`.
_STAMP_CALL = re.compile(rb"(?<![\w])(?:stamp(?:_\w+)?|sync|syncdb)[\s\\]*\(")
# Encodings whose bytes for ASCII text are ASCII, so the pattern above sees the words.
ASCII_COMPATIBLE = frozenset({"utf-8", "utf-8-sig", "ascii", "latin-1", "iso-8859-1", "cp1252"})


# Words of calls and attributes that show only interactions (`session.query`, `cursor()`);
# the `ast` reader of sliced parsing records those itself (`needs_libcst`).
_INTERACTION_WORDS = (
    b"session",
    b"Session",
    b"query",
    b"select",
    b"scalar",
    b"execute",
    b"exec_driver_sql",
    b"cursor",
)


# A class that maps itself (`__tablename__`, `__table__`, `__abstract__`): a model, also on a
# base from a library dblint does not know, which no database import leads to (`index.reach`).
# The `ast` reader records classes, so these need a parse, never LibCST.
_MODEL_WORDS = tuple(marker.encode() for marker in MAPPED_MARKERS)


def needs_parse(data: bytes) -> bool:
    """True when the bytes may contain anything a rule looks at beyond imports."""
    return (
        any(word in data for word in _INTERACTION_WORDS)
        or any(word in data for word in _MODEL_WORDS)
        or needs_libcst(data)
    )


def needs_libcst(data: bytes) -> bool:
    """True when the bytes (of a statement) may hold a fact beyond the shape of the code and its interactions
    (`ast_facts.ShapeCollector` reads those)."""
    if any(word in data for word in _WORDS):
        return True
    if (b"stamp" in data or b"sync" in data) and _STAMP_CALL.search(data):
        return True
    lowered = data.lower()
    if any(word in lowered for word in _DDL_WORDS) and _DDL_WORD.search(data):
        return True
    if (b"connect" in data or b"_engine" in data) and _DATABASE_OPEN.search(data):
        return True
    if b"type" in data and _MADE_CLASS.search(data):
        return True
    if b"\\" in data and _LETTER_ESCAPE.search(data):
        return True
    return _STRING.search(data) is not None or not _ascii_compatible(data)


def _ascii_compatible(data: bytes) -> bool:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        return False
    return encoding.lower() in ASCII_COMPATIBLE
