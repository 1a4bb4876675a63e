"""Tests for engine/sandbox/__init__.py: accepted constructs, refused constructs, error messages, the API.

The oracle for semantics is CPython itself: fixed programs are compared with an
in-process `exec` of the same test-owned text. Attacks and limits are tested in
tests/sandbox/test_limits.py; generated programs, run by CPython in a separate
process, in tests/sandbox/test_differential.py.
"""

from __future__ import annotations

import contextlib
import io

import pytest

from engine.sandbox import (
    SnippetError,
    check_syntax,
    evaluate,
    literals_used,
    names_used,
    run_snippet,
)

SEED_Q3 = """\
model_size = 1000 # in MB
lora_size = 10 # LoRA adds 10 MB
quantization_factor = 0.25 # QLoRA compresses to 25%
lora_model_size = model_size + lora_size
qlora_model_size = int(lora_model_size * quantization_factor)
print(qlora_model_size)
"""


def cpython(source: str) -> tuple[str, str | None]:
    """What CPython prints for a trusted, test-owned program, and the exception it raises."""
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            exec(source, {})  # test-owned literal programs only: the oracle
    except Exception as e:
        return buffer.getvalue(), type(e).__name__
    return buffer.getvalue(), None


def ours(source: str) -> tuple[str, str | None]:
    try:
        return run_snippet(source), None
    except SnippetError as e:
        return e.output, e.python_error


# ---- accepted constructs behave as CPython ---------------------------------------------
PROGRAMS = {
    "seed question 3": SEED_Q3,
    "int arithmetic": "print(7 + 3, 7 - 10, 6 * 7, 7 / 2, -7 // 2, -7 % 3, 7 % -3, 2 ** 10, 2 ** -1, -2 ** 2)",
    "float arithmetic": "print(0.1 + 0.2, 1e16 + 1.0, -0.0, 0.0 * -1, 7.5 // 2, -7.5 % 2, 1e308 * 10, 2.0 ** 0.5)",
    "bool arithmetic": "print(True + 1, True * 3.5, -True, ~5, 6 & 3, 6 | 3, 6 ^ 3, 1 << 10, -9 >> 1)",
    "banker's rounding": "print(round(0.5), round(1.5), round(2.5), round(-2.5), round(2.675, 2),"
                         " round(1234, -2))",
    "int() truncates": "print(int(252.5), int(-2.7), int('42'), int(True), int('ff', 16), float('1e3'), float(3))",
    "builtins": "print(abs(-3), abs(-2.5), min(3, 1, 2), max([4, 9, 2]), sum([1, 2.5]), len('abc'), str(1.0))",
    "more builtins": "print(sum([1, 2], 10), len([1, (2, 3)]), max(1, 2.0), min('b', 'a'), str([1, 'a']))",
    "comparison chains": "print(1 < 2 < 3, 3 > 2 > 2, 1 == 1.0, 'a' < 'b', [1, 2] < [1, 3], 2 in [1, 2],"
                         " 'x' not in 'abc')",
    "and/or return operands": "print(0 or 'x', 3 and 0, None or [], 2 and 3, not 0, 1 if 0 else 'no',"
                              " None is None)",
    "assignment forms": "a = b = 3\nc, d = 1, 2\nc, d = d, c\n[e, (f, g)] = [4, (5, 6)]\nx, y = 'hi'\n"
                        "print(a, b, c, d, e, f, g, x, y)",
    "augmented assignment": "a = 5\na += 2\na -= 1\na *= 3\na /= 4\na //= 1\na **= 2\na %= 7\nprint(a)",
    "lists extend in place": "a = [1]\nb = a\na += [2]\na += 'xy'\na *= 2\nc = (1,)\nd = c\nc += (2,)\n"
                             "print(a, b, c, d)",
    "if elif else": "x = 5\nif x > 10:\n    print('big')\nelif x > 3:\n    print('mid')\n"
                    "else:\n    print('small')",
    "for loops": "t = 0\nfor i in range(1, 10, 2):\n    if i == 7:\n        break\n    if i == 3:\n"
                 "        continue\n    t += i\nelse:\n    t = -1\nprint(t)",
    "for over lists and tuples": "for d_in, d_out in [(4096, 4096), (4096, 11008)]:\n"
                                 "    print(d_in * 8 + 8 * d_out)\nfor ch in 'ab':\n    print(ch)",
    "print sep and end": "print(1, 2, sep='-', end='!')\nprint('x', end='')\nprint()\nprint(1, 2, sep=None, end=None)",
    "f-strings": "x = 2.5\nn = 1234567\n"
                 "print(f'{x:.2f} {x!r} {x:>8} {n:,} {n:e} {x=} {\"s\"!r} {x:{5}.{1}f} {n:_b} {-0.0}')",
    "indexing and slicing": "s = 'hello'\nl = [1, 2, 3, 4]\n"
                            "print(s[1], s[-1], s[1:3], s[::-1], l[1:], l[::2], (1, 2)[0])",
    "math": "import math\nfrom math import sqrt, pi as PI\nprint(math.sqrt(2), math.floor(2.7), math.ceil(2.1),"
            " math.log2(1024), sqrt(9), PI, math.isqrt(17), math.factorial(10), math.comb(10, 3))",
    "big ints within limits": "x = 2 ** 4000\nprint(len(str(x)), x % 1000, 10 ** 100 // 7 % 100)",
    "ZeroDivisionError": "print('before')\nx = 1 / 0\nprint('after')",
    "TypeError": "print(1 + 'a')",
    "NameError": "print(undefined_name)",
    "ValueError from int()": "print(int('twelve'))",
    "unpacking errors": "a, b = 1, 2, 3",
    "str limit of CPython": "print(10 ** 4400)",
    "float overflow": "print(10.0 ** 400)",
}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_accepted_programs_match_cpython(name):
    source = PROGRAMS[name]
    expected = cpython(source)
    assert ours(source) == expected
    if expected[1] is None:
        assert run_snippet(source) == expected[0]


