"""NF4 (4-bit NormalFloat) quantization from scratch, bit-exact with bitsandbytes.

QLoRA (Dettmers et al. 2023, arXiv:2305.14314):
  §3 "4-bit NormalFloat": 16 levels at quantiles of N(0, 1), scaled to [-1, 1];
      asymmetric so that zero is exact: 7 negative levels, 0, 8 positive.
  §3 "Double Quantization": the fp32 absmax of every 64-weight block is itself
      quantized, to 8 bits in blocks of 256, after subtracting the mean.
  bits/param = 4 + 32/64 = 4.5, or 4 + 8/64 + 32/(64*256) ~= 4.127 with DQ.

The arithmetic follows bitsandbytes 0.50 on the CPU step by step, so the bytes
are identical (tests/maths/test_nf4.py compares them bit for bit):
  create_normal_map / get_4bit_type("nf4")    -> nf4_levels()
  backends/default/ops.py quantize_4bit        -> quantize_nf4_np()
Double quantization of the absmax constants is in engine/maths/double_quant.py.

The core is numpy float32 (no torch), so lesson widgets can run it without
importing torch; `quantize_nf4` / `dequantize_nf4` are thin torch-in, torch-out wrappers that import torch lazily.
"""

from __future__ import annotations

import functools
from statistics import NormalDist

import numpy as np

F32 = np.float32
NF4_OFFSET = 0.9677083  # outermost quantile, bnb's create_normal_map default


