"""Limits and guards of the safe evaluator, and the builtins and math functions it allows.

Part of engine/sandbox/__init__.py (the public API; read its docstring first). This module
holds what a snippet may spend and how a refusal is signalled:

1. the limits (MAX_*), with their units;
2. `_State`, the per-run counters, and `_tick`/`_count`, which charge steps and built items;
3. value guards: `_checked` refuses a result past a size limit, the `_pre_*` checks refuse
   an operation *before* it runs when its result is sure to be too big (`9**9**9`);
4. the operator tables the compiler uses, each native operator wrapped in its guard;
5. the allowed builtins and the `math` table, wrapped the same way.

Every operation is still the native one, so semantics are CPython's. Sources: Python
Language Reference §6 "Expressions" (operators); the `math` module docs
(https://docs.python.org/3/library/math.html); CPython's 4,300-digit int/str limit
(https://docs.python.org/3/library/stdtypes.html#int-max-str-digits).
"""

from __future__ import annotations

import ast
import math
import operator
import re
from time import thread_time

from engine.sandbox.sizes import _Limit, render_len, tree_weight

# ---- limits --------------------------------------------------------------------------
MAX_SOURCE_CHARS = 20_000  # characters of source; quiz snippets are a few hundred
MAX_DEPTH = 100  # AST nesting levels; compiling and running recurse once per level
MAX_INT_BITS = 15_000  # about 4,500 decimal digits: just above CPython's 4,300-digit str() limit
MAX_LEN = 100_000  # characters in a str; weighted items in a list/tuple, nested ones included
MAX_NESTING = 50  # lists/tuples inside lists/tuples
MAX_STEPS = 100_000  # statements + loop iterations + calls + str/list operations, per run
MAX_BUILT = 5_000_000  # items of all strs/lists/tuples built in one run (bounds memory: ~40 MB of pointers)
MAX_SECONDS = 0.5  # CPU time of the calling thread per run_snippet/evaluate call, in seconds (CPU, not wall: a busy server must not fail a valid answer)


# ---- errors and the per-run state ----------------------------------------------------
class SnippetError(ValueError):
    """A snippet was refused or failed. The message starts with "line N: ".

    `python_error` is the name of the Python exception CPython would raise
    ("ZeroDivisionError"), or None when the evaluator itself refused the snippet.
    `output` is what run_snippet printed before the error.
    """

    def __init__(self, message: str, *, lineno: int = 1, col: int | None = None, python_error: str | None = None):
        super().__init__(message)
        self.lineno, self.col, self.python_error, self.output = lineno, col, python_error, ""


class _State:
    """Everything a run changes: variables, counters, printed text."""

    __slots__ = ("env", "steps", "built", "deadline", "out", "out_len", "implicit_math", "sizes", "contained")

    def __init__(self, env: dict, implicit_math: bool = False):
        self.env, self.steps, self.built, self.out, self.out_len = env, 0, 0, [], 0
        self.sizes = {}  # id(list) -> (list, _size) for lists grown in place by += and *=
        self.contained = {}  # id(list) -> list, for lists put inside another list/tuple (see _contain)
        self.deadline = thread_time() + MAX_SECONDS
        self.implicit_math = implicit_math  # evaluate() sees `math` without an import


def _tick(st: _State) -> None:
    st.steps += 1
    if st.steps > MAX_STEPS:
        raise _Limit(f"the snippet ran more than {MAX_STEPS:,} steps (is a loop too long?)")
    if thread_time() > st.deadline:
        raise _Limit(f"the snippet ran longer than {MAX_SECONDS} s of CPU time")


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


# ---- value guards --------------------------------------------------------------------
_INTS = frozenset({int, bool})
_SEQS = frozenset({str, list, tuple})
_NUMBERS = frozenset({int, bool, float, complex})
_VALUE_TYPES = _NUMBERS | _SEQS | {type(None)}


def _size(seq) -> int:
    """Weighted size of a list/tuple as a tree (a list held twice counts twice), so str() of it stays bounded.

    Each container and item counts 1, plus 1 per 16 characters of a str and per 64 bits of
    an int: at most about 1/24 of its repr length. See engine/sandbox/sizes.py.
    """
    return tree_weight(seq, limit=MAX_LEN, max_depth=MAX_NESTING)


def _renderable(value) -> None:
    """Refuse, before str()/repr()/print/an f-string builds it, a list/tuple whose text would pass MAX_LEN."""
    if type(value) is list or type(value) is tuple:
        render_len(value, limit=MAX_LEN, max_depth=MAX_NESTING)


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

# ---- builtins and math ---------------------------------------------------------------
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
        _renderable(a)
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


def _str(st: _State, *args, **kwargs):
    if args:
        _renderable(args[0])
    return _checked(str(*args, **kwargs))


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
    "int": (_native(int), {"base"}), "float": (_native(float), set()), "str": (_str, set()),
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


def _callable(value):
    """The implementation behind a variable holding a function (from `from math import sqrt`)."""
    if type(value) is _FUNCTION and value in _MATH_CALLS:
        return _MATH_CALLS[value]
    raise TypeError(f"'{type(value).__name__}' object is not callable")
