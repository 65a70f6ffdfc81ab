"""The facts of statements with no marker, read from the `ast` tree the syntax check built.

A statement in which the prefilter finds no marker (`prefilter.needs_libcst`) yields
only the shape of the code to `extract.FactCollector`: imports, bindings, classes,
module-level functions and calls, every function with what it returns, `__all__`, and the interactions its calls and
attributes show (`session.query(...)`). `ShapeCollector` records exactly those
facts from `ast`, as the LibCST collector would (same summaries, same order, columns
in characters). Where `ast` does not say enough to be sure of that (f-strings,
parenthesised tuples, generator arguments) it raises `Unsupported`, and the statement
is given to LibCST instead (`facts/slices.py`). tests/test_sliced_parse.py checks the
two agree on every fixture, the rule examples and a generated corpus.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from collections.abc import Iterator, Sequence
from typing import Optional, Union

from dblint.facts.ast_imports import imports_of
from dblint.facts.exports import Exports
from dblint.facts.model import DICT_SPREAD, Binding, ClassAttr, ClassDef, Expr, Import
from dblint.facts.model import FunctionDef as FunctionFact
from dblint.facts.vocabulary import (
    INTERACTION_ATTRIBUTES,
    MAX_DEPTH,
    MAX_ITEMS,
    MESSAGE_KEYWORDS,
    TYPE_CHECKING_TESTS,
    Interaction,
    attribute_interactions,
    call_interactions,
    format_fields,
    registers_migration,
    snake_cases,
)

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]
_OPERATORS = {
    ast.Add: "Add",
    ast.Sub: "Subtract",
    ast.Mult: "Multiply",
    ast.Div: "Divide",
    ast.FloorDiv: "FloorDivide",
    ast.Mod: "Modulo",
    ast.Pow: "Power",
    ast.LShift: "LeftShift",
    ast.RShift: "RightShift",
    ast.BitOr: "|",
    ast.BitAnd: "BitAnd",
    ast.BitXor: "BitXor",
    ast.MatMult: "MatrixMultiply",
}
# Nodes with a position of their own (`lineno`, `col_offset`).
Located = Union[ast.expr, ast.stmt, ast.arg]
# `match` (Python 3.10+).
_MATCH_STATEMENTS: tuple[type[ast.Match], ...] = (ast.Match,) if sys.version_info >= (3, 10) else ()
# `try` and, from Python 3.11, `try ... except*` (ast.TryStar has ast.Try's fields).
_TRY_STATEMENTS: tuple[type[ast.Try], ...] = (ast.Try, getattr(ast, "TryStar", ast.Try))
_NOT_CODE = frozenset(
    (
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.COMMENT,
        tokenize.ENDMARKER,
        tokenize.INDENT,
        tokenize.DEDENT,
    )
)


class Unsupported(Exception):
    """`ast` cannot give this statement's facts exactly as LibCST would: parse it with LibCST."""


