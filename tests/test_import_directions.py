"""The pipeline's layers import one way: read from each module's own `import` statements.

Every module under src/dblint is parsed with `ast` (never imported), and every import it
makes counts: at module level, inside functions and under `TYPE_CHECKING` alike.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "dblint"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    """The absolute module a (possibly relative) `from ... import` names."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


@cache
def imports_of(module: str) -> frozenset[str]:
    """The dblint modules `module` imports anywhere in its text."""
    path = _modules()[module]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node, path.name == "__init__.py")
            found.add(source)
            # `from dblint import pipeline` imports the module dblint.pipeline
            found.update(f"{source}.{alias.name}" for alias in node.names)
    return frozenset(name for name in found if name in _modules())


def _reachable(start: str) -> set[str]:
    seen, queue = {start}, [start]
    while queue:
        for found in imports_of(queue.pop()):
            if found not in seen:
                seen.add(found)
                queue.append(found)
    return seen


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_every_module_is_read() -> None:
    """The reader sees function-level imports (the engine loads the pipeline only when needed)."""
    assert "dblint.pipeline" in imports_of("dblint.engine")
    assert "dblint.rules.base" in imports_of("dblint.rules.schema_outside_migrations")
    assert len(_modules()) > 50


def test_no_cycle_between_engine_and_pipeline() -> None:
    assert "dblint.engine" not in _reachable("dblint.pipeline")


@pytest.mark.parametrize("layer", ["dblint.facts", "dblint.index", "dblint.inventory"])
def test_layer_imports_no_rule(layer: str) -> None:
    offending = sorted(
        f"{module} imports {imported}"
        for module in _modules()
        if _in(module, layer)
        for imported in imports_of(module)
        if _in(imported, "dblint.rules")
    )
    assert offending == []
