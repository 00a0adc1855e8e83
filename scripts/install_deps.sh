#!/usr/bin/env bash
# Installs the Debian 12 packages scenescape needs to build, run and test.
# Skips apt entirely when everything is already there. `--list` prints the packages, one a line.
# scripts/check_deps.sh (also a test) fails when the build or the tests use something that these do not bring.
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev libopenblas0-openmp            # LibTorch (CPU) + a fast BLAS for it
  libopencv-dev libopencv-contrib-dev         # image/video I/O, photo + xphoto inpainting
  libeigen3-dev libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libpcre2-dev                                # CLIP tokenizer regex
  libgtest-dev libbenchmark-dev               # tests and benchmarks
  slurm-wlm munge                             # the one-node Slurm test (tests/slurm)
  colmap                                      # eval --colmap (3D consistency by structure from motion)
  python3                                     # scripts/paper (make_jobs.py, tabulate.py: standard library only)
  clang-format                                # scripts/format.sh
  clang-14 libclang-rt-14-dev libomp-14-dev   # scripts/sanitize.sh (ASan + UBSan build) and the fuzz targets
  llvm-14 lld-14                              # what CMake takes for that build when present (llvm-ar-14, ld.lld-14)
  libtinygltf-dev                             # GLB export (io/gltf_export, tests/io/gltf_test)
  python3-torch                               # PyTorch 1.13, the build of libtorch-dev: tests/export runs
                                              # scripts/export on small modules and loads the files in C++
  python3-torchvision python3-regex python3-filelock python3-fsspec python3-importlib-metadata
  python3-pil python3-packaging python3-tqdm  # diffusers, timm, MiDaS for scripts/export/full_size_check.sh
)
if [ "${1:-}" = "--list" ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
[ -n "$SUDO" ] && sudo true  # asks for the password here, before apt's output goes to the log
echo "install_deps: installing ${missing[*]} (a few minutes on a fresh machine)"
# apt's thousands of lines go to a log that is shown only when it fails.
log=$(mktemp)
start=$(date +%s)
if ! { $SUDO apt-get update -qq &&
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log"
  rm -f "$log"
  echo "install_deps: apt-get failed (its output is above)"
  exit 1
fi
rm -f "$log"
echo "install_deps: installed in $(($(date +%s) - start)) s"
