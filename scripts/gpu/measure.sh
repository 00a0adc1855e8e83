#!/usr/bin/env bash
# The GPU measurement in one call: build frame_bench against the installed PyTorch's LibTorch (CUDA on),
# make the default model set at full size with random weights through scripts/export (SD-2 inpainting in
# float16, MiDaS DPT-Large, CLIP ViT-B/32; random weights cost the time real ones do), run 3 frames at the
# default settings (DDIM 50 steps, 4 candidates, 300 depth + 100 decoder fine-tuning steps, 512x512 frames
# on a 600x600 canvas) and write OUT/measure.json: per-stage times, peak GPU memory, and the depth
# fine-tuning's losses in float32 and in mixed precision on the same frame. docs/benchmarks.md says how to
# run it with the device tool and what the JSON holds.
#
# Usage: scripts/gpu/measure.sh OUT [--reduced] [--work DIR] [--build DIR] [--frames N] [--jobs N]
#   OUT        folder for the few files to bring back: measure.json, measure.log, and on a failure the
#              failing step's log (the device tool returns at most 8 files)
#   --reduced  the CPU rehearsal of the very same steps: a CPU build (--cpu), the same model classes at a
#              small size (make_models.py --reduced), 64x64 frames on an 80x80 canvas, 3 DDIM steps,
#              2 candidates, 4 depth + 3 decoder fine-tuning steps
#   --work     models and logs (default: /tmp/scn-measure; the full-size set takes ~4 GB)
#   --build    build folder (default: build-gpu in the repository root)
#   --frames   frames including frame 0 (default 3)
# Needs .gpu-carry/ (scripts/gpu/pack.sh): the model libraries' source, CLIP's vocabulary and, where the
# system lacks them, the build's header libraries. Environment: PYTHON as for prepare.sh.
# Every step is checked before the next; the first failure ends the script with its log's end and a
# last line "error: ..." (exit 1). Each step's wall time is printed as it ends.
set -euo pipefail
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }
[ $# -ge 1 ] || { usage; exit 2; }
case $1 in -h|--help) usage; exit 0 ;; -*) echo "error: the first argument is the output folder" >&2; exit 2 ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$1; shift
reduced=0 work=/tmp/scn-measure build=$root/build-gpu frames=3 jobs=()
while [ $# -gt 0 ]; do
  case $1 in
    --reduced) reduced=1 ;;
    --work) work=$2; shift ;;
    --build) build=$2; shift ;;
    --frames) frames=$2; shift ;;
    --jobs) jobs=(--jobs "$2"); shift ;;
    *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$out" "$work"
out=$(cd "$out" && pwd) work=$(cd "$work" && pwd)
log=$out/measure.log
: > "$log"
t0=$(date +%s)
say() { echo "[$(( $(date +%s) - t0 )) s] $*" | tee -a "$log"; }
fail() { say "error: $*"; exit 1; }
# step NAME LOGFILE COMMAND...: runs it, logs it; on failure shows the log's end and stops.
step() {
  local name=$1 steplog=$2 start; shift 2
  start=$(date +%s)
  if ! "$@" > "$steplog" 2>&1; then
    tail -30 "$steplog" | tee -a "$log"
    cp "$steplog" "$out/" 2>/dev/null || true
    fail "$name failed (log: $steplog)"
  fi
  say "$name: $(( $(date +%s) - start )) s"
}

carry=$root/.gpu-carry
[ -d "$carry/sources/src/diffusers" ] && [ -f "$carry/vocab/vocab.json" ] ||
  fail "no .gpu-carry/sources or .gpu-carry/vocab: run scripts/gpu/pack.sh here first and carry .gpu-carry"
source "$(dirname "$0")/find_python.sh"
export PYTHON=$py PYTHONUNBUFFERED=1

if [ $reduced = 1 ]; then
  device=cpu build_flags=(--cpu)
  make_flags=(--device cpu --reduced)
  bench_flags=(--device cpu --set camera.width=64 --set camera.height=64 --set camera.focal_length=62.5
               --set inpaint.canvas_border=8 --set sampler.steps=3 --set inpaint.num_candidates=2
               --set finetune.depth_steps=4 --set finetune.decoder_steps=3)
  label="CPU rehearsal (reduced models and settings), $(nproc) cores"
else
  device=cuda build_flags=()
  # float16 inpainter files as export_all.sh writes for a GPU (the VAE decoder stays float32), and PyTorch
  # 2.x's fused attention (SDPA), which this LibTorch runs.
  make_flags=(--device cuda --dtype float16 --sdpa)
  bench_flags=(--device cuda)
  command -v nvidia-smi >/dev/null || fail "nvidia-smi not found: not a GPU machine (use --reduced on a CPU)"
  gpu=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -1)
  label="GPU: $gpu"
fi
"$py" -c 'import torch, sys; sys.exit(0 if "'$device'" == "cpu" or torch.cuda.is_available() else 1)' ||
  fail "PyTorch sees no GPU"
say "scenescape GPU measurement: $label; PyTorch $("$py" -c 'import torch; print(torch.__version__)') ($py)"

# 1. Build (stops at the first compile error, shown last).
step "build" "$work/prepare.log" "$root/scripts/gpu/prepare.sh" "$build" ${build_flags[@]+"${build_flags[@]}"} \
  ${jobs[@]+"${jobs[@]}"}
grep -E "^(configure|build \()" "$work/prepare.log" | sed 's/^/  /' | tee -a "$log"
bench=$(tail -1 "$work/prepare.log")

# 2. Models: the real architectures with random weights, one section per process (make_models.py).
step "sources" "$work/sources.log" "$root/scripts/export/fetch_sources.sh" "$carry/sources"
export PYTHONPATH=$(cat "$carry/sources/pythonpath")${PYTHONPATH:+:$PYTHONPATH}
models=$work/models
rm -rf "$models"
for section in clip depth inpainter; do
  # The CLIP towers from clip_replica.py: the pinned huggingface_hub that diffusers needs comes first on
  # PYTHONPATH, and an installed transformers may want another.
  step "export $section" "$work/export-$section.log" "$py" "$root/scripts/export/make_models.py" --set sd2 \
    --section "$section" --out "$models" --vocab "$carry/vocab" --midas-repo "$carry/sources/src/MiDaS" \
    --clip-towers replica "${make_flags[@]}"
  grep -E "\] wrote " "$work/export-$section.log" | sed "s|$models/||; s/^/  /" | tee -a "$log"
done

# 3. Frames. frame_bench rewrites the JSON after every frame, so a run stopped by a time limit keeps
# what it finished.
smi=()
if [ $reduced = 0 ]; then
  # The whole process's GPU memory (CUDA context included) every 200 ms, besides the allocator's peaks.
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 > "$work/smi.csv" 2>/dev/null &
  smi_pid=$!
  trap 'kill $smi_pid 2>/dev/null || true' EXIT
  smi=(--smi "$work/smi.csv")
fi
step "frames" "$work/frame_bench.log" "$bench" --models "$models" --frames "$frames" --amp-compare \
  --label "$label" --out "$out/frame_bench.json" "${bench_flags[@]}"
say "total: $(( $(date +%s) - t0 )) s"

# 4. One JSON: frame_bench's, with the machine and the build/export times; a table of it last.
"$py" "$root/scripts/gpu/summary.py" "$out/frame_bench.json" --log "$log" ${smi[@]+"${smi[@]}"} \
  --out "$out/measure.json" | tee -a "$log"
rm -f "$out/frame_bench.json"
