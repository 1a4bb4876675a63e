"""choice: one or several right options, shuffled per learner, feedback per option, partial credit.

The key is the letters of the right options *as this variant shows them*; an answer is
option letters ("B", "A, C"). Several right options give partial credit as PrairieLearn's
pl-checkbox "PC": (right picks - wrong picks) / right options, never below 0. A wrong
option linked to a common mistake (`mistake: id`) names it: the result's mistake_id is the
first such option's, and `mistakes` lists every one picked, so the class report counts them all.
"""

from __future__ import annotations

import re

from engine.quiz.keys import Key
from engine.quiz.portable import Choices, Option, solution_lines
from engine.quiz.result import GradeResult
from engine.quiz.types.base import AnswerInput, QuestionType
from engine.quiz.units import AnswerFormatError
from engine.quiz.variants import option_order, render

_LETTER_THEN_TEXT = re.compile(r"^\(?([A-Ha-h])[).:]\s+(?=.*[A-Za-z]{3}).*$", re.DOTALL)  # "B) To add ..."
_FILLER = {"option", "options", "and", "answer", "answers", "is", "are", "the", "both", "of"}  # "Options A and C", "the answer is B"
# "Option B", "options A and C", "(A)", "the first three options", "the last option": letters or places
_BY_POSITION = re.compile(r"\b[Oo]ptions?\s+[A-H]\b(?:\s*(?:,|and)\s*[A-H]\b)*|\([A-H]\)|"
                          r"(?i:\b(?:first|second|third|fourth|last|top|bottom)\b(?:\s+\w+)?\s+options?\b)")


