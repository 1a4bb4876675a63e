"""Benchmark for engine/sandbox/__init__.py: time per evaluate() and run_snippet() call.

Measures with timeit (best of 5 repeats, each 20,000 calls for evaluate and 2,000
for run_snippet), after one warm-up call so the parse cache is filled, as the grader
sees it. Prints microseconds per call. Run: python benchmarks/safe_eval.py
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.sandbox import evaluate, run_snippet  # noqa: E402

NAMES = {"model_size": 800, "lora_size": 20, "quantization_factor": 0.3}
EXPRESSIONS = [
    "(model_size + lora_size) * quantization_factor",
    "model_size + lora_size * quantization_factor",
    "int((model_size + lora_size) * quantization_factor)",
    "math.ceil(model_size / 3) + round(quantization_factor * 7, 2)",
]
SEED_Q3 = """model_size = 1000
lora_size = 10
quantization_factor = 0.25
lora_model_size = model_size + lora_size
qlora_model_size = int(lora_model_size * quantization_factor)
print(qlora_model_size)
"""


def per_call_us(fn, number: int) -> float:
    fn()  # warm the cache
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def main() -> None:
    print("safe_eval benchmark: best of 5 timeit repeats, microseconds per call, parse cache warm")
    for expression in EXPRESSIONS:
        us = per_call_us(lambda: evaluate(expression, NAMES), 20_000)
        print(f"evaluate     {us:7.2f} us  ({1e6 / us:>9,.0f}/s)  {expression}")
    us = per_call_us(lambda: run_snippet(SEED_Q3), 2_000)
    print(f"run_snippet  {us:7.2f} us  ({1e6 / us:>9,.0f}/s)  seed question 3 (6 lines)")


if __name__ == "__main__":
    main()
