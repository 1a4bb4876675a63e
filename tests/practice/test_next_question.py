"""Choosing the next question (engine/practice/next_question.py): the mistake just made, due
reviews, the weakest skill, done; fresh variants; never the question just answered."""

from __future__ import annotations

from engine.practice.mastery import MASTERED
from engine.practice.next_question import choose, fresh_seed
from engine.quiz.variants import variant_seed
from tests.practice.conftest import NOW, attempt

GB = "number-formats-quantization/model-size-gb"


def pick(catalogue, history, **kw):
    return choose(catalogue, history, owner="learner-1", now=NOW, **kw)


def test_a_new_learner_starts_with_the_first_skill_of_the_course(catalogue):
    first = pick(catalogue, [])
    assert first.kind == "new" and first.item.key == catalogue.practice[0].key
    assert "not practised" in first.reason


def test_the_mistake_just_made_picks_a_question_training_its_skill(catalogue):
    history = [attempt(1, GB, False, "bits-for-bytes"), attempt(2, GB, False, "bits-for-bytes")]
    chosen = pick(catalogue, history)
    assert chosen.kind == "mistake" and chosen.skill == "units" and "units" in chosen.item.skills
    assert chosen.item.key != GB  # never the question just answered
    assert "You just named bits as bytes (twice so far)" in chosen.reason
    # of the units questions, one that lists the same mistake comes first
    assert any(m.id == "bits-for-bytes" for m in chosen.item.question.solution.common_mistakes)


def test_later_the_most_frequent_mistake_still_steers_practice(catalogue):
    history = [attempt(i, GB, False, "bits-for-bytes") for i in (1, 2, 3)]
    history.append(attempt(4, "seed/q1-lora-purpose", True))
    chosen = pick(catalogue, history)
    assert chosen.kind == "weakest" and chosen.skill == "units"
    assert chosen.reason.startswith("You named bits as bytes 3 times")


def test_a_due_review_comes_back(catalogue):
    history = [attempt(1, "seed/q1-lora-purpose", True, days_ago=2)]
    chosen = pick(catalogue, history)
    assert chosen.kind == "review" and chosen.item.key == "seed/q1-lora-purpose"
    assert "SM-2" in chosen.reason


def test_done_when_every_skill_is_mastered_and_nothing_is_due(catalogue):
    history = [attempt(i, item.key, True) for i, item in enumerate(catalogue.practice * 4, start=1)]
    chosen = pick(catalogue, history, threshold=MASTERED)
    assert chosen.item is None and chosen.kind == "done" and "next review is due" in chosen.reason


def test_the_variant_is_fresh(catalogue):
    item = catalogue.items[GB]
    taken = variant_seed("learner-1", GB, 1000)
    history = [attempt(1, GB, True, seed=taken)]
    seed = fresh_seed(item, history, "learner-1")
    assert seed != taken and seed == variant_seed("learner-1", GB, 1001)


def test_a_broken_skills_file_leaves_nothing_to_practise_and_says_why(tmp_path):
    from engine.content.loader import load_course
    from engine.practice.catalogue import build
    from engine.practice.skills import load_skills

    broken = tmp_path / "skills.yaml"
    broken.write_text("skills: [\n")
    empty = build(load_course(), load_skills(broken))
    chosen = pick(empty, [attempt(1, GB, False, "bits-for-bytes")])
    assert chosen.item is None and chosen.kind == "empty" and "python -m engine validate" in chosen.reason
