"""Class analytics for the instructor: what the class gets wrong, not only who scored what.

Per question (Moodle's "response analysis" and PrairieLearn's question statistics):
attempts, learners, share correct at the first try (not counting a first try made after
opening the solution, which is counted apart), the most common wrong answers
with the mistake each was diagnosed as, and results by parameter value (asked for
in PrairieLearn#1849). Across the class: named mistakes and lesson completions.
Every aggregate runs in SQL (GROUP BY, ROW_NUMBER() OVER), so the report's cost grows
with the number of distinct answers, not with rows shipped to Python; the target is
≤ 500 ms on 100,000 attempts (benchmarks/progress.py measures it).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import TextIO

from sqlalchemy import case, func, select

from engine.progress.store import Store
from engine.progress.tables import attempts, learners, lessons_completed

CSV_COLUMNS = ["attempt_id", "time", "learner_id", "learner_name", "quiz_id", "question_id", "seed", "raw", "parsed",
               "score", "correct", "mistake_id", "feedback", "params", "solution_seen"]
FORMULA_STARTS = ("=", "+", "@", "\t", "\r")  # cells a spreadsheet would run as a formula (OWASP "CSV Injection")


@dataclass(frozen=True)
class QuestionStat:
    quiz_id: str
    question_id: str
    attempts: int
    learners: int
    first_try_correct: float  # share of learners right at their first attempt, solution unseen, 0..1
    correct: float  # share of all attempts that were right, 0..1
    solution_first: float = 0.0  # share of learners who opened the solution before their first attempt, 0..1


@dataclass(frozen=True)
class WrongAnswer:
    parsed: str  # the parsed answer, as JSON text: answers typed differently but read the same group together
    example: str  # one raw answer as typed
    mistake_id: str | None  # the named mistake it was diagnosed as; None = not recognised
    count: int


@dataclass(frozen=True)
class ParamResult:
    param: str
    value: str
    attempts: int
    correct: float  # share correct, 0..1


@dataclass
class ClassReport:
    learners: int = 0
    attempts: int = 0
    questions: list[QuestionStat] = field(default_factory=list)
    wrong_answers: dict[tuple[str, str], list[WrongAnswer]] = field(default_factory=dict)
    by_param: dict[tuple[str, str], list[ParamResult]] = field(default_factory=dict)
    mistakes: list[tuple[str, int, int]] = field(default_factory=list)  # (mistake id, times, learners), most first
    lessons: dict[str, int] = field(default_factory=dict)  # lesson id -> learners who completed it


def class_report(store: Store, *, top_wrong: int = 5) -> ClassReport:
    """Everything the instructor dashboard shows, in one read transaction."""
    with store._tx("build the class report") as conn:
        report = ClassReport(learners=conn.scalar(select(func.count()).select_from(learners)) or 0)
        report.questions = _question_stats(conn)
        report.attempts = sum(q.attempts for q in report.questions)
        report.wrong_answers = _wrong_answers(conn, top_wrong)
        report.by_param = _by_param(conn)
        report.mistakes = _mistakes(conn)
        report.lessons = dict(conn.execute(select(lessons_completed.c.lesson_id, func.count())
                                           .group_by(lessons_completed.c.lesson_id)).all())
    return report


def _mistakes(conn) -> list[tuple[str, int, int]]:
    """(mistake id, times, learners), most first: every attempt's first mistake, grouped in SQL, plus the
    further ones of the few answers that showed several (a JSON list with a comma in it)."""
    a = attempts.c
    counts = {r[0]: [r[1], r[2]] for r in conn.execute(
        select(a.mistake_id, func.count(), func.count(a.learner_id.distinct()))
        .where(a.mistake_id.is_not(None)).group_by(a.mistake_id))}
    extra: dict[str, list] = {}
    for mistakes, learner in conn.execute(select(a.mistakes, a.learner_id).where(a.mistakes.like('%,%'))):
        for mistake_id in json.loads(mistakes)[1:]:
            extra.setdefault(mistake_id, []).append(learner)
    if extra:  # learners are counted once per mistake: recount those mistakes' learners exactly
        for mistake_id, learners_extra in extra.items():
            firsts = set(conn.scalars(select(a.learner_id.distinct()).where(a.mistake_id == mistake_id)))
            times = counts.get(mistake_id, [0, 0])[0] + len(learners_extra)
            counts[mistake_id] = [times, len(firsts | set(learners_extra))]
    return sorted(((m, t, n) for m, (t, n) in counts.items()), key=lambda r: (-r[1], r[0]))


def _right():
    return func.sum(case((attempts.c.correct, 1), else_=0))


def _question_stats(conn) -> list[QuestionStat]:
    """One pass: per (question, learner) the first attempt's id, attempts and right answers;
    then per question, joined to each learner's first attempt to see if it was right."""
    a = attempts.c
    per = (select(a.quiz_id, a.question_id, func.min(a.id).label("first_id"), func.count().label("n"),
                  _right().label("right")).group_by(a.quiz_id, a.question_id, a.learner_id).subquery())
    first = attempts.alias("first")
    unaided = case((first.c.correct & ~first.c.solution_seen, 1), else_=0)  # right without the solution open
    rows = conn.execute(select(per.c.quiz_id, per.c.question_id, func.sum(per.c.n), func.count(),
                               func.sum(per.c.right), func.sum(unaided),
                               func.sum(case((first.c.solution_seen, 1), else_=0)))
                        .join(first, first.c.id == per.c.first_id).group_by(per.c.quiz_id, per.c.question_id))
    return sorted((QuestionStat(q, x, int(n), people, int(first_right or 0) / people, int(right or 0) / int(n),
                                int(seen or 0) / people)
                   for q, x, n, people, right, first_right, seen in rows), key=lambda s: (s.quiz_id, s.question_id))


