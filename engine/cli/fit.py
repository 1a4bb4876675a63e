"""`python -m engine fit [--database URL] [--json]`: fit knowledge tracing to the class's attempts.

Fits P(L0), T, S, G and F per skill and G per choice question by EM (engine/practice/fit.py),
stores them in the progress database, where practice reads them from the next pick, and
prints them with the evidence behind each.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

HELP = "Fit the knowledge-tracing parameters to every attempt in the progress database and store them."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", metavar="URL", help="database URL (default: DATABASE_URL, else data/progress.db)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    from engine.content.loader import load_course
    from engine.practice.catalogue import build
    from engine.practice.parameters import refit
    from engine.progress.store import Store, StoreError

    catalogue = build(load_course())
    try:
        store = Store(args.database)
        result = refit(store, catalogue)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        when = result.fitted_at.isoformat() if result.fitted_at else None
        print(json.dumps({"fitted_at": when, "learners": result.learners, "answers": result.answers,
                          "iterations": result.iterations, "rows": [asdict(row) for row in result.rows()]},
                         ensure_ascii=False))
        return 0
    print(f"Fitted {store.shown_url}: {result.learners} learners, {result.answers} answers as evidence, "
          f"{result.iterations} EM iterations; practice uses these from its next pick.")
    if not result.skills:
        print("No answer names a skill yet: practice keeps the default parameters.")
        return 0
    print(f"\n{'skill':<22} {'P(L0)':>6} {'T':>6} {'S':>6} {'G':>6} {'F':>6} {'T slip':>6} {'answers':>8} "
          f"{'learners':>8} {'data':>5} {'mastered':>8}")
    for skill, f in sorted(result.skills.items(), key=lambda kv: kv[1].params.p_learn):
        p = f.params
        forget = "FSRS" if p.p_forget is None else f"{p.p_forget:.2f}"
        slip = "T" if p.p_learn_slip is None else f"{p.p_learn_slip:.2f}"
        print(f"{skill:<22} {p.p_init:6.2f} {p.p_learn:6.2f} {p.p_slip:6.2f} {p.p_guess:6.2f} {forget:>6} {slip:>6} "
              f"{f.answers:8d} {f.learners:8d} {f.data_weight:5.0%} {f.mastered:8.0%}")
    print("\nG of each choice question (chance alone, then fitted):")
    for key, f in sorted(result.questions.items()):
        print(f"  {key}: {catalogue.items[key].guess:.2f} -> {f.guess:.2f} ({f.answers} answers)")
    print("\nT: chance to learn at one practice; S: slip; G: guess (typed answers); F: share of a known skill "
          "forgotten per day (FSRS: the class has not shown enough days to tell, so FSRS's curve applies); "
          "T slip: chance to learn at the practice right after a named slip (T: not enough such practices to tell); "
          "data: how much of each value comes from the class rather than the defaults.")
    return 0
