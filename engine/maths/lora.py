"""LoRA arithmetic: adapter parameter counts, scaling, file size, low-rank error.

LoRA (Hu et al. 2021, arXiv:2106.09685, §4.1) freezes a weight W (d_out x d_in)
and learns a low-rank update:

    h = W x + (alpha / r) * B A x        A: (r, d_in), random init
                                         B: (d_out, r), zero init

so one adapted matrix trains r * (d_in + d_out) parameters instead of
d_in * d_out. rsLoRA (Kalajdzievski 2023, arXiv:2312.03732, §3) scales by
alpha / sqrt(r) instead. Counts follow PEFT's LoRA defaults (bias="none", no
DoRA): PEFT's `get_nb_trainable_parameters()` is the reference in the tests.

Model shapes are read from a Hugging Face config.json dict for the Llama,
Mistral, Qwen2 (Llama-like blocks) and GPT-2 families. Pure functions, numpy
only, no torch: the lesson widgets call them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np

# model_type values whose decoder blocks are laid out like Llama's.
LLAMA_LIKE = ("llama", "mistral", "qwen2")
SUPPORTED = (*LLAMA_LIKE, "gpt2")

# PEFT's defaults when target_modules is None
# (peft/utils/constants.py, TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING).
PEFT_DEFAULT_TARGETS = {
    "llama": ["q_proj", "v_proj"],
    "mistral": ["q_proj", "v_proj"],
    "qwen2": ["q_proj", "v_proj"],
    "gpt2": ["c_attn"],
}


def lora_param_count(d_in: int, d_out: int, r: int) -> int:
    """Trainable parameters of LoRA on one (d_out x d_in) matrix: r*(d_in+d_out).

    A is (r, d_in) and B is (d_out, r) (LoRA paper §4.1).
    """
    for name, value in (("d_in", d_in), ("d_out", d_out), ("r", r)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return r * (d_in + d_out)


def full_share(d_in: int, d_out: int, r: int) -> float:
    """LoRA's parameters as a share of full fine-tuning of the same matrix (0..)."""
    return lora_param_count(d_in, d_out, r) / (d_in * d_out)


def lora_scaling(alpha: float, r: int, rslora: bool = False) -> float:
    """The factor on B A: alpha/r (LoRA §4.1) or alpha/sqrt(r) (rsLoRA §3).

    PEFT computes the same in `LoraLayer.update_layer` (`use_rslora`).
    """
    if r < 1:
        raise ValueError(f"r must be a positive integer, got {r!r}")
    return alpha / math.sqrt(r) if rslora else alpha / r


def adapter_file_bytes(n_params: int, dtype_bytes: int = 4) -> int:
    """Bytes of adapter tensors on disk: n_params * dtype_bytes.

    PEFT keeps adapter weights in fp32 by default (`autocast_adapter_dtype=True`),
    hence 4 bytes. The safetensors JSON header (a few KB) is not included.
    """
    if n_params < 0 or dtype_bytes < 1:
        raise ValueError(f"need n_params >= 0 and dtype_bytes >= 1, got {n_params}, {dtype_bytes}")
    return n_params * dtype_bytes


def _get(config: Mapping, *keys: str, default=None):
    """The first of `keys` present (and not None) in config, else default/error."""
    for key in keys:
        if config.get(key) is not None:
            return config[key]
    if default is not None:
        return default
    raise ValueError(f"config.json has no {' / '.join(keys)} field")


def model_type(config: Mapping) -> str:
    """The config's model_type, checked to be one this module knows."""
    kind = config.get("model_type")
    if kind not in SUPPORTED:
        raise ValueError(
            f"unsupported model_type {kind!r} in config.json; supported: {', '.join(SUPPORTED)}"
        )
    return kind


def num_layers(config: Mapping) -> int:
    """Number of decoder blocks."""
    return int(_get(config, "num_hidden_layers", "n_layer"))


