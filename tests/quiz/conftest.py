"""tests/quiz: the counts of the every-variant test (tests/quiz/test_every_variant.py), printed after the run."""

from __future__ import annotations

COUNTS: dict[str, tuple[int, int]] = {}  # "quiz/question" -> (variants, answers graded)


def pytest_terminal_summary(terminalreporter):
    if not COUNTS:
        return
    variants = sum(v for v, _ in COUNTS.values())
    forms = sum(f for _, f in COUNTS.values())
    terminalreporter.section("every variant of every shipped question (issue 17)")
    for name, (count, graded) in sorted(COUNTS.items()):
        terminalreporter.write_line(f"{name:50} {count:>7,} variants {graded:>8,} answers")
    terminalreporter.write_line(f"{len(COUNTS)} questions, {variants:,} variants, {forms:,} answers graded")
