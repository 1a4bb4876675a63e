"""Seeded variants of a question: parameter values, option order, and rendered text.

Generate step of PrairieLearn's generate → parse → grade cycle: a variant is a
seed plus the values drawn from the question's `params`.

1. The seed comes from (learner id, quiz/question id, round) through SHA-256, so it
   is the same on every run and machine (Python's `hash()` is salted per process).
2. Seed 0 is the default variant: every param takes its `default` (the seed
   page's own numbers). A question with `fixed_first_variant: true` gives every
   learner seed 0 first; later rounds are seeded.
3. Each param is drawn from its own generator, seeded by (seed, attempt, param name)
   (`random.Random` with a str seed hashes it with SHA-512, stable across runs).
   Attempt 0 is tried first; a draw that breaks one of the question's `constraints`
   is drawn again with attempt 1, 2, ... (engine/quiz/constraints.py). So a variant
   depends only on the seed, the params and the constraints: editing the text, the
   answer, the mistakes or the checks never changes a learner's numbers, and adding
   a param leaves the others' values as they were. Nothing is redrawn when a mistake
   gives the right answer: `validate` reports that variant instead (add a constraint).
4. Text is rendered by filling `{placeholders}`: `{name}` or any expression over
   the params such as `{model_size + lora_size}`, with an optional format spec
   (`{size / 2**30:.2f}`; precision at most `MAX_PRECISION`). `{{` and `}}` are
   literal braces; a `{...}` that is not an expression over the params is left as
   it is. In a snippet, f-strings are Python's own and never filled
   (`render_snippet`), so `print(f"{a / b:.2f}")` is shown as written, not with its answer.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import math
import random
import re
import tokenize
from dataclasses import dataclass, field

from engine.quiz.parts import Param

MAX_PRECISION = 20  # digits after the point in a placeholder's format; 20 is past float's 17 significant digits


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


def draw_values(params: dict[str, Param], seed: int | str, attempt: int = 0) -> dict[str, int | float]:
    """One value per param from its choices or its min..max grid; each param has its own generator."""
    return {name: _draw(p, random.Random(f"{seed}/{attempt}/{name}")) for name, p in params.items()}


def _draw(param: Param, rng: random.Random) -> int | float:
    if param.choices is not None:
        return rng.choice(param.choices)
    if param.is_int:
        return rng.randrange(param.min, param.max + 1, param.step or 1)
    step = param.step or (param.max - param.min) / 100 or 1
    count = int(round((param.max - param.min) / step))
    # round(..., 10) removes float noise such as 0.30000000000000004 from min + k * step
    return round(param.min + rng.randint(0, count) * step, 10)


def param_values(param: Param) -> list[int | float]:
    """Every value a param can take, in order (the grid of min..max, or the distinct choices)."""
    if param.choices is not None:
        return list(dict.fromkeys(param.choices))
    if param.is_int:
        return list(range(param.min, param.max + 1, param.step or 1))
    step = param.step or (param.max - param.min) / 100 or 1
    return [round(param.min + k * step, 10) for k in range(int(round((param.max - param.min) / step)) + 1)]


MAX_ENUMERATED = 10_000
SAMPLED = 1_000


def variant_values(question, *, limit: int = MAX_ENUMERATED, sample: int = SAMPLED) -> tuple[list[dict], bool]:
    """(the variants' values, True when that is all of them); the defaults always come first.

    All combinations when there are at most `limit`, else `sample` draws (seeded, so the same every run).
    """
    grids = {name: param_values(p) for name, p in question.params.items()}
    total = math.prod(len(g) for g in grids.values())
    if total <= limit:
        combos = [dict(zip(grids, combo)) for combo in itertools.product(*grids.values())]
        return [defaults(question.params)] + combos, True
    drawn = [draw_values(question.params, f"validate/{i}") for i in range(sample)]
    return [defaults(question.params)] + drawn, False


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
_SPEC = re.compile(r"^(?P<expr>.+?):(?P<spec>[<>^]?[+-]?[,_]?(?:\.(?P<places>\d+))?[fegd%]?)$")


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


def render_snippet(snippet: str, values: dict[str, int | float], *, fill=None) -> str:
    """`render` for Python source: placeholders outside f-strings are filled, f-strings are kept as written.

    `fill(text)` replaces `render(text, values)` for the pieces outside f-strings (`symbolic_snippet`).
    """
    fill = fill or (lambda text: render(text, values))
    spans = _fstring_spans(snippet)
    if not spans:
        return fill(snippet)
    out, at = [], 0
    for start, end in spans:
        out += [fill(snippet[at:start]), snippet[start:end]]
        at = end
    return "".join(out) + fill(snippet[at:])


def symbolic_snippet(snippet: str) -> str | None:
    """The snippet with each placeholder replaced by its expression, `{model_size}` -> `(model_size)`, so
    one parse serves every variant; None when a placeholder in code formats its value (`{x:.2f}` rounds it)."""
    formatted = False

    def fill(text: str) -> str:
        nonlocal formatted

        def one(match: re.Match) -> str:
            nonlocal formatted
            if match.group(0) in ("{{", "}}"):
                return match.group(0)[0]
            spec = _SPEC.match(match.group(1).strip())
            in_comment = "#" in text[text.rfind("\n", 0, match.start()) + 1: match.start()]
            formatted = formatted or bool(spec and ":" not in spec["expr"] and not in_comment)
            return f"({match.group(1).strip()})"

        return _PLACEHOLDER.sub(one, text)

    source = render_snippet(snippet, {}, fill=fill)
    return None if formatted else source


def _fstring_spans(source: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of the f-string literals in `source` (placeholders read as sets)."""
    if "f'" not in source.lower() and 'f"' not in source.lower():
        return []
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    spans, opened = [], None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            begin, end = starts[tok.start[0] - 1] + tok.start[1], starts[tok.end[0] - 1] + tok.end[1]
            kind = tokenize.tok_name[tok.type]
            if kind == "STRING" and "f" in tok.string.split(tok.string[-1])[0].lower():
                spans.append((begin, end))
            elif kind == "FSTRING_START":  # Python 3.12+ splits an f-string into tokens
                opened = begin
            elif kind == "FSTRING_END" and opened is not None:
                spans.append((opened, end))
                opened = None
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return []  # not Python the tokenizer can read; the snippet check reports it
    return spans


def fill_placeholder(inner: str, values: dict[str, int | float]) -> str | None:
    """The formatted value of one placeholder, or None when it is not an expression over the params."""
    from engine.sandbox import SnippetError, evaluate, names_used

    expr, spec = inner.strip(), ""
    match = _SPEC.match(expr)
    if match and ":" not in match["expr"]:
        expr, spec = match["expr"].strip(), match["spec"]
        if match["places"] and int(match["places"]) > MAX_PRECISION:  # `{x:.100000000f}`: bounded, never built
            spec = spec.replace(f".{match['places']}", f".{MAX_PRECISION}")
    try:
        if not names_used(expr) <= set(values):
            return None
        value = evaluate(expr, dict(values))
        return format(value, spec) if spec else str(value)
    except (SnippetError, SyntaxError, ValueError, TypeError, OverflowError):
        return None


def format_problem(inner: str) -> str | None:
    """Why a placeholder's format spec is refused (precision over MAX_PRECISION), or None."""
    match = _SPEC.match(inner.strip())
    if match and ":" not in match["expr"] and match["places"] and int(match["places"]) > MAX_PRECISION:
        return (f"placeholder '{{{inner}}}' asks for {int(match['places']):,} digits after the point; "
                f"the limit is {MAX_PRECISION}")
    return None


def placeholders(text: str) -> list[str]:
    """The expressions inside `{...}` in `text` (escaped braces excluded)."""
    return [m.group(1).strip() for m in _PLACEHOLDER.finditer(text) if m.group(1)]


def params_vary(question) -> bool:
    """True when some param can take more than one value (so variants differ in their numbers)."""
    return any(len(set(p.choices)) > 1 if p.choices is not None else p.max > p.min for p in question.params.values())
