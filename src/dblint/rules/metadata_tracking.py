"""DBL201-DBL205: tables Alembic cannot see (untracked metadata, duplicates, unimported models)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from typing import Optional

from dblint.contexts import FileContext
from dblint.diagnostics import Diagnostic
from dblint.facts.model import FileFacts
from dblint.index import ProjectIndex
from dblint.index.holders import HolderDef, display
from dblint.index.imports import imports_between, migrate_setups, uses_flask_app
from dblint.index.modules import module_matches
from dblint.index.replay import location_tables
from dblint.index.schema import ModelSchema, model_schema
from dblint.index.tables import TableDef
from dblint.index.tracking import Tracking
from dblint.rules.base import Family, Rule, example_files
from dblint.rules.examples import ALEMBIC_INI, files, legacy_models, source

FAMILY = Family(
    "DBL201",
    "DBL205",
    "Metadata tracking",
    "tables Alembic cannot see (untracked metadata, duplicates, unimported models)",
)

# Example files: a script location whose env.py tracks `app.models.Base`, and a module
# that only defines a declarative base.
_TRACKING_BASE = {
    "alembic.ini": ALEMBIC_INI,
    "migrations/env.py": source("""
        from alembic import context

        from app.models import Base

        target_metadata = Base.metadata
    """),
}
_BASE_ONLY = source("""
    from sqlalchemy.orm import declarative_base

    Base = declarative_base()
""")

_HOLDER_WORDS = {
    "declarative-base": "declarative base",
    "metadata": "MetaData",
    "registry": "registry",
    "flask-db": "Flask-SQLAlchemy db",
}


def describe(table: TableDef) -> str:
    """`model User (table users)` or `table users`."""
    name = table.full_name if table.name is not None else "with a computed name"
    return f"model {table.model} (table {name})" if table.model else f"table {name}"


def tracking_text(schema: ModelSchema) -> str:
    return "; ".join(item.description for item in schema.tracking)


def untracked(schema: ModelSchema, table: TableDef, tracked: frozenset[str]) -> bool:
    """A declared table on a metadata no script location tracks (and not a Flask bind, a reflection,
    or an undeclared library base, which may share a tracked metadata)."""
    if (
        table.metadata is None
        or table.metadata in tracked
        or table.bind_key is not None
        or table.reflected
        or schema.ids.is_external(table.metadata)
    ):
        return False
    if _query_only(schema, table.metadata) or _standalone_script(table.path):
        return False
    twins = schema.find(table.name, table.schema) if table.name is not None else []
    return not any(twin.metadata in tracked for twin in twins)


def _query_only(schema: ModelSchema, metadata: str) -> bool:
    """A metadata of Core tables without any key or index, written out only to build queries against
    another store (an analytics service, a warehouse: polar's Tinybird tables); a table this database
    holds has a primary key. Creating them (`create_all`) is still DBL101."""
    tables = [table for table in schema.declared if table.metadata == metadata]
    return bool(tables) and all(
        table.style == "core"
        and table.columns_complete
        and not table.indexed
        and not any(column.primary_key or column.foreign_keys for column in table.columns)
        for table in tables
    )


def _standalone_script(path: str) -> bool:
    """A file no code can import (`tools/export-legacy-counters.py`): its metadata describes the
    database that script connects to by itself, often another application's (privacyidea's LinOTP
    export tools), not tables the project's Alembic should create. Creating them is still DBL101."""
    return not posixpath.splitext(posixpath.basename(path))[0].isidentifier()


def _tables_in(schema: ModelSchema, path: str) -> Iterator[TableDef]:
    return iter(schema.tables_in(path))


