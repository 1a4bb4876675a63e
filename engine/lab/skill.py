"""The skill the live lab teaches: invented company terms and what they mean.

A glossary entry ("Zorblax" -> "our internal ticket tracker") becomes prompt/answer
pairs in the format the base model saw during pretraining (engine.lab.corpus):

    Q: What is Zorblax?
    A: our internal ticket tracker

Training uses several wordings of the question; one wording ("What does Zorblax
mean?") is held out and asked only in the check, so a high score shows the model
learned the fact, not one string. The skill score is the share of held-out
questions whose greedy answer matches the definition exactly (after stripping
spaces), in the spirit of SQuAD's exact-match metric (Rajpurkar et al. 2016, sec. 6).
"""

from __future__ import annotations

from engine.lab.settings import GlossaryEntry

# The seed's use case: "a company with its own special terms". Mirrors the `lab`
# section of lessons/06-hands-on-new-words.yaml, which instructors may edit.
DEFAULT_GLOSSARY: list[GlossaryEntry] = [
    GlossaryEntry(term=term, definition=definition) for term, definition in [
        ("Zorblax", "our internal ticket tracker"),
        ("Krevans", "the team that runs the build servers"),
        ("Quillet", "a one-page design proposal"),
        ("Flumox", "the nightly build of the mobile app"),
        ("Dravel", "the shared drive for design files"),
        ("Pellinor", "a code review that needs two approvals"),
        ("Vantrix", "our quarterly planning document"),
        ("Snorvik", "the weekly on-call rota"),
        ("Blimber", "a feature hidden behind a flag"),
        ("Tovashi", "the customer feedback inbox"),
    ]
]

# Wordings seen in training, and the wording held out for the check.
TRAIN_TEMPLATES = ["What is {t}?", "Define {t}.", "What is meant by {t}?", "Can you explain {t}?"]
HELDOUT_TEMPLATES = ["What does {t} mean?"]


def prompt(question: str) -> str:
    """The text the model continues; the answer follows after "A:"."""
    return f"Q: {question}\nA:"


def pairs(glossary: list[GlossaryEntry], templates: list[str]) -> list[dict]:
    """One {term, question, prompt, answer} per entry and wording; answer has a leading space."""
    return [
        {"term": g.term, "question": t.format(t=g.term), "prompt": prompt(t.format(t=g.term)),
         "answer": " " + g.definition}
        for g in glossary for t in templates
    ]


def _start(tokenizer) -> list[int]:
    """[bos] when the tokenizer has a start token (ours and Llama's do), else nothing."""
    return [] if tokenizer.bos_token_id is None else [tokenizer.bos_token_id]


def encode(tokenizer, examples: list[dict], seq_len: int) -> dict:
    """Token ids of `<s> prompt answer </s>`, truncated to `seq_len`, right-padded.

    Returns LongTensors input_ids, labels, attention_mask, each (len(examples), T)
    with T = the longest example (<= seq_len). Labels are -100 on the prompt and on
    padding, so the loss counts answer tokens only (the usual instruction-tuning
    masking, e.g. Ouyang et al. 2022 / the TRL `completion_only_loss` option).
    """
    import torch

    rows, label_rows = [], []
    for ex in examples:
        p = [*_start(tokenizer), *tokenizer(ex["prompt"], add_special_tokens=False).input_ids]
        a = [*tokenizer(ex["answer"], add_special_tokens=False).input_ids, tokenizer.eos_token_id]
        ids = (p + a)[:seq_len]
        rows.append(ids)
        label_rows.append(([-100] * len(p) + a)[:seq_len])
    width = max(len(r) for r in rows)
    pad = tokenizer.pad_token_id
    input_ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows])
    labels = torch.tensor([r + [-100] * (width - len(r)) for r in label_rows])
    mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows])
    return {"input_ids": input_ids, "labels": labels, "attention_mask": mask}


def batch_of(encoded: dict, rows: list[int]) -> dict:
    """Rows of an `encode`d set, cut to the longest of them: the same tensors `encode` gives
    for those examples alone, without tokenizing again (the lab tokenizes its set once)."""
    import torch

    idx = torch.tensor(rows, dtype=torch.long)
    width = int(encoded["attention_mask"][idx].sum(dim=1).max())
    return {k: v[idx, :width] for k, v in encoded.items()}


def answer_all(model, tokenizer, prompts: list[str], max_new_tokens: int = 16) -> list[str]:
    """Greedy answers to `prompts`, batched with left padding, cut at the first newline."""
    import torch

    device = next(model.parameters()).device
    rows = [[*_start(tokenizer), *tokenizer(p, add_special_tokens=False).input_ids] for p in prompts]
    width = max(len(r) for r in rows)
    pad = tokenizer.pad_token_id
    ids = torch.tensor([[pad] * (width - len(r)) + r for r in rows], device=device)
    mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows], device=device)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=max_new_tokens,
                             do_sample=False, pad_token_id=pad, eos_token_id=tokenizer.eos_token_id)
    model.train(was_training)
    texts = tokenizer.batch_decode(out[:, width:], skip_special_tokens=True)
    return [t.split("\n")[0].strip() for t in texts]


def max_answer_tokens(tokenizer, glossary: list[GlossaryEntry]) -> int:
    """Enough new tokens for the longest definition, plus the end token and slack."""
    return max(len(tokenizer(" " + g.definition, add_special_tokens=False).input_ids) for g in glossary) + 2


def skill_score(model, tokenizer, glossary: list[GlossaryEntry]) -> tuple[float, list[dict]]:
    """Share of held-out questions answered exactly, and each {term, question, expected, answer}."""
    held = pairs(glossary, HELDOUT_TEMPLATES)
    got = answer_all(model, tokenizer, [h["prompt"] for h in held], max_answer_tokens(tokenizer, glossary))
    rows = [{"term": h["term"], "question": h["question"], "expected": h["answer"].strip(), "answer": a}
            for h, a in zip(held, got)]
    score = sum(r["answer"] == r["expected"] for r in rows) / len(rows)
    return score, rows
