"""Progress store speed: attempts written per second, and the instructor dashboard's
query time (engine.progress.report.class_report) on 100,000 attempts. Goal (issue 6): ≤ 500 ms.

How it measures, on a fresh SQLite file in a temporary folder (and on PostgreSQL too
when --database or TEST_POSTGRES_URL gives one; its tables are dropped first):
1. writes: Store.record_attempt, one committed transaction per attempt, as the app
   writes them; `--writes` attempts from 1 thread, then the same from 8 threads;
   attempts/s = attempts / wall time (time.perf_counter).
2. fills the table to `--attempts` rows with multi-row INSERTs (5,000 a transaction):
   200 learners, 6 quizzes × 5 questions, parameter r in {4, 8, 16, 32, 64}, 8 distinct
   wrong answers and 6 named mistakes per question, 45% correct.
3. class_report (after ANALYZE on PostgreSQL; SQLite runs without statistics): one warm-up call, then the median and max of `--repeat` calls.
   Also one learner's Store.progress and the full CSV export, once each.

    .venv/bin/python benchmarks/progress.py [--attempts 100000] [--writes 2000] [--database URL]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402

from engine.progress.report import class_report, write_attempts_csv  # noqa: E402
from engine.progress.store import Store, _now, to_json  # noqa: E402
from engine.progress.tables import attempts  # noqa: E402

MISTAKES = ["bits_for_bytes", "gb_for_gib", "forgot_bias", "r_squared", "alpha_over_r_inverted", "counted_base_weights"]


def write_rate(store: Store, learner_ids: list[int], count: int, threads: int) -> float:
    """Attempts per second through record_attempt, `count` in all from `threads` threads."""
    def work(share: int, learner_id: int) -> None:
        for n in range(share):
            store.record_attempt(learner_id, "bench", f"w{n % 5}", seed=n, raw="14 GB", parsed={"value": 14},
                                 score=0.0, mistake_id="bits_for_bytes", feedback="fb", params={"r": 8})

    workers = [threading.Thread(target=work, args=(count // threads, learner_ids[i % len(learner_ids)]))
               for i in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return (count // threads * threads) / (time.perf_counter() - start)


def fill(store: Store, learner_ids: list[int], total: int) -> None:
    rng = random.Random(6)
    questions = [(f"quiz-{q}", f"question-{n}") for q in range(6) for n in range(5)]
    rows, now = [], _now()
    for i in range(total):
        quiz_id, question_id = rng.choice(questions)
        r, right = rng.choice([4, 8, 16, 32, 64]), rng.random() < 0.45
        wrong = rng.randrange(8)
        rows.append(dict(learner_id=rng.choice(learner_ids), quiz_id=quiz_id, question_id=question_id, seed=i,
                         raw="2 MB" if right else f"{wrong * 3 + 1} MB",
                         parsed=to_json({"value": 2 if right else wrong}),
                         score=1.0 if right else 0.0, mistake_id=None if right or wrong == 7 else MISTAKES[wrong % 6],
                         feedback="fb", params=to_json({"r": r, "d": 4096}), correct=right, created_at=now))
        if len(rows) == 5000 or i == total - 1:
            with store.engine.begin() as conn:
                conn.execute(insert(attempts), rows)
            rows = []


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)  # ms
    return out


def bench(url: str, args) -> None:
    store = Store(url)
    print(f"\n== {store.shown_url}")
    learner_ids = [store.learner(f"learner {i}").id for i in range(200)]
    for threads in (1, 8):
        print(f"writes: {write_rate(store, learner_ids, args.writes, threads):,.0f} attempts/s "
              f"({args.writes} attempts, one commit each, {threads} thread(s))")
    with store.engine.connect() as conn:
        have = conn.execute(text("SELECT COUNT(*) FROM attempts")).scalar()
    start = time.perf_counter()
    fill(store, learner_ids, args.attempts - have)
    print(f"filled to {args.attempts:,} attempts in {time.perf_counter() - start:.1f} s (bulk, 5,000 per commit)")
    if not store.is_sqlite:  # planner statistics, as autovacuum keeps them on a table that grew gradually
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE attempts"))
    class_report(store)  # warm-up: caches, query plans
    times = timed(lambda: class_report(store), args.repeat)
    print(f"dashboard query (class_report) on {args.attempts:,} attempts: median {statistics.median(times):.0f} ms, "
          f"max {max(times):.0f} ms over {args.repeat} runs (goal ≤ 500 ms)")
    print(f"one learner's progress page query: {timed(lambda: store.progress(learner_ids[0]), 1)[0]:.1f} ms")
    with open(os.devnull, "w", newline="") as sink:
        print(f"CSV export of every attempt: {timed(lambda: write_attempts_csv(store, sink), 1)[0]:.0f} ms")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", help="also benchmark this PostgreSQL URL (its tables are dropped first!)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench(f"sqlite:///{Path(folder) / 'progress.db'}", args)
    pg = args.database or os.environ.get("TEST_POSTGRES_URL")
    if pg:
        from tests.progress.test_store import reset_postgres
        reset_postgres(pg)
        bench(pg, args)
    else:
        print("\n(PostgreSQL skipped: pass --database URL or set TEST_POSTGRES_URL)")


if __name__ == "__main__":
    main()