def _linspace_f32(start: float, end: float, steps: int) -> np.ndarray:
    """torch.linspace(start, end, steps, dtype=float32), same float32 rounding:
    the first half counts up from start, the second half down from end."""
    s, e = F32(start), F32(end)
    step = (e - s) / F32(steps - 1)
    idx = np.arange(steps)
    up = s + step * idx.astype(F32)
    down = e - step * (steps - idx - 1).astype(F32)
    return np.where(idx < steps // 2, up, down).astype(F32)


@functools.cache
def nf4_levels() -> np.ndarray:
    """The 16 NF4 levels, ascending, float32 (QLoRA §3, Eq. 4).

    q_i = Phi^-1 of 9 evenly spaced probabilities in [0.5, offset] for the
    positive half and 8 for the negative half (each dropping the 0.5 end, whose
    quantile is 0), plus an exact 0; then divided by the largest, so the range
    is exactly [-1, 1].
    """
    inv_cdf = NormalDist().inv_cdf
    pos = [inv_cdf(float(p)) for p in _linspace_f32(NF4_OFFSET, 0.5, 9)[:-1]]  # 8 levels
    neg = [-inv_cdf(float(p)) for p in _linspace_f32(NF4_OFFSET, 0.5, 8)[:-1]]  # 7 levels
    values = np.sort(np.array(pos + [0.0] + neg, dtype=F32))
    levels = values / values.max()
    levels.setflags(write=False)  # cached: shared by every caller
    return levels


def _blocks(n: int, blocksize: int) -> int:
    return -(-n // blocksize)  # ceil(n / blocksize)


def _finite_flat(x: np.ndarray) -> np.ndarray:
    """x as a flat float32 array, refusing what absmax scaling cannot handle."""
    flat = np.asarray(x, dtype=F32).reshape(-1)
    if flat.size == 0:
        raise ValueError("cannot quantize an empty tensor")
    if not np.isfinite(flat).all():
        raise ValueError(f"cannot quantize: {int((~np.isfinite(flat)).sum())} value(s) are NaN or infinite")
    return flat


def _check_blocksize(blocksize: int) -> None:
    if blocksize not in (32, 64, 128, 256, 512, 1024, 2048, 4096):
        raise ValueError(f"blocksize must be a power of two in 32..4096, got {blocksize}")


def quantize_nf4_np(x: np.ndarray, blocksize: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Blockwise absmax NF4: flat float32 values -> (packed uint8, absmax float32).

    1. absmax_b = max |x| over each block of `blocksize` (the last may be short).
    2. scale into [-1, 1]: x * (1/absmax) for full blocks, x / absmax for the
       tail block (bnb's exact operations; a zero block stays 0).
    3. code = index of the nearest level: bucketize against the 15 midpoints,
       a value exactly on a midpoint going to the lower level.
    4. pack two codes per byte, the first in the high nibble; an odd count is
       padded with one scaled 0 (code 7).
    Shapes: packed (ceil(n/2),), absmax (ceil(n/blocksize),).
    """
    _check_blocksize(blocksize)
    flat = _finite_flat(x)
    n = flat.size
    full = n - n % blocksize
    body = flat[:full].reshape(-1, blocksize)  # (blocks, blocksize)
    absmax = np.abs(body).max(axis=1) if full else np.zeros(0, F32)
    inv = F32(1.0) / np.maximum(absmax, F32(1e-38))
    scaled = [np.clip(body * inv[:, None], -1, 1).reshape(-1)]
    if full < n:
        tail_max = np.abs(flat[full:]).max()
        absmax = np.append(absmax, tail_max).astype(F32)
        scaled.append(np.clip(flat[full:] / max(tail_max, F32(1e-38)), -1, 1))
    scaled = np.concatenate(scaled).astype(F32)
    if n % 2:
        scaled = np.append(scaled, F32(0.0))
    levels = nf4_levels()
    mids = (levels[:-1] + levels[1:]) / F32(2)  # (15,)
    codes = np.searchsorted(mids, scaled, side="left").astype(np.uint8)
    packed = (codes[0::2] << 4) | codes[1::2]
    return packed.astype(np.uint8), absmax.astype(F32)


def unpack_nf4_codes(packed: np.ndarray, n: int) -> np.ndarray:
    """The n 4-bit codes (0..15) in a packed byte array, high nibble first."""
    b = np.asarray(packed, dtype=np.uint8).reshape(-1)
    codes = np.empty(b.size * 2, dtype=np.uint8)
    codes[0::2], codes[1::2] = b >> 4, b & 0x0F
    return codes[:n]


def dequantize_nf4_np(packed: np.ndarray, absmax: np.ndarray, n: int, blocksize: int = 64) -> np.ndarray:
    """Inverse of quantize_nf4_np: level[code] * absmax of its block, float32 (n,)."""
    _check_blocksize(blocksize)
    absmax = np.asarray(absmax, dtype=F32).reshape(-1)
    if absmax.size != _blocks(n, blocksize):
        raise ValueError(f"absmax has {absmax.size} entries; {n} values in blocks of {blocksize} need {_blocks(n, blocksize)}")
    values = nf4_levels()[unpack_nf4_codes(packed, n)]
    return values * np.repeat(absmax, blocksize)[:n]


def bits_per_param(blocksize: int = 64, double_quant: bool = False, dq_blocksize: int = 256) -> float:
    """Storage bits per weight (QLoRA §3): 4 + 32/blocksize, or with double
    quantization 4 + 8/blocksize + 32/(blocksize*dq_blocksize)."""
    if double_quant:
        return 4 + 8 / blocksize + 32 / (blocksize * dq_blocksize)
    return 4 + 32 / blocksize


def int4_absmax_np(x: np.ndarray, blocksize: int = 64) -> np.ndarray:
    """Uniform symmetric int4 round trip: round(x/absmax*7) in [-7, 7], times
    absmax/7 (absmax quantization, QLoRA §2 Eq. 1 with 4 bits). float32 (n,)."""
    flat = np.asarray(x, dtype=F32).reshape(-1)
    nblocks = _blocks(flat.size, blocksize)
    padded = np.concatenate([flat, np.zeros(nblocks * blocksize - flat.size, F32)]).reshape(nblocks, -1)
    absmax = np.maximum(np.abs(padded).max(axis=1, keepdims=True), F32(1e-38))
    q = np.clip(np.rint(padded / absmax * 7), -7, 7)
    return (q * absmax / 7).astype(F32).reshape(-1)[: flat.size]


def error_stats(x: np.ndarray, approx: np.ndarray) -> dict[str, float]:
    """Mean absolute, root-mean-square and max absolute error of approx vs x."""
    d = np.asarray(approx, dtype=np.float64) - np.asarray(x, dtype=np.float64)
    return {"mae": float(np.abs(d).mean()), "rmse": float(np.sqrt((d**2).mean())), "max": float(np.abs(d).max())}


# ---- torch wrappers (torch imported lazily: lesson pages must not import it) ----


def quantize_nf4(weight, blocksize: int = 64):
    """torch tensor (fp32/fp16/bf16, any shape) -> (packed uint8 (ceil(n/2), 1),
    absmax float32 (blocks,)): the layout of bnb.functional.quantize_4bit."""
    import torch

    x = weight.detach().to("cpu", torch.float32).numpy()
    packed, absmax = quantize_nf4_np(x, blocksize)
    return torch.from_numpy(packed).unsqueeze(1), torch.from_numpy(absmax)


def dequantize_nf4(packed, absmax, shape, blocksize: int = 64, dtype=None):
    """(packed, absmax) -> tensor of `shape` in `dtype` (default float32)."""
    import torch

    n = int(np.prod(shape))
    out = dequantize_nf4_np(packed.cpu().numpy(), absmax.cpu().float().numpy(), n, blocksize)
    return torch.from_numpy(out).reshape(tuple(shape)).to(dtype or torch.float32)


def compare_nf4_int4(block: np.ndarray) -> dict:
    """One block through NF4 and through uniform int4 absmax, for the widget:
    the NF4 levels in weight units (levels * absmax), both round trips, and
    their error statistics."""
    x = _finite_flat(block)
    if x.size > 4096:
        raise ValueError(f"one block holds at most 4096 weights, got {x.size}")
    packed, absmax = quantize_nf4_np(x, blocksize=4096)  # the whole block shares one absmax
    nf4 = dequantize_nf4_np(packed, absmax, x.size, 4096)
    int4 = int4_absmax_np(x, blocksize=x.size)
    return {"levels": nf4_levels() * absmax[0], "nf4": nf4, "int4": int4,
            "nf4_err": error_stats(x, nf4), "int4_err": error_stats(x, int4)}

