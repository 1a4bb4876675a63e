"""Time to choose a learner's next practice question with 100,000 attempts in the store.
Goal (issues 13 and 19): ≤ 50 ms at the 95th percentile for a 5,000-attempt learner's first
pick, beside a busy process.

How it measures, on a fresh SQLite file in a temporary folder (and on PostgreSQL too when
--database or TEST_POSTGRES_URL gives one; its attempts and learners are deleted first):
1. fills the attempts table to `--attempts` rows with multi-row INSERTs: 500 learners, each
   answering the shipped practice questions (their real quiz and question ids and mistake
   ids, so every attempt counts towards mastery), 55% right, over the last 60 days, and one
   "heavy" learner holding `--heavy` of those attempts (a learner who practised a lot);
   then fits the knowledge-tracing parameters to them (engine/practice/parameters.py refit,
   what `python -m engine fit` runs; its time is printed), so picks use a stored fit;
2. starts `--busy` processes that spin on a CPU each (default 1: the pick shares the
   machine with other work; run it on an otherwise idle
   machine, so that nothing else adds to it);
3. for a typical learner and for the heavy one: `--repeat` calls of what the practice page
   does per run, next_for(store, learner, course): bring the learner's state up to date
   (engine/practice/history.py: one indexed query), BKT mastery with FSRS forgetting, the pick.
   "later picks": the server process has seen the learner before (each call also records
   one new attempt first, as a learner answering between picks does); "first pick": the
   process-wide state is cleared before each call, so all the learner's attempts are read
   and traced. The loaded course is passed in, as the app's loader caches it.
Prints p50, p95 and max in milliseconds (time.perf_counter).

    .venv/bin/python benchmarks/next_question.py [--attempts 100000] [--heavy 5000] [--repeat 200] [--busy 1] [--database URL]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, func, insert, select  # noqa: E402

from engine.content.loader import load_course  # noqa: E402
from engine.practice import history  # noqa: E402
from engine.practice.catalogue import build  # noqa: E402
from engine.practice.next_question import next_for  # noqa: E402
from engine.practice.parameters import refit  # noqa: E402
from engine.progress.store import Store, _now  # noqa: E402
from engine.progress.tables import attempts, learners  # noqa: E402


def fill(store: Store, total: int, heavy: int, course) -> tuple[int, int]:
    """(a typical learner's id, the heavy learner's id) after filling the table."""
    rng = random.Random(13)
    ids = [store.learner(f"bench {n}").id for n in range(500)]
    typical, heavy_id = ids[0], ids[-1]
    items = build(course).practice
    rows, now = [], _now()
    # answered over the last 60 days, oldest first, as ids grow with time in a real store
    minutes = sorted((rng.randrange(60 * 24 * 60) for _ in range(total)), reverse=True)
    for i in range(total):
        item = rng.choice(items)
        right = rng.random() < 0.55
        mistakes = [m.id for m in item.question.solution.common_mistakes]
        mistake = None if right or not mistakes else rng.choice(mistakes)
        who = heavy_id if i < heavy else rng.choice(ids[:-1])
        rows.append(dict(learner_id=who, quiz_id=item.quiz_id, question_id=item.question_id, seed=i, raw="1",
                         parsed="1", score=float(right), mistake_id=mistake, feedback="fb", params="{}",
                         correct=right, created_at=now - timedelta(minutes=minutes[i])))
        if len(rows) == 5000 or i == total - 1:
            with store.engine.begin() as conn:
                conn.execute(insert(attempts), rows)
            rows = []
    return typical, heavy_id


def measure(store: Store, learner_id: int, course, repeat: int, *, first: bool) -> list[float]:
    next_for(store, learner_id, course)  # warm-up: caches the skills file and the lab-run questions
    times = []
    for n in range(repeat):
        if first:
            history._TRACKED.clear()
        else:
            store.record_attempt(learner_id, "seed", "q1-lora-purpose", seed=10**9 + n, raw="B", parsed="B",
                                 score=1.0, mistake_id=None, feedback="Right.")
        start = time.perf_counter()
        next_for(store, learner_id, course)
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(name: str, store: Store, learner_id: int, course, repeat: int) -> None:
    with store.engine.connect() as conn:
        count = conn.scalar(select(func.count()).where(attempts.c.learner_id == learner_id))
    for first in (True, False):
        times = sorted(measure(store, learner_id, course, repeat, first=first))
        p95 = times[int(0.95 * (len(times) - 1))]
        print(f"  {name} ({count:,} attempts), {'first pick' if first else 'later picks':<11}  "
              f"p50 {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms   max {times[-1]:6.1f} ms   ({repeat} calls)")


def run(url: str, args, course) -> None:
    store = Store(url)
    if not store.is_sqlite:
        with store.engine.begin() as conn:
            conn.execute(delete(attempts))
            conn.execute(delete(learners))
    typical, heavy = fill(store, args.attempts, args.heavy, course)
    start = time.perf_counter()
    fitted = refit(store, build(course))
    print(f"{store.shown_url}: {args.attempts:,} attempts, 500 learners; refit {time.perf_counter() - start:.1f} s "
          f"({fitted.answers:,} pieces of evidence, {fitted.iterations} EM iterations)")
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    try:
        print(f"  beside {args.busy} busy process(es), each spinning on a CPU")
        report("typical learner", store, typical, course, args.repeat)
        report("heavy learner", store, heavy, course, args.repeat)
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--heavy", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--busy", type=int, default=1, help="processes spinning on a CPU meanwhile (default 1)")
    parser.add_argument("--database", default=os.environ.get("TEST_POSTGRES_URL"))
    args = parser.parse_args()
    course = load_course()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/progress.db", args, course)
    if args.database:
        run(args.database, args, course)


if __name__ == "__main__":
    main()
