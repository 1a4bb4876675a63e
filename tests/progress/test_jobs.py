"""Lab job records (engine/progress/jobs.py) on SQLite and PostgreSQL: the per-learner cap,
one winner when replicas race for a job, one end per job, and runners that stop beating."""

from __future__ import annotations

import threading
import time

import pytest

from engine.progress.jobs import JobStore, QueueFull
from engine.progress.store import Store
from engine.progress.tables import LATEST
from tests.progress.test_store import store_url  # noqa: F401 - the fixture: a fresh database of each kind


@pytest.fixture
def jobs(store_url):  # noqa: F811
    store = Store(store_url)
    yield JobStore(store)
    store.close()


def rows(*ids, backend="ray"):
    return [dict(id=i, label=i, target="m:f", backend=backend, device="cpu", settings={"steps": 3}) for i in ids]


def test_the_schema_has_the_jobs_table_at_the_latest_version(jobs):
    assert jobs.store.version() == LATEST
    assert jobs.jobs() == []


def test_a_learner_past_the_cap_gets_a_clear_message_and_nothing_is_queued(jobs):
    jobs.add(rows("a", "b"), owner="learner-1", cap=3)
    with pytest.raises(QueueFull, match=r"You already have 2 lab runs waiting or running, and the limit is 3"):
        jobs.add(rows("c", "d"), owner="learner-1", cap=3)
    jobs.add(rows("e"), owner="learner-2", cap=3)  # another learner's share is their own
    assert [j.id for j in jobs.jobs()] == ["a", "b", "e"]
    assert jobs.finish("a", "done", result={"ok": 1})
    jobs.add(rows("c"), owner="learner-1", cap=3)  # a finished run frees its place
    record = jobs.get("c")
    assert (record.owner, record.state, record.settings) == ("learner-1", "queued", {"steps": 3})


def test_racing_replicas_claim_a_job_once_and_finish_it_once(jobs):
    jobs.add(rows("a"), owner="o", cap=3)
    wins = []
    threads = [threading.Thread(target=lambda n=n: wins.append(jobs.claim("a", f"r{n}"))) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False, False, False, True]
    assert not jobs.cancel_queued("a")  # handed to a runner: only a request to stop is possible
    assert jobs.request_cancel("a") and jobs.get("a").cancel_requested
    assert jobs.start("a", "actor") and jobs.get("a").state == "running"
    jobs.progress("a", {"step": 1}, [2.5])
    assert jobs.finish("a", "cancelled") and not jobs.finish("a", "done", result={"late": True})
    record = jobs.get("a")
    assert (record.state, record.result, record.losses, record.progress) == ("cancelled", None, [2.5], {"step": 1})


def test_a_runner_that_stops_beating_leaves_a_failed_job_not_a_ghost(jobs):
    jobs.add([dict(r, runner="host:1:x", heartbeat_at=time.time() - 60) for r in rows("old", backend="local")]
             + [dict(r, runner="host:2:y", heartbeat_at=time.time()) for r in rows("fresh", backend="local")],
             owner="o", cap=3)
    assert jobs.expire(backend="local", older_than_s=30, message="server gone") == ["old"]
    assert (jobs.get("old").state, jobs.get("old").error) == ("failed", "server gone")
    assert jobs.get("fresh").state == "queued"


def test_the_summary_counts_states_and_waits(jobs):
    jobs.add(rows("a", "b", "c"), owner="o", cap=3)
    jobs.start("a", "r")
    jobs.finish("a", "done", result={})
    jobs.cancel_queued("b")
    summary = jobs.summary()
    assert {k: v for k, v in summary["counts"].items() if v} == {"done": 1, "cancelled": 1, "queued": 1}
    assert len(summary["waits"]) == 1 and 0 <= summary["waits"][0] < 5
