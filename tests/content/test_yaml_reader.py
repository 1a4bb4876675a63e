"""engine/content/yaml_reader.py and yaml_builder.py: the same data as before, faster, within limits."""

from __future__ import annotations

import math
import time

import pytest

from engine.content import yaml_reader
from engine.content.loader import LESSON_DIR, QUIZ_DIR, _plain, yaml_files
from engine.content.yaml_reader import MAX_ALIAS_VALUES, MAX_DEPTH, MAX_VALUES, ReadError, read_text

SHIPPED = yaml_files(LESSON_DIR) + yaml_files(QUIZ_DIR)


def plain(text: str):
    return _plain(read_text(text.encode("utf-8")), [], [], True)


def error_of(text: str | bytes) -> ReadError:
    with pytest.raises(ReadError) as caught:
        read_text(text if isinstance(text, bytes) else text.encode("utf-8"))
    return caught.value


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_files_read_as_ruamel_read_them(path):
    """The switch from ruamel.yaml (YAML 1.2 round-trip) to libyaml events changes no value."""
    from ruamel.yaml import YAML

    ours = _plain(read_text(path.read_bytes()), [], [], True)
    theirs = _plain(YAML(typ="rt").load(path.read_text(encoding="utf-8")), [], [], True)
    assert ours == theirs


def test_libyaml_is_the_parser():
    """The speed goal of issue 11 rests on the C parser; a missing libyaml would be 10x slower."""
    import yaml

    assert yaml.__with_libyaml__ and yaml_reader._Parser is yaml.CSafeLoader


SCALARS = {
    "yes": "yes", "on": "on", "No": "No", "1:30": "1:30", "2024-01-01": "2024-01-01",  # YAML 1.1 traps stay text
    "true": True, "False": False, "null": None, "~": None, "": None,
    "12": 12, "-7": -7, "0x1f": 31, "0o17": 15, "010": 10, "1_000": 1000,
    "1.5": 1.5, "1e-4": 1e-4, "-.5": -0.5, "2.": 2.0, ".inf": math.inf, "-.inf": -math.inf,
    "'12'": "12", '"true"': "true", "!!str 12": "12", "!!float 3": 3.0, "!!int 4": 4,
    "1e400": math.inf, "abc def": "abc def", ".": ".",
}


@pytest.mark.parametrize("written", sorted(SCALARS))
def test_scalars_follow_yaml_1_2_core(written):
    value = plain(f"v: {written}\n")["v"]
    expected = SCALARS[written]
    assert value == expected and type(value) is type(expected)


def test_nan_reads_as_nan():
    assert math.isnan(plain("v: .nan\n")["v"])


def test_positions_are_kept_for_keys_values_and_items():
    data = read_text(b"a: 1\nb:\n  - x: 'q'\n    y: [1, 2]\n")
    assert (data.lc.key("b"), data.lc.value("a")) == ((1, 0), (0, 3))
    item = data["b"][0]
    assert data["b"].lc.item(0) == (2, 4) and item.lc.value("y") == (3, 7) and item["y"].lc.item(1) == (3, 11)


def test_merge_keys_and_small_aliases_work():
    data = plain("base: &b {rank: 8, alpha: 16}\nrun:\n  <<: *b\n  rank: 4\nrefs: [*b, *b]\n")
    assert data["run"] == {"rank": 4, "alpha": 16}
    assert data["refs"] == [{"rank": 8, "alpha": 16}] * 2


REFUSED = {
    "deep flow": ("x: " + "[" * 300 + "]" * 300, 1, f"nested more than {MAX_DEPTH} levels"),
    "deep block": ("".join("  " * i + f"k{i}:\n" for i in range(40)) + "  " * 40 + "v: 1\n", MAX_DEPTH + 1, "nested more than"),
    "recursive alias": ("a: &a [1, *a]\n", 1, "refers to a node that contains it"),
    "unknown alias": ("a: *nowhere\n", 1, "unknown alias '*nowhere'"),
    "python tag": ("a: !!python/object:os.system {}\n", 1, "tag 'tag:yaml.org,2002:python/object:os.system' is not allowed"),
    "custom tag": ("a: !secret 1\n", 1, "tag '!secret' is not allowed"),
    "set tag": ("a: !!set {x}\n", 1, "is not allowed"),
    "bad int tag": ("a: !!int twelve\n", 1, "'twelve' is not a valid !!int"),
    "complex key": ("? [a, b]\n: 1\n", 1, "a key must be a single value"),
    "duplicate key": ("a: 1\nb:\n  c: 1\n  c: 2\n", 4, "duplicate key 'c' (first defined at line 3)"),
    "two documents": ("a: 1\n---\nb: 2\n", 2, "a second YAML document"),
    "huge integer": ("a: " + "9" * 5000 + "\n", 1, "number too long"),
    "control character": ("a: b\x00c\n", 1, "is not allowed in YAML"),
    "not a mapping": ("- a\n- b\n", 1, "found a list"),
    "tab indent": ("a:\n\tb: 1\n", 2, "tab used for indentation"),
}


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_refused_with_line(kind):
    text, line, message = REFUSED[kind]
    error = error_of(text)
    assert error.line == line and message in error.message, (error.line, error.message)


def test_duplicate_key_names_its_path():
    assert error_of("a: 1\nb:\n  c: 1\n  c: 2\n").path == "b.c"


def test_alias_bomb_is_refused_fast_and_small():
    """Issue 14, item 6: ~1 KB, 8 levels of 10 aliases: billions of values once expanded."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    text = "\n".join(lines + ["questions: [*a8]"]) + "\n"
    assert len(text) < 1100
    start = time.perf_counter()
    error = error_of(text)
    assert time.perf_counter() - start < 1.0
    assert f"aliases expand to more than {MAX_ALIAS_VALUES:,} values" in error.message and error.line == 4


def test_too_many_values_is_refused():
    error = error_of("a: [" + ", ".join(["1"] * (MAX_VALUES + 1)) + "]\n")
    assert f"more than {MAX_VALUES:,} values" in error.message


def test_oversized_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: " + b"x" * yaml_reader.MAX_BYTES + b"\n")
    data, problems = yaml_reader.read_yaml(path, "big.yaml")
    assert data is None and "a lesson or quiz file may be at most 1,000,000" in problems[0].message


def test_syntax_error_has_line_and_context():
    error = error_of("id: x\ntitle: [unclosed\n")
    assert (error.line, error.col) == (3, 1)
    assert "while parsing a flow sequence started at line 2, column 8" in error.message
