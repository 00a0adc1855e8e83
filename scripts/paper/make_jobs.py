#!/usr/bin/env python3
"""Writes a scenescape batch file (JSONL) for the paper's prompts, seeds and ablations.

    scripts/paper/make_jobs.py --frames 50 --backend torch --models /models/sd2 > jobs.jsonl
    scripts/paper/make_jobs.py --frames 10 --backend classical --init-image photo.jpg --first-seed-only

Only the Python standard library is needed. Variants that need fine-tuning
(no_depth_ft, no_decoder_ft) are left out for back ends without it (classical,
oracle), since they would equal "full" there.
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--frames", type=int, default=50, help="frames per run (default 50)")
    p.add_argument("--backend", default="classical", help="classical | oracle | torch (default classical)")
    p.add_argument("--models", help="model folder (torch back end)")
    p.add_argument("--init-image", help="starting photo for back ends that cannot start from text")
    p.add_argument("--variants", default="all", help="comma-separated subset of the variants, or 'all'")
    p.add_argument("--prompts", default="all", help="comma-separated prompt ids, or 'all'")
    p.add_argument("--first-seed-only", action="store_true", help="one seed per prompt")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="extra config override for every job (JSON value), repeatable")
    args = p.parse_args()

    spec = json.load(open(os.path.join(HERE, "prompts.json")))
    variants = spec["variants"]
    chosen = list(variants) if args.variants == "all" else args.variants.split(",")
    for v in chosen:
        if v not in variants:
            sys.exit(f"unknown variant {v!r}; known: {', '.join(variants)}")
    prompts = spec["prompts"]
    if args.prompts != "all":
        wanted = set(args.prompts.split(","))
        prompts = [q for q in prompts if q["id"] in wanted]
    extra = {}
    for item in args.set:
        key, _, value = item.partition("=")
        try:
            extra[key] = json.loads(value)
        except json.JSONDecodeError:
            extra[key] = value
    extra["backend"] = args.backend
    if args.models:
        extra["models"] = args.models

    for q in prompts:
        seeds = q["seeds"][:1] if args.first_seed_only else q["seeds"]
        for seed in seeds:
            for v in chosen:
                needs = variants[v].get("needs")
                if needs and needs != args.backend:
                    continue
                job = {"name": f"{q['id']}_{seed}_{v}", "prompt": q["prompt"], "seed": seed, "frames": args.frames,
                       "overrides": {**extra, **variants[v]["overrides"]}}
                if args.init_image:
                    job["init_image"] = os.path.abspath(args.init_image)
                print(json.dumps(job))


if __name__ == "__main__":
    main()
