"""The one answer reader: how a learner may write a number, a unit and maths (every type uses it).

docs/authoring.md, "How learners may write answers", is this grammar for authors. In short:

    answer   := lead? value unit? remark?     "≈ 1.86 GiB", "65,536 params", "0.39%", "7 billion", "10000x"
    lead     := ≈ | ~ | = | about | approx. | roughly      (changes nothing; nor does a final "(remark)")
    value    := number | maths                           maths: numeric and worked answers only
    number   := sign? digits ("." digits)? exponent?     engine/quiz/numbers.py: "65,536" "65 536" "1.4 × 10^10"
    unit     := scale? unit-name | times                 engine/quiz/units.py; times: x, ×, times, fold (no unit)
    scale    := thousand | million | billion | trillion | k | M | T      ("7 billion", "10k"; never B: bytes)

In maths `^` and superscripts (2³⁰) are powers, `×` `·` `⋅` and `x` between numbers multiply,
`÷` divides, `−` and `–` subtract, and `50%` directly after a number is 0.5 (`a % b` stays
Python's remainder). Inside a function's parentheses a comma separates arguments, so
`round(x, 2)` is Python's; there, write 65536 or 65 536. A decimal comma (`1,86`) is read as a
point when it cannot be a thousands separator (not followed by exactly three digits).
`fix_expression` answers are Python (the snippet's language); `code_output` answers are the
printed text, with a plain number where the program prints one.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from engine.quiz.numbers import NOT_FINITE, NUMBER, PLAIN_IN_CALL, SPACES, finite, python_number, read_number, too_large
from engine.quiz.units import AnswerFormatError, Unit, clip, find_unit, is_unit_word

SCALE_WORDS = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_LEAD = re.compile(r"^(?:≈|~|=|about\b|approx\.?|approximately\b|around\b|roughly\b)\s*", re.IGNORECASE)
_SUPER = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_OPS = {"^": "**", "×": "*", "·": "*", "⋅": "*", "∙": "*", "✕": "*", "÷": "/", "−": "-", "–": "-", "—": "-"}
_REMARK = re.compile(r"(?<=[\w)%])\s+\([^()]*\)\s*$")  # "14 GB (7 × 2)": after a whole value, a remark
_WORDY_REMARK = re.compile(r"(?<=[\d)%A-Za-z])\s+\((?=[^()]*[A-Za-z]{3})[^()]*\)\s*$")  # "= 14 GB (the weights)"
_SCALE_LETTERS = {"k": 10**3, "K": 10**3, "M": 10**6, "T": 10**12}  # "10k", "7M" (never B: that is bytes)
_TIMES = re.compile(r"(?<=[\d)])\s*(?:x|×|times|fold)$", re.IGNORECASE)
_SCALE_WORD = re.compile(r"[" + SPACES + r"]*(thousand|million|billion|trillion)\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_][A-Za-z_0-9]*)?")  # a name, or math.name
_SUPERSCRIPTS = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+")


@dataclass(frozen=True)
class Reading:
    """A value as the learner wrote it."""

    value: int | float  # in `unit` (a scale word applied: "7 billion" is 7e9)
    unit: Unit | None
    typed: str  # the answer as typed, trimmed
    places: int | None = None  # decimal places typed (117.35 -> 2); None when the value is computed
    digits: int | None = None  # significant digits typed (0.0390 -> 3); None when computed


def read_quantity(text: str, *, maths: bool = True) -> Reading:
    """A numeric answer: '≈ 1.86 GiB', '65,536', '7 × 10^9 B', '39%'. AnswerFormatError when it cannot be read."""
    typed = text.strip()
    if not typed:
        raise AnswerFormatError("the answer is empty; type a number")
    core = _REMARK.sub("", _LEAD.sub("", typed))  # "14 GB (2 bytes per param)": the remark changes nothing
    if NOT_FINITE.match(core):
        raise too_large(typed)
    if core.endswith(".") and not core[-2:-1].isdigit():
        core = core[:-1]  # the end of a sentence: "1.86 GiB."
    body, unit, scale = split_unit(core)
    if not body:
        raise AnswerFormatError(f"'{clip(typed)}' has no number; type digits, e.g. 252 or 252 MB")
    literal = read_number(body, quiet=True)
    if literal is not None:
        value, places, digits = literal
    elif maths:
        body, unit = units_in_maths(body, unit)
        value, places, digits = evaluate_maths(body), None, None
    else:
        raise AnswerFormatError(f"'{clip(typed)}' is not a number; type digits, e.g. 252")
    return Reading(finite(value * scale if scale != 1 else value, typed), unit, typed, places, digits)


def split_unit(text: str, names: set[str] = frozenset()) -> tuple[str, Unit | None, int]:
    """(the value's text, its unit or None, a scale word's factor): '7 billion params' -> ('7', params, 10**9).

    The unit is the longest run of trailing words that is one, after a number, `)` or a
    superscript: `n_params * bits` ends in a name, not in the unit bits. Words after a
    number that are neither a unit nor one of `names` are a format error naming them.
    """
    text = text.strip()
    if text.endswith("%"):
        return text[:-1].strip(), find_unit("%"), 1
    times = _TIMES.search(text)
    if times:  # "10000x", "10,000 times": a ratio, which has no unit
        return text[: times.start()].strip(), None, 1
    match = re.search(r"(?<=[\w)⁰¹²³⁴⁵⁶⁷⁸⁹\s])\s*(?P<words>(?<![A-Za-z_])[A-Za-z][A-Za-z ]*)$", text)
    if match is None:
        return text, None, 1
    words = match["words"].split()
    for start in range(len(words)):  # the longest run first
        tail = words[start:]
        before = (text[: match.start("words")] + " ".join(words[:start])).strip()
        if not re.search(r"[\d)⁰¹²³⁴⁵⁶⁷⁸⁹]$", before):
            continue
        scale = 1 if is_unit_word(" ".join(tail)) else SCALE_WORDS.get(tail[0].lower(), _SCALE_LETTERS.get(tail[0], 1))
        unit_words = " ".join(tail[1:] if scale != 1 else tail)
        if not unit_words:
            return before, None, scale
        if is_unit_word(unit_words):
            return before, find_unit(unit_words), scale
        if start == len(words) - 1 and tail[0] not in names:
            raise AnswerFormatError(f"'{clip(unit_words, 30)}' is not a unit this quiz knows "
                                    "(memory: B, KB, MB, GB, KiB, MiB, GiB, bits; counts: params; shares: %)")
    return text, None, 1


_VALUE_AND_UNIT = re.compile(r"(?P<number>(?<![\w.])\d[\d.,_'" + SPACES + r"]*(?:[eE][-+]?\d+)?)[" + SPACES
                             + r"]*(?P<unit>%|[A-Za-z][A-Za-z]*(?: params| parameters)?)(?![\w(])"
                             + r"(?:\s*(?:/|\bper\s)\s*(?:param|parameter|weight|value)s?\b)?")  # "2 bytes/param"


def units_in_maths(text: str, unit: Unit | None, names: set[str] = frozenset()) -> tuple[str, Unit | None]:
    """Values with units inside maths: '14 GB + 224 MB' -> ('14 + (224 * 0.001)', GB).

    The unit is `unit` (the one written at the end), else the first one inside. A value in another
    unit of the same kind is converted to it; one of another kind is a label and stays as written
    ('7e9 params * 2 bytes' is 14e9 bytes; '2 bytes/param' is 2 bytes).
    """
    found = [(m, find_unit(m["unit"])) for m in _VALUE_AND_UNIT.finditer(text)
             if m["unit"] not in names and is_unit_word(m["unit"])]
    if not found:
        return text, unit
    target = unit or found[-1][1]
    out, at = [], 0
    for match, inner in found:
        factor = inner.factor / target.factor if inner.dimension == target.dimension else 1
        number = match["number"].rstrip(SPACES)
        out += [text[at:match.start()], number if factor == 1 else f"({number} * {factor!r})"]
        at = match.end()
    return "".join(out) + text[at:], target


def evaluate_maths(text: str, names: dict | None = None):
    """The value of learner maths over `names` (none for a numeric answer); AnswerFormatError if unreadable."""
    from engine.sandbox import SnippetError, evaluate, names_used

    python = python_maths(text, set(names or ()))
    try:
        unknown = sorted(names_used(python) - set(names or ()))
    except SnippetError:
        raise AnswerFormatError(f"'{clip(text)}' is not a number or arithmetic on numbers") from None
    if unknown:
        raise AnswerFormatError(f"'{clip(text)}' is not a number ('{unknown[0]}' is a word)")
    try:
        value = evaluate(python, dict(names or {}))
    except SnippetError as exc:
        raise AnswerFormatError(f"'{clip(text)}' cannot be worked out ({str(exc).removeprefix('line 1: ')})") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AnswerFormatError(f"'{clip(text)}' is not a number")
    return value


@functools.lru_cache(maxsize=4096)
def read_part(text: str, names: frozenset[str] = frozenset()) -> tuple[str, Unit | None]:
    """One side of an `=` in a worked line, as Python, and the unit written after it (cached: pure in its text).

    '14 GB + 224 MB' -> ('14 + (224 * 0.001)', GB); '7 billion' -> '(7 * 1000000000)'.
    """
    body, unit, scale = split_unit(_WORDY_REMARK.sub("", text), names)
    body, unit = units_in_maths(body, unit, names)
    python = python_maths(body, names)
    return (python if scale == 1 else f"({python}) * {scale}"), unit


def python_maths(text: str, names: set[str] = frozenset()) -> str:
    """Learner maths as Python: '4096^2' -> '4096**2', '65,536 × 2' -> '65536*2', '2³⁰' -> '2**(30)'.

    AnswerFormatError names a character that has no meaning here.
    """
    out: list[str] = []
    calls: list[bool] = []  # for each open parenthesis: is it a call's (commas separate arguments)?
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in SPACES:
            i += 1
            continue
        pattern = PLAIN_IN_CALL if calls and calls[-1] else NUMBER
        match = pattern.match(text, i) if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()) else None
        if match:
            out.append(python_number(match))
            i = match.end()
            scale = _SCALE_WORD.match(text, i)
            if scale:  # "7 billion": a number too
                out[-1] = f"({out[-1]} * {SCALE_WORDS[scale[1].lower()]})"
                i = scale.end()
            if text.startswith("%", i) and not _operand_follows(text, i + 1):
                out[-1] = f"({out[-1]}/100)"  # 50% directly after a number: a percent
                i += 1
            continue
        word = _WORD.match(text, i)
        if word:
            if word[0] in ("x", "X") and _operand_ends(out) and _operand_follows(text, word.end()) and word[0] not in names:
                out.append("*")
            elif word[0][0] in "xX" and word[0][1:].isdigit() and _operand_ends(out) and word[0] not in names:
                out += ["*", word[0][1:]]  # 4096x4096
            else:
                out.append(word[0])
            i = word.end()
            continue
        if c in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺":
            run = _SUPERSCRIPTS.match(text, i)[0]
            out.append(f"**({run.translate(_SUPER)})")
            i += len(run)
            continue
        if text.startswith("**", i) or text.startswith("//", i):
            out.append(text[i:i + 2])
            i += 2
            continue
        if c == "(":
            calls.append(bool(out) and (out[-1][:1].isalpha() or out[-1][:1] == "_"))  # after a name: a call
            if _operand_ends(out) and i > 0 and text[i - 1] not in SPACES:
                out.append("*")  # 2(3 + 4) and (a)(b): multiplied, as written by hand (no space between)
        elif c == ")" and calls:
            calls.pop()
        if c in _OPS:
            out.append(_OPS[c])
        elif c in "+-*/%(),":
            out.append(c)
        else:
            raise AnswerFormatError(f"'{clip(text)}': '{c}' has no meaning in maths here "
                                    "(numbers, names, + - * / ^ and parentheses)")
        i += 1
    return " ".join(out)


def _operand_ends(out: list[str]) -> bool:
    return bool(out) and (out[-1][-1:].isdigit() or out[-1] == ")" or out[-1].endswith(")"))


def _operand_follows(text: str, i: int) -> bool:
    rest = text[i:].lstrip(SPACES)
    return bool(rest) and (rest[0].isdigit() or rest[0] in "(." or rest[0].isalpha() or rest[0] == "_")
