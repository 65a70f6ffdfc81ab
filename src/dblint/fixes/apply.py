"""Applying planned fixes to one file's source with LibCST.

Only the replaced expressions and the import lines change; everything else
(formatting, comments, encoding, line endings) is kept byte for byte. Each
replacement must find, at its position, the very name or call it was planned
for; a new import must not bind a name the file already uses. When either check
fails the file is left alone (`FixError`).
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from dblint.facts.exprs import dotted
from dblint.fixes.model import CALL, Fix, ImportNeed, Replacement


class FixError(Exception):
    """Why the fixes of a file cannot be applied (one line)."""


def apply_fixes(source: bytes, fixes: Sequence[Fix]) -> bytes:
    """The source with every fix applied (all or nothing)."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        raise FixError(f"cannot parse the file: {error.message}") from error
    wrapper = MetadataWrapper(module)
    targets = _targets(wrapper, [edit for fix in fixes for edit in fix.replacements])
    changed = wrapper.module.visit(_Replacer(targets))
    needs = sorted({need for fix in fixes for need in fix.imports})
    return _with_imports(changed, needs, _used_names(wrapper.module)).bytes


def _matches(node: cst.CSTNode, edit: Replacement) -> bool:
    if edit.kind == CALL:
        return isinstance(node, cst.Call) and dotted(node.func) == edit.old
    return isinstance(node, (cst.Name, cst.Attribute)) and dotted(node) == edit.old


def _targets(wrapper: MetadataWrapper, edits: list[Replacement]) -> dict[cst.CSTNode, str]:
    wanted: dict[tuple[int, int], Replacement] = {}
    for edit in edits:
        key = (edit.line, edit.column)
        if wanted.get(key, edit) != edit:
            raise FixError(f"two fixes disagree about line {edit.line}, column {edit.column}")
        wanted[key] = edit
    found: dict[cst.CSTNode, str] = {}
    seen: set[tuple[int, int]] = set()
    for node, where in wrapper.resolve(PositionProvider).items():
        key = (where.start.line, where.start.column + 1)
        edit = wanted.get(key)
        if edit is not None and key not in seen and _matches(node, edit):
            found[node] = edit.new
            seen.add(key)
    missing = sorted(set(wanted) - seen)
    if missing:
        line, column = missing[0]
        raise FixError(f"the code at line {line}, column {column} is not what the fix expects")
    return found


class _Replacer(cst.CSTTransformer):
    def __init__(self, targets: dict[cst.CSTNode, str]) -> None:
        super().__init__()
        self.targets = targets

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Union[cst.CSTNode, cst.RemovalSentinel]:
        new = self.targets.get(original_node)
        return cst.parse_expression(new) if new is not None else updated_node


class _NameCollector(cst.CSTVisitor):
    """Every identifier the module uses or binds (not attribute names or keyword argument names)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False


def _used_names(module: cst.Module) -> set[str]:
    collector = _NameCollector()
    module.visit(collector)
    return collector.names


# -- imports -------------------------------------------------------------------


def _module_name(node: Optional[Union[cst.Attribute, cst.Name]]) -> Optional[str]:
    return dotted(node) if node is not None else None


def _import_lines(module: cst.Module) -> Iterable[tuple[int, Union[cst.Import, cst.ImportFrom]]]:
    for position, statement in enumerate(module.body):
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    yield position, small


def _binds(statement: Union[cst.Import, cst.ImportFrom], need: ImportNeed) -> bool:
    """True when the import statement already binds what `need` asks for."""
    if isinstance(statement.names, cst.ImportStar):
        return False
    source = None if isinstance(statement, cst.Import) or statement.relative else _module_name(statement.module)
    for alias in statement.names:
        local = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else None
        if isinstance(statement, cst.Import):
            same = need.name is None and dotted(alias.name) == need.module
        else:
            same = source == need.module and need.name == dotted(alias.name)
        if same and local == need.alias:
            return True
    return False


def _with_imports(module: cst.Module, needs: list[ImportNeed], used: set[str]) -> cst.Module:
    for need in needs:
        if any(_binds(statement, need) for _, statement in _import_lines(module)):
            continue
        if need.local in used:
            raise FixError(f"the name {need.local} is already used in the file")
        module = _add_import(module, need)
    return module


def _add_import(module: cst.Module, need: ImportNeed) -> cst.Module:
    """Extend `from module import ...` when there is one at the top level, else add a line after the imports."""
    if need.name is not None:
        for position, statement in _import_lines(module):
            if (
                isinstance(statement, cst.ImportFrom) and not statement.relative
                and _module_name(statement.module) == need.module and not isinstance(statement.names, cst.ImportStar)
            ):
                return _replace_statement(module, position, statement, _extended(statement, need))
    text = f"import {need.module}\n" if need.name is None else f"from {need.module} import {need.name}"
    if need.name is not None:
        text += f" as {need.alias}\n" if need.alias else "\n"
    line = cst.parse_statement(text)
    body = list(module.body)
    body.insert(_insertion_point(module, need.module.split(".", 1)[0]), line)
    return module.with_changes(body=body)


def _replace_statement(module: cst.Module, position: int, old: cst.BaseSmallStatement, new: cst.BaseSmallStatement) -> cst.Module:
    line = module.body[position]
    assert isinstance(line, cst.SimpleStatementLine)
    small = [new if item is old else item for item in line.body]
    body = list(module.body)
    body[position] = line.with_changes(body=small)
    return module.with_changes(body=body)


def _extended(statement: cst.ImportFrom, need: ImportNeed) -> cst.ImportFrom:
    """The statement with `need.name` added where sorting puts it, in the statement's own comma style."""
    names = list(statement.names)  # type: ignore[arg-type]
    assert need.name is not None
    new = cst.ImportAlias(
        name=cst.Name(need.name), asname=cst.AsName(name=cst.Name(need.alias)) if need.alias else None
    )
    keys = [dotted(alias.name) or "" for alias in names]
    position = len(names)  # unsorted names: append
    for fold in (str, str.lower):
        if keys == sorted(keys, key=fold):
            position = next((i for i, key in enumerate(keys) if fold(key) > fold(need.name)), len(names))
            break
    separator = names[0].comma if len(names) > 1 and isinstance(names[0].comma, cst.Comma) else cst.Comma(
        whitespace_after=cst.SimpleWhitespace(" ")
    )
    if position == len(names):
        last = names[-1]
        names[-1] = last.with_changes(comma=separator)
        names.append(new.with_changes(comma=last.comma))
    else:
        names.insert(position, new.with_changes(comma=separator))
    return statement.with_changes(names=names)


def _insertion_point(module: cst.Module, package: str) -> int:
    """After the last top-level import of `package` (keeping import groups together), else after
    the last top-level import above the first class or function, else after the docstring."""
    point = 1 if module.body and _is_docstring(module.body[0]) else 0
    same_package = None
    for position, statement in enumerate(module.body):
        if isinstance(statement, (cst.ClassDef, cst.FunctionDef)):
            break
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, (cst.Import, cst.ImportFrom)):
                point = position + 1
                if package in _imported_packages(small):
                    same_package = position + 1
    return same_package if same_package is not None else point


def _imported_packages(statement: Union[cst.Import, cst.ImportFrom]) -> set[str]:
    """Top-level packages an import statement names (none for a relative import)."""
    if isinstance(statement, cst.ImportFrom):
        name = None if statement.relative else _module_name(statement.module)
        return {name.split(".", 1)[0]} if name else set()
    return {(dotted(alias.name) or "").split(".", 1)[0] for alias in statement.names}


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )
