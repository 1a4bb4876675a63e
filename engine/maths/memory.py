"""An analytic model of training memory: every byte of one training step, by component.

    total GPU bytes = weights (+ fp32 master copy) + gradients + optimizer state
                    + LoRA adapter weights, gradients, optimizer state
                    + activations saved for backward + logits + framework overhead
    paged/CPU bytes = optimizer state of a paged optimizer (bitsandbytes paged
                      AdamW keeps it in unified memory, evicted to the CPU under pressure)

Bytes per parameter (full fine-tuning), after Hugging Face's "model training anatomy"
(transformers docs, perf_train_gpu_one / model_memory_anatomy):
    fp32:   weights 4, gradients 4, AdamW 8 (two fp32 moments)           = 16
    mixed:  16-bit weights 2 + fp32 master 4, gradients 4 (fp32), AdamW 8 = 18
    bf16:   pure 16-bit training; torch AdamW keeps its moments in the
            parameter dtype: weights 2, gradients 2, AdamW 4              =  8
    8-bit AdamW (bitsandbytes; Dettmers et al. 2021, arXiv:2110.02861): 2 bytes/param.
"adamw" is torch's fused AdamW (HF Trainer's default, "adamw_torch_fused"), which
updates in place. Not modelled: torch's foreach AdamW (used when fused=False on a GPU)
holds a temporary copy of one moment for all parameters during step(), and its
per-tensor path two temporaries the size of the largest parameter.

LoRA (Hu et al. 2021, arXiv:2106.09685 §4.2): the base is frozen (weights only, in
16-bit unless fp32), the adapter trains. Adapter counts come from engine.maths.lora.
QLoRA (Dettmers et al. 2023, arXiv:2305.14314 §3): every linear layer of the blocks
in NF4 at nf4.bits_per_param() bits (4.127 with double quantization); the rest
(embeddings, lm_head, norms, biases) in fp32, because PEFT's
`prepare_model_for_kbit_training` upcasts all non-quantized parameters to fp32.

Activations: adapted from Korthikanti et al. 2022 (arXiv:2205.05198, §4.1), who
count sbh(34 + 5as/h) bytes per GPT layer with 16-bit activations
(s: sequence, b: batch, h: hidden, a: heads). Their 34 = 16 tensors of sbh
elements at 2 bytes + 2 one-byte dropout masks; 5as/h = the attention scores.
What we adapt, per layer, counting saved elements (times the activation dtype):
    attention: norm input, norm output, Q, attention output, o_proj input (5 sbh)
               + K and V at the key/value width (2 sb*kv_dim; grouped-query attention)
    MLP:       norm input, norm output (2 sbh) + SwiGLU gate, SiLU(gate), up,
               product (4 sbI); GPT-2's GELU MLP saves its input and output (2 sbI)
    no dropout masks (p=0 in Llama/Qwen/Mistral); no s^2 scores, because torch's
    SDPA (the HF default) saves only its output and a logsumexp. `attention="eager"`
    adds them back: 2 a s^2 b elements (softmax output, and its input/grad buffer).
    For GPT's shape (kv=h, I=4h, GELU) this gives 17 sbh elements = 34 sbh bytes in
    16-bit: Korthikanti's constant, with HF's copy of the attention output (the
    transpose before o_proj) in place of their two one-byte dropout masks.
With gradient checkpointing (Chen et al. 2016, arXiv:1604.06174; HF
`gradient_checkpointing_enable`): each layer keeps only its input (sbh), plus one
layer's full set while it is recomputed.
Logits: b*s*V elements at the activation dtype, an fp32 copy for the loss (HF's
ForCausalLMLoss calls logits.float(); no copy when already fp32), the fp32 log-softmax
saved by cross-entropy, and at the start of backward two fp32 gradient buffers (of the
log-softmax output and of the logits): 2+4+4+8 = 18 bytes/element in 16-bit, 4+4+8 = 16 in fp32.
The peak is modelled as every state plus activations and logits at once (gradients kept
from the previous step): an upper bound when gradients are freed between steps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.maths import lora, nf4

PRESET_DIR = Path(__file__).with_name("presets")
GIB = 1024**3
# Common GPU memory sizes, in GiB (an "80 GB" A100 holds 80 GiB = 81,920 MiB).
GPU_SIZES_GIB = (8, 16, 24, 40, 48, 80)
# Framework overhead: CUDA context + cuBLAS/cuDNN workspaces, ~0.5 GiB on recent GPUs
# (stated constant, not measured here; torch's max_memory_allocated does not see it).
OVERHEAD_BYTES = 512 * 1024**2

Method = Literal["full", "lora", "qlora"]
Optimizer = Literal["adamw", "adamw8bit", "paged_adamw8bit", "paged_adamw"]
Precision = Literal["fp32", "mixed", "bf16"]


# How one training step is set up; limits reject absurd numbers with the field's name.
class TrainingSetup(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Method = "lora"
    batch_size: int = Field(1, ge=1, le=4096)
    seq_len: int = Field(512, ge=1, le=1_048_576)
    # LoRA rank r (ignored for full fine-tuning).
    rank: int = Field(16, ge=1, le=4096)
    # PEFT target_modules: None = PEFT's default for the family, or "all-linear".
    target_modules: list[str] | Literal["all-linear"] | None = None
    optimizer: Optimizer = "adamw"
    # How weights and activations are held (see the module docstring).
    precision: Precision = "mixed"
    grad_checkpointing: bool = False
    # PEFT keeps adapters in fp32 by default (autocast_adapter_dtype=True); QLoRA's own script used bf16.
    adapter_dtype: Literal["fp32", "bf16"] = "fp32"
    double_quant: bool = True
    quant_blocksize: int = Field(64, ge=16, le=4096)
    attention: Literal["sdpa", "eager"] = "sdpa"
    # Bytes the framework holds regardless of the model (0 for measured CPU runs).
    overhead_bytes: int = Field(OVERHEAD_BYTES, ge=0)


# The answer: bytes per component on the GPU, and what a paged optimizer keeps off it.
class MemoryBreakdown(BaseModel):
    model_config = ConfigDict(frozen=True)

    components: dict[str, int]  # name -> bytes held on the accelerator
    offloaded: dict[str, int] = Field(default_factory=dict)  # name -> bytes in paged/CPU memory
    n_params: int  # parameters of the base model
    n_trainable: int  # parameters that receive gradients

    @property
    def total(self) -> int:
        """Bytes on the accelerator at the peak of a step."""
        return sum(self.components.values())

    @property
    def offloaded_total(self) -> int:
        """Bytes a paged optimizer keeps in unified (CPU) memory."""
        return sum(self.offloaded.values())

    @property
    def states(self) -> int:
        """Weights + gradients + optimizer state (everything but activations, logits, overhead)."""
        return sum(v for k, v in self.components.items() if k not in ("activations", "logits", "overhead"))

    def fits(self, gpu_gib: float) -> int:
        """Margin in bytes on a GPU of `gpu_gib` GiB: >= 0 fits, < 0 is short by that much."""
        return int(gpu_gib * GIB) - self.total

    def gpu_table(self) -> list[dict]:
        """Fit and margin on each common GPU size, for the widget and the CLI."""
        return [{"gpu_gib": g, "fits": self.fits(g) >= 0, "margin_gib": self.fits(g) / GIB} for g in GPU_SIZES_GIB]


def preset_names() -> list[str]:
    """Names of the shipped preset configs (engine/maths/presets/<name>.json)."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.json"))


