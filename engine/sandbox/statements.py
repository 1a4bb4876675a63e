"""Statement compiler and runner of the safe evaluator: allowed statements -> (line, closure) pairs.

Part of engine/sandbox/__init__.py (the public API; read its docstring first). `_Compiler` adds
one method `s_X` per allowed statement node X (Python Language Reference §7 "Simple
statements" and §8 "Compound statements") to the expression compiler of
engine/sandbox/expressions.py. A program compiles to a tuple of (line number, closure);
`_run` calls them in order, charging one step each, and turns any error into a
`SnippetError` that names the statement's line. `break`/`continue` are the exceptions
`_Break`/`_Continue`, caught by the enclosing loop.
"""

from __future__ import annotations

import ast
import functools
import math

from engine.sandbox.expressions import _ExpressionCompiler, _python_error, _refuse, _refused
from engine.sandbox.limits import (
    _INPLACE,
    _INTS,
    _MATH_ATTRS,
    _O,
    _SEQS,
    MAX_LEN,
    SnippetError,
    _built,
    _count,
    _Limit,
    _size,
    _State,
    _tick,
)


# ---- control flow and the statement runner -------------------------------------------
class _Break(Exception):
    pass


class _Continue(Exception):
    pass


def _run(st: _State, body) -> None:
    """Run statements (lineno, closure) in order; errors get the statement's line."""
    for lineno, fn in body:
        try:
            _tick(st)
            fn(st)
        except (_Break, _Continue, SnippetError):
            raise
        except _Limit as e:
            raise SnippetError(f"line {lineno}: {e}", lineno=lineno) from None
        except Exception as e:  # what CPython would raise: ZeroDivisionError, TypeError, ...
            raise _python_error(e, lineno) from None


# ---- compiler: AST statement node -> (line, closure(state)) --------------------------
class _Compiler(_ExpressionCompiler):
    """Turns allowed AST nodes into closures; methods e_X compile expressions, s_X statements."""

    def __init__(self):
        self.loops = 0  # enclosing for loops, for break/continue

    def body(self, nodes) -> tuple:
        compiled = []
        for node in nodes:
            method = getattr(self, "s_" + type(node).__name__, None)
            if method is None:
                raise _refuse(node, _refused(node))
            compiled.append((node.lineno, method(node)))
        return tuple(compiled)

    # -- assignment targets: closures store(state, value)
    def target(self, node):
        if isinstance(node, ast.Name):
            name = self.name(node, node.id)

            def store(st, v):
                st.env[name] = v

            return store
        if isinstance(node, (ast.Tuple, ast.List)):
            stores = [self.target(e) for e in node.elts]
            return functools.partial(_unpack, stores)
        raise _refuse(node, f"assigning to {ast.unparse(node)[:30]!r} is not allowed (only to names)")

    # -- statements
    def s_Expr(self, node):
        return self.expr(node.value)

    def s_Pass(self, node):
        return lambda st: None

    def s_Assign(self, node):
        value, stores = self.expr(node.value), [self.target(t) for t in node.targets]

        def assign(st):
            v = value(st)
            for store in stores:
                store(st, v)

        return assign

    def s_AugAssign(self, node):
        op = _INPLACE.get(type(node.op))
        if not isinstance(node.target, ast.Name) or op is None:
            raise _refuse(node, f"augmented assignment to {ast.unparse(node.target)[:30]!r} is not allowed")
        name, value, kind = self.name(node.target, node.target.id), self.expr(node.value), type(node.op)

        def augassign(st):  # x += v loads x first, then v; lists extend in place, as in Python
            env = st.env
            if name not in env:
                raise NameError(f"name '{name}' is not defined")
            before = env[name]
            if type(before) is list and kind in (ast.Add, ast.Mult):
                _grow(st, before, kind, value(st))
            else:
                env[name] = _built(st, op(before, value(st)))

        return augassign

    def s_If(self, node):
        test, body, orelse = self.expr(node.test), self.body(node.body), self.body(node.orelse)
        return lambda st: _run(st, body if test(st) else orelse)

    def s_For(self, node):
        store, iterate = self.target(node.target), self.iterable(node.iter)
        self.loops += 1
        body = self.body(node.body)
        self.loops -= 1
        orelse = self.body(node.orelse)

        def loop(st):
            for v in iterate(st):
                _tick(st)  # one step per iteration bounds range(10**12)
                store(st, v)
                try:
                    _run(st, body)
                except _Break:
                    break
                except _Continue:
                    pass
            else:
                _run(st, orelse)

        return loop

    def iterable(self, node):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range" \
                and not node.keywords:
            args = [self.expr(a) for a in node.args]

            def make_range(st):
                if "range" in st.env:
                    raise TypeError(f"'{type(st.env['range']).__name__}' object is not callable")
                return range(*[a(st) for a in args])

            return make_range
        get = self.expr(node)

        def sequence(st):
            v = get(st)
            if type(v) not in _SEQS:
                raise TypeError(f"'{type(v).__name__}' object is not iterable")
            return v

        return sequence

    def s_Break(self, node, signal=_Break, word="break"):
        if not self.loops:
            raise SnippetError(f"line {node.lineno}: SyntaxError: '{word}' outside loop", lineno=node.lineno,
                               python_error="SyntaxError")

        def jump(st):
            raise signal

        return jump

    def s_Continue(self, node):
        return self.s_Break(node, _Continue, "continue")

    def s_Import(self, node):
        for alias in node.names:
            if alias.name != "math":
                raise _refuse(node, f"import {alias.name} is not allowed (only import math)")
        binds = [self.name(node, a.asname or "math") for a in node.names]

        def do_import(st):
            for name in binds:
                st.env[name] = math

        return do_import

    def s_ImportFrom(self, node):
        if node.module != "math" or node.level:
            raise _refuse(node, f"from {'.' * node.level}{node.module or ''} import is not allowed (only math)")
        pairs = []
        for alias in node.names:
            if alias.name not in _MATH_ATTRS:
                raise _refuse(node, f"from math import {alias.name} is not allowed")
            pairs.append((self.name(node, alias.asname or alias.name), _MATH_ATTRS[alias.name]))

        def do_import(st):
            st.env.update(pairs)

        return do_import


