"""A read-only walk over a LibCST tree, and the positions of its nodes, for the fact collectors.

LibCST's `CSTNode.visit` serves transformers too: it rebuilds every node it passes
and looks up `visit_<Type>_<field>` hooks for every field; `MetadataWrapper.visit`
also walks the whole tree once more, with no visitor, after computing positions.
Those three costs were most of a cold run. `walk` calls the same `visit_<Type>` /
`leave_<Type>` methods on the same (original) nodes in the same order as
`module.visit(visitor)`, without rebuilding anything and without entering nodes
that cannot hold a statement or an expression (whitespace, punctuation,
operators, names and numbers) unless the visitor has a method for them.
`positions` is LibCST's `PositionProvider` computation with the same results,
minus the generator-based context managers and regex splits it pays per token.
Both lean on LibCST internals (`_visit_and_replace_children`, `_codegen`, the codegen
state); tests/test_walk.py checks them against LibCST's own visit and positions.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Optional, cast

import libcst as cst
from libcst._nodes import op, whitespace
from libcst._typed_visitor import CSTTypedVisitorFunctions
from libcst.metadata import BaseMetadataProvider, CodeRange, MetadataWrapper
from libcst.metadata.position_provider import (
    PositionProvider,
    PositionProvidingCodegenState,
)

# Nodes whose subtree holds only whitespace, comments and punctuation.
_SYNTAX_ONLY: frozenset[type] = frozenset(
    cls
    for module in (op, whitespace)
    for cls in vars(module).values()
    if isinstance(cls, type) and issubclass(cls, cst.CSTNode) and cls.__module__ == module.__name__
) | {
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Asynchronous,
}
# ... and nodes that hold only those (leaves of the syntax tree).
_LEAVES = _SYNTAX_ONLY | {
    cst.Name,
    cst.Integer,
    cst.Float,
    cst.Imaginary,
    cst.Ellipsis,
    cst.Pass,
    cst.Break,
    cst.Continue,
}

_FIELDS: dict[type, tuple[str, ...]] = {}  # node class -> child fields, in visiting order
_PARTIAL: dict[
    type, tuple[tuple[str, ...], tuple[str, ...]]
] = {}  # ... learnt while these fields were None


class _FieldOrder(cst.CSTVisitor):
    """Records the fields a node's `_visit_and_replace_children` visits, in its order, without descending."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.fields.append(attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass

    def on_leave(self, original_node: cst.CSTNode) -> None:
        pass


def _child_fields(node: cst.CSTNode) -> tuple[str, ...]:
    """The child fields of `node`'s class in LibCST's visiting (source) order, learnt from instances.

    A few classes visit a field only when it is set (`format_spec` of an f-string
    expression); such a field is learnt from the first instance that has it.
    """
    cls = type(node)
    partial = _PARTIAL.get(cls)
    if partial is not None and not any(_holds_nodes(getattr(node, name)) for name in partial[1]):
        return partial[0]
    recorder = _FieldOrder()
    node._visit_and_replace_children(recorder)
    order = tuple(dict.fromkeys(recorder.fields))
    absent = tuple(
        f.name
        for f in dataclasses.fields(node)
        if f.name not in order and getattr(node, f.name) is None
    )
    if absent:
        _PARTIAL[cls] = (order, absent)
    else:
        _FIELDS[cls] = order
    return order


def _holds_nodes(value: object) -> bool:
    return isinstance(value, (cst.CSTNode, tuple, list))


Handler = Callable[[cst.CSTVisitor, cst.CSTNode], object]
# Per visitor class: its own visit_<Type> / leave_<Type> functions per node class, and the leaves it never enters.
_HANDLERS: dict[type, dict[type, tuple[Optional[Handler], Optional[Handler]]]] = {}
_SKIPPED: dict[type, frozenset[type]] = {}


def _own_method(visitor_class: type, name: str) -> Optional[Handler]:
    """`visitor_class.<name>` unless it is LibCST's empty default."""
    method: Optional[Handler] = getattr(visitor_class, name, None)
    if method is None or method is getattr(CSTTypedVisitorFunctions, name, None):
        return None
    return method


def _handlers_of(
    visitor_class: type, node_class: type
) -> tuple[Optional[Handler], Optional[Handler]]:
    return _own_method(visitor_class, f"visit_{node_class.__name__}"), _own_method(
        visitor_class, f"leave_{node_class.__name__}"
    )


