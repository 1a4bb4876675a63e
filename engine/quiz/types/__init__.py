"""Question types as modules: everything one `type:` does, behind one small protocol.

As Moodle's `question/type/<name>/` plugins and PrairieLearn's elements: the rest of the
engine and the UI never ask "which type is this?", they ask the type (`type_of(question)`).
Each module holds one type whole: its key, its reading and grading of an answer, its
validation and the input it asks for (the protocol: engine/quiz/types/base.py).

    choice.py          options, shuffled per learner; letters as shown; partial credit
    numeric.py         a number computed from the params, with an optional unit
    code_output.py     what a snippet prints (Python's own text)
    fix_expression.py  a corrected expression, equivalent to the reference over every variant
                       (fix_space.py: the variant space, and the SymPy proof)
    worked.py          the working, one step per line (worked_marking.py marks it;
                       worked_mistakes.py, worked_numbers.py and worked_units.py are its parts)

A new type is one module here, with `TYPE = YourType()`, its line in TYPES, and its
pydantic model in engine/quiz/schema.py.
"""

from __future__ import annotations

from engine.quiz.types import choice, code_output, fix_expression, numeric, worked
from engine.quiz.types.base import AnswerInput, QuestionType

TYPES: dict[str, QuestionType] = {module.TYPE.name: module.TYPE
                                  for module in (choice, numeric, code_output, fix_expression, worked)}

__all__ = ["TYPES", "AnswerInput", "QuestionType", "type_of"]


def type_of(question) -> QuestionType:
    """The type object that handles `question` (its `type:` key)."""
    return TYPES[question.type]
