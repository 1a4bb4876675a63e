"""Forward-backward and re-estimation for BKT with forgetting, over many sequences at once.

The numerics of engine/practice/fit.py (which says what is fitted and why). Two hidden
states per step, K (known) and U (not known); answer o ∈ {0, 1}. With scaled forward
variables (Rabiner 1989, sec. V-A), for each sequence:

    emission      e_K = 1 - S if o else 1 - (1 - S) a      e_U = G if o else 1 - G a
                  (a: the chance the question's other skills worked, engine/practice/mastery.py;
                  1 for a one-skill question, a right answer or a named mistake)
    start         P(K_0) = P(L0)
    step t ≥ 1    P(K_t) = (a_{t-1} + (1 - a_{t-1}) T) · R_t,   R_t = (1 - F) ** d_t
                  (d_t: whole days since the previous answer, 0 within a day, so R_t = 1 there)
    forward       a_t = P(K_t) e_K / c_t,  c_t = P(K_t) e_K + (1 - P(K_t)) e_U,  log L = Σ log c_t
    backward      b_{t-1}(K) = (R_t e_K b_t(K) + (1 - R_t) e_U b_t(U)) / c_t
                  b_{t-1}(U) = (T R_t e_K b_t(K) + (1 - T R_t) e_U b_t(U)) / c_t
    posterior     γ_t(K) = a_t b_t(K), normalised with γ_t(U) = (1 - a_t) b_t(U)
    counts        a slip: of a wrong answer while known, the share S / (1 - (1 - S) a) where this
                  skill failed (the rest: another skill did); a guess: every right answer while
                  not known, and of a wrong one the share G (1 - a) / (1 - G a); a forgetting:
                  known after step t-1's learning, not known at t, d_t > 0 days later; its days
                  at risk: d_t if kept, else the expected day of the loss (day_forgotten), so
                  F = forgettings / days at risk is EM's update for a daily loss seen only at
                  the next answer (a geometric time, censored at d_t)

Sequences are sorted longest first and stored time-major and ragged: step t holds the
n_t sequences longer than t, always a prefix, so each step is a few numpy operations on
prefixes and the loop runs over time only (the longest sequence), not over learners.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOP = 0.999  # T · ρ stays below 1


@dataclass
class Data:
    """Every (learner, skill) sequence, time-major and ragged (module docstring)."""

    skills: list[str]  # skill index -> id
    slots: list[str]  # G index -> "skill:<id>" or "quiz/question"
    skill_of_row: np.ndarray  # (N,) skill index of each sequence, longest sequence first
    lengths: np.ndarray  # (N,)
    obs: list[np.ndarray]  # obs[t]: (n_t,) 1.0 right, 0.0 wrong
    slot: list[np.ndarray]  # slot[t]: (n_t,) G index
    days: list[np.ndarray]  # days[t]: (n_t,) whole days since the previous answer (0 at t = 0 and within a day)
    others: list[np.ndarray]  # others[t]: (n_t,) a, the chance the question's other skills worked
    after_slip: list[np.ndarray]  # after_slip[t]: (n_t,) 1.0 where answer t came right after a named slip
                                  # revealing the skill: its practice teaches with T · ρ
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
        obs, slot, days, others, after_slip = [], [], [], [], []
        for t in range(int(lengths[0])):
            column = [seqs[k][t] for k in keys[:int((lengths > t).sum())]]
            obs.append(np.array([float(e.correct) for e in column]))
            slot.append(np.array([slot_index[e.guess_slot] for e in column]))
            days.append(np.array([0 if t == 0 else e.days for e in column]))
            others.append(np.array([e.others for e in column]))
            after_slip.append(np.array([float(e.after_slip) for e in column]))
        learners: dict[int, set] = {}
        for (learner, _), seq in seqs.items():
            for e in seq:
                learners.setdefault(slot_index[e.guess_slot], set()).add(learner)
        all_slots = np.concatenate(slot)
        return cls(skills, slots, np.array([skill_index[s] for _, s in keys]), lengths, obs, slot, days, others, after_slip,
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
    forget: np.ndarray  # (skills,) F, the share of a known skill forgotten per day
    rho: float  # ρ: a practice right after a named slip revealing the skill teaches with T · ρ (one for the class)

    @property
    def bkt(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.init, self.learn, self.slip


@dataclass
class Counts:
    """Expected counts from one E step, per skill and per G slot."""

    log_likelihood: float
    init_known: np.ndarray  # Σ γ_0(K)
    learnt: np.ndarray  # expected learning events (at practices not right after a slip)
    chances: np.ndarray  # expected opportunities to learn (not known before a step), likewise
    learnt_slip: np.ndarray  # the same two at practices right after a named slip revealing the skill
    chances_slip: np.ndarray
    known: np.ndarray  # Σ γ_t(K)
    slipped: np.ndarray  # Σ γ_t(K) · (1 - o)
    unknown_slot: np.ndarray  # Σ γ_t(U), per slot
    guessed_slot: np.ndarray  # Σ γ_t(U) · o, per slot
    forgot: np.ndarray  # expected forgettings (known after one answer, not known at the next, days apart)
    exposure: np.ndarray  # expected days a known skill spent at risk of being forgotten
    p_last: np.ndarray  # (N,) P(L) after each sequence's last answer (learning included)


def start(data: Data, default, guesses: list[float], forget: float, rho: float) -> Params:
    n = len(data.skills)
    return Params(np.full(n, default.p_init), np.full(n, default.p_learn), np.full(n, default.p_slip),
                  np.array(guesses, dtype=float), np.full(n, forget), rho)


def taught(learn: np.ndarray, rho: float, after_slip: np.ndarray) -> np.ndarray:
    """T of each practice: T · ρ right after a named slip revealing the skill (at most TOP), else T."""
    n = len(after_slip)
    return np.where(after_slip > 0, np.minimum(learn[:n] * rho, TOP), learn[:n])


def day_forgotten(forget: np.ndarray, days: np.ndarray) -> np.ndarray:
    """E[the day k of forgetting | forgotten within `days`], k ~ geometric(F): k = 1 with F,
    2 with (1 - F) F, ...; 0 where `days` is 0. With q = 1 - F:
        Σ_{k≤d} k q^(k-1) F / (1 - q^d) = (1 - (d + 1) q^d + d q^(d+1)) / ((1 - q)(1 - q^d))"""
    q, d = 1 - forget, days
    lost = np.maximum(1 - q ** d, 1e-300)
    return np.where(d > 0, (1 - (d + 1) * q ** d + d * q ** (d + 1)) / (np.maximum(1 - q, 1e-12) * lost), 0.0)


def e_step(data: Data, params: Params) -> Counts:
    """Forward-backward over every sequence at once; the expected counts of the M step."""
    n_skills, rows = len(data.skills), data.skill_of_row
    init, learn, slip, forget = params.init[rows], params.learn[rows], params.slip[rows], params.forget[rows]
    steps = len(data.obs)
    a, c, e_k, e_u = [None] * steps, [None] * steps, [None] * steps, [None] * steps
    kept = [(1 - forget[:len(d)]) ** d for d in data.days]  # R over each gap: (1 - F) ** days
    teach = [taught(learn, params.rho, flags) for flags in data.after_slip]  # T of the practice at each step
    for t in range(steps):  # forward
        n, o, other = len(data.obs[t]), data.obs[t], data.others[t]
        g = params.g[data.slot[t]]
        e_k[t] = np.where(o > 0, 1 - slip[:n], 1 - (1 - slip[:n]) * other)
        e_u[t] = np.where(o > 0, g, 1 - g * other)
        prior = init[:n] if t == 0 else (a[t - 1][:n] + (1 - a[t - 1][:n]) * teach[t - 1][:n]) * kept[t]
        known, unknown = prior * e_k[t], (1 - prior) * e_u[t]
        c[t] = known + unknown
        a[t] = known / c[t]
    b_k, b_u = [np.ones(len(o)) for o in data.obs], [np.ones(len(o)) for o in data.obs]
    learnt, chances, learnt_slip, chances_slip, forgot, exposure = (np.zeros(len(rows)) for _ in range(6))
    for t in range(steps - 1, 0, -1):  # backward, with the transition counts of step t
        n, r = len(data.obs[t]), kept[t]
        T, slipped = teach[t - 1][:n], data.after_slip[t - 1][:n]
        to_k, to_u = e_k[t] * b_k[t] / c[t], e_u[t] * b_u[t] / c[t]
        b_k[t - 1][:n] = r * to_k + (1 - r) * to_u
        b_u[t - 1][:n] = T * r * to_k + (1 - T * r) * to_u
        was_u = 1 - a[t - 1][:n]
        u_to_k, u_to_u = was_u * T * r * to_k, was_u * (1 - T * r) * to_u
        events, opportunities = u_to_k + u_to_u * T * (1 - r) / np.maximum(1 - T * r, 1e-12), u_to_k + u_to_u
        learnt[:n] += events * (1 - slipped)
        chances[:n] += opportunities * (1 - slipped)
        learnt_slip[:n] += events * slipped
        chances_slip[:n] += opportunities * slipped
        known_after = a[t - 1][:n] + was_u * T  # known once step t-1's learning is done
        lost = known_after * (1 - r) * to_u  # ...and forgotten by step t
        forgot[:n] += lost
        exposure[:n] += known_after * r * to_k * data.days[t] + lost * day_forgotten(forget[:n], data.days[t])
    counts = Counts(float(sum(np.log(x).sum() for x in c)), np.zeros(n_skills), np.bincount(rows, learnt, n_skills),
                    np.bincount(rows, chances, n_skills), np.bincount(rows, learnt_slip, n_skills),
                    np.bincount(rows, chances_slip, n_skills), np.zeros(n_skills), np.zeros(n_skills),
                    np.zeros(len(data.slots)), np.zeros(len(data.slots)), np.bincount(rows, forgot, n_skills),
                    np.bincount(rows, exposure, n_skills), np.zeros(len(rows)))
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
        counts.p_last[ends] = a[t][ends] + (1 - a[t][ends]) * teach[t][ends]
    return counts


def guesses_of(counts: Counts, chance: np.ndarray, questions: np.ndarray, *, pseudo: float, low: float,
               top: np.ndarray) -> np.ndarray:
    """G per slot: (guesses + κ · target) / (answers while not known + κ), a Beta prior's posterior mean.

    A typed answer's G (a skill's slot) is pulled toward the default by `pseudo` answers. A choice
    question's G is pulled toward its chance plus δ, how far above chance the class guesses the
    choice questions pooled, with a strength κ told by the data (empirical Bayes: Efron & Morris
    1975, "Data analysis using Stein's estimator and its generalizations", JASA 70, 311-319):
        δ = Σ (guesses - chance · answers while not known) / Σ answers while not known
        τ² = Σ [n (raw G - target)² - target (1 - target)] / Σ n   (n: answers while not known;
             the spread of the questions' true G, their binomial noise taken out)
        κ = target (1 - target) / τ² - 1, at least `pseudo`
    Each question's G alone rests on its few hundred answers while not known and swings by ±0.1;
    pulled toward chance, one whose wrong options give themselves away came out below its true G,
    and every right answer to it then passed for knowledge (false mastery, benchmarks/adaptive.py).
    Per-item G in BKT: Pardos & Heffernan 2011, "KT-IDEM: introducing item difficulty to the
    knowledge tracing model", UMAP 2011."""
    unknown, guessed = counts.unknown_slot, counts.guessed_slot
    target, strength = chance.copy(), np.full(len(chance), pseudo)
    if questions.any():
        n, k = unknown[questions], guessed[questions]
        delta = (k - chance[questions] * n).sum() / max(n.sum(), 1e-12)
        mean = np.clip(chance[questions] + delta, low, top[questions])
        raw = k / np.maximum(n, 1e-12)  # each question weighed by its answers: a thin one's noise counts little
        spread = (n * (raw - mean) ** 2 - mean * (1 - mean)).sum() / max(n.sum(), 1e-12)
        target[questions] = mean
        strength[questions] = np.maximum(mean * (1 - mean) / max(spread, 1e-6) - 1, pseudo)
    return np.clip((guessed + strength * target) / (unknown + strength), low, top)


def m_step(data: Data, counts: Counts, default, guesses: list[float], *, pseudo: float, low: float, high: float,
           degenerate: float, forget: float, pseudo_forget: float, max_forget: float, rho: float,
           rho_range: tuple[float, float]) -> Params:
    """Expected counts → parameters, each pulled toward its default by `pseudo` answers' worth; F of
    each skill toward the class's pooled F (`forget` while no known skill has been seen across a day)
    by `pseudo_forget` days' worth; ρ, pooled over the class, toward `rho` by `pseudo` practices' worth."""
    per_skill = np.bincount(data.skill_of_row, minlength=len(data.skills))

    chance = np.array(guesses, dtype=float)

    def shrunk(count, trials, default_value, top=high):
        return np.clip((count + pseudo * default_value) / (trials + pseudo), low, top)

    exposure = counts.exposure.sum()
    pooled = counts.forgot.sum() / exposure if exposure > 0 else forget
    days = counts.exposure + pseudo_forget  # a skill never seen known across a day takes the pooled F
    own = np.where(days > 0, (counts.forgot + pseudo_forget * pooled) / np.maximum(days, 1e-300), pooled)
    learn = shrunk(counts.learnt, counts.chances, default.p_learn)
    # ρ: learning seen right after a slip over what T alone would give there (T · chances), with
    # `pseudo` practices of the mean T at the prior ρ
    prior = pseudo * float(learn.mean())
    ratio = (counts.learnt_slip.sum() + prior * rho) / ((learn * counts.chances_slip).sum() + prior)
    questions = np.array([not slot.startswith("skill:") for slot in data.slots])
    # a two-option question's G by chance alone is 0.5: its ceiling is its chance, not `degenerate`
    g = guesses_of(counts, chance, questions, pseudo=pseudo, low=low, top=np.maximum(chance, degenerate))
    return Params(shrunk(counts.init_known, per_skill, default.p_init), learn,
                  shrunk(counts.slipped, counts.known, default.p_slip, degenerate), g,
                  np.clip(own, low, max_forget), float(np.clip(ratio, *rho_range)))
