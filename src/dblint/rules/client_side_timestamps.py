"""DBL306: timestamp columns filled by the application's clock instead of the database's."""

from __future__ import annotations

from collections.abc import Iterable

from dblint.diagnostics import Diagnostic
from dblint.facts.model import FileFacts
from dblint.index import ProjectIndex
from dblint.index.schema import model_schema
from dblint.rules.base import Rule
from dblint.rules.examples import legacy_models, source
from dblint.rules.foreign_keys import FAMILY as FAMILY  # one family with the foreign key rules

_TIMESTAMP_COLUMNS = frozenset(
    {"created_at", "updated_at", "created_on", "updated_on", "modified_at", "modified_on"}
)


class ClientSideTimestampDefault(Rule):
    code = "DBL306"
    name = "client-side-timestamp-default"
    summary = (
        "`created_at` / `updated_at` filled by a client-side default instead of `server_default`"
    )
    fix_hint = "use `server_default=func.now()` (and `onupdate` for `updated_at`)"
    default = False
    what_it_does = (
        "Finds `created_at` / `updated_at` (and `*_on`, `modified_at`) columns that have `default=` / `onupdate=` "
        "(or SQLModel `default_factory=`) and no `server_default`."
    )
    why_bad = (
        "A Python-side default only applies to inserts made through this ORM: rows written by raw SQL, other "
        "services or data migrations get NULL, and application servers' clocks disagree."
    )
    example = legacy_models(
        source("""
            from datetime import datetime

            from sqlalchemy import Column, DateTime, Integer
        """),
        source("""
            class Event(Base):
                __tablename__ = "event"
                id = Column(Integer, primary_key=True)
                created_at = Column(DateTime, default=datetime.utcnow)  # error: DBL306
        """),
    )
    use_instead = legacy_models(
        "from sqlalchemy import Column, DateTime, Integer, func",
        source("""
            class Event(Base):
                __tablename__ = "event"
                id = Column(Integer, primary_key=True)
                created_at = Column(DateTime, server_default=func.now())
        """),
    )

    def check_file(self, facts: FileFacts, index: ProjectIndex) -> Iterable[Diagnostic]:
        schema = model_schema(index)
        for table, column in schema.columns_in(facts.path):
            if (
                column.name in _TIMESTAMP_COLUMNS
                and column.client_default
                and not column.server_default
            ):
                yield self.diagnostic(
                    column.path,
                    column.line,
                    column.column,
                    f"column {table.full_column_name(column)} is filled by a client-side default",
                )
