"""Turning LibCST expressions into `Expr` summaries and dotted names."""

from __future__ import annotations

from typing import Callable, Optional

import libcst as cst

from dblint.facts.model import DICT_SPREAD, Expr
from dblint.facts.vocabulary import MAX_DEPTH, MAX_ITEMS, format_fields

PositionOf = Callable[[cst.CSTNode], "tuple[int, int]"]


def dotted(node: cst.BaseExpression) -> Optional[str]:
    """`a.b.c` for names and attribute chains; `x[]` for subscripts, `f()` for calls."""
    parts: list[str] = []
    current: cst.BaseExpression = node
    while True:
        if isinstance(current, cst.Name):
            parts.append(current.value)
            return ".".join(reversed(parts))
        if isinstance(current, cst.Attribute):
            parts.append(current.attr.value)
            current = current.value
        elif isinstance(current, cst.Subscript):
            inner = dotted(current.value)
            if inner is None:
                return None
            parts.append(inner + "[]")
            return ".".join(reversed(parts))
        elif isinstance(current, cst.Call):
            inner = dotted(current.func)
            if inner is None:
                return None
            parts.append(inner + "()")
            return ".".join(reversed(parts))
        else:
            return None


def chain_receiver(node: cst.BaseExpression, method: str) -> cst.BaseExpression:
    """What a chain of `.method(...)` calls is made on (`ddl.execute_if(...)`: `ddl`), or the
    node itself: for methods that configure the object they are called on and return it
    (SQLAlchemy's `execute_if`, `execution_options`)."""
    while (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == method
    ):
        node = node.func.value
    return node


def string_value(node: cst.BaseExpression) -> Optional[str]:
    """The text of a string literal; f-string expressions become `{}`; None for bytes."""
    if isinstance(node, cst.SimpleString):
        if "b" in node.prefix.lower():
            return None
        try:
            value = node.evaluated_value
        except Exception:  # noqa: BLE001 - LibCST raises several kinds on malformed escapes: keep the raw body
            value = node.raw_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left = string_value(node.left)
        right = string_value(node.right)
        if left is None or right is None:
            return None
        return left + right
    if isinstance(node, cst.FormattedString):
        pieces: list[str] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                pieces.append(part.value)
            else:
                pieces.append("{}")
        return "".join(pieces)
    return None


def format_template(node: cst.BaseExpression) -> Optional[str]:
    """The text of `"UPDATE t SET a = {}".format(x)`, each replacement field as `{}` (as an
    f-string's); None for anything else or a template `str.format` would reject."""
    if not (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "format"
    ):
        return None
    template = string_value(node.func.value)
    return format_fields(template) if template is not None else None


def concatenation_value(node: cst.BinaryOperation) -> Optional[str]:
    """The text of `"DROP TABLE " + name + ";"`: string pieces kept, other operands as `{}`.

    None unless the operation is a `+` chain with at least one string literal.
    """
    pieces: list[str] = []
    has_string = False
    stack: list[cst.BaseExpression] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.BinaryOperation) and isinstance(current.operator, cst.Add):
            stack.extend((current.right, current.left))
            continue
        text = string_value(current)
        if text is None:
            pieces.append("{}")
        else:
            has_string = True
            pieces.append(text)
    return "".join(pieces) if has_string else None


def summarize(node: cst.BaseExpression, position: PositionOf, depth: int = 0) -> Expr:
    """A bounded summary of `node`; deeper or larger structures become "other"."""
    line, column = position(node)
    if depth > MAX_DEPTH:
        return Expr("other", line=line, column=column)
    text = string_value(node)
    if text is not None:
        return Expr("str", text, line=line, column=column)
    if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary)):
        return Expr("const", node.value, line=line, column=column)
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return Expr("const", node.value, line=line, column=column)
    if isinstance(node, cst.UnaryOperation) and isinstance(
        node.expression, (cst.Integer, cst.Float)
    ):
        return Expr("const", "-" + node.expression.value, line=line, column=column)
    formatted = format_template(node)
    if formatted is not None:  # `"{}_history".format(name)` is read as `f"{name}_history"`
        return Expr("str", formatted, line=line, column=column)
    if isinstance(node, cst.Call):
        callee = dotted(node.func) or ""
        args = tuple(
            summarize(arg.value, position, depth + 1)
            for arg in node.args[:MAX_ITEMS]
            if arg.keyword is None and not arg.star
        )
        keywords = tuple(
            (arg.keyword.value, summarize(arg.value, position, depth + 1))
            for arg in node.args[:MAX_ITEMS]
            if arg.keyword is not None
        )
        return Expr("call", callee, args, keywords, line, column)
    if isinstance(node, cst.Subscript):
        base = dotted(node.value) or ""
        elements = tuple(
            summarize(element.slice.value, position, depth + 1)
            for element in node.slice[:MAX_ITEMS]
            if isinstance(element.slice, cst.Index)
        )
        return Expr("subscript", base, elements, line=line, column=column)
    if isinstance(node, (cst.Name, cst.Attribute)):
        name = dotted(node)
        if name is not None:
            return Expr("name", name, line=line, column=column)
    if isinstance(node, cst.BinaryOperation):
        operator = "|" if isinstance(node.operator, cst.BitOr) else type(node.operator).__name__
        return Expr(
            "op",
            operator,
            (summarize(node.left, position, depth + 1), summarize(node.right, position, depth + 1)),
            line=line,
            column=column,
        )
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return Expr(
            "list",
            "",
            tuple(
                summarize(el.value, position, depth + 1)
                for el in node.elements[:MAX_ITEMS]
                if isinstance(el, cst.Element)
            ),
            line=line,
            column=column,
        )
    if isinstance(node, cst.Dict):
        items: list[tuple[str, Expr]] = []
        pairs: list[Expr] = []
        spread = any(isinstance(element, cst.StarredDictElement) for element in node.elements)
        for element in node.elements[:MAX_ITEMS]:
            if isinstance(element, cst.DictElement):
                key = string_value(element.key)
                value = summarize(element.value, position, depth + 1)
                if key is not None:
                    items.append((key, value))
                else:
                    key_line, key_column = position(element.key)
                    pair = (summarize(element.key, position, depth + 1), value)
                    pairs.append(Expr("list", "", pair, line=key_line, column=key_column))
        return Expr("dict", DICT_SPREAD if spread else "", tuple(pairs), tuple(items), line, column)
    return Expr("other", line=line, column=column)