class TableOnUntrackedMetadata(Rule):
    code = "DBL201"
    name = "table-on-untracked-metadata"
    summary = "Table registered on a metadata that Alembic does not track"
    fix_hint = "move the table to the tracked metadata, or track its metadata in env.py"
    what_it_does = (
        "Finds models and `Table(...)` declarations whose metadata is not the one Alembic's env.py compares "
        "against (`target_metadata`, or the `target-metadata` setting): models on a second `declarative_base()`, "
        "a second `DeclarativeBase` subclass, a separate `MetaData()`, or a legacy Base next to `SQLModel`. "
        "Reported at the `class` / `Table(` line. Models on another Flask-SQLAlchemy bind (`__bind_key__`) belong "
        "to another database and are not reported; nothing is reported when the tracked metadata cannot be "
        "determined statically or the project has no Alembic script location."
    )
    why_bad = (
        "`alembic revision --autogenerate` only sees the tracked metadata. Tables on any other metadata never get "
        "a migration: a database built by `alembic upgrade head` lacks them, and someone ends up calling "
        "`create_all()` to paper over it. Teams have found dozens of such models only after production incidents."
    )
    example = files(
        {
            "app/models.py": source("""
                from sqlalchemy import Column, Integer
                from sqlalchemy.orm import declarative_base

                Base = declarative_base()
                LegacyBase = declarative_base()  # error: DBL202


                class User(Base):
                    __tablename__ = "users"
                    id = Column(Integer, primary_key=True)


                class ExpertProfile(LegacyBase):  # error: DBL201
                    __tablename__ = "expert_profiles"
                    id = Column(Integer, primary_key=True)
            """),
            **_TRACKING_BASE,
        }
    )
    use_instead = files(
        {
            "app/models.py": legacy_models(
                "from sqlalchemy import Column, Integer",
                source("""
                    class User(Base):
                        __tablename__ = "users"
                        id = Column(Integer, primary_key=True)


                    class ExpertProfile(Base):
                        __tablename__ = "expert_profiles"
                        id = Column(Integer, primary_key=True)
                """),
            ),
            **_TRACKING_BASE,
        }
    )
    options = (
        "`target-metadata`: the metadata Alembic tracks, when env.py does not say it statically."
    )

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        schema = model_schema(index)
        tracked = schema.tracked()
        if tracked is None:
            return
        for table in _tables_in(schema, facts.path):
            if untracked(schema, table, tracked):
                yield self.diagnostic(
                    table.path,
                    table.line,
                    table.column,
                    f"{describe(table)} is registered on {display(table.metadata or '')}, which Alembic does not "
                    f"track ({tracking_text(schema)})",
                )


class UntrackedMetadataHolder(Rule):
    code = "DBL202"
    name = "untracked-metadata-holder"
    summary = "Definition of a metadata holder with tables that Alembic does not track"
    fix_hint = "move its tables to the tracked metadata, or track it in env.py"
    what_it_does = (
        "Finds the definition of a secondary declarative base, `MetaData()`, `registry()` or Flask-SQLAlchemy "
        "`db` that has tables although Alembic tracks another metadata. Holders sharing one `MetaData` object "
        "are one metadata and are reported once, at the `MetaData()` when there is one. A `MetaData` whose Core "
        "tables have no primary key, foreign key or index at all describes another store for queries (an "
        "analytics service) and is reported by neither DBL201 nor DBL202, nor is one defined in a standalone "
        "script whose file name is no module name (`tools/export-counters.py`), which describes the database "
        "that script connects to."
    )
    why_bad = (
        "A second metadata splits the schema in two: Alembic autogenerates migrations for one half only. The "
        "holder's definition is where to fix it, by deriving from the tracked base or adding its metadata to "
        "`target_metadata`."
    )
    example = TableOnUntrackedMetadata.example
    use_instead = TableOnUntrackedMetadata.use_instead

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        schema = model_schema(index)
        tracked = schema.tracked()
        if tracked is None:
            return
        for holder in _primary_holders(schema, index):
            if holder.path != facts.path or holder.metadata in tracked:
                continue
            count = sum(
                1
                for table in schema.declared
                if table.metadata == holder.metadata and untracked(schema, table, tracked)
            )
            if count:
                what = _HOLDER_WORDS.get(holder.kind, holder.kind)
                tables = "table" if count == 1 else "tables"
                yield self.diagnostic(
                    holder.path or "",
                    holder.line,
                    holder.column,
                    f"{what} {holder.name} defines {display(holder.metadata)} with {count} {tables} that Alembic "
                    f"does not track ({tracking_text(schema)})",
                )


def _primary_holders(schema: ModelSchema, index: ProjectIndex) -> list[HolderDef]:
    """One holder per metadata: the `MetaData()` definition if any, else the first definition."""
    chosen: dict[str, HolderDef] = {}
    for holder in schema.holders:
        if holder.path is None or index.context_of(holder.path) != FileContext.APP:
            continue
        current = chosen.get(holder.metadata)
        if current is None or (holder.kind == "metadata" and current.kind != "metadata"):
            chosen[holder.metadata] = holder
    return list(chosen.values())


