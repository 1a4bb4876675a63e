"""What a numeric answer is asked in: its unit, and its precision, as the question states them.

Precision is one of: decimal places (`decimals: 2`), significant figures (`sig_figs: 3`), or
a tolerance (`abs_tol`, `rel_tol`). A question that declares none states it elsewhere, and
is read in this order:

1. its prompt: "two decimals", "to 1 decimal place", "3 significant figures", "3 s.f.",
   "to the nearest whole number" (or GB), "to the nearest tenth";
2. its final answer's format: `{x:.2f}` is 2 decimals, `{x:.3g}` 3 significant figures,
   `{round(x, 2)}` 2 decimals (a bare `{x:g}` only drops a trailing ".0": no precision);
3. else exact, up to float noise (1e-9 relative), which is right for whole numbers.

An answer is right when it is within the precision's margin of the key: half a unit of the
last decimal asked (1.86 for 1.8626 at 2 decimals, not 1.87 and not 1.9), half a unit of the
last significant figure, or the tolerance. `validate` checks that the question's own final
answer, and the key written as its prompt asks, pass on every variant.

The unit is the question's `unit`; a question without one whose prompt says "percent" or
whose final answer ends in `%` is asked in `%`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from engine.quiz.numbers import number_text
from engine.quiz.units import Unit, find_unit

FLOAT_NOISE = 1e-9  # relative: what float arithmetic may add to a key, never a precision
_COUNT = r"(?P<n>\d+|one|two|three|four|five|six|seven|eight)"
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_DECIMALS = re.compile(r"\b" + _COUNT + r"[\s-]*(?:decimal(?:\s+places?|\s+digits?|s)?|d\.\s?p\.|dp)(?!\w)", re.IGNORECASE)
_SIG_FIGS = re.compile(r"\b" + _COUNT + r"[\s-]*(?:significant\s+(?:figures?|digits?)|sig\.?\s?figs?|s\.\s?f\.|sf)(?!\w)",
                       re.IGNORECASE)
_WHOLE = re.compile(r"nearest\s+(?:whole\s+\w+|integer|[KMGT]i?B\b|byte|parameter)|(?:as\s+)?a\s+whole\s+number|"
                    r"round(?:ed)?\s+to\s+an?\s+(?:whole|integer)|no\s+decimals", re.IGNORECASE)
_NEAREST = re.compile(r"(?:nearest|to)\s+(tenth|hundredth|thousandth|0\.0*1)\b", re.IGNORECASE)
_PLACES = {"tenth": 1, "hundredth": 2, "thousandth": 3}
_SPEC = re.compile(r":[<>^]?[+-]?[,_]?(?:\.(?P<n>\d+))?(?P<type>[fegd%]?)\s*$")
_ROUND = re.compile(r"^round\(.*,\s*(?P<n>\d+)\s*\)$")
_PERCENT = re.compile(r"\bper\s?cent\b", re.IGNORECASE)


@dataclass(frozen=True)
class Precision:
    """How close an answer must be to the key; `source` says where the question stated it."""

    decimals: int | None = None
    sig_figs: int | None = None
    abs_tol: float = 0.0
    rel_tol: float = 0.0
    source: str = "exact"  # "declared", "prompt", "final answer" or "exact"

    def margin(self, key: float) -> float:
        """The largest distance from `key` that is still right (float noise included)."""
        size = abs(key)
        if self.decimals is not None:
            margin = 0.5 * 10.0 ** -self.decimals
        elif self.sig_figs is not None and size:
            margin = 0.5 * 10.0 ** (math.floor(math.log10(size)) - self.sig_figs + 1)
        else:
            margin = max(self.abs_tol, self.rel_tol * size)
        return margin * (1 + FLOAT_NOISE) + FLOAT_NOISE * size

    def allows(self, value, key) -> bool:
        """True when `value` is right for `key` at this precision (never raises: huge ints compare exactly)."""
        try:
            return abs(value - key) <= self.margin(key)
        except OverflowError:
            return value == key
        except TypeError:
            return False

    @property
    def exact(self) -> bool:
        return self.source == "exact"

    def describe(self) -> str:
        """'to 2 decimals', 'to 3 significant figures', 'within 0.1%', 'exactly'."""
        if self.decimals is not None:
            return "to the nearest whole number" if self.decimals == 0 else f"to {self.decimals} decimal{'s' * (self.decimals > 1)}"
        if self.sig_figs is not None:
            return f"to {self.sig_figs} significant figure{'s' * (self.sig_figs > 1)}"
        if self.exact:
            return "exactly"
        parts = [f"±{self.abs_tol:g}"] * bool(self.abs_tol) + [f"{self.rel_tol * 100:g}%"] * bool(self.rel_tol)
        return "within " + " or ".join(parts)

    def written(self, key: float) -> str:
        """The key written to this precision: 1.8626 at 2 decimals -> '1.86'; exact -> as Python writes it."""
        if self.decimals is not None:
            return f"{key:.{self.decimals}f}"
        if self.sig_figs is not None:
            return number_text(float(f"{key:.{self.sig_figs}g}"))
        return number_text(key)


def rounded_further(precision: Precision, number, places: int | None, key: float) -> bool:
    """True when `number`, typed with `places` decimals, is `key` rounded more coarsely than `precision`
    asks: 1.9 for 1.8626 at 2 decimals (or 3 significant figures). `key` is in the unit typed. Never
    for a tolerance (it asks for no rounding) or a number worked out from an expression (no places)."""
    if places is None or (precision.decimals is None and precision.sig_figs is None):  # exact, or a tolerance
        return False
    try:
        if precision.decimals is not None and places >= precision.decimals:
            return False
        size = abs(number)  # significant figures typed: 0.039 -> 2, 1.9 -> 2, 120 -> 3
        if precision.sig_figs is not None and (not size or math.floor(math.log10(size)) + 1 + places >= precision.sig_figs):
            return False
        return Precision(decimals=places).allows(number, key)
    except (OverflowError, ValueError, TypeError):
        return False


def example_number(precision: Precision, avoid=None) -> str:
    """A number written to `precision` for a format example, never the key `avoid` (12.34 at 2 decimals)."""
    for base in (12.345678, 56.789123):
        if precision.decimals is not None:
            text = f"{base:.{precision.decimals}f}"
        elif precision.sig_figs is not None:
            text = number_text(float(f"{base:.{precision.sig_figs}g}"))
        else:
            text = "12.5" if precision.abs_tol or precision.rel_tol else "4096"
        if avoid is None or not precision.allows(float(text.replace(",", "")), avoid):
            return text
    return "1234"


def precision_of(question) -> Precision:
    """The question's precision (cached): declared, else its prompt's, else its final answer's, else exact."""
    cache = question._cache
    if "precision" not in cache:
        cache["precision"] = _declared(question) or stated_in_prompt(question.prompt) or _final_answer(question) or Precision()
    return cache["precision"]


