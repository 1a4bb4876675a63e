"""Tests for engine/sandbox/limits.py, through the public API: attacks and resource limits.

Every attack must end as a SnippetError within 1 s of wall time (the run limit inside
is MAX_SECONDS = 0.5 s), and the memory and output limits must hold: peak memory is
measured with tracemalloc (bytes), printed text against MAX_LEN (characters).
"""

from __future__ import annotations

import time
import tracemalloc

import pytest

from engine.sandbox import MAX_LEN, SnippetError, evaluate, run_snippet

# ---- attacks: every one a SnippetError within 1 s -------------------------------------
ATTACKS = {
    "import os": "import os\nos.system('echo hacked')",
    "__import__": "__import__('os')",
    "__builtins__": "x = __builtins__",
    "dunder escape": "x = ().__class__.__bases__[0].__subclasses__()",
    "dunder in f-string": "print(f'{().__class__}')",
    "format escape": "print('{0.__class__}'.format(1))",
    "getattr": "getattr(1, '__class__')",
    "open": "open('/etc/passwd')",
    "eval/exec": "eval('1+1')",
    "9**9**9": "x = 9**9**9",
    "10**10**10": "x = 10**10**10",
    "1 << 10**9": "x = 1 << 10**9",
    "pow in a loop": "x = 2\nfor i in range(100):\n    x = x * x",
    "huge string": "s = 'a' * 10**9",
    "huge list": "l = [0] * 10**9",
    "string doubling": "s = 'ab'\nfor i in range(100):\n    s = s + s",
    "huge nested lists": "a = [0] * 99999\nb = [a] * 99999",
    "nested list doubling": "a = [1]\nfor i in range(100):\n    a = [a, a]",
    "self-containing list": "a = [1]\nfor i in range(100):\n    a += [a]\nprint(a)",
    "deep list literal": "x = " + "[" * 60 + "]" * 60,
    "deep parentheses": "x = " + "(" * 10_000 + "1" + ")" * 10_000,
    "deep parentheses, short": "x = " + "(" * 5_000 + "1" + ")" * 5_000,
    "deep unary minus": "-" * 100_000 + "1",
    "deep unary minus, short": "-" * 15_000 + "1",
    "long sum": "x = " + "1+" * 5_000 + "1",
    "deep not": "x = " + "not " * 4_000 + "1",
    "recursion": "def f():\n    return f()\nf()",
    "while True": "while True:\n    pass",
    "range(10**12)": "for i in range(10**12):\n    pass",
    "nested loops with big strings": "for i in range(10**6):\n    for j in range(10**6):\n"
                                     "        s = 'x' * 99999 + 'y'",
    "printing forever": "for i in range(10**9):\n    print('spam' * 1000)",
    "huge format width": "print(f'{1:999999999}')",
    "huge format precision": "print(f'{1.5:.999999999f}')",
    "printf formatting": "print('%0999999999d' % 1)",
    "round of int": "x = round(5, -10**9)",
    "factorial": "import math\nx = math.factorial(10**6)",
    "comb": "import math\nx = math.comb(10**6, 500000)",
    "sum of lists": "a = [[1]] * 20000\nb = sum(a, [])",
    "long source": "x = 1\n" * 20_000,
    "huge hex literal": "x = 0x" + "f" * 5000,
    "many big lists": "".join(f"a{i} = [0] * 99999\n" for i in range(1000)),
    "many long prints": "a = [0] * 33000\nprint(" + "a, " * 3000 + ")",
    "many long f-strings": "a = [0] * 33000\nprint(f'" + "{a}" * 3000 + "')",
    "quadratic concatenation": "s = ''\nfor i in range(10**6):\n    s = s + 'abcdefghij'",
    "null byte": "x = 1\x00",
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attacks_are_snippet_errors_within_one_second(name):
    start = time.perf_counter()
    with pytest.raises(SnippetError):
        run_snippet(ATTACKS[name])
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("expression", [
    "9**9**9", "__import__('os')", "().__class__", "'a' * 10**9", "(lambda: 1)()", "x.__class__",
    "[0] * x", "2 ** x", "(" * 5000 + "x" + ")" * 5000, "print"])
def test_expression_attacks_are_snippet_errors_within_one_second(expression):
    start = time.perf_counter()
    with pytest.raises(SnippetError):
        evaluate(expression, {"x": 10**12})
    assert time.perf_counter() - start < 1.0


# ---- memory and output limits ---------------------------------------------------------
def test_many_big_lists_stay_within_memory():
    tracemalloc.start()
    try:
        with pytest.raises(SnippetError, match="built more than|ran longer than"):
            run_snippet(ATTACKS["many big lists"])
        peak = tracemalloc.get_traced_memory()[1]  # bytes
    finally:
        tracemalloc.stop()
    assert peak < 100 * 2**20  # 100 MiB; unchecked, the 1,000 lists of 99,999 items take about 800 MB


def test_output_limit_is_enforced():
    with pytest.raises(SnippetError, match="printed more than"):
        run_snippet(f"for i in range({MAX_LEN // 1000 + 5}):\n    print('x' * 1000)")



# ---- aliasing: a list held many times by other lists (issue 14, item 4) --------------
def _doubling(levels: int) -> str:
    """l0 = [1]; l1 = [l0, l0]; ...: l{levels} holds l0 2**levels times but is levels + 1 lists."""
    return "l0 = [1]\n" + "".join(f"l{i} = [l{i - 1}, l{i - 1}]\n" for i in range(1, levels + 1))


ALIASING = {  # each would build a string of tens of MB before the size check, without the bound
    "grow the shared list, then str": _doubling(10) + "l0 *= 20000\ns = str(l10)",
    "grow it with +=": _doubling(10) + "l0 += [123456789] * 20000\nprint(len(str(l10)))",
    "grow it through a loop variable": _doubling(10) + "for x in l1:\n    x *= 20000\n    break\ns = str(l10)",
    "grow it, then compare": _doubling(12) + "m0 = [1]\n" + "".join(
        f"m{i} = [m{i - 1}, m{i - 1}]\n" for i in range(1, 13)) + "l0 *= 20000\nm0 *= 20000\nx = l12 == m12",
    "print a deep sharing": _doubling(15) + "print(l15)",
    "f-string of a deep sharing": _doubling(15) + "s = f'{l15}'",
    "repr in an f-string": _doubling(15) + "s = f'{l15!r}'",
    "a list that holds itself": "a = [1]\nb = [a]\na += b\nprint(a)",
}


@pytest.mark.parametrize("name", list(ALIASING))
def test_aliasing_is_refused_before_building(name):
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(SnippetError, match=r"^line \d+: .*(larger than|would give more than|itself)"):
            run_snippet(ALIASING[name])
        peak = tracemalloc.get_traced_memory()[1]  # bytes
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 1.0
    assert peak < 20 * 2**20  # 20 MiB; unchecked, str() of the grown l10 alone is about 60 MB


def test_growing_a_held_list_names_the_cause():
    with pytest.raises(SnippetError, match="line 12: .*grows every list/tuple that holds it"):
        run_snippet(_doubling(10) + "l0 *= 20000")


@pytest.mark.parametrize("source, printed", [
    (_doubling(3) + "print(l3)", "[[[[1], [1]], [[1], [1]]], [[[1], [1]], [[1], [1]]]]\n"),
    ("a = [1]\nb = [a, a]\na += [2]\nprint(b, len(b[0]))", "[[1, 2], [1, 2]] 2\n"),  # Python's aliasing, kept
    ("a = [0]\nb = (a, 'x')\na *= 3\nprint(f'{b!r}')", "([0, 0, 0], 'x')\n"),
    ("a = [1]\nfor i in range(500):\n    a += [i]\nb = [a, a]\nprint(len(str(b)))", f"{2 * len(str([1] + list(range(500)))) + 4}\n"),
])
def test_shared_lists_still_behave_as_in_python(source, printed):
    assert run_snippet(source) == printed
