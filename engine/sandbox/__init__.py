"""Safe evaluator: runs quiz and lesson snippets without ever calling eval or exec.

The source is parsed with `ast` and compiled, node by node, into Python closures
that take one `_State` (variables, step count, deadline, printed output). Only the
nodes on an allow-list compile; anything else is a `SnippetError` naming the line
and the construct. Compiled programs are cached by source string, so `evaluate`
costs a dict lookup plus a few closure calls (see benchmarks/safe_eval.py).

    source --ast.parse--> tree --depth check--> allow-list compiler --> closures
                                                                   run(state) --> printed text

Allowed: int/float/str/bool/None literals, lists and tuples, names, assignment
(augmented and tuple unpacking too), arithmetic, comparison and boolean operators,
conditional expressions, `if`, `for` over range()/lists/tuples/strings (with
break/continue), indexing and slicing, print(sep=, end=), f-strings, the builtins
int float round abs min max sum len str, `import math` / `from math import ...`.

Semantics are CPython's because every operation is the native one; the guards
only refuse, before computing, what would blow the limits (so `9**9**9` is
refused at once instead of hanging). References: Python Language Reference §6
"Expressions" and §7-8 "Simple/Compound statements"; `ast` module docs
(https://docs.python.org/3/library/ast.html); the 4,300-digit int/str limit is
CPython's "Integer string conversion length limitation" (docs: stdtypes.html#int-max-str-digits).

This module is the public API (SnippetError, run_snippet, evaluate, names_used,
literals_used, check_syntax, BUILTIN_NAMES, the MAX_* limits), parsing and the
compile cache. The rest is split by concept:

    limits.py       limits, per-run state, value guards, operator tables, builtins, math
    sizes.py        sizes of nested lists (shared ones counted per place) without building them
    expressions.py  compiler, expressions: e_X methods -> closure(state) -> value
    statements.py   compiler, statements: s_X methods, the runner `_run`, break/continue
"""

from __future__ import annotations

import ast
import functools

from engine.sandbox.expressions import _contain, _python_error

# The MAX_* limits are re-exported: tests and callers read them here.
from engine.sandbox.limits import (
    _VALUE_TYPES,
    BUILTIN_NAMES,
    MAX_BUILT,
    MAX_DEPTH,
    MAX_INT_BITS,
    MAX_LEN,
    MAX_NESTING,
    MAX_SECONDS,
    MAX_SOURCE_CHARS,
    MAX_STEPS,
    SnippetError,
    _Limit,
    _State,
)
from engine.sandbox.statements import _Compiler, _run

# Defined in limits.py so every part can raise it; its public name is engine.sandbox.SnippetError
# (in tracebacks, and for pickle), as before the split.
SnippetError.__module__ = __name__


# ---- parsing and caching -------------------------------------------------------------
def _parse(source, mode: str) -> ast.AST:
    if type(source) is not str:
        raise SnippetError(f"line 1: a snippet must be a str, not {type(source).__name__}")
    if len(source) > MAX_SOURCE_CHARS:
        raise SnippetError(f"line 1: the snippet has {len(source):,} characters; the limit is {MAX_SOURCE_CHARS:,}")
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as e:
        line, where = e.lineno or 1, f" (column {e.offset})" if e.offset else ""
        raise SnippetError(f"line {line}: {type(e).__name__}: {e.msg}{where}", lineno=line, col=e.offset,
                           python_error=type(e).__name__) from None
    except (RecursionError, MemoryError):  # the parser's own nesting limits
        raise SnippetError(f"line 1: the code is nested too deeply (limit {MAX_DEPTH} levels)") from None
    except ValueError as e:  # "source code string cannot contain null bytes"
        raise SnippetError(f"line 1: {e}") from None
    stack = [(tree, 0)]  # iterative, so a deep tree cannot overflow this check
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            line = getattr(node, "lineno", 1)
            raise SnippetError(f"line {line}: the code is nested more than {MAX_DEPTH} levels deep", lineno=line)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return tree


@functools.lru_cache(maxsize=1024)
def _compile_program(source: str) -> tuple:
    return _Compiler().body(_parse(source, "exec").body)


@functools.lru_cache(maxsize=8192)
def _compile_expression(expression: str) -> tuple:
    """(closure, free names, numeric literals) for one expression, cached by its text."""
    tree = _parse(expression, "eval")
    run = _Compiler().expr(tree.body)
    skip = set()  # ids of Name nodes that are not variables: called builtins, the math module
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in BUILTIN_NAMES:
            skip.add(id(node.func))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "math":
            skip.add(id(node.value))
    nodes = list(ast.walk(tree))
    names = frozenset(n.id for n in nodes if isinstance(n, ast.Name) and id(n) not in skip)
    constants = sorted((n for n in nodes if isinstance(n, ast.Constant) and type(n.value) in (int, float)),
                       key=lambda n: (n.lineno, n.col_offset))
    return run, names, tuple(n.value for n in constants)


def _variables(names: dict | None) -> dict:
    for key, value in (names or {}).items():
        if type(key) is not str or key.startswith("__") or type(value) not in _VALUE_TYPES:
            raise SnippetError(f"line 1: the variable {key!r} holds a {type(value).__name__}, "
                               "which a snippet cannot use")
    return names if names is not None else {}


def _note_contained(st: _State) -> None:
    """Mark the lists inside the starting variables' lists, as list literals do (see statements._regrown)."""
    stack, seen = [v for v in st.env.values() if type(v) is list or type(v) is tuple], set()
    while stack:
        seq = stack.pop()
        if id(seq) not in seen:
            seen.add(id(seq))
            _contain(st, seq)
            stack.extend(x for x in seq if type(x) is list or type(x) is tuple)


# ---- public API ----------------------------------------------------------------------
def check_syntax(source: str) -> None:
    """Parse and allow-list check a program without running it; SnippetError (line, col) if refused."""
    _compile_program(source) if type(source) is str else _parse(source, "exec")


def run_snippet(source: str, *, names: dict | None = None) -> str:
    """Run a program and return what it printed. `names` are starting variables (not modified)."""
    body = _compile_program(source) if type(source) is str else _parse(source, "exec")
    st = _State(dict(_variables(names)))
    _note_contained(st)
    try:
        _run(st, body)
    except SnippetError as e:
        e.output = "".join(st.out)
        raise
    return "".join(st.out)


def evaluate(expression: str, names: dict) -> object:
    """The value of one expression with the given variables; `math` is available without an import."""
    run = (_compile_expression(expression) if type(expression) is str else _parse(expression, "eval"))[0]
    st = _State(_variables(names), implicit_math=True)
    try:
        return run(st)
    except _Limit as e:
        raise SnippetError(f"line 1: {e}") from None
    except Exception as e:
        raise _python_error(e, 1) from None


def names_used(expression: str) -> set[str]:
    """Variables an expression reads: every name except called builtins (int, round, ...) and math."""
    return set(_compile_expression(expression)[1]) if type(expression) is str else _parse(expression, "eval")


def literals_used(expression: str) -> list[int | float]:
    """Numeric literals in an expression, in source order, as written (the 5 of -5; no bools)."""
    return list(_compile_expression(expression)[2]) if type(expression) is str else _parse(expression, "eval")
