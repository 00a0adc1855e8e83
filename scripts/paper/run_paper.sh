#!/usr/bin/env bash
# Reproduces the paper's runs and ablation table with any back end and frame count:
#   scripts/paper/run_paper.sh OUT_DIR [make_jobs.py options...]
# e.g. scripts/paper/run_paper.sh paper_classical --frames 10 --first-seed-only --init-image room.jpg
#      scripts/paper/run_paper.sh paper_sd2 --backend torch --models /models/sd2
# Writes OUT_DIR/jobs.jsonl, one run folder per job, each with metrics.json, and OUT_DIR/table.md.
# Restartable: finished runs are skipped, stopped ones resumed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: run_paper.sh OUT_DIR [make_jobs.py options]}
shift
bin=${SCENESCAPE:-$here/../../build/scenescape}
mkdir -p "$out"
python3 "$here/make_jobs.py" "$@" >"$out/jobs.jsonl"
"$bin" batch "$out/jobs.jsonl" --out "$out/runs"
"$bin" eval "$out"/runs/*
python3 "$here/tabulate.py" "$out/runs" | tee "$out/table.md"
