#!/usr/bin/env bash
# Fills .gpu-carry/ (ignored by git) with what measure.sh needs on a machine that has PyTorch but neither
# this project's Debian packages nor network: the device tool carries this folder with the working tree.
#
# Usage: scripts/gpu/pack.sh [--from DIR] [--vocab DIR]
#   --from DIR   local clones of the model libraries for fetch_sources.sh (default: the network)
#   --vocab DIR  CLIP's vocab.json + merges.txt (default: ../shared/data/clip)
#
# .gpu-carry/deps     a prefix with Debian 12's headers, CMake files and shared libraries of Eigen3,
#                     nlohmann_json, CLI11, spdlog, fmt and PCRE2 (prepare.sh puts it first on
#                     CMAKE_PREFIX_PATH); plain files, no links
# .gpu-carry/sources  diffusers, huggingface_hub, timm, MiDaS at the pinned versions (fetch_sources.sh)
# .gpu-carry/vocab    vocab.json, merges.txt
# Prints the folder's size last; the device tool carries at most 64 MiB with the working tree.
set -euo pipefail
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }
root=$(cd "$(dirname "$0")/../.." && pwd)
from=() vocab=$root/../shared/data/clip
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --from) from=(--from "$2"); shift ;;
    --vocab) vocab=$2; shift ;;
    *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ -f "$vocab/vocab.json" ] && [ -f "$vocab/merges.txt" ] || { echo "error: no vocab.json + merges.txt in $vocab" >&2; exit 2; }
carry=$root/.gpu-carry
arch=$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
lib=/usr/lib/$arch
deps=$carry/deps
rm -rf "$deps" "$carry/vocab"
mkdir -p "$deps/include" "$deps/share/cmake" "$deps/share/eigen3" "$deps/lib/$arch/cmake" "$carry/vocab"
for d in eigen3 nlohmann spdlog fmt CLI; do cp -rL "/usr/include/$d" "$deps/include/"; done
cp -L /usr/include/pcre2.h "$deps/include/"
cp -rL /usr/share/eigen3/cmake "$deps/share/eigen3/"
cp -rL /usr/share/cmake/nlohmann_json /usr/share/cmake/CLI11 "$deps/share/cmake/"
cp -rL "$lib/cmake/spdlog" "$lib/cmake/fmt" "$deps/lib/$arch/cmake/"
# Each library under its file name, its soname and its link name (copies: a link may not travel).
for pattern in 'libspdlog.so.*.*.*' 'libfmt.so.*.*.*' 'libpcre2-8.so.*.*.*'; do
  for f in $lib/$pattern; do
    base=$(basename "$f")
    soname=$(objdump -p "$f" | awk '/SONAME/ { print $2 }')
    cp -L "$f" "$deps/lib/$arch/$base"
    cp -L "$f" "$deps/lib/$arch/$soname"
    cp -L "$f" "$deps/lib/$arch/${base%%.so*}.so"
  done
done
cp "$vocab/vocab.json" "$vocab/merges.txt" "$carry/vocab/"
"$root/scripts/export/fetch_sources.sh" "$carry/sources" ${from[@]+"${from[@]}"} > /dev/null
rm -rf "$carry/sources"/clone-*
find "$carry" -name __pycache__ -prune -exec rm -rf {} +
du -sh "$carry"/* | sed 's|'"$root"'/||'
echo "$(du -sm "$carry" | cut -f1) MB in .gpu-carry (the device tool carries at most 64 MiB with the tree)"
