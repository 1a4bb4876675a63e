"""Seeded variants of a question: parameter values, option order, and rendered text.

Generate step of PrairieLearn's generate → parse → grade cycle: a variant is a
seed plus the values drawn from the question's `params`.

1. The seed comes from (learner id, question id, round) through SHA-256, so it
   is the same on every run and machine (Python's `hash()` is salted per process).
2. Seed 0 is the default variant: every param takes its `default` (the seed
   page's own numbers). A question with `fixed_first_variant: true` gives every
   learner seed 0 first; later rounds are seeded.
3. Values are drawn with `random.Random(seed)`; a draw whose answer equals what a
   listed mistake gives is drawn again (`redraw`, used by engine/quiz/answer_key.py),
   so a right answer never looks like a mistake and a mistake is never marked right.
4. Text is rendered by filling `{placeholders}`: `{name}` or any expression over
   the params such as `{model_size + lora_size}`, with an optional format spec
   (`{size / 2**30:.2f}`). `{{` and `}}` are literal braces; a `{...}` that is not
   an expression over the params (an f-string field in a snippet) is left as it is.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from typing import Callable

from engine.quiz.schema import Param

MAX_REDRAWS = 60  # draws tried before giving up on avoiding every mistake's value


@dataclass(frozen=True)
class Variant:
    seed: int
    values: dict[str, int | float] = field(default_factory=dict)  # param name -> value
    order: tuple[int, ...] = ()  # choice questions: authored option index shown at each position


def variant_seed(learner_id: str, question_id: str, round_: int = 0, *, fixed_first: bool = False) -> int:
    """Stable seed for a learner's `round_`-th variant of a question; 0 means the defaults."""
    if fixed_first and round_ == 0:
        return 0
    digest = hashlib.sha256(f"{learner_id}\x00{question_id}\x00{round_}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % (2**62) + 1  # never 0


def defaults(params: dict[str, Param]) -> dict[str, int | float]:
    return {name: p.default for name, p in params.items()}


def draw_values(params: dict[str, Param], rng: random.Random) -> dict[str, int | float]:
    """One random value per param from its choices or its min..max grid."""
    return {name: _draw(p, rng) for name, p in params.items()}


def _draw(param: Param, rng: random.Random) -> int | float:
    if param.choices is not None:
        return rng.choice(param.choices)
    if param.is_int:
        return rng.randrange(param.min, param.max + 1, param.step or 1)
    step = param.step or (param.max - param.min) / 100 or 1
    count = int(round((param.max - param.min) / step))
    # round(..., 10) removes float noise such as 0.30000000000000004 from min + k * step
    return round(param.min + rng.randint(0, count) * step, 10)


def redraw(params: dict[str, Param], seed: int, collides: Callable[[dict], bool]) -> dict[str, int | float]:
    """Values for `seed`, drawn again while `collides(values)` (an answer equal to a mistake's)."""
    if seed == 0 or not params:
        return defaults(params)
    rng = random.Random(seed)
    values = draw_values(params, rng)
    for _ in range(MAX_REDRAWS):
        if not collides(values):
            return values
        values = draw_values(params, rng)
    return values  # validation reports questions whose mistakes collide this often


def option_order(count: int, pinned: list[bool], seed: int, shuffle: bool) -> tuple[int, ...]:
    """Seeded shuffle of option indices; pinned options keep their positions. Seed 0: authored order."""
    order = list(range(count))
    if not shuffle or seed == 0:
        return tuple(order)
    free = [i for i in order if not pinned[i]]
    shuffled = free[:]
    random.Random(seed ^ 0x5EED).shuffle(shuffled)
    slots = iter(shuffled)
    return tuple(i if pinned[i] else next(slots) for i in order)


# ---------------------------------------------------------------- rendering

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}\n]+)\}")
_SPEC = re.compile(r"^(?P<expr>.+?):(?P<spec>[<>^]?[+-]?[,_]?(?:\.\d+)?[fegd%]?)$")


def render(text: str, values: dict[str, int | float]) -> str:
    """Fill `{placeholders}` with the variant's values (see the module docstring)."""
    if "{" not in text and "}" not in text:
        return text

    def fill(match: re.Match) -> str:
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        filled = fill_placeholder(match.group(1), values)
        return match.group(0) if filled is None else filled

    return _PLACEHOLDER.sub(fill, text)


def fill_placeholder(inner: str, values: dict[str, int | float]) -> str | None:
    """The formatted value of one placeholder, or None when it is not an expression over the params."""
    from engine.sandbox import SnippetError, evaluate, names_used

    expr, spec = inner.strip(), ""
    match = _SPEC.match(expr)
    if match and ":" not in match["expr"]:
        expr, spec = match["expr"].strip(), match["spec"]
    try:
        if not names_used(expr) <= set(values):
            return None
        value = evaluate(expr, dict(values))
    except (SnippetError, SyntaxError):
        return None
    return format(value, spec) if spec else str(value)


def placeholders(text: str) -> list[str]:
    """The expressions inside `{...}` in `text` (escaped braces excluded)."""
    return [m.group(1).strip() for m in _PLACEHOLDER.finditer(text) if m.group(1)]


def has_variants(question) -> bool:
    """True when another round can look different: a param with a range or choices, or shuffled options."""
    def varies(p) -> bool:
        return len(set(p.choices)) > 1 if p.choices is not None else p.max > p.min

    shuffled = question.type == "choice" and question.shuffle and sum(not o.pinned for o in question.options) > 1
    return shuffled or any(varies(p) for p in question.params.values())
