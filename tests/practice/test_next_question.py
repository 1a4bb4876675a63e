"""Choosing the next question (engine/practice/next_question.py): the mistake just made, every
skill practised, the most expected learning, reviews that earn their slot, done; fresh
variants; never the question just answered."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from engine.practice.mastery import trace
from engine.practice.model import BKT, MIN_EVIDENCE, Model
from engine.practice.next_question import MISTAKE_DECAY, _Chooser, choose, fresh_seed
from engine.quiz.variants import variant_seed
from tests.practice.conftest import NOW, attempt

GB = "number-formats-quantization/model-size-gb"


def pick(catalogue, history, **kw):
    return choose(catalogue, history, owner="learner-1", now=kw.pop("now", NOW), **kw)


def skills_of(catalogue):
    return list(dict.fromkeys(s for item in catalogue.practice for s in item.skills))


def test_a_new_learner_starts_with_the_first_skill_of_the_course(catalogue):
    first = pick(catalogue, [])
    assert first.kind == "new" and first.skill == skills_of(catalogue)[0] and first.skill in first.item.skills
    assert "not practised" in first.reason


def test_the_mistake_just_made_picks_a_question_training_its_skill(catalogue):
    history = [attempt(1, GB, False, "bits-for-bytes"), attempt(2, GB, False, "bits-for-bytes")]
    chosen = pick(catalogue, history)
    assert chosen.kind == "mistake" and chosen.skill == "units" and "units" in chosen.item.skills
    assert chosen.item.key != GB  # never the question just answered
    assert "You just named bits as bytes (twice so far)" in chosen.reason and "known now" in chosen.reason
    # of the units questions, one that lists the same mistake comes first
    assert any(m.id == "bits-for-bytes" for m in chosen.item.question.solution.common_mistakes)


def test_a_mistakes_extra_weight_halves_with_each_answer_since(catalogue):
    history = [attempt(1, GB, False, "bits-for-bytes")]
    weights = []
    for n in range(2, 6):
        mastery = trace(history, catalogue.items, catalogue.skills)
        weights.append(_Chooser(catalogue, history, "l", mastery, {}).weight("units"))
        history.append(attempt(n, "seed/q1-lora-purpose", True))
    assert weights == [1.0, MISTAKE_DECAY, MISTAKE_DECAY**2, MISTAKE_DECAY**3]


def test_every_skill_is_practised_before_any_is_practised_twice_by_gain(catalogue):
    """A learner who is always right: the first picks reach every skill (a question may train two), each
    pick aimed at the first skill of the course not practised yet."""
    history, aimed, trained = [], [], set()
    for n in range(1, 40):
        chosen = pick(catalogue, history, now=NOW + timedelta(minutes=n))
        if chosen.kind != "new":
            break
        assert chosen.skill not in trained
        aimed.append(chosen.skill)
        trained.update(chosen.item.skills)
        history.append(attempt(n, chosen.item.key, True, seed=chosen.seed))
    assert trained == set(skills_of(catalogue)) and len(aimed) < len(trained)
    assert aimed == [s for s in skills_of(catalogue) if s in aimed]


def test_practice_goes_where_it_teaches_most(catalogue):
    """Everything seen once and wrong; the class learns one skill much faster than the rest (fitted T):
    it is picked, and the reason says why. The same history with the defaults does not prefer it."""
    history = [attempt(i, item.key, False, seed=i) for i, item in enumerate(catalogue.practice, start=1)]
    fast = Model(skills={"nf4": BKT(0.2, 0.6, 0.1, 0.2)}, default=BKT(0.2, 0.05, 0.1, 0.2))
    chosen = pick(catalogue, history, model=fast)
    assert chosen.kind == "gain" and chosen.skill == "nf4" and "likely to teach you most" in chosen.reason
    assert pick(catalogue, history).skill != "nf4"


def test_a_review_does_not_preempt_a_skill_still_unmastered(catalogue):
    """Every skill mastered three days ago except one never got right: practice stays on that one."""
    skills = skills_of(catalogue)
    history, n = [], 0
    for item in catalogue.practice:
        for _ in range(MIN_EVIDENCE + 1):
            n += 1
            history.append(attempt(n, item.key, "precedence" not in item.skills, seed=n, days_ago=3))
    chosen = pick(catalogue, history)
    assert chosen.skill == "precedence" and chosen.kind in ("gain", "mistake") and len(skills) == 12


def test_a_review_comes_back_when_forgetting_has_lowered_a_mastered_skill(catalogue):
    """Everything mastered a month ago: FSRS says some of it is likely forgotten, and practice says so."""
    history = [attempt(i, item.key, True, seed=i, days_ago=30)
               for i, item in enumerate(catalogue.practice * MIN_EVIDENCE, start=1)]
    chosen = pick(catalogue, history)
    assert chosen.kind == "review" and "forgetting (FSRS)" in chosen.reason and "30 day(s) ago" in chosen.reason
    assert chosen.mastery < 0.95


def test_done_when_every_skill_is_mastered_now(catalogue):
    history = [attempt(i, item.key, True) for i, item in enumerate(catalogue.practice * 4, start=1)]
    chosen = pick(catalogue, history)
    assert chosen.item is None and chosen.kind == "done" and "next review is due" in chosen.reason
    assert "after 3 or more answers" in chosen.reason


def test_the_variant_is_fresh(catalogue):
    item = catalogue.items[GB]
    taken = variant_seed("learner-1", GB, 1000)
    history = [attempt(1, GB, True, seed=taken)]
    seed = fresh_seed(item, history, "learner-1")
    assert seed != taken and seed == variant_seed("learner-1", GB, 1001)
    mastery = trace(history, catalogue.items, catalogue.skills)
    assert fresh_seed(item, [], "learner-1", scored=mastery.scored) == seed  # the same from the traced state


@pytest.mark.parametrize("seed", range(3))
def test_the_question_just_answered_is_never_picked_again_and_every_pick_says_why(catalogue, seed):
    rng, history = random.Random(seed), []
    for n in range(1, 60):
        chosen = pick(catalogue, history, now=NOW + timedelta(minutes=n))
        if chosen.item is None:
            break
        assert not history or chosen.item.key != f"{history[-1].quiz_id}/{history[-1].question_id}"
        assert chosen.reason and chosen.skill in chosen.item.skills  # every pick says why, about a skill it trains
        mistakes = [m.id for m in chosen.item.question.solution.common_mistakes]
        right = rng.random() < 0.6
        history.append(attempt(n, chosen.item.key, right, None if right else rng.choice(mistakes), seed=chosen.seed))


def test_a_broken_skills_file_leaves_nothing_to_practise_and_says_why(tmp_path):
    from engine.content.loader import load_course
    from engine.practice.catalogue import build
    from engine.practice.skills import load_skills

    broken = tmp_path / "skills.yaml"
    broken.write_text("skills: [\n")
    empty = build(load_course(), load_skills(broken))
    chosen = pick(empty, [attempt(1, GB, False, "bits-for-bytes")])
    assert chosen.item is None and chosen.kind == "empty" and "python -m engine validate" in chosen.reason
