"""Practice that adapts to the learner: skills, mastery with forgetting, fitted parameters, the next question.

    skills.py         practice/skills.yaml: the skills, which mistakes reveal which skill,
                      and the check that every skill a quiz names is declared
    model.py          BKT's parameters per skill (P(L0), T, S, G, F) and per choice question (G),
                      the defaults, and what counts as mastered
    mastery.py        Bayesian Knowledge Tracing (Corbett & Anderson 1995) with forgetting:
                      P(known now) per skill, blame shared between a question's skills
    schedule.py       FSRS per skill (the `fsrs` package): retrievability, and when it is due,
                      until the class's own forgetting rate is fitted
    fit.py            EM fit of the parameters (forgetting per day included) to the class's
                      attempts, shrunk toward the defaults
    baum_welch.py     the fit's numerics: forward-backward over every sequence at once (numpy)
    parameters.py     the fitted parameters in use: read from, and refitted into, the progress store
    catalogue.py      every question that names a skill, as an Item
    lab_questions.py  practice/lab-run.yaml: questions bound to the learner's own lab run
    history.py        a learner's attempts (or the class's), read from the progress store
    next_question.py  the next question by expected learning gain, and the reason it was chosen
    reasons.py        the words of a reason: how a slip is named
    summary.py        what Home and Progress show: lesson states, known now by skill, mastery over time
    class_skills.py   the instructor's view by skill: hardest first, with the fitted parameters
    checks.py         what `python -m engine validate` adds: the practice files and skill references

    a learner's attempts ─▶ history ─▶ mastery.trace ─▶ next_question.choose ─▶ Pick (+ reason)
    quizzes + skills.yaml ─▶ catalogue ──────┘   ▲   ▲
                            schedule (FSRS R) ───┘   │
    the class's attempts ─▶ fit (EM) ─▶ parameters ─▶ model (stored in progress' bkt_params)

Builds on engine.quiz (questions, variants), engine.progress (the attempts and bkt_params
tables) and engine.content (the YAML reader and its file:line:col problems).
"""
