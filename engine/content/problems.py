"""Problems found in content files, located as file:line:col plus a key path.

`position_of` walks the marked data of engine/content/yaml_reader.py (which
remembers where each key and item starts, with ruamel.yaml's `lc` API) along a key path such as `sections[2].params.rank`;
`problems_from_validation` turns a pydantic ValidationError into Problems,
rewording the messages an instructor is most likely to meet.
"""

from __future__ import annotations

import difflib
import re
import typing
from dataclasses import dataclass
from typing import Any, Iterable

from pydantic import BaseModel, ValidationError


@dataclass(frozen=True)
class Problem:
    """One error in one file; lines and columns count from 1."""

    file: str
    line: int
    col: int
    path: str  # key path, e.g. "sections[2].type"; "" for the whole file
    message: str
    # "error": the file or section cannot be served as written; "warning": a house rule
    # (engine/content/house_rules.py) the content should follow.
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        kind = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}:{self.col}: {kind}{where}{self.message}"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "col": self.col, "path": self.path,
                "message": self.message, "severity": self.severity}


_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def split_path(key_path: str) -> list[str | int]:
    """`sections[2].params.rank` -> ["sections", 2, "params", "rank"]."""
    return [int(index) if index else name for name, index in _PART.findall(key_path)]


def join_path(parts: Iterable[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def position_of(data: Any, key_path: str | Iterable[str | int]) -> tuple[int, int]:
    """1-based (line, col) of the deepest node of `key_path` found in the YAML nodes."""
    parts = split_path(key_path) if isinstance(key_path, str) else list(key_path)
    line, col = _own_position(data)
    node = data
    for part in parts:
        if isinstance(node, dict) and part in node:
            line, col = _key_position(node, part, value=True)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            line, col = _item_position(node, part)
            node = node[part]
        else:
            break
    return line, col


def _own_position(node: Any) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return 1, 1
    return lc.line + 1, lc.col + 1


def _key_position(node: dict, key: Any, *, value: bool) -> tuple[int, int]:
    try:
        line, col = node.lc.value(key) if value else node.lc.key(key)
        return line + 1, col + 1
    except (AttributeError, KeyError, TypeError):
        return _own_position(node)


def _item_position(node: list, index: int) -> tuple[int, int]:
    try:
        line, col = node.lc.item(index)
        return line + 1, col + 1
    except (AttributeError, KeyError, TypeError):
        return _own_position(node)


# A union member's name in a pydantic loc (`max.int`, `max.float`), not a key in the file.
_MEMBER = re.compile(r"^(?:int|float|str|bool|none|list|dict|tuple|set|function-[a-z]+|[A-Z]\w*)(?:\[.*\])?$")
# How a message names the type a union member wanted.
_MEMBER_WORDS = {"int": "a whole number", "float": "a number", "str": "text", "bool": "true or false", "none": "nothing (null)"}


def _walk_loc(data: Any, loc: tuple) -> tuple[list[str | int], tuple[int, int], Any, list[str]]:
    """Follow a pydantic loc through the YAML, skipping union tags (a section's `type`, `int`/`float`).

    Returns the key path in the file, the position, the node there and the union members skipped.
    """
    parts: list[str | int] = []
    members: list[str] = []
    node, position = data, _own_position(data)
    for part in loc:
        if isinstance(node, dict) and part in node:
            position = _key_position(node, part, value=True)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            position = _item_position(node, part)
            node = node[part]
        elif isinstance(node, dict) and node.get("type") == part:
            continue  # the discriminator's tag, not a key in the file
        elif isinstance(part, str) and _MEMBER.match(part) and not isinstance(node, dict):
            members.append(part)  # pydantic's name for one member of a union
            continue
        parts.append(part)
    return parts, position, node, members


def field_names(model: type) -> set[str]:
    """Every key any nested model of `model` accepts, for "did you mean" hints.

    Walks the models' fields (and the types inside list[...], X | Y, Annotated[...]),
    so a field added to any schema model is offered with no other change.
    """
    names: set[str] = set()
    seen: set[type] = set()
    todo: list[Any] = [model]
    while todo:
        kind = todo.pop()
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            if kind in seen:
                continue
            seen.add(kind)
            for name, info in kind.model_fields.items():
                names.add(info.alias or name)
                todo.append(info.annotation)
        else:
            todo.extend(typing.get_args(kind))
    return names


def problems_from_validation(shown: str, data: Any, error: ValidationError, known_keys: Iterable[str] = ()) -> list[Problem]:
    known = sorted(known_keys)
    problems: list[Problem] = []
    unions: dict[str, list[str]] = {}  # key path -> union members that refused the value
    for err in error.errors():
        parts, (line, col), node, members = _walk_loc(data, tuple(err["loc"]))
        message = _message(err, parts, known)
        if members:
            path = join_path(parts)
            if path in unions:  # one message per value, however many members refused it
                unions[path].append(members[0])
                continue
            unions[path] = [members[0]]
        if err["type"] == "extra_forbidden" and parts:
            parent = _parent(data, parts)
            if isinstance(parent, dict):
                line, col = _key_position(parent, parts[-1], value=False)
        elif err["type"] in ("union_tag_invalid",) and isinstance(node, dict) and "type" in node:
            line, col = _key_position(node, "type", value=True)
            parts = parts + ["type"]
        problems.append(Problem(shown, line, col, join_path(parts), message))
    return [_union_message(p, unions.get(p.path), data) for p in problems]


def _union_message(problem: Problem, members: list[str] | None, data: Any) -> Problem:
    """`expected a whole number or a number, found 'lots'` for a value no member of a union took."""
    if not members or len(members) < 2 or not all(m in _MEMBER_WORDS for m in members):
        return problem
    value = _parent(data, split_path(problem.path) + [None])
    words = list(dict.fromkeys(_MEMBER_WORDS[m] for m in members))
    if "a number" in words and "a whole number" in words:  # int | float: any number will do
        words.remove("a whole number")
    wanted = " or ".join(words)
    found = f", found {value!r}" if isinstance(value, (str, int, float, bool)) else ""
    return Problem(problem.file, problem.line, problem.col, problem.path, f"expected {wanted}{found}", problem.severity)


def _parent(data: Any, parts: list) -> Any:
    node = data
    for part in parts[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _message(err: dict, parts: list, known: list[str]) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "missing":
        return f"missing required field '{parts[-1]}'" if parts else "missing required field"
    if kind == "extra_forbidden":
        hint = difflib.get_close_matches(str(parts[-1]), known, n=1, cutoff=0.75)
        suffix = f" (did you mean '{hint[0]}'?)" if hint else ""
        return f"unknown key '{parts[-1]}'{suffix}"
    if kind == "union_tag_invalid":
        return f"unknown section type '{ctx.get('tag')}' (expected one of: {_tags(ctx)})"
    if kind == "union_tag_not_found":
        return "section has no 'type' key (add one of the section types)"
    message = err["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    return message[:1].lower() + message[1:]


def _tags(ctx: dict) -> str:
    return ", ".join(re.findall(r"'([^']+)'", str(ctx.get("expected_tags", ""))))
