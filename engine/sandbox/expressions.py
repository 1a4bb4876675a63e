"""Expression compiler of the safe evaluator: an allowed AST expression -> a closure(state).

Part of engine/sandbox/__init__.py (the public API; read its docstring first). `_ExpressionCompiler`
has one method `e_X` per allowed expression node X (Python Language Reference §6
"Expressions"); each checks the node once, at compile time, and returns a closure that
computes the value at run time with the native operation behind a guard from
engine/sandbox/limits.py. A node with no `e_X` method is refused, with the message
from `_REFUSED`. The statement half, and the full `_Compiler`, is in
engine/sandbox/statements.py. Reference: the `ast` module docs
(https://docs.python.org/3/library/ast.html).
"""

from __future__ import annotations

import ast
import math

from engine.sandbox.limits import (
    _BINOPS,
    _BUILTINS,
    _CMP,
    _MATH_ATTRS,
    _SEQS,
    _UNARY,
    _VALUE_TYPES,
    BUILTIN_NAMES,
    SnippetError,
    _built,
    _callable,
    _checked,
    _format,
    _Limit,
    _renderable,
    _tick,
)

_MISSING = object()  # st.env.get default: the name has no value


# ---- refusals and errors -------------------------------------------------------------
_REFUSED = {  # node type -> the error message (after "line N: ")
    ast.While: "a while loop is not allowed: loops must be bounded (use for ... in range(...))",
    ast.FunctionDef: "def is not allowed (snippets cannot define functions)", ast.AsyncFunctionDef: "async def",
    ast.Lambda: "lambda", ast.ClassDef: "class", ast.Return: "return",
    ast.ListComp: "a list comprehension is not allowed (use a for loop)", ast.SetComp: "a set comprehension",
    ast.DictComp: "a dict comprehension", ast.GeneratorExp: "a generator expression", ast.Dict: "a dict",
    ast.Set: "a set", ast.NamedExpr: "the := operator", ast.Starred: "star unpacking (*x)", ast.Try: "try",
    ast.With: "with", ast.Raise: "raise", ast.Global: "global", ast.Nonlocal: "nonlocal", ast.Delete: "del",
    ast.Assert: "assert", ast.Yield: "yield", ast.YieldFrom: "yield from", ast.Await: "await",
    ast.AnnAssign: "an annotated assignment", ast.Match: "match", ast.MatMult: "the @ operator",
}


def _refused(node) -> str:
    text = _REFUSED.get(type(node), type(node).__name__)
    return text if " is not allowed" in text else f"{text} is not allowed"


def _refuse(node, message: str) -> SnippetError:
    line, col = getattr(node, "lineno", 1), getattr(node, "col_offset", None)
    return SnippetError(f"line {line}: {message}", lineno=line, col=None if col is None else col + 1)


def _python_error(e: Exception, lineno: int) -> SnippetError:
    """The SnippetError for an exception CPython itself raises, e.g. 'line 2: ZeroDivisionError: ...'."""
    name, detail = type(e).__name__, str(e)[:300]
    text = f"{name}: {detail}" if detail else name
    return SnippetError(f"line {lineno}: {text}", lineno=lineno, python_error=name)


def _contain(st, seq) -> None:
    """Note the lists that seq (a new list/tuple) holds: growing one in place grows seq too (see _regrown)."""
    for x in seq:
        if type(x) is list:
            st.contained[id(x)] = x  # the list is kept alive, so its id is not reused


