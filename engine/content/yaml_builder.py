"""Build marked data from libyaml's event stream, within limits; used by yaml_reader.py.

An explicit stack (no recursion, so no RecursionError however deep the file) turns
PyYAML's parser events into dicts and lists, refusing, with the line and column:
  - nesting deeper than MAX_DEPTH levels;
  - more than MAX_VALUES values, or aliases that would expand to more than
    MAX_ALIAS_VALUES values (a "billion laughs" file of 1 KB expands to billions:
    https://en.wikipedia.org/wiki/Billion_laughs_attack). An alias is never copied
    here; its size is added up from the anchored node's size;
  - an alias to a node that contains it, an unknown alias, a duplicate key, a key
    that is a list or mapping, a tag other than YAML's standard ones, a second document.
Plain scalars are resolved by the YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#103-core-schema),
as ruamel.yaml did before: `yes`, `on`, `1:30` and `2024-01-01` stay strings;
`true`, `null`, `12`, `0x1f`, `1e-4`, `.inf` do not. Merge keys (`<<: *base`) work.

Each mapping and list is a MarkedMap or MarkedSeq: a dict or list whose `lc` gives
0-based positions with the API of ruamel.yaml's round-trip nodes (`lc.line`,
`lc.col`, `lc.key(k)`, `lc.value(k)`, `lc.item(i)`), which engine/content/problems.py
walks to locate a pydantic error.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from engine.content.problems import join_path

MAX_DEPTH = 32  # levels of nested lists and mappings; the shipped files use at most 7
MAX_VALUES = 100_000  # scalars, lists and mappings in one file, counting what aliases expand to
MAX_ALIAS_VALUES = 10_000  # values that aliases may add, in total per file

_STD = "tag:yaml.org,2002:"
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?(?:[0-9][0-9_]*|0x[0-9a-fA-F_]+|0o[0-7_]+)$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9][0-9_]*|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$")
_SPECIAL = {sign + inf: float(sign + "inf") for sign in ("", "+", "-") for inf in (".inf", ".Inf", ".INF")}
_SPECIAL.update({nan: float("nan") for nan in (".nan", ".NaN", ".NAN")})


class Marks:
    """0-based positions of a mapping or list and of its keys, values and items."""

    __slots__ = ("line", "col", "keys", "values", "items")

    def __init__(self, line: int, col: int):
        self.line, self.col = line, col
        self.keys: dict = {}
        self.values: dict = {}
        self.items: list = []

    def key(self, key: Any) -> tuple[int, int]:
        return self.keys[key]

    def value(self, key: Any) -> tuple[int, int]:
        return self.values[key]

    def item(self, index: int) -> tuple[int, int]:
        return self.items[index]


class MarkedMap(dict):
    __slots__ = ("lc",)


class MarkedSeq(list):
    __slots__ = ("lc",)


class ReadError(Exception):
    """A file that cannot be read, at a 1-based line and column."""

    def __init__(self, line: int, col: int, message: str, path: str = ""):
        super().__init__(message)
        self.line, self.col, self.message, self.path = line, col, message, path


class _Frame:
    """A mapping or list being built: its data, positions, size and the key waiting for a value."""

    __slots__ = ("data", "marks", "parts", "anchor", "size", "key", "merges")

    def __init__(self, data, marks: Marks, parts: list, anchor: str | None):
        self.data, self.marks, self.parts, self.anchor = data, marks, parts, anchor
        self.size = 1  # values in this subtree, aliases expanded
        self.key: Any = _NO_KEY
        self.merges: list = []


_NO_KEY = object()
_BUILDING = object()
_MERGE = object()  # the `<<` key


class Builder:
    """Data from a libyaml event stream, with an explicit stack and the limits above."""

    def __init__(self):
        self.stack: list[_Frame] = []
        self.anchors: dict[str, Any] = {}  # name -> (value, size), or _BUILDING while its node is open
        self.values = 0
        self.alias_values = 0
        self.root: Any = None
        self.documents = 0

    def build(self, parser) -> Any:
        while True:
            event = parser.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return self.root
            self._on(event)

    def _on(self, event) -> None:
        mark = event.start_mark
        if isinstance(event, yaml.ScalarEvent):
            self._count(1, mark)
            value = _scalar(event)
            self._anchor(event.anchor, (value, 1))
            self._add(value, 1, mark, merge=event.value == "<<" and event.implicit[0])
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            self._open(event, mark)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            self._close()
        elif isinstance(event, yaml.AliasEvent):
            self._alias(event, mark)
        elif isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise ReadError(mark.line + 1, mark.column + 1, "a second YAML document ('---'); a file holds one lesson or quiz")

    def _count(self, n: int, mark) -> None:
        self.values += n
        if self.values > MAX_VALUES:
            raise ReadError(mark.line + 1, mark.column + 1, f"file holds more than {MAX_VALUES:,} values (aliases expanded)")

    def _anchor(self, name: str | None, entry: Any) -> None:
        if name is not None:
            self.anchors[name] = entry

    def _open(self, event, mark) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise ReadError(mark.line + 1, mark.column + 1, f"lists and mappings nested more than {MAX_DEPTH} levels deep", self._path())
        _check_tag(event.tag, "map" if isinstance(event, yaml.MappingStartEvent) else "seq", mark)
        self._count(1, mark)
        marks = Marks(mark.line, mark.column)
        data = MarkedMap() if isinstance(event, yaml.MappingStartEvent) else MarkedSeq()
        data.lc = marks
        self._anchor(event.anchor, _BUILDING)
        self.stack.append(_Frame(data, marks, self._parts(), event.anchor))

    def _close(self) -> None:
        frame = self.stack.pop()
        for value, mark in frame.merges:
            _merge(frame, value, mark)
        self._anchor(frame.anchor, (frame.data, frame.size))
        self._add(frame.data, frame.size, _Pos(frame.marks.line, frame.marks.col), merge=False)

    def _alias(self, event, mark) -> None:
        entry = self.anchors.get(event.anchor)
        if entry is None:
            raise ReadError(mark.line + 1, mark.column + 1, f"unknown alias '*{event.anchor}' (no '&{event.anchor}' before it)", self._path())
        if entry is _BUILDING:
            raise ReadError(mark.line + 1, mark.column + 1, f"alias '*{event.anchor}' refers to a node that contains it", self._path())
        value, size = entry
        self.alias_values += size
        if self.alias_values > MAX_ALIAS_VALUES:
            raise ReadError(mark.line + 1, mark.column + 1,
                            f"aliases expand to more than {MAX_ALIAS_VALUES:,} values; anchors are for small repeated pieces", self._path())
        self._count(size, mark)
        self._add(value, size, mark, merge=False)

    def _add(self, value: Any, size: int, mark, *, merge: bool) -> None:
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        top.size += size
        where = (mark.line, mark.column)
        if isinstance(top.data, list):
            top.data.append(value)
            top.marks.items.append(where)
        elif top.key is _NO_KEY:
            top.key = self._key(top, value, where, merge)
        else:
            key, top.key = top.key, _NO_KEY
            if key is _MERGE:
                top.merges.append((value, mark))
            else:
                top.data[key] = value
                top.marks.values[key] = where

    def _key(self, top: _Frame, key: Any, where: tuple[int, int], merge: bool) -> Any:
        line, col = where[0] + 1, where[1] + 1
        if merge:
            return _MERGE
        if isinstance(key, (list, dict)):
            raise ReadError(line, col, "a key must be a single value, not a list or mapping", self._path())
        if isinstance(key, float) and key != key:
            raise ReadError(line, col, "a key cannot be NaN", self._path())
        if key in top.marks.keys:
            first = top.marks.keys[key][0] + 1
            raise ReadError(line, col, f"duplicate key '{key}' (first defined at line {first})", join_path(top.parts + [str(key)]))
        top.marks.keys[key] = where
        return key

    def _parts(self) -> list:
        """Key path of the node about to be added, e.g. ["sections", 2]."""
        if not self.stack:
            return []
        top = self.stack[-1]
        if isinstance(top.data, list):
            return top.parts + [len(top.data)]
        return top.parts + ([str(top.key)] if top.key not in (_NO_KEY, _MERGE) else [])

    def _path(self) -> str:
        parts = self._parts()
        return join_path(parts) if len(parts) <= 6 else join_path(parts[:4]) + "..."


class _Pos:
    """A mark made from a finished node's own position (0-based)."""

    __slots__ = ("line", "column")

    def __init__(self, line: int, column: int):
        self.line, self.column = line, column


