"""Units a learner or an author may write: memory (bytes and bits), parameter counts, and percent.

Our own table rather than a unit library such as Pint (which PrairieLearn uses): the set is
small and closed, it needs a *parameter count* dimension Pint does not have, and it needs a
policy Pint does not take: an abbreviation that could mean two things is asked about, never
guessed. The rules (IEC 80000-13 and IEEE 1541):

- decimal prefixes are powers of 10 (1 KB = 1000 B), binary ones powers of 2 (1 KiB = 1024 B);
  a bit is 1/8 of a byte;
- a capital `B` is a byte and `bit` a bit; a lower-case `b` after a prefix (`Gb`, `gb`, `Mib`)
  is read as a bit by some and as a byte by others, so `Gb` is a format error that asks which
  was meant (`GB` or `Gbit`), and so is a bare `b`;
- the prefix letter's case does not matter (`kB`, `KB`, `gB`), nor does a spelled-out word's
  (`Gigabytes`, `gibibytes`, `megabits`);
- parameter counts: `params` (`param`, `parameters`), with `K`, `M`, `B` (billion), `T`
  before them: `7B params`, `7 B parameters`;
- `%` (`percent`) is a hundredth: 39% is 0.39, and 0.39% is 0.39 of a percent question.

Answers that cannot be read raise `AnswerFormatError` (it costs no attempt).
"""

from __future__ import annotations

import math
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
    dimension: str  # "bytes", "params" or "ratio"
    factor: int | float  # size of one unit in the dimension's base (bytes, params, or a whole)
    words: str = ""  # spelled out, for messages: "gibibytes"


_PREFIXES = [("K", "kilo", "kibi"), ("M", "mega", "mebi"), ("G", "giga", "gibi"), ("T", "tera", "tebi"), ("P", "peta", "pebi")]
_SCALES = [("K", "thousand"), ("M", "million"), ("B", "billion"), ("T", "trillion")]


def _tables() -> tuple[dict[str, Unit], dict[str, Unit], dict[str, str]]:
    """(exact spellings, lower-cased words, ambiguous spellings -> the question to ask)."""
    exact: dict[str, Unit] = {}
    words: dict[str, Unit] = {}
    ambiguous: dict[str, str] = {"b": "'b' could be bits or bytes: write B (or bytes) for bytes, bit for bits"}

    def add(unit: Unit, spellings=(), spelled=()) -> None:
        for spelling in (unit.name, *spellings):
            exact[spelling] = unit
        for word in spelled:
            words[word] = unit

    add(Unit("B", "bytes", 1, "bytes"), ["Byte", "Bytes"], ["byte", "bytes"])
    add(Unit("bits", "bytes", 1 / 8, "bits"), ["bit", "Bit", "Bits"], ["bit", "bits"])
    for power, (letter, dec, binary) in enumerate(_PREFIXES, start=1):
        cases = (letter, letter.lower())
        byte_d, byte_b = Unit(f"{letter}B", "bytes", 1000**power, f"{dec}bytes"), Unit(f"{letter}iB", "bytes", 1024**power, f"{binary}bytes")
        bit_d, bit_b = (Unit(f"{letter}bit", "bytes", 1000**power / 8, f"{dec}bits"),
                        Unit(f"{letter}ibit", "bytes", 1024**power / 8, f"{binary}bits"))
        add(byte_d, [f"{p}B{s}" for p in cases for s in ("", "s")] + [f"{p}{b}yte{s}" for p in cases for b in "bB"
                                                                       for s in ("", "s")], [f"{dec}byte", f"{dec}bytes"])
        add(byte_b, [f"{p}{i}B{s}" for p in cases for i in "iI" for s in ("", "s")], [f"{binary}byte", f"{binary}bytes"])
        add(bit_d, [f"{p}bit{s}" for p in cases for s in ("", "s")], [f"{dec}bit", f"{dec}bits"])
        add(bit_b, [f"{p}ibit{s}" for p in cases for s in ("", "s")], [f"{binary}bit", f"{binary}bits"])
        for p in cases:
            ambiguous[f"{p}b"] = f"'{p}b' could be {dec}bytes or {dec}bits: write {letter}B for bytes or {letter}bit for bits"
            for i in "iI":
                ambiguous[f"{p}{i}b"] = (f"'{p}{i}b' could be {binary}bytes or {binary}bits: "
                                         f"write {letter}iB for bytes or {letter}ibit for bits")
    count = ["params", "param", "parameters", "parameter"]
    add(Unit("params", "params", 1, "parameters"), [], count)
    for power, (letter, word) in enumerate(_SCALES, start=1):
        unit = Unit(f"{letter} params", "params", 1000**power, f"{word} parameters")
        add(unit, [], [f"{p}{space}{c}" for p in (letter.lower(), word) for space in ("", " ") for c in count])
    add(Unit("%", "ratio", 1 / 100, "percent"), [], ["percent", "per cent", "pct"])
    return exact, words, ambiguous


_EXACT, _WORDS, _AMBIGUOUS = _tables()
UNITS: dict[str, Unit] = {**{k.lower(): v for k, v in _WORDS.items()}, **{k: v for k, v in _EXACT.items()}}  # every spelling


def find_unit(text: str) -> Unit | None:
    """The unit spelled `text`, None if it is no unit; AnswerFormatError asks which one an ambiguous one is."""
    spelled = " ".join(text.split())
    unit = _EXACT.get(spelled) or _WORDS.get(spelled.lower())
    if unit is None and spelled in _AMBIGUOUS:
        raise AnswerFormatError(_AMBIGUOUS[spelled])
    return unit


def is_unit_word(text: str) -> bool:
    """True when `text` is a unit or an ambiguous spelling of one (the reader then asks which)."""
    spelled = " ".join(text.split())
    return spelled in _EXACT or spelled.lower() in _WORDS or spelled in _AMBIGUOUS


def unit_named(name: str) -> Unit:
    """The unit spelled `name`; ValueError naming the known units if none (an ambiguous one asks)."""
    unit = find_unit(name)
    if unit is None:
        raise ValueError(f"unknown unit '{name}' (known: {', '.join(known_units())})")
    return unit


def known_units() -> list[str]:
    """The canonical names, memory first (by size), then parameter counts, then percent."""
    order = {"bytes": 0, "params": 1, "ratio": 2}
    units = {unit.name: unit for unit in _EXACT.values()} | {unit.name: unit for unit in _WORDS.values()}
    return [u.name for u in sorted(units.values(), key=lambda u: (order[u.dimension], u.factor, u.name))]


def convert(value: float, source: Unit, target: Unit) -> float:
    """`value` in `source` units, expressed in `target` units (same dimension)."""
    if source.dimension != target.dimension:
        raise AnswerFormatError(f"{source.name} measures {_MEASURES[source.dimension]} but the answer is in "
                                f"{target.name} ({_MEASURES[target.dimension]})")
    if source == target:
        return value
    try:
        return value * source.factor / target.factor
    except OverflowError:  # an int too large for a float (9**4700): no answer is near it
        return math.inf if value > 0 else -math.inf


_MEASURES = {"bytes": "memory", "params": "a count of parameters", "ratio": "a share"}
