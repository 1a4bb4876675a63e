"""The Progress page (/progress) and the instructor dashboard (/instructor) in AppTest,
on a fresh SQLite store per test: sign-in by name and code, one learner's data only,
hostile text shown literally, and the dashboard with and without its secret."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from engine.content.loader import load_course
from engine.progress.store import Store, StoreError
from tests.conftest import ROOT

HOSTILE = "<b>Ana</b>'); DROP TABLE learners;--"


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("LORA_LAB_DATA", str(tmp_path))
    for name in ("DATABASE_URL", "INSTRUCTOR_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    store = Store()
    yield store
    store.close()


def page(url_path: str, *, secrets: dict | None = None, session: dict | None = None,
         user: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if user is not None:
        at.user = user  # what st.user reads; "is_logged_in" present = OIDC login configured
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.run()
    at._page_hash = calc_hash(url_path)  # how a deep link selects the page (see tests/apptest.py)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frames(at: AppTest) -> list:
    return [d.value for d in at.dataframe]


def seed_class(db: Store):
    ana, ben = db.learner(HOSTILE), db.learner("Ben")
    for who, mistake in ((ana, "bits_for_bytes"), (ana, "bits_for_bytes"), (ben, "bens_own_slip")):
        db.record_attempt(who.id, "memory", "adapter-size", seed=3, raw="<i>16 MB</i>", parsed={"value": 16},
                          score=0.0, mistake_id=mistake, feedback="You gave bits.", params={"r": 8})
    db.record_attempt(ana.id, "memory", "adapter-size", seed=3, raw="2 MB", parsed={"value": 2}, score=1.0,
                      mistake_id=None, feedback="Right.", params={"r": 8})
    db.record_lab_run(ana.id, "lora", {"seconds": 12.5, "skill_before": 0.0, "skill_after": 0.75,
                                       "peak_memory_bytes": 300 * 2**20, "loss_curve": [2.0, 1.5, 1.1]})
    return ana, ben


def test_a_new_learner_gets_a_code_and_their_name_is_shown_literally(db):
    at = page("progress")
    assert len(at.text_input) == 2 and not at.dataframe  # only the sign-in forms
    at.text_input[0].input(HOSTILE)
    at.button[0].click().run()
    assert not at.exception
    assert [t.value for t in at.text] == [f"Signed in as {HOSTILE}"]
    shown = at.code[0].value.replace("-", "")
    assert db.learner_by_code(shown).name == HOSTILE


def test_with_oidc_login_the_learner_is_st_user(db):
    claims = {"is_logged_in": True, "sub": "oidc|42", "name": HOSTILE, "email": "ana@example.org"}
    at = page("progress", user=claims)
    assert [t.value for t in at.text] == [f"Signed in as {HOSTILE}"] and not at.code  # no code needed
    assert not at.text_input
    again = page("progress", user=claims)
    assert not again.exception and db.learner("x", subject="oidc|42").name == HOSTILE  # one learner, found again
    logged_out = page("progress", user={"is_logged_in": False})
    assert [b.label for b in logged_out.button] == ["Log in to keep your progress"] and not logged_out.text_input


def test_a_blank_name_is_refused_with_a_message(db):
    at = page("progress")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Please type a display name."] and not at.dataframe


def test_a_returning_learner_sees_only_their_own_progress(db):
    ana, ben = seed_class(db)
    at = page("progress")
    at.text_input[1].input(ana.code.lower())
    at.button[1].click().run()
    assert not at.exception
    [runs] = frames(at)
    shown = [m.value for m in at.markdown]
    assert "**memory**" in shown  # a quiz the course no longer has: its id stands in for its title
    assert "1 answered correctly · 1 question tried · 3 attempts" in [c.value for c in at.caption]
    assert "- **2 times:** You gave bits." in shown  # once: never Ben's "bens_own_slip"
    assert not any("bens_own_slip" in text for text in shown)
    assert runs["method"].tolist() == ["lora"] and runs["peak memory MiB"].tolist() == [300.0]
    assert len(at.get("plotly_chart")) == 1  # the loss curve of the run
    assert "0 of" in at.get("progress")[0].proto.text and not any("(done)" in text for text in shown)
    assert any("Next lesson" in str(link.proto) for link in at.get("page_link"))


def test_progress_reads_in_words_titles_mistakes_and_where_to_go_back(db):
    """Quiz titles, not ids; the mistake in its own text with the numbers of the question (not its
    id); the way back named by the quiz's title."""
    course = load_course()
    ana = db.learner("Ana")
    values = {"model_size": 250, "lora_size": 5, "quantization_factor": 0.99}  # int(252.45) = 252
    db.record_attempt(ana.id, "seed", "q3-printed-output", seed=1, raw="253", parsed=253, score=0.0,
                      mistake_id="rounding", feedback="253 is what you get by this common mistake: ...", params=values)
    at = page("progress", session={"learner_code": ana.code})
    title = course.quizzes["seed"].title
    links = [link.proto.label for link in at.get("page_link")]
    assert f"Back to {title}" in links and title in links
    assert not any(text == "**seed**" for text in (m.value for m in at.markdown))
    [line] = [m.value for m in at.markdown if m.value.startswith("- **1 time:**")]
    assert "Rounding instead of truncating" in line and "252.45 becomes 252, not 253" in line
    assert "rounding" not in line.split(":**")[0] and "{" not in line


