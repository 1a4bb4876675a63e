"""engine/lab/messages.py: a failed run's message without the server's paths (issue 21)."""

from __future__ import annotations

import pytest

from engine import ROOT
from engine.lab.messages import without_paths


@pytest.mark.parametrize(("text", "shown"), [
    (f"OSError: {ROOT}/models/lora-lab-tiny/config.json is not a directory",
     "OSError: …/config.json is not a directory"),
    ('File "/usr/lib/python3/site-packages/torch/nn.py", line 3', 'File "…/nn.py", line 3'),
    ("not in the cache (/home/lab/.cache/huggingface/hub)", "not in the cache (…/hub)"),
    ("see https://huggingface.co/api/models/x", "see https://huggingface.co/api/models/x"),  # a URL stays whole
    ("r/alpha = 16/8 and models/lora-lab-tiny", "r/alpha = 16/8 and models/lora-lab-tiny"),  # relative: not the server's
    (None, ""),
])
def test_absolute_paths_are_cut_to_their_last_component(text, shown):
    assert without_paths(text) == shown
