"""Questions whose numbers are the learner's own lab run (practice/lab-run.yaml).

Each entry is an ordinary quiz question plus `bind` (param -> lab-run figure) and
`methods` (which runs it may use). For a finished run, `for_run` rebuilds the question
with each bound param pinned to the run's figure (`choices: [value]`), so the usual
generate → parse → grade path (engine/quiz) draws exactly the run's numbers, grades them
and names the same mistakes as on any quiz page. The file is checked like a quiz
(engine/quiz/validation.py) on the params' authored ranges, plus the binding rules.

    lab-run.yaml ─▶ LabQuestionFile ─▶ for_run(entry, run result) ─▶ QuizFile question
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from engine import ROOT
from engine.content.problems import Problem, field_names, position_of, problems_from_validation
from engine.content.yaml_reader import content_stamp, read_yaml
from engine.practice.skills import Strict, plain, shown_path
from engine.quiz.schema import SLUG, Question, QuizFile
from engine.quiz.validation import validate_quiz

LAB_QUESTIONS_FILE = ROOT / "practice" / "lab-run.yaml"
# Numeric figures of a lab run's result (engine/lab/finetune.py run_lab) a question may bind.
FIGURES = ("trainable_params", "total_params", "adapter_bytes", "peak_memory_bytes", "base_model_bytes",
           "seconds", "tokens_per_s", "steps", "skill_before", "skill_after")
Method = Literal["full", "lora", "qlora"]


# One question of lab-run.yaml: a quiz question and where its numbers come from.
class LabQuestion(Strict):
    # param name -> the lab-run figure it takes.
    bind: dict[str, Literal[FIGURES]] = Field(min_length=1)
    # The runs it may use, first choice first.
    methods: list[Method] = Field(min_length=1)
    question: Question

    @model_validator(mode="after")
    def _bound_params_exist(self) -> LabQuestion:
        missing = sorted(set(self.bind) - set(self.question.params))
        if missing:
            raise ValueError(f"bind names {missing}, which are not params of question '{self.question.id}'")
        return self


# The whole file.
class LabQuestionFile(Strict):
    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1, max_length=120)
    questions: list[LabQuestion] = Field(min_length=1, max_length=50)

    def as_quiz(self) -> QuizFile:
        """The questions as a quiz file, to validate and to grade them like any other."""
        return QuizFile(id=self.id, title=self.title, questions=[q.question for q in self.questions])


_CACHE: dict[str, tuple[bytes | None, LabQuestionFile | None, list[Problem]]] = {}


def load_lab_questions(path: Path = LAB_QUESTIONS_FILE) -> tuple[LabQuestionFile | None, list[Problem]]:
    """The file, or None and its problems (file:line:col), including the quiz checks; cached by content."""
    stamp = content_stamp(path)
    cached = _CACHE.get(str(path))
    if cached and cached[0] == stamp:
        return cached[1], list(cached[2])
    parsed, problems = _load(path)
    _CACHE[str(path)] = (stamp, parsed, list(problems))
    return parsed, problems


def _load(path: Path) -> tuple[LabQuestionFile | None, list[Problem]]:
    shown = shown_path(path)
    data, problems = read_yaml(path, shown)
    if data is None:
        return None, problems
    try:
        parsed = LabQuestionFile.model_validate(plain(data))
    except ValidationError as exc:
        return None, problems_from_validation(shown, data, exc, field_names(LabQuestionFile))
    for key_path, message in validate_quiz(parsed.as_quiz()):
        index, _, rest = key_path.partition(".")  # questions[i].x -> questions[i].question.x
        where = f"{index}.question" + (f".{rest}" if rest else "")
        line, col = position_of(data, where)
        problems.append(Problem(shown, line, col, where, message))
    return (None if problems else parsed), problems


def run_figures(entry: LabQuestion, result: dict) -> dict[str, int | float] | None:
    """The bound figures of one run's result, or None when any is missing or not a finite number."""
    values = {}
    for param, figure in entry.bind.items():
        value = result.get(figure)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return None
        values[param] = value
    return values


def for_run(entry: LabQuestion, results: dict[str, dict]):
    """(method, question pinned to that run's figures) for the first usable run, else None."""
    for method in entry.methods:
        values = run_figures(entry, results.get(method) or {})
        if values is None:
            continue
        params = entry.question.params | {name: {"default": v, "choices": [v]} for name, v in values.items()}
        data = entry.question.model_dump(exclude_none=True) | {"params": params}
        return method, type(entry.question).model_validate(data)  # a fresh model: its own key cache
    return None
