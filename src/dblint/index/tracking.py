"""Which metadata Alembic tracks, per script location.

Order (design.md "Tracked metadata"): the `target-metadata` setting; then env.py's
`target_metadata = ...` / `context.configure(target_metadata=...)` (a name, an
attribute chain, a list or tuple, a dict by database (Alembic's `multidb` template), a call
combining metadata, Flask-Migrate's
`current_app.extensions["migrate"].db.metadata` / `get_metadata()`); then the
metadata with the most tables. When env.py names something we cannot resolve,
the tracked set is unknown (`Tracking.metadata is None`) and rules stay silent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Optional

from dblint.contexts import FileContext, ScriptLocation, looks_like_env
from dblint.facts.model import DICT_SPREAD, Binding, Expr, FileFacts
from dblint.index.holders import (
    SQLMODEL_METADATA,
    HolderDef,
    MetadataIds,
    bind_metadata,
    display,
)
from dblint.index.imports import is_migrate_setup
from dblint.index.library_bases import (
    ADVANCED_ALCHEMY_METADATA,
    LIBRARY_METADATA,
    is_metadata_registry_get,
)
from dblint.index.revisions import revision_graphs
from dblint.index.symbols import Defined, External
from dblint.pathmatch import matches

if TYPE_CHECKING:
    from dblint.index.project import ProjectIndex


@dataclass(frozen=True)
class Tracking:
    """The metadata one Alembic script location compares against."""

    location: ScriptLocation
    metadata: Optional[tuple[str, ...]]  # None: could not be resolved statically
    source: str  # "config" | "env.py" | "flask-migrate" | "largest"
    env_path: Optional[str]  # the env.py read, when it exists
    description: str  # for messages: "migrations/env.py tracks SQLModel.metadata"
    # Flask-Migrate's multi-database env.py: each bind's metadata (`db.metadatas[bind]`) is
    # compared too, also that of a base with `__bind_key__` a library registers there.
    every_bind: bool = False


@dataclass
class _Found:
    ids: set[str]
    unknown: bool = False
    flask: bool = False
    why: list[str] = field(default_factory=list)  # what could not be resolved, for the description
    every_bind: bool = False

    def merge(self, other: _Found) -> None:
        self.ids |= other.ids
        self.unknown = self.unknown or other.unknown
        self.flask = self.flask or other.flask
        self.every_bind = self.every_bind or other.every_bind
        self.why += other.why


class TrackingReader:
    def __init__(
        self,
        index: ProjectIndex,
        ids: MetadataIds,
        holders: Iterable[HolderDef],
        counts: Counter[str],
    ) -> None:
        self.index = index
        self.ids = ids
        self.holders = list(holders)
        self.counts = counts

    def all(self) -> tuple[Tracking, ...]:
        declared = tuple(
            self.location(location)
            for location in self.index.script_locations
            if not self._names_nothing(location)
        )
        inferred = (self._inferred_tracking(location) for location in self._inferred())
        undeclared = tuple(tracking for tracking in inferred if tracking is not None)
        return declared + undeclared + self._flask_alembic()

    def _inferred_tracking(self, location: ScriptLocation) -> Optional[Tracking]:
        """What the env.py beside revisions found by their shape tracks; None without an env.py,
        or for one of the test paths that hands Alembic to other code (a test's harness: its
        unknown tracking would silence the application's DBL201/DBL202)."""
        if location.env_path not in self.index.files:
            return None
        if self._configures_alembic(location.env_path):
            return self.location(location)
        if matches(location.env_path, self.index.settings.test_paths):
            return None
        return self._handed_over(location)

    def unread(self) -> tuple[ScriptLocation, ...]:
        """The declared script locations that name nothing in the repository: no environments."""
        return tuple(
            location for location in self.index.script_locations if self._names_nothing(location)
        )

    def _names_nothing(self, location: ScriptLocation) -> bool:
        """A script location an alembic.ini or pyproject.toml declares whose env.py and revisions are
        not in the repository: what it would compare against is nothing dblint can read, so it
        is no environment (guessing the largest metadata would make a phantom one)."""
        if location.source == "config" or location.env_path in self.index.files:
            return False
        return not any(
            graph.revisions and graph.location.directory == location.directory
            for graph in revision_graphs(self.index)
        )

    def _configures_alembic(self, env_path: str) -> bool:
        """An env.py beside inferred revisions: an Alembic environment file by its context, or one
        that configures Alembic in code (`config.set_main_option("script_location", ...)`,
        as aiida-core does)."""
        if self.index.contexts.get(env_path) == FileContext.ALEMBIC_ENV:
            return True
        facts = self.index.files.get(env_path)
        return facts is not None and looks_like_env(facts)

    def _handed_over(self, location: ScriptLocation) -> Tracking:
        """The env.py beside revisions found by their shape that does not configure Alembic's
        context itself: Alembic runs it all the same (every script directory has one), and it hands
        the configuration to code dblint does not read (sourcehut's `from srht.database import
        alembic_env; alembic_env()`), so what Alembic tracks is unknown, not nothing."""
        env_path = location.env_path
        facts = self.index.files[env_path]
        outside = sorted(
            {
                imp.module
                for imp in facts.imports
                if not imp.level and self.index.resolver.project_module(imp.module) is None
            }
        )
        hands = f" (it imports {', '.join(outside)})" if outside else ""
        text = (
            f"{env_path}: what Alembic tracks is unknown: it does not configure Alembic's "
            f"context itself{hands}"
        )
        return Tracking(location, None, "env.py", env_path, text)

    def _inferred(self) -> list[ScriptLocation]:
        """The script locations of revision files found by their shape. One beside an env.py is
        an environment configured in code or by an ini file dblint does not read (named
        otherwise, `configs/manager/halfstack.alembic.ini`, or written at deployment): that
        env.py says what it tracks, as for a declared one."""
        return sorted(
            {
                graph.location
                for graph in revision_graphs(self.index)
                if graph.location.source == "inferred"
            },
            key=lambda location: location.directory,
        )

    def _flask_alembic(self) -> tuple[Tracking, ...]:
        """Flask-Alembic configures Alembic in code (no alembic.ini; it brings its own env.py) and
        compares against the Flask-SQLAlchemy `db`'s metadata, every bind's. Its script locations
        are those of the revision files found by their shape, where no env.py is."""
        if not _uses_flask_alembic(self.index):
            return ()
        locations = [
            location for location in self._inferred() if location.env_path not in self.index.files
        ]
        if self.index.settings.target_metadata:
            return tuple(self.location(location) for location in locations)
        if len(locations) > 1:  # version locations set in code may join them into one history
            why = f"Flask-Alembic's {len(locations)} revision directories may be one history"
            found = _Found(set(), unknown=True, why=[f"{why}: what each tracks is unknown"])
        else:
            found = self._flask_db(set(), all_binds=True, extension="Flask-Alembic")
        names = self._names(found)
        where = "; ".join(found.why) if found.why else f"tracks {self._show(names)}"
        return tuple(
            Tracking(location, names, "flask-alembic", None, f"Flask-Alembic {where}")
            for location in locations
        )

    def location(self, location: ScriptLocation) -> Tracking:
        env_path = location.env_path if location.env_path in self.index.files else None
        configured = self.index.settings.target_metadata
        if configured:
            found = self._configured(configured)
            names = self._names(found)
            return Tracking(
                location,
                names,
                "config",
                env_path,
                f"the target-metadata setting tracks {self._show(names)}",
            )
        if env_path is not None:
            facts: FileFacts = self.index.files[env_path]
            found = self._env(facts)
            if found.flask:
                found.merge(self._flask(facts))
            if found.ids or found.unknown:
                names = self._names(found)
                source = "flask-migrate" if found.flask else "env.py"
                if names is None:
                    text = f"{env_path}: what Alembic tracks is unknown: {'; '.join(dict.fromkeys(found.why))}"
                else:
                    text = f"{env_path} tracks {self._show(names)}"
                return Tracking(location, names, source, env_path, text, found.every_bind)
        largest = self._largest()
        where = env_path or location.directory or "the Alembic script location"
        sets = "sets no target_metadata"
        unset = _unset(self.index.files[env_path]) if env_path is not None else None
        if unset is not None:
            sets = f"sets target_metadata = {unset} (no autogenerate)"
        if largest is None:
            text = f"{where} {sets} and several metadata have the most tables: what Alembic tracks is unknown"
        elif not largest:
            text = f"{where} {sets}, and the project declares no metadata: Alembic tracks no table"
        else:
            text = (
                f"{where} {sets}; assuming {self._show(largest)}, the metadata with the most tables"
            )
        return Tracking(location, largest, "largest", env_path, text)

    @staticmethod
    def _names(found: _Found) -> Optional[tuple[str, ...]]:
        return None if found.unknown else tuple(sorted(found.ids))

    @staticmethod
    def _show(names: Optional[tuple[str, ...]]) -> str:
        return ", ".join(display(name) for name in names) if names else "no metadata"

    def _configured(self, entries: tuple[str, ...]) -> _Found:
        found = _Found(set())
        for entry in entries:
            resolved = self.configured_id(entry)
            if resolved is None:
                found.unknown = True
            else:
                found.ids.add(resolved)
        return found

    def configured_id(self, entry: str) -> Optional[str]:
        """The metadata a `target-metadata` entry (`module:Base.metadata`) names, or None."""
        if entry == SQLMODEL_METADATA or entry.split("[bind=", 1)[0] in LIBRARY_METADATA:
            return self.ids.canonical(entry)
        module, _, dotted = entry.partition(":")
        project = self.index.resolver.project_module(module) if dotted else None
        return self.ids.of_name(project, dotted, "") if project else None

    def _env(self, facts: FileFacts) -> _Found:
        module = self.index.module_of(facts.path)
        found = _Found(set())
        configured = [
            (call, given)
            for call in facts.calls
            if call.expr.text.endswith("configure")
            for given in (call.expr.keyword("target_metadata"),)
            if given is not None
        ]
        for binding in facts.bindings:
            if binding.name != "target_metadata" or binding.value is None:
                continue
            if configured and binding.value.kind == "dict":
                continue  # a table of metadata by database: configure() says which one it gives
            found.merge(self._evaluate(module, binding.value, binding.scope))
        for call, given in configured:
            found.merge(self._evaluate(module, given, call.scope))
        copied = [call.expr.text for call in facts.calls if call.expr.text.endswith("._add_table")]
        if found.ids and copied:
            # glance: `for table in models_metadef.BASE_DICT.metadata.sorted_tables:
            # target_metadata._add_table(...)` tracks tables of metadata the loop reads.
            found.unknown = True
            found.why.append(f"`{copied[0]}()` adds tables of other metadata to it")
        return found

    def _evaluate(self, module: str, expr: Expr, scope: str, depth: int = 0) -> _Found:
        if depth > 8 or (expr.kind == "const" and expr.text == "None"):
            return _Found(set())
        if "extensions[]" in expr.text or (
            expr.kind == "call" and expr.text.rsplit(".", 1)[-1] == "get_metadata"
        ):
            return _Found(set(), flask=True)
        attribute = _literal_getattr(expr)
        if attribute is not None:  # `getattr(Base, "metadata", None)` is `Base.metadata`
            return self._evaluate(module, attribute, scope, depth + 1)
        if expr.kind == "call" and self._registry_get(module, expr.text, scope):
            return self._bind_key_metadata(expr)
        if expr.kind == "call" and not expr.args:
            made = self.ids.of_expr(
                module, expr, scope
            )  # `get_orm_metadata()` returning `Base.metadata`
            if made is not None:
                return _Found({made})
        if expr.kind == "dict":
            return self._per_database(module, expr, scope, depth)
        looked_up = self._looked_up(module, expr, scope)
        if looked_up is not None:  # the multidb template's `target_metadata.get(name)`
            where, value, value_scope = looked_up
            if value is None:
                key = expr.args[0].text
                why = f"target_metadata looks up the key {key!r}, which the dict does not hold"
                return _Found(set(), unknown=True, why=[why])
            return self._evaluate(where, value, value_scope, depth + 1)
        if expr.kind == "list" or (
            expr.kind == "call" and expr.args and not expr.text.endswith("MetaData")
        ):
            found = _Found(set())
            for item in expr.args:
                found.merge(self._evaluate(module, item, scope, depth + 1))
            if found.unknown and expr.kind == "call":
                found.why = [_unresolved(expr)]  # the call as a whole, not each argument
            return found
        if expr.kind == "name":
            resolved = self.ids.of_name(module, expr.text, scope)
            if resolved is not None:
                return _Found({resolved})
            bound = self.ids.names.binding(module, expr.text, scope)
            if (
                bound is not None
                and bound[1].value is not None
                and bound[1].value.kind in ("list", "dict", "const", "call", "other")
            ):
                return self._evaluate(bound[0], bound[1].value, bound[1].scope, depth + 1)
            if self._mentions_flask(module, expr.text, scope):
                return _Found(set(), flask=True)
            expr = self._as_bound(module, expr, scope)
        return _Found(set(), unknown=True, why=[_unresolved(expr)])

    def _looked_up(
        self, module: str, expr: Expr, scope: str
    ) -> Optional[tuple[str, Optional[Expr], str]]:
        """`mapping.get(key)` or `mapping[key]` of a name bound to a dict display, with the module
        and scope to read it in: the value of a literal key (`METADATAS["main"]`; for a key the
        dict lacks, `None` through `.get()`, else None: unknown), else the dict, whose values are
        the metadata one of them is (the multidb template's `target_metadata.get(name)`, for each
        database in turn)."""
        if expr.kind == "call" and expr.text.endswith(".get") and len(expr.args) == 1:
            receiver = expr.text[: -len(".get")]
        elif expr.kind == "subscript" and len(expr.args) == 1:
            receiver = expr.text
        else:
            return None
        bound = self.ids.names.binding(module, receiver, scope)
        if bound is None or bound[1].value is None or bound[1].value.kind != "dict":
            return None
        mapping, key = bound[1].value, expr.args[0]
        if key.kind == "str" and mapping.text != DICT_SPREAD:
            value = dict(mapping.keywords).get(key.text)
            if value is None and expr.kind == "call":
                value = Expr("const", "None")  # what `.get()` returns for a key the dict lacks
            return bound[0], value, bound[1].scope
        return bound[0], mapping, bound[1].scope

    def _per_database(self, module: str, expr: Expr, scope: str, depth: int) -> _Found:
        """Alembic's `multidb` template: `{"engine1": Base1.metadata, ...}`, the metadata of each
        database; together they are what is tracked (`{}`, the template's default: nothing)."""
        if expr.text == DICT_SPREAD:
            return _Found(
                set(),
                unknown=True,
                why=["target_metadata is a dict that unpacks another mapping (`**`)"],
            )
        values = [value for _, value in expr.keywords] + [pair.args[-1] for pair in expr.args]
        found = _Found(set())
        for value in values:
            found.merge(self._evaluate(module, value, scope, depth + 1))
        return found

    def _as_bound(self, module: str, name: Expr, scope: str) -> Expr:
        """A name as what it stands for (`target_metadata` for `db_interface.Base.metadata`),
        so that env.py's binding and `configure(target_metadata=target_metadata)` give one reason."""
        resolution = self.ids.names.target(module, name.text, scope)
        if resolution is None or not isinstance(resolution.target, Defined):
            return name
        node = resolution.target.node
        if not isinstance(node, Binding) or not resolution.rest:
            return name
        return replace(name, text=".".join((node.name, *resolution.rest)))

    def _registry_get(self, module: str, callee: str, scope: str) -> bool:
        resolution = self.ids.names.target(module, callee, scope) if callee else None
        return (
            resolution is not None
            and isinstance(resolution.target, External)
            and is_metadata_registry_get(".".join((resolution.target.qualname, *resolution.rest)))
        )

    def _bind_key_metadata(self, call: Expr) -> _Found:
        """advanced-alchemy's `metadata_registry.get(bind_key)`: the default metadata for no key or
        `None`, a bind's for a literal key. A computed key (`config.bind_key`) is the default only
        when no table is on another bind of that metadata; else what is tracked is unknown."""
        base = self.ids.canonical(ADVANCED_ALCHEMY_METADATA) or ADVANCED_ALCHEMY_METADATA
        key = call.args[0] if call.args else call.keyword("bind_key")
        if key is None or (key.kind == "const" and key.text == "None"):
            return _Found({base})
        if key.kind == "str":
            return _Found({bind_metadata(base, key.text)})
        if not any(name.startswith(base + "[bind=") for name in self.counts):
            return _Found({base})
        return _Found(
            set(),
            unknown=True,
            why=[f"{_unresolved(call)}: its bind key is computed and tables are on several binds"],
        )

    def _mentions_flask(self, module: str, dotted: str, scope: str) -> bool:
        """`target_db.metadata` where `target_db = current_app.extensions["migrate"].db`."""
        head = dotted.split(".", 1)[0]
        found = self.ids.names.binding(module, head, scope)
        return (
            found is not None
            and found[1].value is not None
            and "extensions[]" in found[1].value.text
        )

    def _flask(self, facts: FileFacts) -> _Found:
        """Flask-Migrate: the project's `SQLAlchemy()`; all binds with the multi-database template."""
        all_binds = any(binding.name == "bind_names" for binding in facts.bindings)
        found = self._flask_db(self._migrate_dbs(), all_binds, "Flask-Migrate")
        found.every_bind = all_binds
        return found

    def _flask_db(self, given: set[str], all_binds: bool, extension: str) -> _Found:
        """The metadata of the one Flask-SQLAlchemy `db` an extension uses (`given`, else the
        project's only one), with its binds' when `all_binds`."""
        dbs = given or {holder.metadata for holder in self.holders if holder.kind == "flask-db"}
        if len(dbs) != 1:
            why = (
                f"{extension}'s db is one of {len(dbs)} SQLAlchemy() objects"
                if dbs
                else f"{extension}'s db is not found"
            )
            return _Found(set(), unknown=True, why=[why])
        base = dbs.pop()
        ids = {base}
        if all_binds:
            ids |= {name for name in self.counts if name.startswith(base + "[bind=")}
        return _Found(ids)

    def _migrate_dbs(self) -> set[str]:
        found: set[str] = set()
        for path, facts in self.index.files.items():
            module = self.index.module_of(path)
            for call in facts.calls:
                if not is_migrate_setup(call.expr):
                    continue
                db = call.expr.keyword("db") or (
                    call.expr.args[1] if len(call.expr.args) > 1 else None
                )
                if db is not None and db.kind == "name":
                    resolved = self.ids.owner(module, db.text, call.scope)
                    if resolved is not None:
                        found.add(resolved)
        return found

    def _largest(self) -> Optional[tuple[str, ...]]:
        ranked = self.counts.most_common()
        if not ranked:
            return ()
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            return None
        return (ranked[0][0],)


def _unset(facts: FileFacts) -> Optional[str]:
    """How env.py leaves `target_metadata` unset, as Alembic's templates do before it is filled
    in: `None` (the generic template), `{}` (the multidb template); None when it does not."""
    for binding in facts.bindings:
        value = binding.value
        if binding.name != "target_metadata" or value is None:
            continue
        if value.kind == "const" and value.text == "None":
            return "None"
        if value.kind == "dict" and not (value.text or value.args or value.keywords):
            return "{}"
    return None


def _uses_flask_alembic(index: ProjectIndex) -> bool:
    """Whether a file of the project imports Flask-Alembic."""
    return any(
        not imp.level and imp.module.split(".", 1)[0] == "flask_alembic"
        for facts in index.files.values()
        for imp in facts.imports
    )


def _unresolved(expr: Expr) -> str:
    """Why tracking is unknown, naming the expression env.py sets target_metadata to."""
    if not expr.text:  # a comprehension, a conditional, a lambda: nothing to name
        return "target_metadata is an expression dblint does not read statically"
    shown = f"{expr.text}(...)" if expr.kind == "call" else expr.text
    return f"target_metadata `{shown}` cannot be resolved statically"


def _literal_getattr(expr: Expr) -> Optional[Expr]:
    """`getattr(name, "attribute"[, default])` as the name `name.attribute`, else None."""
    if expr.kind != "call" or expr.text != "getattr" or len(expr.args) not in (2, 3):
        return None
    owner, attribute = expr.args[0], expr.args[1]
    if owner.kind != "name" or attribute.kind != "str" or not attribute.text.isidentifier():
        return None
    return Expr("name", f"{owner.text}.{attribute.text}", line=expr.line, column=expr.column)
