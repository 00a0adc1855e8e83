#!/usr/bin/env bash
# Exporter to loader: files written by scripts/export are judged by the LibTorch scenescape links.
#
#   exporter_loader_test.sh SCENESCAPE SOURCE_DIR WORK_DIR LIBTORCH_VERSION
#
# 1. scripts/export/small_models.py exports a complete folder of small modules with the real
#    networks' structure through the exporters' own functions (Debian's python3-torch);
# 2. `scenescape models check` loads every file and runs its contract;
# 3. a short generation (2 frames, 2 candidates, 2 DDIM steps, 2 + 2 fine-tuning steps) runs on it;
# 4. negative control, for a LibTorch < 2.0: the depth file re-exported with its attention through
#    aten::scaled_dot_product_attention must be refused by `models check` (exit 3, naming the op).
# SCN_EXPORT_TEST_SDPA=1 exports the main folder that way too: the test then fails at step 2,
# which is how it shows that it catches such files.
set -euo pipefail
bin=$1 src=$2 work=$3 libtorch=$4
py=${PYTHON:-/usr/bin/python3}
fail() { echo "FAIL: $*" >&2; exit 1; }
"$py" -c "import torch" 2>/dev/null ||
  fail "$py cannot import torch: install Debian's python3-torch (scripts/install_deps.sh does)"
rm -rf "$work" && mkdir -p "$work"

sdpa=()
[ "${SCN_EXPORT_TEST_SDPA:-0}" = 1 ] && sdpa=(--sdpa-op)
"$py" "$src/scripts/export/small_models.py" --out "$work/models" ${sdpa[@]+"${sdpa[@]}"} > "$work/export.log" 2>&1 ||
  { tail -20 "$work/export.log"; fail "the exporters failed (log: $work/export.log)"; }
grep -E "wrote .*\.pt|ops are known|ops unknown" "$work/export.log" || true

"$bin" models check "$work/models" --device cpu || fail "scenescape models check refused the exported folder"

"$bin" --prompt "the room, indoor scene" --models "$work/models" --device cpu --out "$work/run" --seed 3 \
  --frames 2 --candidates 2 --steps 2 --set finetune.depth_steps=2 --set finetune.decoder_steps=2 \
  --set camera.width=128 --set camera.height=128 --set camera.focal_length=125 \
  --set inpaint.canvas_border=16 --set render.frustum_margin_px=32 > "$work/run.log" 2>&1 ||
  { tail -20 "$work/run.log"; fail "generation with the exported folder failed"; }
for f in frames/00000.png frames/00001.png depth/00001.png run.json; do
  [ -s "$work/run/$f" ] || fail "generation wrote no $f"
done
grep -q '"depth_finetune_steps": 2' "$work/run/run.json" || fail "run.json: frame 1 was not depth-fine-tuned"
echo "generation: $(grep -c '"chosen"' "$work/run/run.json") frames from the exported folder"

case $libtorch in
  1.*)
    cp -r "$work/models" "$work/sdpa"
    "$py" "$src/scripts/export/small_models.py" --out "$work/sdpa" --only depth --sdpa-op > "$work/sdpa.log" 2>&1 ||
      { tail -20 "$work/sdpa.log"; fail "the SDPA export failed"; }
    set +e
    "$bin" models check "$work/sdpa" --device cpu > "$work/sdpa_check.log" 2>&1
    code=$?
    set -e
    cat "$work/sdpa_check.log"
    [ $code -eq 3 ] || fail "LibTorch $libtorch accepted a file calling scaled_dot_product_attention (exit $code)"
    grep -q "depth.pt: cannot load TorchScript: Unknown builtin op: aten::scaled_dot_product_attention" \
      "$work/sdpa_check.log" || fail "the refusal does not name the file and the operator"
    echo "negative control: LibTorch $libtorch refuses the SDPA file, naming it"
    ;;
  *) echo "negative control skipped: LibTorch $libtorch has scaled_dot_product_attention" ;;
esac
rm -rf "$work"
echo "exporter to loader: passed"
