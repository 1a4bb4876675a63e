"""The lab queue on the instructor dashboard (ui/components/class_queue.py): counts by state,
waits, and every run still waiting or running with whose it is."""

from __future__ import annotations

import time

from engine.progress.jobs import JobStore
from tests.ui.test_progress_pages import _digest, db, page  # noqa: F401 - db is a fixture
from ui.components.class_queue import percentile


def test_percentiles_by_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0 and percentile([1.0, 2.0, 3.0, 4.0], 95) == 4.0


def test_the_dashboard_shows_the_class_queue(db):  # noqa: F811
    ana = db.learner("Ana")
    jobs = JobStore(db)
    row = dict(target="m:f", backend="ray", device="cuda", resources={"GPU": 0.01, "CPU": 1})
    jobs.add([dict(row, id="a", label="lora"), dict(row, id="b", label="qlora")], owner=f"learner-{ana.id}", cap=3)
    jobs.add([dict(row, id="c", label="full")], owner="session-0123456789abcdef", cap=3)
    jobs.start("a", "actor")
    jobs.progress("a", {"step": 4, "steps": 150}, [2.0])
    jobs.start("c", "actor")
    jobs.finish("c", "failed", error="the worker process was killed by SIGKILL")
    time.sleep(0.01)
    at = page("instructor", secrets={"INSTRUCTOR_PASSWORD": "pw"}, session={"instructor_unlocked": _digest("pw")})
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Waiting"], metrics["Running"], metrics["Done"], metrics["Failed"]) == ("1", "1", "0", "1")
    assert metrics["Wait before start"].endswith(" s")
    live = at.dataframe[-1].value
    assert live[["learner", "run", "state", "step", "asks for"]].to_dict("records") == [
        {"learner": "Ana", "run": "lora", "state": "running", "step": "4 of 150", "asks for": "CPU 1, GPU 0.01"},
        {"learner": "Ana", "run": "qlora", "state": "queued", "step": "—", "asks for": "CPU 1, GPU 0.01"}]
