"""What a learner reads in a question, on every variant: no "1 bytes" or "1 bits" (issue 18: a
solution step read "= 1 bytes" for 8-bit weights). A placeholder that can be 1 chooses its noun
(`{'byte' if bits == 8 else 'bytes'}`, docs/authoring.md)."""

from __future__ import annotations

import re

import pytest

from engine.content.loader import load_course
from engine.quiz.answer_key import variant_for
from engine.quiz.variants import render

ONE_PLURAL = re.compile(r"(?<![\d.,])1 (bytes|bits|parameters|weights|steps|blocks|tokens)\b")
QUESTIONS = [(quiz, question) for quiz in load_course().quizzes.values() for question in quiz.questions]


@pytest.mark.parametrize("quiz, question", QUESTIONS, ids=[f"{q.id}/{x.id}" for q, x in QUESTIONS])
def test_no_variant_says_one_with_a_plural(quiz, question):
    texts = [question.prompt, *question.solution.steps, question.solution.final_answer,
             question.solution.quick_check or "", *(m.text for m in question.solution.common_mistakes)]
    for seed in range(24):
        variant, _ = variant_for(question, seed)
        for text in texts:
            shown = render(text, variant.values)
            assert not ONE_PLURAL.search(shown), f"seed {seed}: {shown}"
