"""A question as a standard format can carry it: what an export needs to know, and nothing of how.

Each question type describes one variant of itself in these neutral terms, so an exporter
(engine/export/ writes QTI 3.0) never asks which type a question is, and a new type that
fits one of the four shapes needs no exporter change:

    Choices  options in authored order: right or wrong, feedback, pinned; one or several right
    Number   the key and the range of numbers accepted as it (the question's precision), the unit
    Text     the printed text, compared whitespace aside (the code_output rule), and its alternatives
    Essay    scored by a person against a rubric (fix_expression: the standard cannot score equivalence)

Every text is Markdown, already filled in for the variant. `Slip`s are the wrong answers a
format can recognise by value, with what the learner is told; `solution` is the worked
solution shown after answering, `note` what stays in the app (step checking, for example).

Each type's `portable(question, variant, key)` hook (engine/quiz/types/base.py) builds one;
`number` and `solution_lines` below are what several types share. The engine's own keys,
mistakes and precision go in: the key of `variant_for`, the values its mistakes compute, and
the range of numbers its grader accepts at the question's precision (matching.accepted_range).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.quiz.matching import KEY_PRECISION_CAP, accepted_range, slips_for
from engine.quiz.precision import unit_of
from engine.quiz.variants import render


# A wrong answer recognisable by its value: a number in [low, high], or a printed text.
@dataclass(frozen=True)
class Slip:
    id: str
    text: str  # what the learner is told, e.g. the common mistake explained
    answer: float | str  # the wrong value, as the mistake computes it (or the text it prints)
    low: float | None = None  # Number slips: the range that counts as this value
    high: float | None = None


# What every shape has.
@dataclass(frozen=True)
class Portable:
    prompt: str
    code: str | None = None  # a snippet shown with the prompt, as a code block
    solution: tuple[str, ...] = ()
    note: str | None = None
    slips: tuple[Slip, ...] = ()


# One option of a choice question, in authored order.
@dataclass(frozen=True)
class Option:
    text: str
    correct: bool
    feedback: str
    pinned: bool = False
    mistake: str | None = None  # the linked common mistake, explained


# Pick one option (or several, with partial credit as the engine gives it).
@dataclass(frozen=True)
class Choices(Portable):
    options: tuple[Option, ...] = ()
    multiple: bool = False
    shuffle: bool = True


# A number, right when it lies in [low, high].
@dataclass(frozen=True)
class Number(Portable):
    key: float = 0.0
    low: float = 0.0
    high: float = 0.0
    unit: str | None = None  # said in the prompt; the answer is the number alone


# A text, right when it equals one of `answers` with runs of whitespace and blank lines aside.
@dataclass(frozen=True)
class Text(Portable):
    answers: tuple[str, ...] = ()
    ignore_case: bool = False
    multiline: bool = False


# A free answer a person scores; `rubric` is what they score it against.
@dataclass(frozen=True)
class Essay(Portable):
    rubric: str = ""
    reason: str = ""  # why it cannot be scored automatically


def solution_lines(question, values: dict) -> tuple[str, ...]:
    """The worked solution as the app shows it: the steps, then the final answer."""
    steps = [render(step, values) for step in question.solution.steps]
    return (*steps, f"**Final answer:** {render(question.solution.final_answer, values)}")


def number(question, variant, key, **extra) -> Number:
    """A number key with the question's precision as its range, and its mistakes as slips."""
    low, high = accepted_range(key.value, question)
    unit = unit_of(question)
    return Number(prompt=render(question.prompt, variant.values), key=key.value, low=low, high=high, unit=unit.name if unit else None, slips=number_slips(question, key),
                  **extra)


def number_slips(question, key) -> tuple[Slip, ...]:
    """Listed mistakes with a number, in the order the grader tries them, then the unit slips it names."""
    found = [(m.id, render(m.text, key.bindings), key.mistakes.get(m.id)) for m in question.solution.common_mistakes]
    unit = unit_of(question)
    if unit and unit.dimension == "bytes":
        found += [(slip, text, key.value * factor) for slip, factor, text in slips_for(unit)]
    slips = []
    for slip_id, text, value in found:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            low, high = accepted_range(value, question)
            # A slip is a diagnosis, never a score: a learner types it rounded, so 3 significant digits count too.
            spread = abs(value) * KEY_PRECISION_CAP
            slips.append(Slip(id=slip_id, text=text, answer=value, low=min(low, value - spread), high=max(high, value + spread)))
    return tuple(slips)
