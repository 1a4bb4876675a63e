"""The one answer reader: how a learner may write a number, a unit and maths (every type uses it).

docs/authoring.md, "How learners may write answers", is this grammar for authors. In short:

    answer   := lead? value unit?          "≈ 1.86 GiB", "65,536 params", "0.39%", "7 billion"
    lead     := ≈ | ~ | = | about | approx. | roughly      (changes nothing)
    value    := number | maths                           maths: numeric and worked answers only
    number   := sign? digits ("." digits)? exponent?     "65,536" "65 536" "1_000" "−4" "3e9" "1.4 × 10^10"
    digits   := \\d+ | \\d{1,3} (sep \\d{3})+               sep: one of , _ ' and (thin) spaces, one kind per number
    unit     := scale? unit-name                         engine/quiz/units.py; scale: thousand, million, billion, trillion

In maths `^` and superscripts (2³⁰) are powers, `×` `·` `⋅` and `x` between numbers multiply,
`÷` divides, `−` and `–` subtract, and `50%` directly after a number is 0.5 (`a % b` stays
Python's remainder). Inside a function's parentheses a comma separates arguments, so
`round(x, 2)` is Python's; there, write 65536 or 65 536. A decimal comma (`1,86`) is read as a
point when it cannot be a thousands separator (not followed by exactly three digits).
`fix_expression` answers are Python (the snippet's language); `code_output` answers are the
printed text, with a plain number where the program prints one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.quiz.units import AnswerFormatError, Unit, clip, find_unit, is_unit_word

MAX_MAGNITUDE = 1e300  # larger answers are refused: no quiz asks for one, and past 1.8e308 a float is inf
SCALE_WORDS = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_LEAD = re.compile(r"^(?:≈|~|=|about\b|approx\.?|approximately\b|around\b|roughly\b)\s*", re.IGNORECASE)
_SPACES = " \u00a0\u2009\u202f"  # space, no-break space, thin space, narrow no-break space
_NUMBER = re.compile(
    r"(?P<int>[1-9]\d{0,2}(?:(?P<sep>[,_'" + _SPACES + r"])\d{3})(?:(?P=sep)\d{3})*(?!\d)|\d+)"
    r"(?P<frac>\.\d*)?(?P<exp>[eE][-+\u2212]?\d+)?|(?P<lead>\.\d+)(?P<exp2>[eE][-+\u2212]?\d+)?")
_PLAIN_IN_CALL = re.compile(r"(?P<int>\d+)(?P<frac>\.\d*)?(?P<exp>[eE][-+\u2212]?\d+)?|(?P<lead>\.\d+)(?P<exp2>[eE][-+\u2212]?\d+)?")
_SCIENTIFIC = re.compile(r"^(?P<m>[-+]?[\d.]+)\s*(?:×|x|\*|·|⋅)\s*10\s*(?:\^|\*\*)\s*(?P<k>[-+]?\d+)$")
_DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d+$")  # when it is no thousands grouping: 1,86 and 0,375
_SUPER = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_OPS = {"^": "**", "×": "*", "·": "*", "⋅": "*", "∙": "*", "✕": "*", "÷": "/", "−": "-", "–": "-", "—": "-"}
_NOT_FINITE = re.compile(r"^[-+]?(inf|infinity|nan)(?![\w.])", re.IGNORECASE)


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
    core = _LEAD.sub("", typed)
    if _NOT_FINITE.match(core):
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
        value, places, digits = evaluate_maths(body), None, None
    else:
        raise AnswerFormatError(f"'{clip(typed)}' is not a number; type digits, e.g. 252")
    return Reading(finite(value * scale if scale != 1 else value, typed), unit, typed, places, digits)


def read_number(text: str, *, quiet: bool = False) -> tuple[int | float, int, int] | None:
    """(value, decimal places, significant digits) of one written number; None (quiet) or AnswerFormatError."""
    raw = text.strip().translate(str.maketrans({"−": "-"}))
    if _NOT_FINITE.match(raw):
        raise too_large(raw)
    science = _SCIENTIFIC.match(raw)
    if science:
        mantissa = read_number(science["m"], quiet=quiet)
        if mantissa is None:
            return None
        value = mantissa[0] * 10 ** int(science["k"])
        return finite(value, raw), max(0, mantissa[1] - int(science["k"])), mantissa[2]
    sign = -1 if raw.startswith("-") else 1
    body = raw[1:] if raw[:1] in "+-" else raw
    if _DECIMAL_COMMA.match(body) and not _NUMBER.fullmatch(body):
        body = body.replace(",", ".")
    match = _NUMBER.fullmatch(body)
    if match is None:
        if quiet:
            return None
        raise AnswerFormatError(f"'{clip(text)}' is not a number (thousands are grouped in threes: 65,536 or 65 536)")
    python = _python_number(match)
    places = len((match["frac"] or match["lead"] or ".")[1:]) if not (match["exp"] or match["exp2"]) else 0
    digits = len(re.sub(r"\D", "", (match["int"] or "") + (match["frac"] or match["lead"] or "")).lstrip("0"))
    return finite(sign * _literal(python, raw), raw), places, digits


def split_unit(text: str, names: set[str] = frozenset()) -> tuple[str, Unit | None, int]:
    """(the value's text, its unit or None, a scale word's factor): '7 billion params' -> ('7', params, 10**9).

    The unit is the longest run of trailing words that is one, after a number, `)` or a
    superscript: `n_params * bits` ends in a name, not in the unit bits. Words after a
    number that are neither a unit nor one of `names` are a format error naming them.
    """
    text = text.strip()
    if text.endswith("%"):
        return text[:-1].strip(), find_unit("%"), 1
    match = re.search(r"(?<=[\w)⁰¹²³⁴⁵⁶⁷⁸⁹\s])\s*(?P<words>(?<![A-Za-z_])[A-Za-z][A-Za-z ]*)$", text)
    if match is None:
        return text, None, 1
    words = match["words"].split()
    for start in range(len(words)):  # the longest run first
        tail = words[start:]
        before = (text[: match.start("words")] + " ".join(words[:start])).strip()
        if not re.search(r"[\d)⁰¹²³⁴⁵⁶⁷⁸⁹]$", before):
            continue
        scale = SCALE_WORDS.get(tail[0].lower(), 1)
        unit_words = " ".join(tail[1:] if scale != 1 else tail)
        if not unit_words:
            return before, None, scale
        if is_unit_word(unit_words):
            return before, find_unit(unit_words), scale
        if start == len(words) - 1 and tail[0] not in names:
            raise AnswerFormatError(f"'{clip(unit_words, 30)}' is not a unit this quiz knows "
                                    "(memory: B, KB, MB, GB, KiB, MiB, GiB, bits; counts: params; shares: %)")
    return text, None, 1


def evaluate_maths(text: str, names: dict | None = None):
    """The value of learner maths over `names` (none for a numeric answer); AnswerFormatError if unreadable."""
    from engine.sandbox import SnippetError, evaluate, names_used

    python = python_maths(text, set(names or ()))
    try:
        unknown = sorted(names_used(python) - set(names or ()))
    except SnippetError:
        raise AnswerFormatError(f"'{clip(text)}' is not a number or arithmetic on numbers") from None
    if unknown:
        raise AnswerFormatError(f"'{clip(text)}' is not a number: '{unknown[0]}' is a word; type digits, "
                                "e.g. 252, or arithmetic on numbers, e.g. 7 * 2^30")
    try:
        value = evaluate(python, dict(names or {}))
    except SnippetError as exc:
        raise AnswerFormatError(f"'{clip(text)}' cannot be worked out ({str(exc).removeprefix('line 1: ')})") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AnswerFormatError(f"'{clip(text)}' is not a number")
    return value


def python_maths(text: str, names: set[str] = frozenset()) -> str:
    """Learner maths as Python: '4096^2' -> '4096**2', '65,536 × 2' -> '65536*2', '2³⁰' -> '2**(30)'.

    AnswerFormatError names a character that has no meaning here.
    """
    out: list[str] = []
    calls: list[bool] = []  # for each open parenthesis: is it a call's (commas separate arguments)?
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _SPACES:
            i += 1
            continue
        pattern = _PLAIN_IN_CALL if calls and calls[-1] else _NUMBER
        match = pattern.match(text, i) if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()) else None
        if match:
            out.append(_python_number(match))
            i = match.end()
            if text.startswith("%", i) and not _operand_follows(text, i + 1):
                out[-1] = f"({out[-1]}/100)"  # 50% directly after a number: a percent
                i += 1
            continue
        word = re.compile(r"[A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_][A-Za-z_0-9]*)?").match(text, i)
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
            run = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+").match(text, i)[0]
            out.append(f"**({run.translate(_SUPER)})")
            i += len(run)
            continue
        if text.startswith("**", i) or text.startswith("//", i):
            out.append(text[i:i + 2])
            i += 2
            continue
        if c == "(":
            calls.append(bool(out) and (out[-1][:1].isalpha() or out[-1][:1] == "_"))  # after a name: a call
            if _operand_ends(out):
                out.append("*")  # 2(3 + 4) and (a)(b): multiplied, as written by hand
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


def number_text(value) -> str:
    """10000.0 -> '10000'; 13.038516044616699 -> '13.0385' (a number as a learner would type it)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


