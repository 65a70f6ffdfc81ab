"""Classify the text of Python string literals as SQL statements.

The linter needs to know whether a string literal holds schema-changing SQL
(``CREATE TABLE ...`` in application code bypasses migrations) without being
fooled by prose such as "could not create table users".  Precision matters as
much as recall, so the classifier is deliberately strict:

* A statement only starts at the beginning of the text (after whitespace and
  comments) or right after a ``;``, and the first statement must begin with a
  SQL verb.  A keyword sequence in the middle of a sentence never counts.
* Every statement kind has a small hand-written parser over a token stream that
  requires the full shape of the statement (e.g. ``CREATE TABLE name (`` must be
  followed by something that looks like a column definition list).
* Sentence-cased text ("Create table users ...") is treated as prose.

The module is pure Python with no dependencies, uses one linear tokenizer
regex, and bails out immediately when no leading keyword occurs in the text, so
it is cheap enough to run on every string literal of a repository.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Callable, NamedTuple

__all__ = [
    "ALTER_TABLE",
    "CREATE_INDEX",
    "CREATE_SCHEMA",
    "CREATE_SEQUENCE",
    "CREATE_TABLE",
    "CREATE_TEMP_TABLE",
    "CREATE_TYPE",
    "CREATE_VIEW",
    "DDL_KINDS",
    "DROP_INDEX",
    "DROP_SCHEMA",
    "DROP_SEQUENCE",
    "DROP_TABLE",
    "DROP_TYPE",
    "DROP_VIEW",
    "RENAME_TABLE",
    "SqlColumn",
    "SqlStatement",
    "alter_table_actions",
    "classify_sql",
    "is_sql",
    "name_words",
    "starts_as_row_statement",
]

CREATE_TABLE = "create-table"
CREATE_TEMP_TABLE = "create-temp-table"
ALTER_TABLE = "alter-table"
DROP_TABLE = "drop-table"
RENAME_TABLE = "rename-table"
CREATE_INDEX = "create-index"
DROP_INDEX = "drop-index"
CREATE_VIEW = "create-view"
DROP_VIEW = "drop-view"
CREATE_TYPE = "create-type"
DROP_TYPE = "drop-type"
CREATE_SEQUENCE = "create-sequence"
DROP_SEQUENCE = "drop-sequence"
CREATE_SCHEMA = "create-schema"
DROP_SCHEMA = "drop-schema"

#: Every kind :func:`classify_sql` can report.
DDL_KINDS: frozenset[str] = frozenset(
    {
        CREATE_TABLE,
        CREATE_TEMP_TABLE,
        ALTER_TABLE,
        DROP_TABLE,
        RENAME_TABLE,
        CREATE_INDEX,
        DROP_INDEX,
        CREATE_VIEW,
        DROP_VIEW,
        CREATE_TYPE,
        DROP_TYPE,
        CREATE_SEQUENCE,
        DROP_SEQUENCE,
        CREATE_SCHEMA,
        DROP_SCHEMA,
    }
)


@dataclass(frozen=True)
class SqlColumn:
    """One column of a ``CREATE TABLE`` column list, so rules can inspect types and keys."""

    name: str
    type_name: str
    nullable: bool
    primary_key: bool
    references: str | None


@dataclass(frozen=True)
class SqlStatement:
    """A schema-relevant statement found in a string, located by character offset for reporting."""

    kind: str
    name: str | None
    offset: int
    columns: tuple[SqlColumn, ...] = ()
    table: str | None = None  # the table a CREATE INDEX is on


# ---------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------

_WORD = "word"  # identifier or keyword, possibly with embedded placeholders ("app_{}")
_QIDENT = "qident"  # "quoted", `backticked` or [bracketed] identifier
_PARAM = "param"  # ?, $1, :name
_STRING = "string"  # '...' or $tag$...$tag$
_NUMBER = "number"
_PUNCT = "punct"

# Placeholders that may be glued to identifier characters: {} / {name} / {0}
# (str.format and f-strings), %s and %(name)s (DB-API pyformat), ${name}
# (string.Template).
_PLACEHOLDER = r"\{[^{}\s]*\}|%\(\w+\)s|%s|\$\{\w+\}"


def without_placeholders(name: str) -> str:
    """A name read from SQL without its template placeholders (`{table}`, `{}`, `%s`,
    `%(name)s`, `${name}`), which stand for text computed at run time."""
    return re.sub(_PLACEHOLDER, "", name)


def has_placeholder(name: str) -> bool:
    """True when a name holds a template placeholder: it names no table of its own."""
    return without_placeholders(name) != name


def computed_name(name: str) -> bool:
    """A name read from SQL (`schema.name` allowed) whose name part has a placeholder
    (`{}_role_map`, `idx_{}_created_at`) or is one: it is computed at run time, and names no
    object of its own. A computed schema alone (`{}.invoices`) is not."""
    last = name.rpartition(".")[2]
    # `{}` / `{table}` (f-strings, `.format`), `%s` / `%(name)s`, and `%d`: a template, not a name.
    return has_placeholder(last) or "%d" in last or last.strip("{}%s()?:") == ""


# Order matters: earlier alternatives win.  Every alternative is linear (no
# nested quantifiers that can backtrack), and the final punct alternative
# matches any single non-space character, so tokenizing never fails.
_TOKEN_SPECS: tuple[tuple[str, str], ...] = (
    ("space", r"\s+"),
    ("comment", r"--[^\n]*|/\*(?s:.*?)(?:\*/|\Z)"),
    (_STRING, r"'(?:[^']|'')*(?:'|\Z)"),
    # `$$body$$` in a `string.Template` is the dollar quote `$body$` (`$$` escapes `$`).
    (
        "template_dollar",
        r"\$\$(?P<template_tag>[A-Za-z_]\w*)\$\$(?s:.*?)(?:\$\$(?P=template_tag)\$\$|\Z)",
    ),
    ("dollar", r"\$(?P<dollar_tag>[A-Za-z_]\w*|)\$(?s:.*?)(?:\$(?P=dollar_tag)\$|\Z)"),
    (_QIDENT, r'"(?:[^"]|"")*(?:"|\Z)|`[^`]*(?:`|\Z)|\[[^\[\]\n]+\]'),
    (_NUMBER, r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+"),
    (_WORD, rf"(?:[^\W\d]|{_PLACEHOLDER})(?:[\w$]|{_PLACEHOLDER})*"),
    (_PARAM, r"\?|\$\d+|\$[^\W\d]\w*|:[^\W\d]\w*"),
    (_PUNCT, r"::|<>|<=|>=|!=|\|\||\S"),
)
_TOKEN_RE = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _TOKEN_SPECS))


class _Token(NamedTuple):
    kind: str
    text: str
    start: int
    end: int
    key: str  # upper-cased text for words, "" otherwise (never equals a keyword)


def _tokenize(text: str) -> Iterator[_Token]:
    """Yield significant tokens lazily, so callers can stop after the first one."""
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup
        if kind is None or kind == "space" or kind == "comment":
            continue
        if kind in ("dollar", "template_dollar"):
            kind = _STRING
        value = match.group()
        yield _Token(
            kind, value, match.start(), match.end(), value.upper() if kind == _WORD else ""
        )


# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    """A set of whitespace-separated words (keeps long keyword lists readable)."""
    return frozenset(text.split())


# Words that may begin the first statement of a text.  Anything else (e.g.
# "Note:", "Failed", "we", Markdown "#") means the text is prose.
_STATEMENT_VERBS = _words(
    """
    ABORT ALTER ANALYZE ATTACH BEGIN CALL CHECKPOINT CLUSTER COMMENT COMMIT COPY CREATE
    DEALLOCATE DECLARE DELETE DESC DESCRIBE DETACH DISCARD DO DROP END EXECUTE EXPLAIN
    GRANT INSERT LISTEN LOAD LOCK MERGE NOTIFY PRAGMA PREPARE REFRESH REINDEX RELEASE
    RENAME REPLACE RESET REVOKE ROLLBACK SAVEPOINT SELECT SET SHOW START TRUNCATE
    UNLISTEN UPDATE UPSERT USE VACUUM VALUES WITH
    """
)

# Unquoted words that can never be an object name.
_RESERVED = _words(
    """
    AND AS BY CASCADE CHECK CONSTRAINT DEFAULT EXISTS FOREIGN FROM GROUP HAVING IF INTO
    JOIN LIKE LIMIT NOT NULL ON OR ORDER PRIMARY REFERENCES RESTRICT RETURNING SELECT
    SET TABLE TO UNION USING VALUES VIEW WHERE WITH
    """
)

# English function words: "ALTER TABLE is not supported" names no table.
_ENGLISH_WORDS = _words(
    """
    an the this that these those it its is was are were be been will would should
    could can cannot must may might
    """
)

# Names that, when a statement ends right after them, show the text is a
# status/log message ("DROP TABLE failed") rather than SQL.
_STATUS_WORDS = _words(
    """
    not now here there later first again failed fails failure succeeded success
    successful done ok okay complete completed finished skipped aborted statement
    statements command operation
    """
)

_SQL_TYPES = _words(
    """
    INT INTEGER SMALLINT BIGINT TINYINT MEDIUMINT INT2 INT4 INT8 SERIAL SMALLSERIAL
    BIGSERIAL SERIAL2 SERIAL4 SERIAL8 DECIMAL NUMERIC NUMBER REAL FLOAT FLOAT4 FLOAT8
    DOUBLE MONEY BIT VARBIT BOOL BOOLEAN CHAR CHARACTER VARCHAR VARCHAR2 NCHAR NVARCHAR
    NVARCHAR2 TEXT TINYTEXT MEDIUMTEXT LONGTEXT NTEXT CLOB NCLOB BLOB TINYBLOB MEDIUMBLOB
    LONGBLOB BYTEA BINARY VARBINARY IMAGE DATE TIME TIMETZ TIMESTAMP TIMESTAMPTZ DATETIME
    DATETIME2 DATETIMEOFFSET SMALLDATETIME YEAR INTERVAL UUID UNIQUEIDENTIFIER JSON
    JSONB XML INET CIDR MACADDR MACADDR8 ENUM POINT LINE LSEG BOX PATH POLYGON CIRCLE
    GEOMETRY GEOGRAPHY TSVECTOR TSQUERY HSTORE CITEXT LTREE INT4RANGE INT8RANGE NUMRANGE
    TSRANGE TSTZRANGE DATERANGE OID REGCLASS VECTOR ARRAY
    """
)

# Words that end the type part of a column definition.
_COLUMN_OPTION_WORDS = _words(
    """
    NOT NULL PRIMARY REFERENCES DEFAULT UNIQUE CHECK CONSTRAINT COLLATE GENERATED
    AUTO_INCREMENT AUTOINCREMENT IDENTITY COMMENT ON AS STORED VIRTUAL CHARSET
    """
)

# Column options that only SQL would contain (used to accept custom types).
_STRONG_COLUMN_OPTIONS = frozenset(
    {"REFERENCES", "DEFAULT", "GENERATED", "AUTO_INCREMENT", "AUTOINCREMENT", "IDENTITY"}
)

_CREATE_MODIFIERS = frozenset(
    {
        "GLOBAL",
        "LOCAL",
        "TEMP",
        "TEMPORARY",
        "UNLOGGED",
        "UNIQUE",
        "MATERIALIZED",
        "RECURSIVE",
        "FULLTEXT",
        "SPATIAL",
    }
)
_TEMP_MODIFIERS = frozenset({"TEMP", "TEMPORARY"})
_MYSQL_VIEW_OPTION = "mysql-view-option"  # ALGORITHM=..., DEFINER=..., SQL SECURITY ...

# Which CREATE modifiers each object accepts; anything else rejects the text.
_ALLOWED_CREATE_MODIFIERS: dict[str, frozenset[str]] = {
    "TABLE": frozenset({"GLOBAL", "LOCAL", "TEMP", "TEMPORARY", "UNLOGGED"}),
    "INDEX": frozenset({"UNIQUE", "FULLTEXT", "SPATIAL"}),
    "VIEW": frozenset({"TEMP", "TEMPORARY", "MATERIALIZED", "RECURSIVE", _MYSQL_VIEW_OPTION}),
    "TYPE": frozenset(),
    "SEQUENCE": frozenset({"TEMP", "TEMPORARY", "UNLOGGED"}),
    "SCHEMA": frozenset(),
}

_ALTER_TABLE_ACTIONS = _words(
    """
    ADD ALTER ALGORITHM ANALYZE ATTACH AUTO_INCREMENT CHANGE CHARACTER CHARSET CHECK
    CLUSTER COALESCE COLLATE COMMENT CONVERT DETACH DISABLE DISCARD DROP ENABLE ENGINE
    EXCHANGE FORCE IMPORT INHERIT LOCK MODIFY NO NOT OF OPTIMIZE ORDER OWNER PARTITION
    REBUILD REMOVE RENAME REORGANIZE REPAIR REPLICA RESET ROW_FORMAT SET TRUNCATE
    VALIDATE
    """
)

_SEQUENCE_OPTIONS = frozenset(
    {"AS", "INCREMENT", "START", "MINVALUE", "MAXVALUE", "NO", "CACHE", "CYCLE", "OWNED", "RESTART"}
)
_SCHEMA_OPTIONS = frozenset(
    {"AUTHORIZATION", "CREATE", "GRANT", "DEFAULT", "CHARACTER", "CHARSET", "COLLATE"}
)
_QUERY_STARTS = frozenset({"SELECT", "WITH", "VALUES", "TABLE", "EXECUTE"})


# ---------------------------------------------------------------------------
# Token helpers
# ---------------------------------------------------------------------------


def _is_placeholder(token: _Token | None) -> bool:
    """True for a bind/format placeholder standing where a name or value goes."""
    if token is None:
        return False
    return token.kind == _PARAM or (
        token.kind == _WORD and ("{" in token.text or "%" in token.text)
    )


def _unquote(text: str) -> str:
    closer = {'"': '"', "`": "`", "[": "]"}[text[0]]
    body = text[1:-1] if len(text) > 1 and text.endswith(closer) else text[1:]
    return body.replace(closer * 2, closer) if closer != "]" else body


def _name_part(token: _Token | None) -> str | None:
    """The identifier a single token spells, or None when it cannot be a name."""
    if token is None:
        return None
    if token.kind == _QIDENT:
        return _unquote(token.text) or None
    if token.kind == _PARAM or _is_placeholder(token):
        return token.text
    if token.kind == _WORD and token.key not in _RESERVED:
        return token.text
    return None


def _split_commas(tokens: Sequence[_Token]) -> list[list[_Token]]:
    """Split on commas that are not nested inside parentheses."""
    items: list[list[_Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind == _PUNCT:
            if token.text == "(":
                depth += 1
            elif token.text == ")":
                depth -= 1
            elif token.text == "," and depth == 0:
                items.append([])
                continue
        items[-1].append(token)
    return items


def _looks_like_sentence(tokens: Sequence[_Token]) -> bool:
    """'Create table users ...': a capitalised verb followed by a lowercase word is prose."""
    first = tokens[0].text
    if not (len(first) > 1 and first[0].isupper() and first[1:].islower()):
        return False
    following = next((token for token in tokens[1:] if token.kind == _WORD), None)
    return following is not None and following.text.islower()


class _Cursor:
    """Forward-only reader over the tokens of one statement."""

    def __init__(self, text: str, tokens: Sequence[_Token], pos: int = 0) -> None:
        self.text = text
        self.tokens = tokens
        self.pos = pos

    def peek(self, ahead: int = 0) -> _Token | None:
        index = self.pos + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def at_end(self) -> bool:
        return self.pos >= len(self.tokens)

    def is_kw(self, *words: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token is not None and token.key in words

    def take_kw(self, *words: str) -> str | None:
        token = self.peek()
        if token is not None and token.key in words:
            self.pos += 1
            return token.key
        return None

    def take_seq(self, *words: str) -> bool:
        """Consume the whole keyword sequence, or nothing."""
        if all(self.is_kw(word, ahead=i) for i, word in enumerate(words)):
            self.pos += len(words)
            return True
        return False

    def is_punct(self, char: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token is not None and token.kind == _PUNCT and token.text == char

    def take_punct(self, char: str) -> bool:
        if self.is_punct(char):
            self.pos += 1
            return True
        return False

    def at_placeholder(self) -> bool:
        return _is_placeholder(self.peek())

    def at_query(self) -> bool:
        """At the start of a query body (after CREATE ... AS)."""
        return self.is_kw(*_QUERY_STARTS) or self.is_punct("(") or self.at_placeholder()

    def take_name(self) -> str | None:
        """Consume a possibly dotted name; quotes are removed, placeholders kept verbatim."""
        token = self.peek()
        first = _name_part(token)
        if token is None or first is None:
            return None
        if token.kind == _WORD and first.lower() in _ENGLISH_WORDS and not self.is_punct(".", 1):
            return None
        parts = [first]
        self.pos += 1
        while self.is_punct("."):
            part = _name_part(self.peek(1))
            if part is None:
                break
            parts.append(part)
            self.pos += 2
        return ".".join(parts)

    def take_names(self) -> list[str] | None:
        """Consume a comma-separated list of names."""
        name = self.take_name()
        if name is None:
            return None
        names = [name]
        while self.is_punct(","):
            self.pos += 1
            name = self.take_name()
            if name is None:
                return None
            names.append(name)
        return names

    def take_group(self) -> tuple[list[_Token], bool]:
        """Consume '(' ... ')' and return the inner tokens and whether the group was closed."""
        start = self.pos + 1
        depth = 0
        for index in range(self.pos, len(self.tokens)):
            token = self.tokens[index]
            if token.kind != _PUNCT:
                continue
            if token.text == "(":
                depth += 1
            elif token.text == ")":
                depth -= 1
                if depth == 0:
                    self.pos = index + 1
                    return list(self.tokens[start:index]), True
        self.pos = len(self.tokens)
        return list(self.tokens[start:]), False


class _Parsed(NamedTuple):
    kind: str
    name: str | None
    columns: tuple[SqlColumn, ...] = ()
    table: str | None = None  # the table a CREATE INDEX is on


def _ends_after_names(names: Sequence[str], cursor: _Cursor) -> bool:
    """For statements that must end right after their name(s).

    "DROP TABLE failed" is a log message, not SQL, so a lone prose word is rejected.
    """
    return cursor.at_end() and not (len(names) == 1 and names[0].lower() in _STATUS_WORDS)


def _bare(kind: str, names: Sequence[str], cursor: _Cursor) -> _Parsed | None:
    """Result for a statement that must end right after its name(s)."""
    return _Parsed(kind, names[0]) if _ends_after_names(names, cursor) else None


# ---------------------------------------------------------------------------
# CREATE TABLE column lists
# ---------------------------------------------------------------------------


def _is_table_constraint(item: Sequence[_Token]) -> bool:
    """A table-level constraint/index clause rather than a column definition."""
    first = item[0].key
    second = item[1] if len(item) > 1 else None
    second_key = second.key if second is not None else ""
    if first in ("CONSTRAINT", "LIKE"):
        return True
    if first in ("PRIMARY", "FOREIGN"):
        return second_key == "KEY"
    if first in ("CHECK", "EXCLUDE"):
        return second is not None and (second.text == "(" or second_key == "USING")
    if first in ("UNIQUE", "KEY", "INDEX", "FULLTEXT", "SPATIAL"):
        # "KEY idx (col)" / "UNIQUE (a, b)" / "UNIQUE KEY ..." are MySQL-style index
        # clauses; "key VARCHAR(10)" is a column named key.
        third = item[2] if len(item) > 2 else None
        return second is not None and (
            second.text == "("
            or second_key in ("KEY", "INDEX", "USING")
            or (
                second_key not in _SQL_TYPES
                and third is not None
                and (third.text == "(" or third.key == "USING")
            )
        )
    return False


def _primary_key_names(item: Sequence[_Token]) -> list[str]:
    """Column names listed in a table-level PRIMARY KEY (...) clause."""
    for index in range(len(item) - 2):
        if (
            item[index].key == "PRIMARY"
            and item[index + 1].key == "KEY"
            and item[index + 2].text == "("
        ):
            cursor = _Cursor("", item, index + 2)
            inner, _ = cursor.take_group()
            return [
                name
                for name in (_name_part(part[0]) for part in _split_commas(inner) if part)
                if name
            ]
    return []


def _references(text: str, tokens: Sequence[_Token], start: int) -> str | None:
    """'table.column' from the tokens after REFERENCES (which ends at start)."""
    cursor = _Cursor(text, tokens, start)
    table = cursor.take_name()
    if table is None:
        return None
    if cursor.is_punct("("):
        inner, _ = cursor.take_group()
        column = _name_part(inner[0]) if inner else None
        if column is not None:
            return f"{table}.{column}"
    return table


def _parse_column(text: str, item: Sequence[_Token]) -> tuple[SqlColumn, bool] | None:
    """Parse 'name TYPE [options]'; also report whether it is unmistakably SQL."""
    name = _name_part(item[0])
    if name is None:
        return None
    rest = item[1:]

    type_end = 0
    depth = 0
    while type_end < len(rest):
        token = rest[type_end]
        if depth == 0 and (
            token.key in _COLUMN_OPTION_WORDS
            or (
                token.key == "CHARACTER"
                and type_end > 0
                and type_end + 1 < len(rest)
                and rest[type_end + 1].key == "SET"
            )
        ):
            break
        if token.text == "(" and token.kind == _PUNCT:
            depth += 1
        elif token.text == ")" and token.kind == _PUNCT:
            depth -= 1
        type_end += 1
    type_tokens = rest[:type_end]
    if type_tokens and type_tokens[0].kind not in (_WORD, _PARAM):
        return None
    type_name = ""
    if type_tokens:
        type_name = " ".join(text[type_tokens[0].start : type_tokens[-1].end].split()).upper()

    nullable, primary_key, references, strong_option = True, False, None, False
    depth = 0
    for index in range(type_end, len(rest)):
        token = rest[index]
        if token.kind == _PUNCT and token.text in "()":
            depth += 1 if token.text == "(" else -1
            continue
        if depth != 0:
            continue
        next_key = rest[index + 1].key if index + 1 < len(rest) else ""
        if token.key == "NOT" and next_key == "NULL":
            nullable = False
            strong_option = True
        elif token.key == "PRIMARY" and next_key == "KEY":
            nullable, primary_key, strong_option = False, True, True
        elif token.key == "REFERENCES" and references is None:
            references = _references(text, rest, index + 1)
        if token.key in _STRONG_COLUMN_OPTIONS:
            strong_option = True

    strong = bool(type_tokens) and (
        type_tokens[0].key in _SQL_TYPES or _is_placeholder(type_tokens[0]) or strong_option
    )
    return SqlColumn(name, type_name, nullable, primary_key, references), strong


def _parse_table_elements(
    text: str, inner: Sequence[_Token], closed: bool
) -> tuple[SqlColumn, ...] | None:
    """Columns of a CREATE TABLE list, or None when the parentheses hold prose.

    Every element must be a column definition or a constraint, and at least one
    element must be unmistakably SQL (a known type, a placeholder, a constraint).
    An unclosed list (truncated template) tolerates a malformed last element.
    """
    items = [item for item in _split_commas(inner) if item]
    if not items:
        return ()
    columns: list[SqlColumn] = []
    primary_keys: list[str] = []
    strong = False
    for position, item in enumerate(items):
        if len(item) == 1 and _is_placeholder(item[0]):
            strong = True  # "({})": the whole list is interpolated
            continue
        if _is_table_constraint(item):
            strong = True
            primary_keys.extend(_primary_key_names(item))
            continue
        parsed = _parse_column(text, item)
        if parsed is None:
            if not closed and position == len(items) - 1:
                continue
            return None
        column, column_is_strong = parsed
        strong = strong or column_is_strong
        columns.append(column)
    if not strong:
        return None
    if primary_keys:
        columns = [
            replace(column, primary_key=True, nullable=False)
            if column.name in primary_keys
            else column
            for column in columns
        ]
    return tuple(columns)


# ---------------------------------------------------------------------------
# DDL parsers (cursor positioned after the leading verb)
# ---------------------------------------------------------------------------


def _skip_mysql_view_option(cursor: _Cursor) -> bool:
    """Skip ALGORITHM = x / DEFINER = user@host / SQL SECURITY x before VIEW."""
    if cursor.is_kw("ALGORITHM", "DEFINER") and cursor.is_punct("=", ahead=1):
        cursor.pos += 2
        while not cursor.at_end() and not cursor.is_kw("SQL", "VIEW", "ALGORITHM"):
            cursor.pos += 1
        return True
    if cursor.take_seq("SQL", "SECURITY"):
        cursor.take_kw("DEFINER", "INVOKER")
        return True
    return False


def _create_table(cursor: _Cursor, modifiers: frozenset[str]) -> _Parsed | None:
    kind = CREATE_TEMP_TABLE if modifiers & _TEMP_MODIFIERS else CREATE_TABLE
    cursor.take_seq("IF", "NOT", "EXISTS")
    name = cursor.take_name()
    if name is None:
        return None
    if cursor.is_punct("("):
        inner, closed = cursor.take_group()
        columns = _parse_table_elements(cursor.text, inner, closed)
        if columns is not None:
            return _Parsed(kind, name, columns)
        # PostgreSQL CTAS may name the output columns: CREATE TABLE t (a, b) AS SELECT ...
        if closed and cursor.take_kw("AS") and cursor.at_query():
            return _Parsed(kind, name)
        return None
    if cursor.take_kw("AS"):
        return _Parsed(kind, name) if cursor.at_query() else None
    if cursor.is_kw("SELECT"):  # MySQL allows CTAS without AS
        return _Parsed(kind, name)
    if cursor.take_kw("LIKE"):  # MySQL: CREATE TABLE t LIKE other
        return _Parsed(kind, name) if cursor.take_name() is not None and cursor.at_end() else None
    if cursor.take_seq("PARTITION", "OF"):  # PostgreSQL declarative partitioning
        return _Parsed(kind, name) if cursor.take_name() is not None else None
    return None


def _create_index(cursor: _Cursor, modifiers: frozenset[str]) -> _Parsed | None:
    cursor.take_kw("CONCURRENTLY")
    cursor.take_seq("IF", "NOT", "EXISTS")
    name = None
    if not cursor.is_kw("ON"):
        name = cursor.take_name()
        if name is None:
            return None
        if cursor.take_kw("USING"):  # MySQL: CREATE INDEX i USING BTREE ON t (...)
            cursor.take_name()
    if not cursor.take_kw("ON"):
        return None
    cursor.take_kw("ONLY")
    table = cursor.take_name()
    if table is None:
        return None
    if cursor.is_punct("(") or cursor.is_kw("USING"):
        return _Parsed(CREATE_INDEX, name, table=table)
    return None


def _create_view(cursor: _Cursor, modifiers: frozenset[str]) -> _Parsed | None:
    cursor.take_seq("IF", "NOT", "EXISTS")
    name = cursor.take_name()
    if name is None:
        return None
    if cursor.is_punct("(") and not cursor.take_group()[1]:
        return None
    if cursor.take_kw("WITH") and cursor.is_punct("(") and not cursor.take_group()[1]:
        return None
    if cursor.take_kw("USING"):
        cursor.take_name()
    if not cursor.take_kw("AS"):
        return None
    return _Parsed(CREATE_VIEW, name) if cursor.at_query() else None


def _create_type(cursor: _Cursor, modifiers: frozenset[str]) -> _Parsed | None:
    name = cursor.take_name()
    if name is None or not cursor.take_kw("AS"):
        return None
    if cursor.is_kw("ENUM", "RANGE") or cursor.is_punct("(") or cursor.at_placeholder():
        return _Parsed(CREATE_TYPE, name)
    return None


def _create_sequence(cursor: _Cursor, modifiers: frozenset[str]) -> _Parsed | None:
    cursor.take_seq("IF", "NOT", "EXISTS")
    name = cursor.take_name()
    if name is None:
        return None
    if cursor.is_kw(*_SEQUENCE_OPTIONS):
        return _Parsed(CREATE_SEQUENCE, name)
    return _bare(CREATE_SEQUENCE, [name], cursor)


def _create_schema(cursor: _Cursor, modifiers: frozenset[str]) -> _Parsed | None:
    cursor.take_seq("IF", "NOT", "EXISTS")
    if cursor.take_kw("AUTHORIZATION"):  # schema named after the role
        role = cursor.take_name()
        return _Parsed(CREATE_SCHEMA, role) if role is not None else None
    name = cursor.take_name()
    if name is None:
        return None
    if cursor.is_kw(*_SCHEMA_OPTIONS):
        return _Parsed(CREATE_SCHEMA, name)
    return _bare(CREATE_SCHEMA, [name], cursor)


_CREATE_PARSERS: dict[str, Callable[[_Cursor, frozenset[str]], _Parsed | None]] = {
    "TABLE": _create_table,
    "INDEX": _create_index,
    "VIEW": _create_view,
    "TYPE": _create_type,
    "SEQUENCE": _create_sequence,
    "SCHEMA": _create_schema,
}


def _parse_create(cursor: _Cursor) -> _Parsed | None:
    cursor.take_seq("OR", "REPLACE")
    modifiers: set[str] = set()
    while True:
        modifier = cursor.take_kw(*_CREATE_MODIFIERS)
        if modifier is not None:
            modifiers.add(modifier)
        elif _skip_mysql_view_option(cursor):
            modifiers.add(_MYSQL_VIEW_OPTION)
        else:
            break
    target = cursor.take_kw(*_CREATE_PARSERS)
    if target is None or not modifiers <= _ALLOWED_CREATE_MODIFIERS[target]:
        return None
    return _CREATE_PARSERS[target](cursor, frozenset(modifiers))


_DROP_KINDS = {
    "TABLE": DROP_TABLE,
    "INDEX": DROP_INDEX,
    "VIEW": DROP_VIEW,
    "TYPE": DROP_TYPE,
    "SEQUENCE": DROP_SEQUENCE,
    "SCHEMA": DROP_SCHEMA,
}


def _parse_drop(cursor: _Cursor) -> _Parsed | None:
    temporary = cursor.take_kw("TEMPORARY")  # MySQL
    materialized = cursor.take_kw("MATERIALIZED")  # PostgreSQL
    target = cursor.take_kw(*_DROP_KINDS)
    if target is None or (temporary and target != "TABLE") or (materialized and target != "VIEW"):
        return None
    if target == "INDEX":
        cursor.take_kw("CONCURRENTLY")
    cursor.take_seq("IF", "EXISTS")
    names = cursor.take_names()
    if names is None:
        return None
    if target == "INDEX" and cursor.take_kw("ON") and cursor.take_name() is None:  # MySQL
        return None
    if cursor.take_kw("CASCADE"):
        cursor.take_kw("CONSTRAINTS")  # Oracle
    else:
        cursor.take_kw("RESTRICT", "PURGE")
    return _bare(_DROP_KINDS[target], names, cursor)


def _parse_alter(cursor: _Cursor) -> _Parsed | None:
    if not cursor.take_kw("TABLE"):
        return None
    cursor.take_seq("IF", "EXISTS")
    cursor.take_kw("ONLY")
    name = cursor.take_name()
    if name is None:
        return None
    cursor.take_punct("*")  # the cursor is left at the first action
    if cursor.is_kw(*_ALTER_TABLE_ACTIONS) or cursor.at_placeholder():
        return _Parsed(ALTER_TABLE, name)
    return None


def alter_table_actions(text: str) -> list[str] | None:
    """The comma-separated actions of the `ALTER TABLE name ...` that `text` starts with, as
    written, up to its `;` (None when it starts otherwise). Commas and semicolons inside
    parentheses, strings, quoted names and comments do not split."""
    tokens = list(itertools.takewhile(lambda token: token.text != ";", _tokenize(text)))
    if not tokens or tokens[0].key != "ALTER":
        return None
    cursor = _Cursor(text, tokens, pos=1)
    if _parse_alter(cursor) is None:
        return None
    return [
        text[item[0].start : item[-1].end] for item in _split_commas(tokens[cursor.pos :]) if item
    ]


def _parse_rename(cursor: _Cursor) -> _Parsed | None:
    if not cursor.take_kw("TABLE"):
        return None
    first = cursor.take_name()
    if first is None or not cursor.take_kw("TO") or cursor.take_name() is None:
        return None
    return _Parsed(RENAME_TABLE, first)


_DDL_PARSERS: dict[str, Callable[[_Cursor], _Parsed | None]] = {
    "CREATE": _parse_create,
    "ALTER": _parse_alter,
    "DROP": _parse_drop,
    "RENAME": _parse_rename,
}


# ---------------------------------------------------------------------------
# DML shapes (only needed by is_sql)
# ---------------------------------------------------------------------------

_SELECT_ITEM_KEYWORDS = frozenset({"AS", "CASE", "DISTINCT", "NOT", "EXISTS", "INTERVAL", "CAST"})


def _plain_words(item: Sequence[_Token]) -> int:
    """Number of ordinary words at nesting depth 0 (prose has many)."""
    count = depth = 0
    for token in item:
        if token.kind == _PUNCT and token.text in "()":
            depth += 1 if token.text == "(" else -1
        elif depth == 0 and token.kind == _WORD and token.key not in _SELECT_ITEM_KEYWORDS:
            count += 1
    return count


def _plausible_select_item(item: Sequence[_Token], standalone: bool) -> bool:
    """'expr [AS] alias' is at most two plain words; 'the best option' is prose.

    Without FROM (SELECT 1, SELECT now()) an item must also contain a literal,
    a placeholder or a call.
    """
    if not item or (_plain_words(item) > 2 and item[0].key not in _SELECT_ITEM_KEYWORDS):
        return False
    if not standalone:
        return True
    return any(
        token.kind in (_NUMBER, _STRING, _PARAM) or _is_placeholder(token) or token.text == "("
        for token in item
    )


def _select_shape(cursor: _Cursor) -> bool:
    cursor.take_kw("DISTINCT", "ALL")
    select_list: list[_Token] = []
    depth = 0
    while not cursor.at_end():
        token = cursor.peek()
        assert token is not None
        if depth == 0 and token.key == "FROM":
            break
        if token.kind == _PUNCT and token.text in "()":
            depth += 1 if token.text == "(" else -1
        select_list.append(token)
        cursor.pos += 1
    standalone = not cursor.take_kw("FROM")
    if not select_list or not all(
        _plausible_select_item(item, standalone) for item in _split_commas(select_list)
    ):
        return False
    return standalone or cursor.is_punct("(") or cursor.take_name() is not None


def _insert_shape(cursor: _Cursor) -> bool:
    cursor.take_kw("IGNORE", "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY")
    if cursor.take_kw("OR") and not cursor.take_kw(
        "REPLACE", "IGNORE", "ABORT", "FAIL", "ROLLBACK"
    ):
        return False
    if not cursor.take_kw("INTO") or cursor.take_name() is None:
        return False
    if cursor.take_kw("AS") and cursor.take_name() is None:
        return False
    if cursor.is_punct("("):
        inner, closed = cursor.take_group()
        if not closed:
            return bool(inner)  # truncated template
    return (
        cursor.is_kw("VALUES", "VALUE", "SELECT", "WITH", "DEFAULT", "SET", "OVERRIDING")
        or cursor.is_punct("(")
        or cursor.at_placeholder()
    )


def _update_shape(cursor: _Cursor) -> bool:
    cursor.take_kw("ONLY", "LOW_PRIORITY", "IGNORE")
    if cursor.take_kw("OR") and not cursor.take_kw(
        "REPLACE", "IGNORE", "ABORT", "FAIL", "ROLLBACK"
    ):
        return False
    if cursor.take_name() is None:
        return False
    if cursor.take_kw("AS"):
        if cursor.take_name() is None:
            return False
    elif not cursor.is_kw("SET"):
        cursor.take_name()  # alias
    if not cursor.take_kw("SET"):
        return False
    if cursor.is_punct("("):
        return True
    return cursor.take_name() is not None and cursor.is_punct("=")


def _delete_shape(cursor: _Cursor) -> bool:
    cursor.take_kw("LOW_PRIORITY", "QUICK", "IGNORE")
    if not cursor.take_kw("FROM"):
        return False
    cursor.take_kw("ONLY")
    name = cursor.take_name()
    if name is None:
        return False
    cursor.take_punct("*")
    if cursor.take_kw("AS"):
        if cursor.take_name() is None:
            return False
    else:
        cursor.take_name()  # optional alias; reserved words such as WHERE are never names
    if cursor.is_kw("WHERE", "USING", "RETURNING", "ORDER", "LIMIT", "PARTITION"):
        return True
    return _ends_after_names([name], cursor)


def _with_shape(cursor: _Cursor) -> bool:
    cursor.take_kw("RECURSIVE")
    if cursor.take_name() is None:
        return False
    if cursor.is_punct("(") and not cursor.take_group()[1]:
        return False
    if not cursor.take_kw("AS"):
        return False
    cursor.take_kw("NOT")
    cursor.take_kw("MATERIALIZED")
    return cursor.is_punct("(")


def _truncate_shape(cursor: _Cursor) -> bool:
    cursor.take_kw("TABLE")
    cursor.take_kw("ONLY")
    names = cursor.take_names()
    if names is None:
        return False
    cursor.take_punct("*")
    if not cursor.take_seq("RESTART", "IDENTITY"):
        cursor.take_seq("CONTINUE", "IDENTITY")
    cursor.take_kw("CASCADE", "RESTRICT")
    return _ends_after_names(names, cursor)


def _merge_shape(cursor: _Cursor) -> bool:
    if not cursor.take_kw("INTO") or cursor.take_name() is None:
        return False
    if cursor.take_kw("AS"):
        if cursor.take_name() is None:
            return False
    elif not cursor.is_kw("USING"):
        cursor.take_name()
    return cursor.is_kw("USING")


_DML_SHAPES: dict[str, Callable[[_Cursor], bool]] = {
    "SELECT": _select_shape,
    "INSERT": _insert_shape,
    "UPDATE": _update_shape,
    "DELETE": _delete_shape,
    "WITH": _with_shape,
    "TRUNCATE": _truncate_shape,
    "MERGE": _merge_shape,
}


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------

# A longer literal (a schema dump, embedded data) is read up to here: time stays bounded.
MAX_SQL_LENGTH = 100_000


def head(text: str) -> str:
    """The statements `text` starts with, at most MAX_SQL_LENGTH characters of them.

    Cut after the last `;` in reach, so a huge schema dump still shows its first
    `CREATE TABLE`s whole rather than nothing at all.
    """
    if len(text) <= MAX_SQL_LENGTH:
        return text
    cut = text.rfind(";", 0, MAX_SQL_LENGTH)
    return text[: cut + 1] if cut > 0 else text[:MAX_SQL_LENGTH]


_DDL_HINT = re.compile(r"\b(?:create|alter|drop|rename)\b", re.IGNORECASE)
_SQL_HINT = re.compile(
    r"\b(?:create|alter|drop|rename|select|insert|update|delete|with|truncate|merge)\b",
    re.IGNORECASE,
)


def _statements(text: str) -> Iterator[list[_Token]]:
    """Token lists of the ';'-separated statements, or nothing if the text starts as prose."""
    tokens = _tokenize(text)
    first = next(tokens, None)
    if first is None:
        return
    starts_as_sql = first.key in _STATEMENT_VERBS or (first.kind == _PUNCT and first.text in "(;")
    if not starts_as_sql:
        return
    current: list[_Token] = []
    for token in itertools.chain((first,), tokens):
        if token.kind == _PUNCT and token.text == ";":
            if current:
                yield current
            current = []
        else:
            current.append(token)
    if current:
        yield current


def _classify_statement(text: str, tokens: list[_Token]) -> _Parsed | None:
    parser = _DDL_PARSERS.get(tokens[0].key)
    if parser is None or _looks_like_sentence(tokens):
        return None
    return parser(_Cursor(text, tokens, pos=1))


def classify_sql(text: str) -> tuple[SqlStatement, ...]:
    """All schema-relevant statements found in text (may be several, separated by ';').

    Returns an empty tuple for prose, DML and anything that merely mentions SQL
    keywords, so callers can flag every result without further checks (except
    ``create-temp-table``, which is reported so callers can ignore it).
    """
    if not _DDL_HINT.search(text):
        return ()
    found = []
    for tokens in _statements(text):
        parsed = _classify_statement(text, tokens)
        if parsed is not None:
            found.append(
                SqlStatement(
                    parsed.kind, parsed.name, tokens[0].start, parsed.columns, parsed.table
                )
            )
    return tuple(found)


def is_sql(text: str) -> bool:
    """True when the text has the shape of any SQL statement.

    Covers the DDL of :func:`classify_sql` and DML: SELECT ... FROM (or a bare
    SELECT of literals/calls such as ``SELECT 1``), INSERT INTO, UPDATE ... SET,
    DELETE FROM, WITH ... AS (, TRUNCATE, MERGE INTO.  Used to classify
    'raw-sql' interactions.
    """
    if not _SQL_HINT.search(text):
        return False
    for tokens in _statements(text):
        if _classify_statement(text, tokens) is not None:
            return True
        shape = _DML_SHAPES.get(tokens[0].key)
        if (
            shape is not None
            and not _looks_like_sentence(tokens)
            and shape(_Cursor(text, tokens, pos=1))
        ):
            return True
    return False


_ROW_STATEMENT_START = re.compile(
    r"^\s*(?:\(\s*)?(?:SELECT|INSERT|UPDATE|DELETE|WITH|MERGE|VALUES)\b", re.IGNORECASE
)
_NAME_WORDS = re.compile(r"[\w.]+")


def starts_as_row_statement(text: str) -> bool:
    """True when the text starts with a verb that reads or changes rows, not tables
    (SELECT, INSERT, UPDATE, DELETE, WITH, MERGE, VALUES), also inside a parenthesis."""
    return bool(_ROW_STATEMENT_START.match(text))


def name_words(text: str) -> frozenset[str]:
    """The words of a statement (dotted names kept whole), lower-cased: the tables it may name."""
    return frozenset(word.lower() for word in _NAME_WORDS.findall(text))
