"""engine/progress/store.py record_lab_run: a finished lab run is stored once per job, however
many sessions show it (issue 18: one QLoRA run listed three times after three signed-in tabs
opened the Lab page), on SQLite and PostgreSQL, also when the sessions write at the same moment."""

from __future__ import annotations

import threading

from engine.progress.store import Store
from tests.progress.test_store import store, store_url  # noqa: F401 - the fixtures: each database kind


def test_a_job_seen_by_three_sessions_is_one_run(store, store_url):  # noqa: F811
    ana = store.learner("Ana")
    sessions = [Store(store_url) for _ in range(3)]  # three tabs: three connections, as in the app
    try:
        ids = [s.record_lab_run(ana.id, "qlora", {"seconds": 8.0}, job_id="job-7") for s in sessions]
    finally:
        for s in sessions:
            s.close()
    assert len(set(ids)) == 1
    runs = store.progress(ana.id).lab_runs
    assert [(r["method"], r["measurements"]) for r in runs] == [("qlora", {"seconds": 8.0, "job_id": "job-7"})]


def test_sessions_racing_to_save_one_job_store_it_once(store, store_url):  # noqa: F811
    ana = store.learner("Ana")
    sessions = [Store(store_url) for _ in range(6)]
    start, errors = threading.Barrier(len(sessions)), []

    def save(s):
        try:
            start.wait()
            for job in ("job-1", "job-2"):
                s.record_lab_run(ana.id, "lora", {"seconds": 1.0}, job_id=job)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for s in sessions:
        s.close()
    assert errors == []
    assert sorted(r["measurements"]["job_id"] for r in store.progress(ana.id).lab_runs) == ["job-1", "job-2"]


def test_other_learners_and_methods_keep_their_own_rows(store):  # noqa: F811
    ana, ben = store.learner("Ana"), store.learner("Ben")
    store.record_lab_run(ana.id, "lora", {"seconds": 1.0}, job_id="job-1")
    store.record_lab_run(ben.id, "lora", {"seconds": 1.0}, job_id="job-1")  # another learner's copy
    store.record_lab_run(ana.id, "qlora", {"seconds": 2.0}, job_id="job-1%")  # LIKE's wildcard, taken literally
    store.record_lab_run(ana.id, "lora", {"seconds": 3.0})  # no job id: always a new row
    assert sorted(r["method"] for r in store.progress(ana.id).lab_runs) == ["lora", "lora", "qlora"]
    assert len(store.progress(ben.id).lab_runs) == 1
