"""Practice that adapts to the learner: skills, mastery, spaced review, the next question.

    skills.py         practice/skills.yaml: the skills, which mistakes reveal which skill,
                      and the check that every skill a quiz names is declared
    mastery.py        Bayesian Knowledge Tracing (Corbett & Anderson 1995): P(known) per skill
    schedule.py       SM-2 spaced review (Wozniak 1990): when a question comes back
    catalogue.py      every question that names a skill, as an Item
    lab_questions.py  practice/lab-run.yaml: questions bound to the learner's own lab run
    history.py        a learner's attempts, read from the progress store
    next_question.py  the next question and the reason it was chosen
    summary.py        what Home and Progress show: lesson states, mastery by skill and over time
    checks.py         what `python -m engine validate` adds: the practice files and skill references

    attempts (progress store) ─▶ history ─▶ mastery.trace ─┬─▶ next_question.choose ─▶ Pick
    quizzes + skills.yaml ─▶ catalogue ────────────────────┤
                                           schedule.cards ─┘

Builds on engine.quiz (questions, variants), engine.progress (the attempts table) and
engine.content (the YAML reader and its file:line:col problems).
"""
