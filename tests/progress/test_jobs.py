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


# ---- issue 21: no window decides a job's fate; caps one person cannot multiply ---------------------
def test_every_unfinished_job_is_read_and_expired_however_many_there_are(jobs):
    stale = time.time() - 60
    for n in range(130):  # 520 jobs, the oldest first: outside a window of the newest 500
        jobs.add([dict(r, runner="h:1:x", heartbeat_at=stale) for r in rows(*(f"j{n}-{m}" for m in range(4)),
                                                                             backend="local")],
                 owner=f"o{n}", cap=4)
    assert len(jobs.jobs(states=("queued", "running"), backend="local")) == 520
    assert jobs.jobs(limit=2)[-1].id == "j129-3"  # a window only when asked for, to show
    assert len(jobs.jobs(ids=["j0-0", "j0-1", "nope"])) == 2
    assert len(jobs.expire(backend="local", older_than_s=30, message="gone")) == 520
    assert jobs.get("j0-0").state == "failed"


def test_runs_of_people_not_signed_in_are_capped_per_address(jobs):
    for tab in range(3):  # three tabs, three lab tokens, one address
        jobs.add(rows(f"t{tab}"), owner=f"session-{tab}", cap=3, client="10.0.0.5", client_cap=3)
    with pytest.raises(QueueFull, match=r"3 lab runs from your network, by people who have not signed in"):
        jobs.add(rows("t3"), owner="session-3", cap=3, client="10.0.0.5", client_cap=3)
    jobs.add(rows("elsewhere"), owner="session-9", cap=3, client="10.0.0.6", client_cap=3)
    jobs.add(rows("signed-in"), owner="learner-1", cap=3, client=None, client_cap=3)  # counted per learner
    assert "10.0.0.5" not in str(jobs.get("t0").client) and len(jobs.get("t0").client) == 64


def test_the_whole_queue_is_capped(jobs):
    jobs.add(rows("a", "b"), owner="learner-1", cap=3, total_cap=3)
    with pytest.raises(QueueFull, match=r"The lab's queue is full: 2 runs are waiting or running"):
        jobs.add(rows("c", "d"), owner="learner-2", cap=3, total_cap=3)
    jobs.add(rows("c"), owner="learner-2", cap=3, total_cap=3)
