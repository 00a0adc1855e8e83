#!/usr/bin/env bash
# Montages of frames 0, 10, 20, 30 and 49 for docs/montages/: the demo (procedural room) and three real photos from
# Debian's opencv-doc (building.jpg, leuvenA.jpg, aloeL.jpg), 50 frames on the default path, classical back end.
# Usage: scripts/montages.sh SCENESCAPE TAG [RUN_DIR]   (e.g. build/scenescape after /tmp/montage-runs)
# Writes docs/montages/<scene>_<TAG>.jpg; needs build/tests/bench/montage (cmake --build build --target montage).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$1
tag=$2
runs=${3:-/tmp/montage-runs/$tag}
montage=${MONTAGE:-build/tests/bench/montage}
data=/usr/share/doc/opencv-doc/examples/data
dpkg -s opencv-doc >/dev/null 2>&1 || apt-get install -y opencv-doc >/dev/null
mkdir -p docs/montages "$runs"
scene() {
  local name=$1
  shift
  "$bin" --frames 50 --out "$runs/$name" --overwrite "$@" >"$runs/$name.log" 2>&1
  "$montage" "docs/montages/${name}_$tag.jpg" 120 "$name ($tag): frames 0, 10, 20, 30, 49" \
    "$runs/$name"/frames/000{00,10,20,30,49}.png
}
scene demo
scene building --init-image "$data/building.jpg"
scene leuven --init-image "$data/leuvenA.jpg"
scene aloe --init-image "$data/aloeL.jpg"