def linear_shapes(config: Mapping) -> dict[str, tuple[int, int]]:
    """(d_in, d_out) of every linear layer in ONE decoder block, keyed by its
    path inside the block as PEFT sees it (e.g. "self_attn.k_proj").

    Llama-like: q (h -> n_heads*hd), k/v (h -> n_kv_heads*hd; grouped-query
    attention, Ainslie et al. 2023), o (n_heads*hd -> h), gate/up (h -> i),
    down (i -> h). GPT-2 uses Conv1D, whose weight is stored (d_in, d_out), but
    LoRA's count is the same: c_attn (h -> 3h), attn.c_proj (h -> h),
    c_fc (h -> n_inner or 4h), mlp.c_proj (n_inner -> h).
    """
    kind = model_type(config)
    if kind == "gpt2":
        h = int(_get(config, "n_embd", "hidden_size"))
        inner = int(_get(config, "n_inner", default=4 * h))
        return {
            "attn.c_attn": (h, 3 * h),
            "attn.c_proj": (h, h),
            "mlp.c_fc": (h, inner),
            "mlp.c_proj": (inner, h),
        }
    h = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    kv_heads = int(_get(config, "num_key_value_heads", default=heads))
    hd = int(_get(config, "head_dim", default=h // heads))
    inter = int(config["intermediate_size"])
    return {
        "self_attn.q_proj": (h, heads * hd),
        "self_attn.k_proj": (h, kv_heads * hd),
        "self_attn.v_proj": (h, kv_heads * hd),
        "self_attn.o_proj": (heads * hd, h),
        "mlp.gate_proj": (h, inter),
        "mlp.up_proj": (h, inter),
        "mlp.down_proj": (inter, h),
    }


def lm_head_shape(config: Mapping) -> tuple[int, int]:
    """(d_in, d_out) of the output projection: hidden size -> vocabulary."""
    h = int(_get(config, "hidden_size", "n_embd"))
    return h, int(config["vocab_size"])


def _matches(key: str, targets: Iterable[str]) -> bool:
    """PEFT's rule for a list of targets: the exact key, or a '.'-suffix of it
    (peft/tuners/tuners_utils.py, `check_target_module_exists`)."""
    return any(key == t or key.endswith(f".{t}") for t in targets)


def targeted_modules(config: Mapping, target_modules: list[str] | str | None) -> dict[str, tuple[int, int]]:
    """Per-block linear layers hit by `target_modules` (same key -> shape map).

    None means PEFT's default for the family; "all-linear" means every linear
    layer in the blocks (PEFT excludes the output layer too). The key
    "lm_head" is included when targeted explicitly, keyed "lm_head". A target
    that matches nothing is an error naming it (PEFT only errors when no
    target matches at all).
    """
    kind = model_type(config)
    if target_modules is None:
        target_modules = PEFT_DEFAULT_TARGETS[kind]
    shapes = linear_shapes(config)
    if target_modules == "all-linear":
        return dict(shapes)
    if isinstance(target_modules, str):
        raise ValueError(f"target_modules must be a list of names or 'all-linear', got {target_modules!r}")
    chosen = {k: v for k, v in shapes.items() if _matches(f"layers.0.{k}", target_modules)}
    if "lm_head" in target_modules:
        chosen["lm_head"] = lm_head_shape(config)
    known = [*shapes, "lm_head"]
    unused = [t for t in target_modules if not any(_matches(k, [t]) for k in known)]
    if unused:
        raise ValueError(
            f"target module(s) {unused} not found in a {kind} model; its linear layers: {known}"
        )
    return chosen


def lora_params_for_config(config: Mapping, target_modules: list[str] | str | None, r: int) -> int:
    """Trainable LoRA parameters of a whole model: sum over targeted layers of
    r*(d_in+d_out), times the number of blocks (lm_head counted once)."""
    total = 0
    for key, (d_in, d_out) in targeted_modules(config, target_modules).items():
        per = lora_param_count(d_in, d_out, r)
        total += per if key == "lm_head" else per * num_layers(config)
    return total


def model_param_count(config: Mapping) -> int:
    """All parameters of the *ForCausalLM / *LMHeadModel built from config.

    Counts embeddings, every block's linears (with biases where the family has
    them: Qwen2's q/k/v, GPT-2's Conv1D), norms, and the lm_head unless it is
    tied to the input embedding (`tie_word_embeddings`).
    """
    kind = model_type(config)
    shapes = linear_shapes(config)
    vocab = int(config["vocab_size"])
    weights = sum(d_in * d_out for d_in, d_out in shapes.values())
    if kind == "gpt2":
        h = shapes["attn.c_proj"][0]
        biases = sum(d_out for _, d_out in shapes.values())
        per_block = weights + biases + 2 * (2 * h)  # ln_1, ln_2: weight + bias
        positions = int(_get(config, "n_positions", "max_position_embeddings"))
        extra = vocab * h + positions * h + 2 * h  # wte, wpe, ln_f
        tied = True  # GPT2LMHeadModel always ties lm_head to wte
    else:
        h = int(config["hidden_size"])
        if kind == "qwen2":
            biases = sum(shapes[f"self_attn.{p}_proj"][1] for p in "qkv")
        else:
            attn_bias = bool(config.get("attention_bias", False))
            biases = attn_bias * sum(shapes[f"self_attn.{p}_proj"][1] for p in "qkvo")
            if config.get("mlp_bias", False):
                biases += sum(shapes[f"mlp.{p}_proj"][1] for p in ("gate", "up", "down"))
        per_block = weights + biases + 2 * h  # two RMSNorm weights
        extra = vocab * h + h  # embed_tokens, final norm
        tied = bool(config.get("tie_word_embeddings", False))
    lm_head = 0 if tied else vocab * h
    return per_block * num_layers(config) + extra + lm_head


def lowrank_errors(matrix: np.ndarray, ranks: Iterable[int]) -> dict[int, float]:
    """Relative Frobenius error ||W - W_k|| / ||W|| of the best rank-k
    approximation, for each k in ranks.

    By the Eckart-Young theorem the best W_k is the truncated SVD, and its
    squared error is the sum of the discarded squared singular values:
    err(k) = sqrt(sum_{i>k} s_i^2 / sum_i s_i^2).
    """
    w = np.asarray(matrix, dtype=np.float64)
    if w.ndim != 2 or w.size == 0:
        raise ValueError(f"need a non-empty 2-D matrix, got shape {w.shape}")
    s = np.linalg.svd(w, compute_uv=False)  # (min(m, n),), descending
    energy = s**2
    total = float(energy.sum())
    # tail[k] = sum of s_i^2 for i >= k (0-based), i.e. what rank k leaves out.
    tail = np.concatenate([np.cumsum(energy[::-1])[::-1], [0.0]])
    out = {}
    for k in ranks:
        if k < 0:
            raise ValueError(f"rank must be >= 0, got {k}")
        kept = min(int(k), len(s))
        out[int(k)] = math.sqrt(tail[kept] / total) if total > 0 else 0.0
    return out


def rank_summary(d_in: int, d_out: int, r: int) -> dict[str, float]:
    """What the rank explorer shows for one matrix: LoRA and full parameter
    counts, LoRA's share of full fine-tuning, and the adapter's bytes in fp32
    (PEFT's default) and bf16."""
    n = lora_param_count(d_in, d_out, r)
    return {
        "lora_params": n,
        "full_params": d_in * d_out,
        "share": full_share(d_in, d_out, r),
        "bytes_fp32": adapter_file_bytes(n, 4),
        "bytes_bf16": adapter_file_bytes(n, 2),
    }


# safetensors dtype names -> numpy; bf16 has no numpy dtype and is widened below.
_ST_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16, "F64": np.float64}


def load_weight_matrix(path, prefer: str = "q_proj.weight") -> tuple[str, np.ndarray]:
    """(name, float32 matrix) of one 2-D weight in a .safetensors file, without
    torch. Takes the first tensor whose name ends with `prefer`, else the
    largest 2-D tensor that is not an embedding.

    Format (huggingface/safetensors README): u64 little-endian header length,
    a JSON header {name: {dtype, shape, data_offsets}}, then the raw bytes.
    """
    import json

    with open(path, "rb") as f:
        header_len = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(header_len))
        base = 8 + header_len
        mats = {k: v for k, v in header.items() if k != "__metadata__" and len(v["shape"]) == 2
                and v["dtype"] in _ST_DTYPES}
        if not mats:
            raise ValueError(f"{path}: no 2-D float tensor to show")
        chosen = [k for k in sorted(mats) if k.endswith(prefer)]
        others = [k for k in sorted(mats) if not any(e in k for e in ("embed", "wte", "wpe"))]
        name = chosen[0] if chosen else max(others or mats, key=lambda k: np.prod(mats[k]["shape"]))
        start, end = mats[name]["data_offsets"]
        f.seek(base + start)
        raw = np.frombuffer(f.read(end - start), dtype=_ST_DTYPES[mats[name]["dtype"]])
    if mats[name]["dtype"] == "BF16":
        raw = (raw.astype(np.uint32) << 16).view(np.float32)  # bf16 is fp32's top 16 bits
    return name, raw.astype(np.float32).reshape(mats[name]["shape"])
