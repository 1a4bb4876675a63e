"""The Ray head that tests/run.sh starts (tests/ray.sh) for the Ray lab tests.

Where none runs the tests skip with the reason, unless LORA_LAB_REQUIRE_RAY=1 (set by
.ci/run), which turns a missing Ray head into a failure."""

from __future__ import annotations

import os

import pytest


def ray_address() -> str:
    address = os.environ.get("LORA_LAB_TEST_RAY_ADDRESS", "")
    if address:
        return address
    reason = "LORA_LAB_TEST_RAY_ADDRESS is unset: no Ray head (tests/run.sh starts one with tests/ray.sh)"
    if os.environ.get("LORA_LAB_REQUIRE_RAY") == "1":
        pytest.fail(reason)
    pytest.skip(reason)
