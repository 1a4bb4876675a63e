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
only refuse, before computing, what would blow the limits below (so `9**9**9` is
refused at once instead of hanging). References: Python Language Reference §6
"Expressions" and §7-8 "Simple/Compound statements"; `ast` module docs
(https://docs.python.org/3/library/ast.html); the 4,300-digit int/str limit is
CPython's "Integer string conversion length limitation" (docs: stdtypes.html#int-max-str-digits).
"""

from __future__ import annotations

import ast
import functools
import math
import operator
import re
from time import perf_counter

MAX_SOURCE_CHARS = 20_000  # characters of source; quiz snippets are a few hundred
MAX_DEPTH = 100  # AST nesting levels; compiling and running recurse once per level
MAX_INT_BITS = 15_000  # about 4,500 decimal digits: just above CPython's 4,300-digit str() limit
MAX_LEN = 100_000  # characters in a str; weighted items in a list/tuple, nested ones included
MAX_NESTING = 50  # lists/tuples inside lists/tuples
MAX_STEPS = 100_000  # statements + loop iterations + calls + str/list operations, per run
MAX_BUILT = 5_000_000  # items of all strs/lists/tuples built in one run (bounds memory: ~40 MB of pointers)
MAX_SECONDS = 0.5  # wall time per run_snippet/evaluate call, in seconds


class SnippetError(ValueError):
    """A snippet was refused or failed. The message starts with "line N: ".

    `python_error` is the name of the Python exception CPython would raise
    ("ZeroDivisionError"), or None when the evaluator itself refused the snippet.
    `output` is what run_snippet printed before the error.
    """

    def __init__(self, message: str, *, lineno: int = 1, col: int | None = None, python_error: str | None = None):
        super().__init__(message)
        self.lineno, self.col, self.python_error, self.output = lineno, col, python_error, ""


class _Limit(Exception):
    """A guard refused an operation at run time; the statement runner adds the line."""


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _State:
    """Everything a run changes: variables, counters, printed text."""

    __slots__ = ("env", "steps", "built", "deadline", "out", "out_len", "implicit_math", "sizes")

    def __init__(self, env: dict, implicit_math: bool = False):
        self.env, self.steps, self.built, self.out, self.out_len = env, 0, 0, [], 0
        self.sizes = {}  # id(list) -> (list, _size) for lists grown in place by += and *=
        self.deadline = perf_counter() + MAX_SECONDS
        self.implicit_math = implicit_math  # evaluate() sees `math` without an import


def _tick(st: _State) -> None:
    st.steps += 1
    if st.steps > MAX_STEPS:
        raise _Limit(f"the snippet ran more than {MAX_STEPS:,} steps (is a loop too long?)")
    if perf_counter() > st.deadline:
        raise _Limit(f"the snippet ran longer than {MAX_SECONDS} s")


def _count(st: _State, items: int) -> None:
    """Count items of new strs/lists/tuples against MAX_BUILT, and a step, as building costs time."""
    st.built += items
    if st.built > MAX_BUILT:
        raise _Limit(f"the snippet built more than {MAX_BUILT:,} items of strings and lists in all")
    _tick(st)


def _built(st: _State, r):
    if type(r) in _SEQS:
        _count(st, len(r))
    return r


# ---- value guards -------------------------------------------------------------------
_INTS = frozenset({int, bool})
_SEQS = frozenset({str, list, tuple})
_NUMBERS = frozenset({int, bool, float, complex})
_VALUE_TYPES = _NUMBERS | _SEQS | {type(None)}


def _size(seq) -> int:
    """Weighted size of a list/tuple, nested ones included, so that str() of it stays bounded.

    Each container and item counts 1, plus 1 per 16 characters of a str and per 64 bits of
    an int: at most about 1/24 of its repr length. Iterative, so nesting cannot recurse.
    """
    total, stack = 0, [(seq, 1)]
    while stack:
        items, depth = stack.pop()
        if depth > MAX_NESTING:
            raise _Limit(f"lists/tuples are nested more than {MAX_NESTING} deep")
        total += 1 + len(items)
        if total > MAX_LEN:
            raise _Limit(f"a list/tuple is larger than {MAX_LEN:,} items")
        for x in items:
            t = type(x)
            if t is list or t is tuple:
                stack.append((x, depth + 1))
            elif t is str:
                total += len(x) >> 4
            elif t is int:
                total += x.bit_length() >> 6
        if total > MAX_LEN:
            raise _Limit(f"a list/tuple is larger than {MAX_LEN:,} items")
    return total


def _checked(r):
    """Return r, or refuse it when it is past the size limits."""
    t = type(r)
    if t is int:
        if r.bit_length() > MAX_INT_BITS:
            raise _Limit(f"an integer result has more than {MAX_INT_BITS:,} bits (about 4,500 digits)")
    elif t is str:
        if len(r) > MAX_LEN:
            raise _Limit(f"a string is longer than {MAX_LEN:,} characters")
    elif t is list or t is tuple:
        _size(r)
    return r


def _pre_repeat(seq, n) -> None:
    # each copy adds size - 1 (the container itself is counted once): [0] * 99_999 is fine
    if n > 0 and seq and (len(seq) if type(seq) is str else _size(seq) - 1) * n > MAX_LEN:
        raise _Limit(f"repeating a {type(seq).__name__} of length {len(seq):,} would pass {MAX_LEN:,} items")


def _pre_mul(a, b) -> bool:
    """Check a sequence repeat before it is built; True means the result needs no second check."""
    ta, tb = type(a), type(b)
    if ta in _SEQS and tb in _INTS:
        _pre_repeat(a, b)
        return True
    if tb in _SEQS and ta in _INTS:
        _pre_repeat(b, a)
        return True
    return False


def _pre_pow(a, b) -> None:
    # |a| >= 2 means a**b has at least (bits(a) - 1) * b + 1 bits: refuse before computing.
    if type(a) in _INTS and type(b) in _INTS and b > 0 and (a > 1 or a < -1):
        if (abs(a).bit_length() - 1) * b > MAX_INT_BITS:
            raise _Limit(f"an integer power would have more than {MAX_INT_BITS:,} bits")


def _pre_lshift(a, b) -> None:
    if type(a) in _INTS and type(b) in _INTS and a and b > MAX_INT_BITS:
        raise _Limit(f"a left shift would give more than {MAX_INT_BITS:,} bits")


def _pre_mod(a, b) -> None:
    if type(a) is str:
        raise _Limit("printf-style '%' formatting of strings is not allowed; use an f-string")


def _guarded(pre, native):
    if pre is None:
        return lambda a, b: _checked(native(a, b))

    def op(a, b):
        if pre(a, b):
            return native(a, b)
        return _checked(native(a, b))

    return op


_O = operator
_OPS = {  # AST operator -> (precheck, operator, in-place operator)
    ast.Add: (None, _O.add, _O.iadd), ast.Sub: (None, _O.sub, _O.isub), ast.Mult: (_pre_mul, _O.mul, _O.imul),
    ast.Pow: (_pre_pow, _O.pow, _O.ipow), ast.LShift: (_pre_lshift, _O.lshift, _O.ilshift),
    ast.Mod: (_pre_mod, _O.mod, _O.imod), ast.Div: (None, _O.truediv, _O.itruediv),
    ast.FloorDiv: (None, _O.floordiv, _O.ifloordiv), ast.RShift: (None, _O.rshift, _O.irshift),
    ast.BitAnd: (None, _O.and_, _O.iand), ast.BitOr: (None, _O.or_, _O.ior), ast.BitXor: (None, _O.xor, _O.ixor),
}
_BINOPS = {k: _guarded(pre, op) for k, (pre, op, _) in _OPS.items()}
_INPLACE = {k: _guarded(pre, iop) for k, (pre, _, iop) in _OPS.items()}
_UNARY = {ast.USub: _O.neg, ast.UAdd: _O.pos, ast.Not: _O.not_, ast.Invert: _O.invert}
_CMP = {ast.Eq: _O.eq, ast.NotEq: _O.ne, ast.Lt: _O.lt, ast.LtE: _O.le, ast.Gt: _O.gt, ast.GtE: _O.ge,
        ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b, ast.Is: _O.is_, ast.IsNot: _O.is_not}

# ---- builtins and math --------------------------------------------------------------
_SPEC_NUMBER = re.compile(r"\d+")


def _format(value, spec: str) -> str:
    """format(value, spec), refusing widths/precisions that would build huge strings."""
    for digits in _SPEC_NUMBER.findall(spec):
        if len(digits) > 6 or int(digits) > MAX_LEN:
            raise _Limit(f"the format spec {spec[:20]!r} asks for more than {MAX_LEN:,} characters")
    return format(value, spec)


def _print(st: _State, *args, sep=" ", end="\n") -> None:
    sep = " " if sep is None else sep
    end = "\n" if end is None else end
    for what, s in (("sep", sep), ("end", end)):
        if type(s) is not str:
            raise TypeError(f"{what} must be None or a string, not {type(s).__name__}")
    parts = []
    for i, a in enumerate(args):  # check as we go: print(a, a, a, ...) of a long list stops early
        parts.append(str(a))
        st.out_len += len(parts[-1]) + (len(sep) if i else 0)
        if st.out_len > MAX_LEN:
            raise _Limit(f"the snippet printed more than {MAX_LEN:,} characters")
    st.out_len += len(end)
    st.out.append(sep.join(parts) + end)


def _round(st: _State, number, ndigits=None):
    # round(int, -n) computes 10**n; refuse n past the int limit (a float rounds fast).
    if type(number) in _INTS and type(ndigits) in _INTS and ndigits < -MAX_INT_BITS // 3:
        raise _Limit("round() was asked for too many digits")
    return round(number, ndigits)


def _sum(st: _State, *args, **kwargs):
    items = args[0] if args else ()
    start = args[1] if len(args) > 1 else kwargs.get("start", 0)
    if (type(items) in (list, tuple) and any(type(x) not in _NUMBERS for x in items)) or type(start) not in _NUMBERS:
        raise _Limit("sum() only adds numbers here")
    return _checked(sum(*args, **kwargs))


def _native(f):
    return lambda st, *args, **kwargs: _checked(f(*args, **kwargs))


def _log2_binomial(n, k) -> float:
    return (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)) / math.log(2)


def _math_guarded(f, too_big):
    """A math function that refuses arguments whose integer result would pass MAX_INT_BITS."""

    def call(st, *args):
        if len(args) >= 1 and all(type(a) in _INTS for a in args) and 0 <= args[-1] <= args[0]:
            try:
                big = too_big(*args)
            except OverflowError:
                big = True
            if big:
                raise _Limit(f"math.{f.__name__}() would give more than {MAX_INT_BITS:,} bits")
        return _checked(f(*args))

    return call


# name -> (implementation taking the state first, keyword arguments allowed)
_BUILTINS = {
    "print": (_print, {"sep", "end"}), "round": (_round, {"ndigits"}), "sum": (_sum, {"start"}),
    "int": (_native(int), {"base"}), "float": (_native(float), set()), "str": (_native(str), set()),
    "abs": (_native(abs), set()), "len": (_native(len), set()),
    "min": (_native(min), {"default"}), "max": (_native(max), {"default"}),
}
BUILTIN_NAMES = frozenset(_BUILTINS) | {"range"}
_MATH_ATTRS = {name: getattr(math, name) for name in (
    "acos asin atan atan2 cbrt ceil comb copysign cos degrees dist e exp exp2 expm1 fabs factorial floor "
    "fmod frexp fsum gcd hypot inf isclose isfinite isinf isnan isqrt ldexp log log10 log1p log2 modf nan "
    "perm pi pow radians remainder sin sqrt tan tau trunc").split() if hasattr(math, name)}
_MATH_CALLS = {f: _native(f) for f in _MATH_ATTRS.values() if callable(f)}
_MATH_CALLS[math.factorial] = _math_guarded(math.factorial, lambda n: n > 1_700)  # 1700! ~ 15,700 bits
_MATH_CALLS[math.comb] = _math_guarded(math.comb, lambda n, k: _log2_binomial(n, k) > MAX_INT_BITS + 64)
_MATH_CALLS[math.perm] = _math_guarded(
    math.perm, lambda n, k=None: (math.lgamma(n + 1) - math.lgamma(n - (n if k is None else k) + 1)) / math.log(2)
    > MAX_INT_BITS + 64)
_FUNCTION = type(math.sqrt)
_MISSING = object()


def _callable(value):
    """The implementation behind a variable holding a function (from `from math import sqrt`)."""
    if type(value) is _FUNCTION and value in _MATH_CALLS:
        return _MATH_CALLS[value]
    raise TypeError(f"'{type(value).__name__}' object is not callable")


# ---- compiler: AST node -> closure(state) -------------------------------------------
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


class _Compiler:
    """Turns allowed AST nodes into closures; methods e_X compile expressions, s_X statements."""

    def __init__(self):
        self.loops = 0  # enclosing for loops, for break/continue

    def expr(self, node):
        method = getattr(self, "e_" + type(node).__name__, None)
        if method is None:
            raise _refuse(node, _refused(node))
        return method(node)

    def body(self, nodes) -> tuple:
        compiled = []
        for node in nodes:
            method = getattr(self, "s_" + type(node).__name__, None)
            if method is None:
                raise _refuse(node, _refused(node))
            compiled.append((node.lineno, method(node)))
        return tuple(compiled)

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
        return lambda st: _built(st, _checked(kind([get(st) for get in items])))

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


# ---- parsing and caching ------------------------------------------------------------
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


# ---- public API ---------------------------------------------------------------------
def check_syntax(source: str) -> None:
    """Parse and allow-list check a program without running it; SnippetError (line, col) if refused."""
    _compile_program(source) if type(source) is str else _parse(source, "exec")


def run_snippet(source: str, *, names: dict | None = None) -> str:
    """Run a program and return what it printed. `names` are starting variables (not modified)."""
    body = _compile_program(source) if type(source) is str else _parse(source, "exec")
    st = _State(dict(_variables(names)))
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