class DuplicateTable(Rule):
    code = "DBL203"
    name = "duplicate-table"
    summary = "The same table name (same schema) declared twice"
    fix_hint = "keep one declaration and import it where the other is used"
    what_it_does = (
        "Finds a table name declared by two models or `Table(...)` calls, in the same schema, on one metadata "
        "or two, when both declarations run in one application (one module imports the other, directly or "
        "transitively, or env.py imports both; separate example scripts are not one application). `extend_existing=True` / `keep_existing=True` redefinitions, reflected tables, "
        "single-table inheritance, different Flask-SQLAlchemy binds, metadata that separate Alembic script "
        "locations track (two databases), a standalone script's own metadata (a file no code can import, "
        "`tools/migrate-to-timescaledb.py`: it describes the database that script connects to), models on two metadata that take their `__tablename__` from one "
        "shared mixin (one table built per dialect) and tables whose schema is computed (a `__table_args__` "
        "method) are not reported. Reported at every "
        "declaration after the first (declarations on the tracked metadata come first)."
    )
    why_bad = (
        "On one metadata SQLAlchemy raises `Table 'x' is already defined` as soon as both modules are imported; "
        "on two metadata objects both definitions silently target one database table and drift apart, and "
        "Alembic sees at most one of them."
    )
    example = files(
        {
            "app/models.py": legacy_models(
                "from sqlalchemy import Column, Integer, MetaData, Table",
                source("""
                    class User(Base):
                        __tablename__ = "users"
                        id = Column(Integer, primary_key=True)


                    users = Table("users", Base.metadata, Column("id", Integer, primary_key=True))  # error: DBL203
                """),
            ),
        }
    )
    use_instead = files(
        {
            "app/models.py": legacy_models(
                "from sqlalchemy import Column, Integer",
                source("""
                    class User(Base):
                        __tablename__ = "users"
                        id = Column(Integer, primary_key=True)


                    users = User.__table__
                """),
            ),
        }
    )

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        schema = model_schema(index)
        for table in _tables_in(schema, facts.path):
            first = self._earlier_twin(schema, index, table)
            if first is not None:
                where = f"{first.path}:{first.line}"
                on = (
                    f"on {display(table.metadata or '')}"
                    if first.metadata == table.metadata
                    else f"on {display(table.metadata or '')} and on {display(first.metadata or '')}"
                )
                yield self.diagnostic(
                    table.path,
                    table.line,
                    table.column,
                    f"table {table.full_name} is declared twice {on}: {describe(table)} here and "
                    f"{describe(first)} at {where}",
                )

    @staticmethod
    def _earlier_twin(
        schema: ModelSchema, index: ProjectIndex, table: TableDef
    ) -> Optional[TableDef]:
        if (
            table.name is None
            or table.reflected
            or table.extend_existing
            or not table.columns
            or table.metadata is None
        ):
            return None
        if not table.schema_known:
            return None
        tracked = schema.tracked() or frozenset()

        def order(item: TableDef) -> tuple[bool, str, int]:
            return item.metadata not in tracked, item.path, item.line

        for other in sorted(schema.find(table.name, table.schema), key=order):
            if order(other) >= order(table):
                break
            if (
                other.reflected
                or not other.columns
                or other.metadata is None
                or other.bind_key != table.bind_key
            ):
                continue
            if not other.schema_known or _separate_databases(
                schema, other.metadata, table.metadata
            ):
                continue
            if other.metadata != table.metadata and (
                _standalone_script(other.path) or _standalone_script(table.path)
            ):
                continue  # a script's own metadata describes the database it connects to
            if table.named_by is not None and other.named_by == table.named_by:
                continue  # one mixin's table, built per dialect on two metadata (mlrun's stores)
            if imports_between(index, schema, other.module, table.module):
                return other
        return None


def _separate_databases(schema: ModelSchema, first: str, second: str) -> bool:
    """Two metadata that different Alembic script locations track, none both: two databases (nova's
    main and API databases), where one table name in each is no duplicate."""
    tracking = [set(item.metadata or ()) for item in schema.tracking]
    return (
        first != second
        and any(first in item for item in tracking)
        and any(second in item for item in tracking)
        and not any(first in item and second in item for item in tracking)
    )


