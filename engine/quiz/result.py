"""What grading returns: a score, feedback, the named mistake and per-step marks.

Its own module so that every question type (engine/quiz/types/) can build one without
importing the others. Pydantic models, so a
result is saved as JSON by the progress store exactly as the learner saw it.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


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
    mistake_id: str | None = None
    steps: list[StepMark] = Field(default_factory=list)
    answer_key: str = ""
