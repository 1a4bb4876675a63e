"""Figures from the project's own runs, read from stored results instead of typed into prose.

A lab time, a measured peak or a skill score in a lesson or quiz comes from one of our
benchmarks. The text never types it: it writes `{result:NAME.KEY}`, or `{result:NAME.KEY:.2f}`
with a format, and the loader fills it in from `benchmarks/results/NAME.json`, whose
`figures` mapping holds KEY. Rerunning the benchmark rewrites the file and the text follows it;
a file or key that is gone is a `validate` error at the placeholder's file:line:col.

    benchmarks/lab.py ──writes──▶ benchmarks/results/memory_scale.json {"figures": {...}, ...}
    lessons/*.yaml "{result:memory_scale.full_gib:.2f}" ──fill()──▶ "2.16"

Two rules keep typed figures out (`own_run_problems`, on the file as written):
- a lesson section that cites a reference with `result: NAME` (the stored result as its source)
  states its measured figures (a number with GiB, GB, MiB, MB, s or %) only through placeholders,
  and a section with a placeholder cites the reference of the result it reads;
- a sentence that says the project measured something ("the project measured", "we measured",
  "this app measured") gives its figures through placeholders, in lessons and quizzes alike.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from engine import ROOT
from engine.content.problems import join_path

RESULTS_DIR = ROOT / "benchmarks" / "results"
PLACEHOLDER = re.compile(r"\{result:([^{}]*)\}")
_INSIDE = re.compile(r"^([a-z0-9_]+)\.([A-Za-z0-9_]+)(?::([^{}]*))?$")
_FORMAT = re.compile(r"^\+?[,_]?(?:\.\d{1,2})?[fegd%]?$")  # {x:.2f}, {n:,}, {share:.0%}
# A measured figure as prose would type it: 2.16 GiB, 30 s, 11%.
FIGURE = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*\s*(?:GiB|GB|MiB|MB|KiB|KB|%|s\b|seconds?\b|minutes?\b)")
OWN_RUN = re.compile(r"\b(?:the project|this project|we|this app|the lab)\s+(?:has\s+)?(?:measured|timed)\b",
                     re.IGNORECASE)
_PROSE_KEYS = ("body", "caption", "note", "points")

_CACHE: dict[Path, tuple[tuple[int, int], dict | None]] = {}


def figures(name: str) -> dict[str, Any] | None:
    """The `figures` of benchmarks/results/NAME.json, or None when it is absent or unreadable."""
    path = RESULTS_DIR / f"{name}.json"
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (stat.st_mtime_ns, stat.st_size)
    cached = _CACHE.get(path)
    if cached and cached[0] == key:
        return cached[1]
    try:
        found = json.loads(path.read_text(encoding="utf-8")).get("figures")
    except (OSError, ValueError, AttributeError):
        found = None
    found = found if isinstance(found, dict) else None
    _CACHE[path] = (key, found)
    return found


def stamp() -> tuple:
    """What the stored results are now (names, sizes, mtimes): part of the loader's cache key,
    so a benchmark rerun shows in the lessons on the next page view."""
    return tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in RESULTS_DIR.glob("*.json")))


def fill(text: str) -> tuple[str, list[str]]:
    """The text with every `{result:NAME.KEY[:FORMAT]}` replaced by its stored figure, and why
    each one that could not be filled was left as it is."""
    if "{result:" not in text:
        return text, []
    messages: list[str] = []

    def replace(match: re.Match) -> str:
        value, why = _value(match.group(1))
        if why:
            messages.append(f"{match.group(0)}: {why}")
            return match.group(0)
        return value

    return PLACEHOLDER.sub(replace, text), messages


def _value(inside: str) -> tuple[str, str | None]:
    parts = _INSIDE.match(inside.strip())
    if not parts:
        return "", "write {result:NAME.KEY} or {result:NAME.KEY:FORMAT}, NAME a file in benchmarks/results/"
    name, key, spec = parts.groups()
    found = figures(name)
    if found is None:
        known = ", ".join(sorted(p.stem for p in RESULTS_DIR.glob("*.json"))) or "none"
        return "", f"no stored result benchmarks/results/{name}.json with `figures` (there are: {known})"
    if key not in found:
        return "", f"benchmarks/results/{name}.json has no figure '{key}' (it has: {', '.join(sorted(found))})"
    if spec is not None and not _FORMAT.match(spec):
        return "", f"format '{spec}' is not one of: .2f, .3g, .0%, ',' and the like (at most 2 decimals)"
    try:
        return format(found[key], spec or ""), None
    except (TypeError, ValueError) as exc:
        return "", f"cannot format {found[key]!r} with '{spec}': {exc}"


def names_in(text: str) -> set[str]:
    """The stored results a text's placeholders read."""
    return {m.group(1) for m in map(_INSIDE.match, (p.strip() for p in PLACEHOLDER.findall(text))) if m}


def typed_figures(text: str) -> list[str]:
    """Measured-looking figures typed into a text, outside placeholders and `code`."""
    bare = re.sub(r"`[^`]*`", " ", PLACEHOLDER.sub(" ", text))
    return [" ".join(m.group(0).split()) for m in FIGURE.finditer(bare)]


def own_run_problems(data: Any, kind: str) -> Iterator[tuple[str, str]]:
    """(key path, message) for every figure from our own runs typed in as a number (the rules
    in the module docstring), on the file's data as written, before `fill`."""
    if not isinstance(data, dict):
        return
    yield from _claimed_measurements(data, [])
    if kind == "lesson":
        yield from _cited_results(data)


def _claimed_measurements(node: Any, parts: list) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _claimed_measurements(v, parts + [k])
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _claimed_measurements(v, parts + [i])
    elif isinstance(node, str) and OWN_RUN.search(node):
        for sentence in re.split(r"(?<=[.!?])\s+", node):
            typed = typed_figures(sentence) if OWN_RUN.search(sentence) else []
            if typed:
                yield join_path(parts), (f"states {', '.join(typed)} as measured by this project; read it from a stored "
                                     "result with {result:NAME.KEY} (benchmarks/results/NAME.json)")


def _cited_results(data: dict) -> Iterator[tuple[str, str]]:
    refs = data.get("references") if isinstance(data.get("references"), list) else []
    result_of = {r.get("id"): r.get("result") for r in refs if isinstance(r, dict) and r.get("result")}
    for i, section in enumerate(data.get("sections") or []):
        if not isinstance(section, dict):
            continue
        cite = section.get("cite") if isinstance(section.get("cite"), list) else []
        cited = {result_of[c] for c in cite if c in result_of}
        texts = [t for k in _PROSE_KEYS for t in _strings(section.get(k))]
        read = set().union(*(names_in(t) for t in texts)) if texts else set()
        for name in sorted(read - cited):
            yield (f"sections[{i}].cite", f"reads the stored result '{name}' but cites no reference with "
                   f"`result: {name}`; add one to `references` and cite it")
        if cited:
            typed = [f for t in texts for f in typed_figures(t)]
            if typed:
                yield (f"sections[{i}]", f"states {', '.join(typed[:3])} in a section whose source is a stored "
                       f"result ({', '.join(sorted(cited))}); read it with {{result:NAME.KEY}} so a rerun updates it")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