class SourceLines:
    """The lines of a module, to turn `ast` offsets (UTF-8 bytes) into LibCST's (characters)."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.mentions_all = "__all__" in text  # else no statement can touch `__all__`

    def start(self, node: Located) -> tuple[int, int]:
        """Line and 1-based column of `node` as `walk.Positions.start` gives them.

        LibCST starts a parenthesised tuple or generator inside its parentheses; `ast` at them.
        """
        line, column = node.lineno, self._column(node.lineno, node.col_offset)
        if (
            isinstance(node, (ast.Tuple, ast.GeneratorExp))
            and self.lines[line - 1][column : column + 1] == "("
        ):
            inside = self.inside_parentheses(node)
            if inside is not None:
                return inside[0], inside[1] + 1
        return line, column + 1

    def indented_block(self, node: Union[ast.ClassDef, FunctionNode]) -> list[ast.stmt]:
        """`node`'s body when it is an indented block; LibCST's collector ignores a one-line body."""
        first = node.body[0]
        return (
            node.body
            if not self.lines[first.lineno - 1][
                : self._column(first.lineno, first.col_offset)
            ].strip()
            else []
        )

    def body_text(self, node: FunctionNode) -> str:
        """The source lines of a function's body (from its first statement's line)."""
        return "\n".join(self.lines[node.body[0].lineno - 1 : node.end_lineno])

    def _column(self, line: int, offset: int) -> int:
        text = self.lines[line - 1]
        return offset if text.isascii() else len(text.encode("utf-8")[:offset].decode("utf-8"))

    def inside_parentheses(self, node: ast.expr) -> Optional[tuple[int, int]]:
        """Where the first token after the `(` that opens `node` starts, when that `(` closes at its end."""
        line = node.lineno
        end_line = node.end_lineno or line  # set by `ast.parse` on every node
        column, end = (
            self._column(line, node.col_offset),
            self._column(end_line, node.end_col_offset or 0),
        )
        if line == end_line:
            segment = self.lines[line - 1][column:end]
        else:
            segment = "\n".join(
                [
                    self.lines[line - 1][column:],
                    *self.lines[line : end_line - 1],
                    self.lines[end_line - 1][:end],
                ]
            )
        try:
            tokens = [
                token
                for token in tokenize.generate_tokens(io.StringIO(segment).readline)
                if token.type not in _NOT_CODE
            ]
        except (tokenize.TokenError, SyntaxError):
            raise Unsupported("cannot tokenize") from None
        depth = 0
        for number, token in enumerate(tokens):
            depth += token.string in "([{" and token.type == tokenize.OP
            depth -= token.string in ")]}" and token.type == tokenize.OP
            if depth == 0 and number < len(tokens) - 1:
                return None  # `(a), b`: the parenthesis belongs to the first element
        row, offset = tokens[1].start
        return line + row - 1, offset + column if row == 1 else offset

    def token(self, node: ast.expr) -> str:
        """The source text of a one-line token (a number)."""
        text = self.lines[node.lineno - 1].encode("utf-8")
        return text[node.col_offset : node.end_col_offset].decode("utf-8")


def dotted(node: ast.AST) -> Optional[str]:
    """`exprs.dotted` on an `ast` expression."""
    parts: list[str] = []
    current = node
    while True:
        if isinstance(current, ast.Name):
            parts.append(current.id)
            return ".".join(reversed(parts))
        if isinstance(current, ast.Constant) and (
            current.value is None or isinstance(current.value, bool)
        ):
            parts.append(repr(current.value))  # LibCST reads True / False / None as names
            return ".".join(reversed(parts))
        if isinstance(current, ast.Attribute):
            parts.append(current.attr)
            current = current.value
        elif isinstance(current, (ast.Subscript, ast.Call)):
            inner = dotted(current.value if isinstance(current, ast.Subscript) else current.func)
            if inner is None:
                return None
            parts.append(inner + ("[]" if isinstance(current, ast.Subscript) else "()"))
            return ".".join(reversed(parts))
        else:
            return None


def string_value(node: ast.AST) -> Optional[str]:
    """`exprs.string_value`: f-strings are not read here (LibCST keeps their text raw)."""
    if isinstance(node, ast.JoinedStr):
        raise Unsupported("f-string")
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def format_template(node: ast.AST) -> Optional[str]:
    """`exprs.format_template`: `"...".format(...)` on a string literal, its fields as `{}`."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        return None
    template = string_value(node.func.value)
    return format_fields(template) if template is not None else None


def _in_source_order(call: ast.Call) -> list[Union[ast.expr, ast.keyword]]:
    return sorted((*call.args, *call.keywords), key=lambda item: (item.lineno, item.col_offset))


