#!/usr/bin/env bash
# The classical back end on real stereo pairs with ground-truth disparity (docs/benchmarks.md, "Photos with ground
# truth"): Middlebury's Aloe from Debian's opencv-doc and Middlebury's Motorcycle from Debian's python3-skimage (only
# its .deb is unpacked, into a temporary folder; nothing else of it is installed).
# Usage: scripts/bench_photos.sh [OUT_DIR] (default output/photo_bench); needs build/tests/bench/photo_bench.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-output/photo_bench}
bench=${PHOTO_BENCH:-build/tests/bench/photo_bench}
[ -x "$bench" ] || { echo "bench_photos.sh: $bench not built (cmake --build build --target photo_bench)" >&2; exit 3; }
dpkg -s opencv-doc >/dev/null 2>&1 || apt-get install -y opencv-doc >/dev/null
data=/usr/share/doc/opencv-doc/examples/data
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download python3-skimage >/dev/null && dpkg -x python3-skimage_*.deb deb)
sk=$work/deb/usr/lib/python3/dist-packages/skimage/data
# motorcycle_disp.npz holds one float32 .npy (inf = unknown); OpenCV reads PFM.
python3 - "$sk/motorcycle_disp.npz" "$work/motorcycle_disp.pfm" <<'PY'
import ast, struct, sys, zipfile
raw = zipfile.ZipFile(sys.argv[1]).read("arr_0.npy")
n = struct.unpack("<H", raw[8:10])[0]
header = ast.literal_eval(raw[10:10 + n].decode())
assert header["descr"] == "<f4" and not header["fortran_order"], header
h, w = header["shape"]
data = raw[10 + n:10 + n + 4 * h * w]
with open(sys.argv[2], "wb") as f:
    f.write(b"Pf\n%d %d\n-1.0\n" % (w, h))
    for y in range(h - 1, -1, -1):  # PFM rows run bottom to top
        f.write(data[4 * w * y:4 * w * (y + 1)])
PY
"$bench" "$out" "aloe:$data/aloeL.jpg:$data/aloeR.jpg:$data/aloeGT.png" \
  "motorcycle:$sk/motorcycle_left.png:$sk/motorcycle_right.png:$work/motorcycle_disp.pfm"
