#!/usr/bin/env bash
# Installs the packages (if missing) and builds the scenescape program into build/ (Release): only what the demo
# needs, so that a newcomer's first run comes soon. --all builds the tests and benchmarks too (scripts/test.sh).
# Usage: scripts/build.sh [--all] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(--target scenescape)
if [ "${1:-}" = "--all" ]; then
  targets=()
  shift
fi
scripts/install_deps.sh
jobs=$(nproc)
# Each LibTorch translation unit needs ~1.2 GB to compile; keep within memory.
mem_gb=$(awk '/MemAvailable/ {print int($2/1048576)}' /proc/meminfo)
[ "$mem_gb" -gt 0 ] && [ $((mem_gb / 2)) -lt "$jobs" ] && jobs=$((mem_gb / 2))
[ "$jobs" -lt 1 ] && jobs=1
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j "$jobs" "${targets[@]}"