MAX_SHOWN_DIGITS = 30  # a number longer than this is described, not printed (str() of a 4,400-digit int raises)


def shown(value) -> str:
    """A number in feedback: an int as it is ('a number of about 401 digits' when huge), a float to
    10 significant digits, so float noise never shows (6.7063749999999995 -> 6.706375)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        if value.bit_length() > MAX_SHOWN_DIGITS * 3.33:
            return f"a number of about {int(value.bit_length() * 0.30103) + 1:,} digits"
        return str(value)
    return f"{value:.10g}"


def with_unit(text: str, unit: Unit | None) -> str:
    """'1.86' and GiB -> '1.86 GiB'; '0.39' and % -> '0.39%'."""
    return text if unit is None else f"{text}{unit.name}" if unit.name == "%" else f"{text} {unit.name}"


def parse_number(text: str) -> int | float:
    """'1,010' -> 1010, '252.5' -> 252.5, '3e9' -> 3000000000.0; AnswerFormatError otherwise."""
    return read_number(text)[0]


def finite(value, typed: str):
    """`value`, unless it is past MAX_MAGNITUDE (or inf or nan): then the format error says so."""
    try:
        ok = abs(value) <= MAX_MAGNITUDE
    except OverflowError:
        ok = False
    if not ok:
        raise too_large(typed)
    return value


def too_large(text: str) -> AnswerFormatError:
    return AnswerFormatError(f"'{clip(text, 40)}' is not a finite "
                             f"number this quiz can use (the limit is 1e300); type the number, e.g. 252")


def _python_number(match: re.Match) -> str:
    whole = match["int"] or ""
    for sep in ",_'" + _SPACES:
        whole = whole.replace(sep, "")
    text = whole + (match["frac"] or match["lead"] or "") + (match["exp"] or match.groupdict().get("exp2") or "")
    return text.replace("\u2212", "-")


def _literal(python: str, raw: str) -> int | float:
    if re.fullmatch(r"\d+", python):
        if len(python.lstrip("0")) > 300:  # checked on the text: int() of 5,000 digits raises
            raise too_large(raw)
        return int(python)
    return float(python)


def _operand_ends(out: list[str]) -> bool:
    return bool(out) and (out[-1][-1:].isdigit() or out[-1] == ")" or out[-1].endswith(")"))


def _operand_follows(text: str, i: int) -> bool:
    rest = text[i:].lstrip(_SPACES)
    return bool(rest) and (rest[0].isdigit() or rest[0] in "(." or rest[0].isalpha() or rest[0] == "_")
