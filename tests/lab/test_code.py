"""engine/lab/code.py: the take-home script of a lab run never names a path of the server's
(issue 18: it hard-coded the server's model folder), and still compiles."""

from __future__ import annotations

import pytest

from engine import ROOT
from engine.lab.code import lab_code, shareable_model
from engine.lab.settings import GlossaryEntry, LabSettings

GLOSSARY = [GlossaryEntry(term="zorbit", definition="a made-up unit")]


@pytest.mark.parametrize("model_id", [str(ROOT / "models" / "lora-lab-tiny"), "models/lora-lab-tiny",
                                      "/srv/lab/secret-folder/lora-lab-tiny", "./lora-lab-tiny"])
def test_a_local_model_is_named_by_its_folder_alone(model_id):
    for method in ("full", "lora", "qlora"):
        code = lab_code(LabSettings(), method, model_id, GLOSSARY)
        compile(code, "lab.py", "exec")
        assert "MODEL = './lora-lab-tiny'" in code
        assert str(ROOT) not in code and "/srv/lab" not in code and "models/lora-lab-tiny'" not in code


def test_a_hub_id_is_kept_as_typed():
    assert shareable_model("HuggingFaceTB/SmolLM2-135M")[0] == "HuggingFaceTB/SmolLM2-135M"
    assert "MODEL = 'HuggingFaceTB/SmolLM2-135M'" in lab_code(LabSettings(), "lora", "HuggingFaceTB/SmolLM2-135M",
                                                               GLOSSARY)
