"""`python -m engine report [--csv FILE] [--database URL]`: the instructor dashboard in a terminal."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "Class report from the progress database: per-question results, named mistakes, lessons; --csv exports attempts."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--csv", type=Path, metavar="FILE",
                        help="also write every attempt to FILE as CSV ('-' = stdout)")
    parser.add_argument("--database", metavar="URL", help="database URL (default: DATABASE_URL, else data/progress.db)")


def run(args: argparse.Namespace) -> int:
    from engine.progress.report import class_report, write_attempts_csv
    from engine.progress.store import Store, StoreError

    try:
        store = Store(args.database)
        if args.csv is not None and str(args.csv) == "-":
            write_attempts_csv(store, sys.stdout)
            return 0
        report = class_report(store)
        if args.csv is not None:
            with args.csv.open("w", newline="", encoding="utf-8") as handle:
                rows = write_attempts_csv(store, handle)
    except (StoreError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _print(report, store.shown_url)
    if args.csv is not None:
        print(f"\nwrote {rows} attempts to {args.csv}")
    return 0


def _print(report, source: str) -> None:
    print(f"{report.learners} learners, {report.attempts} attempts ({source})")
    print("\nPer question: attempts, learners, correct at first try (solution unseen), correct overall, "
          "first try after opening the solution")
    for q in report.questions:
        print(f"  {q.quiz_id}/{q.question_id}: {q.attempts} attempts, {q.learners} learners, "
              f"{q.first_try_correct:.0%} first try, {q.correct:.0%} overall, {q.solution_first:.0%} saw the solution first")
        for wrong in report.wrong_answers.get((q.quiz_id, q.question_id), [])[:3]:
            print(f"      wrong x{wrong.count}: {wrong.example!r} -> {wrong.mistake_id or '(not a named mistake)'}")
    print("\nNamed mistakes across the class: times (learners)")
    for mistake_id, times, people in report.mistakes:
        print(f"  {mistake_id}: {times} ({people})")
    print("\nLessons completed: learners")
    for lesson_id, people in sorted(report.lessons.items()):
        print(f"  {lesson_id}: {people}")

