"""Whether a module uses Alembic's `op`, read from its import facts (no LibCST here: fixes and rules import this)."""

from __future__ import annotations

from collections.abc import Iterable

from dblint.facts.model import Import


def imports_alembic_op(imports: Iterable[Import]) -> bool:
    """True for `from alembic import op`, `import alembic.op`, `import alembic`."""
    return bool(op_prefixes(imports))


def op_prefixes(imports: Iterable[Import]) -> frozenset[str]:
    """The dotted names `op` is reachable by at module level (`op`, `alembic.op`)."""
    found: set[str] = set()
    for imp in imports:
        if imp.scope or imp.level:
            continue
        if imp.module == "alembic" and imp.name == "op":
            found.add(imp.local)
        elif imp.module == "alembic.op" and imp.name is None:
            found.add("alembic.op" if imp.local == "alembic" else imp.local)
        elif imp.module == "alembic" and imp.name is None and imp.local == "alembic":
            found.add("alembic.op")
    return frozenset(found)