def unit_of(question) -> Unit | None:
    """The unit the answer is asked in: the question's `unit`, else `%` when it speaks of percent."""
    cache = question._cache
    if "unit" not in cache:
        unit = getattr(question, "unit", None)
        if unit:
            cache["unit"] = find_unit(unit)
        elif _PERCENT.search(question.prompt) or question.solution.final_answer.rstrip().endswith("%"):
            cache["unit"] = find_unit("%")
        else:
            cache["unit"] = None
    return cache["unit"]


def _declared(question) -> Precision | None:
    decimals, sig_figs = getattr(question, "decimals", None), getattr(question, "sig_figs", None)
    abs_tol, rel_tol = getattr(question, "abs_tol", None), getattr(question, "rel_tol", None)
    if decimals is None and sig_figs is None and not abs_tol and not rel_tol:
        return None
    return Precision(decimals=decimals, sig_figs=sig_figs, abs_tol=abs_tol or 0.0, rel_tol=rel_tol or 0.0,
                     source="declared")


def stated_in_prompt(text: str) -> Precision | None:
    """The precision a prompt asks for in words, or None."""
    for pattern, field in ((_DECIMALS, "decimals"), (_SIG_FIGS, "sig_figs")):
        match = pattern.search(text)
        if match:
            count = match["n"].lower()
            return Precision(**{field: int(_WORDS.get(count, count))}, source="prompt")
    nearest = _NEAREST.search(text)
    if nearest:
        places = _PLACES.get(nearest[1].lower())
        return Precision(decimals=places if places is not None else len(nearest[1]) - 2, source="prompt")
    if _WHOLE.search(text):
        return Precision(decimals=0, source="prompt")
    return None


def _final_answer(question) -> Precision | None:
    """The precision of the first placeholder of the final answer that rounds: `{x:.2f}`, `{round(x, 2)}`."""
    from engine.quiz.variants import placeholders

    for inner in placeholders(question.solution.final_answer):
        spec = _SPEC.search(inner)
        expression = inner[: spec.start()].strip() if spec else inner.strip()
        if spec and spec["type"] in ("f", "") and spec["n"] is not None:
            return Precision(decimals=int(spec["n"]), source="final answer")
        if spec and spec["type"] in ("e", "g") and spec["n"] is not None:  # a bare {x:g} only drops a ".0"
            return Precision(sig_figs=max(1, int(spec["n"]) + (spec["type"] == "e")), source="final answer")
        rounded = _ROUND.match(expression)
        if rounded:
            return Precision(decimals=int(rounded["n"]), source="final answer")
    return None
