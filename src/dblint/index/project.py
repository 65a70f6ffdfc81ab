"""The project index: all facts of a project joined, built once per run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from dblint.config import Settings
from dblint.contexts import ScriptLocation, classify
from dblint.facts.model import FileFacts
from dblint.index.kinds import KindOracle
from dblint.index.modules import module_name, source_roots
from dblint.index.symbols import ModuleTable, Resolver


@dataclass
class ProjectIndex:
    """Facts of every file, their contexts and module names, and name resolution."""

    root: Path
    settings: Settings
    files: dict[str, FileFacts]
    contexts: dict[str, str]
    modules: dict[str, str]  # path -> module name
    script_locations: tuple[ScriptLocation, ...]
    resolver: Resolver
    kinds: KindOracle
    paths_by_module: dict[str, str] = field(default_factory=dict)
    # Derived views computed on first use (`index.schema.model_schema`), so runs of
    # rules that do not need them do not pay for them. Keyed by the view's name.
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def module_of(self, path: str) -> str:
        return self.modules.get(path, "")

    def context_of(self, path: str) -> str:
        return self.contexts[path]

    def kind_of(self, path: str, dotted: str, scope: str = "") -> Optional[str]:
        """What `dotted` is, seen from `scope` in the file at `path`."""
        return self.kinds.kind_of(self.module_of(path), dotted, scope)


def build_index(
    root: Path,
    settings: Settings,
    facts: list[FileFacts],
    config_files: list[str],
    script_locations: tuple[ScriptLocation, ...],
) -> ProjectIndex:
    """Join the facts of all files into one index."""
    paths = [item.path for item in facts]
    roots = source_roots(paths, config_files)
    modules: dict[str, str] = {}
    tables: dict[str, ModuleTable] = {}
    paths_by_module: dict[str, str] = {}
    for item in sorted(facts, key=lambda f: f.path):
        name = module_name(item.path, roots)
        modules[item.path] = name
        if name not in tables or item.path.endswith("__init__.py"):
            tables[name] = ModuleTable(name, item)
            paths_by_module[name] = item.path
    resolver = Resolver(tables)
    contexts = {item.path: classify(item, script_locations, settings) for item in facts}
    return ProjectIndex(
        root=root,
        settings=settings,
        files={item.path: item for item in facts},
        contexts=contexts,
        modules=modules,
        script_locations=script_locations,
        resolver=resolver,
        kinds=KindOracle(resolver),
        paths_by_module=paths_by_module,
    )
