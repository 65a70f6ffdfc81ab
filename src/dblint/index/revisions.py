"""The Alembic revision graph of each script location, read from revision headers.

Public API (used by the revision-graph rules, the replay and the inventory):

- `revision_graphs(index) -> tuple[RevisionGraph, ...]`, one per script location
  that holds revision files, sorted by directory (built on first use, kept
  by `ProjectIndex.view`). Revision files that no
  configured location holds (found by the `looks_like_revision` fallback) are grouped
  by their nearest `versions` directory. A version directory whose first-level
  subdirectories hold separate trees (each with its own root, none referring to
  another's revisions: one tree per database dialect, of which env.py picks one) gives
  one graph per subdirectory, named by `subtree`. A subdirectory beside revisions read
  directly, whose history links to none of theirs, is not read at all unless the
  configuration sets `recursive_version_locations = true`, as Alembic does (zou's
  `versions/legacy/`).
- `RevisionGraph`: `revisions` (id -> `Revision`; for a duplicated id, the file
  Alembic keeps, the last by path), `duplicates`, `heads`, `roots`, `missing`
  (parents named but absent), `cycles`, `order` (parents before children; revisions on
  or after a cycle are left out), `unrooted` (revisions whose history starts at a
  missing or unreadable `down_revision`), `unreadable` (files of its version directories that
  could not be parsed: their revisions are unknown), and helpers for ancestors, branch points,
  shared ancestries and the branch labels each revision carries.

`branch_labels` written with names (`(cli.EXPAND_BRANCH,)`, a module-level tuple) are
resolved to the string constants they name anywhere in the project; a label that
cannot be resolved still counts as a label of its own.

Every algorithm here is iterative: a chain of thousands of revisions is ordinary.
"""

from __future__ import annotations

import dataclasses
import heapq
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from dblint.contexts import FileContext, ScriptLocation
from dblint.facts.model import Binding, Expr
from dblint.facts.revision_header import RevisionHeader, revision_header
from dblint.index.symbols import Defined

if TYPE_CHECKING:
    from dblint.index.project import ProjectIndex

MAX_LABEL_HOPS = 8


@dataclass(frozen=True)
class Revision:
    path: str
    header: RevisionHeader
    labels_unresolved: bool = (
        False  # some `branch_labels` entry names no string constant we can read
    )

    @property
    def id(self) -> str:
        return self.header.revision

    @property
    def labelled(self) -> bool:
        return bool(self.header.branch_labels) or self.labels_unresolved

    @property
    def label_keys(self) -> tuple[str, ...]:
        """Its labels; an unresolved one stands for a label no other revision shares."""
        return self.header.branch_labels + ((f"\0{self.id}",) if self.labels_unresolved else ())


@dataclass(frozen=True)
class MissingParent:
    """`down_revision` / `depends_on` of `child` names `parent`, which no file declares."""

    child: Revision
    parent: str
    via: str  # "down_revision" or "depends_on"


