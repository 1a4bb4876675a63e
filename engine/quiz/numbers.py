"""How one number is written: read (`read_number`), and written back for a learner (`number_text`, `shown`).

Part of the one answer reader (engine/quiz/reader.py, which reads a whole answer: a value, maths,
a unit). A number may group thousands in threes (`65,536`, `65 536`, `65'536`, `1_000`; points only
with two groups or more, `1.234.567`), use a decimal comma where it cannot group thousands (`1,86`),
e-notation or `m × 10^k`, and the Unicode minus. Past MAX_MAGNITUDE it is a format error.
"""

from __future__ import annotations

import re

from engine.quiz.units import AnswerFormatError, Unit, clip

MAX_MAGNITUDE = 1e300  # larger answers are refused: no quiz asks for one, and past 1.8e308 a float is inf
SPACES = " \u00a0\u2009\u202f"  # space, no-break space, thin space, narrow no-break space
NUMBER = re.compile(
    r"(?P<int>[1-9]\d{0,2}(?:(?P<sep>[,_'" + SPACES + r"])\d{3})(?:(?P=sep)\d{3})*(?!\d)|\d+)"
    r"(?P<frac>\.\d*)?(?P<exp>[eE][-+\u2212]?\d+)?|(?P<lead>\.\d+)(?P<exp2>[eE][-+\u2212]?\d+)?")
PLAIN_IN_CALL = re.compile(r"(?P<int>\d+)(?P<frac>\.\d*)?(?P<exp>[eE][-+\u2212]?\d+)?|(?P<lead>\.\d+)(?P<exp2>[eE][-+\u2212]?\d+)?")
_SCIENTIFIC = re.compile(r"^(?P<m>[-+]?[\d.]+)\s*(?:×|x|\*|·|⋅)\s*10\s*(?:\^|\*\*)\s*(?P<k>[-+]?\d+)$")
_DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d+$")  # when it is no thousands grouping: 1,86 and 0,375
_POINT_GROUPS = re.compile(r"^\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?$|^\d{1,3}(?:\.\d{3})+,\d+$")  # 1.234.567 and 1.234,5
NOT_FINITE = re.compile(r"^[-+]?(inf|infinity|nan)(?![\w.])", re.IGNORECASE)


def read_number(text: str, *, quiet: bool = False) -> tuple[int | float, int, int] | None:
    """(value, decimal places, significant digits) of one written number; None (quiet) or AnswerFormatError."""
    raw = text.strip().translate(str.maketrans({"−": "-"}))
    if NOT_FINITE.match(raw):
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
    if _POINT_GROUPS.match(body):  # points group thousands and a comma marks the decimals: 1.234.567, 1.234,5
        body = body.replace(".", "").replace(",", ".")
    elif _DECIMAL_COMMA.match(body) and not NUMBER.fullmatch(body):
        body = body.replace(",", ".")
    match = NUMBER.fullmatch(body)
    if match is None:
        if quiet:
            return None
        raise AnswerFormatError(f"'{clip(text)}' is not a number (thousands are grouped in threes: 65,536 or 65 536)")
    python = python_number(match)
    places = len((match["frac"] or match["lead"] or ".")[1:]) if not (match["exp"] or match["exp2"]) else 0
    digits = len(re.sub(r"\D", "", (match["int"] or "") + (match["frac"] or match["lead"] or "")).lstrip("0"))
    return finite(sign * _literal(python, raw), raw), places, digits


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


def python_number(match: re.Match) -> str:
    whole = match["int"] or ""
    for sep in ",_'" + SPACES:
        whole = whole.replace(sep, "")
    text = whole + (match["frac"] or match["lead"] or "") + (match["exp"] or match.groupdict().get("exp2") or "")
    return text.replace("\u2212", "-")


def _literal(python: str, raw: str) -> int | float:
    if re.fullmatch(r"\d+", python):
        if len(python.lstrip("0")) > 300:  # checked on the text: int() of 5,000 digits raises
            raise too_large(raw)
        return int(python)
    return float(python)
