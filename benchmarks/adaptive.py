"""Does adaptive practice beat simple orders, and does its model track learners? (issue 19)

Simulated learners (benchmarks/simulated_class.py: a known BKT per skill, parameters unlike
the engine's defaults, plus forgetting) on the shipped course (12 skills, 37 questions):

1. a class: `--class-size` learners answer random questions, 10 a day for 4 days, written
   with Store.record_attempt into a fresh SQLite store; then `refit` (what `python -m engine
   fit` and the dashboard's Refit run) fits the parameters from those attempts alone and
   stores them. The engine never reads the simulator's parameters.
2. sessions: in each of `--worlds` worlds, `--learners` new learners, each met by four policies with the same starting
   knowledge and luck (common random numbers): the engine (`next_for` on the store, with the
   stored fit), round-robin over skills, a random skill, and the skill of lowest estimated
   mastery (the engine's own estimate); the last three take a skill's question the way the
   engine does (fewest tries, never the one just answered). 40 picks, in one sitting (a
   minute apart) and over 4 days (10 a day, forgetting between days). Measured: skills the
   learner truly knows after the last pick; the engine's lead over each policy, mean of the
   paired differences with a 95% interval (mean ± 1.96 sd / √n), per world and pooled.
3. replay: for `--draws` worlds, a class as in 1 (fitted in memory), then `--held-out` other
   learners answer 60 random questions over 4 days. Before each answer, the engine's model
   (fitted parameters and forgetting) and the true-parameter model (true parameters, true
   forgetting, the same tracing) predict P(right): next-answer AUC and RMSE. False mastery:
   of the (learner, skill) pairs a model declares mastered (P(known) ≥ 95% after at least 3
   answers), the share that the learner did not know at that moment.

    .venv/bin/python benchmarks/adaptive.py          # full: 3 worlds × 150 learners, 5 replay draws
    .venv/bin/python benchmarks/adaptive.py --fast   # CI-sized: 1 world × 60 learners, 2 replay draws

Goals (issue 19): the engine ahead of round-robin by ≥ 1 skill after 4 days with
forgetting and ≥ 0.5 in one sitting, intervals excluding zero; AUC within 0.01 of the
true-parameter model; false mastery ≤ 3%. The first-pick latency goal is measured by
benchmarks/next_question.py --busy.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from replay import replay  # noqa: E402
from simulated_class import START, Learner, World, practise_randomly, session_times  # noqa: E402

from engine.content.loader import load_course  # noqa: E402
from engine.practice.catalogue import build  # noqa: E402
from engine.practice.history import tracked  # noqa: E402
from engine.practice.mastery import Attempt  # noqa: E402
from engine.practice.next_question import fresh_seed, next_for  # noqa: E402
from engine.practice.parameters import load_model, refit  # noqa: E402
from engine.progress.store import Store  # noqa: E402

PICKS, DAYS = 40, 4
POLICIES = ("engine", "round-robin", "random", "lowest mastery")


class Sitting:
    """One learner under one policy: their store id, simulated self and attempts so far."""

    def __init__(self, store: Store, catalogue, world: World, number: int, policy: str):
        self.store, self.catalogue, self.policy = store, catalogue, policy
        self.id = store.learner(f"{policy} {number}").id
        self.learner = Learner(world, number)
        self.history: list[Attempt] = []
        self.skills = list(dict.fromkeys(s for item in catalogue.practice for s in item.skills))
        self.rng = random.Random(f"policy-{number}")
        self.kinds: dict[str, int] = {}

    def choose(self, n: int, now: datetime, course):
        if self.policy == "engine":
            pick, _ = next_for(self.store, self.id, course, now=now)
            self.kinds[pick.kind] = self.kinds.get(pick.kind, 0) + 1
            return (pick.item, pick.seed) if pick.item else (None, 0)
        if self.policy == "round-robin":
            skill = self.skills[n % len(self.skills)]
        elif self.policy == "random":
            skill = self.rng.choice(self.skills)
        else:
            mastery = tracked(self.store, self.id, self.catalogue, load_model(self.store)).mastery
            skill = min(self.skills, key=lambda s: mastery.known(s, now))
        item = self._question(skill)
        return item, fresh_seed(item, self.history, f"learner-{self.id}")

    def _question(self, skill: str):
        """A question training `skill` as the engine takes one: fewest tries, not the one just answered."""
        candidates = [i for i in self.catalogue.practice if skill in i.skills]
        if self.history and len(candidates) > 1:
            last = self.history[-1]
            candidates = [i for i in candidates if (i.quiz_id, i.question_id) != (last.quiz_id, last.question_id)]
        tries = {}
        for a in self.history:
            tries[(a.quiz_id, a.question_id)] = tries.get((a.quiz_id, a.question_id), 0) + 1
        return min(candidates, key=lambda i: tries.get((i.quiz_id, i.question_id), 0))

    def run(self, times: list[datetime], course) -> int:
        for n, at in enumerate(times):
            self.learner.advance_to((at.date() - START.date()).days)
            item, seed = self.choose(n, at, course)
            if item is None:  # the engine says every skill is mastered: the learner stops
                continue
            right, mistake = self.learner.answer(item)
            answer_id = self.store.record_attempt(self.id, item.quiz_id, item.question_id, seed=seed, raw="sim",
                                                  parsed="sim", score=float(right), mistake_id=mistake,
                                                  feedback="", at=at)
            self.history.append(Attempt(answer_id, item.quiz_id, item.question_id, seed, right, mistake, at))
        return self.learner.skills_known()


def paired(a: list[int], b: list[int]) -> str:
    """Mean of the paired differences a - b, with its 95% interval (normal approximation)."""
    diffs = [x - y for x, y in zip(a, b)]
    mean, half = statistics.fmean(diffs), 1.96 * statistics.stdev(diffs) / math.sqrt(len(diffs))
    return f"{mean:+.2f} [{mean - half:+.2f}, {mean + half:+.2f}]"


SCENARIOS = {"one sitting": 1, f"{DAYS} days, forgetting between days": DAYS}


def world_sessions(catalogue, course, world: World, class_size: int, learners: int, *, show_fit: bool) -> dict:
    """scenario -> policy -> skills known per learner, for one world, through a fresh store; and the
    engine's picks by kind."""
    folder = "/dev/shm" if Path("/dev/shm").is_dir() else None  # fsync-free writes: the store's cost is not measured
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        store = Store(f"sqlite:///{tmp}/progress.db")
        started = time.perf_counter()
        for number in range(class_size):
            who = store.learner(f"class {number}").id
            for item, seed, right, mistake, at, _ in practise_randomly(world, catalogue, number, PICKS, DAYS):
                store.record_attempt(who, item.quiz_id, item.question_id, seed=seed, raw="sim", parsed="sim",
                                     score=float(right), mistake_id=mistake, feedback="", at=at)
        fit = refit(store, catalogue)
        print(f"world {world.seed}: a class of {class_size} × {PICKS} random answers over {DAYS} days, refitted "
              f"from {fit.answers} pieces of evidence ({fit.iterations} EM iterations, "
              f"{time.perf_counter() - started:.0f} s with the writes)")
        if show_fit:
            print("  skill                 true/fitted  P(L0)       T           S           G           F")
            for skill, true in sorted(world.skills.items()):
                p = fit.skills[skill].params
                forget = "FSRS" if p.p_forget is None else f"{p.p_forget:.2f}"
                print(f"  {skill:<22} {true.p_init:10.2f}/{p.p_init:.2f} {true.p_learn:5.2f}/{p.p_learn:.2f} "
                      f"{true.p_slip:5.2f}/{p.p_slip:.2f} {true.p_guess:5.2f}/{p.p_guess:.2f} "
                      f"{true.forget:5.2f}/{forget}")
        known: dict[str, dict[str, list[int]]] = {}
        kinds: dict[str, dict[str, int]] = {}
        for label, days in SCENARIOS.items():
            times, known[label], kinds[label] = session_times(days, PICKS), {}, {}
            for policy in POLICIES:
                known[label][policy] = []
                for number in range(learners):
                    sitting = Sitting(store, catalogue, world, 10_000 + number, policy)
                    known[label][policy].append(sitting.run(times, course))
                    for kind, n in sitting.kinds.items():
                        kinds[label][kind] = kinds[label].get(kind, 0) + n
            leads = ", ".join(f"{p} {paired(known[label]['engine'], known[label][p])}" for p in POLICIES[1:])
            print(f"  {label}: engine {statistics.fmean(known[label]['engine']):.2f}; its lead over {leads}")
        store.close()
    return known, kinds


