"""Quizzes: a question moves through generate -> parse -> grade (PrairieLearn's model).

    schema.py          what a quizzes/*.yaml file may contain (pydantic, extra="forbid")
    parts.py           what every question shares: params, mistakes, checks, the solution
    units.py           numbers with units: parsing, conversion, unit names
    matching.py        how a typed number meets the key, a mistake, a unit slip (the rules)
    variants.py        seeded parameter draws and placeholder rendering (snippets keep their f-strings)
    constraints.py     `constraints` every variant meets, `checks` that hold on every variant
    answer_key.py      the right answer of one variant, computed, never typed by the author
    mistakes.py        common mistakes as transformations of the answer expression
    result.py          GradeResult and StepMark, what every grader returns
    grading.py         parse + grade for choice and numeric; dispatch for the rest
    output.py          code_output: the printed text, whitespace aside
    equivalence.py     fix_expression: is the learner's expression equivalent? (sampling)
    worked.py          worked answers, step by step, errors and rounding carried forward
    worked_mistakes.py what went wrong in a worked answer, with the mistake's id
    worked_numbers.py  which numbers a working may use, and rounding carried forward
    validation.py      content checks that need evaluation (`python -m engine validate`)
    variant_checks.py  every variant: key, mistakes, constraints, checks, no answer given away

    QuizFile ─▶ variants + constraints: variant_for(seed) ─▶ answer_key.Key ─┐
    raw answer ─▶ grading.parse ─────────────────────────────────────────────┴─▶ grading.grade ─▶ GradeResult
                                         (mistakes name a wrong value)

Builds on engine.sandbox, which evaluates every snippet and expression.
"""
