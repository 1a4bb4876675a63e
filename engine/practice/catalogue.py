"""The practice catalogue: every question that names a skill, as an `Item`.

Quiz questions come from the loaded course (engine/content/loader.py); the lab-run
questions (practice/lab-run.yaml) are items too, so their attempts count towards mastery,
but they are never picked for practice: they need the learner's own run figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.practice.lab_questions import load_lab_questions
from engine.practice.mastery import TYPED_GUESS, Item
from engine.practice.skills import Skills, load_skills


@dataclass
class Catalogue:
    skills: Skills
    items: dict[str, Item] = field(default_factory=dict)  # "quiz/question" -> item
    practice: list[Item] = field(default_factory=list)  # the items practice may pick, in course order
    titles: dict[str, str] = field(default_factory=dict)  # quiz id -> quiz title


def guess_of(question) -> float:
    """BKT's G for a question (engine/practice/mastery.py): chance of a right answer by luck."""
    from engine.quiz.types import type_of

    chance = type_of(question).chance(question)  # choice: 1 / options, or 1 / (2**n - 1) for ticks
    return TYPED_GUESS if chance is None else chance


def build(course, skills: Skills | None = None) -> Catalogue:
    """Items of every question with skills; `course` is a loaded engine.content.loader.Course."""
    skills = skills or load_skills()
    catalogue = Catalogue(skills=skills)
    lesson_order = {lesson.id: lesson.order for lesson in course.lessons}
    quizzes = sorted(course.quizzes.values(), key=lambda q: (lesson_order.get(q.lesson, 999), q.id))
    for quiz in quizzes:
        catalogue.titles[quiz.id] = quiz.title
        for question in quiz.questions:
            item = _item(quiz.id, question, skills)
            if item:
                catalogue.items[item.key] = item
                catalogue.practice.append(item)
    lab, _ = load_lab_questions()
    if lab is not None:
        catalogue.titles[lab.id] = lab.title
        for entry in lab.questions:
            item = _item(lab.id, entry.question, skills)
            if item:
                catalogue.items[item.key] = item
    return catalogue


def _item(quiz_id: str, question, skills: Skills) -> Item | None:
    known = tuple(s for s in question.skills if s in skills.by_id)
    if not known:
        return None
    return Item(quiz_id=quiz_id, question_id=question.id, skills=known, guess=guess_of(question), question=question)