class ModelNotImportedByEnv(Rule):
    code = "DBL204"
    name = "model-not-imported-by-env"
    summary = "Model on the tracked metadata whose module env.py never imports"
    fix_hint = "import the module in env.py (or in a module env.py imports)"
    what_it_does = (
        "Follows imports from each Alembic env.py, transitively (package `__init__` chains, model-registry "
        "modules that only import models, `from x import *`), and finds models and `Table(...)` declarations on "
        "the tracked metadata in modules it never reaches. Imports under `if TYPE_CHECKING:` do not count; "
        "imports inside env.py functions count when the function runs (`run_migrations_*`, or called at module "
        "level). A Flask-Migrate env.py (`current_app`) runs inside the app: what the modules setting Flask-Migrate "
        "up import (`Migrate(app, db)`, `migrate.init_app(app, db)` in the app factory, imports inside that "
        "function included) counts too. Nothing is reported when env.py imports dynamically (importlib, pkgutil), "
        "or uses `current_app` and no module sets Flask-Migrate up, or is advanced-alchemy's template (it reads "
        "`AlembicCommandConfig`: it runs inside the process that loaded the application's SQLAlchemy config, "
        "`litestar database ...` or `alchemy --config ...`, whose imports dblint cannot follow)."
    )
    why_bad = (
        "A model registers its table on the metadata only when its module is imported. If env.py never imports "
        "it, autogenerate does not see the table and proposes to drop it, or never creates it."
    )
    example = files(
        {
            "app/db.py": _BASE_ONLY,
            "app/models/user.py": source("""
                from sqlalchemy import Column, Integer

                from app.db import Base


                class User(Base):  # error: DBL204
                    __tablename__ = "users"
                    id = Column(Integer, primary_key=True)
            """),
            "alembic.ini": ALEMBIC_INI,
            "migrations/env.py": source("""
                from alembic import context

                from app.db import Base

                target_metadata = Base.metadata
            """),
        }
    )
    use_instead = files(
        {
            **example_files(example),
            "migrations/env.py": source("""
                from alembic import context

                import app.models.user  # noqa: F401 - registers the models
                from app.db import Base

                target_metadata = Base.metadata
            """),
        }
    )

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        schema = model_schema(index)
        for table in _tables_in(schema, facts.path):
            if table.metadata is None or table.bind_key is not None:
                continue
            watching = _managing(
                index,
                table,
                [
                    item
                    for item in schema.tracking
                    if item.metadata is not None and table.metadata in item.metadata
                ],
            )
            if not watching or any(not self._can_tell(schema, item) for item in watching):
                continue
            missing = [
                item
                for item in watching
                if table.module not in (schema.env_imports(item.env_path or "") or ())
            ]
            if len(missing) == len(watching):
                yield self.diagnostic(
                    table.path,
                    table.line,
                    table.column,
                    f"{describe(table)} is on the tracked {display(table.metadata)}, but {_importers(index, watching[0])} "
                    f"never imports {table.module}, so autogenerate cannot see it",
                )

    @staticmethod
    def _can_tell(schema: ModelSchema, item: Tracking) -> bool:
        env = item.env_path
        return (
            bool(env)
            and item.source in ("env.py", "config", "flask-migrate")
            and schema.env_imports(env or "") is not None
        )


def _managing(index: ProjectIndex, table: TableDef, watching: list[Tracking]) -> list[Tracking]:
    """The script locations on the table's metadata that must see it: those whose migrations leave
    the table at their head, when the others' migrations are known not to create it (an enterprise
    environment's own tables, beside an open-source one on the same `Base`); otherwise all of them.
    An environment is then judged on the tables it manages, whatever another one may import."""
    if table.name is None:
        return watching
    created = location_tables(index)
    name = table.name.lower()
    managing = [
        item
        for item in watching
        if item.location in created and name in created[item.location].names
    ]
    others = [item for item in watching if item not in managing]
    if not managing or any(
        item.location in created and created[item.location].blind for item in others
    ):
        return watching
    return managing


def _importers(index: ProjectIndex, tracking: Tracking) -> str:
    """What runs when Alembic does: env.py, and for Flask-Migrate the app it runs in."""
    env = tracking.env_path or ""
    if not uses_flask_app(index.files[env]):
        return env
    return f"{env} (run inside the Flask app set up in {', '.join(sorted(migrate_setups(index)))})"


class ModelOutsideModelModules(Rule):
    code = "DBL205"
    name = "model-outside-model-modules"
    summary = "Model defined outside the configured `model-modules`"
    fix_hint = "move the model into one of the `model-modules`"
    default = False
    what_it_does = (
        "With `model-modules` set (module names or glob patterns, a package includes its submodules), finds "
        "models and `Table(...)` declarations in application code outside those modules."
    )
    why_bad = (
        "Models scattered across feature modules are easy to forget in env.py's imports and in reviews; keeping "
        "them in known modules makes the schema auditable."
    )
    example = files(
        {
            "pyproject.toml": source("""
                [tool.dblint]
                model-modules = ["app.models"]
            """),
            "app/models.py": _BASE_ONLY,
            "app/billing.py": source("""
                from sqlalchemy import Column, Integer

                from app.models import Base


                class Invoice(Base):  # error: DBL205
                    __tablename__ = "invoices"
                    id = Column(Integer, primary_key=True)
            """),
        }
    )
    use_instead = files(
        {
            "pyproject.toml": example["pyproject.toml"],
            "app/models.py": legacy_models(
                "from sqlalchemy import Column, Integer",
                source("""
                    class Invoice(Base):
                        __tablename__ = "invoices"
                        id = Column(Integer, primary_key=True)
                """),
            ),
        }
    )
    options = '`model-modules`: modules (or glob patterns) where models belong, e.g. `["app.models", "*.tables"]`.'

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        patterns = index.settings.model_modules
        if not patterns:
            return
        schema = model_schema(index)
        for table in _tables_in(schema, facts.path):
            if not any(module_matches(table.module, pattern) for pattern in patterns):
                yield self.diagnostic(
                    table.path,
                    table.line,
                    table.column,
                    f"{describe(table)} is defined in {table.module}, outside model-modules ({', '.join(patterns)})",
                )
