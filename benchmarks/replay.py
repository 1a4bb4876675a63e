"""The replay of benchmarks/adaptive.py: how well the engine's model predicts held-out learners.

For each world, a class practises (fitted in memory by engine/practice/fit.py, as `refit`
would from the store), then held-out learners answer random questions. Before each
answer, three models predict P(right) from the same evidence, traced by the same rules
(engine/practice/mastery.py):

    fitted     the engine: parameters fitted from the class, forgetting included (its fitted F,
               or FSRS's curve where the class cannot tell F)
    defaults   the engine before any fit: the default parameters, FSRS forgetting
    true       the simulator's own parameters and its true forgetting, (1 - F) per day
    fitted+F   a diagnostic: the fitted parameters with the true forgetting, to tell how much
               of the gap to `true` is the forgetting and how much the other parameters

P(right) of a question from its skills' P(known now), as the simulator answers:
    typed    ∏ over skills of  P(1 - S) + (1 - P) G
    choice   ∏ P · ∏ (1 - S) + (1 - ∏ P) · G of the question
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from simulated_class import World, practise_randomly

from engine.practice.fit import fit
from engine.practice.mastery import Attempt, Mastery, trace, update
from engine.practice.model import BKT, MASTERED, MIN_EVIDENCE, Model

ANSWERS, DAYS = 60, 4


@dataclass
class TrueMastery(Mastery):
    """Tracing with the simulator's forgetting, (1 - F) ** days, instead of FSRS."""

    forget: dict[str, float] = field(default_factory=dict)
    last_day: dict[str, int] = field(default_factory=dict)

    def known(self, skill: str, now: datetime) -> float:
        day = self.last_day.get(skill)
        return self.of(skill) * (1 - self.forget[skill]) ** (now.toordinal() - day) if day else self.of(skill)

    def observe(self, skill, correct, item, at, day=None, others=1.0, after_slip=False) -> None:
        params = self.model.of(skill)
        learn = params.p_learn_slip if after_slip and params.p_learn_slip is not None else params.p_learn
        p = update(self.known(skill, at), correct, self.model.guess(item, skill), params.p_slip, learn, others)
        self.p[skill], self.last_day[skill] = p, at.toordinal()
        self.seen[skill] += 1


def predict(mastery: Mastery, item, at: datetime) -> float:
    model = mastery.model
    known = [mastery.known(s, at) for s in item.skills]
    if item.guess is None:
        return math.prod(p * (1 - model.of(s).p_slip) + (1 - p) * model.of(s).p_guess for s, p in zip(item.skills, known))
    all_known = math.prod(known)
    return all_known * math.prod(1 - model.of(s).p_slip for s in item.skills) + (1 - all_known) * model.guess(item, None)


def auc(p: list[float], y: list[bool]) -> float:
    """Area under the ROC curve: Mann-Whitney U with average ranks for ties."""
    p, y = np.asarray(p), np.asarray(y, dtype=bool)
    order = np.argsort(p, kind="mergesort")
    ranks = np.empty(len(p))
    sorted_p = p[order]
    i = 0
    while i < len(p):  # average rank over a run of equal predictions
        j = i
        while j + 1 < len(p) and sorted_p[j + 1] == sorted_p[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    pos = y.sum()
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * (len(p) - pos)))


def answers_of(world: World, catalogue, number: int, answers: int):
    """[(attempt, item, the learner's true knowledge after it)] for one learner answering at random."""
    return [(Attempt(n, item.quiz_id, item.question_id, seed, right, mistake, at), item, truth)
            for n, (item, seed, right, mistake, at, truth) in enumerate(practise_randomly(world, catalogue, number,
                                                                                            answers, DAYS))]


@dataclass
class Scores:
    p: list[float] = field(default_factory=list)
    y: list[bool] = field(default_factory=list)
    declared: int = 0
    false: int = 0


def score(models: dict[str, callable], answers, catalogue, scores: dict[str, Scores]) -> None:
    for name, make in models.items():
        mastery, s, declared = make(), scores[name], set()
        for attempt, item, truth in answers:
            s.p.append(predict(mastery, item, attempt.at))
            s.y.append(attempt.correct)
            trace([attempt], catalogue.items, catalogue.skills, state=mastery)
            for skill in item.skills:
                if skill not in declared and mastery.seen[skill] >= MIN_EVIDENCE and \
                        mastery.known(skill, attempt.at) >= MASTERED:
                    declared.add(skill)
                    s.declared += 1
                    s.false += not truth[skill]


def replay(catalogue, *, draws: int, class_size: int, held_out: int, seed: int) -> None:
    print(f"\nreplay: {draws} worlds; each a class of {class_size} fitted, then {held_out} held-out learners × "
          f"{ANSWERS} random answers over {DAYS} days")
    print("  world    AUC fitted / defaults / true / fitted+F    RMSE (same order)            "
          "false mastery (same order)")
    rows = []
    for d in range(draws):
        world = World.draw(catalogue, seed + d)
        by_learner = {n: [a for a, _, _ in answers_of(world, catalogue, n, 40)] for n in range(class_size)}
        fitted = fit(by_learner, catalogue).model()
        true = Model(skills={s: BKT(t.p_init, t.p_learn, t.p_slip, t.p_guess) for s, t in world.skills.items()},
                     guesses=world.guesses)
        forget = {s: t.forget for s, t in world.skills.items()}
        models = {"fitted": lambda: Mastery(model=fitted), "defaults": lambda: Mastery(model=Model()),
                  "true": lambda: TrueMastery(model=true, forget=forget),
                  "fitted+F": lambda: TrueMastery(model=fitted, forget=forget)}
        scores = {name: Scores() for name in models}
        for n in range(held_out):
            score(models, answers_of(world, catalogue, 1_000_000 + n, ANSWERS), catalogue, scores)
        row = {name: (auc(s.p, s.y), math.sqrt(statistics.fmean((p - y) ** 2 for p, y in zip(s.p, s.y))),
                      s.false / max(1, s.declared)) for name, s in scores.items()}
        rows.append(row)
        print(f"  {d:>5}    " + " / ".join(f"{row[m][0]:.3f}" for m in models) + "    "
              + " / ".join(f"{row[m][1]:.3f}" for m in models) + "    "
              + " / ".join(f"{row[m][2]:.1%}" for m in models))
    mean = {m: [statistics.fmean(r[m][i] for r in rows) for i in range(3)] for m in rows[0]}
    print("  mean     " + " / ".join(f"{mean[m][0]:.3f}" for m in mean) + "    "
          + " / ".join(f"{mean[m][1]:.3f}" for m in mean) + "    " + " / ".join(f"{mean[m][2]:.1%}" for m in mean))
    print(f"  fitted AUC − true AUC: {mean['fitted'][0] - mean['true'][0]:+.3f} (goal: within 0.01); "
          f"false mastery {mean['fitted'][2]:.1%} (goal: ≤ 3%)")
