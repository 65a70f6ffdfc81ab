"""The inventory's rows and totals, built from the engine's result.

Everything a report shows is computed here; the renderers only format.
Field order of `FileRow` and `TableRow` is the column order of every format;
the `project` column is shown only for a repository of several projects
(`index.projects`). There a file of a shared package is listed once (project
`(shared)`), and its tables once per project, since each project tracks its own metadata.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Protocol, Union

from dblint.contexts import FileContext
from dblint.diagnostics import Diagnostic
from dblint.engine import Result
from dblint.facts.vocabulary import CREATE_TABLE_CONSTRUCT
from dblint.index import ProjectIndex
from dblint.index.projects import SHARED
from dblint.index.runtime_tables import runtime_table_names
from dblint.inventory.interactions import (
    RAW_SQL,
    SINGLE_CREATE,
    CreationSite,
    changes_schema,
    creation_sites,
    interaction_kinds,
)
from dblint.inventory.risk import LEVELS, at_least, file_risk
from dblint.inventory.sources import (
    ModelView,
    RevisionCreate,
    RevisionView,
    TableDecl,
    TableKey,
    shown_name,
    shown_table,
)
from dblint.run_inputs import ProjectRun

Findings = dict[str, int]
UNKNOWN = "unknown"  # a fact dblint cannot know statically, shown as such in every format
# `tracked` of a table the code only reads from the database (reflection, a column-less
# `Table("name", metadata)`): no schema is declared there for Alembic to track or not.
READ_FROM_DATABASE = "read from the database"


@dataclass(frozen=True)
class FileRow:
    project: Optional[str]
    path: str
    context: str
    interactions: list[str]
    tables_defined: list[str]
    tables_created_outside_migrations: list[str]
    metadata: list[str]
    findings: Findings
    risk: str


@dataclass(frozen=True)
class TableRow:
    project: Optional[str]
    table: str
    schema: Optional[str]  # UNKNOWN when computed (`schema=settings.SCHEMA`, a factory's parameter)
    defined_at: list[str]
    metadata: Optional[str]
    tracked: Union[
        bool, str
    ]  # UNKNOWN when what Alembic tracks cannot be resolved (the totals say why)
    created_by_revision: Optional[str]
    created_outside_migrations: list[str]
    findings: Findings
    uncertain: list[str]  # why the replay of the migrations may not know this table exactly


@dataclass(frozen=True)
class Totals:
    files_scanned: int
    files_touching_db: dict[str, int]  # by risk, every level present
    tables: int
    tables_untracked: int
    tables_created_outside_migrations: int
    # Places outside migrations that create tables dblint cannot name (a `create_all()` on a
    # receiver it cannot resolve): the count above leaves them out, so they are listed.
    unknown_tables_created_at: list[str]
    findings: Findings
    alembic_target_metadata: list[str]  # what each Alembic script location compares against


@dataclass(frozen=True)
class Inventory:
    by: str  # "file" or "table"
    totals: Totals
    files: list[FileRow] = field(default_factory=list)
    tables: list[TableRow] = field(default_factory=list)
    min_risk: str = "low"
    projects: bool = False  # the repository holds several projects: rows name theirs
    rule_names: dict[str, str] = field(default_factory=dict)  # finding code -> its rule's name

    @property
    def rows(self) -> Sequence[Union[FileRow, TableRow]]:
        return self.files if self.by == "file" else self.tables

    def columns(self) -> list[str]:
        """The row fields every format shows, in order."""
        row_type = FileRow if self.by == "file" else TableRow
        names = [item.name for item in dataclasses.fields(row_type)]
        return names if self.projects else [name for name in names if name != "project"]


def build(result: Result, cwd: Path, by: str = "file", min_risk: str = "low") -> Inventory:
    """Rows and totals of every project in `result`, paths shown relative to `cwd`."""
    files: list[FileRow] = []
    tables: list[TableRow] = []
    scanned = 0
    notes: list[str] = []
    unknown_creations: set[str] = set()
    for run in result.runs:
        show = _shower(run.root, cwd)
        owners = {path: index for index in run.indexes if index.part for path in index.part.own}
        for index in run.indexes:
            view, revisions = ModelView(index), RevisionView(index)
            sites = [
                site
                for facts in index.files.values()
                for site in creation_sites(facts, index, view)
            ]
            # A file no project owns (a shared package's, an unreadable one) is listed by the first project.
            paths = [path for path in _listed(run) if owners.get(path, run.indexes[0]) is index]
            files += _file_rows(run, index, paths, view, sites, show)
            tables += _table_rows(run, index, view, revisions, sites, show)
            unknown_creations |= {
                f"{show(site.path, site.line)} ({site.how}): {_unnamed_creation(site)}"
                for site in sites
                if not site.tables and site.path in run.reported
            }
            notes += view.tracking_notes(show)
        scanned += len(run.reported)
    files.sort(key=lambda row: (row.path, row.project or ""))
    tables.sort(
        key=lambda row: (
            row.table,
            row.schema or "",
            row.defined_at,
            row.created_outside_migrations,
            row.project or "",
        )
    )
    risks = Counter(row.risk for row in files)
    totals = Totals(
        files_scanned=scanned,
        files_touching_db={level: risks[level] for level in LEVELS},
        tables=len(tables),
        tables_untracked=sum(row.tracked is False for row in tables),  # not the UNKNOWN ones
        tables_created_outside_migrations=sum(
            bool(row.created_outside_migrations) for row in tables
        ),
        unknown_tables_created_at=sorted(unknown_creations),
        findings=_count(result.diagnostics),
        alembic_target_metadata=sorted(notes),
    )
    shown_files = [row for row in files if at_least(row.risk, min_risk)]
    projects = any(len(run.indexes) > 1 for run in result.runs)
    rule_names = {d.code: d.rule for d in result.diagnostics if d.rule}
    return Inventory(by, totals, shown_files, tables, min_risk, projects, rule_names)


def project_of(index: ProjectIndex, path: str) -> Optional[str]:
    """The project a file row belongs to: None for a repository of one project, `(shared)` for a shared file."""
    if index.part is None:
        return None
    return index.part.project.name if path in index.part.own else SHARED


class Shower(Protocol):
    """Shows a project-relative path (with a line, when given) relative to the working directory."""

    def __call__(self, rel: str, line: int = 0) -> str: ...


def _shower(root: Path, cwd: Path) -> Shower:
    """A function showing a project-relative path relative to `cwd`, as `dblint check` does."""

    def show(rel: str, line: int = 0) -> str:
        shown = Path(os.path.relpath(root / rel, cwd)).as_posix()
        return f"{shown}:{line}" if line else shown

    return show


def _tracked(
    view: ModelView,
    metadata: str,
    decls: list[TableDecl],
    built_at_run_time: bool,
    creating: Optional[RevisionCreate],
) -> Union[bool, str]:
    """Whether Alembic tracks a table's metadata: True, False, UNKNOWN, or READ_FROM_DATABASE
    for a table its declarations only reflect or name without columns. A table no model
    declares is not tracked, unless what Alembic tracks is unknown, a tracked model's
    table name is computed beyond reading or the metadata tracked where it is migrated
    receives models at run time (classes made by a function or `type(...)`: it may be one of
    theirs), or a library builds it at run time on the metadata of models it cannot tell
    (SQLAlchemy-Continuum's). A table on an undeclared library base Alembic does not name
    is unknown: that base may share a tracked metadata; so is a table on a bind that Flask-Migrate's
    multi-database env.py may compare through `db.metadatas[bind]`."""
    if (
        decls
        and all(decl.reflected or decl.reference for decl in decls)
        and not view.is_tracked(metadata)
    ):
        return READ_FROM_DATABASE
    if not view.tracking_known:
        return UNKNOWN
    if not decls:
        made = creating is not None and creating.location in view.made_models_at
        return UNKNOWN if view.unnamed_tracked or made or built_at_run_time else False
    if view.is_tracked(metadata):
        return True
    external = view.schema.ids.is_external(metadata)
    return UNKNOWN if external or metadata in view.bind_metadata else False


def _built_at_run_time(key: TableKey, runtime: frozenset[str]) -> bool:
    name = key[1].lower()
    return name in runtime or f"{key[0]}.{name}".lower() in runtime


def _count(diagnostics: Iterable[Diagnostic]) -> Findings:
    return dict(sorted(Counter(d.code for d in diagnostics).items()))


def _listed(run: ProjectRun) -> list[str]:
    """The files the inventory may list: those reported on, and any with a finding."""
    return sorted(run.reported | {diagnostic.path for diagnostic in run.diagnostics})


def _file_rows(
    run: ProjectRun,
    index: ProjectIndex,
    paths: list[str],
    view: ModelView,
    sites: list[CreationSite],
    show: Shower,
) -> list[FileRow]:
    by_path: dict[str, list[Diagnostic]] = {}
    for diagnostic in run.diagnostics:
        by_path.setdefault(diagnostic.path, []).append(diagnostic)
    sites_by_path: dict[str, list[CreationSite]] = {}
    for site in sites:
        sites_by_path.setdefault(site.path, []).append(site)
    rows: list[FileRow] = []
    for path in paths:
        facts = index.files.get(path)
        findings = _count(by_path.get(path, ()))
        kinds = interaction_kinds(facts, index, view) if facts is not None else ()
        defined = view.tables_in(path)
        own_sites = sites_by_path.get(path, [])
        metadata = (
            {table.metadata for table in defined}
            | {site.metadata for site in own_sites}
            | set(view.holders_in(path))
        )
        if not kinds and not findings and not metadata - {""}:
            continue
        untracked_tables, lone_metadata = view.untracked_metadata(path)
        schema_changes = facts is not None and changes_schema(facts, index)
        raw_sql = RAW_SQL in kinds and index.contexts.get(path) == FileContext.APP
        rows.append(
            FileRow(
                project=project_of(index, path),
                path=show(path),
                context=index.contexts.get(path, FileContext.APP),
                interactions=list(kinds),
                tables_defined=sorted({shown_table(table.key) for table in defined}),
                tables_created_outside_migrations=sorted(
                    {name for site in own_sites for name in _created(site)}
                ),
                metadata=sorted(metadata - {""}),
                findings=findings,
                risk=file_risk(schema_changes, raw_sql, untracked_tables, lone_metadata, findings),
            )
        )
    return rows


def _created(site: CreationSite) -> list[str]:
    """Names of the tables a site creates; a description in parentheses where they are unknown."""
    if site.tables:
        return [shown_table(key) for key in site.tables]
    return [f"({_unnamed_creation(site)})"]


def _unnamed_creation(site: CreationSite) -> str:
    """What a site creates when dblint cannot name its tables (a row shows it in parentheses,
    the totals after the site's place)."""
    if site.how == "create_all":
        return f"all tables of {site.metadata or site.receiver}"
    if site.how in (SINGLE_CREATE, CREATE_TABLE_CONSTRUCT) and not site.computed:
        return f"unnamed table: {site.receiver}"
    return "computed name"


def _schema_unknown(decls: list[TableDecl], creator: Optional[RevisionCreate]) -> bool:
    """A table without a schema dblint read: computed at run time by a declaration, or, for a
    table only migrations create, by the migration (`op.create_table(..., schema=project_name)`)."""
    if decls:
        return any(not decl.schema_known for decl in decls)
    return creator is not None and not creator.schema_known


def _created_by_revision(
    creating: Optional[RevisionCreate], dropped: Optional[tuple[RevisionCreate, str]]
) -> Optional[str]:
    """The revision that creates a table; for one a later revision drops (no head has it),
    the creator with the dropping revision: `abc123 (dropped by def456)`, never the creator
    alone, which would say the migrations leave the table."""
    if creating is not None:
        return creating.revision
    if dropped is not None:
        return f"{dropped[0].revision} (dropped by {dropped[1]})"
    return None


def _declaration_groups(tables: list[TableDecl]) -> list[tuple[TableKey, str, list[TableDecl]]]:
    """One group per table SQLAlchemy builds: a declaration, plus the later `extend_existing`
    redefinitions of and column-less references to it on the same metadata. Another
    declaration of the same name is another row (what DBL203 reports)."""
    groups: list[tuple[TableKey, str, list[TableDecl]]] = []
    first: dict[tuple[TableKey, str], list[TableDecl]] = {}
    for table in tables:
        existing = first.get((table.key, table.metadata))
        if existing is not None and (table.extends or table.reference):
            existing.append(table)
            continue
        decls = [table]
        first.setdefault((table.key, table.metadata), decls)
        groups.append((table.key, table.metadata, decls))
    return groups


def _table_rows(
    run: ProjectRun,
    index: ProjectIndex,
    view: ModelView,
    revisions: RevisionView,
    sites: list[CreationSite],
    show: Shower,
) -> list[TableRow]:
    groups = _declaration_groups(view.tables)
    declared = {key for key, _, _ in groups}
    # A migration's table that a declaration already names (in another case or default schema) is that row.
    covered = {found.key for found in map(revisions.created_by, declared) if found is not None}
    keys = (set(revisions.keys()) - covered) | {
        key for site in sites if site.how != "create_all" for key in site.tables
    }
    groups += [(key, "", []) for key in sorted(keys - declared)]
    runtime = runtime_table_names(index)
    at_place: dict[tuple[str, int], list[Diagnostic]] = {}
    for diagnostic in run.diagnostics:
        at_place.setdefault((diagnostic.path, diagnostic.line), []).append(diagnostic)
    rows: list[TableRow] = []
    for key, metadata, decls in groups:
        creating = revisions.created_by(key)
        dropped = revisions.dropped(key) if creating is None else None
        creator = creating if dropped is None else dropped[0]
        own_sites = [site for site in sites if site.creates(key, metadata)]
        places = {(decl.path, line) for decl in decls for line in decl.lines}
        places |= {(site.path, site.line) for site in own_sites}
        if creator is not None:
            places.add((creator.path, creator.line))
        if not any(path in run.reported for path, _ in places):
            continue
        rows.append(
            TableRow(
                project=None if index.part is None else index.part.project.name,
                table=shown_name(key[1]),
                schema=key[0] or (UNKNOWN if _schema_unknown(decls, creator) else None),
                defined_at=[
                    show(decl.path, decl.line)
                    for decl in decls
                    if not decl.reference or decl is decls[0]
                ],
                metadata=metadata or None,
                tracked=_tracked(view, metadata, decls, _built_at_run_time(key, runtime), creating),
                created_by_revision=_created_by_revision(creating, dropped),
                created_outside_migrations=[
                    f"{show(site.path, site.line)} ({site.how})" for site in own_sites
                ],
                findings=_count(d for place in places for d in at_place.get(place, ())),
                uncertain=revisions.uncertain(key),
            )
        )
    return rows