def test_a_wrong_code_is_refused(db):
    at = page("progress")
    at.text_input[1].input("NOPE1234")
    at.button[1].click().run()
    assert "No learner has that code" in at.error[0].value and not at.dataframe


def test_a_corrupt_database_shows_an_error_and_the_app_keeps_serving(db, tmp_path):
    db.close()
    path = tmp_path / "progress.db"
    path.write_bytes(b"garbage, not SQLite")
    at = page("progress")
    assert "is not a SQLite database" in at.error[0].value
    assert path.read_bytes() == b"garbage, not SQLite"


def test_a_database_failing_after_opening_is_a_message_not_a_traceback(db, monkeypatch):
    def fail(*args, **kwargs):
        raise StoreError("Progress database X: could not read progress: disk I/O error")

    ana = db.learner("Ana")
    monkeypatch.setattr(Store, "progress", fail)
    at = page("progress", session={"learner_code": ana.code})
    assert "disk I/O error" in at.error[0].value
    monkeypatch.setattr("engine.progress.report.class_report", fail)
    at = page("instructor", secrets={"INSTRUCTOR_PASSWORD": "pw"}, session={"instructor_unlocked": _digest("pw")})
    assert "disk I/O error" in at.error[0].value and not at.dataframe


def test_dashboard_of_an_empty_class(db):
    at = page("instructor", secrets={"INSTRUCTOR_PASSWORD": "pw"}, session={"instructor_unlocked": _digest("pw")})
    assert [m.value for m in at.metric][:2] == ["0", "0"] and at.dataframe[0].value.empty


def _digest(password: str) -> str:
    import hashlib
    return hashlib.sha256(password.encode()).hexdigest()


def test_dashboard_is_disabled_without_a_password(db):
    seed_class(db)
    at = page("instructor")
    assert "disabled" in at.info[0].value and not at.dataframe and not at.text_input


@pytest.mark.parametrize("source", ["secrets", "environment"])
def test_dashboard_asks_for_the_password_and_shows_nothing_before(db, monkeypatch, source):
    seed_class(db)
    if source == "environment":
        monkeypatch.setenv("INSTRUCTOR_PASSWORD", "s3cret")
    at = page("instructor", secrets={"INSTRUCTOR_PASSWORD": "s3cret"} if source == "secrets" else None)
    assert not at.dataframe and not at.metric and len(at.text_input) == 1
    at.text_input[0].input("guess").run()
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Wrong password."] and not at.dataframe and not at.metric
    at.text_input[0].input("s3cret")
    at.button[0].click().run()
    assert not at.exception and [m.value for m in at.metric][:2] == ["2", "4"]


def test_dashboard_content_after_unlocking(db):
    ana, _ = seed_class(db)
    db.complete_lesson(ana.id, load_course().lessons[0].id)
    at = page("instructor", secrets={"INSTRUCTOR_PASSWORD": "pw"})
    at.text_input[0].input("pw")
    at.button[0].click().run()
    questions, wrong, by_param, lessons = frames(at)[:4]  # then the skills panel (tests/ui/test_class_skills.py)
    assert questions.iloc[0][["attempts", "learners", "correct at first try"]].tolist() == [4, 2, "0%"]
    assert wrong.to_dict("records") == [{"answer (as typed once)": "<i>16 MB</i>", "times": 2,
                                         "named mistake": "bits_for_bytes"},
                                        {"answer (as typed once)": "<i>16 MB</i>", "times": 1,
                                         "named mistake": "bens_own_slip"}]
    assert by_param.iloc[0].to_dict() == {"parameter": "r", "value": "8", "attempts": 4, "correct": "25%"}
    assert len(lessons) >= 6 and len(at.get("plotly_chart")) == 1 and len(at.get("download_button")) == 1
    assert lessons["finished by"].tolist()[:2] == [1, 0]