def walk(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """Call `visitor`'s `visit_<Type>` (False skips the children) and `leave_<Type>` methods over `node`'s tree."""
    visitor_class = type(visitor)
    handlers = _HANDLERS.setdefault(visitor_class, {})
    skip = _SKIPPED.get(visitor_class)
    if skip is None:
        skip = _SKIPPED[visitor_class] = frozenset(
            cls for cls in _LEAVES if _handlers_of(visitor_class, cls) == (None, None)
        )
    fields = _FIELDS
    sentinel = cst.MaybeSentinel

    def go(current: cst.CSTNode) -> None:
        cls = type(current)
        entry = handlers.get(cls)
        if entry is None:
            entry = handlers[cls] = _handlers_of(visitor_class, cls)
        visit, leave = entry
        if visit is None or visit(visitor, current) is not False:
            for name in fields.get(cls) or _child_fields(current):
                value = getattr(current, name)
                kind = type(value)
                if kind is tuple or kind is list:
                    for child in value:
                        if type(child) not in skip:
                            go(child)
                elif (
                    value is not None and kind is not sentinel and kind not in skip
                ):  # None / MaybeSentinel: absent
                    go(value)
        if leave is not None:
            leave(visitor, current)

    go(node)


class Positions:
    """Where the nodes of one module start and end, as LibCST's `PositionProvider` puts them (1-based columns here)."""

    __slots__ = ("_ranges",)

    def __init__(self, ranges: dict[int, tuple[int, int, int, int]]) -> None:
        self._ranges = ranges  # id(node) -> (line, column, end line, end column), 0-based columns

    def start(self, node: cst.CSTNode) -> tuple[int, int]:
        line, column, _, _ = self._ranges[id(node)]
        return line, column + 1

    def span(self, node: cst.CSTNode) -> tuple[int, int, int]:
        """Start line, start column and end line."""
        line, column, end_line, _ = self._ranges[id(node)]
        return line, column + 1, end_line


class _RangeState(PositionProvidingCodegenState):
    """`PositionProvider`'s code generation, with the same ranges and less work per token and node.

    Ranges are plain tuples keyed by node id in `provider._computed` (the tree outlives them).
    A token without a line break only moves the column (LibCST splits every token on a regex).
    """

    __slots__ = ()

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        if "\n" in value or "\r" in value:
            self._update_position(value)
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append((self.line, self.column))  # type: ignore[arg-type]  # a plain (line, column) pair stands for LibCST's CodePosition

    def after_codegen(self, node: cst.CSTNode) -> None:
        line, column = cast("tuple[int, int]", self._stack.pop())  # pushed by before_codegen
        key = id(node)
        computed = _ranges(self.provider)
        if key not in computed:
            computed[key] = (line, column, self.line, self.column)

    def record_syntactic_position(  # type: ignore[override]  # a plain context manager for LibCST's generator-based one
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> _Syntactic:
        return _Syntactic(self, node, start_node, end_node)


class _Syntactic:
    """`record_syntactic_position`'s context manager as a plain class (LibCST's is a generator)."""

    __slots__ = ("column", "end_node", "line", "node", "start_node", "state")

    def __init__(
        self,
        state: _RangeState,
        node: cst.CSTNode,
        start_node: Optional[cst.CSTNode],
        end_node: Optional[cst.CSTNode],
    ) -> None:
        self.state = state
        self.node = node
        self.start_node = start_node
        self.end_node = end_node

    def __enter__(self) -> None:
        self.line, self.column = self.state.line, self.state.column

    def __exit__(self, *exc_info: object) -> None:
        state = self.state
        computed = _ranges(state.provider)
        line, column = (
            computed[id(self.start_node)][:2]
            if self.start_node is not None
            else (self.line, self.column)
        )
        end = (
            computed[id(self.end_node)][2:]
            if self.end_node is not None
            else (state.line, state.column)
        )
        computed[id(self.node)] = (line, column, end[0], end[1])


def positions(module: cst.Module) -> Positions:
    """Every node's range, from one code generation of `module`."""
    provider = PositionProvider()
    state = _RangeState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        provider=provider,
    )
    module._codegen(state)
    return Positions(_ranges(provider))


def _ranges(provider: BaseMetadataProvider[CodeRange]) -> dict[int, tuple[int, int, int, int]]:
    """The provider's store of computed ranges, which this module keys by node id (a tuple per
    node) where LibCST keys CodeRange objects by node."""
    return cast("dict[int, tuple[int, int, int, int]]", provider._computed)


def wrapper_positions(wrapper: MetadataWrapper) -> Positions:
    """The positions of `wrapper.module`, computed once per wrapper and kept with its metadata."""
    metadata = getattr(wrapper, "_metadata", None)  # MetadataWrapper's store of resolved providers
    found = metadata.get(Positions) if isinstance(metadata, dict) else None
    if found is None:
        found = positions(wrapper.module)
        if isinstance(metadata, dict):
            metadata[Positions] = found
    return found
