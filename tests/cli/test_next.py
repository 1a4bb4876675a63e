"""`python -m engine next --learner CODE [--json]`: the next question and why."""

from __future__ import annotations

import json

import pytest

from engine.__main__ import main
from engine.progress.store import Store


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("LORA_LAB_DATA", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    store = Store()
    yield store
    store.close()


def test_next_names_the_question_and_why_as_text_and_json(db, capsys):
    ana = db.learner("Ana")
    db.record_attempt(ana.id, "number-formats-quantization", "model-size-gb", seed=7, raw="112", parsed=112.0,
                      score=0.0, mistake_id="bits-for-bytes", feedback="You gave bits.")
    assert main(["next", "--learner", ana.code]) == 0
    text = capsys.readouterr().out
    assert "Next: " in text and "Why: You just named bits as bytes" in text and "units" in text
    assert main(["next", "--learner", f"{ana.code[:4]}-{ana.code[4:]}", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["kind"] == "mistake" and "units" in found["skills"] and found["question"] != "model-size-gb"


def test_an_unknown_code_is_refused(db, capsys):
    assert main(["next", "--learner", "NOPE-NOPE"]) == 1
    assert "no learner has the code" in capsys.readouterr().out
