"""How a typed number meets the key, a mistake's value, and the unit slips (numeric and worked answers).

The rules (docs/authoring.md, "How learners may write answers", says the same to authors):

1. Right: the answer, converted to the question's unit, is within the question's precision
   of the key (engine/quiz/precision.py: decimals, significant figures or a tolerance, as the
   question states it; exact, up to float noise, when it states none).
2. Right in another unit, for an exact question: a value typed in another unit rarely
   converts to a whole number, so it is compared within the key's own precision: half a unit
   of the key's last digit as shown, at most 0.5% of the key. For a key of 126 GB,
   `117.35 GiB` (126.003 GB) and `117.3 GiB` (125.95 GB) are right, `118 GiB` (126.7 GB) is not.
3. Diagnosis (naming a mistake or a slip, never a score): the number typed matches a
   target when it is within the precision, or when it is the target, in the unit typed,
   rounded to the decimal places typed (at least 2 significant digits): 117.35 is 117.3466
   to two places.
4. Unit slips, for answers measured in bytes: the typed *number* is the key in the
   question's unit but the *unit* written is another (`unit_mislabelled`: "13.04 GB"
   where 13.04 GiB is meant); or the value is the key times a slip's factor: bits for
   bytes, and a decimal prefix for a binary one or the reverse (`gib_for_gb`: the GiB
   number typed where GB were asked). IEC 80000-13: KiB = 2^10 B, KB = 10^3 B.

Comparisons never raise: an int too large for a float is compared exactly (`isclose`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from engine.quiz.precision import precision_of, unit_of
from engine.quiz.numbers import number_text
from engine.quiz.reader import read_quantity
from engine.quiz.units import AnswerFormatError, Unit, convert

KEY_PRECISION_CAP = 0.005  # rule 2: never coarser than 0.5% of the key (3 significant digits)


def isclose(a, b, *, rel_tol: float = 1e-9, abs_tol: float = 0.0) -> bool:
    """math.isclose that never raises: ints too large for a float compare exactly, non-numbers are unequal."""
    try:
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol)
    except OverflowError:
        return a == b
    except TypeError:
        return False


@dataclass(frozen=True)
class Number:
    """A parsed numeric answer."""

    value: int | float  # in the question's unit
    typed: str  # the answer as typed
    number: int | float | None = None  # the number as typed, in `unit`
    unit: Unit | None = None  # the unit typed, if any
    places: int | None = 0  # decimal places typed: 117.35 -> 2; None when computed (7 * 2^30)


def read_number(raw: str, asked: Unit | None, *, maths: bool = True) -> Number:
    """'117.35 GiB' for a GB question -> value 126.003..., number 117.35, unit GiB, places 2."""
    reading = read_quantity(raw, maths=maths)
    if reading.unit is None or reading.unit == asked:
        return Number(reading.value, reading.typed, reading.value, reading.unit, reading.places)
    if asked is None:
        raise AnswerFormatError(f"this answer is a plain number; leave out the unit '{reading.unit.name}'")
    if asked.dimension == "params" and reading.unit.name == "B":
        raise AnswerFormatError(f"'{reading.typed}': B is bytes; for billions of parameters write "
                                f"{reading.value}B params or {reading.value} billion")
    return Number(convert(reading.value, reading.unit, asked), reading.typed, reading.value, reading.unit,
                  reading.places)


def key_precision(key: float) -> float:
    """Half a unit of the key's last shown digit (126 -> 0.5; 13.0385 -> 0.00005), at most 0.5% of the key."""
    text = number_text(key).replace(",", "")
    places = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    return min(0.5 * 10 ** -places, abs(key) * KEY_PRECISION_CAP)


def is_right(answer: Number, key: float, question) -> bool:
    """Rules 1 and 2."""
    precision = precision_of(question)
    if precision.allows(answer.value, key):
        return True
    asked = unit_of(question)
    if answer.unit is None or asked is None or answer.unit == asked or not precision.exact:
        return False
    return _finite(answer.value, key) and abs(answer.value - key) <= key_precision(key)


