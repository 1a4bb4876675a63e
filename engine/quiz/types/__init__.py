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
                       worked_steps.py, worked_mistakes.py, worked_numbers.py and
                       worked_units.py are its parts)

A new type is one module here, `<type>.py` with `TYPE = YourType()`, and its pydantic model
in the `Question` union of engine/quiz/schema.py: the registry finds the module by the name.
"""

from __future__ import annotations

import importlib

from engine.quiz.schema import QUESTION_TYPES
from engine.quiz.types.base import AnswerInput, QuestionType

TYPES: dict[str, QuestionType] = {name: importlib.import_module(f"{__name__}.{name}").TYPE for name in QUESTION_TYPES}

__all__ = ["TYPES", "AnswerInput", "QuestionType", "type_of"]


def type_of(question) -> QuestionType:
    """The type object that handles `question` (its `type:` key)."""
    return TYPES[question.type]
