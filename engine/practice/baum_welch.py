"""Forward-backward and re-estimation for BKT with forgetting, over many sequences at once.

The numerics of engine/practice/fit.py (which says what is fitted and why). Two hidden
states per step, K (known) and U (not known); answer o ∈ {0, 1}. With scaled forward
variables (Rabiner 1989, sec. V-A), for each sequence:

    emission      e_K = 1 - S if o else 1 - (1 - S) a      e_U = G if o else 1 - G a
                  (a: the chance the question's other skills worked, engine/practice/mastery.py;
                  1 for a one-skill question, a right answer or a named mistake)
    start         P(K_0) = P(L0)
    step t ≥ 1    P(K_t) = (a_{t-1} + (1 - a_{t-1}) T) · R_t
    forward       a_t = P(K_t) e_K / c_t,  c_t = P(K_t) e_K + (1 - P(K_t)) e_U,  log L = Σ log c_t
    backward      b_{t-1}(K) = (R_t e_K b_t(K) + (1 - R_t) e_U b_t(U)) / c_t
                  b_{t-1}(U) = (T R_t e_K b_t(K) + (1 - T R_t) e_U b_t(U)) / c_t
    posterior     γ_t(K) = a_t b_t(K), normalised with γ_t(U) = (1 - a_t) b_t(U)
    counts        a slip: of a wrong answer while known, the share S / (1 - (1 - S) a) where this
                  skill failed (the rest: another skill did); a guess: every right answer while
                  not known, and of a wrong one the share G (1 - a) / (1 - G a)

Sequences are sorted longest first and stored time-major and ragged: step t holds the
n_t sequences longer than t, always a prefix, so each step is a few numpy operations on
prefixes and the loop runs over time only (the longest sequence), not over learners.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Data:
    """Every (learner, skill) sequence, time-major and ragged (module docstring)."""

    skills: list[str]  # skill index -> id
    slots: list[str]  # G index -> "skill:<id>" or "quiz/question"
    skill_of_row: np.ndarray  # (N,) skill index of each sequence, longest sequence first
    lengths: np.ndarray  # (N,)
    obs: list[np.ndarray]  # obs[t]: (n_t,) 1.0 right, 0.0 wrong
    slot: list[np.ndarray]  # slot[t]: (n_t,) G index
    retained: list[np.ndarray]  # retained[t]: (n_t,) R since the previous answer (1.0 at t = 0)
    others: list[np.ndarray]  # others[t]: (n_t,) a, the chance the question's other skills worked
    answers: int
    answers_per_skill: np.ndarray  # (skills,)
    answers_per_slot: np.ndarray  # (slots,)
    learners_per_slot: np.ndarray  # (slots,)

    @property
    def slot_index(self) -> dict[str, int]:
        return {s: j for j, s in enumerate(self.slots)}

    @classmethod
    def of(cls, seqs: dict) -> Data:
        """From {(learner, skill): [Evidence, ...]} (engine/practice/fit.py sequences)."""
        keys = sorted(seqs, key=lambda k: -len(seqs[k]))
        skills = sorted({skill for _, skill in keys})
        slots = sorted({e.guess_slot for seq in seqs.values() for e in seq})
        skill_index, slot_index = {s: i for i, s in enumerate(skills)}, {s: j for j, s in enumerate(slots)}
        lengths = np.array([len(seqs[k]) for k in keys])
        obs, slot, retained, others = [], [], [], []
        for t in range(int(lengths[0])):
            column = [seqs[k][t] for k in keys[:int((lengths > t).sum())]]
            obs.append(np.array([float(e.correct) for e in column]))
            slot.append(np.array([slot_index[e.guess_slot] for e in column]))
            retained.append(np.array([1.0 if t == 0 else e.retained for e in column]))
            others.append(np.array([e.others for e in column]))
        learners: dict[int, set] = {}
        for (learner, _), seq in seqs.items():
            for e in seq:
                learners.setdefault(slot_index[e.guess_slot], set()).add(learner)
        all_slots = np.concatenate(slot)
        return cls(skills, slots, np.array([skill_index[s] for _, s in keys]), lengths, obs, slot, retained, others,
                   int(lengths.sum()), np.bincount(np.array([skill_index[s] for _, s in keys]), weights=lengths,
                                                   minlength=len(skills)),
                   np.bincount(all_slots, minlength=len(slots)),
                   np.array([len(learners.get(j, ())) for j in range(len(slots))]))


@dataclass
class Params:
    init: np.ndarray  # (skills,) P(L0)
    learn: np.ndarray  # (skills,) T
    slip: np.ndarray  # (skills,) S
    g: np.ndarray  # (slots,) G

    @property
    def bkt(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.init, self.learn, self.slip


@dataclass
class Counts:
    """Expected counts from one E step, per skill and per G slot."""

    log_likelihood: float
    init_known: np.ndarray  # Σ γ_0(K)
    learnt: np.ndarray  # expected learning events
    chances: np.ndarray  # expected opportunities to learn (not known before a step)
    known: np.ndarray  # Σ γ_t(K)
    slipped: np.ndarray  # Σ γ_t(K) · (1 - o)
    unknown_slot: np.ndarray  # Σ γ_t(U), per slot
    guessed_slot: np.ndarray  # Σ γ_t(U) · o, per slot
    p_last: np.ndarray  # (N,) P(L) after each sequence's last answer (learning included)


def start(data: Data, default, guesses: list[float]) -> Params:
    n = len(data.skills)
    return Params(np.full(n, default.p_init), np.full(n, default.p_learn), np.full(n, default.p_slip),
                  np.array(guesses, dtype=float))


def e_step(data: Data, params: Params) -> Counts:
    """Forward-backward over every sequence at once; the expected counts of the M step."""
    n_skills, rows = len(data.skills), data.skill_of_row
    init, learn, slip = params.init[rows], params.learn[rows], params.slip[rows]
    steps = len(data.obs)
    a, c, e_k, e_u = [None] * steps, [None] * steps, [None] * steps, [None] * steps
    for t in range(steps):  # forward
        n, o, other = len(data.obs[t]), data.obs[t], data.others[t]
        g = params.g[data.slot[t]]
        e_k[t] = np.where(o > 0, 1 - slip[:n], 1 - (1 - slip[:n]) * other)
        e_u[t] = np.where(o > 0, g, 1 - g * other)
        prior = init[:n] if t == 0 else (a[t - 1][:n] + (1 - a[t - 1][:n]) * learn[:n]) * data.retained[t]
        known, unknown = prior * e_k[t], (1 - prior) * e_u[t]
        c[t] = known + unknown
        a[t] = known / c[t]
    b_k, b_u = [np.ones(len(o)) for o in data.obs], [np.ones(len(o)) for o in data.obs]
    learnt = np.zeros(len(rows))
    chances = np.zeros(len(rows))
    for t in range(steps - 1, 0, -1):  # backward, with the transition counts of step t
        n, r, T = len(data.obs[t]), data.retained[t], learn[:len(data.obs[t])]
        to_k, to_u = e_k[t] * b_k[t] / c[t], e_u[t] * b_u[t] / c[t]
        b_k[t - 1][:n] = r * to_k + (1 - r) * to_u
        b_u[t - 1][:n] = T * r * to_k + (1 - T * r) * to_u
        was_u = 1 - a[t - 1][:n]
        u_to_k, u_to_u = was_u * T * r * to_k, was_u * (1 - T * r) * to_u
        learnt[:n] += u_to_k + u_to_u * T * (1 - r) / np.maximum(1 - T * r, 1e-12)
        chances[:n] += u_to_k + u_to_u
    counts = Counts(float(sum(np.log(x).sum() for x in c)), np.zeros(n_skills), np.bincount(rows, learnt, n_skills),
                    np.bincount(rows, chances, n_skills), np.zeros(n_skills), np.zeros(n_skills),
                    np.zeros(len(data.slots)), np.zeros(len(data.slots)), np.zeros(len(rows)))
    for t in range(steps):  # posteriors
        n, o, other = len(data.obs[t]), data.obs[t], data.others[t]
        gk, gu = a[t] * b_k[t], (1 - a[t]) * b_u[t]
        gk = gk / (gk + gu)
        s, g = slip[:n], params.g[data.slot[t]]
        if t == 0:
            counts.init_known += np.bincount(rows, gk, n_skills)
        counts.known += np.bincount(rows[:n], gk, n_skills)
        counts.slipped += np.bincount(rows[:n], gk * (1 - o) * s / (1 - (1 - s) * other), n_skills)
        counts.unknown_slot += np.bincount(data.slot[t], 1 - gk, len(data.slots))
        guessed = o + (1 - o) * g * (1 - other) / (1 - g * other)
        counts.guessed_slot += np.bincount(data.slot[t], (1 - gk) * guessed, len(data.slots))
    last = data.lengths - 1
    for t in np.unique(last):  # filtered P(L) after each sequence's last answer, learning included
        ends = np.nonzero(last == t)[0]
        counts.p_last[ends] = a[t][ends] + (1 - a[t][ends]) * learn[ends]
    return counts


def m_step(data: Data, counts: Counts, default, guesses: list[float], *, pseudo: float, low: float, high: float,
           degenerate: float) -> Params:
    """Expected counts → parameters, each pulled toward its default by `pseudo` answers' worth."""
    per_skill = np.bincount(data.skill_of_row, minlength=len(data.skills))

    chance = np.array(guesses, dtype=float)

    def shrunk(count, trials, default_value, top=high):
        return np.clip((count + pseudo * default_value) / (trials + pseudo), low, top)

    # a two-option question's G by chance alone is 0.5: its ceiling is its chance, not `degenerate`
    return Params(shrunk(counts.init_known, per_skill, default.p_init),
                  shrunk(counts.learnt, counts.chances, default.p_learn),
                  shrunk(counts.slipped, counts.known, default.p_slip, degenerate),
                  shrunk(counts.guessed_slot, counts.unknown_slot, chance, np.maximum(chance, degenerate)))
