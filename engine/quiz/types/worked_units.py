"""Units on a worked line: part of engine/quiz/types/worked_marking.py (read it first).

A unit written after a part of a line labels that value (`= 14224 MB`). Each reference step
has a unit when the author gives one (`unit:` on the step), and the last step's is the
question's. A labelled value is converted to its step's unit before it is compared; when
only the number as written matches, the unit is mislabelled (`11.714 GiB` for a step in GB),
and the line is wrong for that reason, named `unit_mislabelled`. A step without a known unit
takes the value as written, or converted to the question's unit.

In an `=` between a bare part and a labelled one, the bare part may be in any unit of the
label's kind: `7e9 * 2 = 14e9 B`, `14 + 0.224 = 14224 MB` (in GB), `14e6 * 16 = 224 MB` (in
bytes). The value the step is judged by is the labelled one.
"""

from __future__ import annotations

from engine.quiz.precision import unit_of
from engine.quiz.numbers import number_text
from engine.quiz.types.worked_numbers import approximately, same
from engine.quiz.units import UNITS, Unit, convert, find_unit

UNIT_MISLABELLED = "unit_mislabelled"
_WHOLE = Unit("", "ratio", 1, "a fraction")  # a bare share: 0.0039 = 0.39%


def step_unit(question, k: int) -> Unit | None:
    """The unit of reference step k: its own `unit`, the question's for the last step, else None."""
    step = question.steps[k]
    if getattr(step, "unit", None):
        return find_unit(step.unit)
    return unit_of(question) if k == len(question.steps) - 1 else None


def in_step(question, k: int, number, unit: Unit | None) -> list[tuple[float, str | None]]:
    """The readings of `number unit` as step k's value: (value, None) or (number, why it is mislabelled)."""
    if unit is None or number is None:
        return [(number, None)]
    asked = step_unit(question, k)
    if asked is not None:
        if unit.dimension != asked.dimension:
            return [(number, f"{unit.name} is not a unit of this step, which is in {asked.name}.")]
        readings = [(convert(number, unit, asked), None)]
        if unit != asked:
            readings.append((number, (f"{number_text(number)} is this step in {asked.name}, but you wrote {unit.name}: "
                                      f"{number_text(number)} {unit.name} is {convert(number, unit, asked):.4g} "
                                      f"{asked.name}. Write the unit that belongs to the number.")))
        return readings
    readings = [(number, None)]
    main = unit_of(question)
    if main is not None and main != unit and main.dimension == unit.dimension:
        readings.insert(0, (convert(number, unit, main), None))
    return readings


def equal(question, a, unit_a: Unit | None, b, unit_b: Unit | None, written: str, *, about: bool = False) -> bool:
    """Does `a unit_a = b unit_b` hold (`written`: b as typed, which may round a)? With `about` (≈, →)
    b may also be a rounded or truncated to the places written, whole numbers included (252.5 → 252)."""
    if about and unit_a == unit_b and approximately(a, b, written):
        return True
    if unit_a == unit_b:
        return same(a, b, written)
    if unit_a is not None and unit_b is not None:
        return unit_a.dimension == unit_b.dimension and same(convert(a, unit_a, unit_b), b, written)
    label = unit_a or unit_b  # the bare side is in some unit of the label's kind: 14e6 * 16 = 224 MB (bytes)
    kinds = [u for u in dict.fromkeys(UNITS.values()) if u.dimension == label.dimension]
    for bare in kinds + ([_WHOLE] if label.dimension == _WHOLE.dimension else []):
        if unit_a is None and same(convert(a, bare, unit_b), b, written):
            return True
        if unit_b is None and same(convert(a, unit_a, bare), b, written):
            return True
    return False


def as_main_unit(question, names: dict, units: dict) -> dict:
    """The learner's names, each written in another unit of the question's kind read in the question's unit."""
    main = unit_of(question)
    if main is None:
        return names
    return {name: convert(value, units[name], main) if units.get(name) not in (None, main)
            and units[name].dimension == main.dimension else value for name, value in names.items()}


def chain_unit(units: tuple, got: list, written: tuple) -> Unit | None:
    """The unit of the line's first part: its own, or the label of the part it equals as written."""
    if not units or units[0] is not None:
        return units[0] if units else None
    return next((u for u, value, text in zip(units, got, written) if u is not None and same(got[0], value, text)), None)
