"""How to write a qualified name (`sqlalchemy.Integer`) in one file.

A fix may only use a name that means the same thing where it is inserted: an
existing runtime import is reused (`Integer`, `sa.Integer`, `postgresql.UUID`),
otherwise a `from module import Name` is planned, and only when `Name` binds
nothing the file already uses. Types defined in the project are used only when
the file already imports them (a new import could create an import cycle).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Union

from dblint.facts.model import Import
from dblint.fixes.model import ImportNeed
from dblint.index.names import Names
from dblint.index.symbols import External, ModuleTable

if TYPE_CHECKING:
    from dblint.index import ProjectIndex

MAX_HOPS = 24
_BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True)
class Spelling:
    """The text to write, and the import it needs (None: the file already has it)."""

    text: str
    need: Optional[ImportNeed] = None


class Refusal(str):
    """Why no fix is offered (a sentence fragment for the finding's message)."""


class Spellings:
    """Spells qualified names in the files of one index; one per index (`ProjectIndex.view`)."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.names = Names(index.resolver)

    @classmethod
    def of(cls, index: ProjectIndex) -> Spellings:
        return index.view(cls)

    def qualify(self, module: str, dotted: str, scope: str = "") -> str:
        return self.names.qualify(module, dotted, scope)

    def spell(
        self, path: str, scope: str, qualified: str, alias: Optional[str] = None
    ) -> Union[Spelling, Refusal]:
        """`qualified` as it can be written in `scope` of the file at `path`.

        `alias` is a local name to try when the plain name is taken (the name the
        declaring file uses, such as `PG_UUID`)."""
        module = self.index.module_of(path)
        found = self._existing(path, module, scope, qualified)
        if found is not None:
            return Spelling(found)
        if "." not in qualified:
            return Refusal(f"{qualified} cannot be resolved in this file")
        resolution = self.names.resolver.follow_qualified(qualified, (), MAX_HOPS)
        if resolution is None or not isinstance(resolution.target, External):
            owner = qualified.rsplit(".", 1)[0]
            return Refusal(
                f"it is defined in {owner}, which this file does not import (a new import could create a cycle)"
            )
        owner, name = qualified.rsplit(".", 1)
        for local in (name, alias):
            if local and local not in _BUILTINS and self._free(module, local):
                return Spelling(local, ImportNeed(owner, name, None if local == name else local))
        return Refusal(f"{name} is already bound in this file")

    def _existing(self, path: str, module: str, scope: str, qualified: str) -> Optional[str]:
        """The shortest runtime spelling of `qualified` among the file's imports and definitions."""
        facts = self.index.files[path]
        candidates = {qualified.rsplit(".", 1)[-1]}
        if qualified.startswith(module + "."):
            candidates.add(qualified[len(module) + 1 :])
        for imp in facts.imports:
            if imp.scope or imp.type_checking or imp.name == "*":
                continue
            base = self.qualify(module, imp.local, "")
            if base == qualified:
                candidates.add(imp.local)
            elif (
                qualified.rsplit(".", 1)[0] == base
            ):  # `sa.Integer`; never `sa.dialects.postgresql.UUID`,
                candidates.add(
                    f"{imp.local}.{qualified.rsplit('.', 1)[1]}"
                )  # a submodule maybe not imported
        valid = [text for text in candidates if self._means(module, scope, text, qualified)]
        return min(valid, key=lambda text: (text.count("."), len(text), text)) if valid else None

    def _means(self, module: str, scope: str, text: str, qualified: str) -> bool:
        """True when `text` written in `scope` of `module` names `qualified` at run time."""
        if text == qualified and text in _BUILTINS:  # `int`, `str`: unless the file rebinds them
            return self._free(module, text)
        head = text.split(".", 1)[0]
        return self.qualify(module, text, scope) == qualified and self._runtime(module, head, scope)

    def _table(self, module: str) -> Optional[ModuleTable]:
        return self.names.resolver.modules.get(module)

    def _runtime(self, module: str, head: str, scope: str) -> bool:
        """False when `head` is bound only by an import under `if TYPE_CHECKING:`."""
        table = self._table(module)
        found = table.lookup(head, scope) if table is not None else None
        return found is not None and not (isinstance(found, Import) and found.type_checking)

    def _free(self, module: str, name: str) -> bool:
        """True when no scope of the module binds `name` and no star import may provide it."""
        table = self._table(module)
        if table is None or table.star_imports:
            return False
        return all(local != name for _, local in table.scoped)
