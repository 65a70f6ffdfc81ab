"""DBL401-DBL405: the Alembic revision graph, read from the revision files alone.

Findings sit at the `revision =` / `down_revision =` line of a revision involved.
Branches that Alembic users create on purpose (a `branch_labels` line, a base that
`depends_on` another branch) are not multiple heads or roots by accident. Alembic gives
a revision the labels of every revision below it; heads whose label sets differ are
branches kept apart on purpose (expand/contract, plugins, an unlabelled main line next
to labelled branches), heads with the same labels (none, or one branch's) are a fork.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from dblint.diagnostics import Diagnostic
from dblint.index import ProjectIndex
from dblint.index.revisions import Revision, RevisionGraph, revision_graphs
from dblint.rules.base import Family, Rule
from dblint.rules.examples import ALEMBIC_INI, files, flagged, source

FAMILY = Family(
    "DBL401",
    "DBL405",
    "Revision graph",
    "the Alembic revision graph, read from the revision files alone",
)

_HEADER_TWO = source('''
    """{doc}

    Revision ID: {rev}
    Revises: {down_doc}
    """
    from alembic import op
    import sqlalchemy as sa

    revision = "{rev}"
    down_revision = {down}
    branch_labels = None
    depends_on = None


    def upgrade():
        pass


    def downgrade():
        pass
''')


def _revision_file(
    rev: str, down: str, doc: str, *, errors: str = "", down_errors: str = ""
) -> str:
    """A revision file as `alembic revision` writes it, with `# error:` markers for `errors` on
    its `revision =` line and for `down_errors` on its `down_revision =` line."""
    down_doc = "" if down == "None" else down.strip('"()').replace('", "', ", ")
    text = _HEADER_TWO.format(rev=rev, down=down, doc=doc, down_doc=down_doc)
    if errors:
        text = flagged(text, "revision =", errors)
    return flagged(text, "down_revision =", down_errors) if down_errors else text


# The start of every example's history: an initial revision and one that follows it.
_INITIAL = _revision_file("1a", "None", "initial")
_ADD_USERS = _revision_file("2b", '"1a"', "add users")
_INITIAL_AND_USERS = {
    "migrations/versions/1a_initial.py": _INITIAL,
    "migrations/versions/2b_add_users.py": _ADD_USERS,
}
# The configuration that makes `migrations/` a script location (not a package's bare version directory).
_ALEMBIC_INI = {"alembic.ini": ALEMBIC_INI}


# How the graphs are cut, for the rules that judge a whole graph.
_SEPARATE_TREES = (
    " Subdirectories of a version directory that hold one history per database (named after a dialect, "
    "such as `versions/postgresql/` and `versions/sqlite/`, or declaring the same revision ids), each with "
    "a root of its own and none naming another's revisions, are checked one by one: env.py picks one."
)


def _where(graph: RevisionGraph) -> str:
    if graph.subtree:
        return graph.subtree
    return (
        graph.location.version_dirs[0]
        if graph.location.version_dirs
        else graph.location.directory or "."
    )


def _plugin_directory(graph: RevisionGraph, index: ProjectIndex) -> bool:
    """Revision files no configuration names and no env.py accompanies: a package's version
    directory that an application adds to `version_locations` next to other packages' (invenio,
    neutron sub-projects), so revisions it names may live in those."""
    return graph.location.source == "inferred" and graph.location.env_path not in index.files


def _with_others(ids: list[str]) -> Iterator[tuple[str, str]]:
    """Each revision id of a group with the others, as a message lists them."""
    for rid in ids:
        yield rid, ", ".join(other for other in ids if other != rid)


def _intentional(revision: Revision) -> bool:
    """A revision that starts a branch on purpose: it has branch labels or depends on another branch."""
    return revision.labelled or bool(revision.header.depends_on)


class MultipleMigrationHeads(Rule):
    code = "DBL401"
    name = "multiple-migration-heads"
    summary = "The Alembic revision graph has more than one head"
    fix_hint = "merge them with `alembic merge heads`"
    what_it_does = (
        "Reads `revision` and `down_revision` of every revision file of each script location and reports "
        "each head revision when there is more than one, naming the other heads and the revision they "
        "branch from. Branches kept apart on purpose are not counted: heads are reported only when no "
        "branch label tells them apart, i.e. they carry the same labels (`branch_labels` on the head or "
        "on any revision below it, also when written as constants such as `(cli.EXPAND_BRANCH,)`). "
        "Expand/contract or plugin branches, and one unlabelled main line next to labelled branches, are "
        "fine; two heads of the same labelled branch are not. A `down_revision` naming a missing revision "
        "(DBL402) does not hide the heads: they are those Alembic lists once the missing link is a root. "
        "Nothing is reported for a script location with a revision file dblint cannot read (DBL001: a "
        "Python 2 revision's `print` statement): it may merge or extend any head."
    ) + _SEPARATE_TREES
    why_bad = (
        "Two developers each added a migration on top of the same revision. `alembic upgrade head` now "
        'fails with "Multiple head revisions are present", and the order the two branches run in is '
        "undefined until someone merges them."
    )
    example = files(
        {
            "migrations/versions/1a_initial.py": _INITIAL,
            "migrations/versions/2b_add_users.py": _revision_file(
                "2b", '"1a"', "add users", errors="DBL401"
            ),
            "migrations/versions/3c_add_orders.py": _revision_file(
                "3c", '"1a"', "add orders", errors="DBL401"
            ),
        }
    )
    use_instead = files(
        {
            **_INITIAL_AND_USERS,
            "migrations/versions/3c_add_orders.py": _revision_file("3c", '"1a"', "add orders"),
            "migrations/versions/4d_merge.py": _revision_file("4d", '("2b", "3c")', "merge heads"),
        }
    )
    fix = (
        "Run `alembic merge heads` (or re-point one revision's `down_revision` at the other head)."
    )

    def check_project(self, index: ProjectIndex) -> Iterable[Diagnostic]:
        for graph in revision_graphs(index):
            if graph.cycles:
                continue  # Alembic lists no heads of a graph with a cycle (DBL405); a missing link is a root to it
            if graph.unreadable:
                continue  # a revision file dblint cannot read (DBL001) may merge or extend any head
            for labels, heads in _forks(graph):
                diverge = graph.diverge_points(heads)
                where = (
                    f"they diverge at {', '.join(diverge)}" if diverge else "they share no ancestor"
                )
                named = sorted(label for label in labels if label in graph.labels)
                branch = f" on branch {', '.join(named)}" if named else ""
                for head, others in _with_others(heads):
                    revision = graph.revisions[head]
                    yield self.diagnostic(
                        revision.path,
                        revision.header.revision_line,
                        revision.header.revision_column,
                        f"revision {head} is one of {len(heads)} heads{branch} of {_where(graph)} (also {others}); "
                        f"{where}",
                    )


def _forks(graph: RevisionGraph) -> list[tuple[frozenset[str], list[str]]]:
    """Heads grouped by the branch labels they carry; groups of two or more are accidental forks."""
    groups: dict[frozenset[str], list[str]] = {}
    if len(graph.heads) > 1:
        for head in graph.heads:
            groups.setdefault(graph.branch_labels(head), []).append(head)
    return [(labels, heads) for labels, heads in groups.items() if len(heads) > 1]


class MissingDownRevision(Rule):
    code = "DBL402"
    name = "missing-down-revision"
    summary = "`down_revision` or `depends_on` names a revision that does not exist"
    fix_hint = "point it at a revision id that exists"
    what_it_does = (
        "Reports a revision file whose `down_revision` (or `depends_on`) names a revision id that no "
        "revision file of the same script location declares (branch labels count for `depends_on`). "
        "An id declared in another version directory of the project is not reported, nor are the "
        "revisions of a package's version directory that has no alembic.ini or env.py of its own (its "
        "parents may come from other packages at run time), nor a script location with a revision file "
        "dblint cannot read (DBL001: a Python 2 revision's `print` statement), which may declare the id."
    )
    why_bad = (
        'Alembic cannot build the revision map: every command fails with "Revision ... referenced from ... '
        'is not present". It usually means a revision file was deleted, renamed or not committed, or an '
        "id was mistyped when splicing a migration into the chain."
    )
    example = files(
        {
            **_ALEMBIC_INI,
            "migrations/versions/1a_initial.py": _revision_file(
                "1a", "None", "initial", errors="DBL401"
            ),
            "migrations/versions/2b_add_users.py": _revision_file(
                "2b", '"1x"', "add users", errors="DBL401", down_errors="DBL402"
            ),
        }
    )
    use_instead = files({**_ALEMBIC_INI, **_INITIAL_AND_USERS})

    def check_project(self, index: ProjectIndex) -> Iterable[Diagnostic]:
        graphs = revision_graphs(index)
        declared = {name for graph in graphs for name in (*graph.revisions, *graph.labels)}
        for graph in graphs:
            if _plugin_directory(graph, index) or graph.unreadable:
                continue  # a parent may be declared by a revision file dblint cannot read (DBL001)
            for missing in graph.missing:
                if missing.parent in declared:
                    continue  # another version directory of the project has it: combined at run time
                header = missing.child.header
                line, column = (
                    (header.down_line, header.down_column)
                    if missing.via == "down_revision"
                    else (header.depends_line, header.depends_column)
                )
                yield self.diagnostic(
                    missing.child.path,
                    line,
                    column,
                    f"{missing.via} of revision {header.revision} names {missing.parent!r}, "
                    f"which no revision in {_where(graph)} declares",
                )


class DuplicateRevisionId(Rule):
    code = "DBL403"
    name = "duplicate-revision-id"
    summary = "Two migration files declare the same revision id"
    fix_hint = "give one of the revisions a new id"
    what_it_does = (
        "Reports every revision file of a script location whose `revision` id another file also declares."
        + _SEPARATE_TREES
    )
    why_bad = (
        "Alembic keeps only one of the files (with a warning) and silently never runs the other; the "
        "graph it builds depends on which file it read last. A copied migration file whose id was not "
        "regenerated is the usual cause."
    )
    example = files(
        {
            "migrations/versions/1a_initial.py": _INITIAL,
            "migrations/versions/2b_add_users.py": _revision_file(
                "2b", '"1a"', "add users", errors="DBL403"
            ),
            "migrations/versions/2b_add_orders.py": _revision_file(
                "2b", '"1a"', "add orders", errors="DBL403"
            ),
        }
    )
    use_instead = files(
        {
            **_INITIAL_AND_USERS,
            "migrations/versions/3c_add_orders.py": _revision_file("3c", '"2b"', "add orders"),
        }
    )

    def check_project(self, index: ProjectIndex) -> Iterable[Diagnostic]:
        for graph in revision_graphs(index):
            for rid, revisions in graph.duplicates.items():
                paths = [revision.path for revision in revisions]
                for revision in revisions:
                    others = ", ".join(path for path in paths if path != revision.path)
                    yield self.diagnostic(
                        revision.path,
                        revision.header.revision_line,
                        revision.header.revision_column,
                        f"revision id {rid} is also declared by {others}",
                    )


class MultipleMigrationRoots(Rule):
    code = "DBL404"
    name = "multiple-migration-roots"
    summary = "More than one root revision (`down_revision = None`)"
    fix_hint = "chain the extra root onto the history (set its `down_revision`)"
    what_it_does = (
        "Reports each root revision (`down_revision = None`) of a script location that has more than one. "
        "Roots that start a branch on purpose (with `branch_labels` or `depends_on`) are not counted."
        + _SEPARATE_TREES
    )
    why_bad = (
        'A second root usually is a "new initial migration" written next to the real history instead of '
        "being spliced into the chain: both create the schema from nothing, the graph has two heads, and "
        "on an existing database the new root tries to create tables that already exist."
    )
    example = files(
        {
            "migrations/versions/1a_initial.py": _revision_file(
                "1a", "None", "initial", down_errors="DBL404"
            ),
            "migrations/versions/2b_add_users.py": _revision_file(
                "2b", '"1a"', "add users", errors="DBL401"
            ),
            "migrations/versions/9z_baseline.py": _revision_file(
                "9z", "None", "baseline", errors="DBL401", down_errors="DBL404"
            ),
        }
    )
    use_instead = files(_INITIAL_AND_USERS)

    def check_project(self, index: ProjectIndex) -> Iterable[Diagnostic]:
        for graph in revision_graphs(index):
            roots = [rid for rid in graph.roots if not _intentional(graph.revisions[rid])]
            if len(roots) < 2:
                continue
            for rid, others in _with_others(roots):
                revision = graph.revisions[rid]
                yield self.diagnostic(
                    revision.path,
                    revision.header.down_line,
                    revision.header.down_column,
                    f"revision {rid} is one of {len(roots)} root revisions of {_where(graph)} (also {others})",
                )


class RevisionGraphCycle(Rule):
    code = "DBL405"
    name = "revision-graph-cycle"
    summary = "The revision graph has a cycle"
    fix_hint = "point one `down_revision` of the cycle at an earlier revision"
    what_it_does = (
        "Reports each revision that lies on a cycle of `down_revision` / `depends_on` references "
        "(including a revision that names itself), once per revision."
    )
    why_bad = (
        'Alembic refuses to load a graph with a cycle ("Cycle is detected in revisions"): no command '
        "works until it is broken. It happens when a migration is spliced into the chain and an older "
        "revision is re-pointed at it."
    )
    example = files(
        {
            "migrations/versions/1a_initial.py": _INITIAL,
            "migrations/versions/2b_add_users.py": _revision_file(
                "2b", '"3c"', "add users", down_errors="DBL405"
            ),
            "migrations/versions/3c_add_orders.py": _revision_file(
                "3c", '"2b"', "add orders", down_errors="DBL405"
            ),
        }
    )
    use_instead = files(
        {
            **_INITIAL_AND_USERS,
            "migrations/versions/3c_add_orders.py": _revision_file("3c", '"2b"', "add orders"),
        }
    )

    def check_project(self, index: ProjectIndex) -> Iterable[Diagnostic]:
        for graph in revision_graphs(index):
            for cycle in graph.cycles:
                members = " -> ".join(_cycle_path(graph, cycle))
                for rid in cycle:
                    revision = graph.revisions[rid]
                    yield self.diagnostic(
                        revision.path,
                        revision.header.down_line,
                        revision.header.down_column,
                        f"revision {rid} is on a cycle of down_revision references: {members}",
                    )


def _cycle_path(graph: RevisionGraph, cycle: tuple[str, ...]) -> list[str]:
    """The cycle written as a walk from its first member back to it, following parents."""
    members = set(cycle)
    path = [cycle[0]]
    seen = {cycle[0]}
    while True:
        step = next((parent for parent in graph.parents(path[-1]) if parent in members), None)
        if step is None:
            return path
        path.append(step)
        if step in seen:
            return path
        seen.add(step)
