#!/usr/bin/env bash
# Builds the whole suite with clang-14 under AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/ and runs
# the tests that scripts/test.sh runs. Any finding stops the program that made it (-fno-sanitize-recover=all), so
# the test fails and its output shows the report.
#
#   scripts/sanitize.sh [ctest args...]            e.g. scripts/sanitize.sh -R app/resume
#   scripts/sanitize.sh --build-only [TARGET...]   only configure and build (scripts/fuzz.sh builds its targets so)
#
# The same build holds the libFuzzer targets (SCN_FUZZ=ON adds libFuzzer's coverage instrumentation to every
# object; the tests link without libFuzzer's main and the sanitizer runtime answers the coverage calls), so one
# clang build serves both scripts instead of two of ~180 LibTorch translation units each.
# -fsanitize=undefined in clang includes float-cast-overflow (GCC's leaves it out); it is named anyway because
# extreme camera values reach float-to-int casts in the rasterizer and that is the check this build is for.
# Debian's LibTorch, OpenCV and the other libraries are not instrumented: ASan sees their heap through its malloc
# but not their stack or globals, so a bug inside them is not caught here, only ours and what we pass them.
# Environment: SCN_SANITIZE_JOBS (default 2: each LibTorch TU needs ~1.5 GB to compile under ASan).
set -euo pipefail
cd "$(dirname "$0")/.."
build_only=0
if [ "${1:-}" = --build-only ]; then
  build_only=1
  shift
fi
scripts/install_deps.sh
jobs=${SCN_SANITIZE_JOBS:-2}
# -gline-tables-only: reports name file and line; full debug info would double the compile time of each TU.
flags="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer"
flags+=" -gline-tables-only -O1"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_COMPILER=clang++-14 -DSCN_FUZZ=ON \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
start=$(date +%s)
if [ "$build_only" = 1 ]; then
  targets=()
  [ $# -gt 0 ] && targets=(--target "$@")
  cmake --build build-asan -j "$jobs" "${targets[@]}"
  echo "sanitize: built in $(($(date +%s) - start)) s"
  exit 0
fi
cmake --build build-asan -j "$jobs"
echo "sanitize: built in $(($(date +%s) - start)) s"
# A finding ends the process with a report, never a silent continue.
# max_allocation_size_mb + allocator_may_return_null: an allocation sized by unchecked input fails as
# std::bad_alloc, as under app/bad_input_test's `ulimit -v` in the normal build (which ASan's shadow memory rules out).
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1:max_allocation_size_mb=6000:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
start=$(date +%s)
status=0
ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE "fullsize|gpu_rehearsal" --timeout 3000 "$@" || status=$?
echo "sanitize: tests ran in $(($(date +%s) - start)) s (exit $status)"
exit $status
