"""The quiz schema: what a `quizzes/*.yaml` file may contain.

Pydantic v2 models with `extra="forbid"` (STYLE.md §5); the loader turns every
error into `file:line:col: path: message`. A question's `type` picks its model
(a discriminated union), as PrairieLearn picks an element by tag: content and
metadata live here, what each type does lives in engine/quiz/types/ (STYLE.md §3-4).

Rules that need evaluation (snippets run, answer keys, mistakes distinct from
the answer, numbers in solution steps) are in engine/quiz/validation.py, which
the loader calls directly.

    QuizFile ─ questions: [ChoiceQuestion | NumericQuestion | CodeOutputQuestion
                            | FixExpressionQuestion | WorkedQuestion]
    every question ─ params {name: Param}  ─ solution (steps, final_answer,
                                               quick_check, common_mistakes)

The parts every question shares (Param, Mistake, Check, Solution) are in
engine/quiz/parts.py.
"""

from __future__ import annotations

import keyword
from typing import Annotated, Any, Literal, Union, get_args

from pydantic import Field, PrivateAttr, field_validator, model_validator

from engine.quiz.parts import NAME, RESERVED, SLUG, Check, Number, Param, Solution, Strict, checked_expression
from engine.quiz.units import unit_named


# Fields every question has.
class QuestionBase(Strict):
    id: str = Field(pattern=SLUG)
    # The question, in Markdown, with `{placeholders}` like the snippet.
    prompt: str = Field(min_length=1)
    params: dict[str, Param] = Field(default_factory=dict, max_length=20)
    # True: a learner's first variant is the defaults (the seed's own numbers); later ones are seeded.
    fixed_first_variant: bool = False
    # Skills this question trains (ids from practice/skills.yaml), for mastery and practice.
    skills: list[str] = Field(default_factory=list, max_length=8)
    # Expressions over the params every variant satisfies, e.g. "lora < full" (engine/quiz/constraints.py).
    constraints: list[str] = Field(default_factory=list, max_length=20)
    # Expressions over the params and `answer` that hold on every variant; shown as the quick check.
    checks: list[Check] = Field(default_factory=list, max_length=10)
    solution: Solution
    # Cached per-variant answer keys, filled by engine/quiz/variants.py; not part of the file.
    _cache: dict = PrivateAttr(default_factory=dict)

    @field_validator("constraints")
    @classmethod
    def _constraints_parse(cls, constraints: list[str]) -> list[str]:
        return [checked_expression(c, "constraint") for c in constraints]

    @field_validator("params")
    @classmethod
    def _names(cls, params: dict[str, Param]) -> dict[str, Param]:
        for name in params:
            if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
                raise ValueError(f"parameter name '{name}' is not a plain Python variable name")
            if name in RESERVED:
                raise ValueError(f"parameter name '{name}' is a builtin the snippets use; pick another name")
        return params


# One option of a choice question.
class ChoiceOption(Strict):
    text: str = Field(min_length=1)
    correct: bool = False
    # Why this option is right or wrong, shown after submitting.
    feedback: str = Field(min_length=1)
    # A pinned option keeps its place when the others are shuffled ("All of the above").
    pinned: bool = False
    # The id of the common mistake that picking this (wrong) option shows; it is named and counted.
    mistake: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")


# Concept or scenario multiple choice; several correct options give partial credit.
class ChoiceQuestion(QuestionBase):
    type: Literal["choice"]
    # True: tick every correct option (checkboxes); False: pick one (radio).
    multiple: bool = False
    shuffle: bool = True
    options: list[ChoiceOption] = Field(min_length=2, max_length=8)

    @model_validator(mode="after")
    def _correct_count(self) -> "ChoiceQuestion":
        right = sum(o.correct for o in self.options)
        if right == 0:
            raise ValueError("no option is marked `correct: true`")
        if not self.multiple and right > 1:
            raise ValueError(f"{right} options are correct; set `multiple: true` or mark one")
        ids = {m.id for m in self.solution.common_mistakes}
        for j, option in enumerate(self.options):
            if option.mistake and option.mistake not in ids:
                raise ValueError(f"options[{j}].mistake: no common mistake has the id '{option.mistake}' "
                                 f"(ids: {', '.join(sorted(ids)) or 'none'})")
            if option.mistake and option.correct:
                raise ValueError(f"options[{j}] is correct, so picking it is no mistake; remove its `mistake`")
        return self


