"""engine/progress/store.py: the store on SQLite and PostgreSQL, migrations, and its reliability:
concurrent writers, a killed writer, a missing folder, a corrupt file, hostile text."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading

import pytest
from sqlalchemy import create_engine, insert, text

from engine.progress.records import next_lesson
from engine.progress.store import CODE_ALPHABET, Store, StoreError, database_url, to_json
from engine.progress import tables as models
from tests.conftest import ROOT

PG_URL = os.environ.get("TEST_POSTGRES_URL")
HOSTILE = ["Robert'); DROP TABLE learners;--", "<script>alert('x')</script>", "**bold** <b>b</b> & \"q\" %s {0}"]


def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A fresh, empty database of each kind; PostgreSQL only where tests/run.sh started one."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'progress.db'}"
    if not PG_URL:
        pytest.skip("TEST_POSTGRES_URL is unset: no PostgreSQL server (tests/run.sh starts one)")
    reset_postgres(PG_URL)
    return PG_URL


@pytest.fixture
def store(store_url):
    s = Store(store_url)
    yield s
    s.close()


def attempt(store, learner_id, question="q1", **kw):
    values = dict(seed=7, raw="14 GB", parsed={"value": 14}, score=0.0, mistake_id="bits_for_bytes",
                  feedback="You gave bits.", params={"r": 8})
    values.update(kw)
    return store.record_attempt(learner_id, "quiz-a", question, **values)


def test_learner_codes_are_unguessable_and_bring_the_learner_back(store):
    ana, ben = store.learner("Ana"), store.learner("Ana")
    assert ana.id != ben.id and ana.code != ben.code  # two people may share a display name
    assert len(ana.code) == 8 and set(ana.code) <= set(CODE_ALPHABET)
    typed = f" {ana.code[:4].lower()}-{ana.code[4:]} "
    assert store.learner_by_code(typed) == ana
    assert store.learner_by_code("ZZZZZZZZ") is None and store.learner_by_code("") is None


def test_an_oidc_subject_is_one_learner(store):
    first = store.learner("Ana Lima", subject="oidc|123")
    assert store.learner("Ana L.", subject="oidc|123") == first
    assert store.learner("Ana Lima", subject="oidc|456").id != first.id


@pytest.mark.parametrize("bad", ["", "   ", "x" * 101, "tab\there"])
def test_bad_display_names_are_refused_with_a_reason(store, bad):
    with pytest.raises(ValueError, match="display name"):
        store.learner(bad)


def test_progress_holds_only_that_learners_data(store):
    ana, ben = store.learner("Ana"), store.learner("Ben")
    attempt(store, ana.id, "q1")
    attempt(store, ana.id, "q1", score=1.0, mistake_id=None, raw="1.75 GB")
    attempt(store, ana.id, "q2")
    attempt(store, ben.id, "q9", mistake_id="ben_only")
    store.complete_lesson(ana.id, "01-intro")
    store.record_lab_run(ben.id, "lora", {"seconds": 3.5})
    mine = store.progress(ana.id)
    assert (mine.learner.id, mine.learner.name) == (ana.id, "Ana") and mine.lessons_done == ["01-intro"]
    [quiz] = mine.quizzes
    assert (quiz.quiz_id, quiz.questions_tried, quiz.questions_correct, quiz.attempts) == ("quiz-a", 2, 1, 3)
    assert mine.mistakes == [("bits_for_bytes", 2, "You gave bits.")]
    assert mine.lab_runs == [] and mine.last_question == ("quiz-a", "q2")
    theirs = store.progress(ben.id)
    assert [m[0] for m in theirs.mistakes] == ["ben_only"] and theirs.lab_runs[0]["measurements"] == {"seconds": 3.5}
    assert store.progress(999_999) is None


def test_lessons_complete_once_and_the_next_one_is_suggested(store):
    ana = store.learner("Ana")
    assert store.complete_lesson(ana.id, "01") is True
    assert store.complete_lesson(ana.id, "01") is False
    assert store.progress(ana.id).lessons_done == ["01"]
    assert next_lesson(store.progress(ana.id), ["01", "02", "03"]) == "02"
    store.complete_lesson(ana.id, "02"), store.complete_lesson(ana.id, "03")
    assert next_lesson(store.progress(ana.id), ["01", "02", "03"]) is None


def test_hostile_names_and_answers_are_stored_literally(store):
    for text_ in HOSTILE:
        learner = store.learner(text_)
        attempt(store, learner.id, raw=text_, feedback=text_)
        assert store.learner_by_code(learner.code).name == text_
    with store.engine.connect() as conn:
        raws = conn.execute(text("SELECT raw FROM attempts ORDER BY id")).scalars().all()
    assert raws == HOSTILE and store.version() == models.LATEST  # and every table is still there


def test_a_very_long_answer_is_stored_capped(store):
    """PostgreSQL refuses B-tree entries over ~2.7 kB; long free text must stay out of its indexes."""
    ana = store.learner("Ana")
    long = "x = " + "1 + " * 5000  # 20,004 characters
    attempt(store, ana.id, raw=long, parsed={"steps": [long]}, feedback=long)  # 20 kB of JSON: kept whole
    with store.engine.connect() as conn:
        raw, parsed = conn.execute(text("SELECT raw, parsed FROM attempts")).one()
    assert raw == long[:10_000] and long in parsed
    attempt(store, ana.id, parsed={"steps": [long] * 10})  # 200 kB of JSON: only its start is kept
    with store.engine.connect() as conn:
        kept = conn.execute(text("SELECT parsed FROM attempts ORDER BY id DESC")).first()[0]
    assert json.loads(kept) == {"truncated": to_json({"steps": [long] * 10})[:10_000]}


@pytest.mark.parametrize("change, message", [
    (dict(score=1.5), "score"), (dict(score=float("nan")), "score"), (dict(seed=-1), "seed")])
def test_bad_attempts_are_refused_naming_the_field(store, change, message):
    ana = store.learner("Ana")
    with pytest.raises(ValueError, match=message):
        attempt(store, ana.id, **change)


def test_an_attempt_for_an_unknown_learner_is_refused(store):
    with pytest.raises(ValueError, match="no learner with id 424242"):
        attempt(store, 424242)


def test_an_old_database_is_upgraded_without_losing_rows(store_url):
    """Build a version-1 database by hand (attempts without params/correct), then open it."""
    engine = create_engine(store_url)
    if store_url.startswith("sqlite"):
        from pathlib import Path
        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    with engine.begin() as conn:
        models.schema_version.create(conn)
        models.MIGRATIONS[0](conn)
        conn.execute(insert(models.schema_version).values(version=1, applied_at=models_now()))
        conn.execute(text("INSERT INTO learners (id, name, code, created_at) VALUES (1, 'Old', 'OLDCODE2', :t)"),
                     {"t": models_now()})
        for i, score in enumerate([1.0, 0.0, 0.5]):
            conn.execute(text("INSERT INTO attempts (learner_id, quiz_id, question_id, seed, raw, parsed, score, "
                              "feedback, created_at) VALUES (1, 'qz', :q, 0, 'x', '{}', :s, 'f', :t)"),
                         {"q": f"q{i}", "s": score, "t": models_now()})
    engine.dispose()
    store = Store(store_url)
    assert store.version() == models.LATEST
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT question_id, correct, params FROM attempts ORDER BY id")).all()
    assert [(q, bool(c), p) for q, c, p in rows] == [("q0", True, "{}"), ("q1", False, "{}"), ("q2", False, "{}")]
    assert store.learner_by_code("oldcode2").name == "Old"  # the same code still signs in...
    with store.engine.connect() as conn:  # ...though only its hash is kept now (version 7)
        assert conn.execute(text("SELECT code_hash FROM learners")).scalar() != "OLDCODE2"
    attempt(store, 1)  # and the upgraded table takes new rows
    assert {q.quiz_id: q.attempts for q in store.progress(1).quizzes} == {"qz": 3, "quiz-a": 1}
    store.close()


def test_a_database_from_a_newer_app_is_refused(store):
    with store.engine.begin() as conn:
        conn.execute(insert(models.schema_version).values(version=models.LATEST + 1, applied_at=models_now()))
    with pytest.raises(StoreError, match="newer than this app"):
        Store(store.url)


def test_twenty_threads_writing_500_attempts_each_store_all_10000(store):
    """Every attempt is its own committed transaction, as the app writes them."""
    learners = [store.learner(f"L{i}") for i in range(20)]
    errors: list[BaseException] = []

    def write(learner):
        try:
            for n in range(500):
                attempt(store, learner.id, f"q{n % 5}", seed=n)
        except BaseException as exc:  # surfaced below: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(learner,)) for learner in learners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with store.engine.connect() as conn:
        per_learner = conn.execute(text("SELECT learner_id, COUNT(*) FROM attempts GROUP BY learner_id")).all()
    assert sorted(n for _, n in per_learner) == [500] * 20


WRITER = """
import sys
sys.path.insert(0, {root!r})
from engine.progress.store import Store
store = Store({url!r})
learner = store.learner("writer")
for n in range(100_000):
    store.record_attempt(learner.id, "quiz", "q", seed=n, raw=str(n), parsed=n, score=1.0, mistake_id=None,
                         feedback="ok")
    print(n + 1, flush=True)  # printed only after the commit returned
