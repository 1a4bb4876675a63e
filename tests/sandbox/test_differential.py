"""Differential tests for engine/sandbox/__init__.py: generated programs and expressions against CPython.

hypothesis generates programs (assignments, augmented assignment, print, f-strings,
if, for, swaps, lists and tuples) and expressions over a few variables; each is run
by `exec` in a separate CPython worker process (the oracle: stdout and exception type)
and by the safe evaluator, and the two must agree exactly. A limit may never refuse
what CPython runs.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.sandbox import SnippetError, evaluate, run_snippet

WORKER = """
import contextlib, io, json, sys
for line in sys.stdin:
    buffer, error = io.StringIO(), None
    try:
        with contextlib.redirect_stdout(buffer):
            exec(json.loads(line), {})
    except Exception as e:
        error = type(e).__name__
    sys.stdout.write(json.dumps([buffer.getvalue(), error]) + "\\n")
    sys.stdout.flush()
"""


@pytest.fixture(scope="module")
def cpython_worker():
    worker = subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)

    def run(source: str) -> tuple[str, str | None]:
        worker.stdin.write(json.dumps(source) + "\n")
        worker.stdin.flush()
        return tuple(json.loads(worker.stdout.readline()))

    yield run
    worker.stdin.close()
    worker.wait(timeout=10)


FLOATS = [0.5, 2.5, -1.5, 0.1, 3.0, -0.0, 0.0, 1e-3, 1234.5678, 1e300, 0.25, 2.675]
SPECS = ["", ":.2f", "!r", ":>8", ":,", ":e", ":g", ":.3", ":+", ":08.3f", ":d", "!s:^7"]


def expression(draw, defined: list[str], depth: int) -> str:
    """A random, fully parenthesised arithmetic expression over the defined variables."""
    kind = draw(st.integers(0, 9)) if depth > 0 else draw(st.integers(0, 2))
    sub = lambda: expression(draw, defined, depth - 1)  # noqa: E731
    if kind == 0:
        return f"({draw(st.integers(-30, 30))})"
    if kind == 1:
        return f"({draw(st.sampled_from(FLOATS))!r})"
    if kind == 2:
        return draw(st.sampled_from(defined)) if defined else draw(st.sampled_from(["True", "False", "7"]))
    if kind in (3, 4):
        op = draw(st.sampled_from(["+", "-", "*", "/", "//", "%"]))
        return f"({sub()} {op} {sub()})"
    if kind == 5:
        exponent = draw(st.sampled_from(["0", "1", "2", "3", "(-1)", "0.5", "(-2)"]))
        return f"({sub()} ** {exponent})"
    if kind == 6:
        ops = draw(st.lists(st.sampled_from(["<", "<=", "==", "!=", ">", ">="]), min_size=1, max_size=2))
        return "(" + sub() + "".join(f" {op} {sub()}" for op in ops) + ")"
    if kind == 7:
        form = draw(st.sampled_from(["{} and {}", "{} or {}", "not {}", "-{}", "{} if {} else {}"]))
        return "(" + form.format(*(sub() for _ in range(form.count("{}")))) + ")"
    call = draw(st.sampled_from(["int({})", "float({})", "round({})", "round({}, {})", "abs({})", "min({}, {})",
                                 "max({}, {}, {})", "sum([{}, {}])", "math.floor({})", "math.sqrt({})",
                                 "len(str({}))", "round({}, -1)"]))
    return call.format(*(sub() for _ in range(call.count("{}"))))


@st.composite
def programs(draw) -> str:
    defined: list[str] = []
    lines = ["import math"]
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["assign", "assign", "augmented", "print", "fstring", "if", "for", "swap",
                                     "containers"]))
        value = expression(draw, defined, draw(st.integers(0, 3)))
        if kind == "assign" or not defined:
            name = draw(st.sampled_from(["a", "b", "c"]))
            lines.append(f"{name} = {value}")
            defined.append(name)
        elif kind == "augmented":
            op = draw(st.sampled_from(["+", "-", "*", "/", "//", "%"]))
            lines.append(f"{draw(st.sampled_from(defined))} {op}= {value}")
        elif kind == "print":
            sep, end = draw(st.sampled_from([", sep='|'", ""])), draw(st.sampled_from([", end=';'", ""]))
            lines.append(f"print({value}, {expression(draw, defined, 1)}{sep}{end})")
        elif kind == "fstring":
            spec = draw(st.sampled_from(SPECS))
            lines.append(f"print(f'<{{{value}{spec}}}>')")
        elif kind == "if":
            lines += [f"if {value}:", f"    print({expression(draw, defined, 1)})", "else:",
                      f"    {draw(st.sampled_from(defined))} = {expression(draw, defined, 1)}"]
        elif kind == "for":
            name = draw(st.sampled_from(defined))
            lines += [f"for i in range({draw(st.integers(0, 4))}):", f"    {name} = ({name} + i) * {value}"]
        elif kind == "swap":
            first, second = draw(st.sampled_from(defined)), draw(st.sampled_from(defined))
            lines.append(f"{first}, {second} = {second}, {value}")
        else:
            lines.append(f"print([{value}, {expression(draw, defined, 1)}], ({expression(draw, defined, 1)},))")
    lines.append("print(" + ", ".join(sorted(set(defined))) + ")")
    return "\n".join(lines) + "\n"


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=programs())
def test_generated_programs_match_cpython_exactly(cpython_worker, source):
    expected_output, expected_error = cpython_worker(source)
    try:
        output, error = run_snippet(source), None
    except SnippetError as e:
        output, error = e.output, e.python_error
        assert e.python_error is not None, f"refused by a limit, but CPython runs it: {e}"
    assert (output, error) == (expected_output, expected_error)


@st.composite
def expressions_with_values(draw) -> tuple[str, dict]:
    values = {name: draw(st.one_of(st.integers(-1000, 1000), st.sampled_from(FLOATS))) for name in ("a", "b", "c")}
    return expression(draw, ["a", "b", "c"], draw(st.integers(1, 4))), values


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=expressions_with_values())
def test_evaluate_matches_cpython_exactly(cpython_worker, case):
    text, values = case
    setup = "".join(f"{name} = {value!r}\n" for name, value in values.items())
    expected_output, expected_error = cpython_worker(f"import math\n{setup}print(repr({text}))")
    try:
        value, error = evaluate(text, values), None
    except SnippetError as e:
        value, error = None, e.python_error
        assert e.python_error is not None, f"refused by a limit, but CPython evaluates it: {e}"
    assert error == expected_error
    if error is None:
        assert repr(value) + "\n" == expected_output  # same type and value: 1 vs 1.0 vs True, -0.0
