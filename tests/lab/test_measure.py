"""engine/lab/measure.py: the byte ledger read from real tensors, and the peak-memory sampler."""

from __future__ import annotations

import torch

from engine.lab.measure import PeakMemory, ledger, weight_bytes


def test_ledger_of_a_linear_layer_with_adam_is_exact():
    layer = torch.nn.Linear(32, 16)  # 32*16 + 16 = 528 fp32 parameters
    opt = torch.optim.AdamW(layer.parameters())
    layer(torch.randn(4, 32)).sum().backward()
    opt.step()
    book = ledger(layer, opt)
    assert book["weights_bytes"] == 528 * 4
    assert book["gradient_bytes"] == 528 * 4
    # Adam keeps exp_avg and exp_avg_sq per parameter (fp32) plus one step counter per tensor
    step_bytes = sum(s["step"].numel() * s["step"].element_size() for s in opt.state.values())
    assert book["optimizer_bytes"] == 2 * 528 * 4 + step_bytes
    assert book["total_bytes"] == book["weights_bytes"] + book["gradient_bytes"] + book["optimizer_bytes"]


def test_frozen_weights_count_as_base_and_tied_ones_once():
    emb = torch.nn.Embedding(10, 8)
    head = torch.nn.Linear(8, 10, bias=False)
    head.weight = emb.weight  # tied, as in the shipped model
    model = torch.nn.ModuleDict({"emb": emb, "head": head, "extra": torch.nn.Linear(8, 2, bias=False)})
    model["extra"].requires_grad_(False)
    sizes = weight_bytes(model)
    assert sizes["trainable_bytes"] == 80 * 4
    assert sizes["base_bytes"] == 16 * 4


def test_four_bit_weights_are_counted_packed_with_their_constants():
    import bitsandbytes as bnb

    layer = bnb.nn.Linear4bit(256, 128, bias=False, quant_type="nf4", compress_statistics=True,
                              compute_dtype=torch.float32)
    layer.weight = bnb.nn.Params4bit(torch.randn(128, 256), requires_grad=False, quant_type="nf4",
                                     compress_statistics=True)
    layer = layer.to("cpu")
    layer(torch.randn(1, 256))  # quantizes on first use where not yet quantized
    sizes = weight_bytes(layer)
    n = 128 * 256
    assert sizes["quantized_params"] == n
    assert sizes["base_bytes"] >= n // 2  # two 4-bit values per byte
    assert sizes["quantized_bytes"] / n <= 0.6  # 0.5 byte + absmax (8-bit, per 64) + second-level constants


def test_peak_memory_sees_a_large_temporary_allocation():
    with PeakMemory("cpu") as peak:
        block = torch.ones(64 * 1024 * 1024 // 4)  # 64 MiB of fp32, touched
        block += 1
        del block
    assert peak.peak_bytes >= 48 * 1024 * 1024
