"""The words of a pick's reason: how the app names a slip, and how often it was made."""

from __future__ import annotations

# How the app names a slip, by mistake id or built-in transform (ids with - or _ alike).
PHRASES = {
    "bits_for_bytes": "named bits as bytes", "bytes_for_bits": "named bytes as bits",
    "gb_for_gib": "gave GB where GiB was asked", "gib_for_gb": "gave GiB where GB was asked",
    "precedence": "lost the brackets (order of operations)", "wrong_operand": "applied a factor to one term only",
    "term_left_out": "left a term out", "int_forgotten": "forgot that int() truncates",
    "round_not_truncate": "rounded where int() truncates", "upside_down": "divided the wrong way round",
    "no_percent": "gave a fraction where a percent was asked",
}


def times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def phrase(mistake_id: str) -> str:
    key = mistake_id.replace("-", "_")
    return PHRASES.get(key, f"made the slip “{mistake_id.replace('-', ' ').replace('_', ' ')}”")


def known_now(p: float, answers: int) -> str:
    """"12% known now, after 3 answers": the figure and what it rests on."""
    return f"{p:.0%} known now, after {answers} answer{'s' if answers != 1 else ''}"
