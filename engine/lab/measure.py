"""What a fine-tuning run costs, measured from the process and the actual tensors.

* `PeakMemory`: peak memory above a baseline. On a GPU, `torch.cuda.max_memory_allocated`
  (PyTorch docs, "CUDA semantics: memory management"). On the CPU, the resident set
  size (RSS) of this process, sampled by a psutil thread every 2 ms; RSS counts every
  allocation (torch, bitsandbytes, Python), so it is the honest figure but it is noisy
  by a few MB. Run each method in a fresh process to compare peaks (the allocator
  keeps freed memory, so a second run in one process starts from a high water mark).
* `ledger`: exact bytes of weights, gradients and optimizer state, summed over the
  tensors themselves (numel x element_size). A 4-bit bitsandbytes weight is stored
  packed, two values per uint8 byte, plus its quantization constants (Dettmers et al.
  2023, QLoRA, sec. 3: one absmax per 64-weight block, itself quantized to 8 bits
  with one fp32 constant per 256 blocks under double quantization); all are counted.
"""

from __future__ import annotations

import threading
import time


class PeakMemory:
    """Context manager: `.peak_bytes` = peak memory above the level at entry."""

    def __init__(self, device: str = "cpu", interval_s: float = 0.002):
        self.device, self.interval_s = device, interval_s
        self.baseline = self.peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _rss(self) -> int:
        import psutil

        return psutil.Process().memory_info().rss

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(self.interval_s)

    def __enter__(self) -> "PeakMemory":
        if self.device == "cuda":
            import torch

            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self.baseline = self.peak = torch.cuda.memory_allocated()
        else:
            self.baseline = self.peak = self._rss()
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.device == "cuda":
            import torch

            torch.cuda.synchronize()
            self.peak = torch.cuda.max_memory_allocated()
        else:
            self._stop.set()
            self._thread.join()
            self.peak = max(self.peak, self._rss())

    @property
    def peak_bytes(self) -> int:
        return max(0, self.peak - self.baseline)


def _nbytes(t) -> int:
    return t.numel() * t.element_size()


def quant_state_tensors(param) -> list:
    """The tensors of a bitsandbytes 4-bit weight's QuantState (absmax, code, offset, state2)."""
    qs = getattr(param, "quant_state", None)
    if qs is None:
        return []
    found = [qs.absmax, qs.code, qs.offset]
    if getattr(qs, "state2", None) is not None:
        found += [qs.state2.absmax, qs.state2.code]
    import torch

    return [t for t in found if isinstance(t, torch.Tensor)]


def weight_bytes(model) -> dict:
    """Bytes of every parameter and buffer, split into base / trainable / 4-bit parts.

    Returns base_bytes (frozen weights incl. 4-bit packed data and quant constants),
    trainable_bytes, quantized_params (number of 4-bit values) and quantized_bytes
    (their packed data + constants), each tensor counted once (tied weights share).
    """
    seen: set[int] = set()
    out = {"base_bytes": 0, "trainable_bytes": 0, "quantized_params": 0, "quantized_bytes": 0,
           "base_params": 0}

    def once(t) -> int:
        key = t.data_ptr()
        if key in seen:
            return 0
        seen.add(key)
        return _nbytes(t)

    for p in model.parameters():
        consts = sum(once(t) for t in quant_state_tensors(p))
        size = once(p) + consts
        if p.requires_grad:
            out["trainable_bytes"] += size
            continue
        out["base_bytes"] += size
        if consts:  # packed 4-bit: two values per byte; the true count is in quant_state.shape
            n = p.quant_state.shape.numel()
            out["quantized_params"] += n
            out["quantized_bytes"] += size
            out["base_params"] += n
        else:
            out["base_params"] += p.numel()
    for b in model.buffers():  # e.g. rotary inv_freq
        out["base_bytes"] += once(b)
    return out


def ledger(model, optimizer) -> dict:
    """Exact bytes by kind, read after a step (gradients present, optimizer state created)."""
    w = weight_bytes(model)
    grads = {id(p): _nbytes(p.grad) for p in model.parameters() if p.grad is not None}
    opt = sum(_nbytes(v) for state in optimizer.state.values() for v in state.values()
              if hasattr(v, "element_size"))
    result = {
        "weights_bytes": w["base_bytes"] + w["trainable_bytes"],
        "base_weights_bytes": w["base_bytes"],
        "trainable_weights_bytes": w["trainable_bytes"],
        "gradient_bytes": sum(grads.values()),
        "optimizer_bytes": opt,
        "quantized_params": w["quantized_params"],
        "quantized_bytes": w["quantized_bytes"],
        "base_params": w["base_params"],
    }
    result["total_bytes"] = result["weights_bytes"] + result["gradient_bytes"] + result["optimizer_bytes"]
    return result
