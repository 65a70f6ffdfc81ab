"""Tables that exist without a model of the project: listed in `external-tables`, or made
at run time by a library.

SQLAlchemy-Continuum (`make_versioned()` and `__versioned__` on models) builds, when the
mappers are configured, a `<table>_version` table for each versioned table and a
`transaction` table (`transaction_changes` and `transaction_meta` with its plugins).
Migrations create them, and foreign keys may point at them; no model declares them.
Which models are versioned is decided at run time (`__versioned__` may come from any
base), so every `<table>_version` of a project table counts once the project uses
Continuum (imports it, or gives a class `__versioned__`).

SQLAlchemy's versioned-history recipe, which projects copy into their own code (a
`history_meta.py`), does the same with a `Table(f"{mapper.local_table.name}_history",
mapper.local_table.metadata, ...)` built for each versioned model when it is mapped. So
an application `Table(...)` whose name is one computed part and literal text builds, for
all dblint can tell, that name for every project table (`<table>_history`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dblint.contexts import FileContext
from dblint.index.schema import model_schema

if TYPE_CHECKING:
    from dblint.index.project import ProjectIndex

_CONTINUUM_TABLES = frozenset({"transaction", "transaction_changes", "transaction_meta"})
_VERSION_SUFFIX = "_version"


def external_table_names(index: ProjectIndex) -> frozenset[str]:
    """Lower-case names (`t` or `schema.t`) of tables that exist without a model."""
    return index.view(_external_names)


def runtime_table_names(index: ProjectIndex) -> frozenset[str]:
    """Lower-case names (`t` or `schema.t`) of the tables a library builds at run time. They
    sit on the metadata of the models they come from, so whether Alembic tracks them is
    unknown, where a table listed in `external-tables` is on no metadata of the project."""
    return index.view(_runtime_names)


def _external_names(index: ProjectIndex) -> frozenset[str]:
    return frozenset(name.lower() for name in index.settings.external_tables) | (
        runtime_table_names(index)
    )


def _runtime_names(index: ProjectIndex) -> frozenset[str]:
    schema = model_schema(index)
    continuum = _uses_continuum(index)
    templates = {"{}" + _VERSION_SUFFIX} if continuum else set()
    names = set(_CONTINUUM_TABLES) if continuum else set()
    templates |= {
        table.name_template.lower()
        for table in schema.tables
        if table.name_template is not None
        and table.name_template.count("{}") == 1
        and table.name_template.strip("{}")  # some literal text: not a name computed whole
        and table.context == FileContext.APP
    }
    for template in templates:
        for table in schema.tables:
            if table.name is not None:
                names.add(template.replace("{}", table.name.lower()))
                names.add(template.replace("{}", table.full_name.lower()))
    return frozenset(names)


def _uses_continuum(index: ProjectIndex) -> bool:
    """Whether the project imports SQLAlchemy-Continuum or versions a model (`__versioned__`:
    `make_versioned()` may be called by a package the project depends on, as invenio-db does)."""
    return any(
        any(
            not imp.level and imp.module.split(".", 1)[0] == "sqlalchemy_continuum"
            for imp in facts.imports
        )
        or any(attr.name == "__versioned__" for cls in facts.classes for attr in cls.attrs)
        for facts in index.files.values()
    )
