"""What grading returns: a score, feedback, the named mistakes and per-step marks.

Its own module so that every question type (engine/quiz/types/) can build one without
importing the others. Pydantic models, so a result is saved as JSON by the progress store
exactly as the learner saw it. Two rules hold for every result, whatever the type:
a score is below 1 whenever the answer is not correct, and `mistake_id` is the first of
`mistakes` (every mistake the answer shows: two wrong options, two wrong steps).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator


# One step of a worked answer, marked.
class StepMark(BaseModel):
    step: int  # 1-based line number among the learner's steps
    line: str
    correct: bool
    feedback: str
    mistake_id: str | None = None  # the slip or listed mistake this step shows, when one is recognised


# What a learner gets for one submission; saved as it is by the progress store.
class GradeResult(BaseModel):
    score: float = Field(ge=0, le=1)
    correct: bool
    feedback: str
    mistake_id: str | None = None  # the first named mistake (the class report counts it)
    mistakes: list[str] = Field(default_factory=list)  # every named mistake, in the order found
    steps: list[StepMark] = Field(default_factory=list)
    answer_key: str = ""

    @model_validator(mode="before")
    @classmethod
    def _first_mistake(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("mistake_id") and not data.get("mistakes"):
            data = {**data, "mistakes": [data["mistake_id"]]}
        elif isinstance(data, dict) and data.get("mistakes") and not data.get("mistake_id"):
            data = {**data, "mistake_id": data["mistakes"][0]}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> "GradeResult":
        if not self.correct and self.score >= 1:
            raise ValueError("an answer that is not correct scores below 1")
        if self.correct and self.score < 1:
            raise ValueError("a correct answer scores 1")
        if self.mistakes and self.mistake_id != self.mistakes[0]:
            raise ValueError("mistake_id is the first of mistakes")
        return self
