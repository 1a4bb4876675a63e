"""`python -m engine fit [--json]`: fits the class's parameters, stores them, prints them."""

from __future__ import annotations

import json

from engine.__main__ import main
from engine.practice.parameters import load_model
from engine.progress.fits import load_fit
from tests.cli.test_next import db  # noqa: F401  (fixture: a fresh SQLite store in LORA_LAB_DATA)


def test_fit_with_no_answers_says_the_defaults_stay(db, capsys):  # noqa: F811
    assert main(["fit"]) == 0
    assert "practice keeps the default parameters" in capsys.readouterr().out


def test_fit_stores_and_prints_each_skill_and_choice_question(db, capsys):  # noqa: F811
    for n in range(12):
        who = db.learner(f"L{n}").id
        db.record_attempt(who, "seed", "q1-lora-purpose", seed=1, raw="B", parsed="B", score=1.0, mistake_id=None,
                          feedback="")
        db.record_attempt(who, "number-formats-quantization", "model-size-gb", seed=7, raw="112", parsed=112.0,
                          score=0.0, mistake_id="bits-for-bytes", feedback="You gave bits.")
    assert main(["fit"]) == 0
    out = capsys.readouterr().out
    assert "12 learners, 24 answers as evidence" in out and "\nunits " in out and "\nlora-ideas " in out
    assert "seed/q1-lora-purpose: 0.25 ->" in out
    fitted_at, rows = load_fit(db)
    assert {r.name for r in rows} == {"units", "lora-ideas", "seed/q1-lora-purpose"} and fitted_at
    assert main(["fit", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    units = next(r for r in found["rows"] if r["name"] == "units")
    assert units["scope"] == "skill" and units["evidence"] == 12 and units["p_init"] < 0.2  # all of them wrong
    # every answer on one day: the class cannot tell how fast it forgets, and says so (FSRS's curve)
    assert units["p_forget"] is None and "\nunits " in out and out.split("\nunits ")[1].split()[4:6] == ["FSRS", "T"]
    assert load_model(db).of("units").p_init == units["p_init"]


def test_an_unreadable_database_is_an_error_naming_it(tmp_path, capsys):
    folder = tmp_path / "not-a-db"
    folder.mkdir()
    assert main(["fit", "--database", f"sqlite:///{folder}"]) == 2
    assert "not-a-db" in capsys.readouterr().err
