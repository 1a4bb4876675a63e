"""Every variant of a question, checked (`python -m engine validate` calls `check_variants`).

Which variants: every combination of the params' values when there are at most
`MAX_ENUMERATED` (the grid of each range times the choices), else `SAMPLED` draws.
Those breaking a constraint are never shown, so they are only counted: a constraint
that no variant meets, or too few (engine/quiz/constraints.py, MIN_ACCEPTANCE), is
an error. On each remaining variant:

1. the key computes (the snippet runs, the answer evaluates);
2. every common mistake gives a value different from the key (else the mistake
   could not be told from a right answer: add a constraint that excludes the variant);
3. every check holds;
4. the solution's own final answer is graded right (and the key written to the precision the
   prompt asks for), as each type reads it (engine/quiz/types/);
5. no text gives the answer away: the key, as the learner would type it, does not
   appear in the rendered prompt, snippet or options unless the author wrote it there
   (e.g. a snippet's f-string filled in as if it were a placeholder).

The first failing variant of each kind is reported, with its values.
"""

from __future__ import annotations

import re

from engine.quiz.answer_key import compute_key
from engine.quiz.checks import check_env, failed_checks
from engine.quiz.constraints import MIN_ACCEPTANCE, unmet
from engine.quiz.types import type_of
from engine.quiz.variants import Variant, fill_placeholder, placeholders, render_snippet, variant_values

def check_variants(question, *, limit: int | None = None):
    """(key path, message) for each kind of problem, on the first variant that shows it.

    `limit`: check all variants up to this many, else this many draws (the app's loader);
    None: all up to MAX_ENUMERATED, else SAMPLED draws (`python -m engine validate`).
    """
    values_list, everything = variant_values(question) if limit is None else variant_values(
        question, limit=limit, sample=limit)
    shown = [v for v in values_list[1:] if not unmet(question, v)]
    yield from _constraints(question, values_list, shown, everything)
    seen: set[str] = set()
    for values in [values_list[0]] + shown:
        for path, kind, message in _one(question, values, final_answer=limit is None):
            if kind not in seen:
                seen.add(kind)
                yield path, f"{message} (variant {_describe(values)})"
        if len(seen) >= 5:
            return


def _constraints(question, values_list: list[dict], shown: list[dict], everything: bool):
    if not question.constraints:
        return
    broken = unmet(question, values_list[0])
    if broken:
        yield "constraints", f"the default values ({_describe(values_list[0])}) break the constraint `{broken[0]}`"
    considered = len(values_list) - 1
    how = "of all" if everything else "of a sample of"
    if not shown and everything:
        yield "constraints", f"no variant meets every constraint ({how} {considered:,} checked): they can never hold together"
    elif not shown:
        yield "constraints", (f"no variant of a sample of {considered:,} meets every constraint: they never hold "
                              "together, or too rarely to draw one")
    elif len(shown) < MIN_ACCEPTANCE * considered:
        yield "constraints", (f"only {len(shown):,} {how} {considered:,} variants meet the constraints "
                              f"(under {MIN_ACCEPTANCE:.0%}), so drawing one is slow; widen the params or loosen them")


def _one(question, values: dict, *, final_answer: bool = True):
    """(path, kind, message) for each problem of one variant; `final_answer`: grade the solution's own
    final answer too (validate does, on every variant; the app's loader does on SEEDS of them, in validation.py)."""
    from engine.sandbox import SnippetError

    kind = type_of(question)
    try:
        variant = Variant(seed=-1, values=values, order=kind.order(question, 0))
        key = compute_key(question, variant)
    except (SnippetError, ValueError, ArithmeticError) as exc:
        yield kind.field, "key", f"the answer cannot be computed: {exc}"
        return
    for j, mistake in enumerate(question.solution.common_mistakes):
        wrong = key.mistakes.get(mistake.id)
        if wrong is not None and kind.mistake_gives_key(question, key, wrong):
            yield (f"solution.common_mistakes[{j}]", "mistake",
                   (f"mistake '{mistake.id}' gives the right answer {key.shown} too, so it cannot be told apart; "
                    "add a constraint that excludes such variants"))
    for message in failed_checks(question, key):
        yield "checks", "check", message
    env = check_env(question, key)
    for j, check in enumerate(question.checks):
        for inner in placeholders(check.text or ""):
            if fill_placeholder(inner, env) is None:
                yield (f"checks[{j}].text", "check-text", (f"placeholder '{{{inner}}}' is not an expression over "
                                                            "the params, `answer` and the snippet's or steps' names"))
    for message in kind.final_answer_problems(question, variant, key) if final_answer else ():
        yield "solution.final_answer", "final-answer", message
    giveaway = _gives_away(question, values, key)
    if giveaway:
        yield giveaway[0], "giveaway", f"the text shows the answer {giveaway[1]!r} before it is asked for"


def _gives_away(question, values: dict, key) -> tuple[str, str] | None:
    """(path, answer) when a computed placeholder of the prompt or snippet shows the answer.

    A bare `{param}` equal to the answer is a coincidence of the values (8 bits: the size in GB is
    the count in billions); a placeholder that computes, `{100 * a / b:.2f}`, is the leak to catch.
    """
    answer = type_of(question).giveaway(question, key)
    answer = answer.strip() if answer else ""
    if len(answer) < 2:  # one character is everywhere; a giveaway needs more to be one
        return None
    pattern = re.compile(rf"(?<![\w.]){re.escape(answer)}(?![\w]|\.\d)")
    texts = [("prompt", question.prompt)]
    if getattr(question, "snippet", None):
        texts.append(("snippet", render_snippet(question.snippet, {})))  # f-strings stay as written
    for path, text in texts:
        for inner in placeholders(text):
            if inner.split(":")[0].strip().isidentifier():
                continue
            filled = fill_placeholder(inner, values)
            if filled is not None and pattern.search(filled):
                return path, answer
    return None


def _describe(values: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items()) or "no params"
