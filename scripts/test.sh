#!/usr/bin/env bash
# Installs the packages (if missing), builds everything (scripts/build.sh --all) and runs the whole test suite.
# Tests that need ../shared skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh --all
# -LE: the full-size model check (about an hour of CPU, ~20 GB; -L fullsize) and the GPU measurement's CPU
# rehearsal (its own build, 5-10 minutes; -L gpu_rehearsal) run only when asked.
ctest --test-dir build --output-on-failure -j "$(nproc)" -LE "fullsize|gpu_rehearsal" "$@"
