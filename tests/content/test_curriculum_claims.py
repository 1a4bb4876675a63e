"""Claims the third content audit (issue 20) found wrong or misleading, each held to its source:
the LoRA paper (arXiv:2106.09685), the QLoRA paper (arXiv:2305.14314), the installed PEFT and
transformers, and this project's own code. Where the source is a library, the test runs it.

Quizzes: a sentence shown on every variant holds on every variant, computed from its params
(`validate` checks the `checks`; here the texts are rendered for each variant).
"""

from __future__ import annotations

import itertools
import re

import pytest

from engine.content import schema
from engine.content.loader import load_course
from engine.quiz.variants import param_values, render
from tests.conftest import ROOT
from tests.content.conftest import section_titled, text_of


@pytest.fixture(scope="module")
def quizzes():
    return load_course(lesson_files=[]).quizzes


def question(quizzes, quiz_id: str, question_id: str):
    return next(q for q in quizzes[quiz_id].questions if q.id == question_id)


def every_variant(q):
    names = list(q.params)
    for values in itertools.product(*(param_values(q.params[n]) for n in names)):
        yield dict(zip(names, values))


# ---------------------------------------------------------------- quizzes: every variant

def test_hands_on_quick_check_is_peft_count_of_each_variants_shape(quizzes):
    """Not "the lab prints the same count": PEFT's count for a model of the variant's own shape."""
    torch = pytest.importorskip("torch")
    peft = pytest.importorskip("peft")
    from transformers import LlamaConfig, LlamaForCausalLM

    q = question(quizzes, "hands-on-new-words", "lab-trainable-params")
    assert "The lab prints the same count" not in q.solution.quick_check
    r_choices = param_values(q.params["r"])
    for i, (layers, d) in enumerate(itertools.product(param_values(q.params["layers"]), param_values(q.params["d"]))):
        r = r_choices[i % len(r_choices)]
        with torch.device("meta"):  # shapes only: PEFT counts parameters without their values
            model = LlamaForCausalLM(LlamaConfig(vocab_size=32, hidden_size=d, intermediate_size=16,
                                                 num_hidden_layers=layers, num_attention_heads=2, num_key_value_heads=2))
        config = peft.LoraConfig(r=r, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"], task_type="CAUSAL_LM")
        trainable, _ = peft.get_peft_model(model, config).get_nb_trainable_parameters()
        assert trainable == layers * 4 * r * (d + d)
        assert f"show {trainable:,} trainable" in render(q.solution.quick_check, {"layers": layers, "d": d, "r": r})


def test_double_quant_check_is_the_variants_own_saving(quizzes):
    """0.373 bits and 3 GB hold for blocks of 64 and 256 on 65B only; each variant shows its own."""
    q = question(quizzes, "qlora", "double-quant-worked")
    assert q.solution.quick_check is None
    (check,) = q.checks
    assert "0.373" in check.text and "paper's own setting (blocks of 64, then 256)" in check.text
    for v in every_variant(q):
        before = 32 / v["block"]
        saved = before - (8 / v["block"] + 32 / (v["block"] * v["block2"]))
        text = render(check.text, v | {"before": before, "saved_bits": saved})
        assert f"{saved:.3f} bits per parameter here" in text and 0 < saved < before
    paper = 0.5 - (8 / 64 + 32 / (64 * 256))  # QLoRA section 3: 0.5 -> 0.127 bits
    assert f"{paper:.3f}" == "0.373" and round(65e9 * paper / 8 / 1e9) == 3  # section 1: "approximately 3 GB for a 65B model"


def test_trainable_share_check_does_not_say_well_under(quizzes):
    q = question(quizzes, "why-lora-qlora", "trainable-share-output")
    assert "well under" not in q.checks[0].text and q.checks[0].expr == "answer < 1"
    shares = [round(v["lora_params"] / v["model_params"] * 100, 2) for v in every_variant(q)
              if v["lora_params"] / v["model_params"] < 0.01]
    assert max(shares) > 0.5  # some variants print 0.5% to 1%: "under 1%", not "well under"


def test_table4_comment_points_to_section_5_5():
    """LoRA paper: Table 4 (GPT-3 175B) is in section 5.5, "Scaling up to GPT-3 175B"."""
    raw = (ROOT / "quizzes" / "why-lora-qlora.yaml").read_text(encoding="utf-8")
    assert "section 4.2, Table 4" not in raw and "section 5.5, Table 4" in raw


def test_qlora_is_not_called_the_lowest_memory_way(quizzes):
    """The QLoRA abstract claims a 65B model on one 48 GB GPU, not the lowest memory of any method."""
    q = question(quizzes, "seed", "q5-small-laptop")
    right = next(o for o in q.options if o.correct)
    assert "lowest-memory" not in right.feedback and "65B" in right.feedback and "48 GB" in right.feedback


def test_no_master_copy_is_not_pinned_on_lora_section_4_2(quizzes):
    """LoRA section 4.2 covers optimizer states (and gradients); the master copy needs its own source."""
    step = question(quizzes, "where-memory-goes", "what-lora-keeps").solution.steps[0]
    assert "no master copy (Hu" not in step
    before, after = step.split("section 4.2)", 1)
    assert "master copy" not in before and "Micikevicius" in after and "GPU memory usage" in after


def test_seed_says_what_precision_the_adapters_have(quizzes):
    texts = [s for q in quizzes["seed"].questions if q.solution for s in q.solution.steps]
    texts += [m.text for q in quizzes["seed"].questions for m in q.solution.common_mistakes]
    assert not [t for t in texts if "stay in 16-bit" in t or "stay 16-bit" in t]
    assert any("fp32 by default in PEFT" in t for t in texts)


# ---------------------------------------------------------------- practice: the lab run

def test_full_fine_tuning_count_leaves_out_the_adapters():
    """PEFT's total counts the adapters: 3,426,560 = 3,148,032 base + 278,528 adapters (lab defaults)."""
    pytest.importorskip("peft")
    from transformers import AutoModelForCausalLM

    from engine.lab.finetune import attach_adapters, count_params
    from engine.lab.settings import LabSettings
    from engine.practice.lab_questions import for_run, load_lab_questions
    from engine.quiz.answer_key import variant_for
    from engine.quiz.grading import grade, parse

    def model():
        return AutoModelForCausalLM.from_pretrained(ROOT / "models" / "lora-lab-tiny")

    full, _ = count_params(attach_adapters(model(), "full", LabSettings()), "full")
    trainable, total = count_params(attach_adapters(model(), "lora", LabSettings()), "lora")
    assert (full, trainable, total) == (3_148_032, 278_528, 3_426_560) and total - trainable == full

    lab, _ = load_lab_questions()
    entry = next(e for e in lab.questions if e.question.id == "run-times-fewer")
    _, q = for_run(entry, {"lora": {"trainable_params": trainable, "total_params": total}})
    variant, _ = variant_for(q, 1)
    assert grade(q, variant, parse(q, f"{full / trainable:.1f}", variant)).correct  # 11.3
    slip = grade(q, variant, parse(q, f"{total / trainable:.1f}", variant))  # 12.3: the adapters counted in
    assert not slip.correct and slip.mistake_id == "adapters-counted"


# ---------------------------------------------------------------- lessons

def test_lesson1_merged_adapters_add_nothing_unmerged_ones_add_parameters(lessons):
    peft = pytest.importorskip("peft")
    from transformers import AutoModelForCausalLM

    callout = next(s for s in lessons["why-lora-qlora"].sections if isinstance(s, schema.CalloutSection))
    assert "does **not** make the model bigger" not in callout.body and "**Once merged**" in callout.body
    base = AutoModelForCausalLM.from_pretrained(ROOT / "models" / "lora-lab-tiny")
    count = sum(p.numel() for p in base.parameters())
    model = peft.get_peft_model(base, peft.LoraConfig(r=8, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
    assert sum(p.numel() for p in model.parameters()) > count  # unmerged: adapters beside the weights
    assert sum(p.numel() for p in model.merge_and_unload().parameters()) == count  # merged: the original size


def test_lesson2_llama_blocks_have_three_mlp_matrices(lessons):
    """LoRA paper section 4.2 describes two MLP matrices (GPT); Llama's MLP has three (transformers' LlamaMLP)."""
    from torch import nn
    from transformers import AutoConfig, LlamaForCausalLM

    block = LlamaForCausalLM(AutoConfig.from_pretrained(ROOT / "models" / "lora-lab-tiny")).model.layers[0]
    linear = sorted(name.split(".")[-1] for name, m in block.named_modules() if isinstance(m, nn.Linear))
    assert linear == sorted(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    body = section_titled(lessons["lora-low-rank-update"], "Which layers get adapters, and what rank?").body
    assert all(f"`{name}`" in body for name in ("gate_proj", "up_proj", "down_proj")) and "seven linear layers" in body
    assert "all seven linear layers" in text_of(lessons["hands-on-new-words"])


def test_lesson2_table5_says_preferable_not_beats(lessons):
    """Table 5, WikiSQL: W_q+W_k at r=4 71.4 < W_v 73.0, W_o 73.2 at r=8; the paper says "preferable"."""
    text = text_of(lessons["lora-low-rank-update"])
    assert "beats a large rank" not in text
    assert '"preferable to adapt more weight matrices than adapting a single type of weights with a larger rank"' in text
    assert all(score in text for score in ("71.4", "73.0", "73.2"))


def test_lesson2_alpha_tip_claims_only_what_holds(lessons):
    """No "larger ranks push harder": at step 0 B = 0, so the update is zero for any alpha and r."""
    torch = pytest.importorskip("torch")
    peft = pytest.importorskip("peft")
    from transformers import AutoModelForCausalLM

    tip = section_titled(lessons["lora-low-rank-update"], "Changing the rank? Mind alpha").body
    assert "push harder" not in tip and "exactly zero" in tip
    ids = torch.tensor([[5, 9, 17, 33]])
    base = AutoModelForCausalLM.from_pretrained(ROOT / "models" / "lora-lab-tiny").eval()
    want = base(input_ids=ids).logits
    for r, alpha in ((4, 64), (64, 1)):
        model = peft.get_peft_model(AutoModelForCausalLM.from_pretrained(ROOT / "models" / "lora-lab-tiny").eval(),
                                    peft.LoraConfig(r=r, lora_alpha=alpha, target_modules="all-linear", task_type="CAUSAL_LM"))
        assert torch.equal(model(input_ids=ids).logits, want)


def test_rank_explorer_caption_explains_shares_over_100_percent(lessons):
    from engine.maths.lora import rank_summary

    caption = section_titled(lessons["lora-low-rank-update"], "Try it: how many parameters does rank r train?").caption
    assert "d_in·d_out / (d_in + d_out)" in caption and "passes 100%" in caption and "d/2" in caption
    assert rank_summary(512, 512, 256)["share"] == 1.0 and rank_summary(512, 512, 512)["share"] == 2.0
    assert rank_summary(4096, 1024, 4096 * 1024 // (4096 + 1024))["share"] <= 1.0


def test_lesson3_absmax_int8_has_255_levels_and_int4_15(lessons):
    """QLoRA section 2, eq. 1: "an Int8 tensor with range [-127, 127]"; the lesson's own code agrees."""
    import numpy as np

    from engine.maths.nf4 import compare_nf4_int4

    lesson = lessons["number-formats-quantization"]
    pane = section_titled(lesson, "absmax int8 against NF4, for one block")
    scope: dict = {}
    exec(compile(pane.left.code, "lesson3", "exec"), scope)  # noqa: S102 - the lesson's own code, shipped with it
    block = np.linspace(-3, 3, 10_001).astype(np.float32)
    q, _ = scope["quantize_int8"](block)
    assert (q.min(), q.max(), len(np.unique(q))) == (-127, 127, 255)
    int4 = compare_nf4_int4(np.linspace(-1, 1, 64, dtype=np.float32))["int4"]
    assert len(np.unique(int4)) == 15  # -7..7
    text = text_of(lesson)
    assert "256 evenly" not in text and "256 for int8" not in text
    assert "255 evenly spaced levels, -127 … 127" in pane.left.caption.replace("\u2212", "-")
    assert "**255 levels**" in text and "**15 levels**" in text and "15 evenly spaced levels from -7 to 7" in text


def test_nf4_figure_names_its_int4_range():
    source = (ROOT / "ui" / "widgets" / "nf4_quantizer.py").read_text(encoding="utf-8")
    assert '"int4 absmax (−7 … 7)"' in source


def test_lesson4_adapters_are_fp32_by_peft_default_bf16_in_the_paper(lessons):
    """PEFT get_peft_model(autocast_adapter_dtype=True) upcasts fp16/bf16 adapters to fp32, on a bf16
    and on an NF4 base; off, they stay 16-bit. The lab (engine/lab/finetune.py) keeps PEFT's default."""
    torch = pytest.importorskip("torch")
    peft = pytest.importorskip("peft")
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    from engine.lab.finetune import attach_adapters
    from engine.lab.settings import LabSettings

    path = ROOT / "models" / "lora-lab-tiny"
    nf4 = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                             bnb_4bit_compute_dtype=torch.bfloat16)
    config = peft.LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM")

    def adapter_dtype(model):
        return next(p.dtype for n, p in model.named_parameters() if "lora_A" in n)

    for load in ({"dtype": torch.bfloat16}, {"quantization_config": nf4}):
        assert adapter_dtype(peft.get_peft_model(AutoModelForCausalLM.from_pretrained(path, **load), config)) == torch.float32
        kept = peft.get_peft_model(AutoModelForCausalLM.from_pretrained(path, **load), config, autocast_adapter_dtype=False)
        assert adapter_dtype(kept) == torch.bfloat16
    # the lab's LoRA on a GPU loads the base in bf16 (engine/lab/finetune.py load_model): its adapters are fp32
    lab = attach_adapters(AutoModelForCausalLM.from_pretrained(path, dtype=torch.bfloat16), "lora", LabSettings())
    assert adapter_dtype(lab) == torch.float32

    lesson = lessons["qlora"]
    note = section_titled(lesson, "The adapters' precision: the paper's bf16, PEFT's fp32")
    assert "`autocast_adapter_dtype=True`" in note.body and "`autocast_adapter_dtype=False`" in note.body
    assert "peft-autocast-source" in note.cite and "lab-finetune-source" in note.cite
    assert "LoRA adapters in bf16," not in text_of(lesson)
    assert "trained in fp32" in text_of(lessons["where-memory-goes"])  # lesson 5 budgets them as fp32


def test_lesson4_points_to_section_6_2_for_the_limits_of_chatbot_evaluation(lessons):
    """QLoRA section 5.3: "We discuss further considerations in Section 6.2"."""
    text = text_of(lessons["qlora"])
    assert "(sections 5 and 8)" not in text and "section 5.3, then section 6.2" in text


def test_lesson5_tip_describes_the_figure_and_names_the_page(lessons):
    import inspect

    from engine.maths.memory import preset_names
    from ui.widgets import memory_calculator

    tip = section_titled(lessons["where-memory-goes"], "The full calculator").body
    assert "fixed to one model" not in tip and "**Memory calculator**" in " ".join(tip.split())
    assert 'title="Memory calculator"' in (ROOT / "ui" / "navigation.py").read_text(encoding="utf-8")
    assert len(preset_names()) > 1
    basic, full = inspect.getsource(memory_calculator._inputs).split("if full:")
    assert 'selectbox("model", presets' in basic  # the lesson's figure lists every preset
    assert all(label in full for label in ('"LoRA rank r"', '"optimizer"', '"precision"', '"gradient checkpointing"'))
    assert all(word in tip for word in ("LoRA rank", "optimizer", "precision", "gradient checkpointing"))


def test_quoted_sources_are_not_reworded_into_stronger_claims(lessons):
    """Phrases the audits removed stay out of every lesson."""
    text = " ".join(text_of(lesson) for lesson in lessons.values())
    for phrase in ("beats a large rank", "push harder", "fixed to one model", "256 evenly", "sections 5 and 8"):
        assert phrase not in text, phrase
    assert not re.search(r"does \*\*not\*\* make the model bigger", text)
