"""The measuring child of engine.maths.memory_measure: build one random-weight model, train two steps.

`measure({"config", "setup", "device"})` returns {"peak": bytes over two steps, "states": bytes held
right after the last optimizer step, "seconds": s}. It runs in a child of its own: a fork of a
process that has imported the libraries (memory_measure.fork_is_safe), or `python -m
engine.maths.memory_step`, which reads the request as JSON on stdin and prints the result as one
JSON line. Heavy libraries are imported here only, in a process that exists to use them.
"""

from __future__ import annotations

import gc
import json
import sys
import time

HF_KEYS_TO_DROP = ("lora_lab_source",)


def _rss() -> tuple[int, int]:
    """(current RSS, peak RSS since the last reset) in bytes, from /proc/self/status."""
    values = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line.split(":")[0]] = int(line.split()[1]) * 1024  # kB -> bytes
    return values["VmRSS"], values["VmHWM"]


def _reset_peak_rss() -> None:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # "5" resets VmHWM to the current RSS (Linux >= 4.0, proc(5))


def toy_config(config: dict) -> dict:
    """A one-layer, 64-wide model of the same family (for the warm-up)."""
    if config["model_type"] == "gpt2":
        return {**config, "n_embd": 64, "n_head": 4, "n_layer": 1, "n_inner": None, "vocab_size": 256,
                "n_positions": 64}
    return {**config, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 1, "num_attention_heads": 4,
            "num_key_value_heads": 2, "head_dim": 16, "vocab_size": 256, "max_position_embeddings": 64}


