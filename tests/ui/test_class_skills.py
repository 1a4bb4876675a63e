"""The instructor dashboard's skills panel (ui/components/class_skills.py) in AppTest: the skills
the class struggles with most, hardest first, and a Refit that stores the fitted parameters
and shows them."""

from __future__ import annotations

from engine.progress.fits import load_fit
from tests.ui.test_progress_pages import _digest, db, page  # noqa: F401, F811 (db: a fixture)

UNLOCKED = {"secrets": {"INSTRUCTOR_PASSWORD": "pw"}, "session": {"instructor_unlocked": _digest("pw")}}


def a_class(db):
    for n in range(8):
        who = db.learner(f"L{n}").id
        db.record_attempt(who, "number-formats-quantization", "model-size-gb", seed=7, raw="112", parsed=112.0,
                          score=0.0, mistake_id="bits-for-bytes", feedback="You gave bits.")
        db.record_attempt(who, "seed", "q1-lora-purpose", seed=1, raw="B", parsed="B", score=1.0, mistake_id=None,
                          feedback="Right.")


def skills_table(at):
    return next(d.value for d in at.dataframe if "right at first try" in d.value.columns)


def test_the_hardest_skills_come_first_and_a_refit_shows_the_fitted_parameters(db):
    a_class(db)
    at = page("instructor", **UNLOCKED)
    table = skills_table(at)
    first = table.iloc[0]
    assert first["right at first try"] == 0.0 and first["skill"] in ("Units: bits, bytes, GB and GiB",
                                                                     "Model size arithmetic (parameters × bytes)")
    units = table[table["skill"] == "Units: bits, bytes, GB and GiB"].iloc[0]
    assert "bits-for-bytes (8)" in units["most named mistakes"] and units["T"] == "—"
    assert table[table["skill"] == "What LoRA trains, and why"].iloc[0]["right at first try"] == 1.0
    assert any("not fitted yet" in m.value for m in at.markdown)

    next(b for b in at.button if b.label == "Refit from the class's answers").click().run()
    assert not at.exception and any("Refitted from" in s.value for s in at.success)
    units = skills_table(at).set_index("skill").loc["Units: bits, bytes, GB and GiB"]
    fitted_at, rows = load_fit(db)
    stored = next(r for r in rows if r.name == "units")
    assert units["P(L0)"] == f"{stored.p_init:.2f}" and units["from data"] == f"{stored.data_weight:.0%}"
    # one day of answers: too few to tell forgetting or the practice after a slip, and the table says so
    assert (units["F"], units["T after a slip"]) == ("FSRS", "T") and stored.p_forget is None
    assert any(f"last fitted {fitted_at:%Y-%m-%d %H:%M} UTC" in m.value for m in at.markdown)


def test_an_empty_class_lists_every_skill_with_nothing_yet(db):
    at = page("instructor", **UNLOCKED)
    table = skills_table(at)
    assert len(table) == 12 and table["first tries"].tolist() == [0] * 12 and table["T"].tolist() == ["—"] * 12
