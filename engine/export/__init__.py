"""Exports of the course's quizzes to other systems: today QTI 3.0 (1EdTech), for any LMS.

    names.py        QTI's namespaces and schema locations; identifiers from our ids
    markup.py       our Markdown (paragraphs, `code`, **bold**, *em*) as XHTML in an item body
    patterns.py     printed text as QTI patterns, whitespace forgiven as the code_output grader forgives it
    qti_item.py     one portable question variant -> qti-assessment-item (response processing written out)
    qti_package.py  quizzes -> variants -> items, one assessment test per quiz, imsmanifest.xml, the zip,
                    and the summary (scored, for manual scoring, left out, and why)

    QuizFile ─▶ answer_key.variant_for (the engine's seeded variants) ─▶ type_of(q).portable (each
    type's description in engine/quiz/portable.py's shapes) ─▶ qti_item ─▶ qti_package ─▶ course-qti.zip

Type knowledge stays in engine/quiz: this package sees only the four portable shapes
(Choices, Number, Text, Essay). It imports the quiz package and nothing else.
"""
