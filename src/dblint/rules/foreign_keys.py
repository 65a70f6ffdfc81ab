"""DBL301-DBL305, DBL307, DBL308: foreign keys and column types that the database or SQLAlchemy will reject."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Optional, Union

from dblint.contexts import FileContext
from dblint.diagnostics import Diagnostic
from dblint.facts.model import FileFacts
from dblint.fixes.fk_type import plan_annotation_fix, plan_outcome, plan_type_fix
from dblint.index import ProjectIndex
from dblint.index.holders import display
from dblint.index.replay import tables_migrations_create, views_migrations_create
from dblint.index.runtime_tables import external_table_names
from dblint.index.schema import ModelSchema, model_schema
from dblint.index.tables import ColumnDef, ForeignKeyDef, TableDef
from dblint.index.types import (
    TRAITS,
    UNKNOWN,
    TypeFamily,
    annotation_fits,
    foreign_key_compatible,
    integer_width,
)
from dblint.rules.base import Family, Rule
from dblint.rules.examples import declarative_models, legacy_models, source, unmarked
from dblint.text_enum import TextEnum

FAMILY = Family(
    "DBL301",
    "DBL308",
    "Foreign keys and column types",
    "foreign keys and column types that the database or SQLAlchemy will reject",
)

_WIDTH_NAMES = {16: "SMALLINT", 32: "INTEGER", 64: "BIGINT", 8: "TINYINT", 24: "MEDIUMINT"}


class TargetStatus(TextEnum):
    """Where a foreign key leads."""

    FOUND = "found"  # its table and column
    OTHER_METADATA = "other-metadata"  # a table of that name only on other metadata
    MISSING_TABLE = "missing-table"
    OTHER_SCHEMA = "other-schema"  # tables of that name only in other schemas (`others`)
    MISSING_COLUMN = "missing-column"
    UNKNOWN = "unknown"  # dblint cannot tell


@dataclass(frozen=True)
class Target:
    """Where a foreign key leads, and the table and column (or the other metadata's tables) found."""

    status: TargetStatus
    table: Optional[TableDef] = None
    column: Optional[ColumnDef] = None
    others: tuple[TableDef, ...] = ()


def _external(index: ProjectIndex, foreign: ForeignKeyDef) -> bool:
    """The target is in `external-tables` or made by a library at run time (any schema when
    the key names none)."""
    names = external_table_names(index)
    table = foreign.table.lower()
    if table in names or (foreign.schema and f"{foreign.schema.lower()}.{table}" in names):
        return True
    return foreign.schema is None and any(
        "." in name and name.rsplit(".", 1)[-1] == table for name in names
    )


def resolve_target(schema: ModelSchema, table: TableDef, foreign: ForeignKeyDef) -> Target:
    """Find the referenced table and column, on the foreign key's own metadata first."""
    named = [
        t
        for t in schema.tables
        if t.name == foreign.table and t.context == FileContext.APP and not t.scope
    ]
    # A table whose schema is computed may be in any schema. SQLAlchemy looks a key without a
    # schema up in its metadata's default schema only (`ForeignKey("tenants.id")` never finds
    # `platform.tenants`: NoReferencedTableError).
    if foreign.schema is not None or (
        any(t.schema is None and t.schema_known for t in named) or _no_default_schema(schema, table)
    ):
        kept = _in_schema_or_other(named, foreign.schema)
        if isinstance(kept, Target):
            return kept
        named = kept
    same = [t for t in named if t.metadata == table.metadata]
    if not same:
        if named:
            return Target(TargetStatus.OTHER_METADATA, others=tuple(named))
        return Target(TargetStatus.MISSING_TABLE)
    columns = {(t.path, t.line): t.column_named(foreign.column) for t in same}
    found = [(t, c) for t in same if (c := columns[(t.path, t.line)]) is not None]
    if not found:
        complete = all(t.columns_complete for t in same)
        return (
            Target(TargetStatus.MISSING_COLUMN, same[0])
            if complete
            else Target(TargetStatus.UNKNOWN)
        )
    families = {column.family for _, column in found}
    if len(families) != 1:
        return Target(TargetStatus.UNKNOWN)
    return Target(TargetStatus.FOUND, found[0][0], found[0][1])


def _type_label(column: ColumnDef, family: TypeFamily) -> str:
    """The SQL type a message names: the family's (`UUID`), with the column's own type when that
    is no SQLAlchemy type (`VARCHAR (TextGUID)`: a TypeDecorator stored as CHAR(36))."""
    label = TRAITS[family].sql_label
    written = column.type_name or ""
    last = written.rsplit(".", 1)[-1]
    if (
        not written
        or written.split(".", 1)[0] in ("sqlalchemy", "sqlmodel")
        or last.upper() == label
    ):
        return label
    return f"{label} ({last})"


def _no_default_schema(schema: ModelSchema, table: TableDef) -> bool:
    """The referencing table's metadata is known to have no default schema (a plain `MetaData()`)."""
    return (
        table.metadata is not None
        and schema.ids.default_schema_known(table.metadata)
        and schema.ids.default_schema(table.metadata) is None
    )


def _in_schema_or_other(
    named: list[TableDef], wanted: Optional[str]
) -> Union[list[TableDef], Target]:
    """The tables of `named` in schema `wanted` (or whose schema is computed); when there are
    none but some are in another known schema, the OTHER_SCHEMA target naming them."""
    kept = [t for t in named if t.schema == wanted or not t.schema_known]
    if not kept and named:
        return Target(TargetStatus.OTHER_SCHEMA, others=tuple(named))
    return kept


def referenced_column(
    table: TableDef, foreign: ForeignKeyDef, target: Target
) -> Optional[tuple[TableDef, ColumnDef, bool]]:
    """The column whose type a foreign key column must agree with, and whether it is on another metadata.

    A target only on another metadata (DBL303) is compared too: moving the tables onto one
    metadata is how DBL303 gets fixed, and then the database judges the types. Not across
    Flask-SQLAlchemy binds (separate databases) or when the other metadata's tables disagree.
    """
    if (
        target.status == TargetStatus.FOUND
        and target.table is not None
        and target.column is not None
    ):
        return target.table, target.column, False
    if target.status != TargetStatus.OTHER_METADATA or table.bind_key is not None:
        return None
    found = [
        (other, column)
        for other in target.others
        if (column := other.column_named(foreign.column)) is not None
    ]
    if not found or any(other.bind_key is not None for other, _ in found):
        return None
    if len({(column.family, _width(column)) for _, column in found}) != 1:
        return None
    return found[0][0], found[0][1], True


def foreign_keys_in(
    schema: ModelSchema, path: str
) -> Iterator[tuple[TableDef, ColumnDef, ForeignKeyDef, Target]]:
    """Foreign keys of columns written in `path` (a mixin's column once per table that uses it)."""
    for table, column in schema.columns_in(path):
        if not table.reflected:
            for foreign in column.foreign_keys:
                yield table, column, foreign, resolve_target(schema, table, foreign)


def _user_and_post(author_id: str) -> str:
    """The documentation example shared by the foreign key rules: `post.author_id` -> `user.id`,
    with `author_id` assigned the given column."""
    return legacy_models(
        "from sqlalchemy import Column, ForeignKey, Integer",
        source("""
            class User(Base):
                __tablename__ = "user"
                id = Column(Integer, primary_key=True)


            class Post(Base):
                __tablename__ = "post"
                id = Column(Integer, primary_key=True)
        """)
        + f"    author_id = {author_id}\n",
    )


class ForeignKeyTypeMismatch(Rule):
    code = "DBL301"
    name = "foreign-key-type-mismatch"
    summary = "Foreign key column whose type family differs from the referenced column's"
    fix_hint = "give the column the referenced column's type"
    what_it_does = (
        "Compares the type family of each foreign key column (from `Column(UUID(...))`, `mapped_column(...)`, "
        "`Mapped[...]` with the base's `type_annotation_map`, SQLModel annotations, project `TypeDecorator`s) "
        "with the family of the column it references, across files and declaration styles. A column with a "
        "ForeignKey and no type (a Core `Column`, or a `mapped_column` whatever its `Mapped[...]` says, as "
        "SQLAlchemy types it) takes the referenced type and never mismatches; unknown types are not reported. "
        "Pairs PostgreSQL accepts and compares exactly are not reported either: an integer column referencing a "
        "NUMERIC key, DATE and TIMESTAMP either way. A NUMERIC column referencing an INTEGER key is (PostgreSQL "
        "refuses it), and so are integer or NUMERIC references to a FLOAT key (accepted, but compared through a "
        "rounding cast). A target table that exists only on another metadata of the project (DBL303) is compared "
        "too: putting both tables on one metadata fixes DBL303, and then the database judges the types."
    )
    why_bad = (
        "PostgreSQL refuses to create the constraint (`foreign key constraint cannot be implemented: Key columns "
        "are of incompatible types: uuid and integer`), so the migration fails in production, or — on databases "
        "that accept it — joins compare values that can never be equal."
    )
    example = declarative_models(
        source("""
            import uuid

            from sqlalchemy import ForeignKey, Integer
            from sqlalchemy.dialects.postgresql import UUID
        """),
        source("""
            class User(Base):
                __tablename__ = "user"
                id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)


            class Subscription(Base):
                __tablename__ = "subscriptions"
                id: Mapped[int] = mapped_column(Integer, primary_key=True)
                user_id: Mapped[int] = mapped_column(Integer, ForeignKey("user.id"), index=True)  # error: DBL301
        """),
    )
    use_instead = unmarked(example).replace(
        'user_id: Mapped[int] = mapped_column(Integer, ForeignKey("user.id")',
        'user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("user.id")',
    )
    fix = (
        "`dblint check --fix` (or `--diff` to preview) gives the foreign key column the referenced column's type: "
        "its SQL type expression is replaced by the referenced one (`PG_UUID(as_uuid=True)` -> `Integer`, "
        "`sa.String(36)` -> `UUID(as_uuid=True)`), and a `Mapped[...]` or SQLModel annotation that would then "
        "disagree takes the matching Python type (`Mapped[uuid.UUID]` -> `Mapped[int]`, keeping `Optional[...]`); "
        "a column typed by its annotation alone gets the new Python type. The needed import is reused "
        "(`Integer`, `sa.Integer`) or added (`from sqlalchemy import Integer`, next to the file's other imports "
        "of that package); formatting and comments are kept, imports that become unused are left in place.\n\n"
        "**Safety**: the fix is offered only when the referenced type is a plain expression (a name or attribute "
        "chain, or a call of one with literal arguments such as `String(36)`), its name can be written in the "
        "file without shadowing anything (a type defined in the project is used only when the file already "
        "imports it), and the annotation is a plain Python type. Otherwise the message ends with `no automatic "
        "fix:` and the reason. Changing a column type needs a migration (Alembic autogenerate with "
        "`compare_type` sees it); the fix changes the model only."
    )

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        schema = model_schema(index)
        for table, column, foreign, target in foreign_keys_in(schema, facts.path):
            referenced = referenced_column(table, foreign, target)
            if referenced is None:
                continue
            other, other_column, elsewhere = referenced
            mine, theirs = column.family, other_column.family
            if foreign_key_compatible(mine, theirs):
                continue
            fix, note = plan_outcome(plan_type_fix(index, table, column, other, other_column))
            yield self.diagnostic(
                column.path,
                column.line,
                column.column,
                f"foreign key {table.full_column_name(column)} is {_type_label(column, mine)} but "
                f"{other.full_column_name(other_column)} is {_type_label(other_column, theirs)}"
                + _across(table, other, elsewhere)
                + (
                    "; the database refuses the constraint once both tables share one metadata"
                    if elsewhere
                    else ""
                ),
                fix=fix,
                note=note,
            )


class ForeignKeyToUnknownTable(Rule):
    code = "DBL302"
    name = "foreign-key-to-unknown-table"
    summary = "Foreign key to a table or column that no model, `Table` or migration defines"
    fix_hint = "reference a table and column that exist, or list the table in `external-tables`"
    what_it_does = (
        'Finds `ForeignKey("table.column")` (and `Field(foreign_key=...)`, `ForeignKeyConstraint`) targets that '
        "name a table no model, `Table(...)` or migration (`op.create_table`, raw `CREATE TABLE` in a migration) "
        "defines, or a column the referenced table does not have, and targets in the wrong schema: a key "
        "without a schema names a table of its metadata's default schema, as SQLAlchemy resolves it, so "
        '`ForeignKey("tenants.id")` on a plain `MetaData()` does not reach a table declared only as '
        '`platform.tenants` (whatever schema the referencing table is in), nor `"platform.regions.id"` one '
        "declared without a schema; the message says where the table is. Tables owned by something else can be listed "
        "in `external-tables`. Nothing is reported when some table's name cannot be computed statically, nor "
        "for a table on the base of a library dblint does not know (the library may declare the target)."
    )
    why_bad = (
        "SQLAlchemy raises `NoReferencedTableError` / `NoReferencedColumnError` when it resolves the key (at "
        "`create_all`, at mapper configuration, in autogenerate), and the database rejects the constraint. A "
        'typo such as `ForeignKey("users.id")` for table `user` usually hides here.'
    )
    example = _user_and_post('Column(Integer, ForeignKey("users.id"), index=True)  # error: DBL302')
    use_instead = _user_and_post('Column(Integer, ForeignKey("user.id"), index=True)')
    options = "`external-tables`: tables (`table` or `schema.table`) that exist although this project does not define them."

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        schema = model_schema(index)
        if schema.has_unnamed_table:
            return
        for table, column, foreign, target in foreign_keys_in(schema, facts.path):
            if target.status == TargetStatus.MISSING_TABLE:
                if _external(index, foreign) or foreign.table.lower() in tables_migrations_create(
                    index
                ):
                    continue
                if any(t.name == foreign.table for t in schema.tables):
                    continue  # declared in a test, a migration or a function: exists somewhere
                if schema.ids.is_external(table.metadata):
                    continue  # an unknown library's base may declare it on the same metadata
                message = f"foreign key {table.full_column_name(column)} references {foreign.target}, but no model, Table or migration defines table {foreign.table}"
            elif target.status == TargetStatus.OTHER_SCHEMA:
                if _external(index, foreign) or schema.ids.is_external(table.metadata):
                    continue
                found = ", ".join(sorted({t.full_name for t in target.others}))
                why = (
                    ""
                    if foreign.schema
                    else ", and a key without a schema names a table of its metadata's default schema (none)"
                )
                message = (
                    f"foreign key {table.full_column_name(column)} references {foreign.target}, but table "
                    f"{foreign.table} is declared only as {found}{why}: SQLAlchemy cannot resolve the key "
                    "(NoReferencedTableError)"
                )
            elif target.status == TargetStatus.MISSING_COLUMN and target.table is not None:
                message = f"foreign key {table.full_column_name(column)} references {foreign.target}, but table {target.table.full_name} has no column {foreign.column}"
            else:
                continue
            yield self.diagnostic(column.path, column.line, column.column, message)


class ForeignKeyAcrossMetadata(Rule):
    code = "DBL303"
    name = "foreign-key-across-metadata"
    summary = "Foreign key to a table that exists only on a different metadata"
    fix_hint = "put both tables on the same metadata"
    what_it_does = (
        "Finds foreign keys whose target table is declared, but only on another metadata than the referencing "
        "table's (a second declarative base, SQLModel next to a legacy Base, a separate `MetaData()`). Flask-"
        "SQLAlchemy binds are not reported, nor is a table on the base of a library dblint does not know (that "
        "base's metadata may be the other one)."
    )
    why_bad = (
        "SQLAlchemy resolves string foreign keys within the table's own MetaData only: it raises "
        "`NoReferencedTableError` at `create_all`, mapper configuration or autogenerate, and the two halves of "
        "the schema cannot be migrated together."
    )
    example = legacy_models(
        "from sqlalchemy import Column, ForeignKey, Integer",
        source("""
            class User(Base):
                __tablename__ = "user"
                id = Column(Integer, primary_key=True)


            class Invoice(LegacyBase):
                __tablename__ = "invoice"
                id = Column(Integer, primary_key=True)
                user_id = Column(Integer, ForeignKey("user.id"), index=True)  # error: DBL303
        """),
        bases=("Base", "LegacyBase"),
    )
    use_instead = unmarked(example).replace("class Invoice(LegacyBase)", "class Invoice(Base)")

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        schema = model_schema(index)
        for table, column, foreign, target in foreign_keys_in(schema, facts.path):
            if (
                target.status != TargetStatus.OTHER_METADATA
                or table.metadata is None
                or table.bind_key is not None
            ):
                continue
            if any(t.name is None and t.metadata == table.metadata for t in schema.tables):
                continue
            others = [t for t in target.others if t.metadata is not None and t.bind_key is None]
            if len(others) != len(target.others) or not others:
                continue
            if any(schema.ids.is_external(t.metadata) for t in (table, *others)):
                continue  # a base from a library dblint does not know may share the metadata
            where = ", ".join(sorted({display(t.metadata or "") for t in others}))
            yield self.diagnostic(
                column.path,
                column.line,
                column.column,
                f"foreign key {table.full_column_name(column)} references {foreign.target}, but table {foreign.table} is on "
                f"{where}, not on {display(table.metadata)}",
            )


class MappedAnnotationTypeMismatch(Rule):
    code = "DBL304"
    name = "mapped-annotation-type-mismatch"
    summary = "`Mapped[...]` annotation whose Python type disagrees with the column's SQL type"
    fix_hint = "annotate the column with the Python type its SQL type returns"
    what_it_does = (
        "Compares the Python type of a `Mapped[...]` annotation (through `Optional`, `X | None`, `Annotated`) with "
        "what the column's SQL type returns: `Mapped[int]` on a `UUID` column, `Mapped[str]` on an `Integer`, "
        "`Mapped[uuid.UUID]` on a `String(36)` (a `String` returns `str`; `Uuid` and `UUID(as_uuid=True)` return "
        "`uuid.UUID`, `as_uuid=False` returns `str`). What a type returns is its `python_type`, changed by "
        "`as_uuid=` / `asdecimal=`; a project `TypeDecorator` returns what its `process_result_value` plainly "
        "returns (`return uuid.UUID(value)`), else what its `impl` returns. An annotation fits when the returned "
        "value is an instance of it: `bool` is an `int`, an `int` is accepted for `float` (PEP 484), a `datetime` "
        "is a `date`, an `Enum` returns members or strings, and an enum annotation on a string column is the "
        "`StrEnum` idiom, accepted. A foreign key column with no type of its own has the "
        "referenced column's type. JSON and unknown types are not checked."
    )
    why_bad = (
        "The annotation is what type checkers and readers trust; the column type is what the database returns. "
        "When they disagree, code is type-checked against values it never receives, and a foreign key declared "
        "from the annotation gets the wrong type."
    )
    example = declarative_models(
        "from sqlalchemy import Integer",
        source("""
            class Account(Base):
                __tablename__ = "account"
                id: Mapped[int] = mapped_column(primary_key=True)
                iban: Mapped[str] = mapped_column(Integer)  # error: DBL304
        """),
    )
    use_instead = (
        unmarked(example)
        .replace("mapped_column(Integer)", "mapped_column(String(34))")
        .replace("from sqlalchemy import Integer", "from sqlalchemy import String")
    )
    fix = (
        "Only for a foreign key column whose SQL type agrees with the column it references: then the annotation is "
        "the wrong side, and `dblint check --fix` (or `--diff`) replaces its Python type with the one of the SQL "
        'type (`account_id: Mapped[str] = mapped_column(Integer, ForeignKey("account.id"))` -> `Mapped[int]`, '
        "keeping `Optional[...]`), adding the import it needs. Other mismatches have no automatic fix: nothing "
        "tells which side is wrong.\n\n"
        "**Safety**: the annotation must be a plain Python type (not a string, an alias or a custom class), and "
        "the new type's name must be writable in the file without shadowing anything; otherwise the message ends "
        "with `no automatic fix:` and the reason."
    )

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        schema = model_schema(index)
        for table, column in schema.columns_in(facts.path):
            python, sql = column.annotation_family, column.family
            if python in (None, UNKNOWN) or sql == UNKNOWN or TypeFamily.JSON in (python, sql):
                continue
            returned = column.returns
            if annotation_fits(python, returned):
                continue
            fix, note = None, ""
            if _references_family(
                schema, table, column, sql
            ):  # the SQL side agrees: the annotation is wrong
                fix, note = plan_outcome(plan_annotation_fix(index, table, column))
            annotation = column.annotation or f"Mapped[{TRAITS[python].python_label}]"
            gives = " or ".join(sorted(TRAITS[family].python_label for family in returned))
            yield self.diagnostic(
                column.path,
                column.line,
                column.column,
                f"column {table.full_column_name(column)} is annotated {annotation} but its SQL type is {_type_label(column, sql)}, "
                f"which returns {gives}",
                fix=fix,
                note=note,
            )


class ForeignKeyWithoutIndex(Rule):
    code = "DBL305"
    name = "foreign-key-without-index"
    summary = "Foreign key column with no index"
    fix_hint = "add `index=True` to the column (or an `Index` on it)"
    default = False
    what_it_does = (
        "Finds foreign key columns with no `index=True`, no `unique=True`, that are not the primary key and do "
        "not lead an `Index(...)`, `UniqueConstraint(...)` or `PrimaryKeyConstraint(...)` of the table. The "
        "second column of a composite primary key made of `primary_key=True` columns (an association table's "
        "`tag_id` after `post_id`) is not covered by the key's index and is reported; the key's columns are in "
        "SQLAlchemy's order, the class's own columns before those of its mixins and abstract bases."
    )
    why_bad = (
        "PostgreSQL does not index the referencing side of a foreign key. Joins from the parent and every "
        "`ON DELETE` / update of the parent scan the child table."
    )
    example = _user_and_post('Column(Integer, ForeignKey("user.id"))  # error: DBL305')
    use_instead = _user_and_post('Column(Integer, ForeignKey("user.id"), index=True)')

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        schema = model_schema(index)
        for table, column in schema.columns_in(facts.path):
            if not column.foreign_keys or column.index or column.unique:
                continue
            if column.primary_key and not _trails_primary_key(table, column):
                continue
            if any(covered and covered[0] == column.name for covered in table.indexed):
                continue
            yield self.diagnostic(
                column.path,
                column.line,
                column.column,
                f"foreign key {table.full_column_name(column)} has no index (joins and deletes on "
                f"{column.foreign_keys[0].table} scan {table.full_name})",
            )


def _trails_primary_key(table: TableDef, column: ColumnDef) -> bool:
    """`column` is a column of a composite primary key after its first, so the key's index, led
    by the first, does not serve lookups on it. The key's columns are in the table's column order
    (the class's own columns, then those of its mixins and abstract bases, as SQLAlchemy orders
    them); a column a library base adds is not placed, and then none is judged."""
    keys = [c for c in table.columns if c.primary_key]
    if len(keys) < 2 or any(c.library for c in keys):
        return False
    return keys[0] is not column


class IdColumnWithoutForeignKey(Rule):
    code = "DBL307"
    name = "id-column-without-foreign-key"
    summary = "`<table>_id` column with no foreign key although table `<table>` exists"
    fix_hint = "add a `ForeignKey` to the column if it refers to that table"
    default = False
    what_it_does = (
        "Finds columns named `<name>_id` with no foreign key, when a table `<name>` (or `<name>s`, `<name>es`, "
        "`<nam>ies`) exists on the same metadata with a key the column could reference, of a type the column's fits: a "
        "unique column of the same name, else its single primary key or a unique `id`. A column with a "
        "`ForeignKey(...)` whose target dblint cannot read (`ForeignKey(Policy.id_field_path)`) has a key, and "
        "is not reported; nor is a column a `ForeignKeyConstraint` of the table names, also when dblint cannot "
        "read its target. A model of a view the migrations create (`CREATE VIEW`) is skipped: a view has no "
        "foreign keys."
    )
    why_bad = "Without the constraint the database accepts ids of rows that do not exist, and orphans accumulate."
    example = legacy_models(
        "from sqlalchemy import Column, Integer",
        source("""
            class User(Base):
                __tablename__ = "users"
                id = Column(Integer, primary_key=True)


            class Post(Base):
                __tablename__ = "posts"
                id = Column(Integer, primary_key=True)
                user_id = Column(Integer, index=True)  # error: DBL307
        """),
    )
    use_instead = (
        unmarked(example)
        .replace(
            "Column(Integer, index=True)", 'Column(Integer, ForeignKey("users.id"), index=True)'
        )
        .replace(
            "from sqlalchemy import Column, Integer",
            "from sqlalchemy import Column, ForeignKey, Integer",
        )
    )

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        schema = model_schema(index)
        views = views_migrations_create(index)
        for table, column in schema.columns_in(facts.path):
            if (
                column.foreign_keys
                or column.declares_foreign_key
                or column.primary_key
                or not column.name.endswith("_id")
            ):
                continue
            if table.name is not None and table.name.lower() in views:
                continue  # notifications-api's model of `notifications_all_time_view`
            if column.name in table.constrained:
                continue  # a `ForeignKeyConstraint` names it, its target unread (funnel's wrapped columns)
            stem = column.name[: -len("_id")]
            names = {
                stem,
                stem + "s",
                stem + "es",
                stem[:-1] + "ies" if stem.endswith("y") else stem,
            }
            if not stem or table.name in names:
                continue
            found = sorted(
                (t.full_name, key)
                for name in names
                for t in schema.named(name)
                if t.metadata == table.metadata
                for key in _referable_keys(t, column)
            )
            if found:
                target, key = found[0]
                yield self.diagnostic(
                    column.path,
                    column.line,
                    column.column,
                    f"column {table.full_column_name(column)} has no foreign key although table {target} exists "
                    f"(key {target}.{key})",
                )


def _referable_keys(target: TableDef, column: ColumnDef) -> list[str]:
    """Keys of `target` a `<name>_id` column could reference, of a type the column's fits: a column
    of the same name if `target` has one (`scripts.script_id`, repeated across the versions that
    `script_revision_id` keys, is no key: no foreign key can point at it), else its single primary
    key or a unique `id`. A table whose columns may be missing (unknown mixins) is assumed keyed
    by `id`."""
    primary = [item for item in target.columns if item.primary_key]
    same = target.column_named(column.name)
    if same is not None:
        candidates = [same] if same.unique or (same in primary and len(primary) == 1) else []
    else:
        candidates = primary if len(primary) == 1 else []
        candidates += [item for item in target.columns if item.unique and item.name == "id"]
    if not candidates and not target.columns_complete and not primary and same is None:
        return ["id"]
    return [item.name for item in candidates if foreign_key_compatible(column.family, item.family)]


class ForeignKeyIntegerWidthMismatch(Rule):
    code = "DBL308"
    name = "foreign-key-integer-width-mismatch"
    summary = "Foreign key integer width differs from the referenced key (BIGINT -> INTEGER)"
    fix_hint = "declare the column with the referenced key's integer type"
    default = False
    what_it_does = (
        "Compares the integer width of a foreign key column with the referenced column's: `SmallInteger`, "
        "`Integer`/`int`/`SERIAL`, `BigInteger`/`BIGSERIAL` (through `type_annotation_map`), also when the "
        "referenced table is only on another metadata of the project (DBL303)."
    )
    why_bad = (
        "An `INTEGER` foreign key to a `BIGINT` key overflows once ids pass 2^31; the reverse wastes space and "
        "hides the intent. Both usually come from copy-paste."
    )
    example = legacy_models(
        "from sqlalchemy import BigInteger, Column, ForeignKey, Integer",
        source("""
            class User(Base):
                __tablename__ = "user"
                id = Column(BigInteger, primary_key=True)


            class Post(Base):
                __tablename__ = "post"
                id = Column(Integer, primary_key=True)
                author_id = Column(Integer, ForeignKey("user.id"), index=True)  # error: DBL308
        """),
    )
    use_instead = unmarked(example).replace(
        "author_id = Column(Integer,", "author_id = Column(BigInteger,"
    )

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        schema = model_schema(index)
        for table, column, foreign, target in foreign_keys_in(schema, facts.path):
            referenced = referenced_column(table, foreign, target)
            if referenced is None:
                continue
            other, other_column, elsewhere = referenced
            mine, theirs = _width(column), _width(other_column)
            if mine is None or theirs is None or mine == theirs:
                continue
            yield self.diagnostic(
                column.path,
                column.line,
                column.column,
                f"foreign key {table.full_column_name(column)} is {_WIDTH_NAMES.get(mine, mine)} but "
                f"{other.full_column_name(other_column)} is {_WIDTH_NAMES.get(theirs, theirs)}"
                + _across(table, other, elsewhere),
            )


def _references_family(
    schema: ModelSchema, table: TableDef, column: ColumnDef, family: TypeFamily
) -> bool:
    """True when `column` has a foreign key to a column of `family`."""
    for foreign in column.foreign_keys:
        target = resolve_target(schema, table, foreign)
        if (
            target.status == TargetStatus.FOUND
            and target.column is not None
            and target.column.family == family
        ):
            return True
    return False


def _across(table: TableDef, other: TableDef, elsewhere: bool) -> str:
    """How a message says the referenced table is on another metadata (DBL303 reports that itself)."""
    if not elsewhere:
        return ""
    return f" (on {display(other.metadata or '')}, not on {display(table.metadata or '')})"


def _width(column: ColumnDef) -> Optional[int]:
    if column.family != TypeFamily.INTEGER:
        return None
    if column.type_name:
        return integer_width(column.type_name)
    return 32 if column.typed else None
