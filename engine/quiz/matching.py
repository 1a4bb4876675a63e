"""How a typed number is compared with the key, with a mistake's value, and with the unit slips.

The rules (docs/authoring.md, "Numbers and units", says the same to authors):

1. Right: the answer, converted to the question's unit, is within the question's
   tolerance (`abs_tol`, `rel_tol`; exact by default, up to 1e-9 relative float noise).
2. Right in another unit: a value typed in another unit of the same kind rarely
   converts to a whole number, so it is compared within the key's own precision:
   half a unit of the key's last digit as shown, at most 0.5% of the key. For a key
   of 126 GB, `117.35 GiB` (126.003 GB) and `117.3 GiB` (125.95 GB) are right,
   `118 GiB` (126.7 GB) is not.
3. Diagnosis (naming a mistake or a slip, never a score): the number typed matches a
   target when it is within the tolerance, or when it is the target, in the unit
   typed, rounded to the decimal places typed (at least 2 significant digits): 117.35
   is 117.3466 to two places.
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

from engine.quiz.units import (
    AnswerFormatError,
    Unit,
    convert,
    parse_quantity,
    unit_named,
)

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
    places: int = 0  # decimal places typed: 117.35 -> 2


def read_number(raw: str, question_unit: str | None) -> Number:
    """'117.35 GiB' for a GB question -> value 126.003..., number 117.35, unit GiB, places 2."""
    number, unit = parse_quantity(raw)
    typed = raw.strip()
    if unit is None:
        return Number(number, typed, number, None, _places(typed))
    if question_unit is None:
        raise AnswerFormatError(f"this answer is a plain number; leave out the unit '{unit.name}'")
    target = unit_named(question_unit)
    return Number(convert(number, unit, target), typed, number, unit, _places(typed))


def _places(typed: str) -> int:
    match = re.match(r"\s*[-+]?[\d_,]*\.(\d+)", typed)
    return len(match.group(1)) if match and "e" not in typed.lower().split()[0] else 0


def _sig_digits(typed: str) -> int:
    digits = re.sub(r"[^\d]", "", re.split(r"[eE]", typed.strip().split()[0])[0]) if typed.strip() else ""
    return len(digits.lstrip("0"))


def within_tolerance(a, b, question) -> bool:
    rel = getattr(question, "rel_tol", None) or 0.0
    absolute = getattr(question, "abs_tol", None) or 0.0
    return isclose(a, b, rel_tol=max(rel, 1e-9), abs_tol=absolute)


def accepted_range(key: float, question) -> tuple[float, float]:
    """(low, high): the numbers `within_tolerance` accepts as `key`, for formats that compare with bounds.

    isclose accepts |a - k| <= max(r * max(|a|, |k|), t): for k >= 0 that is
    k * (1 - r) <= a <= k / (1 - r), widened to k - t <= a <= k + t. A negative key mirrors it.
    """
    rel = max(getattr(question, "rel_tol", None) or 0.0, 1e-9)
    absolute = getattr(question, "abs_tol", None) or 0.0
    size = abs(key)
    low, high = min(size - absolute, size * (1 - rel)), max(size + absolute, size / (1 - rel))
    return (low, high) if key >= 0 else (-high, -low)


def number_text(value) -> str:
    """10000.0 -> '10000'; 13.038516044616699 -> '13.0385' (the key as a learner would type it)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)



def key_precision(key: float) -> float:
    """Half a unit of the key's last shown digit (126 -> 0.5; 13.0385 -> 0.00005), at most 0.5% of the key."""
    text = number_text(key).replace(",", "")
    places = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    return min(0.5 * 10 ** -places, abs(key) * KEY_PRECISION_CAP)


def is_right(answer: Number, key: float, question) -> bool:
    """Rules 1 and 2."""
    if within_tolerance(answer.value, key, question):
        return True
    if answer.unit is None or question.unit is None or answer.unit == unit_named(question.unit):
        return False
    return _finite(answer.value, key) and abs(answer.value - key) <= key_precision(key)


def agrees(answer: Number, target, question) -> bool:
    """Rule 3: does the number typed reproduce `target` (in the question's unit)?"""
    if not isinstance(target, (int, float)) or isinstance(target, bool):
        return False
    if within_tolerance(answer.value, target, question):
        return True
    shown = target
    if answer.unit is not None and question.unit is not None:
        shown = convert(target, unit_named(question.unit), answer.unit)
    return _rounds_to(shown, answer)


def _rounds_to(target: float, answer: Number) -> bool:
    if answer.number is None or not _finite(target, answer.number) or _sig_digits(answer.typed) < 2:
        return False
    return isclose(round(target, answer.places), answer.number, rel_tol=1e-12)


def _finite(*values) -> bool:
    try:
        return all(math.isfinite(v) for v in values)
    except OverflowError:
        return False


# ---------------------------------------------------------------- unit slips (rule 4)

def unit_slip(answer: Number, key: float, question) -> tuple[str, str] | None:
    """(slip id, feedback) when a unit slip explains the answer, else None."""
    if not question.unit or unit_named(question.unit).dimension != "bytes":
        return None
    asked = unit_named(question.unit)
    if answer.unit is not None and answer.unit != asked and answer.unit.dimension == asked.dimension:
        as_asked = Number(answer.number, answer.typed, answer.number, None, answer.places)
        if within_tolerance(answer.number, key, question) or _rounds_to(key, as_asked):
            return "unit_mislabelled", (
                f"{answer.number} is the answer in {asked.name}, but you wrote {answer.unit.name}: "
                f"{answer.number} {answer.unit.name} is {answer.value:.4g} {asked.name}. "
                f"Write the unit that belongs to the number.")
    for slip, factor, text in slips_for(asked):
        if agrees(answer, key * factor, question):
            return slip, f"{answer.typed}: {text}"
    return None


def slips_for(asked: Unit) -> list[tuple[str, float, str]]:
    """The number slips possible for an answer asked in `asked`: (id, factor on the key, what went wrong)."""
    if asked.name == "bits":
        return [("bytes_for_bits", 1 / 8, "You gave the size in bytes where bits were asked: multiply by 8 bits per byte.")]
    slips = [("bits_for_bytes", 8.0, "You gave the size in bits where bytes were asked: a byte is 8 bits, so divide by 8.")]
    match = re.fullmatch(r"([KMGT])(i?)B", asked.name)
    if match:
        prefix, binary = match.group(1), bool(match.group(2))
        power = "KMGT".index(prefix) + 1
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
