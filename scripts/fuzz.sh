#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, SCN_FUZZ=ON with clang-14: ASan plus coverage) into build-fuzz/ and
# runs each for SECONDS (default 180), one after another in one process (one core), starting from its corpus in
# tests/fuzz/corpus/. New inputs go to build-fuzz/corpus/<target>/ (copy the interesting ones into the repository
# by hand); a crash leaves build-fuzz/crash-* and stops the script. One line per target: executions, coverage.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-180}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(config keyframes transforms colmap manifest batch ply run_state image_header)
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DSCN_FUZZ=ON -DSCN_BUILD_TESTS=OFF -DSCN_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-fuzz -j 2 --target "${targets[@]/#/fuzz_}"
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  log="build-fuzz/fuzz_$t.log"
  # -rss_limit_mb: a parser that allocates by an unchecked count fails here instead of swapping.
  (cd build-fuzz && ASAN_OPTIONS=detect_leaks=0 OMP_NUM_THREADS=1 "tests/fuzz/fuzz_$t" -max_total_time="$seconds" \
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
