"""The exact transformers/peft/bitsandbytes script of one lab run, for the learner to copy.

It does what engine.lab.finetune.run_lab does for the same settings (same loading,
LoRA config, optimizer, masking, gradient clipping, steps and stop rule), without the measuring, as a plain
script in the style of the PEFT docs' quick tour and quantization guide.
"""

from __future__ import annotations

from pathlib import Path

from engine.lab.settings import GlossaryEntry, LabSettings

_LOAD = {
    "full": """model = AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32).to(device)
model.requires_grad_(True)  # full fine-tuning: every weight trains""",
    "lora": """model = AutoModelForCausalLM.from_pretrained(
    MODEL, dtype=torch.bfloat16 if device == "cuda" else torch.float32).to(device)
model = get_peft_model(model, LoraConfig(
    r={rank}, lora_alpha={alpha}, target_modules={targets},
    lora_dropout={dropout}, bias="none", task_type="CAUSAL_LM"))
model.print_trainable_parameters()""",
    "qlora": """bnb_config = BitsAndBytesConfig(
    load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
    bnb_4bit_compute_dtype=torch.bfloat16 if device == "cuda" else torch.float32)
model = AutoModelForCausalLM.from_pretrained(
    MODEL, quantization_config=bnb_config, device_map={{"": 0 if device == "cuda" else "cpu"}})
model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
model = get_peft_model(model, LoraConfig(
    r={rank}, lora_alpha={alpha}, target_modules={targets},
    lora_dropout={dropout}, bias="none", task_type="CAUSAL_LM"))
model.print_trainable_parameters()""",
}

_TEMPLATE = '''# {method} fine-tune, as run by LoRA Lab. pip install torch transformers peft bitsandbytes
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer{bnb_import}
{peft_import}
MODEL = {model!r}  # {model_note}
GLOSSARY = {glossary}  # your terms -> definitions
QUESTIONS = ["What is {{t}}?", "Define {{t}}.", "What is meant by {{t}}?", "Can you explain {{t}}?"]
device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed({seed})

tokenizer = AutoTokenizer.from_pretrained(MODEL)
{load}

def encode(question, answer):
    """<s> Q: question\\nA: answer </s>; the loss counts answer tokens only."""
    prompt = [tokenizer.bos_token_id] + tokenizer(f"Q: {{question}}\\nA:", add_special_tokens=False).input_ids
    reply = tokenizer(" " + answer, add_special_tokens=False).input_ids + [tokenizer.eos_token_id]
    return (prompt + reply)[:{seq_len}], ([-100] * len(prompt) + reply)[:{seq_len}]

examples = [encode(q.format(t=term), d) for term, d in GLOSSARY.items() for q in QUESTIONS]
params = [p for p in model.parameters() if p.requires_grad]
optimizer = torch.optim.AdamW(params, lr={lr}, weight_decay=0.0, fused=True)
gen = torch.Generator().manual_seed({seed})  # seeded shuffles, epoch after epoch
order = []
while len(order) < {steps} * {batch_size}:
    order += torch.randperm(len(examples), generator=gen).tolist()
window = -(-len(examples) // {batch_size})  # steps in one pass through the data
losses = []
model.train()
for step in range({steps}):
    idx = order[step * {batch_size}:(step + 1) * {batch_size}]
    width = max(len(examples[i][0]) for i in idx)
    pad = tokenizer.pad_token_id
    ids = torch.tensor([examples[i][0] + [pad] * (width - len(examples[i][0])) for i in idx], device=device)
    labels = torch.tensor([examples[i][1] + [-100] * (width - len(examples[i][1])) for i in idx], device=device)
    with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=device == "cuda"):
        loss = model(input_ids=ids, attention_mask=(ids != pad).long(), labels=labels).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)  # the HF Trainer's default max_grad_norm
    optimizer.step()
    optimizer.zero_grad()
    losses.append(loss.item())
    print(step, losses[-1])
    if {stop_loss} > 0 and len(losses) >= window and sum(losses[-window:]) / window < {stop_loss}:
        break  # converged: the mean loss over the last pass through the data is below {stop_loss}

model.eval()
question = [tokenizer.bos_token_id] + tokenizer(f"Q: What does {{next(iter(GLOSSARY))}} mean?\\nA:", add_special_tokens=False).input_ids
out = model.generate(torch.tensor([question], device=device), max_new_tokens=16, do_sample=False)
print(tokenizer.decode(out[0, len(question):], skip_special_tokens=True))
{save}'''


def shareable_model(model_id: str) -> tuple[str, str]:
    """(what the script loads, the comment beside it). A hub id as it is; a folder on the server by its
    name alone, relative, since the learner has their own copy and the server's paths are nobody's
    business (an absolute path would also show where the server keeps its files)."""
    path = Path(model_id)
    local = path.is_absolute() or model_id.startswith((".", "~")) or path.exists() or model_id.count("/") > 1
    if not local:
        return model_id, "a Hugging Face hub id, or the path of a local folder"
    return f"./{path.name}", f"the model's folder on your machine (LoRA Lab's own: models/{path.name} in its repository)"


def lab_code(settings: LabSettings, method: str, model_id: str, glossary: list[GlossaryEntry]) -> str:
    """The script for `method` with `settings` filled in; it names no path of the server's."""
    model, model_note = shareable_model(model_id)
    fill = {"rank": settings.rank, "alpha": settings.alpha, "targets": list(settings.target_modules),
            "dropout": settings.lora_dropout}
    return _TEMPLATE.format(
        method=method, model=model, model_note=model_note, glossary=repr({g.term: g.definition for g in glossary}), seed=settings.seed, seq_len=settings.seq_len,
        lr=settings.learning_rate, steps=settings.steps, batch_size=settings.batch_size, stop_loss=settings.stop_loss,
        load=_LOAD[method].format(**fill),
        bnb_import=", BitsAndBytesConfig" if method == "qlora" else "",
        peft_import={"full": "", "lora": "from peft import LoraConfig, get_peft_model\n",
                     "qlora": "from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training\n"}[method],
        save='model.save_pretrained("my-adapter")  # adapter_config.json + adapter_model.safetensors'
        if method != "full" else 'model.save_pretrained("my-model")',
    )
