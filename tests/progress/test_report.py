"""engine/progress/report.py and `python -m engine report`: class analytics from a small, known class."""

from __future__ import annotations

import csv
import io

import pytest

from engine.__main__ import main
from engine.progress.report import CSV_COLUMNS, attempts_csv, class_report, quiz_results_by_lesson
from engine.progress.store import Store
from tests.progress.test_store import store_url  # noqa: F401 (fixture: SQLite, and PostgreSQL when there is one)


@pytest.fixture
def classroom(store_url):  # noqa: F811
    """Three learners on one question with a parameter r; Ana right first, Ben and Cy wrong first."""
    store = Store(store_url)
    ana, ben, cy = (store.learner(n) for n in ("Ana", "Ben", "=cmd|' /C calc'!A0"))

    def answer(who, raw, correct, mistake=None, r=8):
        store.record_attempt(who.id, "mem", "adapter-size", seed=r, raw=raw, parsed={"value": raw.split()[0]},
                             score=1.0 if correct else 0.0, mistake_id=mistake, feedback="fb", params={"r": r},
                             correct=correct)

    answer(ana, "2 MB", True, r=8)
    answer(ben, "16 MB", False, "bits_for_bytes", r=8)
    answer(ben, "2 MB", True, r=16)
    answer(cy, "16  MB", False, "bits_for_bytes", r=16)  # typed differently, parsed the same
    answer(cy, "7 MB", False, None, r=16)
    answer(cy, "2 MB", True, r=16)
    store.record_attempt(ana.id, "mem", "other", seed=0, raw="x", parsed="x", score=0.0, mistake_id="gb_for_gib",
                         feedback="fb")
    store.complete_lesson(ana.id, "01"), store.complete_lesson(ben.id, "01"), store.complete_lesson(ana.id, "02")
    yield store
    store.close()


def test_per_question_attempts_and_first_try_share(classroom):
    report = class_report(classroom)
    assert (report.learners, report.attempts) == (3, 7)
    stat = next(q for q in report.questions if q.question_id == "adapter-size")
    assert (stat.attempts, stat.learners) == (6, 3)
    assert stat.first_try_correct == pytest.approx(1 / 3)  # only Ana was right first
    assert stat.correct == pytest.approx(3 / 6)


def test_wrong_answers_are_grouped_by_parsed_answer_with_their_mistake(classroom):
    wrong = class_report(classroom).wrong_answers[("mem", "adapter-size")]
    assert [(w.count, w.mistake_id) for w in wrong] == [(2, "bits_for_bytes"), (1, None)]
    assert wrong[0].example in ("16 MB", "16  MB") and wrong[1].example == "7 MB"
    assert len(class_report(classroom, top_wrong=1).wrong_answers[("mem", "adapter-size")]) == 1


def test_results_by_parameter_value(classroom):
    rows = class_report(classroom).by_param[("mem", "adapter-size")]
    assert [(r.param, r.value, r.attempts) for r in rows] == [("r", "8", 2), ("r", "16", 4)]  # numeric order
    assert [r.correct for r in rows] == pytest.approx([1 / 2, 2 / 4])
    assert ("mem", "other") not in class_report(classroom).by_param  # it had no parameters


def test_class_mistakes_and_lessons(classroom):
    report = class_report(classroom)
    assert report.mistakes == [("bits_for_bytes", 2, 2), ("gb_for_gib", 1, 1)]
    assert report.lessons == {"01": 2, "02": 1}


def test_every_mistake_an_answer_shows_is_counted(classroom):
    # Issue 17: two wrong options, each linked to a mistake, were counted as the first one only.
    ben = classroom.learner("Dee")
    classroom.record_attempt(ben.id, "seed", "q1", seed=0, raw="A C", parsed=["A", "C"], score=0.0,
                             mistake_id="replaces-model", mistakes=["replaces-model", "bits_for_bytes"], feedback="fb")
    mistakes = class_report(classroom).mistakes
    assert ("bits_for_bytes", 3, 3) in mistakes and ("replaces-model", 1, 1) in mistakes


def test_quiz_results_by_lesson(classroom):
    by_lesson = quiz_results_by_lesson(class_report(classroom), {"mem": "05-memory", "unused": "01"})
    # adapter-size: 3 learners, 1 right at once; other: 1 learner, wrong at once → 1 of 4 pairs
    assert by_lesson == {"05-memory": (7, pytest.approx(1 / 4))}


def test_csv_export_has_every_attempt_no_codes_and_no_live_formulas(classroom):
    rows = list(csv.reader(io.StringIO(attempts_csv(classroom))))
    assert rows[0] == CSV_COLUMNS and len(rows) == 8 and "code" not in rows[0]
    names = {row[3] for row in rows[1:]}
    assert names == {"Ana", "Ben", "'=cmd|' /C calc'!A0"}  # shown as text by a spreadsheet, not run


def test_cli_report_prints_and_writes_csv(classroom, tmp_path, capsys):
    out = tmp_path / "attempts.csv"
    assert main(["report", "--database", classroom.url, "--csv", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "3 learners, 7 attempts" in printed and "bits_for_bytes: 2 (2)" in printed
    assert "mem/adapter-size: 6 attempts, 3 learners, 33% first try, 50% overall, 0% saw the solution first" in printed
    assert "wrote 7 attempts" in printed and len(out.read_text(encoding="utf-8").splitlines()) == 8


def test_cli_report_csv_to_stdout(classroom, capsys):
    assert main(["report", "--database", classroom.url, "--csv", "-"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS) and len(lines) == 8


def test_cli_report_on_a_corrupt_file_says_why(tmp_path, capsys):
    bad = tmp_path / "progress.db"
    bad.write_bytes(b"not sqlite")
    assert main(["report", "--database", f"sqlite:///{bad}"]) == 2
    assert "is not a SQLite database" in capsys.readouterr().err and bad.read_bytes() == b"not sqlite"


def test_a_first_try_after_opening_the_solution_is_counted_apart(store_url):  # noqa: F811
    """Issue 14: viewing the solution, then submitting, is not "correct at the first try"."""
    store = Store(store_url)
    try:
        ana, ben = store.learner("Ana"), store.learner("Ben")
        for who, seen in ((ana, True), (ben, False)):
            store.record_attempt(who.id, "mem", "q", seed=0, raw="2", parsed=2, score=1.0, mistake_id=None,
                                 feedback="fb", solution_seen=seen)
        store.record_attempt(ben.id, "mem", "q", seed=0, raw="2", parsed=2, score=1.0, mistake_id=None,
                             feedback="fb", solution_seen=True)  # a later attempt: not the first try
        [stat] = class_report(store).questions
        assert stat.first_try_correct == pytest.approx(1 / 2)  # Ben only; Ana copied the solution
        assert stat.solution_first == pytest.approx(1 / 2)
        rows = list(csv.DictReader(io.StringIO(attempts_csv(store))))
        assert [r["solution_seen"] for r in rows] == ["True", "False", "True"]
    finally:
        store.close()
