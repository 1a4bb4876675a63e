"""The class by skill, for the instructor dashboard: what each skill's fitted parameters
say, and which skills the class struggles with most.

    skill_rows(catalogue, report, fit_rows) -> [SkillRow], hardest first

Per skill, from the class report (engine/progress/report.py, live): the share of first
tries that were right over the questions training it (weighted by learners) and the named
mistakes that reveal it; from the last fit (engine/progress/fits.py): P(L0), T, S, G and
the share of its learners who had mastered it. "Hardest first" is by that first-try
share, lowest first: it needs no fit and moves with every answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SkillRow:
    skill: str
    title: str
    first_try_right: float | None = None  # share of first tries right, 0..1; None: nobody answered yet
    first_tries: int = 0  # first tries at its questions (one per learner and question)
    mistakes: list[tuple[str, int]] = field(default_factory=list)  # (mistake id, times), most first
    fitted: object | None = None  # engine.progress.fits.FittedRow of the last fit, if any


def skill_rows(catalogue, report, fit_rows) -> list[SkillRow]:
    """One row per declared skill that a practice question trains, hardest first."""
    rows = {s: SkillRow(s, catalogue.skills.title(s)) for item in catalogue.items.values() for s in item.skills}
    sums: dict[str, list[float]] = {}
    for q in report.questions:
        item = catalogue.items.get(f"{q.quiz_id}/{q.question_id}")
        for skill in item.skills if item else ():
            total = sums.setdefault(skill, [0.0, 0.0])
            total[0] += q.first_try_correct * q.learners
            total[1] += q.learners
    for skill, (right, learners) in sums.items():
        rows[skill].first_try_right, rows[skill].first_tries = (right / learners if learners else None), int(learners)
    revealed = _revealed(catalogue)
    for mistake_id, times, _ in report.mistakes:
        for skill in revealed.get(mistake_id, ()):
            if skill in rows:
                rows[skill].mistakes.append((mistake_id, times))
    for fitted in fit_rows:
        if fitted.scope == "skill" and fitted.name in rows:
            rows[fitted.name].fitted = fitted
    return sorted(rows.values(), key=lambda r: (r.first_try_right is None, r.first_try_right or 0.0, r.title))


def _revealed(catalogue) -> dict[str, set[str]]:
    """mistake id -> the skills it reveals on any question that lists it."""
    found: dict[str, set[str]] = {}
    for item in catalogue.items.values():
        for mistake in item.question.solution.common_mistakes:
            found.setdefault(mistake.id, set()).update(catalogue.skills.of_mistake(item.question, mistake.id))
    return found
