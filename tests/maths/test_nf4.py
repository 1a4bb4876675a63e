"""engine/maths/nf4.py against bitsandbytes on the CPU: NF4 levels, packed bytes,
absmax, dequantization and double quantization, compared bit for bit."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.maths import double_quant as dq
from engine.maths import nf4 as q

torch = pytest.importorskip("torch")
F = pytest.importorskip("bitsandbytes.functional")


def _weights():
    """Named test tensors: random normals of several shapes, odd counts, a short
    tail block, zeros, an all-zero block, and values exactly on level midpoints."""
    g = torch.Generator().manual_seed(1234)
    levels = torch.from_numpy(q.nf4_levels().copy())
    mids = (levels[:-1] + levels[1:]) / 2  # float32, as bnb computes them
    mid_block = torch.cat([torch.tensor([1.0]), mids, -mids, torch.zeros(64 - 31)])  # absmax 1
    return {
        "normal_128x64": torch.randn(128, 64, generator=g) * 0.02,
        "odd_7x33": torch.randn(7, 33, generator=g),
        "tail_1000": torch.randn(1000, generator=g) * 3,
        "heavy_tails_5x100": torch.randn(5, 100, generator=g) ** 3,
        "zero_block": torch.cat([torch.zeros(64), torch.randn(192, generator=g)]).reshape(4, 64),
        "all_zeros": torch.zeros(3, 64),
        "midpoints": torch.cat([mid_block, 2 * mid_block, -4 * mid_block]).reshape(3, 64),
        "single": torch.tensor([0.5]),
    }


WEIGHTS = _weights()


def test_nf4_levels_equal_bitsandbytes():
    ours = q.nf4_levels()
    ref = F.get_4bit_type("nf4", device="cpu").numpy()
    np.testing.assert_array_equal(ours, ref)  # exact float32 equality
    assert (ours < 0).sum() == 7 and (ours == 0).sum() == 1 and (ours > 0).sum() == 8
    assert ours[0] == -1.0 and ours[-1] == 1.0


def test_levels_from_scipy_quantiles_like_create_normal_map():
    pytest.importorskip("scipy")
    ref = F.create_normal_map().numpy()
    np.testing.assert_array_equal(q.nf4_levels(), ref[ref != 0].tolist()[:7] + [0.0] + ref[ref != 0].tolist()[7:])


@pytest.mark.parametrize("name", list(WEIGHTS))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
def test_quantize_bit_for_bit(name, dtype):
    w = WEIGHTS[name].to(dtype)
    packed_ref, state = F.quantize_4bit(w, blocksize=64, quant_type="nf4")
    packed, absmax = q.quantize_nf4(w, blocksize=64)
    assert packed.dtype == torch.uint8 and packed.shape == packed_ref.shape
    assert torch.equal(packed, packed_ref)
    assert torch.equal(absmax, state.absmax)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 700), scale=st.floats(1e-6, 1e3), seed=st.integers(0, 2**31 - 1),
       blocksize=st.sampled_from([32, 64, 128]))
def test_quantize_bit_for_bit_property(n, scale, seed, blocksize):
    """Any length (odd, short tails), any scale: same bytes, absmax and values as bnb."""
    w = torch.randn(n, generator=torch.Generator().manual_seed(seed)) * scale
    packed_ref, state = F.quantize_4bit(w, blocksize=blocksize, quant_type="nf4")
    packed, absmax = q.quantize_nf4(w, blocksize=blocksize)
    assert torch.equal(packed, packed_ref) and torch.equal(absmax, state.absmax)
    back = q.dequantize_nf4(packed, absmax, w.shape, blocksize=blocksize)
    assert torch.equal(back.reshape(-1), F.dequantize_4bit(packed_ref, state).reshape(-1))


@pytest.mark.parametrize("blocksize", [32, 128, 256])
def test_quantize_other_blocksizes(blocksize):
    w = WEIGHTS["tail_1000"]
    packed_ref, state = F.quantize_4bit(w, blocksize=blocksize, quant_type="nf4")
    packed, absmax = q.quantize_nf4(w, blocksize=blocksize)
    assert torch.equal(packed, packed_ref) and torch.equal(absmax, state.absmax)


@pytest.mark.parametrize("name", list(WEIGHTS))
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_dequantize_matches_bitsandbytes(name, dtype):
    w = WEIGHTS[name].to(dtype)
    packed_ref, state = F.quantize_4bit(w, blocksize=64, quant_type="nf4")
    ref = F.dequantize_4bit(packed_ref, state)
    packed, absmax = q.quantize_nf4(w)
    ours = q.dequantize_nf4(packed, absmax, w.shape, dtype=dtype)
    assert ours.shape == w.shape and ours.dtype == dtype
    # bnb's CPU kernel returns (1, n) for a 1-D shape; the values are what count.
    assert torch.equal(ours.reshape(-1), ref.reshape(-1))


def test_midpoints_round_down_and_zero_is_exact():
    w = WEIGHTS["midpoints"]
    codes = q.unpack_nf4_codes(q.quantize_nf4_np(w.numpy())[0], w.numel())[:16]
    # element 0 is the absmax (code 15); elements 1..15 sit on midpoint k-1 and take the lower level
    assert codes[0] == 15 and codes[1:].tolist() == list(range(15))
    packed, absmax = q.quantize_nf4(WEIGHTS["zero_block"])
    back = q.dequantize_nf4(packed, absmax, (4, 64))
    assert absmax[0] == 0 and torch.equal(back[0], torch.zeros(64))


def test_double_quantization_matches_compress_statistics():
    for name in ("normal_128x64", "heavy_tails_5x100", "tail_1000"):
        w = WEIGHTS[name]
        packed_ref, state = F.quantize_4bit(w, blocksize=64, quant_type="nf4", compress_statistics=True)
        packed, absmax = q.quantize_nf4(w)
        qabsmax, absmax2, offset = dq.double_quantize_absmax(absmax, blocksize=256)
        assert torch.equal(packed, packed_ref)
        assert torch.equal(qabsmax, state.absmax), name
        assert torch.equal(absmax2, state.state2.absmax) and torch.equal(offset, state.offset)
        assert torch.equal(dq.dynamic_map_torch(), state.state2.code)
        restored = dq.dequantize_absmax(qabsmax, absmax2, offset)
        ours = q.dequantize_nf4(packed, restored, w.shape)
        assert torch.equal(ours.reshape(-1), F.dequantize_4bit(packed_ref, state).reshape(-1)), name


@pytest.mark.parametrize("n", [256, 1000, 4096])
def test_blockwise_8bit_matches_quantize_blockwise(n):
    g = torch.Generator().manual_seed(n)
    x = torch.randn(n, generator=g) * torch.rand(n, generator=g)
    x[:256] = 0  # an all-zero block: codes 0, absmax 0
    ref_q, state = F.quantize_blockwise(x, blocksize=256)
    code = dq.dynamic_map_torch().numpy()
    ours_q, ours_absmax = dq.quantize_blockwise_np(x.numpy(), code, blocksize=256)
    np.testing.assert_array_equal(ours_q, ref_q.numpy())
    np.testing.assert_array_equal(ours_absmax, state.absmax.numpy())
    back = dq.dequantize_blockwise_np(ours_q, ours_absmax, code, blocksize=256)
    np.testing.assert_array_equal(back, F.dequantize_blockwise(ref_q, state).numpy())


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 1500), scale=st.floats(1e-8, 1e2), seed=st.integers(0, 2**31 - 1))
def test_double_quant_property(n, scale, seed):
    """Random positive absmax vectors of any length: same codes, absmax2 and offset as bnb."""
    absmax = torch.rand(n, generator=torch.Generator().manual_seed(seed)) * scale
    w = torch.zeros(n * 64)
    w[::64] = absmax  # one nonzero value per 64-block: it is that block's absmax
    _, state = F.quantize_4bit(w, blocksize=64, quant_type="nf4", compress_statistics=True)
    qabsmax, absmax2, offset = dq.double_quantize_absmax(absmax)
    assert torch.equal(qabsmax, state.absmax) and torch.equal(absmax2, state.state2.absmax)
    assert torch.equal(offset, state.offset)


def test_numpy_dynamic_map_within_one_ulp_of_bitsandbytes():
    ref = F.create_dynamic_map().numpy()
    ours = dq.dynamic_map()
    assert ours.shape == (256,) and np.all(np.diff(ours) > 0)
    ulps = np.abs(ours.view(np.int32).astype(np.int64) - ref.view(np.int32))  # same signs: ulp distance
    assert ulps.max() <= 2  # torch.linspace vs correctly rounded steps


def test_double_quant_round_trip_error_is_small():
    absmax = np.abs(np.random.default_rng(0).standard_normal(4096)).astype(np.float32) * 0.05
    qa, a2, off = dq.double_quantize(absmax)
    back = dq.double_dequantize(qa, a2, off)
    assert qa.dtype == np.uint8 and a2.shape == (16,)
    rel = np.abs(back - absmax).max() / absmax.max()
    assert 0 < rel < 0.02  # 8-bit dynamic code: about 1% at worst


def test_bits_per_param_qlora_section_3():
    assert q.bits_per_param(64) == 4.5
    dq = q.bits_per_param(64, double_quant=True, dq_blocksize=256)
    assert dq == pytest.approx(4.127, abs=5e-4)
    assert 4.5 - dq == pytest.approx(0.373, abs=5e-4)


def test_nf4_beats_int4_on_normal_weights():
    x = np.random.default_rng(3).standard_normal(64 * 512).astype(np.float32) * 0.02
    packed, absmax = q.quantize_nf4_np(x)
    nf4 = q.error_stats(x, q.dequantize_nf4_np(packed, absmax, x.size))
    int4 = q.error_stats(x, q.int4_absmax_np(x))
    assert nf4["rmse"] < int4["rmse"]
    # int4 round trip: at most half a step (absmax/14) from each value
    blocks = np.abs(x.reshape(-1, 64)).max(axis=1)
    err = np.abs(q.int4_absmax_np(x) - x).reshape(-1, 64).max(axis=1)
    assert np.all(err <= blocks / 14 * (1 + 1e-5))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="blocksize must be a power of two"):
        q.quantize_nf4_np(np.zeros(64, np.float32), blocksize=48)
    with pytest.raises(ValueError, match="absmax has 1 entries"):
        q.dequantize_nf4_np(np.zeros(64, np.uint8), np.ones(1, np.float32), 128)


def test_numpy_core_needs_no_torch():
    code = (
        "import sys, numpy as np; from engine.maths import nf4 as quant, lora as lora_math;"
        "x = np.linspace(-1, 1, 130, dtype=np.float32);"
        "p, a = quant.quantize_nf4_np(x); quant.dequantize_nf4_np(p, a, x.size);"
        "from engine.maths import double_quant; double_quant.double_quantize(a); lora_math.lowrank_errors(np.eye(4), [1]);"
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=q.__file__.rsplit("/engine/", 1)[0])


def test_compare_nf4_int4_for_the_widget():
    block = np.random.default_rng(5).normal(0, 0.02, 64).astype(np.float32)
    r = q.compare_nf4_int4(block)
    absmax = np.abs(block).max()
    assert len(r["levels"]) == 16 and r["levels"][-1] == absmax and r["levels"][7] == 0
    assert set(np.round(r["nf4"] / absmax, 6)) <= set(np.round(q.nf4_levels(), 6))
    assert len(np.unique(r["int4"])) <= 15  # int4 absmax: -7..7 steps
    assert r["nf4_err"]["max"] <= absmax * np.diff(q.nf4_levels()).max() / 2 + 1e-9  # half the widest gap


def test_refuses_empty_and_non_finite():
    with pytest.raises(ValueError, match="empty"):
        q.quantize_nf4_np(np.zeros(0, np.float32))
    with pytest.raises(ValueError, match="1 value\\(s\\) are NaN or infinite"):
        q.quantize_nf4_np(np.array([0.1, np.inf] + [0.0] * 62, np.float32))


@pytest.mark.gpu
def test_matches_bitsandbytes_cuda_kernel():
    """bnb's CUDA kernel (csrc/kernels.cu: x * (1/absmax), then a comparison tree
    on the level midpoints) against our CPU bytes, on random normals (no exact
    ties with a midpoint). Not run where there is no GPU."""
    g = torch.Generator().manual_seed(99)
    w = torch.randn(256, 512, generator=g) * 0.02
    packed_ref, state = F.quantize_4bit(w.cuda(), blocksize=64, quant_type="nf4")
    packed, absmax = q.quantize_nf4(w)
    assert torch.equal(state.absmax.cpu(), absmax)
    assert torch.equal(packed_ref.cpu(), packed)
    ours = q.dequantize_nf4(packed, absmax, w.shape)
    assert torch.equal(F.dequantize_4bit(packed_ref, state).cpu(), ours)
