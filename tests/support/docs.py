"""The documentation pages, and reading the packages' source for what they say: the literal
strings an expression can be and the name a call is made by."""

from __future__ import annotations

import ast

from tests.support.paths import DOCS


def doc(name: str) -> str:
    return (DOCS / name).read_text("utf-8")


def literal_strings(node: ast.AST | None) -> list[str]:
    """The literal strings ``node`` can evaluate to (constants and ``a if c else b``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return literal_strings(node.body) + literal_strings(node.orelse)
    return []


def callee_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        owner = func.value
        if isinstance(owner, ast.Name):
            return f"{owner.id}.{func.attr}"
        if isinstance(owner, ast.Call) and callee_name(owner) == "super":
            return f"super().{func.attr}"
        return func.attr
    return ""
