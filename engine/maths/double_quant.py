"""QLoRA's double quantization: the 8-bit blockwise code that compresses NF4's absmax constants.

QLoRA (Dettmers et al. 2023, arXiv:2305.14314) §3 "Double Quantization": the fp32
absmax of every 64-weight NF4 block (engine/maths/nf4.py) is itself quantized to
8 bits, in blocks of 256, after subtracting the mean; that takes the constants from
32/64 = 0.5 to 8/64 + 32/(64*256) ~= 0.127 bits per weight.

    absmax (fp32, one per 64 weights)
      - offset = mean(absmax)
      -> quantize_blockwise_np: absmax/absmax2 -> nearest of 256 "dynamic" code values
      -> (qabsmax uint8, absmax2 fp32 per 256, offset fp32)

Bit-exact with bitsandbytes 0.50 on the CPU (tests/maths/test_nf4.py):
  create_dynamic_map (8-bit "dynamic" code)    -> dynamic_map()
  csrc/cpu_ops.cpp quantize_cpu_impl (8-bit)  -> quantize_blockwise_np()
  functional.quantize_4bit(compress_statistics=True) -> double_quantize()
numpy float32 core; the torch wrappers import torch lazily.
"""

from __future__ import annotations

import functools

import numpy as np

from engine.maths.nf4 import F32, _blocks, _finite_flat


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


# ---- torch wrappers (torch imported lazily) ----


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
