"""NF4 (4-bit NormalFloat) quantization from scratch, bit-exact with bitsandbytes.

QLoRA (Dettmers et al. 2023, arXiv:2305.14314):
  §3 "4-bit NormalFloat": 16 levels at quantiles of N(0, 1), scaled to [-1, 1];
      asymmetric so that zero is exact: 7 negative levels, 0, 8 positive.
  §3 "Double Quantization": the fp32 absmax of every 64-weight block is itself
      quantized, to 8 bits in blocks of 256, after subtracting the mean.
  bits/param = 4 + 32/64 = 4.5, or 4 + 8/64 + 32/(64*256) ~= 4.127 with DQ.

The arithmetic follows bitsandbytes 0.50 on the CPU step by step, so the bytes
are identical (tests/test_quant.py compares them bit for bit):
  create_normal_map / get_4bit_type("nf4")    -> nf4_levels()
  create_dynamic_map (8-bit "dynamic" code)    -> dynamic_map()
  backends/default/ops.py quantize_4bit        -> quantize_nf4_np()
  csrc/cpu_ops.cpp quantize_cpu_impl (8-bit)  -> quantize_blockwise_np()
  functional.quantize_4bit(compress_statistics=True) -> double_quantize()

The core is numpy float32 (no torch), so lesson widgets can run it without
importing torch; `quantize_nf4` / `dequantize_nf4` / `double_quantize_absmax`
are thin torch-in, torch-out wrappers that import torch lazily.
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


def _linspace_np(start: float, end: float, steps: int) -> np.ndarray:
    """Evenly spaced float32 values, correctly rounded from float64."""
    return np.linspace(start, end, steps).astype(F32)


@functools.cache
def dynamic_map(linspace=_linspace_np) -> np.ndarray:
    """bnb's signed 8-bit "dynamic tree" code (Dettmers 2016, arXiv:1511.04561),
    256 values ascending: for exponent e = 0..6, 2**e fractions spaced linearly
    in [0.1, 1] times 10**(e-6), both signs, plus 0 and 1.

    `linspace`: bnb uses torch.linspace, whose vectorised float32 steps differ
    from the correctly rounded ones by 1 ulp in places (and with the CPU's
    vector width); the torch wrappers pass it so the bytes match bnb exactly.
    """
    data: list[float] = []
    for i in range(7):
        bounds = linspace(0.1, 1.0, 2**i + 1)
        means = (bounds[:-1] + bounds[1:]) / F32(2.0)
        scale = F32(10.0 ** (i - 6))  # torch casts the Python scalar to float32
        data += list(scale * means) + list(-scale * means)
    data += [0.0, 1.0]
    code = np.sort(np.array(data, dtype=F32))  # code[0] ~= -0.993, code[255] = 1
    code.setflags(write=False)  # cached: shared by every caller
    return code


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


LUT_SIZE = 65536  # bins of [-1, 1] in bnb's CPU 8-bit quantizer


@functools.cache
def _code_lut(code_bytes: bytes) -> np.ndarray:
    """bnb's 65536-entry table from a normalised value's bin to its code index:
    bin i stands for v_i = -1 + 2i/65535 and maps to the first code whose
    upper midpoint is not below v_i (csrc/cpu_ops.cpp build_quantize_lut)."""
    code = np.frombuffer(code_bytes, dtype=F32)
    mids = F32(0.5) * (code[:-1] + code[1:])  # (255,)
    i = np.arange(LUT_SIZE)
    v = F32(-1.0) + (F32(2.0) * i.astype(F32)) / F32(LUT_SIZE - 1)  # (65536,)
    return np.searchsorted(mids, v, side="left").astype(np.uint8)


def quantize_blockwise_np(x: np.ndarray, code: np.ndarray | None = None, blocksize: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """8-bit blockwise quantization against a sorted 256-value code, as bnb
    0.50's CPU kernel (csrc/cpu_ops.cpp quantize_cpu_impl):
      1. absmax per block; an all-zero block gets codes 0;
      2. v = clamp(x * (1/absmax), -1, 1);
      3. bin = trunc(((v + 1) * 0.5) * 65535 + 0.5), each step in float32;
      4. code index = lut[bin] (_code_lut): nearest code up to a bin's width.
    Returns (codes uint8 (n,), absmax float32 (blocks,))."""
    code = dynamic_map() if code is None else np.asarray(code, dtype=F32)
    flat = _finite_flat(x)
    nblocks = _blocks(flat.size, blocksize)
    padded = np.concatenate([flat, np.zeros(nblocks * blocksize - flat.size, F32)])
    blocks = padded.reshape(nblocks, blocksize)
    absmax = np.abs(blocks).max(axis=1).astype(F32)  # (blocks,)
    inv = F32(1.0) / np.where(absmax == 0, F32(1.0), absmax)
    v = np.clip(blocks * inv[:, None], F32(-1.0), F32(1.0))
    bins = ((v + F32(1.0)) * F32(0.5) * F32(LUT_SIZE - 1) + F32(0.5)).astype(np.uint16)
    q = np.where(absmax[:, None] == 0, 0, _code_lut(code.tobytes())[bins]).astype(np.uint8)
    return q.reshape(-1)[: flat.size], absmax


def dequantize_blockwise_np(q: np.ndarray, absmax: np.ndarray, code: np.ndarray | None = None, blocksize: int = 256) -> np.ndarray:
    """code[q] * absmax of its block, float32."""
    code = dynamic_map() if code is None else np.asarray(code, dtype=F32)
    q = np.asarray(q, dtype=np.uint8).reshape(-1)
    return code[q] * np.repeat(np.asarray(absmax, dtype=F32), blocksize)[: q.size]


def double_quantize(absmax: np.ndarray, blocksize: int = 256, offset: float | None = None,
                    code: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.float32]:
    """QLoRA §3 double quantization of the fp32 absmax constants:
    offset = mean(absmax); (absmax - offset) -> 8-bit dynamic code in blocks of 256.

    Returns (qabsmax uint8, absmax2 float32, offset float32). `offset` may be
    passed in: bnb takes torch's float32 mean, whose last bit depends on the
    summation order (the torch wrapper passes torch's value).
    """
    a = np.asarray(absmax, dtype=F32).reshape(-1)
    off = F32(np.mean(a, dtype=np.float64)) if offset is None else F32(offset)
    q, absmax2 = quantize_blockwise_np(a - off, code, blocksize)
    return q, absmax2, off


def double_dequantize(qabsmax: np.ndarray, absmax2: np.ndarray, offset: float, blocksize: int = 256,
                      code: np.ndarray | None = None) -> np.ndarray:
    """The absmax constants back from double quantization: code[q]*absmax2 + offset."""
    return dequantize_blockwise_np(qabsmax, absmax2, code, blocksize) + F32(offset)


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


def _torch_linspace(start: float, end: float, steps: int) -> np.ndarray:
    import torch

    return torch.linspace(start, end, steps, dtype=torch.float32).numpy()


def dynamic_map_torch():
    """dynamic_map() built with torch.linspace, as bnb builds it: float32 (256,)."""
    import torch

    return torch.from_numpy(dynamic_map(_torch_linspace).copy())


def double_quantize_absmax(absmax, blocksize: int = 256):
    """torch absmax -> (qabsmax uint8, absmax2 float32, offset 0-dim float32),
    matching bnb's QuantState absmax / state2.absmax / offset."""
    import torch

    offset = absmax.float().mean()  # torch's float32 reduction, as bnb
    code = dynamic_map(_torch_linspace)
    q, a2, off = double_quantize(absmax.cpu().float().numpy(), blocksize, float(offset), code)
    return torch.from_numpy(q), torch.from_numpy(a2), torch.tensor(off)


def dequantize_absmax(qabsmax, absmax2, offset, blocksize: int = 256):
    """Inverse of double_quantize_absmax, as a float32 torch tensor."""
    import torch

    code = dynamic_map(_torch_linspace)
    out = double_dequantize(qabsmax.cpu().numpy(), absmax2.cpu().numpy(), float(offset), blocksize, code)
    return torch.from_numpy(out)


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

