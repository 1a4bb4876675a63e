"""The maths of LoRA and QLoRA: pure, typed functions, each checked against the real library.

    lora.py            adapter parameter counts, scaling, file size, low-rank error
                       (Hu et al. 2021 §4.1; counts equal PEFT's get_nb_trainable_parameters)
    nf4.py             4-bit NormalFloat levels and blockwise quantization (QLoRA §3),
                       bit-exact with bitsandbytes
    double_quant.py    8-bit quantization of NF4's absmax constants (QLoRA §3)
    memory.py          training memory by component for a config and a method; presets/
    memory_measure.py  the same, measured: one real training step per method in a fresh
                       subprocess (memory_step.py), set beside the prediction

    config.json ─▶ lora.linear_shapes ─▶ memory.breakdown ◀── nf4.bits_per_param
                                              │
                      memory_measure ─────────┴─▶ predicted vs measured

Imports no other engine package (engine/__init__.py, LAYERS). numpy only at import
time: torch is imported inside the functions and subprocess that need it.
"""
