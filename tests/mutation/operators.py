"""The mutation operators: find every mutant of a module's source, and build the source of one.

A mutant is found by walking the module's AST in a fixed order and counting the places an operator
applies; building mutant ``k`` walks the same tree again and changes only the ``k``-th place, so the
list and the builder can never disagree. The mutated source is the tree unparsed (comments are lost,
which does not matter to the tests that run it).
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator
from dataclasses import dataclass

FLIPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
}
OPERATORS = ("flip-compare", "int+1", "int-1", "and-or", "negate", "return-none", "delete")


@dataclass(frozen=True)
class Mutant:
    path: str  # relative to the project root, with forward slashes
    index: int  # the place in walk order: what builds it again
    line: int
    col: int
    stmt_line: int  # the enclosing statement's first line: where coverage records it
    operator: str
    original: str
    mutated: str
    nth: int = 0  # the same operator at the same place again (a chained comparison's second operator)

    @property
    def ident(self) -> str:
        """What equivalent.txt names it by: stable while the file's lines do not move."""
        return f"{self.path}:{self.line}:{self.col}:{self.operator}" + (f"#{self.nth}" if self.nth else "")


def _short(node: ast.AST) -> str:
    text = ast.unparse(node).splitlines()[0] if not isinstance(node, ast.cmpop) else ""
    return text if len(text) <= 70 else text[:67] + "..."


class _Walker(ast.NodeTransformer):
    """Counts mutation places; at place ``target`` it applies the mutation (``target`` -1: none)."""

    def __init__(self, path: str, target: int) -> None:
        self.path, self.target = path, target
        self.found: list[Mutant] = []
        self.stmt_line = 0

    def _place(self, node: ast.AST, operator: str, before: ast.AST, after: ast.AST) -> bool:
        index = len(self.found)
        line, col = getattr(node, "lineno", 0), getattr(node, "col_offset", 0)
        nth = sum(1 for m in self.found if (m.line, m.col, m.operator) == (line, col, operator))
        self.found.append(Mutant(self.path, index, line, col, self.stmt_line or line, operator,
                                 _short(before), _short(after), nth))
        return index == self.target

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, ast.stmt):
            outer, self.stmt_line = self.stmt_line, node.lineno
            for field in ("body", "orelse", "finalbody"):
                self._statements(node, field)
            result = super().generic_visit(node)
            self.stmt_line = outer
            return result
        return super().generic_visit(node)

    def visit_Module(self, node: ast.Module) -> ast.AST:
        self._statements(node, "body")
        return super().generic_visit(node)

    def _statements(self, node: ast.AST, field: str) -> None:
        body = getattr(node, field, None)
        if not isinstance(body, list):
            return
        for i, stmt in enumerate(body):
            if not _deletable(stmt, i):
                continue
            outer, self.stmt_line = self.stmt_line, stmt.lineno
            replacement = ast.copy_location(ast.Pass(), stmt)
            if self._place(stmt, "delete", stmt, replacement):
                body[i] = replacement
            self.stmt_line = outer

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        for i, op in enumerate(node.ops):
            flipped = FLIPS.get(type(op))
            if flipped is None:
                continue
            after = copy.deepcopy(node)
            after.ops[i] = flipped()
            if self._place(node, "flip-compare", node, after):
                node.ops[i] = flipped()
        return self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if type(node.value) is not int:
            return node
        for operator, delta in (("int+1", 1), ("int-1", -1)):
            after = ast.copy_location(ast.Constant(node.value + delta), node)
            if self._place(node, operator, node, after):
                return after
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        swapped = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        after = ast.BoolOp(op=swapped, values=node.values)
        if self._place(node, "and-or", node, after):
            node.op = swapped
        return self.generic_visit(node)

    def _negate(self, node: ast.If | ast.While | ast.IfExp) -> None:
        negated = ast.copy_location(ast.UnaryOp(op=ast.Not(), operand=node.test), node.test)
        if self._place(node.test, "negate", node.test, negated):
            node.test = negated

    def visit_If(self, node: ast.If) -> ast.AST:
        if _scaffolding(node.test):
            return node
        self._negate(node)
        return self.generic_visit(node)

    def visit_While(self, node: ast.While) -> ast.AST:
        self._negate(node)
        return self.generic_visit(node)

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        self._negate(node)
        return self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> ast.AST:
        value = node.value
        if value is not None and not (isinstance(value, ast.Constant) and value.value is None):
            after = ast.copy_location(ast.Return(value=ast.Constant(None)), node)
            if self._place(node, "return-none", node, after):
                return after
        return self.generic_visit(node)

    # annotations and assertions are not behaviour: nothing in them is mutated
    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if node.value is not None:
            outer, self.stmt_line = self.stmt_line, node.lineno
            node.value = self.visit(node.value)
            self.stmt_line = outer
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        return node

    def visit_Assert(self, node: ast.Assert) -> ast.AST:
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        returns, node.returns = node.returns, None
        result = self.generic_visit(node)
        node.returns = returns
        return result


def _scaffolding(test: ast.expr) -> bool:
    """``if TYPE_CHECKING:`` and ``if __name__ == "__main__":`` are not behaviour a test can see."""
    text = ast.unparse(test)
    return text == "TYPE_CHECKING" or text.startswith("__name__ ==")


def _deletable(stmt: ast.stmt, position: int) -> bool:
    """Statements whose deletion only makes a NameError (defs, imports) or nothing (pass, a docstring)."""
    if isinstance(stmt, ast.Pass | ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef
                  | ast.ClassDef | ast.Global | ast.Nonlocal):
        return False
    is_text = isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
    return not (is_text and isinstance(stmt.value.value, str | type(...)))


def mutants(source: str, path: str) -> list[Mutant]:
    """Every mutant of ``source`` (the module at ``path``), in walk order."""
    walker = _Walker(path, -1)
    walker.visit(ast.parse(source))
    return walker.found


def mutated_source(source: str, mutant: Mutant) -> str:
    """The module's source with only ``mutant`` applied."""
    walker = _Walker(mutant.path, mutant.index)
    tree = walker.visit(ast.parse(source))
    made = walker.found[mutant.index] if mutant.index < len(walker.found) else None
    if made is None or (made.line, made.operator) != (mutant.line, mutant.operator):
        raise ValueError(f"{mutant.ident}: the source changed since the mutants were listed")
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def walk(sources: dict[str, str]) -> Iterator[Mutant]:
    for path, source in sources.items():
        yield from mutants(source, path)