class ShapeCollector:
    """Imports, bindings, classes, functions, module-level calls and `__all__` of some statements."""

    def __init__(self, source: SourceLines) -> None:
        self._source = source
        self.imports: list[Import] = []
        self.bindings: list[Binding] = []
        self.classes: list[ClassDef] = []
        self.functions: list[str] = []
        self.toplevel_calls: list[str] = []
        self.exports = Exports()
        self.interactions: set[Interaction] = set()  # with their sources: `origins`
        self.function_defs: list[FunctionFact] = []
        self._returns: list[list[Expr]] = []  # per open function: the values of its `return`s
        self._forwards: list[bool] = []
        self._function_nodes: list[FunctionNode] = []
        self._scopes: list[str] = []
        self._class_body: list[bool] = []
        self._type_checking = 0
        # The scopes of the `if TYPE_CHECKING:` `else`s the walk is in (innermost last).
        self._checking_else: list[str] = []

    def collect(self, statements: Sequence[ast.stmt]) -> ShapeCollector:
        """Record the facts of module-level `statements` (raises `Unsupported`)."""
        for statement in statements:
            if self._source.mentions_all:
                self.exports.read_ast(statement)
            self._statement(statement)
        return self

    # -- summaries ----------------------------------------------------------------

    def summarize(self, node: ast.expr, depth: int = 0) -> Expr:
        """`exprs.summarize` on an `ast` expression."""
        line, column = self._source.start(node)
        if depth > MAX_DEPTH:
            return Expr("other", line=line, column=column)
        text = string_value(node)
        if text is not None:
            return Expr("str", text, line=line, column=column)
        if isinstance(node, ast.Constant):
            value = node.value
            if value is None or isinstance(value, bool):
                return Expr("const", repr(value), line=line, column=column)
            if isinstance(value, (int, float, complex)):
                return Expr("const", self._source.token(node), line=line, column=column)
            return Expr("other", line=line, column=column)
        if (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.operand, ast.Constant)
            and type(node.operand.value) in (int, float)
        ):
            return Expr("const", "-" + self._source.token(node.operand), line=line, column=column)
        formatted = format_template(node)
        if formatted is not None:
            return Expr("str", formatted, line=line, column=column)
        if isinstance(node, ast.Call):
            items = _in_source_order(node)[:MAX_ITEMS]
            args = tuple(
                self.summarize(item, depth + 1)
                for item in items
                if isinstance(item, ast.expr) and not isinstance(item, ast.Starred)
            )
            keywords = tuple(
                (item.arg, self.summarize(item.value, depth + 1))
                for item in items
                if isinstance(item, ast.keyword) and item.arg is not None
            )
            return Expr("call", dotted(node.func) or "", args, keywords, line, column)
        if isinstance(node, ast.Subscript):
            return Expr(
                "subscript",
                dotted(node.value) or "",
                self._subscript_elements(node.slice, depth),
                line=line,
                column=column,
            )
        if isinstance(node, (ast.Name, ast.Attribute)):
            name = dotted(node)
            if name is not None:
                return Expr("name", name, line=line, column=column)
        if isinstance(node, ast.BinOp):
            sides = (self.summarize(node.left, depth + 1), self.summarize(node.right, depth + 1))
            return Expr("op", _OPERATORS[type(node.op)], sides, line=line, column=column)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            elements = tuple(
                self.summarize(el, depth + 1)
                for el in node.elts[:MAX_ITEMS]
                if not isinstance(el, ast.Starred)
            )
            return Expr("list", "", elements, line=line, column=column)
        if isinstance(node, ast.Dict):
            return self._dict(node, depth, line, column)
        return Expr("other", line=line, column=column)

    def _subscript_elements(self, index: ast.expr, depth: int) -> tuple[Expr, ...]:
        if isinstance(index, ast.Tuple) and self._source.inside_parentheses(index) is None:
            elements = index.elts  # `X[a, b]`; `X[(a, b)]` is one element to LibCST
        else:
            elements = [index]
        if any(isinstance(element, ast.Starred) for element in elements[:MAX_ITEMS]):
            raise Unsupported("starred subscript")
        return tuple(
            self.summarize(el, depth + 1)
            for el in elements[:MAX_ITEMS]
            if not isinstance(el, ast.Slice)
        )

    def _dict(self, node: ast.Dict, depth: int, line: int, column: int) -> Expr:
        items: list[tuple[str, Expr]] = []
        pairs: list[Expr] = []
        for key, value in list(zip(node.keys, node.values))[:MAX_ITEMS]:
            if key is None:  # `**other`
                continue
            text = string_value(key)
            summary = self.summarize(value, depth + 1)
            if text is not None:
                items.append((text, summary))
            else:
                key_line, key_column = self._source.start(key)
                pairs.append(
                    Expr(
                        "list",
                        "",
                        (self.summarize(key, depth + 1), summary),
                        line=key_line,
                        column=key_column,
                    )
                )
        spread = DICT_SPREAD if None in node.keys else ""
        return Expr("dict", spread, tuple(pairs), tuple(items), line, column)

    # -- statements -----------------------------------------------------------------

    @property
    def _scope(self) -> str:
        return ".".join(self._scopes)

    def _statement(self, node: ast.stmt) -> None:
        self._record_interactions(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._function(node)
            return
        if isinstance(node, ast.ClassDef):
            self._class(node)
            return
        if isinstance(node, _TRY_STATEMENTS):
            self._try(node)
            return
        if not self._scopes:
            self._record_calls(_own_expressions(node))
        if isinstance(node, ast.Return):
            self._return(node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            self._import(node)
        elif isinstance(node, ast.Assign):
            self._assign(node)
        elif isinstance(node, ast.AnnAssign):
            self._annotated(node)
        elif isinstance(node, ast.If):
            guarded = dotted(node.test) in TYPE_CHECKING_TESTS
            self._type_checking += guarded
            self._block(node.body)
            self._type_checking -= guarded  # the `else:` runs when not type checking
            if guarded and node.orelse:
                self._checking_else.append(self._scope)
            self._block(node.orelse)
            if guarded and node.orelse:
                self._checking_else.pop()
        elif isinstance(node, _MATCH_STATEMENTS):
            for case in node.cases:
                if not self._scopes:
                    self._record_calls(
                        iter([case.pattern] + ([case.guard] if case.guard is not None else []))
                    )
                self._block(case.body)
        else:
            self._block(
                *(
                    getattr(node, field)
                    for field in ("body", "orelse")
                    if isinstance(getattr(node, field, None), list)
                )
            )

    def _try(self, node: ast.Try) -> None:
        """`try` with its handlers' exception expressions in source order (between the bodies)."""
        self._block(node.body)
        for handler in node.handlers:
            if handler.type is not None and not self._scopes:
                self._record_calls(iter((handler.type,)))
            self._block(handler.body)
        self._block(node.orelse, node.finalbody)

    def _block(self, *bodies: list[ast.stmt]) -> None:
        for body in bodies:
            for statement in body:
                self._statement(statement)

    def _function(self, node: FunctionNode) -> None:
        if not self._scopes:
            self.functions.append(node.name)
        scope, position = self._scope, self._source.start(node)
        self._returns.append([])
        self._forwards.append(False)
        self._function_nodes.append(node)
        self._scopes.append(node.name)
        self._class_body.append(False)
        arguments = node.args
        for param in (*arguments.args, *arguments.kwonlyargs, *arguments.posonlyargs):
            if param.annotation is not None:
                line, column = self._source.start(param)
                self.bindings.append(
                    Binding(
                        param.arg, None, self.summarize(param.annotation), line, column, self._scope
                    )
                )
        self._block(node.body)
        self._scopes.pop()
        self._class_body.pop()
        self._function_nodes.pop()
        params = tuple(
            param.arg for param in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)
        )
        self.function_defs.append(
            FunctionFact(
                node.name,
                *position,
                scope,
                params,
                tuple(self._returns.pop()),
                self._forwards.pop(),
                *snake_cases(params, lambda: self._source.body_text(node)),
                any(_numbered(decorator) for decorator in node.decorator_list),
            )
        )

    def _return(self, node: ast.Return) -> None:
        """A `return` of the innermost function, and whether it passes the function's `*args` / `**kwargs` on."""
        if not self._returns or node.value is None:
            return
        self._returns[-1].append(self.summarize(node.value))
        function = self._function_nodes[-1]
        star = {
            param.arg for param in (function.args.vararg, function.args.kwarg) if param is not None
        }
        value = node.value
        if isinstance(value, ast.Call) and any(
            isinstance(passed, ast.Name) and passed.id in star
            for passed in (
                *(arg.value for arg in value.args if isinstance(arg, ast.Starred)),
                *(keyword.value for keyword in value.keywords if keyword.arg is None),
            )
        ):
            self._forwards[-1] = True

    def _class(self, node: ast.ClassDef) -> None:
        if any(isinstance(base, ast.Starred) for base in node.bases):
            raise Unsupported("starred base")
        attrs: list[ClassAttr] = []
        methods: list[ClassAttr] = []
        for statement in self._source.indented_block(node):
            if isinstance(statement, (ast.Assign, ast.AnnAssign)):
                attrs.extend(self._class_attrs(statement))
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                methods.append(self._method(statement))
        line, column = self._source.start(node)
        self.classes.append(
            ClassDef(
                name=node.name,
                line=line,
                column=column,
                bases=tuple(self.summarize(base) for base in node.bases),
                keywords=tuple(
                    (kw.arg, self.summarize(kw.value)) for kw in node.keywords if kw.arg is not None
                ),
                decorators=tuple(self.summarize(decorator) for decorator in node.decorator_list),
                attrs=tuple(attrs),
                scope=self._scope,
                methods=tuple(methods),
            )
        )
        self._scopes.append(node.name)
        self._class_body.append(True)
        self._block(node.body)
        self._scopes.pop()
        self._class_body.pop()

    def _class_attrs(self, node: Union[ast.Assign, ast.AnnAssign]) -> list[ClassAttr]:
        position = self._source.start(node)
        if isinstance(node, ast.Assign):
            assigned = self.summarize(node.value)
            return [
                ClassAttr(target.id, assigned, None, *position)
                for target in node.targets
                if isinstance(target, ast.Name)
            ]
        if not isinstance(node.target, ast.Name):
            return []
        value = self.summarize(node.value) if node.value is not None else None
        return [ClassAttr(node.target.id, value, self.summarize(node.annotation), *position)]

    def _method(self, node: FunctionNode) -> ClassAttr:
        returned: Optional[Expr] = None
        found = next(
            (
                statement
                for statement in self._source.indented_block(node)
                if isinstance(statement, ast.Return)
            ),
            None,
        )
        if found is not None and found.value is not None:
            returned = self.summarize(found.value)
        decorator = self.summarize(node.decorator_list[0]) if node.decorator_list else None
        return ClassAttr(node.name, returned, decorator, *self._source.start(node))

    def _import(self, node: Union[ast.Import, ast.ImportFrom]) -> None:
        # LibCST spells a dotted module name as attributes (`a.session`): their interactions count.
        dotted_names = (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
        )
        for name in dotted_names:
            parts = name.split(".")
            for end in range(2, len(parts) + 1):
                if parts[end - 1] in INTERACTION_ATTRIBUTES:
                    source = ".".join(parts[:end])
                    self.interactions.update(
                        attribute_interactions(parts[end - 1], source, self._scope)
                    )
        self.imports += imports_of(node, self._scope, self._type_checking > 0)

    def _assign(self, node: ast.Assign) -> None:
        if self._class_body and self._class_body[-1]:
            return
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.bindings.append(
                    Binding(
                        target.id,
                        self.summarize(node.value),
                        None,
                        *self._source.start(node),
                        self._scope,
                        self._in_checking_else(),
                    )
                )
            elif (
                isinstance(target, ast.Attribute) and target.attr == "metadata" and not self._scopes
            ):
                raise Unsupported("`X.metadata = ...` is read by LibCST")

    def _annotated(self, node: ast.AnnAssign) -> None:
        if (self._class_body and self._class_body[-1]) or not isinstance(node.target, ast.Name):
            return
        value = self.summarize(node.value) if node.value is not None else None
        annotation = self.summarize(node.annotation)
        self.bindings.append(
            Binding(
                node.target.id,
                value,
                annotation,
                *self._source.start(node),
                self._scope,
                self._in_checking_else(),
            )
        )

    def _in_checking_else(self) -> bool:
        """In the `else:` of an `if TYPE_CHECKING:` of the current scope (`Binding.checking_else`)."""
        return bool(self._checking_else) and self._checking_else[-1] == self._scope

    # -- module-level calls -----------------------------------------------------------

    def _record_interactions(self, statement: ast.stmt) -> None:
        """The interactions the calls and attributes of `statement`'s own expressions show."""
        roots: list[ast.AST] = list(_own_expressions(statement))
        roots += [
            handler.type
            for handler in getattr(statement, "handlers", ())
            if handler.type is not None
        ]
        for case in getattr(statement, "cases", ()):
            roots += [case.pattern] + ([case.guard] if case.guard is not None else [])
        for node in _visited(iter(roots)):
            if isinstance(node, ast.Call):
                if _makes_class(node):
                    raise Unsupported("`type(name, bases, namespace)` is kept whole by LibCST")
                self.interactions.update(call_interactions(dotted(node.func) or "", self._scope))
            elif isinstance(node, ast.Attribute) and node.attr in INTERACTION_ATTRIBUTES:
                self.interactions.update(
                    attribute_interactions(node.attr, dotted(node) or "", self._scope)
                )

    def _record_calls(self, roots: Iterator[ast.AST]) -> None:
        """Callees of the calls under `roots` (module level), in LibCST's visiting order."""
        calls = sorted(
            _calls(roots),
            key=lambda call: (
                call.lineno,
                call.col_offset,
                -(call.end_lineno or 0),  # set by `ast.parse` on every node
                -(call.end_col_offset or 0),
            ),
        )
        for call in calls:
            name = dotted(call.func)
            if name:
                self.toplevel_calls.append(name)


def _own_expressions(statement: ast.stmt) -> Iterator[ast.AST]:
    """The parts of `statement` that are not nested statements (those are visited on their own)."""
    for name, value in ast.iter_fields(statement):
        if name in ("body", "orelse", "finalbody", "handlers", "cases"):
            continue
        if isinstance(value, list):
            yield from (item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            yield value


def _makes_class(call: ast.Call) -> bool:
    """`type(name, bases, namespace)`, which the LibCST collector records (`extract._makes_class`)."""
    return (
        isinstance(call.func, ast.Name)
        and call.func.id == "type"
        and len(call.args) == 3
        and not call.keywords
        and not any(isinstance(arg, ast.Starred) for arg in call.args)
    )


def _calls(roots: Iterator[ast.AST]) -> Iterator[ast.Call]:
    return (node for node in _visited(roots) if isinstance(node, ast.Call))


def _visited(roots: Iterator[ast.AST]) -> Iterator[ast.AST]:
    """Every node LibCST's collector visits under `roots`: not in strings, message arguments nor string concatenations."""
    stack = list(roots)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.JoinedStr, ast.Constant)):
            continue
        if isinstance(node, ast.keyword) and node.arg in MESSAGE_KEYWORDS:
            continue
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Add)
            and _concatenates_string(node)
        ):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _concatenates_string(node: ast.BinOp) -> bool:
    """`exprs.concatenation_value` is not None: a `+` chain with a string literal among its operands."""
    stack: list[ast.expr] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add):
            stack.extend((current.left, current.right))
        elif isinstance(current, ast.JoinedStr) or (
            isinstance(current, ast.Constant) and isinstance(current.value, str)
        ):
            return True
    return False


def _numbered(decorator: ast.expr) -> bool:
    """`@RegisterMigration(4, MIGRATIONS)`: a decorator call named for migrations whose first
    argument is an integer literal, as `extract._numbered` reads it from LibCST (not a bool, not
    a starred argument)."""
    return (
        isinstance(decorator, ast.Call)
        and registers_migration(dotted(decorator.func) or "")
        and bool(decorator.args)
        and isinstance(decorator.args[0], ast.Constant)
        and type(decorator.args[0].value) is int
    )
