#!/usr/bin/env bash
# Builds frame_bench (the torch back end and the engine without OpenCV, nothing else) against the LibTorch
# inside the installed PyTorch, with CUDA on when that PyTorch has CUDA: the build step of measure.sh.
#
# Usage: scripts/gpu/prepare.sh [BUILD_DIR] [--cpu] [--jobs N]
#   BUILD_DIR  build folder (default: build-gpu in the repository root)
#   --cpu      the CPU rehearsal: CUDA off, and a PyTorch without CUDA (Debian's 1.13) is accepted
#   --jobs N   parallel compile jobs (default: the cores, at most one per 1.5 GB of free memory)
# Environment: PYTHON, the interpreter whose torch to build against (default: the first of python3 and
#   /usr/bin/python3 that imports torch).
# Dependencies besides LibTorch (Eigen3, nlohmann_json, spdlog + fmt, CLI11, PCRE2): from the prefix
#   .gpu-carry/deps when it exists (scripts/gpu/pack.sh makes it from Debian's packages, so that a machine
#   without them builds the same code), else the system's. Needs cmake, ninja and a C++17 compiler.
# Prints the configure and build steps' times and the binary's path (last line). On a failure it stops at
# the first compile error and prints that error last (full log: BUILD_DIR/build.log); exit status 1.
set -euo pipefail
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build-gpu cpu=0 jobs=""
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --cpu) cpu=1 ;;
    --jobs) [ $# -ge 2 ] || { echo "error: --jobs needs a number" >&2; exit 2; }; jobs=$2; shift ;;
    -*) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) build=$1 ;;
  esac
  shift
done
fail() { echo "error: $*" >&2; exit 1; }
for tool in cmake ninja; do command -v $tool >/dev/null || fail "$tool is not installed"; done

# --- the PyTorch whose LibTorch we link
source "$(dirname "$0")/find_python.sh"
read -r torch_version torch_cuda cmake_prefix < <("$py" -c '
import torch
print(torch.__version__.split("+")[0], torch.version.cuda or "none", torch.utils.cmake_prefix_path)')
echo "PyTorch $torch_version (CUDA $torch_cuda) from $py"
major=${torch_version%%.*} rest=${torch_version#*.} minor=${rest%%.*}
cmake_args=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DSCN_WITH_OPENCV=OFF -DSCN_BUILD_TESTS=OFF
            -DSCN_BUILD_BENCHMARKS=OFF -DSCN_BUILD_FRAME_BENCH=ON)
prefixes=()
[ -d "$root/.gpu-carry/deps" ] && prefixes+=("$root/.gpu-carry/deps")
if [ -f "$cmake_prefix/Torch/TorchConfig.cmake" ]; then
  prefixes+=("$cmake_prefix")
  echo "LibTorch: $cmake_prefix/Torch"
else
  # Debian's python3-torch keeps its CMake files in libtorch-dev (/usr/lib/<arch>/cmake/Torch).
  echo "LibTorch: the system's (no TorchConfig.cmake under $cmake_prefix)"
fi
# LibTorch headers from 2.12 on need C++20 (PyTorch's cpp_extension moved to it); 2.11 and before: C++17.
if [ "$major" -gt 2 ] || { [ "$major" -eq 2 ] && [ "$minor" -ge 12 ]; }; then cmake_args+=(-DCMAKE_CXX_STANDARD=20); fi

if [ $cpu = 0 ]; then
  [ "$torch_cuda" != none ] || fail "PyTorch $torch_version has no CUDA (use --cpu for the CPU rehearsal)"
  nvcc=$(command -v nvcc || true)
  [ -n "$nvcc" ] || [ ! -x /usr/local/cuda/bin/nvcc ] || nvcc=/usr/local/cuda/bin/nvcc
  [ -n "$nvcc" ] || fail "nvcc not found (LibTorch's CMake files need the CUDA toolkit)"
  cuda_root=$(cd "$(dirname "$nvcc")/.." && pwd)
  # The GPU's architecture, so that neither CMake nor LibTorch's files compile probes for every one.
  cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' ' || true)
  [ -n "$cap" ] || cap=9.0
  export TORCH_CUDA_ARCH_LIST=$cap
  cmake_args+=(-DSCN_WITH_CUDA=ON -DCMAKE_CUDA_COMPILER="$nvcc" -DCUDAToolkit_ROOT="$cuda_root"
               -DCMAKE_CUDA_ARCHITECTURES="${cap/./}"
               # pip's libtorch_cuda.so needs libraries (cuDNN, cuBLAS...) that its own RUNPATH finds at
               # run time; the linker need not resolve them.
               "-DCMAKE_EXE_LINKER_FLAGS=-Wl,--allow-shlib-undefined")
  echo "CUDA: $nvcc ($("$nvcc" --version | tail -1)), architecture $cap"
fi
[ ${#prefixes[@]} -eq 0 ] || cmake_args+=("-DCMAKE_PREFIX_PATH=$(IFS=';'; echo "${prefixes[*]}")")

if [ -z "$jobs" ]; then
  jobs=$(nproc)
  mem_gb=$(awk '/MemAvailable/ { print int($2 / 1572864) }' /proc/meminfo)
  [ "$mem_gb" -lt "$jobs" ] && jobs=$mem_gb
  [ "$jobs" -ge 1 ] || jobs=1
fi

mkdir -p "$build"
start=$(date +%s)
if ! cmake -S "$root" -B "$build" "${cmake_args[@]}" > "$build/configure.log" 2>&1; then
  tail -40 "$build/configure.log"
  fail "cmake configure failed (log: $build/configure.log)"
fi
echo "configure: $(( $(date +%s) - start )) s"
start=$(date +%s)
if ! cmake --build "$build" --target frame_bench -j "$jobs" > "$build/build.log" 2>&1; then
  # Ninja stops at the first failed command; jobs already running finish and may print after it. Show
  # that command's output (from "FAILED:" to the next progress line), then its first error line, last.
  echo "== the first failure (of $(grep -c '^FAILED: ' "$build/build.log") failed commands; full log: $build/build.log)"
  awk '/^FAILED: /{ f = 1 } f && /^\[[0-9]+\/[0-9]+\] / { exit } f' "$build/build.log" | head -80
  first=$(grep -m1 -E 'error:|Error [0-9]|undefined reference' "$build/build.log" || true)
  fail "build failed after $(( $(date +%s) - start )) s: ${first:-see $build/build.log}"
fi
echo "build ($jobs jobs): $(( $(date +%s) - start )) s"
echo "$build/frame_bench"
