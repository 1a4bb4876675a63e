"""Practice (/practice), Home and Progress for a signed-in learner with attempts, in AppTest:
the weak-spots page explains its pick and trains the skill behind the last mistake, Home
shows each lesson's state and mastery by skill with what the figure means, Progress shows
the same and plots mastery over time."""

from __future__ import annotations

from engine.progress.store import Store
from tests.ui.test_progress_pages import db, page  # noqa: F401, F811 (db: a fixture)


def learner_with_attempts(db: Store):
    ana = db.learner("Ana")
    db.record_attempt(ana.id, "seed", "q1-lora-purpose", seed=1, raw="B", parsed="B", score=1.0, mistake_id=None,
                      feedback="Right.")
    db.record_attempt(ana.id, "number-formats-quantization", "model-size-gb", seed=7, raw="112", parsed=112.0,
                      score=0.0, mistake_id="bits-for-bytes", feedback="You gave bits.")
    db.complete_lesson(ana.id, "why-lora-qlora")
    return ana


def test_home_shows_each_lessons_state_and_mastery_by_skill(db):
    ana = learner_with_attempts(db)
    at = page("home", session={"learner_code": ana.code})
    states = [m.value.strip("*").split(" ", 1)[1] for m in at.markdown if m.value.startswith("**") and
              m.value.strip("*").split(" ", 1)[-1] in ("done", "in progress", "not started")]
    # lesson 1 marked done; lesson 3 (number formats) in progress through its quiz; the others not started
    assert states == ["done", "not started", "in progress", "not started", "not started", "not started"]
    [table] = [d.value for d in at.dataframe]
    rows = {r["skill"]: r for r in table.to_dict("records")}
    assert rows["Units: bits, bytes, GB and GiB"]["known now"] < 0.2 < rows["What LoRA trains, and why"]["known now"]
    # one right answer is "too early to say", whatever its figure; the caption says what the figure means
    assert all(r["status"].startswith("too early to say") and r["answers"] == 1 for r in rows.values())
    meaning = " ".join(c.value for c in at.caption)
    assert "chance that you have the skill today" in meaning and "default parameters" in meaning


def test_home_without_a_learner_shows_no_states():
    at = page("home")
    assert not any("not started" in m.value for m in at.markdown) and not at.dataframe


def test_the_weak_spots_page_trains_the_skill_behind_the_last_mistake(db):
    ana = learner_with_attempts(db)
    at = page("practice", session={"learner_code": ana.code})
    reason = " ".join(a.value for a in at.info)
    assert "You just named bits as bytes (once so far)" in reason and "Units" in reason
    trains = " ".join(c.value for c in at.caption)
    assert "Trains: " in trains and "Units: bits, bytes, GB and GiB" in trains
    assert "Question" not in trains and not at.exception


def test_practice_asks_to_sign_in_first(db):
    at = page("practice")
    assert any("Sign in to practise" in c.value for c in at.caption)


def test_progress_plots_mastery_over_time(db):
    ana = learner_with_attempts(db)
    at = page("progress", session={"learner_code": ana.code})
    charts = [c for c in at.get("plotly_chart")]
    assert any("P(known)" in c.proto.spec for c in charts)


def test_an_answer_keeps_its_feedback_until_next_question_brings_a_new_pick(db):
    ana = db.learner("Ana")
    at = page("practice", session={"learner_code": ana.code})
    assert "not practised" in at.info[0].value  # a new learner: the course's first skill
    first_reason, first_trains = at.info[0].value, at.caption[0].value
    assert "What LoRA trains, and why" in first_reason
    if at.radio:  # whatever question it is, answer it
        at.radio[0].set_value(at.radio[0].options[0])
    else:
        at.text_input[0].input("1")
    at.button[0].click().run()  # Submit
    assert at.success or at.error  # the feedback stays: the pick is kept until "Next question"
    assert (at.info[0].value, at.caption[0].value) == (first_reason, first_trains)
    next(b for b in at.button if b.label == "Next question").click().run()
    assert not at.exception and not at.success
    assert at.info[0].value != first_reason
    assert db.progress(ana.id).quizzes[0].attempts == 1


def test_progress_shows_mastery_by_skill_known_now_and_what_it_means(db):
    ana = learner_with_attempts(db)
    at = page("progress", session={"learner_code": ana.code})
    assert any(s.value == "Your mastery by skill" for s in at.header)  # an h2 under the page title
    assert any("known now" in d.value.columns for d in at.dataframe)
    assert any("mastered** at 95% after at least 3 answers" in c.value for c in at.caption)


def test_home_keeps_serving_when_attempts_cannot_be_read(db, monkeypatch):
    from engine.practice import history
    from engine.progress.store import StoreError

    ana = learner_with_attempts(db)

    def broken(*args, **kwargs):
        raise StoreError("Progress database test: could not read attempts: disk I/O error")

    monkeypatch.setattr(history, "attempts_of", broken)
    at = page("home", session={"learner_code": ana.code})
    assert any("disk I/O error" in w.value for w in at.warning)
    assert any("Course map" in s.value for s in at.header)