def test_seed_question_3_prints_252():
    assert run_snippet(SEED_Q3) == "252\n"


def test_names_are_starting_variables_and_are_not_modified():
    names = {"model_size": 800, "lora_size": 20}
    assert run_snippet("model_size += 1\nprint(model_size + lora_size)", names=names) == "821\n"
    assert names == {"model_size": 800, "lora_size": 20}


def test_runtime_errors_name_the_line_and_the_python_exception():
    with pytest.raises(SnippetError, match=r"^line 2: ZeroDivisionError: division by zero$") as info:
        run_snippet("print('ok')\nx = 1 / 0\n")
    assert info.value.python_error == "ZeroDivisionError"
    assert info.value.output == "ok\n"
    assert isinstance(info.value, ValueError)


def test_errors_inside_blocks_name_the_inner_line():
    with pytest.raises(SnippetError, match=r"^line 3: TypeError"):
        run_snippet("for i in range(3):\n    x = i\n    y = x + 'a'\n")


# ---- refused constructs name the line and the construct ---------------------------------
REFUSED = [
    ("x = 1\nwhile True:\n    pass", 2, "while loop"),
    ("def f():\n    return 1", 1, "def"),
    ("f = lambda: 1", 1, "lambda"),
    ("class A:\n    pass", 1, "class"),
    ("x = [i for i in range(3)]", 1, "list comprehension"),
    ("x = {'a': 1}", 1, "dict"),
    ("import os", 1, "import os"),
    ("import math, sys", 1, "import sys"),
    ("from os import path", 1, "from os import"),
    ("from math import *", 1, "from math import *"),
    ("x = 'a'.upper()", 1, "attribute access '.upper'"),
    ("x = 1\nx.real = 2", 2, "assigning to"),
    ("l = [1]\nl[0] = 2", 2, "assigning to"),
    ("print(__name__)", 1, "dunder name '__name__'"),
    ("x = range(3)", 1, "range()"),
    ("print(*[1, 2])", 1, "star unpacking"),
    ("print(1, file=None)", 1, "keyword argument file="),
    ("x = 1\nprint(x is 1)", 2, "'is' is only allowed with None"),
    ("x = b'abc'", 1, "literal b'abc'"),
    ("try:\n    x = 1\nexcept Exception:\n    pass", 1, "try"),
    ("y = 2\n(x := 1)", 2, ":= operator"),
    ("x = 1\ncontinue", 2, "SyntaxError: 'continue' outside loop"),
    ("x = 1 +", 1, "SyntaxError: invalid syntax"),
]


