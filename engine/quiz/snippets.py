"""What a question's snippet computes: its printed text, its values, and its answer as one expression.

Shared by the types that show a snippet (engine/quiz/types/code_output.py and
fix_expression.py). A snippet made of plain assignments and one `print` inlines into one
expression over the params (`snippet_expression`), which the mistake transformations
rewrite; `snippet_bindings` gives the values of its assignments up to a line.
"""

from __future__ import annotations

import ast

ERROR = "Error"  # the code_output key when the snippet raises


def printed(source: str) -> str:
    """What a program prints (trailing newline dropped), or ERROR when Python itself would raise."""
    from engine.sandbox import SnippetError, run_snippet

    try:
        return run_snippet(source).rstrip("\n")
    except SnippetError as exc:
        if not runtime_error(exc):
            raise
        return ERROR


def runtime_error(exc: Exception) -> bool:
    """A SnippetError for an exception Python itself raises (not a refused construct)."""
    name = getattr(exc, "python_error", None)
    return name is not None and name not in ("SyntaxError", "IndentationError")


def snippet_expression(source: str, params: set[str]) -> str | None:
    """The last print's argument with earlier assignments inlined (params stay names); None if not simple."""
    env: dict[str, ast.expr] = {}
    printed_node = None
    for stmt in ast.parse(source).body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name = stmt.targets[0].id
            if name not in params:
                env[name] = Inline(env).visit(stmt.value)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and getattr(stmt.value.func, "id", "") == "print":
            if len(stmt.value.args) == 1 and not stmt.value.keywords:
                printed_node = Inline(env).visit(stmt.value.args[0])
        else:
            return None  # loops, ifs, imports: no single expression
    return None if printed_node is None else ast.unparse(printed_node)


def snippet_bindings(source: str, values: dict, *, stop_at: str | None = None) -> dict:
    """Params plus the values of the snippet's simple assignments, up to (not including) `stop_at`."""
    from engine.sandbox import evaluate

    bindings = dict(values)
    for stmt in ast.parse(source).body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            continue
        name = stmt.targets[0].id
        if name == stop_at:
            break
        if name not in values:
            bindings[name] = evaluate(ast.unparse(stmt.value), bindings)
    return bindings


class Inline(ast.NodeTransformer):
    """Replace names assigned earlier by their (already inlined) expressions."""

    def __init__(self, env: dict[str, ast.expr]):
        self.env = env

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return self.env.get(node.id, node)