def load_config(name_or_path: str) -> dict:
    """A HF config dict from a preset name or a config.json path; ValueError says what is wrong."""
    path = PRESET_DIR / f"{name_or_path}.json" if name_or_path in preset_names() else Path(name_or_path)
    if not path.is_file():
        raise ValueError(f"unknown model {name_or_path!r}: not a preset ({', '.join(preset_names())}) "
                         "nor a config.json file")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(config, dict):
        raise ValueError(f"{path}: a config.json must hold a JSON object, got {type(config).__name__}")
    lora.model_type(config)  # raises for an unsupported family
    _dims(config)  # raises for missing or absurd sizes
    return config


def _dims(config: dict) -> dict[str, int]:
    """Shape numbers the activation formula needs: h, L, a, kv_dim, I, V."""
    shapes = lora.linear_shapes(config)
    gpt2 = lora.model_type(config) == "gpt2"
    h, vocab = lora.lm_head_shape(config)
    dims = {
        "h": h,
        "L": lora.num_layers(config),
        "a": int(config["n_head" if gpt2 else "num_attention_heads"]),
        "kv_dim": h if gpt2 else shapes["self_attn.k_proj"][1],
        "I": shapes["mlp.c_fc" if gpt2 else "mlp.up_proj"][1],
        "V": vocab,
        "mlp_saved": 2 if gpt2 else 4,  # saved (s, b, I) tensors per MLP: GELU in/out, or SwiGLU's four
    }
    for name, value in dims.items():
        if not 1 <= value <= 10_000_000:
            raise ValueError(f"config.json: {name} = {value} is out of range (1..10,000,000)")
    return dims


