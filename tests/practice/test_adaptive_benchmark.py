"""benchmarks/adaptive.py still runs end to end (a guard against rot, not a benchmark: the figures
come from the script itself), and its simulated learners answer as its docstring says."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from simulated_class import Learner, World  # noqa: E402


def test_a_tiny_run_prints_every_figure():
    out = subprocess.run([sys.executable, "benchmarks/adaptive.py", "--fast", "--learners", "3", "--class-size", "20",
                          "--held-out", "3", "--draws", "1"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    for figure in ("one sitting:", "4 days, forgetting between days:", "round-robin", "engine's lead",
                   "fitted AUC − true AUC", "false mastery"):
        assert figure in out.stdout


def test_a_learner_who_knows_everything_answers_a_typed_question_with_the_product_of_no_slips(catalogue):
    world = World.draw(catalogue, 0)
    item = catalogue.items["number-formats-quantization/model-size-gb"]  # typed; size-arithmetic and units
    expected = (1 - world.skills["size-arithmetic"].p_slip) * (1 - world.skills["units"].p_slip)
    right = 0
    for n in range(4000):
        learner = Learner(world, n)
        learner.known = dict.fromkeys(learner.known, True)
        right += learner.answer(item)[0]
    assert right / 4000 == pytest.approx(expected, abs=0.025)


def test_forgetting_keeps_a_known_skill_with_one_minus_f_a_day(catalogue):
    world = World.draw(catalogue, 0)
    kept = 0
    for n in range(4000):
        learner = Learner(world, n)
        learner.known["units"] = True
        learner.advance_to(3)
        kept += learner.known["units"]
    assert kept / 4000 == pytest.approx((1 - world.skills["units"].forget) ** 3, abs=0.025)
