#!/usr/bin/env bash
# Exports the default model set into one scenescape model folder:
#   CLIP ViT-B/32 (clip), MiDaS DPT-Large (depth), SD-2 inpainting (inpainter).
#
# Usage: scripts/export/export_all.sh DIR [--sdpa] [--device auto|cpu|cuda|cuda:N]
#                                         [--dtype auto|float16|float32]
#   (default)  attention without scaled_dot_product_attention: files that LibTorch 1.13
#              (Debian's libtorch, what scenescape builds against there) loads
#   --sdpa     keep PyTorch 2.x's fused attention (faster; needs scenescape built on LibTorch >= 2.0)
#   --device   where to trace (default auto: CUDA if PyTorch sees a GPU)
#   --dtype    inpainter weights (default auto: float16 on CUDA, float32 on the CPU);
#              (the VAE decoder is always float32); depth and CLIP are always float32
# Environment: PYTHON (default python3) runs the exporters.
#
# Needs: pip install torch diffusers transformers timm safetensors (see models/README.md).
# Disk (estimates): about 4.7 GB written with float16 SD-2 (2.7 + 1.37 + 0.6 GB),
# 7.2 GB with float32, plus the download caches (about 7-8 GB).
# Time: about 5-10 minutes on a CUDA GPU; 20-60 minutes on a CPU (estimates).
set -euo pipefail

usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }

if [ $# -lt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  usage
  [ $# -lt 1 ] && exit 2 || exit 0
fi
out=$1
shift
case $out in -*) echo "error: the first argument is the model folder, got '$out'" >&2; exit 2 ;; esac

common=()
dtype=()
while [ $# -gt 0 ]; do
  case $1 in
    --no-sdpa) ;;  # the default; kept for old command lines
    --sdpa) common+=(--sdpa) ;;
    --device) [ $# -ge 2 ] || { echo "error: --device needs a value" >&2; exit 2; }; common+=(--device "$2"); shift ;;
    --dtype) [ $# -ge 2 ] || { echo "error: --dtype needs a value" >&2; exit 2; }; dtype+=(--dtype "$2"); shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

here=$(cd "$(dirname "$0")" && pwd)
py=${PYTHON:-python3}
start=$(date +%s)

# Smallest first, so that a missing package shows up before the big downloads.
"$py" "$here/export_clip.py" --out "$out" ${common[@]+"${common[@]}"}
"$py" "$here/export_depth.py" --out "$out" ${common[@]+"${common[@]}"}
"$py" "$here/export_inpainter.py" --out "$out" ${common[@]+"${common[@]}"} ${dtype[@]+"${dtype[@]}"}
"$py" "$here/manifest.py" --require-all "$out"

echo
echo "exported to $out in $(( $(date +%s) - start )) s; $(du -sh "$out" | cut -f1) on disk."
echo "check it with: scenescape models check $out"