class Choice(QuestionType):
    name = "choice"
    mistake_recipes = False  # a mistake is named by linking an option to it

    def order(self, question, seed: int) -> tuple[int, ...]:
        return option_order(len(question.options), [o.pinned for o in question.options], seed, question.shuffle)

    def shuffled(self, question) -> bool:
        return question.shuffle and sum(not o.pinned for o in question.options) > 1

    def key(self, question, variant) -> Key:
        letters = [chr(65 + i) for i, authored in enumerate(variant.order or range(len(question.options)))
                   if question.options[authored].correct]
        return Key(value=None, shown=", ".join(letters))

    def parse(self, question, raw: str, variant, key: Key) -> tuple[str, ...]:
        raw = _LETTER_THEN_TEXT.sub(r"\1", raw.strip())  # "B) To add small parts": the letter
        texts = {render(question.options[j].text, variant.values).strip().lower().rstrip("."): chr(65 + i)
                 for i, j in enumerate(variant.order or range(len(question.options)))}
        if raw.lower().rstrip(".") in texts:  # the option's own text, typed or pasted
            return (texts[raw.lower().rstrip(".")],)
        words = [w.strip("()[]{}.:*") for w in re.split(r"[\s,;/&+]+", raw)]
        words = [c for w in words for c in (w if re.fullmatch(r"[A-H]{2,8}", w) else [w])]  # "BD": B and D
        letters = [w.upper() for w in words if w and w.lower() not in _FILLER]
        valid = [chr(65 + i) for i in range(len(question.options))]
        bad = [c for c in letters if c not in valid]
        if bad or not letters:
            raise AnswerFormatError(f"answer with option letters ({', '.join(valid)}); '{raw.strip()[:40]}' is not one")
        if not question.multiple and len(set(letters)) > 1:
            raise AnswerFormatError("pick exactly one option")
        return tuple(sorted(set(letters)))

    def grade(self, question, variant, key: Key, picked: tuple[str, ...]) -> GradeResult:
        order = variant.order or tuple(range(len(question.options)))
        chosen = [question.options[order[ord(letter) - 65]] for letter in picked]
        n_correct = sum(o.correct for o in question.options)
        right = sum(o.correct for o in chosen)
        score = max(0.0, (right - (len(chosen) - right)) / n_correct)
        correct = right == n_correct and right == len(chosen)
        mistakes = {m.id: m for m in question.solution.common_mistakes}
        lines = []
        for letter, option in zip(picked, chosen):
            line = f"**{letter}**: {'✓' if option.correct else '✗'} {option.feedback}"
            if option.mistake and not option.correct:
                line += f" (Common mistake: {render(mistakes[option.mistake].text, variant.values)})"
            lines.append(line)
        if not correct and question.multiple and right < n_correct:
            lines.append(f"{n_correct - right} correct option(s) not ticked.")
        named = list(dict.fromkeys(o.mistake for o in chosen if o.mistake and not o.correct))  # each, once
        return GradeResult(score=round(score, 4), correct=correct, feedback="\n\n".join(lines), mistakes=named,
                           answer_key=key.shown)

    def texts(self, question) -> list[tuple[str, str]]:
        return [(f"options[{j}].text", option.text) for j, option in enumerate(question.options)]

    def check_variant(self, question, variant, key: Key):
        texts = [render(o.text, variant.values).strip() for o in question.options]
        for j, text in enumerate(texts):
            if text in texts[:j]:
                yield f"options[{j}].text", f"option '{text}' is the same as option {chr(65 + texts.index(text))}"

    def mistake_gives_key(self, question, key: Key, wrong) -> bool:
        return False

    def giveaway(self, question, key: Key) -> str | None:
        return None

    def answer_input(self, question, variant) -> AnswerInput:
        labels = tuple(f"{chr(65 + i)}. {render(question.options[j].text, variant.values)}"
                       for i, j in enumerate(variant.order))
        if question.multiple:
            return AnswerInput("several", "Tick every correct option", self.expected(question, variant), labels)
        return AnswerInput("one", "Your answer", self.expected(question, variant), labels)

    def expected(self, question, variant) -> str:
        letters = [chr(65 + i) for i in range(len(question.options))]
        if question.multiple:
            return f"Expected: the letters of every right option as shown ({', '.join(letters)}), e.g. A, C."
        return f"Expected: the letter of one option as shown ({', '.join(letters)}), e.g. B."

    def answer_value(self, question, variant, key: Key) -> str:
        letters = key.shown.split(", ")
        return letters[0] if len(letters) == 1 else f"{', '.join(letters[:-1])} and {letters[-1]}"

    def check_solution(self, question):
        """A shuffled question's solution may not name options by letter or place: write {answer}."""
        if not self.shuffled(question):
            return
        texts = [("solution.final_answer", question.solution.final_answer)]
        texts += [(f"solution.steps[{j}]", step) for j, step in enumerate(question.solution.steps)]
        for path, text in texts:
            found = _BY_POSITION.search(text)
            if found:
                yield path, (f"'{found[0]}': the options are shuffled, so a learner may see them in another order; "
                             "write {answer} (the right options' letters as shown) or name the options by their text")

    def chance(self, question) -> float:
        n = len(question.options)
        return 1 / (2**n - 1) if question.multiple else 1 / n  # any non-empty subset of the ticks, or one option

    def preview(self, question, variant) -> list[str]:
        lines = []
        for position, authored in enumerate(variant.order):
            option = question.options[authored]
            mark = "*" if option.correct else " "
            lines.append(f" {mark} {chr(65 + position)}. {render(option.text, variant.values)}")
        return lines

    # ---- export
    def portable(self, question, variant, key: Key):
        """Options in authored order (a format shuffles them itself), each with its feedback and linked mistake."""
        values = variant.values
        mistakes = {m.id: render(m.text, values) for m in question.solution.common_mistakes}
        options = tuple(Option(text=render(o.text, values), correct=o.correct, feedback=render(o.feedback, values),
                               pinned=o.pinned, mistake=mistakes.get(o.mistake) if o.mistake else None)
                        for o in question.options)
        # `{answer}` names the right options by their text: the LMS shuffles them, so a letter would not hold.
        right = " and ".join(f"\u201c{option.text}\u201d" for option in options if option.correct)
        return Choices(prompt=render(question.prompt, values), solution=solution_lines(question, {**values, "answer": right}),
                       options=options, multiple=question.multiple, shuffle=question.shuffle)


TYPE = Choice()
