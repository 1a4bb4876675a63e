"""Fuzz the content loader (issue 14, "also asked"): every file, however made, gives a valid
course or file:line errors, within a CPU-time and memory bound, and never an exception.

Inputs: YAML generated with random depth, width and anchors/aliases (some deeper than
MAX_DEPTH, some alias chains far past MAX_ALIAS_VALUES); random bytes and random text;
the shipped lessons and quizzes with random bytes flipped, cut or inserted. Each input is
loaded both as a lesson and as a quiz. Hypothesis runs derandomized, so CI sees the
same cases every time; the whole file runs in about 15 s on a shared 2-core machine.
"""

from __future__ import annotations

import itertools
import tempfile
import time
import tracemalloc
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.content.loader import LESSON_DIR, QUIZ_DIR, load_course, yaml_files

# Per file, loaded as a lesson and as a quiz, in CPU seconds (wall time on a shared CI machine
# is noise); the shipped files take ~10 ms.
CPU_SECONDS = 2.0
PEAK_BYTES = 64 * 2**20  # traced Python allocations per file
FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
MANY = settings(FUZZ, max_examples=150)  # for the cheap cases
SHIPPED = [p.read_bytes() for p in yaml_files(LESSON_DIR) + yaml_files(QUIZ_DIR)]
_DIR = Path(tempfile.mkdtemp(prefix="loader-fuzz-"))
_NAMES = itertools.count()


def check_file(raw: bytes) -> None:
    """Load `raw` as a lesson and as a quiz; assert the outcome, the time and the memory."""
    path = _DIR / f"f{next(_NAMES)}.yaml"  # a fresh name: no cache hit from an earlier example
    path.write_bytes(raw)
    tracemalloc.start()
    start = time.process_time()
    try:
        for course in (load_course(lesson_files=[path], quiz_files=[]), load_course(lesson_files=[], quiz_files=[path])):
            loaded = course.lessons or course.quizzes
            assert loaded or course.problems, "a file that did not load must say why"
            for problem in course.problems + course.warnings:
                assert problem.file.endswith(path.name) and problem.line >= 1 and problem.col >= 1 and problem.message
                assert "Traceback" not in problem.message
            assert "could not read this file" not in " ".join(p.message for p in course.problems), course.problems
        elapsed = time.process_time() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        path.unlink()
    assert elapsed < CPU_SECONDS, f"{elapsed:.2f} s of CPU"
    assert peak < PEAK_BYTES, f"{peak / 2**20:.1f} MiB"


# ---------------------------------------------------------------- generated YAML

SCALARS = st.one_of(st.integers(-10**30, 10**30), st.floats(allow_nan=True), st.booleans(), st.none(),
                    st.text(max_size=12), st.sampled_from(["yes", "1:30", "~", ".inf", "0x1f", "'q'", "[", "&", "*", ": x"]))


def render(node, names: list[str], depth: int = 0) -> str:
    """Flow-style YAML of a tree whose leaves may be ("&", name, subtree) or ("*", name)."""
    if isinstance(node, list):
        return "[" + ", ".join(render(item, names, depth + 1) for item in node) + "]"
    if isinstance(node, dict):
        return "{" + ", ".join(f"k{key}: {render(value, names, depth + 1)}" for key, value in node.items()) + "}"
    if isinstance(node, tuple) and node[0] == "&":
        names.append(node[1])
        return f"&{node[1]} {render(node[2], names, depth + 1)}"
    if isinstance(node, tuple):
        return f"*{node[1]}"  # may name an anchor not yet defined, or one that contains it
    return repr(node) if isinstance(node, str) else str(node)


ANCHORS = st.sampled_from(["a", "b", "c", "d"])
TREES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=6),
        st.dictionaries(st.integers(0, 9), children, max_size=5),
        st.tuples(st.just("&"), ANCHORS, children),
        st.tuples(st.just("*"), ANCHORS),
    ),
    max_leaves=60,
)


@FUZZ
@given(tree=TREES, head=st.sampled_from(["", "id: fuzz\ntitle: Fuzz\n", "id: fuzz\ntitle: F\nquestions:\n"]))
def test_generated_yaml(tree, head):
    check_file((head + "x: " + render(tree, []) + "\n").encode("utf-8"))


@FUZZ
@given(depth=st.integers(1, 400), bracket=st.sampled_from(["[", "{k: ", "- "]))
def test_nesting_of_any_depth(depth, bracket):
    if bracket == "- ":
        text = "".join("  " * i + "-\n" for i in range(depth)) + "  " * depth + "x\n"
    else:
        closing = "]" if bracket == "[" else "}"
        text = "x: " + bracket * depth + "1" + closing * depth + "\n"
    check_file(text.encode("utf-8"))


@FUZZ
@given(levels=st.integers(1, 12), width=st.integers(1, 12))
def test_alias_chains_of_any_size(levels, width):
    lines = ["a0: &a0 [x, y]"] + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels + 1)]
    check_file(("\n".join(lines) + f"\nquestions: [*a{levels}]\n").encode("utf-8"))


# ---------------------------------------------------------------- bytes and mutations

@MANY
@given(raw=st.binary(max_size=2000))
def test_random_bytes(raw):
    check_file(raw)


@MANY
@given(text=st.text(max_size=500))
def test_random_text(text):
    check_file(text.encode("utf-8", "surrogatepass"))


@MANY
@given(index=st.integers(0, len(SHIPPED) - 1), edits=st.lists(
    st.tuples(st.sampled_from(["flip", "cut", "insert"]), st.floats(0, 1), st.binary(min_size=1, max_size=8)),
    min_size=1, max_size=4))
def test_mutated_shipped_files(index, edits):
    raw = bytearray(SHIPPED[index])
    for kind, where, payload in edits:
        at = int(where * (len(raw) - 1))
        if kind == "flip":
            raw[at] ^= payload[0] or 1
        elif kind == "cut":
            del raw[at:at + 40 * len(payload)]
        else:
            raw[at:at] = payload
    check_file(bytes(raw))


def _leaves(node, path=()):
    """(path, value) of every leaf of plain data."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else None
    if items is None:
        yield path, node
        return
    for key, value in items:
        yield from _leaves(value, path + (key,))


@FUZZ
@given(index=st.integers(0, len(SHIPPED) - 1), pick=st.floats(0, 1), value=st.one_of(SCALARS, st.lists(SCALARS, max_size=3)),
       delete=st.booleans())
def test_shipped_files_with_one_value_changed(index, pick, value, delete):
    """Valid YAML, wrong content: schema errors must still point at a line of the file."""
    import yaml

    from engine.content.loader import _plain
    from engine.content.yaml_reader import read_text

    data = _plain(read_text(SHIPPED[index]), [], [], True)
    leaves = list(_leaves(data))
    path, _ = leaves[int(pick * (len(leaves) - 1))]
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if delete and path:
        del parent[path[-1]]
    elif path:
        parent[path[-1]] = value
    check_file(yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8"))
