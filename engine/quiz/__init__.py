"""Quizzes: a question moves through generate -> parse -> grade (PrairieLearn's model).

    schema.py       what a quizzes/*.yaml file may contain (pydantic, extra="forbid")
    units.py        numbers with units: parsing, conversion, unit names
    variants.py     seeded parameter draws and placeholder rendering
    answer_key.py   the right answer of one variant, computed, never typed by the author
    mistakes.py     common mistakes as transformations of the answer expression
    result.py       GradeResult and StepMark, what every grader returns
    grading.py      parse + grade for choice, numeric and code_output; dispatch for the rest
    equivalence.py  fix_expression: is the learner's expression equivalent? (sampling)
    worked.py       worked answers, step by step, errors carried forward
    validation.py   content checks that need evaluation (`python -m engine validate`)

    QuizFile ─▶ variants.variant_for(seed) ─▶ answer_key.Key ─┐
    raw answer ─▶ grading.parse ──────────────────────────────┴─▶ grading.grade ─▶ GradeResult
                                         (mistakes name a wrong value)

Builds on engine.sandbox, which evaluates every snippet and expression.
"""
