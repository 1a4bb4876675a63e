"""Shared by `preview` and `grade`: load one quiz file and pick a question, with clear errors."""

from __future__ import annotations

import sys
from pathlib import Path


class CliError(Exception):
    """A problem with the command line's input; printed as one line, exit code 1."""


def load_quiz(path: Path):
    """The QuizFile in `path`; content errors go to stderr, and stop the command only if it did not load."""
    from engine.content.loader import load_course

    if not path.is_file():
        raise CliError(f"{path}: no such quiz file")
    course = load_course(lesson_files=[], quiz_files=[path])
    for problem in course.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if not course.quizzes:
        raise CliError(f"{path}: the quiz could not be loaded (see the errors above)")
    return next(iter(course.quizzes.values()))


def pick_question(quiz, question_id: str):
    question = quiz.question(question_id)
    if question is None:
        known = ", ".join(q.id for q in quiz.questions)
        raise CliError(f"quiz '{quiz.id}' has no question '{question_id}' (its questions: {known})")
    return question
