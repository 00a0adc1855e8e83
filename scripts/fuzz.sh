#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) in scripts/sanitize.sh's build (build-asan/: clang-14, ASan + UBSan,
# libFuzzer coverage) and runs each for SECONDS (default 180), one after another in one process (one core),
# starting from its corpus in tests/fuzz/corpus/. New inputs go to build-asan/corpus/<target>/ (copy the
# interesting ones into the repository by hand); a finding leaves build-asan/crash-* and stops the script.
# One line per target: executions, coverage.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-180}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(config keyframes transforms colmap manifest batch ply run_state image_header)
scripts/sanitize.sh --build-only "${targets[@]/#/fuzz_}"
for t in "${targets[@]}"; do
  mkdir -p "build-asan/corpus/$t"
  log="build-asan/fuzz_$t.log"
  # -rss_limit_mb: a parser that allocates by an unchecked count fails here instead of swapping.
  (cd build-asan && ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 OMP_NUM_THREADS=1 "tests/fuzz/fuzz_$t" -max_total_time="$seconds" \
    -rss_limit_mb=3072 -max_len=65536 -timeout=20 -print_final_stats=1 \
    "corpus/$t" "../tests/fuzz/corpus/$t" >"fuzz_$t.log" 2>&1) || {
    echo "fuzz_$t: FAILED (see $log)"
    grep -m3 -E "ERROR|finding|Test unit written" "$log" || true
    exit 1
  }
  execs=$(grep -oP 'stat::number_of_executed_units:\s*\K[0-9]+' "$log" | tail -1)
  cov=$(grep -oP '#[0-9]+\s+DONE\s+cov: \K[0-9]+ ft: [0-9]+' "$log" | tail -1)
  echo "fuzz_$t: ${seconds} s, ${execs} executions, cov ${cov}, no crash"
done
