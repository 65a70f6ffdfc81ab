"""The Alembic revision graph of each script location, read from revision headers.

Public API (used by the revision-graph rules, the replay and the inventory):

- `revision_graphs(index) -> tuple[RevisionGraph, ...]`, one per script location
  that holds revision files, sorted by directory (built on first use, kept in
  `index.memo`). Revision files that no
  configured location holds (found by the `looks_like_revision` fallback) are grouped
  by their nearest `versions` directory.
- `RevisionGraph`: `revisions` (id -> `Revision`; for a duplicated id, the file
  Alembic keeps, the last by path), `duplicates`, `heads`, `roots`, `missing`
  (parents named but absent), `cycles`, `order` (parents before children; revisions on
  or after a cycle are left out), and helpers for ancestors and branch points.

Every algorithm here is iterative: a chain of thousands of revisions is ordinary.
"""

from __future__ import annotations

import heapq
import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from dblint.contexts import MIGRATION, ScriptLocation
from dblint.facts.alembic_ops import RevisionHeader, revision_header

if TYPE_CHECKING:
    from dblint.index.project import ProjectIndex

_MEMO_KEY = "revision_graphs"


@dataclass(frozen=True)
class Revision:
    path: str
    header: RevisionHeader

    @property
    def id(self) -> str:
        return self.header.revision


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

    @property
    def complete(self) -> bool:
        """True when every revision's parents are known and present and the graph has no cycle."""
        return (
            not self.missing
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

    def diverge_points(self, heads: Iterable[str]) -> tuple[str, ...]:
        """The latest revisions all of `heads` descend from (empty when they share none)."""
        heads = list(heads)
        if not heads:
            return ()
        common = self.ancestors(heads[0])
        for head in heads[1:]:
            common &= self.ancestors(head)
        latest = [rev for rev in common if not any(child in common for child in self.children.get(rev, ()))]
        return tuple(sorted(latest))


def _location_files(index: "ProjectIndex") -> list[tuple[ScriptLocation, list[str]]]:
    """Migration files grouped by the script location (deepest version directory) holding them."""
    dirs = sorted(
        ((versions, location) for location in index.script_locations for versions in location.version_dirs),
        key=lambda item: (-len(item[0]), item[0]),
    )
    grouped: dict[ScriptLocation, list[str]] = {}
    for path in sorted(index.files):
        if index.contexts.get(path) != MIGRATION:
            continue
        location = next((loc for versions, loc in dirs if not versions or path.startswith(versions.rstrip("/") + "/")), None)
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


def build_graph(location: ScriptLocation, revisions: list[Revision]) -> RevisionGraph:
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
    graph = RevisionGraph(location, dict(sorted(chosen.items())), duplicates, labels)
    missing: list[MissingParent] = []
    children: dict[str, list[str]] = {}
    referenced: set[str] = set()
    for rid, revision in graph.revisions.items():
        for parent in revision.header.down_revisions:
            if parent in graph.revisions:
                referenced.add(parent)
                children.setdefault(parent, []).append(rid)
            else:
                missing.append(MissingParent(revision, parent, "down_revision"))
        for dependency in revision.header.depends_on:
            if dependency not in graph.revisions and dependency not in labels:
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


def revision_graphs(index: "ProjectIndex") -> tuple[RevisionGraph, ...]:
    """One graph per script location that holds revision files."""
    if _MEMO_KEY not in index.memo:
        index.memo[_MEMO_KEY] = _build_graphs(index)
    return index.memo[_MEMO_KEY]


def _build_graphs(index: "ProjectIndex") -> tuple[RevisionGraph, ...]:
    graphs: list[RevisionGraph] = []
    for location, paths in _location_files(index):
        revisions: list[Revision] = []
        for path in paths:
            facts = index.files[path]
            if path.endswith("/__init__.py") or facts.error is not None:
                continue
            header = revision_header(facts)
            if header is not None:
                revisions.append(Revision(path, header))
        if revisions:
            graphs.append(build_graph(location, revisions))
    return tuple(graphs)

