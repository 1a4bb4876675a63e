"""Which question a learner should practise next, and why: the most expected learning.

Each question is scored by the knowledge one more practice of it is expected to add,

    gain(question) = Σ over its skills  (1 - P(known now)) · T · (1 + w)

where P(known now) is BKT's estimate lowered by forgetting (engine/practice/mastery.py),
T the skill's chance to be learnt at one opportunity (fitted from the class, engine/practice/
fit.py) and w a recent mistake's extra weight: just after a named mistake revealed the skill,
what a practice right after a slip teaches beyond T, as the class's attempts show it (T after
a slip / T - 1; 1 before a fit can tell it), halving with each answer since. Picks, in this order:

    1. the mistake just made: the last answer was wrong with a named mistake that reveals a
       skill not yet mastered → rule 3, with that skill at the mistake's full weight w, so a
       question training it wins when remediation pays, and the reason names the slip;
    2. a skill never practised, the first in the course's order, so that every skill is
       practised: the question with the most gain among those training it;
    3. the highest gain among questions that train a skill not mastered now. A review has
       no tier of its own: a once-mastered skill comes back when forgetting has lowered
       P(known now) enough for practising it to gain most, so in a short course a review
       does not preempt a skill still unmastered;
    4. done: every skill is mastered now (P(known now) ≥ 95% after at least 3 answers).

The mistake's weight then halves at each answer, so a slip steers the next few picks, not
every later one. A skill counts as mastered only after MIN_EVIDENCE answers (engine/
practice/model.py). The question just answered is never picked unless it is the only one;
among equal gains, a question that can catch the same slip again comes first, then the one
answered fewest times, then course order. The variant is fresh (a seed the learner has not
had for that question), so a right answer cannot be replayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.practice.catalogue import Catalogue
from engine.practice.mastery import Attempt, Item, Mastery, trace
from engine.practice.model import MASTERED, MIN_EVIDENCE, Model
from engine.practice.reasons import known_now, phrase, times
from engine.quiz.variants import variant_seed

PRACTICE_ROUND = 1000  # practice's variant rounds start here, apart from a quiz page's rounds 0, 1, 2, ...
MISTAKE_DECAY = 0.5  # a named mistake's extra weight is multiplied by this at every answer since


@dataclass(frozen=True)
class Pick:
    """The next question (None when done), its fresh seed, and why it was chosen."""

    item: Item | None
    seed: int
    kind: str  # "mistake", "new", "review", "gain", "done", or "empty" (no question names a skill)
    reason: str
    skill: str | None = None
    mastery: float | None = None  # P(known now) of `skill`

    def as_dict(self) -> dict:
        return {"quiz": self.item.quiz_id if self.item else None,
                "question": self.item.question_id if self.item else None, "seed": self.seed,
                "skills": list(self.item.skills) if self.item else [], "kind": self.kind, "reason": self.reason,
                "skill": self.skill, "mastery": None if self.mastery is None else round(self.mastery, 4)}


def choose(catalogue: Catalogue, history: list[Attempt], *, owner: str, now: datetime,
           threshold: float = MASTERED, mastery: Mastery | None = None, model: Model | None = None) -> Pick:
    """The next question for the learner whose attempts (oldest first) are `history`;
    `mastery`, when given, is that of `history`, already traced (with its model)."""
    if not catalogue.practice:  # no skills file, or no question names a declared skill
        return Pick(None, 0, "empty", "No practice question names a declared skill; "
                    "`python -m engine validate` says what is wrong with practice/skills.yaml.")
    mastery = mastery or trace(history, catalogue.items, catalogue.skills, model=model)
    skills = list(dict.fromkeys(s for item in catalogue.practice for s in item.skills))
    known = {s: mastery.known(s, now) for s in skills}
    open_ = {s for s in skills if mastery.seen[s] < MIN_EVIDENCE or known[s] < threshold}
    if not open_:
        upcoming = min((d for s in mastery.memory if s in known and (d := mastery.due(s, threshold))), default=None)
        when = f" The next review is due {upcoming:%Y-%m-%d} (UTC)." if upcoming and upcoming > now else ""
        return Pick(None, 0, "done", f"Every skill is mastered: at least {threshold:.0%} known now, after "
                    f"{MIN_EVIDENCE} or more answers.{when}")
    chooser, order = _Chooser(catalogue, history, owner, mastery, known), sorted(open_, key=skills.index)
    last = history[-1] if history else None
    mistake = last.mistake_id if last and not last.correct else None
    if mistake and any(s in open_ for s in mastery.mistake_skills.get(mistake, ())):
        return chooser.best(order, now, mistake=mistake)
    unseen = [s for s in skills if not mastery.seen[s]]
    if unseen:
        title = catalogue.skills.title(unseen[0])
        return chooser.make(chooser.item_for(unseen[:1]), unseen[0], "new", f"You have not practised “{title}” yet.")
    return chooser.best(order, now)


class _Chooser:
    """Scores questions by expected gain for one learner at one moment."""

    def __init__(self, catalogue: Catalogue, history: list[Attempt], owner: str, mastery: Mastery,
                 known: dict[str, float]):
        self.catalogue, self.history, self.owner, self.mastery, self.known = catalogue, history, owner, mastery, known
        self.gain = {s: (1 - p) * mastery.model.of(s).p_learn * (1 + self.weight(s)) for s, p in known.items()}
        self.tries = mastery.tries

    def weight(self, skill: str) -> float:
        """A recent named mistake's extra weight on `skill`: w just after it (Model.slip_weight: fitted
        from the class, 1 before a fit), halving at each answer since."""
        m = self.mastery
        ages = [m.answers - m.named_at[mid] for mid, revealed in m.mistake_skills.items() if skill in revealed]
        return m.model.slip_weight(skill) * MISTAKE_DECAY ** min(ages) if ages else 0.0

    def score(self, item: Item) -> float:
        return sum(self.gain.get(s, 0.0) for s in item.skills)

    def make(self, item: Item, skill: str, kind: str, reason: str) -> Pick:
        seed = fresh_seed(item, self.history, self.owner, scored=self.mastery.scored)
        return Pick(item, seed, kind, reason, skill, self.known[skill])

    def item_for(self, targets: list[str], mistake: str | None = None) -> Item:
        """The question training one of `targets` with the most expected gain; among equals, one that
        can catch `mistake` again, then the one answered fewest times, then the first in course order."""
        candidates = [item for item in self.catalogue.practice if any(s in item.skills for s in targets)]
        last = self.history[-1] if self.history else None
        if last and len(candidates) > 1:
            candidates = [i for i in candidates if (i.quiz_id, i.question_id) != (last.quiz_id, last.question_id)]

        def lists(item: Item) -> bool:
            return bool(mistake) and any(m.id == mistake for m in item.question.solution.common_mistakes)

        # rounded, so that equal sums added in another order tie; max keeps the first of equals
        return max(candidates, key=lambda i: (round(self.score(i), 12), lists(i), -self.tries.get(i.key, 0)))

    def best(self, open_: list[str], now: datetime, mistake: str | None = None) -> Pick:
        """Rules 1 and 3: the most expected gain among questions training a skill not mastered now."""
        item = self.item_for(open_, mistake)
        m = self.mastery
        revealed = [s for s in m.mistake_skills.get(mistake, ()) if s in item.skills and s in open_] if mistake else []
        skill = revealed[0] if revealed else max((s for s in item.skills if s in open_), key=self.gain.__getitem__)
        title, p = self.catalogue.skills.title(skill), self.known[skill]
        if revealed:
            return self.make(item, skill, "mistake", f"You just {phrase(mistake)} ({times(m.mistakes[mistake])} so "
                             f"far): this question trains “{title}” ({known_now(p, m.seen[skill])}).")
        if not m.seen[skill]:
            return self.make(item, skill, "new", f"You have not practised “{title}” yet.")
        if m.seen[skill] >= MIN_EVIDENCE and m.of(skill) >= MASTERED and skill in m.memory:  # mastered, forgotten since
            days = now.toordinal() - m.memory[skill].day  # calendar days (UTC) since its last practice
            forget = m.model.of(skill).p_forget
            how = "FSRS" if forget is None else f"{forget:.0%} a day, as this class forgets it"
            return self.make(item, skill, "review", f"Review: you last practised “{title}” {days} day(s) ago; "
                             f"forgetting ({how}) puts the chance you still know it at {p:.0%}.")
        made = [(n, mid) for mid, n in m.mistakes.items() if skill in m.mistake_skills.get(mid, ())]
        if made:
            n, mistake_id = max(made)
            return self.make(item, skill, "gain", f"You {phrase(mistake_id)} {times(n)}: "
                             f"“{title}” is at {known_now(p, m.seen[skill])}.")
        return self.make(item, skill, "gain", f"Practising “{title}” now is likely to teach you most: "
                         f"{known_now(p, m.seen[skill])}.")


def fresh_seed(item: Item, history: list[Attempt], owner: str, *, scored: set[tuple[str, int]] | None = None) -> int:
    """A variant seed of `item` that this learner has never answered; `scored`, if given, holds the
    (question key, seed) of every answer in `history` already (Mastery.scored)."""
    if scored is None:
        scored = {(item.key, a.seed) for a in history if a.quiz_id == item.quiz_id and a.question_id == item.question_id}
    round_ = PRACTICE_ROUND + sum(1 for key, _ in scored if key == item.key)
    while (item.key, seed := variant_seed(owner, item.key, round_)) in scored:
        round_ += 1
    return seed


def next_for(store, learner_id: int, course, *, now: datetime | None = None) -> tuple[Pick, Catalogue]:
    """The pick for a stored learner: their attempts, read from `store`, against `course`, with the
    parameters last fitted from the class (engine/practice/parameters.py)."""
    from datetime import UTC

    from engine.practice.catalogue import build
    from engine.practice.history import tracked
    from engine.practice.parameters import load_model

    catalogue = build(course)
    state = tracked(store, learner_id, catalogue, load_model(store))
    pick = choose(catalogue, state.attempts, owner=f"learner-{learner_id}", now=now or datetime.now(UTC),
                  mastery=state.mastery)
    return pick, catalogue