# ---- helpers the statements call at run time -----------------------------------------
def _grow(st: _State, items: list, kind, other) -> None:
    """items += other or items *= other, in place as in Python, in O(len(other)) time.

    The list's weighted size is kept in st.sizes, so a loop of `a += [x]` stays linear.
    """
    known = st.sizes.get(id(items))
    size, length = known[1] if known and known[0] is items else _size(items), len(items)
    t = type(other)
    if kind is ast.Add and t in _SEQS:
        size += len(other) if t is str else _size(other) - 1  # a str extends the list by its characters
    elif kind is ast.Mult and t in _INTS:
        size = 1 + (size - 1) * max(other, 0)  # checked before the list is touched
    if size > MAX_LEN:
        raise _Limit(f"a list/tuple is larger than {MAX_LEN:,} items")
    (_O.iadd if kind is ast.Add else _O.imul)(items, other)  # TypeError for other types, as in Python
    st.sizes[id(items)] = (items, size)
    _count(st, max(len(items) - length, 0))
    _regrown(st, items)


def _regrown(st: _State, items: list) -> None:
    """After `items` grew in place: if another list/tuple holds it, check every variable's size again.

    `l1 = [l0, l0]` ... `l9 = [l8, l8]` then `l0 *= 20000` grows l9 by 2**9 copies of l0's growth
    without building anything; without this check, str(l9) would then build a huge string.
    """
    if st.contained.get(id(items)) is not items:
        return
    own = st.sizes.get(id(items))
    st.sizes.clear()  # the cached sizes of the lists that hold items are stale now
    st.sizes[id(items)] = own
    try:
        for value in list(st.env.values()):
            if type(value) is list or type(value) is tuple:
                _size(value)
    except _Limit as e:
        raise _Limit(f"{e}: growing a list in place also grows every list/tuple that holds it") from None


def _unpack(stores, st, v) -> None:
    """a, b = v with CPython's errors."""
    n, t = len(stores), type(v)
    if t not in _SEQS:
        raise TypeError(f"cannot unpack non-iterable {t.__name__} object")
    if len(v) > n:
        raise ValueError(f"too many values to unpack (expected {n})")
    if len(v) < n:
        raise ValueError(f"not enough values to unpack (expected {n}, got {len(v)})")
    for store, x in zip(stores, v):
        store(st, x)
