"""Course content: lessons from YAML, checked, with errors that say file:line:col.

    schema.py    the lesson schema: sections, references, the lab section
    figures.py   the registry of interactive figures a lesson may name, and their params
    problems.py  a problem in a content file, located as file:line:col plus a key path
    loader.py    reads lessons/ and quizzes/, validates each file, checks what spans files

    lessons/*.yaml ─┐                        ┌─▶ Course (lessons, quizzes)
    quizzes/*.yaml ─┴─▶ loader ─▶ schema ────┤
                              └─▶ quiz.validation └─▶ [Problem] for the problems panel

Builds on engine.quiz (quiz files), engine.lab.settings (a lesson's lab section)
and engine.maths (memory presets a figure may name).
"""