def activation_bytes(config: dict, setup: TrainingSetup) -> int:
    """Bytes saved for backward by all decoder layers (formula in the module docstring)."""
    d = _dims(config)
    s, b = setup.seq_len, setup.batch_size
    elt = 4 if setup.precision == "fp32" else 2  # bytes per activation element
    per_layer = s * b * (7 * d["h"] + 2 * d["kv_dim"] + d["mlp_saved"] * d["I"])  # elements
    if setup.attention == "eager":
        per_layer += 2 * d["a"] * s * s * b
    if setup.grad_checkpointing:
        return (d["L"] * s * b * d["h"] + per_layer) * elt  # layer inputs + one layer recomputed
    return d["L"] * per_layer * elt


def logits_bytes(config: dict, setup: TrainingSetup) -> int:
    """b*s*V logits: activation dtype (+ fp32 copy if 16-bit) + fp32 log-softmax + 2 fp32 grads (bytes)."""
    per_element = 16 if setup.precision == "fp32" else 2 + 4 + 4 + 8
    return setup.batch_size * setup.seq_len * _dims(config)["V"] * per_element


def _optimizer_bytes_per_param(optimizer: str, param_bytes: int) -> int:
    """torch AdamW: two moments in the parameter dtype; bitsandbytes 8-bit: two 1-byte moments."""
    if optimizer in ("adamw8bit", "paged_adamw8bit"):
        return 2
    return 8 if optimizer == "paged_adamw" else 2 * param_bytes  # bnb paged 32-bit is always fp32


def _states(config: dict, setup: TrainingSetup, n_params: int) -> tuple[dict[str, int], int]:
    """Weights/gradient bytes by component and the trainable parameter count."""
    if setup.method == "full":
        if setup.precision == "mixed":
            return {"weights": 2 * n_params, "master_weights": 4 * n_params, "gradients": 4 * n_params}, n_params
        wb = 4 if setup.precision == "fp32" else 2
        return {"weights": wb * n_params, "gradients": wb * n_params}, n_params
    n_lora = lora.lora_params_for_config(config, setup.target_modules, setup.rank)
    ab = 4 if setup.adapter_dtype == "fp32" else 2
    adapter = {"adapter_weights": ab * n_lora, "adapter_gradients": ab * n_lora}
    if setup.method == "lora":
        return {"weights": (4 if setup.precision == "fp32" else 2) * n_params, **adapter}, n_lora
    n_quant = sum(i * o for i, o in lora.linear_shapes(config).values()) * lora.num_layers(config)
    bits = nf4.bits_per_param(setup.quant_blocksize, setup.double_quant)
    weights = {
        "weights": n_quant // 2 + 4 * (n_params - n_quant),  # 4-bit codes, 2 per byte; the rest fp32
        "quant_constants": round(n_quant * (bits - 4) / 8),  # absmax (and its second-level constants)
    }
    return {**weights, **adapter}, n_lora


def estimate(config: dict, setup: TrainingSetup) -> MemoryBreakdown:
    """Predicted peak memory of one training step, by component (bytes)."""
    n_params = lora.model_param_count(config)
    components, n_trainable = _states(config, setup, n_params)
    # dtype of the parameters the optimizer updates (mixed precision updates the fp32 master)
    if setup.method == "full":
        param_bytes = 2 if setup.precision == "bf16" else 4
    else:
        param_bytes = 4 if setup.adapter_dtype == "fp32" else 2
    opt = n_trainable * _optimizer_bytes_per_param(setup.optimizer, param_bytes)
    key = "optimizer" if setup.method == "full" else "adapter_optimizer"
    offloaded = {key: opt} if setup.optimizer.startswith("paged") else {}
    if not offloaded:
        components[key] = opt
    components["activations"] = activation_bytes(config, setup)
    components["logits"] = logits_bytes(config, setup)
    components["overhead"] = setup.overhead_bytes
    return MemoryBreakdown(components=components, offloaded=offloaded, n_params=n_params, n_trainable=n_trainable)


def estimate_preset(name_or_path: str, **setup) -> MemoryBreakdown:
    """`estimate` from a preset name or config path and TrainingSetup fields."""
    return estimate(load_config(name_or_path), TrainingSetup(**setup))
