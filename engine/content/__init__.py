"""Course content: lessons from YAML, checked, with errors that say file:line:col.

    yaml_reader.py   reads one file within limits (size), parses it with libyaml
    yaml_builder.py  builds marked data from libyaml's events within limits (depth, values, aliases)
    schema.py        the lesson schema: sections, references, the lab section
    figures.py       the registry of interactive figures a lesson may name, and their params
    markup.py        which links and images lesson and quiz text may hold; refused ones made words
    results.py       figures from the project's own runs, read from benchmarks/results/*.json
    house_rules.py   what every lesson must (errors) and should (warnings) hold
    cross_checks.py  what spans files: prerequisites, orders, cites, figure params, quiz references
    problems.py      a problem in a content file, located as file:line:col plus a key path
    loader.py        reads lessons/ and quizzes/, runs all of the above, never raises for content

    lessons/*.yaml ─┐                                                        ┌─▶ Course (lessons, quizzes)
    quizzes/*.yaml ─┴─▶ yaml_reader ─▶ markup, results ─▶ schema ─▶ rules ───┤
                                                      quiz.validation ───────┴─▶ [Problem] errors, warnings

Builds on engine.quiz (quiz files), engine.lab.settings (a lesson's lab section)
and engine.maths (memory presets a figure may name).
"""