def sessions(catalogue, course, *, worlds: int, seed: int, class_size: int, learners: int) -> None:
    print(f"sessions: {PICKS} picks for each of {learners} new learners per world, under each policy")
    pooled = {label: {p: [] for p in POLICIES} for label in SCENARIOS}
    kinds: dict[str, dict[str, int]] = {label: {} for label in SCENARIOS}
    started = time.perf_counter()
    for w in range(worlds):
        world = World.draw(catalogue, seed + w)
        known, counted = world_sessions(catalogue, course, world, class_size, learners, show_fit=w == 0)
        for label in SCENARIOS:
            for policy in POLICIES:
                pooled[label][policy] += known[label][policy]
            for kind, n in counted[label].items():
                kinds[label][kind] = kinds[label].get(kind, 0) + n
    n = worlds * learners
    print(f"\nall {worlds} world(s), {n} paired learners ({time.perf_counter() - started:.0f} s): skills known "
          f"(of 12) after {PICKS} picks; the engine's lead, mean [95% interval]")
    for label in SCENARIOS:
        print(f"  {label}:")
        for policy in POLICIES:
            lead = "" if policy == "engine" else f"   engine's lead {paired(pooled[label]['engine'], pooled[label][policy])}"
            print(f"    {policy:<15} {statistics.fmean(pooled[label][policy]):5.2f}{lead}")
        print("    engine's picks by kind, per learner: "
              + ", ".join(f"{k} {v / n:.1f}" for k, v in sorted(kinds[label].items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="CI-sized: 1 world of 60 learners, a class of 150, 2 draws")
    parser.add_argument("--worlds", type=int, help="worlds (draws of true parameters) for the sessions")
    parser.add_argument("--learners", type=int, help="new learners per world in the sessions")
    parser.add_argument("--class-size", type=int, help="learners in each world's class, whose answers are fitted")
    parser.add_argument("--held-out", type=int, help="held-out learners per world in the replay")
    parser.add_argument("--draws", type=int, help="worlds in the replay")
    parser.add_argument("--seed", type=int, default=0, help="the first world's number")
    args = parser.parse_args()
    worlds, learners = args.worlds or (1 if args.fast else 3), args.learners or (60 if args.fast else 150)
    class_size = args.class_size or (150 if args.fast else 300)
    held_out, draws = args.held_out or (100 if args.fast else 200), args.draws or (2 if args.fast else 5)
    course = load_course()
    catalogue = build(course)
    sessions(catalogue, course, worlds=worlds, seed=args.seed, class_size=class_size, learners=learners)
    replay(catalogue, draws=draws, class_size=class_size, held_out=held_out, seed=args.seed)


if __name__ == "__main__":
    main()