def test_a_signed_in_learners_quiz_answer_and_lesson_are_saved(db):
    """The hooks in ui/components/question.py and ui/pages/lesson.py write to the store for the signed-in learner."""
    ana = db.learner("Ana")
    key = "quiz-seed-q3-printed-output"
    at = page("quiz-seed", session={"learner_code": ana.code})
    at.text_input(key=f"in-{key}-0").input("253")
    at.button(key=f"FormSubmitter:form-{key}-0-Submit").click()
    at.run()
    assert not at.exception
    mine = db.progress(ana.id)
    assert [(q.quiz_id, q.attempts) for q in mine.quizzes] == [("seed", 1)]
    assert mine.mistakes[0][0] == "rounding" and mine.last_question == ("seed", "q3-printed-output")
    lesson_id = load_course().lessons[0].id
    at = page(lesson_id, session={"learner_code": ana.code})
    at.button(key=f"done-{lesson_id}").click().run()
    assert not at.exception and db.progress(ana.id).lessons_done == [lesson_id]
    assert any("finished this lesson" in box.value for box in at.success)


def test_nothing_is_saved_for_a_visitor_who_is_not_signed_in(db):
    key = "quiz-seed-q3-printed-output"
    at = page("quiz-seed")
    at.text_input(key=f"in-{key}-0").input("253")
    at.button(key=f"FormSubmitter:form-{key}-0-Submit").click()
    at.run()
    assert not at.exception and at.session_state["quiz_attempts"]  # graded, kept in the session only
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM attempts").scalar() == 0


def _finish_two_runs():
    from ui.components import identity

    results = {"lora": {"seconds": 4.0, "skill_after": 0.5, "code": "print()", "loss_curve": [1.0, 0.5]},
               "qlora": {"seconds": 6.0, "skill_after": 0.25, "adapter_dir": "/tmp/x"}}
    identity.save_lab_runs({"lora": "job-1", "qlora": "job-2"}, results)


def test_finished_lab_runs_are_saved_once_with_their_figures(db):
    ana = db.learner("Ana")
    at = AppTest.from_function(_finish_two_runs)
    at.session_state["learner_code"] = ana.code
    at.run()
    at.run()  # the results panel reruns while shown: still one row per job
    assert not at.exception
    runs = {r["method"]: r["measurements"] for r in db.progress(ana.id).lab_runs}
    assert runs == {"lora": {"seconds": 4.0, "skill_after": 0.5, "loss_curve": [1.0, 0.5], "job_id": "job-1"},
                    "qlora": {"seconds": 6.0, "skill_after": 0.25, "job_id": "job-2"}}  # no code or paths kept


PROBE = """
import json, sys
sys.path.insert(0, {root!r})
from tests.ui.test_progress_pages import page
for url in ("progress", "instructor"):
    page(url)
print(json.dumps(sorted(m for m in ("torch", "transformers", "peft", "bitsandbytes") if m in sys.modules)))
"""


def test_opening_the_pages_imports_no_torch(db):
    result = subprocess.run([sys.executable, "-c", PROBE.format(root=str(ROOT))], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_a_signed_in_learner_keeps_their_variants_across_visits(db):
    """Variants are seeded by the learner, not the browser session, once someone is signed in."""
    from engine.quiz.variants import variant_seed

    ana = db.learner("Ana")
    owners = []
    for _visit in range(2):
        at = page("quiz-seed", session={"learner_code": ana.code})
        owners.append(at.session_state["variant_owner"][1])
    assert owners == [f"learner-{ana.id}"] * 2
    visitor = page("quiz-seed").session_state["learner_id"]
    assert visitor != owners[0]
    question = "seed/q3-printed-output"
    assert variant_seed(owners[0], question, 1) == variant_seed(owners[1], question, 1)
    assert variant_seed(owners[0], question, 1) != variant_seed(visitor, question, 1)


# ---- issue 14 item 7: guesses are limited; a blank password is no password ------------
def test_a_right_answer_after_show_solution_is_recorded_as_seen(db):
    """Issue 14: the dashboard's "correct at first try" leaves out answers copied from the solution."""
    from engine.progress.report import class_report

    ana = db.learner("Ana")
    key = "quiz-seed-q3-printed-output"
    at = page("quiz-seed", session={"learner_code": ana.code})
    at.button(key=f"show-{key}").click().run()
    at.text_input(key=f"in-{key}-0").input("252")
    at.button(key=f"FormSubmitter:form-{key}-0-Submit").click().run()
    assert not at.exception and at.session_state["quiz_attempts"]["seed/q3-printed-output"][0]["solution_seen"]
    [stat] = class_report(db).questions
    assert (stat.first_try_correct, stat.solution_first, stat.correct) == (0.0, 1.0, 1.0)
    at = page("instructor", secrets={"INSTRUCTOR_PASSWORD": "pw"}, session={"instructor_unlocked": _digest("pw")})
    assert frames(at)[0].iloc[0][["correct at first try", "saw the solution first"]].tolist() == ["0%", "100%"]


def test_a_data_folder_that_is_a_file_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (tmp_path / "data").write_text("a file, not a folder")
    monkeypatch.setenv("LORA_LAB_DATA", str(tmp_path / "data"))
    at = page("progress")
    assert at.error[0].value.startswith("Progress cannot be saved right now.") and "is a file, not a folder" in at.error[0].value
