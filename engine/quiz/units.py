"""Units in numeric answers: parse "252 MB", "13.04 GiB", "7B params", convert, compare.

Three dimensions: memory in bytes (B, KB/KiB, MB/MiB, GB/GiB, TB/TiB and bits),
and counts of parameters (params, with K/M/B/T multipliers, e.g. "7B params").
Decimal prefixes are powers of 10 and binary prefixes powers of 2, following
IEC 80000-13 (KiB = 1024 B, KB = 1000 B); a bit is 1/8 of a byte.

A unit is written after the number, with or without a space; the number may use
`_` or `,` thousands separators and exponents (`3e9`). Anything else (words,
two numbers, an unknown unit) is an `AnswerFormatError`, which costs no attempt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class AnswerFormatError(ValueError):
    """The answer cannot be read (it is not graded and costs no attempt).

    Messages quote the learner's text through `clip`, and are capped at MAX_MESSAGE characters in all.
    """

    MAX_MESSAGE = 600

    def __init__(self, message: str):
        text = str(message)
        super().__init__(text if len(text) <= self.MAX_MESSAGE else text[: self.MAX_MESSAGE - 3] + "...")


def clip(text: str, limit: int = 60) -> str:
    """The learner's text as quoted in a message: at most `limit` characters, '...' marking a cut."""
    text = str(text).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Unit:
    name: str  # canonical spelling, e.g. "MiB"
    dimension: str  # "bytes" or "params"
    factor: float  # size of one unit in the dimension's base (bytes or params)


def _units() -> dict[str, Unit]:
    table: dict[str, Unit] = {}

    def add(unit: Unit, *spellings: str) -> None:
        for spelling in (unit.name, *spellings):
            table[spelling.lower()] = unit

    add(Unit("B", "bytes", 1), "byte", "bytes")
    add(Unit("bits", "bytes", 1 / 8), "bit")
    for power, prefix in enumerate("KMGT", start=1):
        add(Unit(f"{prefix}B", "bytes", 1000**power))
        add(Unit(f"{prefix}iB", "bytes", 1024**power))
    add(Unit("params", "params", 1), "param", "parameters", "parameter")
    for power, prefix in enumerate("KMBT", start=1):  # B = billion for parameter counts
        unit = Unit(f"{prefix} params", "params", 1000**power)
        add(unit, f"{prefix}params", f"{prefix}param", f"{prefix} param", f"{prefix} parameters")
    return table


UNITS: dict[str, Unit] = _units()  # lower-cased spelling -> unit
# KB and kB are the same unit; "KB" (capital) is kept as the canonical name.
_NUMBER = r"[-+]?(?:\d[\d_,]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_ANSWER = re.compile(rf"^\s*(?P<number>{_NUMBER})\s*(?P<unit>[A-Za-z][A-Za-z ]*?)?\s*$")
_GROUPED = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?([eE][-+]?\d+)?$")


def unit_named(name: str) -> Unit:
    """The unit spelled `name` (case-insensitive); ValueError naming the known units if none."""
    unit = UNITS.get(name.strip().lower())
    if unit is None:
        raise ValueError(f"unknown unit '{name}' (known: {', '.join(known_units())})")
    return unit


def known_units() -> list[str]:
    return sorted({unit.name for unit in UNITS.values()}, key=lambda n: (UNITS[n.lower()].dimension, UNITS[n.lower()].factor))


MAX_MAGNITUDE = 1e300  # larger answers are refused: no quiz asks for one, and past 1.8e308 a float is inf
_NOT_FINITE = re.compile(r"^\s*[-+]?(inf|infinity|nan)\s*([A-Za-z ]*)$", re.IGNORECASE)


def _too_large(text: str) -> AnswerFormatError:
    return AnswerFormatError(f"'{clip(text, 40)}' is not a finite "
                             f"number this quiz can use (the limit is 1e300); type the number, e.g. 252")


def parse_number(text: str) -> int | float:
    """'1,010' -> 1010, '252.5' -> 252.5, '3e9' -> 3000000000.0; AnswerFormatError otherwise.

    `1e400` (inf as a float), `inf`, `nan` and integers past 1e300 are the same format error.
    """
    raw = text.strip()
    if _NOT_FINITE.match(raw):
        raise _too_large(raw)
    if "," in raw and not _GROUPED.match(raw):
        raise AnswerFormatError(f"'{clip(text)}' is not a number (commas may only group thousands, e.g. 1,010)")
    cleaned = raw.replace(",", "").replace("_", "")
    try:
        if re.fullmatch(r"[-+]?\d+", cleaned):
            if len(cleaned.lstrip("+-").lstrip("0")) <= 300:  # checked on the text: int() of 5,000 digits raises
                return int(cleaned)
            number = float("inf")
        else:
            number = float(cleaned)
    except ValueError:
        raise AnswerFormatError(f"'{clip(text)}' is not a number") from None
    if not abs(number) <= MAX_MAGNITUDE:  # inf and nan too
        raise _too_large(raw)
    return number


def parse_quantity(text: str) -> tuple[int | float, Unit | None]:
    """'252 MB' -> (252, MB); '252' -> (252, None). AnswerFormatError names what is wrong."""
    if not text or not text.strip():
        raise AnswerFormatError("the answer is empty; type a number")
    if _NOT_FINITE.match(text):
        raise _too_large(text)
    match = _ANSWER.match(text)
    if match is None:
        raise AnswerFormatError(f"'{clip(text)}' is not a number; type digits, e.g. 252 or 252 MB")
    number = parse_number(match["number"])
    if not match["unit"]:
        return number, None
    spelled = " ".join(match["unit"].split())
    unit = UNITS.get(spelled.lower())
    if unit is None:
        raise AnswerFormatError(f"'{clip(spelled, 30)}' is not a unit this quiz knows (use one of: {', '.join(known_units())})")
    return number, unit


def convert(value: float, source: Unit, target: Unit) -> float:
    """`value` in `source` units, expressed in `target` units (same dimension)."""
    if source.dimension != target.dimension:
        raise AnswerFormatError(f"{source.name} measures {source.dimension} but the answer is in {target.name} ({target.dimension})")
    if source == target:
        return value
    return value * source.factor / target.factor