def _wrong_answers(conn, top: int) -> dict[tuple[str, str], list[WrongAnswer]]:
    a = attempts.c
    rank = func.row_number().over(partition_by=(a.quiz_id, a.question_id),
                                  order_by=(func.count().desc(), a.parsed)).label("rank")
    grouped = (select(a.quiz_id, a.question_id, a.parsed, a.mistake_id, func.count().label("n"),
                      func.min(a.raw).label("example"), rank)
               .where(a.correct == False)  # noqa: E712 (SQL comparison, not Python's)
               .group_by(a.quiz_id, a.question_id, a.parsed, a.mistake_id).subquery())
    rows = conn.execute(select(grouped).where(grouped.c.rank <= top)
                        .order_by(grouped.c.quiz_id, grouped.c.question_id, grouped.c.rank))
    out: dict[tuple[str, str], list[WrongAnswer]] = {}
    for r in rows:
        out.setdefault((r.quiz_id, r.question_id), []).append(WrongAnswer(r.parsed, r.example, r.mistake_id, r.n))
    return out


def _by_param(conn) -> dict[tuple[str, str], list[ParamResult]]:
    """Results by each parameter's value: SQL groups identical variants, Python splits them per parameter."""
    a = attempts.c
    tally: dict[tuple[str, str], dict[tuple[str, str], list[int]]] = {}
    for quiz_id, question_id, params, n, right in conn.execute(
            select(a.quiz_id, a.question_id, a.params, func.count(), _right())
            .where(a.params != "{}").group_by(a.quiz_id, a.question_id, a.params)):
        for name, value in json.loads(params).items():
            cell = tally.setdefault((quiz_id, question_id), {}).setdefault((name, _show(value)), [0, 0])
            cell[0] += n
            cell[1] += right or 0
    return {key: [ParamResult(name, value, n, right / n) for (name, value), (n, right) in sorted(
        cells.items(), key=lambda item: (item[0][0], _sort_key(item[0][1])))] for key, cells in tally.items()}


def quiz_results_by_lesson(report: ClassReport, quiz_lessons: dict[str, str]) -> dict[str, tuple[int, float]]:
    """Per lesson, over the questions of the quizzes that practise it (quiz id -> lesson id):
    (attempts, share of learner-question pairs right at the first try)."""
    totals: dict[str, list[float]] = {}
    for q in report.questions:
        if q.quiz_id in quiz_lessons:
            cell = totals.setdefault(quiz_lessons[q.quiz_id], [0, 0.0, 0])
            cell[0] += q.attempts
            cell[1] += q.first_try_correct * q.learners  # learners right at once
            cell[2] += q.learners
    return {lesson: (int(n), right / pairs) for lesson, (n, right, pairs) in totals.items()}


def write_attempts_csv(store: Store, handle: TextIO) -> int:
    """Every attempt, oldest first, as CSV with a header; returns the number of rows.
    The learner's code is a credential and is never exported."""
    writer = csv.writer(handle)
    writer.writerow(CSV_COLUMNS)
    a = attempts.c
    query = (select(a.id, a.created_at, a.learner_id, learners.c.name, a.quiz_id, a.question_id, a.seed, a.raw,
                    a.parsed, a.score, a.correct, a.mistake_id, a.feedback, a.params, a.solution_seen)
             .join(learners, learners.c.id == a.learner_id).order_by(a.id))
    count = 0
    with store._tx("export attempts") as conn:
        for row in conn.execution_options(yield_per=2000).execute(query):
            writer.writerow([_cell(v) for v in row])
            count += 1
    return count


def attempts_csv(store: Store) -> str:
    buffer = io.StringIO()
    write_attempts_csv(store, buffer)
    return buffer.getvalue()


def _cell(value):
    """A CSV cell; text a spreadsheet would evaluate as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, str) and value.startswith("-") and not _is_number(value):
        return "'" + value
    return "" if value is None else value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _show(value) -> str:
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def _sort_key(value: str):
    return (0, float(value), "") if _is_number(value) else (1, 0.0, value)

