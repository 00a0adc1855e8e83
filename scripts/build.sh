#!/usr/bin/env bash
# Installs the packages (if missing) and builds scenescape into build/ (Release).
# Usage: scripts/build.sh [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
jobs=$(nproc)
# Each LibTorch translation unit needs ~1.2 GB to compile; keep within memory.
mem_gb=$(awk '/MemAvailable/ {print int($2/1048576)}' /proc/meminfo)
[ "$mem_gb" -gt 0 ] && [ $((mem_gb / 2)) -lt "$jobs" ] && jobs=$((mem_gb / 2))
[ "$jobs" -lt 1 ] && jobs=1
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j "$jobs"
