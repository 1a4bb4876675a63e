"""Read one lesson or quiz file into marked data: every key and item remembers its line and column.

1. Read bytes; refuse a file over MAX_BYTES, one that is not UTF-8, empty, or indented with tabs.
2. Parse with libyaml, PyYAML's C parser (`yaml.CSafeLoader`; PyYAML's pure-Python
   parser where libyaml is missing). It is about 15x faster than ruamel.yaml's
   pure-Python parser, which this project used before. Only its event stream is
   used: no PyYAML constructor ever runs, so no tag can build a Python object.
3. Build the data from the events within limits on depth, size and aliases
   (engine/content/yaml_builder.py).
A syntax error, a refused limit or a bad character is a ReadError with line and column.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from engine.content.problems import Problem
from engine.content.yaml_builder import (
    MAX_ALIAS_VALUES,
    MAX_DEPTH,
    MAX_VALUES,
    Builder,
    MarkedMap,
    MarkedSeq,
    ReadError,
)

__all__ = ["MAX_ALIAS_VALUES", "MAX_BYTES", "MAX_DEPTH", "MAX_VALUES", "ReadError", "parse", "read_bytes", "read_text", "read_yaml"]

MAX_BYTES = 1_000_000  # one lesson or quiz file; the shipped ones are 5-20 KB
_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, shown: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML file into marked data, or return the problem that stops it."""
    try:
        return read_text(read_bytes(path)), []
    except ReadError as exc:
        return None, [problem_of(exc, shown)]


def parse(raw: bytes, shown: str) -> tuple[Any, list[Problem]]:
    """Marked data of a file's bytes, or the problem that stops it."""
    try:
        return read_text(raw), []
    except ReadError as exc:
        return None, [problem_of(exc, shown)]


def problem_of(exc: ReadError, shown: str) -> Problem:
    return Problem(shown, exc.line, exc.col, exc.path, exc.message)


def digest(raw: bytes) -> bytes:
    """What a cache of a content file keys on: its bytes, not its mtime, whose clock may tick
    only every few ms, so an edit always shows."""
    return hashlib.blake2b(raw, digest_size=16).digest()


def content_stamp(path: Path) -> bytes | None:
    """`digest` of the file at `path`, or None when it cannot be read."""
    try:
        return digest(path.read_bytes())
    except OSError:
        return None


def read_bytes(path: Path) -> bytes:
    """A file's bytes, at most MAX_BYTES of them; raises ReadError."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ReadError(1, 1, f"file is {size:,} bytes; a lesson or quiz file may be at most {MAX_BYTES:,}")
        with path.open("rb") as handle:
            return handle.read(MAX_BYTES + 1)  # a file that grew since stat() is refused by read_text
    except OSError as exc:
        raise ReadError(1, 1, f"cannot read file: {exc.strerror or exc}") from None


def read_text(raw: bytes) -> Any:
    """Marked data of one YAML document given as bytes; raises ReadError."""
    if len(raw) > MAX_BYTES:
        raise ReadError(1, 1, f"file is over {MAX_BYTES:,} bytes, the most a lesson or quiz file may be")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ReadError(line, col, f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8") from None
    if not text.strip():
        raise ReadError(1, 1, "file is empty")
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            raise ReadError(number, indent.index("\t") + 1, "tab used for indentation; YAML needs spaces")
    data = _parse(text)
    if data is None:
        raise ReadError(1, 1, "file is empty (only comments)")
    if not isinstance(data, dict):
        raise ReadError(1, 1, f"expected a mapping of keys at the top level, found a {_kind(data)}")
    return data


def _parse(text: str) -> Any:
    parser = _Parser(text)
    try:
        return Builder().build(parser)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise ReadError(line, col, f"character {exc.character!r} is not allowed in YAML ({exc.reason})") from None
    except yaml.YAMLError as exc:
        raise ReadError(1, 1, f"YAML error: {exc}") from None
    finally:
        parser.dispose()


def _syntax_error(exc: yaml.MarkedYAMLError) -> ReadError:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    context = ""
    if exc.context and exc.context_mark:
        where = exc.context_mark
        context = f" ({exc.context.strip()} started at line {where.line + 1}, column {where.column + 1})"
    return ReadError(line, col, f"YAML syntax error: {(exc.problem or '').strip()}{context}")


def _kind(value: Any) -> str:
    return {MarkedSeq: "list", MarkedMap: "mapping"}.get(type(value), type(value).__name__)
