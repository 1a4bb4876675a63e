"""`python -m engine next --learner CODE [--json]`: the question practice would choose next, and why."""

from __future__ import annotations

import argparse
import json

HELP = "Print the next practice question for a learner and why it was chosen (text or --json)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--learner", required=True, help="the learner's code, e.g. ABCD-2345")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def run(args: argparse.Namespace) -> int:
    from engine.content.loader import load_course
    from engine.practice.next_question import next_for
    from engine.progress.store import Store, StoreError

    try:
        store = Store()
        learner = store.learner_by_code(args.learner)
        if learner is None:
            print(f"no learner has the code {args.learner!r}")
            return 1
        pick, _ = next_for(store, learner.id, load_course())  # with the parameters fitted from the class
    except StoreError as exc:
        print(exc)
        return 1
    if args.json:
        print(json.dumps({"learner": learner.name, **pick.as_dict()}, ensure_ascii=False))
    elif pick.item is None:
        print(f"Nothing to practise: {pick.reason}")
    else:
        print(f"Next: {pick.item.quiz_id} / {pick.item.question_id} (variant seed {pick.seed})")
        print(f"Trains: {', '.join(pick.item.skills)}")
        print(f"Why: {pick.reason}")
    return 0
