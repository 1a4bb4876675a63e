"""engine/quiz/types/choice.py: letters as shown, every linked mistake named, the solution's {answer}."""

import pytest

from engine.quiz.answer_key import solution_values, variant_for
from engine.quiz.grading import AnswerFormatError, grade_answer
from engine.quiz.validation import validate_quiz
from engine.quiz.variants import render
from tests.quiz_helpers import quiz_from_yaml, shipped

TWO_MISTAKES = """
id: t
title: T
questions:
  - id: c
    type: choice
    multiple: true
    prompt: p
    options:
      - {text: right one, correct: true, feedback: yes}
      - {text: right two, correct: true, feedback: yes}
      - {text: replaces the model, feedback: no, mistake: replaces-model}
      - {text: removes layers, feedback: no, mistake: removes-layers}
    solution:
      steps: [s]
      final_answer: "{answer}"
      common_mistakes: [{id: replaces-model, text: Replacing it}, {id: removes-layers, text: Removing layers}]
"""


def test_every_linked_mistake_chosen_is_named_and_recorded():
    question = quiz_from_yaml(TWO_MISTAKES.replace("multiple: true", "multiple: true\n    shuffle: false")).questions[0]
    result = grade_answer(question, "C D")
    assert result.mistakes == ["replaces-model", "removes-layers"] and result.mistake_id == "replaces-model"
    assert "Replacing it" in result.feedback and "Removing layers" in result.feedback
    assert result.model_dump()["mistakes"] == ["replaces-model", "removes-layers"]  # what the attempt records


def test_the_solution_names_the_letters_this_learner_saw():
    question = shipped("qlora").question("qlora-bnb-config")  # shuffled; three right options
    for seed in range(1, 10):
        variant, key = variant_for(question, seed)
        final = render(question.solution.final_answer, solution_values(question, variant))
        letters = key.shown.split(", ")
        assert final.startswith(f"{letters[0]}, {letters[1]} and {letters[2]}:"), (key.shown, final)


@pytest.mark.parametrize("final", ["The first three options", "Option B", "options A and C", "(B)", "the last option"])
def test_a_shuffled_question_may_not_name_options_by_letter_or_place(final):
    quiz = quiz_from_yaml(TWO_MISTAKES.replace('final_answer: "{answer}"', f'final_answer: "{final}"'))
    problems = validate_quiz(quiz)
    assert any(path.endswith("final_answer") and "shuffled" in message for path, message in problems), problems
    assert validate_quiz(quiz_from_yaml(TWO_MISTAKES)) == []


def test_an_unreadable_choice_says_which_letters_are_expected():
    with pytest.raises(AnswerFormatError, match="Expected: the letters of every right option as shown"):
        grade_answer(quiz_from_yaml(TWO_MISTAKES).questions[0], "Z")


@pytest.mark.parametrize("raw", ["B", "b", "Option B", "(B)", "B.", "the answer is B",
                                 "B) To add small trainable parts", "To add small trainable parts that make training easier and cheaper"])
def test_a_letter_however_it_is_written_or_the_options_text(raw):
    assert grade_answer(shipped("seed").question("q1-lora-purpose"), raw).correct


@pytest.mark.parametrize("raw", ["A, B", "A B", "a and b", "AB", "both A and B", "A & B", "(A) (B)"])
def test_several_letters_however_they_are_written(raw):
    assert grade_answer(shipped("why-lora-qlora").question("what-lora-changes"), raw).correct
