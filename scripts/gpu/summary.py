#!/usr/bin/env python3
"""Turns frame_bench's JSON into measure.json and prints its table (standard library only).

    summary.py FRAME_BENCH_JSON [--log MEASURE_LOG] [--smi SMI_CSV] [--out MEASURE_JSON]

measure.json = frame_bench's JSON plus "steps_s" (measure.sh's step times, read from its log: build,
each export, frames) and "nvidia_smi_peak_mib" (the largest memory.used sampled while the frames ran:
the whole process, CUDA context included, unlike the caching allocator's peaks). The table printed
last gives, per frame, the stages named in docs/benchmarks.md, and the mixed-precision comparison.
"""

import argparse
import json
import re
import sys

ROWS = [
    ("render", "render_ms"),
    ("VAE encode", "vae_encode_ms"),
    ("text encoder", "text_encoder_ms"),
    ("UNet (sampling loop)", "unet_ms"),
    ("decode candidates", "decode_ms"),
    ("CLIP", "clip_ms"),
    ("decoder fine-tuning", "decoder_finetune_ms"),
    ("final decode", "final_decode_ms"),
    ("depth fine-tuning", "depth_finetune_ms"),
    ("depth prediction", "depth_predict_ms"),
    ("merge", "merge_ms"),
    ("total", "total_ms"),
]


def step_times(log_path):
    steps = {}
    if not log_path:
        return steps
    with open(log_path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\[\d+ s\] (build|sources|export \w+|frames|total): (\d+) s$", line.strip())
            if m:
                steps[m.group(1)] = int(m.group(2))
    return steps


def smi_peak(path):
    if not path:
        return None
    values = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line.isdigit():
                    values.append(int(line))
    except OSError:
        return None
    return max(values) if values else None


def gib(b):
    return f"{b / 2**30:.2f} GiB"


def table(doc):
    frames = doc["frames"]
    lines = [f"{doc.get('label', '')} | LibTorch {doc['libtorch']} | {doc['device']} | "
             f"models loaded in {doc['load_ms'] / 1e3:.1f} s" + ("" if doc.get("complete") else " | INCOMPLETE RUN")]
    s = doc["settings"]
    lines.append(f"{s['width']}x{s['height']} frames, border {s['canvas_border']}, {s['candidates']} candidates, "
                 f"{s['sampler'].get('name')} {s['sampler'].get('steps')} steps, fine-tuning depth "
                 f"{s['finetune'].get('depth_steps')} / decoder {s['finetune'].get('decoder_steps')} steps, "
                 f"mixed precision {s['finetune'].get('mixed_precision')}")
    head = "| stage (ms) | " + " | ".join(f"frame {f['index']}" for f in frames) + " |"
    lines += [head, "|---|" + "---:|" * len(frames)]
    for name, key in ROWS:
        lines.append(f"| {name} | " + " | ".join(f"{f['stages'].get(key, 0):.1f}" for f in frames) + " |")
    mem = [f.get("memory") for f in frames]
    if any(mem):
        lines.append("| peak allocated / reserved | " + " | ".join(
            f"{gib(m['peak_allocated_bytes'])} / {gib(m['peak_reserved_bytes'])}" if m else "-" for m in mem) + " |")
    amp = doc.get("amp_compare")
    if amp:
        a, b = amp["float32"], amp["mixed"]
        runs = [("float32", a), (f"mixed ({amp['mixed_dtype']})", b)]
        lines.append(f"depth fine-tuning of frame {amp['frame']} from the pristine weights: " + ", ".join(
            f"{name} {r['ms']:.0f} ms" if "error" not in r else f"{name} FAILED: {r['error']}" for name, r in runs))
        n = len(a.get("losses", []))
        picks = sorted({0, 1, n // 4, n // 2, (3 * n) // 4, n - 1}) if n else []
        if picks:
            lines.append("| step | " + " | ".join(str(i + 1) for i in picks) + " |")
            lines.append("|---|" + "---:|" * len(picks))
            for name, r in runs:
                if len(r.get("losses", [])) == n:
                    lines.append(f"| loss {name} | " + " | ".join(f"{r['losses'][i]:.6g}" for i in picks) + " |")
        if amp.get("final_loss_relative_difference") is not None:
            lines.append(f"final loss, mixed vs float32: {100 * amp['final_loss_relative_difference']:+.3f}%")
    if doc.get("steps_s"):
        lines.append("steps (s): " + ", ".join(f"{k} {v}" for k, v in doc["steps_s"].items()))
    if doc.get("nvidia_smi_peak_mib") is not None:
        lines.append(f"nvidia-smi peak memory.used while the frames ran: {doc['nvidia_smi_peak_mib']} MiB")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("bench_json")
    p.add_argument("--log")
    p.add_argument("--smi")
    p.add_argument("--out")
    args = p.parse_args(argv)
    with open(args.bench_json, encoding="utf-8") as f:
        doc = json.load(f)
    doc["steps_s"] = step_times(args.log)
    doc["nvidia_smi_peak_mib"] = smi_peak(args.smi)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    print(table(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