# ---- compiler: AST expression node -> closure(state) -> value ------------------------
class _ExpressionCompiler:
    """Compiles expressions: method e_X turns an allowed node X into a closure(state) -> value."""

    def expr(self, node):
        method = getattr(self, "e_" + type(node).__name__, None)
        if method is None:
            raise _refuse(node, _refused(node))
        return method(node)

    @staticmethod
    def name(node, name: str) -> str:
        if name.startswith("__"):
            raise _refuse(node, f"the dunder name {name!r} is not allowed")
        return name

    # -- expressions
    def e_Constant(self, node):
        value = node.value
        if type(value) not in _VALUE_TYPES:
            raise _refuse(node, f"the literal {value!r:.20} is not allowed")
        try:
            _checked(value)  # 0xfff...f can pass the int limit: the parser only limits decimal digits
        except _Limit as e:
            raise _refuse(node, str(e)) from None
        return lambda st: value

    def e_Name(self, node):
        name = self.name(node, node.id)

        def load(st):
            value = st.env.get(name, _MISSING)
            if value is math or (value is _MISSING and name == "math" and st.implicit_math):
                raise _Limit(f"the math module can only be used as {name}.X")  # its repr shows a file path
            if value is not _MISSING:
                return value
            if name in BUILTIN_NAMES:
                raise _Limit(f"{name}() can only be called, not used as a value")
            raise NameError(f"name '{name}' is not defined")

        return load

    def e_BinOp(self, node):
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise _refuse(node, _refused(node.op))
        left, right = self.expr(node.left), self.expr(node.right)
        return lambda st: _built(st, op(left(st), right(st)))  # str/list results count as built

    def e_UnaryOp(self, node):
        op, operand = _UNARY[type(node.op)], self.expr(node.operand)
        return lambda st: op(operand(st))

    def e_BoolOp(self, node):
        values, is_and = [self.expr(v) for v in node.values], isinstance(node.op, ast.And)

        def boolop(st):  # returns an operand, as Python does: 0 or 'x' -> 'x'
            for get in values:
                v = get(st)
                if (not v) if is_and else v:
                    return v
            return v

        return boolop

    def e_Compare(self, node):
        operands = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            if isinstance(op, (ast.Is, ast.IsNot)) and not any(
                    isinstance(x, ast.Constant) and x.value is None for x in operands[i:i + 2]):
                raise _refuse(node, "'is' is only allowed with None (use == to compare values)")
        left, pairs = self.expr(node.left), [(_CMP[type(o)], self.expr(c)) for o, c in zip(node.ops, node.comparators)]

        def compare(st):  # a < b < c evaluates b once and stops at the first false link
            a = left(st)
            for op, get in pairs:
                b = get(st)
                if type(a) in _SEQS or type(b) in _SEQS:
                    _tick(st)
                r = op(a, b)
                if not r:
                    return r
                a = b
            return r

        return compare

    def e_IfExp(self, node):
        test, body, orelse = self.expr(node.test), self.expr(node.body), self.expr(node.orelse)
        return lambda st: body(st) if test(st) else orelse(st)

    def e_List(self, node, kind=list):
        items = [self.expr(e) for e in node.elts]

        def build(st):
            seq = _built(st, _checked(kind([get(st) for get in items])))
            _contain(st, seq)
            return seq

        return build

    def e_Tuple(self, node):
        return self.e_List(node, tuple)

    def e_Subscript(self, node):
        value, index = self.expr(node.value), self.expr(node.slice)

        return lambda st: _built(st, value(st)[index(st)])

    def e_Slice(self, node):
        lo, hi, step = (None if p is None else self.expr(p) for p in (node.lower, node.upper, node.step))
        return lambda st: slice(lo and lo(st), hi and hi(st), step and step(st))

    def e_JoinedStr(self, node):
        parts = [self.expr(v) for v in node.values]
        def joined(st):
            text = []
            for get in parts:  # check as we go, like print
                text.append(get(st))
                _built(st, text[-1])
            return _checked("".join(text))

        return joined

    def e_FormattedValue(self, node):
        value = self.expr(node.value)
        convert = {-1: None, 115: str, 114: repr, 97: ascii}[node.conversion]  # !s !r !a
        spec = None if node.format_spec is None else self.expr(node.format_spec)

        def formatted(st):  # CPython order: value, then spec, then conversion and format()
            v = value(st)
            s = spec(st) if spec else ""
            _renderable(v)  # before str/repr/format build the text: a shared inner list repeats in it
            return _format(convert(v) if convert else v, s)

        return formatted

    def e_Attribute(self, node):
        base = node.value
        if not (isinstance(base, ast.Name) and node.attr in _MATH_ATTRS):
            raise _refuse(node, f"the attribute access '.{node.attr}' is not allowed (only math.X is)")
        base_name, value, attr = self.name(base, base.id), _MATH_ATTRS[node.attr], node.attr

        def attribute(st):
            module = st.env.get(base_name, _MISSING)
            if module is _MISSING and base_name == "math" and st.implicit_math:
                module = math
            if module is math:
                return value
            if module is _MISSING:
                raise NameError(f"name '{base_name}' is not defined")
            raise _Limit(f"the attribute access '.{attr}' is only allowed on the math module")

        return attribute

    def e_Call(self, node):
        get = self.callee(node)
        args = [self.expr(a) for a in node.args]
        kws = []
        for k in node.keywords:
            if k.arg is None:
                raise _refuse(k, "** unpacking of keyword arguments is not allowed")
            kws.append((k.arg, self.expr(k.value)))

        def call(st):
            f = get(st)
            _tick(st)
            values = [a(st) for a in args]
            return _built(st, f(st, *values, **{k: g(st) for k, g in kws}) if kws else f(st, *values))

        return call

    def callee(self, node):
        """A closure giving the implementation to call: a builtin or a math function."""
        func = node.func
        if isinstance(func, ast.Attribute):
            attribute = self.expr(func)
            return lambda st: _callable(attribute(st))
        if not isinstance(func, ast.Name):
            raise _refuse(node, "calling anything but a builtin or a math function is not allowed")
        name = self.name(func, func.id)
        if name == "range":
            raise _refuse(node, "range() is only allowed as the iterable of a for loop")
        builtin, allowed = _BUILTINS.get(name, (None, set()))
        bad = [k.arg for k in node.keywords if k.arg is not None and k.arg not in allowed]
        if builtin and bad:
            raise _refuse(node, f"the keyword argument {bad[0]}= of {name}() is not allowed")

        def lookup(st):
            value = st.env.get(name, _MISSING)
            if value is not _MISSING:  # a variable shadows the builtin, as in Python
                return _callable(value)
            if builtin is None:
                raise NameError(f"name '{name}' is not defined")
            return builtin

        return lookup