def _merge(frame: _Frame, value: Any, mark) -> None:
    """Apply `<<: *base` (or a list of them): keys the mapping does not set itself."""
    sources = value if isinstance(value, list) else [value]
    for source in sources:
        if not isinstance(source, dict):
            raise ReadError(mark.line + 1, mark.column + 1, "'<<' merges a mapping (or a list of mappings) into this one")
        for key, item in source.items():
            if key not in frame.data:
                frame.data[key] = item
                frame.marks.keys[key] = frame.marks.values[key] = (mark.line, mark.column)


def _check_tag(tag: str | None, kind: str, mark) -> None:
    if tag not in (None, "!", _STD + kind):
        raise ReadError(mark.line + 1, mark.column + 1, f"tag '{tag}' is not allowed; lesson and quiz files use plain YAML")


# Explicit standard tags, and which resolved values each accepts.
_TYPED = {
    "int": lambda v: type(v) is int,
    "float": lambda v: type(v) in (int, float),
    "bool": lambda v: type(v) is bool,
    "null": lambda v: v is None,
}


def _scalar(event) -> Any:
    """A scalar's value: plain ones resolved by the YAML 1.2 core schema, quoted ones strings."""
    tag, value, mark = event.tag, event.value, event.start_mark
    if tag in (None, "!"):
        return _resolve(value, mark) if event.implicit[0] and tag is None else value
    kind = tag[len(_STD):] if tag.startswith(_STD) else None
    if kind == "str":
        return value
    if kind in _TYPED:
        resolved = _resolve(value, mark)
        if _TYPED[kind](resolved):
            return float(resolved) if kind == "float" else resolved
        raise ReadError(mark.line + 1, mark.column + 1, f"'{value}' is not a valid !!{kind}")
    raise ReadError(mark.line + 1, mark.column + 1, f"tag '{tag}' is not allowed; lesson and quiz files use plain YAML")


def _resolve(value: str, mark) -> Any:
    if _NULL.match(value):
        return None
    if value in _BOOL:
        return _BOOL[value]
    try:
        if _INT.match(value):
            text = value.replace("_", "")
            return int(text, 0) if text.lstrip("+-")[:2] in ("0x", "0o") else int(text)
        if _FLOAT.match(value) and any(ch.isdigit() for ch in value):
            return float(value.replace("_", ""))
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise ReadError(mark.line + 1, mark.column + 1, f"number too long to read: {str(exc)[:80]}") from None
    return _SPECIAL.get(value, value)
