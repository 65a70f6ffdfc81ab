"""Names bound by an `if TYPE_CHECKING:` import and, in its `else:`, by an opaque call.

optuna's storage module writes

    if TYPE_CHECKING:
        from optuna.storages._rdb import models
    else:
        models = _LazyImport("optuna.storages._rdb.models")

The last binding is a call dblint cannot see through; what `models` is, for a static reader
(and for mypy), is what the import says. The import wins only where the `else:` bindings are
calls of a project helper or of a name dblint cannot resolve, and say nothing the index knows
(their kind, `index.kinds`); an `else:` import, a library call or a kind leaves the name as it is.
"""

from __future__ import annotations

from dblint.facts.model import Binding, ClassDef, FunctionDef
from dblint.index.kinds import KindOracle
from dblint.index.symbols import Defined, Resolver


def prefer_checked_imports(resolver: Resolver) -> None:
    """Let the `if TYPE_CHECKING:` import define each name whose `else:` bindings are opaque."""
    candidates = [
        (module, table, key, imp, bindings)
        for module, table in sorted(resolver.modules.items())
        for key, imp, bindings in table.checked_imports()
    ]
    if not candidates:
        return  # the usual project: no memo of kinds to build
    kinds = KindOracle(resolver)  # judged before any preference: a throwaway memo
    preferred = [
        (table, key, imp)
        for module, table, key, imp, bindings in candidates
        if all(_opaque(resolver, kinds, module, binding) for binding in bindings)
    ]
    for table, key, imp in preferred:
        table.prefer(key, imp)


def _opaque(resolver: Resolver, kinds: KindOracle, module: str, binding: Binding) -> bool:
    """A call of a project function or class, or of a name nothing resolves, of no known kind."""
    value = binding.value
    if value is None or value.kind != "call" or not value.text:
        return False
    if kinds.binding_kind(module, binding, 0) is not None:
        return False
    callee = resolver.resolve(module, value.text, binding.scope)
    if callee is None:
        return True
    target = callee.target
    return (
        not callee.rest
        and isinstance(target, Defined)
        and isinstance(target.node, (ClassDef, FunctionDef))
    )
