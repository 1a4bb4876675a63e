"""engine/quiz/schema.py: the quiz file models refuse bad content with errors that name the field."""

import pytest
from pydantic import ValidationError

from engine.quiz.schema import QUESTION_TYPES, QuizFile, quiz_json_schema
from tests.quiz_helpers import quiz_from_yaml

SOLUTION = "solution: {steps: [s], final_answer: f}"


def _one(question_yaml: str) -> str:
    return f"id: t\ntitle: T\nquestions:\n  - {question_yaml}\n"


def test_each_type_loads():
    quiz = quiz_from_yaml(f"""
id: t
title: T
questions:
  - {{id: a, type: choice, prompt: p, options: [{{text: x, correct: true, feedback: f}}, {{text: y, feedback: f}}], {SOLUTION}}}
  - {{id: b, type: numeric, prompt: p, answer: "2 * n", params: {{n: {{default: 3, min: 1, max: 9}}}}, unit: MB, {SOLUTION}}}
  - {{id: c, type: code_output, prompt: p, snippet: "print(1)", {SOLUTION}}}
  - {{id: d, type: fix_expression, prompt: p, snippet: "a = 1\\nb = a + 1", target: b, reference: "a * 2", {SOLUTION}}}
  - {{id: e, type: worked, prompt: p, steps: [{{name: x, expr: "1 + 1"}}], {SOLUTION}}}
""")
    assert [q.type for q in quiz.questions] == list(QUESTION_TYPES)
    assert quiz.question("b").unit == "MB"
    assert quiz.question("zzz") is None


@pytest.mark.parametrize("question, fragment", [
    ("{id: a, type: choice, prompt: p, optionz: [], " + SOLUTION + "}", "optionz"),
    ("{id: a, type: quizz, prompt: p, " + SOLUTION + "}", "quizz"),
    ("{id: a, type: choice, prompt: p, options: [{text: x, feedback: f}, {text: y, feedback: f}], " + SOLUTION + "}", "correct"),
    ("{id: a, type: choice, prompt: p, options: [{text: x, correct: true, feedback: f}, {text: y, correct: true, feedback: f}], " + SOLUTION + "}", "multiple"),
    ("{id: a, type: numeric, prompt: p, answer: '2 *', " + SOLUTION + "}", "not a valid expression"),
    ("{id: a, type: numeric, prompt: p, answer: '2', unit: furlong, " + SOLUTION + "}", "furlong"),
    ("{id: a, type: numeric, prompt: p, answer: n, params: {n: {default: 30, min: 1, max: 9}}, " + SOLUTION + "}", "outside"),
    ("{id: a, type: numeric, prompt: p, answer: n, params: {n: {default: 3}}, " + SOLUTION + "}", "min"),
    ("{id: a, type: numeric, prompt: p, answer: n, params: {n: {default: 3, choices: [1, 2]}}, " + SOLUTION + "}", "not one of the choices"),
    ("{id: a, type: numeric, prompt: p, answer: '1', solution: {steps: [s], final_answer: f, common_mistakes: [{id: m, text: t, formula: '1', transform: precedence}]}}", "not several"),
    ("{id: a, type: numeric, prompt: p, answer: '1', solution: {steps: [s], final_answer: f, common_mistakes: [{id: m, text: t, transform: flip}]}}", "flip"),
    ("{id: a, type: numeric, prompt: p, answer: '1', abs_tol: -1, " + SOLUTION + "}", "abs_tol"),
    ("{id: a, type: numeric, prompt: p, answer: '1', params: {round: {default: 1, min: 1, max: 2}}, " + SOLUTION + "}", "builtin"),
])
def test_bad_questions_name_the_problem(question, fragment):
    with pytest.raises(ValidationError) as info:
        quiz_from_yaml(_one(question))
    assert fragment in str(info.value)


def test_duplicate_question_ids_refused():
    with pytest.raises(ValidationError, match="repeat"):
        quiz_from_yaml(_one("{id: a, type: code_output, prompt: p, snippet: 'print(1)', " + SOLUTION + "}")
                       + "  - {id: a, type: code_output, prompt: p, snippet: 'print(2)', " + SOLUTION + "}\n")


def test_param_kinds():
    quiz = quiz_from_yaml(_one("{id: a, type: numeric, prompt: p, answer: n + f, params: "
                               "{n: {default: 3, min: 1, max: 9}, f: {default: 0.5, min: 0.1, max: 0.9, step: 0.1}}, " + SOLUTION + "}"))
    params = quiz.questions[0].params
    assert params["n"].is_int and not params["f"].is_int


def test_json_schema_for_editors():
    schema = quiz_json_schema()
    assert schema["title"] == "LoRA Lab quiz"
    assert "questions" in schema["properties"]
    assert QuizFile.model_config["extra"] == "forbid"
