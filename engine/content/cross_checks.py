"""Checks that need the whole course: lessons, quizzes, figures and sources that must exist.

- a prerequisite names a lesson of the course, not itself, and comes earlier
  (a lower `order`), so prerequisites never form a cycle;
- no two lessons share an `order` (the course map and sidebar list lessons by it);
- a section's `cite` names one of the lesson's references;
- a figure's `params` pass the figure's own model (engine/content/figures.py);
- a quiz section names a loaded quiz and questions it has.

Each check yields (lesson, key path, message); the loader adds file:line:col.
A lesson with such a problem still serves: the section that points nowhere shows
an error box in its place.
"""

from __future__ import annotations

import logging
from typing import Any, Iterator

from pydantic import ValidationError

from engine.content.schema import FigureSection, Lesson, QuizSection

log = logging.getLogger(__name__)


def course_problems(lessons: list[Lesson], quizzes: dict[str, Any]) -> Iterator[tuple[Lesson, str, str]]:
    """(lesson, key path, message) for every cross-file problem, lessons in the order given."""
    by_id = {lesson.id: lesson for lesson in lessons}
    first_with_order: dict[int, Lesson] = {}
    for lesson in lessons:
        other = first_with_order.setdefault(lesson.order, lesson)
        if other is not lesson:
            yield lesson, "order", f"order {lesson.order} is already used by lesson '{other.id}'; give each lesson its own"
        try:
            found = list(lesson_problems(lesson, by_id, quizzes))
        except Exception as exc:  # noqa: BLE001 - a check that breaks on one lesson is that lesson's error
            log.exception("checking lesson %s failed", lesson.id)
            found = [("", f"could not check this lesson ({type(exc).__name__}: {str(exc)[:200]})")]
        for path, message in found:
            yield lesson, path, message


def lesson_problems(lesson: Lesson, lessons: dict[str, Lesson], quizzes: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for i, prerequisite in enumerate(lesson.prerequisites):
        before = lessons.get(prerequisite)
        if before is None:
            yield f"prerequisites[{i}]", f"unknown lesson '{prerequisite}'"
        elif prerequisite == lesson.id:
            yield f"prerequisites[{i}]", "a lesson cannot be its own prerequisite"
        elif before.order >= lesson.order:
            yield (f"prerequisites[{i}]", f"lesson '{prerequisite}' (order {before.order}) must come before this one "
                   f"(order {lesson.order}); give it a lower order")
    ref_ids = {ref.id for ref in lesson.references}
    for i, section in enumerate(lesson.sections):
        where = f"sections[{i}]"
        for j, cited in enumerate(section.cite):
            if cited not in ref_ids:
                yield f"{where}.cite[{j}]", f"unknown reference '{cited}' (add it to the lesson's references)"
        if isinstance(section, FigureSection):
            yield from figure_problems(section, where)
        elif isinstance(section, QuizSection):
            yield from _quiz_reference(section, quizzes, where)


def figure_problems(section: FigureSection, where: str) -> Iterator[tuple[str, str]]:
    """The figure's params against its own model; the same messages the lesson page shows."""
    try:
        section.parsed_params()
    except ValidationError as exc:
        for err in exc.errors():
            key = ".".join(str(part) for part in err["loc"])
            path = f"{where}.params.{key}" if key else f"{where}.params"
            message = err["msg"][:1].lower() + err["msg"][1:]
            yield path, f"figure '{section.name}': {message.removeprefix('value error, ')}"


def _quiz_reference(section: QuizSection, quizzes: dict[str, Any], where: str) -> Iterator[tuple[str, str]]:
    quiz = quizzes.get(section.quiz)
    if quiz is None:
        known = ", ".join(sorted(quizzes)) or "none loaded"
        yield f"{where}.quiz", f"unknown quiz '{section.quiz}' (known quizzes: {known})"
        return
    ids = [question.id for question in quiz.questions]
    for j, question_id in enumerate(section.questions):
        if question_id not in ids:
            yield f"{where}.questions[{j}]", f"quiz '{section.quiz}' has no question '{question_id}'"
