"""The protocol every question type implements: `QuestionType`, and `AnswerInput`, the input it asks for.

A type is one object with these methods (engine/quiz/types/__init__.py finds it by the
question's `type:`). The defaults here are those of an answer that is one number; each
type overrides what it does differently. Everything a method returns can be serialised
to JSON or is a plain dataclass.

    generate   order(question, seed)            choice: the option order of a variant
               expression(question)             the answer as one expression over the params, if any
               key(question, variant) -> Key    the right answer and each mistake's value
    parse      parse(question, raw, variant, key)      the answer read; AnswerFormatError costs no attempt
    grade      grade(question, variant, key, parsed)   -> GradeResult
    validate   names(question), mistake_names, target_names   the names each expression may use
               check_mistake / check_mistake_snippet / mistake_gives_key   each common mistake
               check_solution(question)         the solution's text (choice: no letters in a shuffle)
               check_variant / final_answer_problems(question, variant, key)   one variant
               giveaway(question, key)          the answer as typed, which the prompt must not show
    render     answer_input(question, variant)  the input the page draws, its hint and an example
               expected(question, variant)      the form an answer takes (format messages end with it)
               answer_value(question, variant, key)  `{answer}` in the solution (choice: the letters shown)
               chance(question), preview(question, variant)   practice's guess rate, the CLI's preview
    export     portable(question, variant, key)  the variant as a standard format can carry it
                                                 (engine/quiz/portable.py; engine/export/ writes QTI)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from engine.quiz.keys import Key
from engine.quiz.portable import Portable, number, solution_lines


@dataclass(frozen=True)
class AnswerInput:
    """The input a question asks for, as the page draws it."""

    kind: Literal["one", "several", "line", "lines"]  # a radio, checkboxes, a text field, a text area
    label: str
    help: str = ""  # the form expected, with an example for this question (never its key)
    options: tuple[str, ...] = ()  # choice: each option as shown, "A. text" (Markdown)


class QuestionType:
    """One question type. Subclasses set `name` and override what differs from a numeric answer."""

    name: str = ""
    field: str = ""  # the key path blamed when the key cannot be computed ("answer", "snippet", ...)
    mistake_recipes = True  # mistakes may have a formula or transform (choice: linked options instead)

    # ---- generate
    def order(self, question, seed: int) -> tuple[int, ...]:
        """The authored index shown at each position (choice options); () when nothing is ordered."""
        return ()

    def shuffled(self, question) -> bool:
        """True when another variant may show the same params in another order."""
        return False

    def expression(self, question) -> str | None:
        """The answer as one expression over the params, for the mistake transformations; None if none."""
        return None

    def key(self, question, variant) -> Key:
        raise NotImplementedError

    def env(self, question, key: Key) -> dict:
        """What a check may read: the params, the snippet's names, and `answer`."""
        env = dict(key.bindings)
        if key.value is not None:
            env["answer"] = key.value
        return env

    # ---- parse and grade
    def parse(self, question, raw: str, variant, key: Key):
        raise NotImplementedError

    def grade(self, question, variant, key: Key, parsed):
        raise NotImplementedError

    # ---- validate
    def names(self, question):
        """(key path, expression, the names it may use) for the type's own expressions; may yield
        (key path, message) problems instead, as 2-tuples, when the names cannot be known."""
        return ()

    def mistake_names(self, question) -> set[str]:
        """Names a mistake's formula may use."""
        return set(question.params)

    def target_names(self, question) -> set[str]:
        """Names a transform's `target` may be."""
        return self.mistake_names(question)

    def texts(self, question) -> list[tuple[str, str]]:
        """(key path, text) of the type's own texts with placeholders, besides prompt and solution."""
        return [("snippet", question.snippet)] if getattr(question, "snippet", None) else []

    def check_mistake(self, question, key: Key, path: str, mistake, wrong: str):
        """Problems of one mistake whose expression is `wrong` (validate); the default: it must compute."""
        from engine.sandbox import SnippetError, evaluate

        if mistake.id in key.mistakes:
            return
        try:
            evaluate(wrong, dict(key.bindings))
            yield path, f"the mistake `{wrong}` does not give a number"
        except SnippetError as exc:
            yield path, f"the mistake `{wrong}` cannot be computed: {exc}"

    def check_mistake_snippet(self, question, path: str, mistake):
        """Problems of a mistake given as a `snippet` (code_output checks it; others refuse it)."""
        yield f"{path}.snippet", "a mistake `snippet` is for code_output questions (it is what the slip prints)"

    def mistake_gives_key(self, question, key: Key, wrong) -> bool:
        """True when a mistake's value on this variant is the key itself (validate reports it)."""
        from engine.quiz.matching import isclose

        return isclose(wrong, key.value, rel_tol=1e-9)

    def check_solution(self, question):
        """(key path, message) problems of the solution's text, once per question."""
        return ()

    def check_variant(self, question, variant, key: Key):
        """(key path, message) problems of one variant's texts."""
        return ()

    def final_answer_problems(self, question, variant, key: Key):
        """Messages when the solution's own final answer (or the key written as the prompt asks) is
        not graded right on this variant (validate runs it on every variant); a final answer in
        prose, with no number where the answer is one, is not checked."""
        return ()

    def giveaway(self, question, key: Key) -> str | None:
        """The answer as a learner would type it, which the prompt must not show; None: nothing to look for."""
        from engine.quiz.numbers import number_text

        return None if key.value is None else number_text(key.value)

    # ---- render
    def answer_input(self, question, variant) -> AnswerInput:
        return AnswerInput("line", "Your answer", help=self.expected(question, variant))

    def expected(self, question, variant) -> str:
        """The form an answer takes, with an example for this question that is not its key."""
        return "Type your answer."

    def answer_value(self, question, variant, key: Key):
        """What `{answer}` is in the solution's text: the key's number, or its text (choice: the letters shown)."""
        return key.shown if key.value is None or isinstance(key.value, str) else key.value

    def chance(self, question) -> float | None:
        """The chance of a right answer by luck (practice's guess rate); None: a typed answer."""
        return None

    def preview(self, question, variant) -> list[str]:
        """Lines `python -m engine preview` prints after the prompt and snippet."""
        return []

    # ---- export
    def portable(self, question, variant, key: Key) -> Portable:
        """This variant in the neutral shapes of engine/quiz/portable.py; the default: a number."""
        return number(question, variant, key, solution=self.solution(question, variant, key))

    def solution(self, question, variant, key: Key) -> tuple[str, ...]:
        """The worked solution as the app shows it, `{answer}` filled in as the app fills it."""
        return solution_lines(question, {**variant.values, "answer": self.answer_value(question, variant, key)})
