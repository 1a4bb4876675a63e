"""Quizzes: a question moves through generate -> parse -> grade (PrairieLearn's model).

    schema.py          what a quizzes/*.yaml file may contain (pydantic, extra="forbid")
    parts.py           what every question shares: params, mistakes, checks, the solution
    units.py           the unit table: symbols and words, ambiguous spellings asked about, conversion
    numbers.py         one number as written (65,536; 1.4 × 10^10) and written back (number_text, shown)
    reader.py          the one answer reader: a value, maths (^, ×, 2³⁰), a unit; every type uses it
    precision.py       the unit and precision a question states: declared, in its prompt, in its final answer
    matching.py        how a typed number meets the key, a mistake, a unit slip (the rules)
    variants.py        seeded parameter draws and placeholder rendering (snippets keep their f-strings)
    constraints.py     `constraints` every variant meets (drawing a variant)
    checks.py          `checks` that hold on every variant, shown as the quick check
    mistakes.py        common mistakes as transformations of the answer expression
    keys.py            Key, the answer key of one variant; a number's key with its mistakes' values
    snippets.py        what a snippet prints, its values, and its answer as one expression
    result.py          GradeResult and StepMark, what every type's grade returns
    types/             one module per question type behind one protocol (types/base.py), found
                       through a registry (types/__init__.py): key, parse, grade, validate, input, export
    portable.py        a variant as a standard format can carry it (choices, number, text, essay),
                       what each type's `portable` hook returns for engine/export/
    answer_key.py      variant_for(question, seed): the variant and its key, cached
    grading.py         parse + grade: asks the question's type
    validation.py      content checks that need evaluation (`python -m engine validate`)
    variant_checks.py  every variant: key, mistakes, constraints, checks, no answer given away

    QuizFile ─▶ variants + constraints: variant_for(seed) ─▶ types[type].key ─▶ Key ─┐
    raw answer ─▶ grading.parse ─▶ types[type].parse ─────────────────────────────────┴─▶ types[type].grade ─▶ GradeResult
                                         (mistakes name a wrong value)

Builds on engine.sandbox, which evaluates every snippet and expression.
"""
