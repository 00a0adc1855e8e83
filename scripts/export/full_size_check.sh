#!/usr/bin/env bash
# The real architectures at their real sizes (random weights), exported with scripts/export and run by
# scenescape on the CPU: export time, file sizes, load time, per-stage time and peak memory, and one
# reduced frame. Not part of CI's default run (ctest label "fullsize"; 1-2 hours per set and up to ~20 GB
# of RAM on 2 cores, ~8 GB of disk per set).
#
# Usage: scripts/export/full_size_check.sh WORK [--set sd2|sd15] [--sources CACHE] [--from DIR]
#                                          [--vocab DIR] [--scenescape BIN] [--candidates N] [--keep]
#   WORK          folder for the model folder, the logs and the run (outside the checkout)
#   --set         sd2 (default: SD-2 inpainting + DPT-Large + CLIP ViT-B/32, the default set) or
#                 sd15 (SD-1.5 inpainting + Depth Anything V2 ViT-L + CLIP ViT-L/14)
#   --sources     the library cache (default WORK/sources), filled by fetch_sources.sh if missing;
#                 --from DIR is passed to it (local clones instead of the network)
#   --vocab       folder with CLIP's vocab.json and merges.txt (default: ../shared/data/clip)
#   --scenescape  the binary (default: build/scenescape)
#   --candidates  N for `models check --full` and the frame (default 2: UNet batch 4)
#   --keep        keep the model folder (default: deleted at the end; it is ~7 GB)
# Environment: PYTHON (default /usr/bin/python3, Debian's, with python3-torch).
set -euo pipefail
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }
[ $# -ge 1 ] || { usage; exit 2; }
case $1 in -h|--help) usage; exit 0 ;; -*) echo "error: the first argument is the work folder" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$1; shift
set_name=sd2 sources="" from=() vocab=$root/../shared/data/clip bin=$root/build/scenescape n=2 keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --set) set_name=$2; shift ;;
    --sources) sources=$2; shift ;;
    --from) from=(--from "$2"); shift ;;
    --vocab) vocab=$2; shift ;;
    --scenescape) bin=$2; shift ;;
    --candidates) n=$2; shift ;;
    --keep) keep=1 ;;
    *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case $set_name in sd2|sd15) ;; *) echo "error: --set sd2 or sd15" >&2; exit 2 ;; esac
py=${PYTHON:-/usr/bin/python3}
mkdir -p "$work"
work=$(cd "$work" && pwd)
sources=${sources:-$work/sources}
models=$work/models-$set_name
[ -f "$vocab/vocab.json" ] && [ -f "$vocab/merges.txt" ] || { echo "error: no vocab.json + merges.txt in $vocab" >&2; exit 2; }
[ -x "$bin" ] || { echo "error: $bin not found (build first)" >&2; exit 2; }
"$here/fetch_sources.sh" "$sources" ${from[@]+"${from[@]}"}
export PYTHONPATH=$(cat "$sources/pythonpath")${PYTHONPATH:+:$PYTHONPATH}
gnu_time() { /usr/bin/time -f "%e s, peak %M KB" -o "$1.time" "${@:2}"; }
rm -rf "$models"

if ! "$py" -c "import transformers" 2>/dev/null; then
  echo "== the CLIP towers are clip_replica.py: its names, shapes and outputs vs the published models'"
  "$py" "$here/check_clip_names.py" > "$work/clip-names.log" 2>&1 ||
    { cat "$work/clip-names.log"; echo "error: clip_replica.py differs from the published models" >&2; exit 1; }
  sed 's/^/  /' "$work/clip-names.log"
fi

echo "== export ($set_name, random weights, one section per process)"
for section in clip depth inpainter; do
  log=$work/export-$set_name-$section.log
  if ! gnu_time "$log" "$py" "$here/make_models.py" --set "$set_name" --section "$section" --out "$models" \
       --vocab "$vocab" --midas-repo "$sources/src/MiDaS" \
       --da2-repo "$sources/src/Depth-Anything-V2" --device cpu > "$log" 2>&1; then
    tail -20 "$log"; echo "error: exporting $section failed (log: $log)" >&2; exit 1
  fi
  grep -E "\] wrote |\] traced in|ops are known" "$log" | sed "s|$models/||"
  echo "  $section: $(cat "$log.time")"
done
ls -l "$models" | awk 'NR > 1 { printf "  %-18s %8.1f MB\n", $9, $5 / 1e6 }'

echo "== scenescape models check --full --candidates $n"
gnu_time "$work/check-$set_name" "$bin" models check "$models" --device cpu --full --candidates "$n" \
  | tee "$work/check-$set_name.log"
echo "  whole check: $(cat "$work/check-$set_name.time")"

echo "== one reduced frame: 2 DDIM steps, $n candidates, 2 + 2 fine-tuning steps, 512x512 on the 600x600 canvas"
gnu_time "$work/frame-$set_name" "$bin" --prompt "a hallway, indoor scene" --models "$models" --device cpu \
  --out "$work/run-$set_name" --frames 2 --candidates "$n" --steps 2 --seed 1 \
  --set finetune.depth_steps=2 --set finetune.decoder_steps=2 > "$work/frame-$set_name.log" 2>&1 ||
  { tail -20 "$work/frame-$set_name.log"; echo "error: the frame failed" >&2; exit 1; }
grep -E "frame [0-9]+/[0-9]+ \|" "$work/frame-$set_name.log" | sed 's/^\[[^]]*\] \[info\] //'
echo "  whole run (load + 2 frames + outputs): $(cat "$work/frame-$set_name.time")"
[ $keep = 1 ] || rm -rf "$models"
echo "full-size check ($set_name): passed"