"""


def test_a_writer_killed_mid_write_loses_no_committed_attempt(store_url):
    Store(store_url).close()  # the schema exists before the writer starts
    proc = subprocess.Popen([sys.executable, "-c", WRITER.format(root=str(ROOT), url=store_url)],
                            stdout=subprocess.PIPE, text=True)
    committed = 0
    for line in proc.stdout:
        committed = int(line)
        if committed >= 300:
            break
    os.kill(proc.pid, signal.SIGKILL)  # in the middle of the next transaction
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL and committed >= 300
    store = Store(store_url)  # opens cleanly: WAL recovery, no error
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT COUNT(*) FROM attempts")).scalar()
        if store.is_sqlite:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    assert stored >= committed
    store.close()


def test_a_missing_data_folder_is_created(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("LORA_LAB_DATA", str(tmp_path / "not" / "yet" / "there"))
    store = Store()
    assert (tmp_path / "not" / "yet" / "there" / "progress.db").is_file()
    assert store.learner("Ana").id == 1
    store.close()


@pytest.mark.parametrize("content", [b"this is not a database at all\n" * 10,
                                     b"SQLite format 3\x00" + b"\xff" * 4080])
def test_a_corrupt_database_gives_a_clear_error_and_is_never_overwritten(tmp_path, content):
    path = tmp_path / "progress.db"
    path.write_bytes(content)
    with pytest.raises(StoreError) as raised:
        Store(f"sqlite:///{path}")
    assert str(path) in str(raised.value)
    assert any(reason in str(raised.value) for reason in ("not a database", "malformed", "not a SQLite database"))
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) in (["progress.db"], ["progress.db", "progress.db-shm",
                                                                            "progress.db-wal"])


def test_an_unreachable_server_gives_a_clear_error_without_the_password():
    with pytest.raises(StoreError) as raised:
        Store("postgresql://lab:hunter2@127.0.0.1:1/progress")  # nothing listens on port 1
    message = str(raised.value)
    assert "postgresql+psycopg://lab:***@127.0.0.1:1/progress" in message and "hunter2" not in message


def test_database_url_selection(monkeypatch, tmp_path):
    monkeypatch.setenv("LORA_LAB_DATA", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url() == f"sqlite:///{tmp_path / 'progress.db'}"
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/lab")
    assert database_url() == "postgresql+psycopg://u:p@db:5432/lab"
    assert database_url("postgres://h/x") == "postgresql+psycopg://h/x"
    assert database_url("sqlite:////x.db") == "sqlite:////x.db"


def models_now():
    from engine.progress.store import _now
    return _now()


@pytest.mark.parametrize("layout", ["folder where the database should be", "file where the folder should be",
                                    "file above the folder"])
def test_a_bad_data_folder_is_a_store_error_naming_the_path(tmp_path, monkeypatch, layout):
    """Issue 14: not a raw IsADirectoryError / NotADirectoryError, but the usual "cannot be saved" message."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    data = tmp_path / "data"
    if layout == "folder where the database should be":
        (data / "progress.db").mkdir(parents=True)
        expected = "progress.db is a folder, not a file"
    elif layout == "file where the folder should be":
        data.write_text("a file")
        expected = "is a file, not a folder"
    else:
        data.write_text("a file")
        data = data / "deeper"
        expected = "is a file, not a folder"
    monkeypatch.setenv("LORA_LAB_DATA", str(data))
    with pytest.raises(StoreError, match=f"Progress database .*could not open: .*{expected}.*LORA_LAB_DATA"):
        Store()