# Unit and precision shared by answers that are numbers (engine/quiz/precision.py).
class NumberKey(QuestionBase):
    # Unit of the answer key (GB, GiB, MB, bits, params, %, ...); learners may answer in another.
    unit: str | None = None
    # Precision: decimal places, significant figures, or a tolerance (absolute, relative).
    # None declared: the prompt's ("two decimals"), else the final answer's format ({x:.2f}), else exact.
    decimals: int | None = Field(None, ge=0, le=12)
    sig_figs: int | None = Field(None, ge=1, le=15)
    abs_tol: float | None = Field(None, ge=0)
    rel_tol: float | None = Field(None, ge=0, le=0.5)

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str | None) -> str | None:
        return None if unit is None else unit_named(unit).name

    @model_validator(mode="after")
    def _one_precision(self) -> "NumberKey":
        declared = [name for name in ("decimals", "sig_figs") if getattr(self, name) is not None]
        if len(declared) + bool(self.abs_tol or self.rel_tol) > 1:
            raise ValueError("give one precision: `decimals`, `sig_figs`, or a tolerance (`abs_tol`/`rel_tol`)")
        return self


# A number computed from the params, e.g. memory of a model in GiB.
class NumericQuestion(NumberKey):
    type: Literal["numeric"]
    # Expression over the params giving the answer key.
    answer: str

    @field_validator("answer")
    @classmethod
    def _parses(cls, answer: str) -> str:
        return checked_expression(answer, "answer")


# "What is the printed output?": the key is what the snippet prints.
class CodeOutputQuestion(QuestionBase):
    type: Literal["code_output"]
    # Python run by the safe evaluator, with `{param}` placeholders.
    snippet: str = Field(min_length=1, max_length=5000)
    # Optional: what the author expects it to print; validation fails if it differs.
    expected: str | None = None
    # "text": the answer is the printed text (whitespace aside), so 2 is wrong where 2.0 is printed;
    # "number": any way of writing the printed number is right (2, 2.0, 2e0).
    compare: Literal["text", "number"] = "text"


# "What is the error and how to fix it?": the learner types a corrected expression.
class FixExpressionQuestion(QuestionBase):
    type: Literal["fix_expression"]
    snippet: str = Field(min_length=1, max_length=5000)
    # The variable whose assignment holds the bug, e.g. qlora_model_size.
    target: str = Field(pattern=NAME)
    # A correct expression for it; answers are compared with it by sampling.
    reference: str

    @field_validator("reference")
    @classmethod
    def _parses(cls, reference: str) -> str:
        return checked_expression(reference, "reference")


# One step of the reference working: `name = expr`, or a bare `expr`.
class WorkedStep(Strict):
    name: str | None = Field(None, pattern=NAME)
    expr: str
    # The step's unit, when it has one (a learner's line may give it in another); the last step's is the question's.
    unit: str | None = None

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str | None) -> str | None:
        return None if unit is None else unit_named(unit).name

    @field_validator("expr")
    @classmethod
    def _parses(cls, expr: str) -> str:
        return checked_expression(expr, "step")


# Show your working: one step per line, each checked, errors carried forward.
class WorkedQuestion(NumberKey):
    type: Literal["worked"]
    snippet: str | None = Field(None, max_length=5000)
    # The reference working; the last step's value is the answer key.
    steps: list[WorkedStep] = Field(min_length=1, max_length=12)
    # Numbers a learner may type besides the params and their own results (e.g. 8 bits per byte).
    constants: list[Number] = Field(default_factory=list)


Question = Annotated[
    Union[ChoiceQuestion, NumericQuestion, CodeOutputQuestion, FixExpressionQuestion, WorkedQuestion],
    Field(discriminator="type"),
]
# The `type:` of each model above; engine/quiz/types/<type>.py holds what each one does.
QUESTION_TYPES = tuple(get_args(model.model_fields["type"].annotation)[0] for model in get_args(get_args(Question)[0]))


# One quiz file: a page of the app at /quiz-<id>.
class QuizFile(Strict):
    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1, max_length=120)
    # The lesson this quiz practises (its id), if any.
    lesson: str | None = Field(None, pattern=SLUG)
    description: str | None = None
    questions: list[Question] = Field(min_length=1, max_length=100)

    @field_validator("questions")
    @classmethod
    def _unique_ids(cls, questions: list[Any]) -> list[Any]:
        ids = [q.id for q in questions]
        if len(ids) != len(set(ids)):
            raise ValueError(f"question ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
        return questions

    def question(self, question_id: str) -> Any:
        """The question with this id, or None."""
        return next((q for q in self.questions if q.id == question_id), None)


def quiz_json_schema() -> dict:
    """JSON Schema of a quiz file, for editors (written by `python -m engine schema`)."""
    schema = QuizFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "LoRA Lab quiz"
    return schema