@dataclass
class RevisionGraph:
    location: ScriptLocation
    revisions: dict[str, Revision]
    duplicates: dict[str, tuple[Revision, ...]]
    labels: dict[str, str]  # branch label -> revision id
    heads: tuple[str, ...] = ()
    roots: tuple[str, ...] = ()
    missing: tuple[MissingParent, ...] = ()
    cycles: tuple[tuple[str, ...], ...] = ()
    order: tuple[str, ...] = ()
    children: dict[str, tuple[str, ...]] = field(default_factory=dict)
    subtree: str = (
        ""  # the subdirectory holding this graph when its version directory holds several trees
    )
    # Files of the location's version directories that could not be read (DBL001: a Python 2
    # revision's `print` statement): their revisions, parents and operations are unknown.
    unreadable: tuple[str, ...] = ()
    # Revision files read only as far as their header (too large for LibCST): their place in the
    # graph is known, their operations are not.
    opaque: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """True when every revision's parents are known and present, every revision file could be
        read and the graph has no cycle."""
        return (
            not self.unreadable
            and not self.opaque
            and not self.missing
            and not self.cycles
            and not self.duplicates
            and all(revision.header.down_known for revision in self.revisions.values())
        )

    def parents(self, revision_id: str) -> tuple[str, ...]:
        """Down revisions and dependencies (branch labels resolved) that exist."""
        revision = self.revisions[revision_id]
        found = [parent for parent in revision.header.down_revisions if parent in self.revisions]
        for dependency in revision.header.depends_on:
            target = dependency if dependency in self.revisions else self.labels.get(dependency)
            if target is not None:
                found.append(target)
        return tuple(dict.fromkeys(found))

    def ancestors(self, revision_id: str) -> set[str]:
        """The revision and everything below it along `down_revision`."""
        seen = {revision_id}
        stack = [revision_id]
        while stack:
            current = stack.pop()
            for parent in self.revisions[current].header.down_revisions:
                if parent in self.revisions and parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return seen

    def descendants(self, revision_id: str) -> set[str]:
        """The revision and everything above it along `down_revision`."""
        seen = {revision_id}
        stack = [revision_id]
        while stack:
            for child in self.children.get(stack.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return seen

    def on_one_ancestry(self, first: str, second: str) -> bool:
        """True when upgrading to some revision runs both: one descends from the other, or a merge joins them."""
        return not self.descendants(first).isdisjoint(self.descendants(second))

    def separate_histories(self, first: str, second: str) -> bool:
        """True when two revisions share no ancestor, each history starts at a root of its own
        (not at a missing `down_revision`) and none of it is a branch on purpose (`branch_labels`,
        `depends_on`): `alembic upgrade heads` runs both on one database, and no merge can
        reconcile them (two "initial" revisions side by side)."""
        below_first, below_second = self.ancestors(first), self.ancestors(second)
        if not below_first.isdisjoint(below_second) or {first, second} & self.unrooted:
            return False
        return not self._on_purpose(below_first | below_second)

    def unmerged_branches(self, first: str, second: str) -> bool:
        """True when two revisions grow from a common ancestor on branches no merge joins, and
        none of either branch is a branch on purpose (`branch_labels`, `depends_on`): `alembic
        upgrade heads` runs both on one database, and a merge of the heads would run both too."""
        below_first, below_second = self.ancestors(first), self.ancestors(second)
        if (
            below_first.isdisjoint(below_second)
            or {first, second} & self.unrooted
            or self.on_one_ancestry(first, second)
        ):
            return False
        above = self.descendants(first) | self.descendants(second)
        return not self._on_purpose(below_first | below_second | above)

    def between_branches(self, earlier: str, later: str) -> set[str]:
        """Revisions of two unmerged branches that `upgrade heads` may run after `earlier` and
        before `later`: the rest of `earlier`'s branch, and `later`'s branch below it."""
        own = self.ancestors(later) - self.ancestors(earlier)
        return (self.descendants(earlier) | own) - {earlier, later}

    def _on_purpose(self, revisions: Iterable[str]) -> bool:
        """Whether any of the revisions is part of a branch on purpose (`branch_labels`, `depends_on`)."""
        return any(
            self.revisions[rid].labelled or self.revisions[rid].header.depends_on
            for rid in revisions
        )

    @property
    def unrooted(self) -> frozenset[str]:
        """Revisions whose history starts at a `down_revision` that is missing or cannot be read.

        Alembic would treat the missing link as a root, but the schema below it is unknown.
        """
        starts = {m.child.id for m in self.missing if m.via == "down_revision"}
        starts.update(
            rid for rid, revision in self.revisions.items() if not revision.header.down_known
        )
        found: set[str] = set()
        for start in sorted(starts):
            if start not in found:
                found |= self.descendants(start)
        return frozenset(found)

    def diverge_points(self, heads: Iterable[str]) -> tuple[str, ...]:
        """The latest revisions all of `heads` descend from (empty when they share none)."""
        heads = list(heads)
        if not heads:
            return ()
        common = self.ancestors(heads[0])
        for head in heads[1:]:
            common &= self.ancestors(head)
        latest = [
            rev
            for rev in common
            if not any(child in common for child in self.children.get(rev, ()))
        ]
        return tuple(sorted(latest))

    def branch_labels(self, revision_id: str) -> frozenset[str]:
        """The labels Alembic gives a revision: its own and those of every revision below it.

        (Alembic hands a label to all descendants along `down_revision`, which is the same
        as collecting the labels of all ancestors.)
        """
        return frozenset(
            key for rid in self.ancestors(revision_id) for key in self.revisions[rid].label_keys
        )

    @property
    def labels_unresolved(self) -> bool:
        return any(revision.labels_unresolved for revision in self.revisions.values())


def _location_files(index: ProjectIndex) -> list[tuple[ScriptLocation, list[str]]]:
    """Migration files grouped by the script location (deepest version directory) holding them."""
    dirs = sorted(
        (
            (versions, location)
            for location in index.script_locations
            for versions in location.version_dirs
        ),
        key=lambda item: (-len(item[0]), item[0]),
    )
    grouped: dict[ScriptLocation, list[str]] = {}
    for path in sorted(index.files):
        if index.contexts.get(path) != FileContext.MIGRATION:
            continue
        location = next(
            (
                loc
                for versions, loc in dirs
                if not versions or path.startswith(versions.rstrip("/") + "/")
            ),
            None,
        )
        if location is None:
            location = _inferred_location(path)
        grouped.setdefault(location, []).append(path)
    return sorted(grouped.items(), key=lambda item: item[0].directory)


def _inferred_location(path: str) -> ScriptLocation:
    """A location for a revision file no configuration names: its `versions` directory's parent."""
    directory = posixpath.dirname(path)
    parts = directory.split("/")
    if "versions" in parts:
        cut = len(parts) - 1 - parts[::-1].index("versions")
        versions = "/".join(parts[: cut + 1])
    else:
        versions = directory
    return ScriptLocation(posixpath.dirname(versions), (versions,), "inferred")


def _subtree(location: ScriptLocation, path: str) -> str:
    """The first-level subdirectory of the (deepest) version directory holding `path`; "" directly in one."""
    for versions in sorted(location.version_dirs, key=lambda item: (-len(item), item)):
        prefix = versions.rstrip("/") + "/" if versions else ""
        if path.startswith(prefix):
            rest = path[len(prefix) :]
            return prefix + rest.split("/", 1)[0] if "/" in rest else ""
    return ""


def _trees(location: ScriptLocation, revisions: list[Revision]) -> list[tuple[str, list[Revision]]]:
    """The revisions split into separate trees by subdirectory, or kept whole.

    They split only when the subdirectories look like copies of one history for
    different databases (named after dialects, or declaring the same revision ids),
    every subdirectory has a root of its own and no revision names (as
    `down_revision` or `depends_on`) a revision or branch label that only another
    subdirectory declares. Release directories chained into each other (neutron's
    `versions/liberty/expand`) stay one graph, and so does a `versions/2025/` whose
    first revision forgot its parent.
    """
    groups: dict[str, list[Revision]] = {}
    for revision in revisions:
        groups.setdefault(_subtree(location, revision.path), []).append(revision)
    if len(groups) < 2 or not _parallel(groups):
        return [("", revisions)]
    declared = {name for revision in revisions for name in _names(revision)}
    unresolved = any(
        revision.labels_unresolved for revision in revisions
    )  # such a label may be any name
    for members in groups.values():
        own = {name for revision in members for name in _names(revision)}
        if not any(revision.header.is_root for revision in members):
            return [("", revisions)]
        for revision in members:
            for name in (*revision.header.down_revisions, *revision.header.depends_on):
                if name not in own and (name in declared or unresolved):
                    return [("", revisions)]
    return sorted(groups.items())


# Subdirectory names that say "the history of this database" (prefect's `versions/postgresql`).
_DIALECT_DIRECTORIES = frozenset(
    {
        "postgresql",
        "postgres",
        "pg",
        "sqlite",
        "mysql",
        "mariadb",
        "mssql",
        "oracle",
        "duckdb",
        "cockroachdb",
    }
)


def _parallel(groups: dict[str, list[Revision]]) -> bool:
    """Subdirectories that are one history per database: dialect names, or the same revision ids."""
    if all(subtree.rsplit("/", 1)[-1].lower() in _DIALECT_DIRECTORIES for subtree in groups):
        return True
    seen: set[str] = set()
    for members in groups.values():
        ids = {revision.id for revision in members}
        if ids & seen:
            return True
        seen |= ids
    return False


def _names(revision: Revision) -> tuple[str, ...]:
    """What another revision may name it by: its id and its branch labels."""
    return (revision.id, *revision.header.branch_labels)


def build_graph(
    location: ScriptLocation, revisions: list[Revision], subtree: str = ""
) -> RevisionGraph:
    """The graph of one location's revisions (given sorted by path)."""
    by_id: dict[str, list[Revision]] = {}
    for revision in revisions:
        by_id.setdefault(revision.id, []).append(revision)
    chosen = {rid: found[-1] for rid, found in by_id.items()}
    duplicates = {rid: tuple(found) for rid, found in sorted(by_id.items()) if len(found) > 1}
    labels: dict[str, str] = {}
    for rid in sorted(chosen):
        for label in chosen[rid].header.branch_labels:
            labels.setdefault(label, rid)
    graph = RevisionGraph(
        location, dict(sorted(chosen.items())), duplicates, labels, subtree=subtree
    )
    missing: list[MissingParent] = []
    children: dict[str, list[str]] = {}
    labels_unresolved = graph.labels_unresolved  # a `depends_on` may name such a label
    referenced: set[str] = set()
    for rid, revision in graph.revisions.items():
        for parent in revision.header.down_revisions:
            if parent in graph.revisions:
                referenced.add(parent)
                children.setdefault(parent, []).append(rid)
            else:
                missing.append(MissingParent(revision, parent, "down_revision"))
        for dependency in revision.header.depends_on:
            if (
                dependency not in graph.revisions
                and dependency not in labels
                and not labels_unresolved
            ):
                missing.append(MissingParent(revision, dependency, "depends_on"))
    graph.missing = tuple(missing)
    graph.children = {rid: tuple(sorted(kids)) for rid, kids in children.items()}
    graph.heads = tuple(rid for rid in graph.revisions if rid not in referenced)
    graph.roots = tuple(rid for rid, rev in graph.revisions.items() if rev.header.is_root)
    graph.cycles = _cycles(graph)
    graph.order = _topological_order(graph)
    return graph


def _cycles(graph: RevisionGraph) -> tuple[tuple[str, ...], ...]:
    """Strongly connected components with a cycle (Tarjan's algorithm, iteratively)."""
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[tuple[str, ...]] = []
    counter = 0
    for start in graph.revisions:
        if start in index_of:
            continue
        work: list[tuple[str, int]] = [(start, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index_of[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            parents = graph.parents(node)
            if position < len(parents):
                work.append((node, position + 1))
                parent = parents[position]
                if parent not in index_of:
                    work.append((parent, 0))
                elif parent in on_stack:
                    low[node] = min(low[node], index_of[parent])
                continue
            if low[node] == index_of[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in parents:
                    found.append(tuple(sorted(component)))
            if work:
                caller = work[-1][0]
                low[caller] = min(low[caller], low[node])
    return tuple(sorted(found))


def _topological_order(graph: RevisionGraph) -> tuple[str, ...]:
    """Parents before children, ties broken by path then id; cycles and what follows them left out."""
    pending = {rid: len(graph.parents(rid)) for rid in graph.revisions}
    dependants: dict[str, list[str]] = {}
    for rid in graph.revisions:
        for parent in graph.parents(rid):
            dependants.setdefault(parent, []).append(rid)
    ready = [(graph.revisions[rid].path, rid) for rid, count in pending.items() if count == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, rid = heapq.heappop(ready)
        order.append(rid)
        for child in dependants.get(rid, ()):
            pending[child] -= 1
            if pending[child] == 0:
                heapq.heappush(ready, (graph.revisions[child].path, child))
    return tuple(order)


def _holds(members: list[Revision], path: str) -> bool:
    return any(revision.path == path for revision in members)


def revision_graphs(index: ProjectIndex) -> tuple[RevisionGraph, ...]:
    """One graph per script location that holds revision files."""
    return index.view(_build_graphs)


def _build_graphs(index: ProjectIndex) -> tuple[RevisionGraph, ...]:
    graphs: list[RevisionGraph] = []
    for location, paths in _location_files(index):
        revisions: list[Revision] = []
        unreadable: list[str] = []
        opaque: list[str] = []
        for path in paths:
            facts = index.files[path]
            if path.endswith("/__init__.py"):
                continue
            header = revision_header(facts)
            if facts.error is not None:
                # Too large for LibCST, a revision still has its header (`facts.oversized`).
                (opaque if header is not None else unreadable).append(path)
            if header is not None:
                revisions.append(_with_labels(index, path, header))
        trees = [
            (subtree, members)
            for subtree, members in _trees(location, _read_by_alembic(location, revisions))
            if members
        ]
        if not trees and unreadable:  # every revision file unreadable: a history all unknown
            trees = [("", [])]
        graphs.extend(
            dataclasses.replace(
                build_graph(location, members, subtree),
                unreadable=tuple(unreadable),
                opaque=tuple(path for path in opaque if _holds(members, path)),
            )
            for subtree, members in trees
        )
    return tuple(graphs)


def _read_by_alembic(location: ScriptLocation, revisions: list[Revision]) -> list[Revision]:
    """The revisions Alembic reads. Unless `recursive_version_locations = true`, it reads only
    the files directly in each version directory: a subdirectory beside such files whose
    revisions make a history of their own (none names a revision outside it, none outside
    names one of its own) is an archive (zou's `versions/legacy/`), not part of the graph.
    A subdirectory linked to the rest, or version directories holding revisions only in
    subdirectories, are read through version locations set in code (neutron's releases,
    prefect's dialects), as is any location no configuration file declares."""
    if location.recursive or not location.source.endswith((".ini", ".toml")):
        return revisions
    groups: dict[str, list[Revision]] = {}
    for revision in revisions:
        groups.setdefault(_subtree(location, revision.path), []).append(revision)
    if "" not in groups or len(groups) < 2:
        return revisions
    kept: list[Revision] = []
    for subtree, members in groups.items():
        if not subtree or _linked(members, revisions):
            kept += members
    return sorted(kept, key=lambda revision: revision.path)


def _linked(members: list[Revision], revisions: list[Revision]) -> bool:
    """Whether `members` name a revision or label only the others declare, or the others name one
    only `members` declare (a squash both declare links nothing; an unresolved label may be any
    name: linked)."""
    paths = {revision.path for revision in members}
    others = [revision for revision in revisions if revision.path not in paths]
    own = {name for revision in members for name in _names(revision)}
    theirs = {name for revision in others for name in _names(revision)}
    for revision in revisions:
        named = {*revision.header.down_revisions, *revision.header.depends_on}
        only_elsewhere = theirs - own if revision.path in paths else own - theirs
        if revision.labels_unresolved or named & only_elsewhere:
            return True
    return False


def _with_labels(index: ProjectIndex, path: str, header: RevisionHeader) -> Revision:
    """The revision, with `branch_labels` written as names resolved to their strings."""
    if header.labels_expr is None:
        return Revision(path, header)
    followed = _followed(index, index.module_of(path), header.labels_expr)
    if followed is None:
        return Revision(path, header, labels_unresolved=True)
    module, expr = followed
    if expr.kind == "const" and expr.text == "None":
        return Revision(path, header)
    found: list[str] = []
    unresolved = False
    for item in expr.args if expr.kind == "list" else (expr,):
        value = _followed(index, module, item)
        if value is not None and value[1].kind == "str" and "{}" not in value[1].text:
            found.append(value[1].text)
        else:
            unresolved = True
    labels = tuple(dict.fromkeys(found))
    return Revision(path, dataclasses.replace(header, branch_labels=labels), unresolved)


def _followed(index: ProjectIndex, module: str, expr: Expr) -> Optional[tuple[str, Expr]]:
    """`expr`, or the value of the module-level constant it names (and the module holding it)."""
    for _ in range(MAX_LABEL_HOPS):
        if expr.kind != "name":
            return module, expr
        resolution = index.resolver.resolve(module, expr.text)
        if resolution is None or resolution.rest or not isinstance(resolution.target, Defined):
            return None
        node = resolution.target.node
        if not isinstance(node, Binding) or node.value is None or node.scope:
            return None
        module, expr = resolution.target.module, node.value
    return None
