"""Declarative bases and mixins that libraries define, and what each gives a model.

dblint never imports a library, so what a library class contributes (its metadata,
a table name, columns) is declared here, as read from the library's source:

- advanced-alchemy (`advanced_alchemy.base.UUIDAuditBase`, ...; re-exported by Litestar):
  every base maps onto one registry, `orm_registry`, whose metadata is
  `metadata_registry.get(None)`; a `__bind_key__` picks `metadata_registry.get(key)`.
  So do the server-side store and session models of its Litestar extension
  (`advanced_alchemy.extensions.litestar.store.StoreModelMixin`, `...session.SessionModelMixin`),
  subclasses of `UUIDv7Base` with columns of their own.
  A class that sets `metadata = MetaData(...)` on such a base puts its subclasses' tables
  on that MetaData instead (`class Model(SQLQuery): metadata = my_metadata`).
  Tables are named after the class in snake_case (not on `SQLQuery` and
  `AdvancedDeclarativeBase`, which name none); so are those of a project's own declarative
  base that takes the naming mixin `CommonTableAttributes` (it adds no column). The UUID and NanoID bases add a
  sentinel column, `sa_orm_sentinel`, since version 0.7 only: it is `optional` (a
  migrated schema may lack it, and may have it).
- sqlalchemy-helpers (fedora-infra: `sqlalchemy_helpers.Base`, also `sqlalchemy_helpers.manager.Base`,
  and `sqlalchemy_helpers.aio.Base`): each a `DeclarativeBase` with a `MetaData` of its own (naming
  conventions only); they add no column and name no table.
- oslo.db (OpenStack): `oslo_db.sqlalchemy.models.ModelBase` adds no column, `TimestampMixin`
  adds `created_at` (a client-side default) and `updated_at`, `SoftDeleteMixin` adds
  `deleted_at` and `deleted` (a `SoftDeleteInteger`); all nullable.
- fastapi-users' SQLAlchemy mixins (`SQLAlchemyBaseUserTableUUID`, ...; also imported from
  `fastapi_users.db`, which re-exports them; the access-token ones from
  `fastapi_users_db_sqlalchemy.access_token`): a table name
  and the columns the mixin declares; the model's own base gives the metadata.

A library class that is not declared here adds what dblint cannot know: the model's
columns are then incomplete (`tables.ClassInfo.unresolved`), and rules that need
them say nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from dblint.index.types import TypeFamily

ADVANCED_ALCHEMY_METADATA = "advanced_alchemy.base:orm_registry.metadata"
SQLALCHEMY_HELPERS_METADATA = "sqlalchemy_helpers.manager:Base.metadata"
SQLALCHEMY_HELPERS_AIO_METADATA = "sqlalchemy_helpers.aio:Base.metadata"
# Metadata a library defines, as holders without a place in the project.
LIBRARY_METADATA = (
    ADVANCED_ALCHEMY_METADATA,
    SQLALCHEMY_HELPERS_METADATA,
    SQLALCHEMY_HELPERS_AIO_METADATA,
)


@dataclass(frozen=True)
class LibraryColumn:
    """A column a library class adds to every model that inherits it."""

    name: str
    family: TypeFamily
    type_name: str
    primary_key: bool = False
    nullable: Optional[bool] = None
    unique: bool = False
    index: bool = False
    foreign_key: Optional[str] = None  # "table.column"
    client_default: bool = False
    optional: bool = False  # added by some versions of the library only


@dataclass(frozen=True)
class LibraryClass:
    """What inheriting one library class gives a model."""

    name: str  # the qualified name the library documents
    metadata: Optional[str] = None  # a declarative base's metadata id; None for a mixin
    bind_keys: bool = False  # `__bind_key__` picks another metadata (`bind_metadata`)
    snake_case_names: bool = False  # tables without `__tablename__` are named after the class
    table_name: Optional[str] = None  # a mixin's `__tablename__`
    columns: tuple[LibraryColumn, ...] = ()


def _id(family: TypeFamily, type_name: str) -> LibraryColumn:
    return LibraryColumn("id", family, type_name, primary_key=True, nullable=False)


_UUID = _id(TypeFamily.UUID, "advanced_alchemy.types.GUID")
_BIGINT = _id(TypeFamily.INTEGER, "sqlalchemy.BigInteger")
_NANOID = _id(TypeFamily.STRING, "sqlalchemy.String")
_SENTINEL = LibraryColumn(
    "sa_orm_sentinel", TypeFamily.INTEGER, "sqlalchemy.Integer", nullable=True, optional=True
)
_AUDIT = tuple(
    LibraryColumn(
        name,
        TypeFamily.DATETIME,
        "advanced_alchemy.types.DateTimeUTC",
        nullable=False,
        client_default=True,
    )
    for name in ("created_at", "updated_at")
)


def _advanced_alchemy_base(
    name: str, key: Optional[LibraryColumn], audit: bool, sentinel: bool, named: bool = True
) -> LibraryClass:
    return LibraryClass(
        name=f"advanced_alchemy.base.{name}",
        metadata=ADVANCED_ALCHEMY_METADATA,
        bind_keys=True,
        snake_case_names=named,
        columns=((key,) if key is not None else ())
        + (_AUDIT if audit else ())
        + ((_SENTINEL,) if sentinel else ()),
    )


def _advanced_alchemy_mixin(name: str, *columns: LibraryColumn) -> LibraryClass:
    return LibraryClass(name=f"advanced_alchemy.mixins.{name}", columns=columns)


def _required_string(name: str) -> LibraryColumn:
    return LibraryColumn(name, TypeFamily.STRING, "sqlalchemy.String", nullable=False)


def _litestar_storage(module: str, name: str, *columns: LibraryColumn) -> LibraryClass:
    """Litestar's server-side store and session models: abstract subclasses of `UUIDv7Base`
    (its registry, its snake_case names, its key and sentinel) with columns of their own.
    `expires_at` takes its type from the registry's annotation map; its nullability is left
    unknown (a `declared_attr`'s annotation decides it)."""
    expires_at = LibraryColumn(
        "expires_at", TypeFamily.DATETIME, "advanced_alchemy.types.DateTimeUTC", index=True
    )
    return LibraryClass(
        name=f"advanced_alchemy.extensions.litestar.{module}.{name}",
        metadata=ADVANCED_ALCHEMY_METADATA,
        bind_keys=True,
        snake_case_names=True,
        columns=(_UUID, *columns, expires_at, _SENTINEL),
    )


_BYTES = "sqlalchemy.LargeBinary"


_ADVANCED_ALCHEMY = {
    found.name.rsplit(".", 1)[-1]: found
    for found in (
        _advanced_alchemy_base("UUIDBase", _UUID, audit=False, sentinel=True),
        _advanced_alchemy_base("UUIDAuditBase", _UUID, audit=True, sentinel=True),
        _advanced_alchemy_base("UUIDv6Base", _UUID, audit=False, sentinel=True),
        _advanced_alchemy_base("UUIDv6AuditBase", _UUID, audit=True, sentinel=True),
        _advanced_alchemy_base("UUIDv7Base", _UUID, audit=False, sentinel=True),
        _advanced_alchemy_base("UUIDv7AuditBase", _UUID, audit=True, sentinel=True),
        _advanced_alchemy_base("NanoIDBase", _NANOID, audit=False, sentinel=True),
        _advanced_alchemy_base("NanoIDAuditBase", _NANOID, audit=True, sentinel=True),
        _advanced_alchemy_base("BigIntBase", _BIGINT, audit=False, sentinel=False),
        _advanced_alchemy_base("BigIntAuditBase", _BIGINT, audit=True, sentinel=False),
        _advanced_alchemy_base("IdentityBase", _BIGINT, audit=False, sentinel=False),
        _advanced_alchemy_base("IdentityAuditBase", _BIGINT, audit=True, sentinel=False),
        _advanced_alchemy_base("DefaultBase", None, audit=False, sentinel=False),
        _advanced_alchemy_base(
            "AdvancedDeclarativeBase", None, audit=False, sentinel=False, named=False
        ),
        _advanced_alchemy_base("SQLQuery", None, audit=False, sentinel=False, named=False),
        _advanced_alchemy_mixin("AuditColumns", *_AUDIT),
        _advanced_alchemy_mixin("BigIntPrimaryKey", _BIGINT),
        _advanced_alchemy_mixin("IdentityPrimaryKey", _BIGINT),
        _advanced_alchemy_mixin("UUIDPrimaryKey", _UUID, _SENTINEL),
        _advanced_alchemy_mixin("UUIDv6PrimaryKey", _UUID, _SENTINEL),
        _advanced_alchemy_mixin("UUIDv7PrimaryKey", _UUID, _SENTINEL),
        _advanced_alchemy_mixin("NanoIDPrimaryKey", _NANOID, _SENTINEL),
        _advanced_alchemy_mixin("SentinelMixin", _SENTINEL),
        _advanced_alchemy_mixin(
            "SlugKey", LibraryColumn("slug", TypeFamily.STRING, "sqlalchemy.String", nullable=False)
        ),
        _advanced_alchemy_mixin("UniqueMixin"),
        _litestar_storage(
            "store",
            "StoreModelMixin",
            _required_string("key"),
            _required_string("namespace"),
            LibraryColumn("value", TypeFamily.BINARY, _BYTES, nullable=False),
        ),
        _litestar_storage(
            "session",
            "SessionModelMixin",
            _required_string("session_id"),
            LibraryColumn("data", TypeFamily.BINARY, _BYTES, nullable=False),
        ),
        # On a project's own `DeclarativeBase` (`class Base(CommonTableAttributes, DeclarativeBase)`):
        # no column, only the snake_case table name (`BasicAttributes`: only `to_dict`).
        LibraryClass("advanced_alchemy.base.CommonTableAttributes", snake_case_names=True),
        LibraryClass("advanced_alchemy.base.BasicAttributes"),
    )
}


def _string(name: str, nullable: bool = False, indexed: bool = False) -> LibraryColumn:
    return LibraryColumn(
        name, TypeFamily.STRING, "sqlalchemy.String", nullable=nullable, index=indexed
    )


def _boolean(name: str) -> LibraryColumn:
    return LibraryColumn(name, TypeFamily.BOOLEAN, "sqlalchemy.Boolean", nullable=False)


_FASTAPI_USERS_GUID = "fastapi_users_db_sqlalchemy.generics.GUID"
_USER_COLUMNS = (
    LibraryColumn(
        "email", TypeFamily.STRING, "sqlalchemy.String", nullable=False, unique=True, index=True
    ),
    _string("hashed_password"),
    _boolean("is_active"),
    _boolean("is_superuser"),
    _boolean("is_verified"),
)
_OAUTH_COLUMNS = (
    _string("oauth_name", indexed=True),
    _string("access_token"),
    LibraryColumn("expires_at", TypeFamily.INTEGER, "sqlalchemy.Integer", nullable=True),
    _string("refresh_token", nullable=True),
    _string("account_id", indexed=True),
    _string("account_email"),
)
# Before fastapi-users 10 the plain mixins added a GUID `id`; the generic ones of later versions
# leave it to the model (whose own `id` then shadows this one).
_OLD_ID = LibraryColumn(
    "id", TypeFamily.UUID, _FASTAPI_USERS_GUID, primary_key=True, nullable=False, optional=True
)
# The UUID mixins' key to the user (the generic ones leave `user_id` to the model).
_USER_ID = LibraryColumn(
    "user_id", TypeFamily.UUID, _FASTAPI_USERS_GUID, nullable=False, foreign_key="user.id"
)
# `fastapi_users_db_sqlalchemy.access_token`: the database strategy's token table.
_TOKEN_COLUMNS = (
    LibraryColumn(
        "token", TypeFamily.STRING, "sqlalchemy.String", primary_key=True, nullable=False
    ),
    LibraryColumn(
        "created_at",
        TypeFamily.DATETIME,
        "fastapi_users_db_sqlalchemy.generics.TIMESTAMPAware",
        nullable=False,
        index=True,
        client_default=True,
    ),
)
_FASTAPI_USERS = {
    found.name.rsplit(".", 1)[-1]: found
    for found in (
        LibraryClass(
            "fastapi_users_db_sqlalchemy.access_token.SQLAlchemyBaseAccessTokenTable",
            table_name="accesstoken",
            columns=_TOKEN_COLUMNS,
        ),
        LibraryClass(
            "fastapi_users_db_sqlalchemy.access_token.SQLAlchemyBaseAccessTokenTableUUID",
            table_name="accesstoken",
            columns=(*_TOKEN_COLUMNS, _USER_ID),
        ),
        LibraryClass(
            "fastapi_users_db_sqlalchemy.SQLAlchemyBaseUserTable",
            table_name="user",
            columns=(_OLD_ID, *_USER_COLUMNS),
        ),
        LibraryClass(
            "fastapi_users_db_sqlalchemy.SQLAlchemyBaseUserTableUUID",
            table_name="user",
            columns=(_id(TypeFamily.UUID, _FASTAPI_USERS_GUID), *_USER_COLUMNS),
        ),
        LibraryClass(
            "fastapi_users_db_sqlalchemy.SQLAlchemyBaseOAuthAccountTable",
            table_name="oauth_account",
            columns=(_OLD_ID, *_OAUTH_COLUMNS),
        ),
        LibraryClass(
            "fastapi_users_db_sqlalchemy.SQLAlchemyBaseOAuthAccountTableUUID",
            table_name="oauth_account",
            columns=(
                _id(TypeFamily.UUID, _FASTAPI_USERS_GUID),
                *_OAUTH_COLUMNS,
                _USER_ID,
            ),
        ),
    )
}


def _datetime(name: str, client_default: bool = False) -> LibraryColumn:
    return LibraryColumn(
        name,
        TypeFamily.DATETIME,
        "sqlalchemy.DateTime",
        nullable=True,
        client_default=client_default,
    )


_OSLO_DB = {
    found.name.rsplit(".", 1)[-1]: found
    for found in (
        LibraryClass("oslo_db.sqlalchemy.models.ModelBase"),
        LibraryClass(
            "oslo_db.sqlalchemy.models.TimestampMixin",
            columns=(_datetime("created_at", client_default=True), _datetime("updated_at")),
        ),
        LibraryClass(
            "oslo_db.sqlalchemy.models.SoftDeleteMixin",
            columns=(
                _datetime("deleted_at"),
                LibraryColumn(
                    "deleted",
                    TypeFamily.INTEGER,
                    "oslo_db.sqlalchemy.types.SoftDeleteInteger",
                    nullable=True,
                ),
            ),
        ),
    )
}


_SQLALCHEMY_HELPERS_BASE = LibraryClass(
    "sqlalchemy_helpers.Base", metadata=SQLALCHEMY_HELPERS_METADATA
)
_SQLALCHEMY_HELPERS_AIO_BASE = LibraryClass(
    "sqlalchemy_helpers.aio.Base", metadata=SQLALCHEMY_HELPERS_AIO_METADATA
)


def _sqlalchemy_helpers_base(parts: tuple[str, ...]) -> Optional[LibraryClass]:
    """`sqlalchemy_helpers.Base` (re-exported from `.manager`) or `sqlalchemy_helpers.aio.Base`."""
    if parts[0] != "sqlalchemy_helpers" or parts[-1] != "Base":
        return None
    return _SQLALCHEMY_HELPERS_AIO_BASE if "aio" in parts else _SQLALCHEMY_HELPERS_BASE


def _advanced_alchemy_module(parts: tuple[str, ...]) -> bool:
    """advanced-alchemy itself, or a Litestar module re-exporting it (`litestar.plugins.sqlalchemy.base`)."""
    return parts[0] == "advanced_alchemy" or (parts[0] == "litestar" and "sqlalchemy" in parts)


def external_base_metadata(qualname: str) -> str:
    """The metadata id of a declarative base an undeclared library defines (`sqlalchemy_helpers.Base`),
    named after the name it is imported by: every module importing it shares that one metadata."""
    module, _, name = qualname.rpartition(".")
    return f"{module}:{name}.metadata"


def _fastapi_users_module(parts: tuple[str, ...]) -> bool:
    """fastapi-users' SQLAlchemy package, or `fastapi_users.db`, which re-exports its mixins."""
    return parts[0] in ("fastapi_users_db_sqlalchemy", "fastapi_users")


def _oslo_db_class(parts: tuple[str, ...]) -> Optional[LibraryClass]:
    """The classes of `oslo_db.sqlalchemy.models` (other oslo.db modules declare none)."""
    return _OSLO_DB.get(parts[-1]) if parts[1:3] == ("sqlalchemy", "models") else None


def _advanced_alchemy_metadata(parts: tuple[str, ...]) -> Optional[str]:
    """`orm_registry`'s metadata, or that of an advanced-alchemy base (`parts` names the owner)."""
    if parts[-1] == "orm_registry":
        return ADVANCED_ALCHEMY_METADATA
    found = _ADVANCED_ALCHEMY.get(parts[-1])
    return found.metadata if found is not None else None


def _sqlalchemy_helpers_metadata(parts: tuple[str, ...]) -> Optional[str]:
    helpers = _sqlalchemy_helpers_base(parts)
    return helpers.metadata if helpers is not None else None


@dataclass(frozen=True)
class _Library:
    """One library declared here: which modules are its own, the class a qualified name of them
    names, and the metadata an owner of `.metadata` among them has (each given the name's parts)."""

    modules: Callable[[tuple[str, ...]], bool]
    class_named: Callable[[tuple[str, ...]], Optional[LibraryClass]]
    metadata_of: Callable[[tuple[str, ...]], Optional[str]] = lambda parts: None


# The one table `library_class`, `library_metadata` and `declares_module` dispatch on.
_LIBRARIES = (
    _Library(
        _advanced_alchemy_module,
        lambda parts: _ADVANCED_ALCHEMY.get(parts[-1]),
        _advanced_alchemy_metadata,
    ),
    _Library(_fastapi_users_module, lambda parts: _FASTAPI_USERS.get(parts[-1])),
    _Library(lambda parts: parts[0] == "oslo_db", _oslo_db_class),
    _Library(
        lambda parts: parts[0] == "sqlalchemy_helpers",
        _sqlalchemy_helpers_base,
        _sqlalchemy_helpers_metadata,
    ),
)


def _library(parts: tuple[str, ...]) -> Optional[_Library]:
    """The declared library whose module `parts` names, if any."""
    return next((library for library in _LIBRARIES if library.modules(parts)), None)


def library_class(qualname: str) -> Optional[LibraryClass]:
    """The library class a qualified name outside the project names, if declared here."""
    parts = tuple(qualname.split("."))
    library = _library(parts)
    return library.class_named(parts) if library is not None else None


def declares_module(dotted: str) -> bool:
    """Whether names imported from this module (or this `module.name`) may be library classes
    declared here: the packages `library_class` and `library_metadata` read."""
    return _library(tuple(dotted.split("."))) is not None


def library_metadata(qualname: str) -> Optional[str]:
    """The metadata id of `advanced_alchemy.base.orm_registry.metadata` (or a base's `.metadata`),
    or of a sqlalchemy-helpers base's `.metadata`."""
    parts = tuple(qualname.split("."))
    if len(parts) < 3 or parts[-1] != "metadata":
        return None
    library = _library(parts[:-1])
    return library.metadata_of(parts[:-1]) if library is not None else None


def is_metadata_registry_get(qualname: str) -> bool:
    """`advanced_alchemy.base.metadata_registry.get`: the metadata of a bind key."""
    parts = tuple(qualname.split("."))
    return (
        len(parts) >= 3
        and parts[-2:] == ("metadata_registry", "get")
        and _advanced_alchemy_module(parts)
    )
