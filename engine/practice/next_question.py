"""Which question a learner should practise next, and why, in the order a tutor would:

    1. the mistake just made: a wrong answer whose named mistake reveals a skill still
       below the mastery threshold → a question training that skill;
    2. review: a question that SM-2 (engine/practice/schedule.py) says is due;
    3. the weakest skill: lowest mastery, weighted by how often its mistakes were made,
       weight = (1 - P(L)) · (1 + times its mistakes were named);
    4. done: every practised skill is mastered and nothing is due.

Within a skill, the question answered fewest times comes first (course order breaks a
tie), never the one just answered unless it is the only one; its variant is fresh (a
seed the learner has not had for that question), so a right answer cannot be replayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.practice.catalogue import Catalogue
from engine.practice.mastery import MASTERED, Attempt, Item, Mastery, trace
from engine.practice.schedule import cards, due
from engine.quiz.variants import variant_seed

PRACTICE_ROUND = 1000  # practice's variant rounds start here, apart from a quiz page's rounds 0, 1, 2, ...
# How the app names a slip, by mistake id or built-in transform (ids with - or _ alike).
PHRASES = {
    "bits_for_bytes": "named bits as bytes", "bytes_for_bits": "named bytes as bits",
    "gb_for_gib": "gave GB where GiB was asked", "gib_for_gb": "gave GiB where GB was asked",
    "precedence": "lost the brackets (order of operations)", "wrong_operand": "applied a factor to one term only",
    "term_left_out": "left a term out", "int_forgotten": "forgot that int() truncates",
    "round_not_truncate": "rounded where int() truncates", "upside_down": "divided the wrong way round",
    "no_percent": "gave a fraction where a percent was asked",
}


@dataclass(frozen=True)
class Pick:
    """The next question (None when done), its fresh seed, and why it was chosen."""

    item: Item | None
    seed: int
    kind: str  # "mistake", "review", "weakest", "new", "done", or "empty" (no question names a skill)
    reason: str
    skill: str | None = None
    mastery: float | None = None

    def as_dict(self) -> dict:
        return {"quiz": self.item.quiz_id if self.item else None,
                "question": self.item.question_id if self.item else None, "seed": self.seed,
                "skills": list(self.item.skills) if self.item else [], "kind": self.kind, "reason": self.reason,
                "skill": self.skill, "mastery": None if self.mastery is None else round(self.mastery, 4)}


def times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def phrase(mistake_id: str) -> str:
    key = mistake_id.replace("-", "_")
    return PHRASES.get(key, f"made the slip “{mistake_id.replace('-', ' ').replace('_', ' ')}”")


def choose(catalogue: Catalogue, history: list[Attempt], *, owner: str, now: datetime,
           threshold: float = MASTERED, mastery: Mastery | None = None, deck: dict | None = None) -> Pick:
    """The next question for the learner whose attempts (oldest first) are `history`;
    `mastery` and `deck` (SM-2 cards), when given, are those of `history`, already built."""
    if not catalogue.practice:  # no skills file, or no question names a declared skill
        return Pick(None, 0, "empty", "No practice question names a declared skill; "
                    "`python -m engine validate` says what is wrong with practice/skills.yaml.")
    mastery = mastery or trace(history, catalogue.items, catalogue.skills)
    deck = cards(history) if deck is None else deck
    last = history[-1] if history else None
    title = catalogue.skills.title
    if last and not last.correct and last.mistake_id:
        weak = [s for s in mastery.mistake_skills.get(last.mistake_id, ()) if mastery.of(s) < threshold]
        if weak:
            skill = min(weak, key=mastery.of)
            n = mastery.mistakes[last.mistake_id]
            reason = (f"You just {phrase(last.mistake_id)} ({times(n)} so far): this question trains "
                      f"“{title(skill)}” ({mastery.of(skill):.0%} mastered).")
            return _pick(catalogue, history, owner, skill, "mistake", reason, mastery, last.mistake_id)
    practice = {item.key: item for item in catalogue.practice}
    # a question just answered is never due: SM-2's shortest interval is a day
    ready = [(key, card) for key, card in due(deck, now) if key in practice]
    if ready:
        key, card = ready[0]
        item = practice[key]
        days = max(0, (now - card.last_review).days)
        reason = (f"Review: you last answered this {days} day(s) ago, and spaced review (SM-2) brings it back "
                  f"after {card.interval_days:g} day(s) so that it sticks.")
        return Pick(item, fresh_seed(item, history, owner), "review", reason, item.skills[0],
                    mastery.of(item.skills[0]))
    return _weakest(catalogue, history, owner, mastery, threshold, now, deck)


def _weakest(catalogue, history, owner, mastery: Mastery, threshold: float, now: datetime, deck: dict) -> Pick:
    skills = list(dict.fromkeys(s for item in catalogue.practice for s in item.skills))
    made: dict[str, list[tuple[int, str]]] = {}
    for mistake_id, n in mastery.mistakes.items():
        for skill in mastery.mistake_skills.get(mistake_id, ()):
            made.setdefault(skill, []).append((n, mistake_id))
    open_ = [s for s in skills if mastery.of(s) < threshold]
    if not open_:
        upcoming = min((c.due for c in deck.values()), default=None)
        when = f" The next review is due {upcoming:%Y-%m-%d %H:%M} UTC." if upcoming and upcoming > now else ""
        return Pick(None, 0, "done", f"Every skill is above {threshold:.0%} mastery.{when}")
    weight = {s: (1 - mastery.of(s)) * (1 + sum(n for n, _ in made.get(s, []))) for s in open_}
    skill = max(open_, key=lambda s: (weight[s], -skills.index(s)))
    title, p = catalogue.skills.title(skill), mastery.of(skill)
    if made.get(skill):
        n, mistake_id = max(made[skill])
        reason = f"You {phrase(mistake_id)} {times(n)}: “{title}” is at {p:.0%} mastery."
        return _pick(catalogue, history, owner, skill, "weakest", reason, mastery, mistake_id)
    if not mastery.seen[skill]:
        return _pick(catalogue, history, owner, skill, "new", f"You have not practised “{title}” yet.", mastery)
    reason = f"“{title}” is your weakest skill: {p:.0%} mastery after {mastery.seen[skill]} answer(s)."
    return _pick(catalogue, history, owner, skill, "weakest", reason, mastery)


def _pick(catalogue, history, owner, skill: str, kind: str, reason: str, mastery: Mastery,
          mistake_id: str | None = None) -> Pick:
    candidates = [item for item in catalogue.practice if skill in item.skills]
    last = history[-1] if history else None
    if last and len(candidates) > 1:
        candidates = [i for i in candidates if (i.quiz_id, i.question_id) != (last.quiz_id, last.question_id)]
    tries: dict[str, int] = {}
    for attempt in history:
        key = f"{attempt.quiz_id}/{attempt.question_id}"
        tries[key] = tries.get(key, 0) + 1

    def lists_mistake(item: Item) -> bool:  # a question that can catch the same slip again comes first
        return any(m.id == mistake_id for m in item.question.solution.common_mistakes)

    # min is stable: course order breaks ties
    item = min(candidates, key=lambda i: (not (mistake_id and lists_mistake(i)), tries.get(i.key, 0)))
    return Pick(item, fresh_seed(item, history, owner), kind, reason, skill, mastery.of(skill))


def fresh_seed(item: Item, history: list[Attempt], owner: str) -> int:
    """A variant seed of `item` that this learner has never answered."""
    seen = {a.seed for a in history if a.quiz_id == item.quiz_id and a.question_id == item.question_id}
    round_ = PRACTICE_ROUND + len(seen)
    while (seed := variant_seed(owner, item.key, round_)) in seen:
        round_ += 1
    return seed


def next_for(store, learner_id: int, course, *, now: datetime | None = None) -> tuple[Pick, Catalogue]:
    """The pick for a stored learner: their attempts, read from `store`, against `course`."""
    from datetime import UTC

    from engine.practice.catalogue import build
    from engine.practice.history import tracked

    catalogue = build(course)
    state = tracked(store, learner_id, catalogue)
    pick = choose(catalogue, state.attempts, owner=f"learner-{learner_id}", now=now or datetime.now(UTC),
                  mastery=state.mastery, deck=state.deck.cards())
    return pick, catalogue
