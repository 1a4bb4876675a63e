"""Shared test setup: the `gpu` marker, opening app pages in AppTest, and failing a test in which
a page failed: ui/failsafe.py turns a page's exception into a message, so `not at.exception`
alone would no longer see it."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest

pytest_plugins = ("pytester",)  # tests/ui/test_failsafe.py runs a pytest session of its own
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.chdir(ROOT)  # the app and the CLI resolve content relative to the project root
# No warm lab worker unless a test asks for one (tests/jobs/test_template.py, the real lab runs):
# most lab tests run stand-in jobs, and its warm-up (torch & co, 5-10 s of CPU) would only slow them.
os.environ.setdefault("LORA_LAB_WARM_WORKER", "off")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "gpu: needs a CUDA GPU; skipped, with the reason shown, where there is none")
    config.addinivalue_line("markers", "slow: a real-model or browser test that takes more than a few seconds")
    config.addinivalue_line("markers", "page_error_expected: the test makes a page fail on purpose (ui/failsafe.py)")


class _Failures(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def _no_page_failed(request: pytest.FixtureRequest):
    """A page error that ui/failsafe.py caught and logged fails the test, unless it was expected."""
    handler, logger = _Failures(), logging.getLogger("lora_lab")
    logger.addHandler(handler)
    yield
    logger.removeHandler(handler)
    if handler.records and not request.node.get_closest_marker("page_error_expected"):
        pytest.fail("a page failed (ui/failsafe.py logged it):\n" + "\n".join(
            f"{r.getMessage()}\n{r.exc_text or ''}" for r in handler.records), pytrace=False)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    gpu_items = [item for item in items if "gpu" in item.keywords]
    if not gpu_items:
        return
    import torch  # only when a GPU test was collected

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU; none is present on this machine")
    for item in gpu_items:
        item.add_marker(skip)