@pytest.mark.parametrize(("source", "line", "construct"), REFUSED)
def test_refused_constructs_name_line_and_construct(source, line, construct):
    for check in (run_snippet, check_syntax):
        with pytest.raises(SnippetError) as info:
            check(source)
        assert str(info.value).startswith(f"line {line}: ")
        assert construct in str(info.value)
        assert info.value.lineno == line


def test_check_syntax_accepts_valid_programs_and_gives_the_column():
    assert check_syntax(SEED_Q3) is None
    with pytest.raises(SnippetError, match="column") as info:
        check_syntax("x = 1\ny = (2 +\n")
    assert info.value.col is not None
    with pytest.raises(SnippetError) as refused:
        check_syntax("x = 1\ny = 'a'.join([])")
    assert refused.value.col == 5  # 1-based column of the attribute expression


def test_functions_and_the_math_module_are_not_values():
    with pytest.raises(SnippetError, match=r"^line 2: the math module can only be used as math.X"):
        run_snippet("import math\nprint(math)")  # its repr would show a file path
    with pytest.raises(SnippetError, match=r"^line 1: int\(\) can only be called"):
        run_snippet("f = int")
    with pytest.raises(SnippetError, match="TypeError: 'int' object is not callable"):
        run_snippet("max = 3\nprint(max(1, 2))")  # a variable shadows the builtin, as in Python
    assert run_snippet("import math as m\nfrom math import sqrt\nprint(m.floor(sqrt(10)))") == "3\n"


def test_non_string_source_is_a_clear_error():
    with pytest.raises(SnippetError, match="must be a str"):
        run_snippet(b"print(1)")
    with pytest.raises(SnippetError, match="which a snippet cannot use"):
        run_snippet("print(f)", names={"f": open})


# ---- evaluate and its helpers ------------------------------------------------------------
def test_evaluate_matches_python_on_seed_question_4():
    names = {"model_size": 800, "lora_size": 20, "quantization_factor": 0.3}
    fixed = "(model_size + lora_size) * quantization_factor"
    buggy = "model_size + lora_size * quantization_factor"
    assert evaluate(fixed, names) == (800 + 20) * 0.3
    assert evaluate(buggy, names) == 800 + 20 * 0.3
    assert evaluate(fixed, names) != evaluate(buggy, names)


def test_evaluate_has_math_builtins_and_reports_errors():
    assert evaluate("math.ceil(x / 3) + int(round(y)) + max(x, 2)", {"x": 10, "y": 2.5}) == 4 + 2 + 10
    assert evaluate("x if x > 0 else -x", {"x": -3}) == 3
    with pytest.raises(SnippetError, match=r"^line 1: NameError: name 'z' is not defined$"):
        evaluate("x + z", {"x": 1})
    with pytest.raises(SnippetError, match="ZeroDivisionError"):
        evaluate("x / y", {"x": 1, "y": 0})
    with pytest.raises(SnippetError, match="SyntaxError"):
        evaluate("x = 1", {})


def test_names_used_leaves_out_called_builtins_and_math():
    assert names_used("int((model_size + lora_size) * quantization_factor)") == {
        "model_size", "lora_size", "quantization_factor"}
    assert names_used("math.floor(a) + max(b, 2) + abs") == {"a", "b", "abs"}


def test_literals_used_in_source_order_without_bools():
    assert literals_used("x * 2.5 + 3 - 252 + True") == [2.5, 3, 252]
    assert literals_used("(model_size + lora_size) * quantization_factor") == []



# ---- lists grown in place are charged only for what is added --------------------------
def test_lists_grown_in_place_count_only_what_is_added():
    program = "a = []\nfor i in range(3000):\n    a += [i, i]\nprint(len(a))"  # quadratic if whole lists counted
    assert run_snippet(program) == cpython(program)[0] == "6000\n"
