"""The parts every quiz question shares: its params, its checks, its solution and the common
mistakes the engine can name. The question types themselves are in engine/quiz/schema.py.

    question ─ params {name: Param} ─ constraints, checks [Check]
             └ solution: Solution ─ steps, final_answer, quick_check, common_mistakes [Mistake]
"""

from __future__ import annotations

import ast
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SLUG = r"^[a-z0-9][a-z0-9-]{0,62}$"
NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,40}$"  # a Python variable name, as in the snippets
Number = Union[int, float]
# Names the safe evaluator gives a meaning to (engine/sandbox/__init__.py), so no param may take them.
RESERVED = frozenset({"int", "float", "round", "abs", "min", "max", "sum", "len", "str", "print", "range", "math",
                      "answer"})  # `answer`: the key's value, as `checks` see it (engine/quiz/constraints.py)

# The built-in mistake transformations (engine/quiz/mistakes.py implements each).
Transform = Literal[
    "precedence", "term_left_out", "round_not_truncate", "int_forgotten",
    "bits_for_bytes", "bytes_for_bits", "gb_for_gib", "gib_for_gb", "wrong_operand",
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def checked_expression(text: str, what: str) -> str:
    """Refuse an expression that does not parse, naming the column."""
    try:
        ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"{what} '{text}' is not a valid expression ({exc.msg} at column {exc.offset})") from None
    return text.strip()


# A variable of the question: each learner gets a seeded value from its range.
class Param(Strict):
    # Value of the default variant (seed 0), e.g. the seed page's own numbers.
    default: Number
    # A range min..max in steps of `step` (ints stay ints) ...
    min: Number | None = None
    max: Number | None = None
    step: Number | None = Field(None, gt=0)
    # ... or a list of values to pick from.
    choices: list[Number] | None = Field(None, min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _range_or_choices(self) -> "Param":
        if self.choices is not None:
            if self.min is not None or self.max is not None or self.step is not None:
                raise ValueError("give either `choices` or `min`/`max`/`step`, not both")
            if self.default not in self.choices:
                raise ValueError(f"default {self.default} is not one of the choices {self.choices}")
            return self
        if self.min is None or self.max is None:
            raise ValueError("a parameter needs `min` and `max` (or a list of `choices`)")
        if self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        if not self.min <= self.default <= self.max:
            raise ValueError(f"default {self.default} is outside min..max ({self.min}..{self.max})")
        if self.step is not None and (self.max - self.min) / self.step > 1_000_000:
            raise ValueError("more than 1,000,000 values between min and max; use a larger step")
        return self

    @property
    def is_int(self) -> bool:
        values = self.choices or [self.default, self.min, self.max, self.step or 1]
        return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


# A common mistake: its explanation and, for arithmetic, how to reproduce its wrong answer.
class Mistake(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    # Shown to the learner: the mistake, named and explained.
    text: str = Field(min_length=1)
    # An expression over the params that gives the wrong answer, e.g. "int(model_size * quantization_factor)".
    formula: str | None = None
    # Or a built-in transformation of the question's answer expression.
    transform: Transform | None = None
    # The variable a transform concerns (term_left_out: the term dropped; wrong_operand: the operand scaled).
    target: str | None = Field(None, pattern=NAME)
    # Skills this mistake reveals (ids from practice/skills.yaml); none: the skills.yaml default for its id.
    skills: list[str] = Field(default_factory=list, max_length=8)
    # code_output only: the snippet as the slip would have written it; what it prints is the wrong answer.
    snippet: str | None = Field(None, min_length=1, max_length=5000)

    @field_validator("formula")
    @classmethod
    def _parses(cls, formula: str | None) -> str | None:
        return None if formula is None else checked_expression(formula, "formula")

    @model_validator(mode="after")
    def _one_recipe(self) -> "Mistake":
        if sum(bool(x) for x in (self.formula, self.transform, self.snippet)) > 1:
            raise ValueError("give a mistake one of `formula`, `transform` or `snippet`, not several")
        if self.target and not self.transform:
            raise ValueError("`target` only applies to a `transform`")
        return self


# A check: an expression that must hold on every variant, and the sentence the learner sees.
class Check(Strict):
    # Over the params, `answer` (the key's value) and the snippet's or steps' names, e.g. "0 < answer < 100".
    expr: str
    # Shown as the quick check, with `{placeholders}`; default: the expression with the variant's values.
    text: str | None = None

    @field_validator("expr")
    @classmethod
    def _parses(cls, expr: str) -> str:
        return checked_expression(expr, "check")

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, data: Any) -> Any:
        return {"expr": data} if isinstance(data, str) else data  # `- "answer < 1"` is short for `- {expr: ...}`


# The worked solution shown after submitting, as on the seed page.
class Solution(Strict):
    # Markdown; `{name}` and `{expression}` placeholders are filled in for the variant.
    steps: list[str] = Field(min_length=1)
    final_answer: str = Field(min_length=1)
    quick_check: str | None = None
    common_mistakes: list[Mistake] = Field(default_factory=list)

    @field_validator("common_mistakes")
    @classmethod
    def _unique(cls, mistakes: list[Mistake]) -> list[Mistake]:
        ids = [m.id for m in mistakes]
        if len(ids) != len(set(ids)):
            raise ValueError(f"mistake ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
        return mistakes