def accepted_range(key: float, question) -> tuple[float, float]:
    """(low, high): the numbers rule 1 accepts as `key`, for formats that compare with bounds (engine/export/)."""
    margin = precision_of(question).margin(key)
    return key - margin, key + margin


def agrees(answer: Number, target, question) -> bool:
    """Rule 3: does the number typed reproduce `target` (in the question's unit)?"""
    if not isinstance(target, (int, float)) or isinstance(target, bool):
        return False
    if precision_of(question).allows(answer.value, target):
        return True
    shown = target
    asked = unit_of(question)
    if answer.unit is not None and asked is not None:
        shown = convert(target, asked, answer.unit)
    return rounds_to(shown, answer.number, answer.typed, answer.places)


def rounds_to(target: float, number, typed: str, places: int | None) -> bool:
    """`number`, typed with `places` decimals (at least 2 significant digits), is `target` rounded."""
    if number is None or places is None or not _finite(target, number) or _sig_digits(typed) < 2:
        return False
    return isclose(round(target, places), number, rel_tol=1e-12)


def _sig_digits(typed: str) -> int:
    first = typed.strip().split()[0] if typed.strip() else ""
    digits = re.sub(r"[^\d]", "", re.split(r"[eE]", first)[0])
    return len(digits.lstrip("0"))


def _finite(*values) -> bool:
    try:
        return all(math.isfinite(v) for v in values)
    except OverflowError:
        return False


# ---------------------------------------------------------------- unit slips (rule 4)

def unit_slip(answer: Number, key: float, question) -> tuple[str, str] | None:
    """(slip id, feedback) when a unit slip explains the answer, else None."""
    asked = unit_of(question)
    if asked is None or asked.dimension != "bytes":
        return None
    mislabelled = mislabelled_unit(answer.number, answer.unit, answer.typed, answer.places, key, question)
    if mislabelled:
        return "unit_mislabelled", mislabelled
    for slip, factor, text in slips_for(asked):
        if agrees(answer, key * factor, question):
            return slip, f"{answer.typed}: {text}"
    return None


def mislabelled_unit(number, unit: Unit | None, typed: str, places: int | None, key: float, question,
                     asked: Unit | None = None) -> str | None:
    """Feedback when the number typed is the key in the asked unit, but another unit is written after it."""
    asked = asked or unit_of(question)
    if number is None or unit is None or asked is None or unit == asked or unit.dimension != asked.dimension:
        return None
    if precision_of(question).allows(number, key) or rounds_to(key, number, typed, places):
        converted = convert(number, unit, asked)
        return (f"{number_text(number)} is the answer in {asked.name}, but you wrote {unit.name}: "
                f"{number_text(number)} {unit.name} is {converted:.4g} {asked.name}. Write the unit that belongs to the number.")
    return None


def slips_for(asked: Unit) -> list[tuple[str, float, str]]:
    """The number slips possible for an answer asked in `asked`: (id, factor on the key, what went wrong)."""
    if asked.name == "bits":
        return [("bytes_for_bits", 1 / 8, "You gave the size in bytes where bits were asked: multiply by 8 bits per byte.")]
    slips = [("bits_for_bytes", 8.0, "You gave the size in bits where bytes were asked: a byte is 8 bits, so divide by 8.")]
    match = re.fullmatch(r"([KMGTP])(i?)B", asked.name)
    if match:
        prefix, binary = match.group(1), bool(match.group(2))
        power = "KMGTP".index(prefix) + 1
        dec, bin_ = 10 ** (3 * power), 2 ** (10 * power)
        low = prefix.lower()
        if binary:
            slips.append((f"{low}b_for_{low}ib", bin_ / dec,
                          (f"You divided by 10^{3 * power} ({prefix}B) where {prefix}iB were asked: "
                           f"1 {prefix}iB = 2^{10 * power} bytes = {bin_ / dec:.3f} {prefix}B.")))
        else:
            slips.append((f"{low}ib_for_{low}b", dec / bin_,
                          (f"You divided by 2^{10 * power} ({prefix}iB) where {prefix}B were asked: "
                           f"1 {prefix}B = 10^{3 * power} bytes.")))
    return slips


