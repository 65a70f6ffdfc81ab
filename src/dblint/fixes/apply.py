"""Applying planned fixes to one file's source with LibCST.

Only the replaced expressions and the import lines change; everything else
(formatting, comments, encoding, line endings) is kept byte for byte. Each
replacement must find, at its position, the very name or call it was planned
for; a new import must not bind a name the file already uses. When either check
fails the file is left alone (`FixError`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Optional, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from dblint.facts.exprs import dotted
from dblint.fixes.model import ADD_KEYWORD, CALL, NAME, WRAP_IN_WITH, Fix, ImportNeed, Replacement


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


def _matches(node: cst.CSTNode, edit: Replacement, statements: set[cst.CSTNode]) -> bool:
    if edit.kind == NAME:
        return isinstance(node, (cst.Name, cst.Attribute)) and dotted(node) == edit.old
    if not isinstance(node, cst.Call) or dotted(node.func) != edit.old:
        return False
    return edit.kind == CALL or node in statements


def _statement_calls(module: cst.Module) -> set[cst.CSTNode]:
    """Calls that are a statement line of their own (`op.create_index(...)` alone on its line)."""
    found: set[cst.CSTNode] = set()

    class _Collector(cst.CSTVisitor):
        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
            if (
                len(node.body) == 1
                and isinstance(node.body[0], cst.Expr)
                and isinstance(node.body[0].value, cst.Call)
            ):
                found.add(node.body[0].value)

    module.visit(_Collector())
    return found


_Targets = dict[cst.CSTNode, dict[str, str]]  # node -> edit kind -> new text


def _targets(wrapper: MetadataWrapper, edits: list[Replacement]) -> _Targets:
    wanted: dict[tuple[int, int, str], Replacement] = {}
    for edit in edits:
        key = (
            edit.line,
            edit.column,
            edit.kind if edit.kind in (ADD_KEYWORD, WRAP_IN_WITH) else "",
        )
        if wanted.get(key, edit) != edit:
            raise FixError(f"two fixes disagree about line {edit.line}, column {edit.column}")
        wanted[key] = edit
    statements = _statement_calls(wrapper.module)
    found: _Targets = {}
    seen: set[tuple[int, int, str]] = set()
    for node, where in wrapper.resolve(PositionProvider).items():
        for key, edit in wanted.items():
            if (
                key[:2] == (where.start.line, where.start.column + 1)
                and key not in seen
                and _matches(node, edit, statements)
            ):
                found.setdefault(node, {})[edit.kind] = edit.new
                seen.add(key)
    missing = sorted(set(wanted) - seen)
    if missing:
        line, column, _ = missing[0]
        raise FixError(f"the code at line {line}, column {column} is not what the fix expects")
    return found


class _Replacer(cst.CSTTransformer):
    def __init__(self, targets: _Targets) -> None:
        super().__init__()
        self.targets = targets

    def on_leave(  # type: ignore[override]  # returns another node type than it gets (an expression for a name, a `with` for a line), as LibCST allows at run time
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> Union[cst.CSTNode, cst.RemovalSentinel]:
        if isinstance(original_node, cst.SimpleStatementLine) and isinstance(
            updated_node, cst.SimpleStatementLine
        ):
            return self._wrapped(original_node, updated_node)
        edits = self.targets.get(original_node, {})
        if CALL in edits or NAME in edits:
            return cst.parse_expression(edits.get(CALL) or edits[NAME])
        if ADD_KEYWORD in edits and isinstance(updated_node, cst.Call):
            return _with_keyword(updated_node, edits[ADD_KEYWORD])
        return updated_node

    def _wrapped(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.BaseStatement:
        """`with <item>:` around a statement line whose call is a WRAP_IN_WITH target."""
        first = original.body[0] if original.body else None
        item = (
            self.targets.get(first.value, {}).get(WRAP_IN_WITH)
            if isinstance(first, cst.Expr)
            else None
        )
        if item is None:
            return updated
        return cst.With(
            items=[cst.WithItem(cst.parse_expression(item))],
            body=cst.IndentedBlock(body=[updated.with_changes(leading_lines=())]),
            leading_lines=updated.leading_lines,
        )


def _with_keyword(call: cst.Call, keyword: str) -> cst.Call:
    """The call with `name=value` appended after its last argument, in the call's own comma style."""
    name, _, value = keyword.partition("=")
    args = list(call.args)
    new = cst.Arg(
        keyword=cst.Name(name),
        value=cst.parse_expression(value),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )
    if args:
        trailing = args[-1].comma
        comma: Union[cst.Comma, cst.MaybeSentinel] = cst.Comma(
            whitespace_after=cst.SimpleWhitespace(" ")
        )
        if isinstance(trailing, cst.Comma) and len(args) > 1:
            comma = args[
                -2
            ].comma  # one argument a line: the new one gets the previous lines' layout
        args[-1] = args[-1].with_changes(comma=comma)
        new = new.with_changes(comma=trailing)
    args.append(new)
    return call.with_changes(args=args)


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
    source = (
        None
        if isinstance(statement, cst.Import) or statement.relative
        else _module_name(statement.module)
    )
    for alias in statement.names:
        local = (
            alias.asname.name.value
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name)
            else None
        )
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
                isinstance(statement, cst.ImportFrom)
                and not statement.relative
                and _module_name(statement.module) == need.module
                and not isinstance(statement.names, cst.ImportStar)
            ):
                return _replace_statement(module, position, statement, _extended(statement, need))
    text = (
        f"import {need.module}\n" if need.name is None else f"from {need.module} import {need.name}"
    )
    if need.name is not None:
        text += f" as {need.alias}\n" if need.alias else "\n"
    line = cst.parse_statement(text)
    body = list(module.body)
    body.insert(_insertion_point(module, need.module.split(".", 1)[0]), line)
    return module.with_changes(body=body)


def _replace_statement(
    module: cst.Module, position: int, old: cst.BaseSmallStatement, new: cst.BaseSmallStatement
) -> cst.Module:
    line = module.body[position]
    assert isinstance(line, cst.SimpleStatementLine)
    small = [new if item is old else item for item in line.body]
    body = list(module.body)
    body[position] = line.with_changes(body=small)
    return module.with_changes(body=body)


def _extended(statement: cst.ImportFrom, need: ImportNeed) -> cst.ImportFrom:
    """The statement with `need.name` added where sorting puts it, in the statement's own comma style."""
    assert not isinstance(statement.names, cst.ImportStar)  # `_add_import` extends name lists only
    names = list(statement.names)
    assert need.name is not None
    new = cst.ImportAlias(
        name=cst.Name(need.name),
        asname=cst.AsName(name=cst.Name(need.alias)) if need.alias else None,
    )
    keys = [dotted(alias.name) or "" for alias in names]
    position = len(names)  # unsorted names: append
    for fold in (str, str.lower):
        if keys == sorted(keys, key=fold):
            position = next(
                (i for i, key in enumerate(keys) if fold(key) > fold(need.name)), len(names)
            )
            break
    separator = (
        names[0].comma
        if len(names) > 1 and isinstance(names[0].comma, cst.Comma)
        else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
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
