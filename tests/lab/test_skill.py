"""engine/lab/skill.py: glossary -> prompt/answer pairs, label masking, exact-match scoring."""

from __future__ import annotations

import pytest

from engine.lab.settings import GlossaryEntry
from engine.lab.skill import (DEFAULT_GLOSSARY, HELDOUT_TEMPLATES, TRAIN_TEMPLATES, batch_of, encode, pairs, prompt,
                              skill_score)

MODEL = "models/lora-lab-tiny"


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from engine import ROOT

    return AutoTokenizer.from_pretrained(ROOT / MODEL)


def test_default_glossary_is_invented_company_terms():
    assert 8 <= len(DEFAULT_GLOSSARY) <= 12
    assert len({g.term for g in DEFAULT_GLOSSARY}) == len(DEFAULT_GLOSSARY)
    assert DEFAULT_GLOSSARY[0] == GlossaryEntry(term="Zorblax", definition="our internal ticket tracker")


def test_held_out_wordings_are_never_trained_on():
    train = {p["question"] for p in pairs(DEFAULT_GLOSSARY, TRAIN_TEMPLATES)}
    held = {p["question"] for p in pairs(DEFAULT_GLOSSARY, HELDOUT_TEMPLATES)}
    assert len(train) == len(DEFAULT_GLOSSARY) * len(TRAIN_TEMPLATES)
    assert held and not train & held
    assert "What does Zorblax mean?" in held


def test_a_pair_is_question_then_answer():
    first = pairs(DEFAULT_GLOSSARY[:1], TRAIN_TEMPLATES[:1])[0]
    assert first["prompt"] + first["answer"] == "Q: What is Zorblax?\nA: our internal ticket tracker"
    assert prompt("Define X.") == "Q: Define X.\nA:"


def test_encode_counts_the_loss_on_answer_tokens_only(tokenizer):
    examples = pairs(DEFAULT_GLOSSARY[:2], TRAIN_TEMPLATES[:1])
    batch = encode(tokenizer, examples, seq_len=64)
    ids, labels, mask = batch["input_ids"], batch["labels"], batch["attention_mask"]
    assert ids.shape == labels.shape == mask.shape and ids.shape[0] == 2
    for row in range(2):
        kept = labels[row][labels[row] != -100].tolist()
        # the answer tokens then </s>, exactly: nothing of the question leaks into the loss
        assert tokenizer.decode(kept[:-1]) == examples[row]["answer"]
        assert kept[-1] == tokenizer.eos_token_id
        assert ids[row, 0] == tokenizer.bos_token_id
        assert int(mask[row].sum()) == len([t for t in ids[row].tolist() if t != tokenizer.pad_token_id])


def test_a_batch_cut_from_the_set_tokenized_once_equals_tokenizing_the_batch(tokenizer):
    import torch

    examples = pairs(DEFAULT_GLOSSARY, TRAIN_TEMPLATES)
    whole = encode(tokenizer, examples, seq_len=48)
    for rows in ([0, 5, 17], [39, 2], [11]):
        alone = encode(tokenizer, [examples[i] for i in rows], seq_len=48)
        cut = batch_of(whole, rows)
        assert cut.keys() == alone.keys()
        assert all(torch.equal(cut[k], alone[k]) for k in alone)  # same padding width too


def test_encode_truncates_to_seq_len(tokenizer):
    batch = encode(tokenizer, pairs(DEFAULT_GLOSSARY, TRAIN_TEMPLATES), seq_len=8)
    assert batch["input_ids"].shape[1] == 8


def test_the_shipped_model_does_not_know_the_terms(tokenizer):
    from transformers import AutoModelForCausalLM

    from engine import ROOT

    model = AutoModelForCausalLM.from_pretrained(ROOT / MODEL)
    score, rows = skill_score(model, tokenizer, DEFAULT_GLOSSARY)
    assert score <= 0.1
    assert [r["term"] for r in rows] == [g.term for g in DEFAULT_GLOSSARY]
    assert all(r["expected"] == g.definition for r, g in zip(rows, DEFAULT_GLOSSARY))
    # it does answer in English, in the format it was pretrained on, just not with our facts
    assert sum(bool(r["answer"]) for r in rows) >= len(rows) // 2
