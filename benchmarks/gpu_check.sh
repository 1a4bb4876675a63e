#!/usr/bin/env bash
# GPU readiness (issue 22), as one prepared run on a CUDA machine:
#   bash benchmarks/gpu_check.sh [--quick]
# 1. what torch sees: the GPU, its memory, torch's CUDA build, whether it does bf16;
# 2. bf16 autodetection: the device the lab picks and the dtypes it loads each method in;
# 3. the `gpu`-marked tests (pytest -m gpu), including a run forked from the warm worker on the GPU;
# 4. benchmarks/lab.py: the QLoRA lab time (run_lab and whole process) and every lab figure;
# 5. benchmarks/memory_measured.py: measured against predicted memory (its JSON goes to the output folder).
# --quick: lab.py on seed 0 without memory at scale, memory_measured.py on the GPT-2 shape only.
# Output folder: $GPU_CHECK_OUT, else $OUT (the device machine's), else a new temporary folder.
# Refuses in a second, exit 2, with one line saying why, where torch has no CUDA device (a CPU-only
# torch build, no driver, or CUDA_VISIBLE_DEVICES hiding them); exits 1 if a step failed.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
QUICK=0
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    *) echo "gpu_check: unknown argument '$arg' (expected --quick)" >&2; exit 2 ;;
  esac
done

"$PY" - <<'PY' || exit 2
import sys
import torch
if torch.version.cuda is None:
    sys.exit(f"gpu_check: refused: torch {torch.__version__} is a CPU-only build (torch.version.cuda is None); "
             "install torch's CUDA build on the GPU machine to run this check")
if not torch.cuda.is_available():
    sys.exit(f"gpu_check: refused: torch {torch.__version__} (CUDA {torch.version.cuda}) sees no CUDA device "
             "(no driver, no GPU, or CUDA_VISIBLE_DEVICES hides them)")
PY

OUT_DIR=${GPU_CHECK_OUT:-${OUT:-$(mktemp -d /tmp/gpu-check.XXXXXX)}}
mkdir -p "$OUT_DIR"
failed=()
step() {  # step NAME COMMAND...: run it, keep its output in $OUT_DIR/NAME.log, note a failure
  local name=$1; shift
  echo; echo "== $name: $*"
  "$@" 2>&1 | tee "$OUT_DIR/$name.log"
  local status=${PIPESTATUS[0]}
  [ "$status" -eq 0 ] || { failed+=("$name (exit $status)"); echo "== $name FAILED (exit $status)"; }
}

step device "$PY" - <<'PY'
import torch
props = torch.cuda.get_device_properties(0)
print(f"GPU 0: {props.name}, {props.total_memory / 2**30:.1f} GiB, compute capability {props.major}.{props.minor}; "
      f"{torch.cuda.device_count()} visible; torch {torch.__version__}, CUDA {torch.version.cuda}")
print(f"bf16 supported by this GPU: {torch.cuda.is_bf16_supported()}")
PY

step bf16 "$PY" - <<'PY'
import torch
from engine.lab.finetune import DEFAULT_MODEL, load_model, pick_device, resolve_model
device = pick_device()
print(f"the lab picks: {device}")
model_id = resolve_model(DEFAULT_MODEL)
for method in ("full", "lora", "qlora"):
    model = load_model(model_id, method, device)
    layer = model.model.layers[0].self_attn.q_proj
    compute = getattr(layer, "compute_dtype", None)
    print(f"  {method:<5} weights {layer.weight.dtype} on {layer.weight.device}"
          + (f", 4-bit compute in {compute}" if compute is not None else ""))
    del model
ok = device == "cuda"
print(f"bf16 autodetection: {'yes' if ok else 'NO'} (lora loads in bf16 and qlora computes in bf16 on a GPU; "
      "full fine-tuning keeps fp32 weights and trains under bf16 autocast)")
raise SystemExit(0 if ok else 1)
PY

step gpu-tests "$PY" -m pytest -m gpu -rs -q -p no:cacheprovider tests
if [ "$QUICK" -eq 1 ]; then
  step lab "$PY" benchmarks/lab.py --seeds 0 --skip-memory
  step memory "$PY" benchmarks/memory_measured.py --quick --out "$OUT_DIR/memory_measured_gpu.json"
else
  step lab "$PY" benchmarks/lab.py
  step memory "$PY" benchmarks/memory_measured.py --out "$OUT_DIR/memory_measured_gpu.json"
fi

echo; echo "== summary (logs in $OUT_DIR)"
grep -h "^GPU 0\|^bf16\|^the lab picks" "$OUT_DIR/device.log" "$OUT_DIR/bf16.log" 2>/dev/null
grep -h "passed\|failed\|skipped" "$OUT_DIR/gpu-tests.log" 2>/dev/null | tail -n 1
grep -h "wall time\|QLoRA seed\|skill >=\|memory at scale" "$OUT_DIR/lab.log" 2>/dev/null | head -n 20
grep -h "ratio\|within\|goal" "$OUT_DIR/memory.log" 2>/dev/null | head -n 20
if [ ${#failed[@]} -gt 0 ]; then
  echo "gpu_check: FAILED steps: ${failed[*]}"
  exit 1
fi
echo "gpu_check: every step passed"
