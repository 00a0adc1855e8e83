#!/usr/bin/env python3
"""Tabulates `scenescape eval` results of a batch as a Markdown table like the paper's ablation table.

    scripts/paper/tabulate.py RUNS_DIR > table.md

Reads RUNS_DIR/*/metrics.json (run names are <prompt>_<seed>_<variant>, as written by
make_jobs.py) and averages each variant over its runs. Standard library only.
"""
import glob
import json
import math
import os
import sys

ORDER = ["full", "no_depth_ft", "no_decoder_ft", "no_mesh"]
COLUMNS = [
    ("psnr_known_mean", "PSNR known (dB) ↑", "{:.2f}"),
    ("l1_known_mean", "L1 known ↓", "{:.4f}"),
    ("depth_rel_error_mean", "depth rel. error ↓", "{:.3f}"),
    ("generated_fraction_mean", "generated / frame", "{:.1%}"),
    ("depth_l1_before_finetune_mean", "depth L1 before FT", "{:.4f}"),
    ("depth_l1_after_finetune_mean", "depth L1 after FT", "{:.4f}"),
    ("clip_score_mean", "CLIP score ↑", "{:.3f}"),
]


def mean(values):
    values = [v for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    return sum(values) / len(values) if values else float("nan")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    runs = sorted(glob.glob(os.path.join(sys.argv[1], "*", "metrics.json")))
    if not runs:
        sys.exit(f"no metrics.json under {sys.argv[1]}: run `scenescape eval` on the runs first")
    by_variant = {}
    for path in runs:
        name = os.path.basename(os.path.dirname(path))
        variant = next((v for v in ORDER if name.endswith("_" + v)), "other")
        doc = json.load(open(path))
        overall = doc["overall"]
        frames = max(1, overall.get("frames", 1))
        overall["seconds_per_frame"] = overall.get("run_seconds", 0.0) / frames
        by_variant.setdefault(variant, []).append(overall)
    header = ["variant", "runs"] + [c[1] for c in COLUMNS] + ["s / frame"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for variant in sorted(by_variant, key=lambda v: ORDER.index(v) if v in ORDER else len(ORDER)):
        rows = by_variant[variant]
        cells = [variant, str(len(rows))]
        for key, _, fmt in COLUMNS:
            value = mean([r.get(key) for r in rows])
            cells.append("–" if math.isnan(value) else fmt.format(value))
        cells.append("{:.1f}".format(mean([r["seconds_per_frame"] for r in rows])))
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
