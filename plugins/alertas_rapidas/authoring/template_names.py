"""The names a template reads from its context, found in Jinja's syntax tree (not by searching the
text): `t.<label>` (the words of `labels.yaml`) and `<row>.<column>`, where a row is `row`,
`first` or the variable of a `{% for ... in rows %}` / `{% for ... in top %}` loop.

`validate` checks the labels against `labels.yaml` in both languages, and with `--dms` the row
columns against what the family's query returns, so a misspelt name fails before a run renders.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeGuard

from jinja2 import nodes

LABELS = "t"
ROW_NAMES = frozenset({"row", "first"})  # a per-row message's row; a digest's or report's first
ROW_LISTS = frozenset({"rows", "top"})  # loops over these bind a row


@dataclass(frozen=True)
class NameUse:
    """`<variable>.<name>` read on a line of a template."""

    variable: str
    name: str
    line: int


def attribute_uses(tree: nodes.Template, variables: frozenset[str], lists: frozenset[str] = frozenset()):
    """Every `<variable>.<name>` (or `<variable>['<name>']`) the template reads, where `variable` is
    one of `variables` or the loop variable of a `for` over one of `lists`. A loop or macro that
    binds one of those names to something else hides it inside its body."""
    return list(_walk(tree, variables, lists))


def _walk(node: nodes.Node, bound: frozenset[str], lists: frozenset[str]) -> Iterator[NameUse]:
    if isinstance(node, nodes.For):
        yield from _walk(node.iter, bound, lists)
        targets = _target_names(node.target)
        inner = bound - targets
        if (
            isinstance(node.iter, nodes.Name)
            and node.iter.name in lists
            and isinstance(node.target, nodes.Name)
        ):
            inner = inner | {node.target.name}
        for child in [*node.body, *node.else_, *([node.test] if node.test else [])]:
            yield from _walk(child, frozenset(inner), lists)
        return
    if isinstance(node, nodes.Macro | nodes.CallBlock):
        parameters = {argument.name for argument in getattr(node, "args", [])}
        inner = bound - parameters
        for child in node.iter_child_nodes():
            yield from _walk(child, frozenset(inner), lists)
        return
    if isinstance(node, nodes.Getattr) and _reads(node.node, bound):
        yield NameUse(node.node.name, node.attr, node.lineno)
    elif (
        isinstance(node, nodes.Getitem)
        and _reads(node.node, bound)
        and isinstance(node.arg, nodes.Const)
        and isinstance(node.arg.value, str)
    ):
        yield NameUse(node.node.name, node.arg.value, node.lineno)
    for child in node.iter_child_nodes():
        yield from _walk(child, bound, lists)


def _reads(node: nodes.Node, bound: frozenset[str]) -> TypeGuard[nodes.Name]:
    return isinstance(node, nodes.Name) and node.ctx == "load" and node.name in bound


def _target_names(target: nodes.Node) -> set[str]:
    if isinstance(target, nodes.Name):
        return {target.name}
    if isinstance(target, nodes.Tuple):
        return {name for item in target.items for name in _target_names(item)}
    return set()