def build_model(config: dict, setup: dict, device: str):
    """A *ForCausalLM of the config's shape with random weights, set up for the method."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    hf = {k: v for k, v in config.items() if k not in HF_KEYS_TO_DROP and k != "model_type"}
    hf.pop("torch_dtype", None)
    cfg = AutoConfig.for_model(config["model_type"], **hf)
    cfg._attn_implementation = "sdpa"
    dtype = torch.float32 if setup["precision"] == "fp32" else torch.bfloat16
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(cfg, torch_dtype=dtype)  # on the CPU
    if setup["method"] != "qlora":
        model = model.to(device)
    if setup["grad_checkpointing"]:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.config.use_cache = False
    if setup["method"] == "full":
        return model
    model.requires_grad_(False)
    if setup["method"] == "qlora":
        _quantize_linears(model, dtype, setup)
        # As PEFT's prepare_model_for_kbit_training: every non-quantized parameter in fp32.
        for param in model.parameters():
            if param.dtype in (torch.float16, torch.bfloat16):
                param.data = param.data.float()
        model = model.to(device)  # quantized on the CPU first: the 16-bit model never reaches the GPU
        if setup["grad_checkpointing"]:
            model.enable_input_require_grads()
    from peft import LoraConfig, get_peft_model

    lora = LoraConfig(r=setup["rank"], lora_alpha=2 * setup["rank"], lora_dropout=0.0,
                      target_modules=setup["target_modules"], task_type="CAUSAL_LM")
    model = get_peft_model(model, lora, autocast_adapter_dtype=setup["adapter_dtype"] == "fp32")
    return model


def _quantize_linears(model, compute_dtype, setup: dict) -> None:
    """Swap every nn.Linear inside the decoder blocks for a bitsandbytes NF4 Linear4bit,
    one at a time (so the full-precision copy of only one layer is alive at once)."""
    import bitsandbytes as bnb
    import torch
    from transformers.pytorch_utils import Conv1D  # GPT-2's linear layer, weight stored (d_in, d_out)

    blocks = model.get_decoder().layers if hasattr(model.get_decoder(), "layers") else model.transformer.h
    for block in blocks:
        for name, child in list(block.named_modules()):
            if not isinstance(child, (torch.nn.Linear, Conv1D)):
                continue
            weight = child.weight.data.t() if isinstance(child, Conv1D) else child.weight.data  # (d_out, d_in)
            q = bnb.nn.Linear4bit(weight.shape[1], weight.shape[0], bias=child.bias is not None,
                                  compute_dtype=compute_dtype, compress_statistics=setup["double_quant"],
                                  quant_type="nf4", device="meta")
            q.weight = bnb.nn.Params4bit(weight.contiguous().to("cpu"), requires_grad=False, quant_type="nf4",
                                         compress_statistics=setup["double_quant"], blocksize=setup["quant_blocksize"])
            if child.bias is not None:
                q.bias = torch.nn.Parameter(child.bias.data.to("cpu", torch.float32), requires_grad=False)
            q = q.to(child.weight.device)  # .to() quantizes
            parent_name, _, attr = name.rpartition(".")
            setattr(block.get_submodule(parent_name) if parent_name else block, attr, q)
            del child  # refcounting frees the full-precision weight now; one gc.collect() at the end
    gc.collect()  # (a full collection costs ~0.3 s with torch and transformers loaded, so not per block)


def train_steps(model, setup: dict, device: str, steps: int = 2, on_last_step=None):
    """`steps` AdamW steps on random tokens. Gradients are freed after each step
    (zero_grad(set_to_none=True), as HF Trainer does); `on_last_step()` is called after
    the last optimizer step, while weights, gradients and optimizer state are all held."""
    import torch

    params = [p for p in model.parameters() if p.requires_grad]
    if setup["optimizer"] == "adamw":
        opt = torch.optim.AdamW(params, lr=1e-4, fused=True)  # HF Trainer's default (adamw_torch_fused)
    else:
        import bitsandbytes as bnb

        opt = {"adamw8bit": bnb.optim.AdamW8bit, "paged_adamw8bit": bnb.optim.PagedAdamW8bit,
               "paged_adamw": bnb.optim.PagedAdamW32bit}[setup["optimizer"]](params, lr=1e-4)
    vocab = model.config.vocab_size
    gen = torch.Generator().manual_seed(0)
    model.train()
    for step in range(steps):
        ids = torch.randint(0, vocab, (setup["batch_size"], setup["seq_len"]), generator=gen).to(device)
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        del loss
        opt.step()
        if on_last_step is not None and step == steps - 1:
            on_last_step()
        opt.zero_grad(set_to_none=True)


def import_libraries(setup: dict) -> None:
    """Import only what this method uses: bitsandbytes' import alone compiles kernels with
    torch.compile (seconds on a CPU), and full fine-tuning with torch AdamW needs neither it nor peft."""
    if setup["method"] == "qlora" or setup["optimizer"] != "adamw":
        import bitsandbytes  # noqa: F401
    if setup["method"] != "full":
        import peft  # noqa: F401
    import torch  # noqa: F401
    import transformers  # noqa: F401


def measure(request: dict) -> dict:
    """{"peak", "states", "seconds"} of two training steps of {"config", "setup", "device"}, in this
    process, which must be fresh (a new interpreter, or a fork that has built no model yet)."""
    device, setup = request["device"], request["setup"]
    import_libraries(setup)  # before the baseline, so import costs are not counted
    import torch

    torch.set_num_threads(max(1, torch.get_num_threads()))
    # Warm-up on a toy of the same family: lazy imports, kernel and thread-pool set-up
    # happen now, before the baseline, and not inside the measured step (~25 MB on a CPU).
    toy_setup = {**setup, "seq_len": min(16, setup["seq_len"]), "batch_size": 1, "rank": 2}
    toy = build_model(toy_config(request["config"]), toy_setup, device)
    train_steps(toy, toy_setup, device, steps=1)
    del toy
    gc.collect()
    base_rss, _ = _rss()
    start = time.perf_counter()
    model = build_model(request["config"], setup, device)
    gc.collect()
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    else:
        _reset_peak_rss()
    held = {}

    def record_states() -> None:  # weights + gradients + optimizer state, activations freed
        gc.collect()
        if device == "cuda":
            torch.cuda.synchronize()
            held["states"] = torch.cuda.memory_allocated()
        else:
            held["states"] = _rss()[0] - base_rss

    train_steps(model, setup, device, on_last_step=record_states)
    if device == "cuda":
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated()
    else:
        peak = _rss()[1] - base_rss
    return {"peak": peak, "states": held["states"], "seconds": time.perf_counter() - start}


def main() -> int:
    print(json.dumps(measure(json.loads(sys.stdin.read()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
