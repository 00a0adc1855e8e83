#!/usr/bin/env python3
"""Export a CLIP model (image and text towers) to a scenescape model folder.

scenescape ranks several inpainting candidates by CLIP similarity to the
prompt (its own addition; the SceneScape reference generates one sample).

Writes, into --out:
  clip_image.pt    forward(image [B,3,S,S] normalised with mean/std) -> image embeddings [B,E]
                   (CLIPModel.get_image_features: visual_projection(pooled output); not normalised)
  clip_text.pt     forward(ids int64 [B,77]) -> text embeddings [B,E]
                   (CLIPModel.get_text_features: text_projection(pooled output); not normalised)
  clip_vocab.json, clip_merges.txt   the model's CLIP BPE tokenizer
and the "clip" section of manifest.json (other sections are kept): input_size S,
mean/std from the model's image processor, embedding_dim E, tokenizer pad id.

Models (--model, Hugging Face ids or local folders in transformers layout):
  openai/clip-vit-base-patch32   (default) E = 512, S = 224
  openai/clip-vit-large-patch14  E = 768, S = 224

Requirements (pip): torch>=1.13 (2.x recommended), transformers>=4.30.

Disk (files written, float32; estimated from parameter counts):
  ViT-B/32: about 0.6 GB (about 151M parameters); ViT-L/14: about 1.7 GB (about 428M).
  Plus the Hugging Face download cache (the same again).
Peak memory (estimates, not measured): about 2-3 GB of RAM for ViT-B/32 and
  5-7 GB for ViT-L/14; under a minute on a GPU, a few minutes on the CPU.

The files are float32 (scenescape runs CLIP in float32). By default
(--no-sdpa) attention is transformers' "eager" one, which LibTorch 1.13
(Debian's libtorch) loads; --sdpa keeps the fused one (LibTorch >= 2.0).

export_clip() is the export itself, on a model it is handed (the
random-weight full-size check, scripts/export/make_models.py, uses it).
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import manifest as mf  # noqa: E402  (torch-free)
from options import add_sdpa_option  # noqa: E402  (torch-free)

DEFAULT_MODEL = "openai/clip-vit-base-patch32"


def build_parser():
    p = argparse.ArgumentParser(
        description="Export a CLIP model's image and text towers to DIR/clip_image.pt and DIR/clip_text.pt "
        "and the 'clip' section of DIR/manifest.json.",
        epilog="Examples:\n"
        "  %(prog)s --out models/sd2\n"
        "  %(prog)s --model openai/clip-vit-large-patch14 --out models/sd2\n"
        "Disk: ViT-B/32 ~0.6 GB, ViT-L/14 ~1.7 GB (float32; estimates).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--model", default=DEFAULT_MODEL,
                   help=f"Hugging Face id or local folder (default: {DEFAULT_MODEL}; also openai/clip-vit-large-patch14)")
    p.add_argument("--out", required=True, metavar="DIR", help="model folder to write (created if needed)")
    p.add_argument("--device", default="auto", help="device to trace on: auto, cpu, cuda, cuda:N (default: auto)")
    add_sdpa_option(p)
    p.add_argument("--revision", default=None, help="model revision (git branch, tag or commit)")
    p.add_argument("--verbose", action="store_true", help="list the tracer warnings")
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as e:
        print(f"error: {e}. Install: pip install torch transformers", file=sys.stderr)
        return 2
    import ts_export as tx

    return tx.run_main(run, args, mf.ManifestError)


def _size(value, default):
    if isinstance(value, dict):
        return int(value.get("height") or value.get("shortest_edge") or default)
    return int(value) if value else default


def run(args, tx):
    import torch
    from transformers import CLIPImageProcessor, CLIPModel, CLIPTokenizer

    device = tx.pick_device(args.device)
    load_kw = {"revision": args.revision} if args.revision else {}
    model = tx.hf_from_pretrained(CLIPModel, args.model, args.no_sdpa, torch_dtype=torch.float32, **load_kw)
    proc = CLIPImageProcessor.from_pretrained(args.model, **load_kw)
    tok = CLIPTokenizer.from_pretrained(args.model, **load_kw)
    S = _size(getattr(proc, "crop_size", None), 0) or _size(getattr(proc, "size", None), 224)
    export_clip(tx, args.out, args.model, model, tok, S, proc.image_mean, proc.image_std, device=device,
                no_sdpa=args.no_sdpa, verbose=args.verbose)


def export_clip(tx, out, what, model, tokenizer, S, mean, std, *, device, no_sdpa, verbose=False):
    """Writes clip_image.pt, clip_text.pt, the tokenizer and the manifest's clip section.

    model: a transformers CLIPModel (or a module with its vision_model,
    visual_projection, text_model, text_projection, get_*_features and
    config); tokenizer: its CLIPTokenizer; S, mean, std: the image
    processor's crop size and normalisation.
    """
    import torch
    import torch.nn as nn

    log = tx.log
    os.makedirs(out, exist_ok=True)
    log(f"exporting {what} to {out}: float32 traced on {device}, "
        f"{'no SDPA (LibTorch 1.13 compatible)' if no_sdpa else 'SDPA allowed (needs LibTorch >= 2.0)'}")
    model = model.to(device=device, dtype=torch.float32).eval()
    tok = tokenizer
    table = tx.write_tokenizer_files(tok, out, "clip_vocab.json", "clip_merges.txt")
    tok_section = tx.tokenizer_section(tok, table, "clip_vocab.json", "clip_merges.txt")
    L = tok_section["context_length"]
    start_id, end_id, pad_id = table["<|startoftext|>"], table["<|endoftext|>"], tok_section["pad_id"]
    if S != int(model.config.vision_config.image_size):
        raise ValueError(f"the image processor crops to {S}, the model takes {model.config.vision_config.image_size}")
    E = int(model.config.projection_dim)
    vocab_size = int(model.config.text_config.vocab_size)
    log(f"clip: input {S}x{S}, embedding {E}, tokenizer context {L}, pad id {pad_id}"
        f"{' (the end token)' if pad_id == end_id else ''}")

    class ClipImage(nn.Module):
        def __init__(self, m):
            super().__init__()
            self.vision_model = m.vision_model
            self.visual_projection = m.visual_projection

        def forward(self, image):
            out = self.vision_model(pixel_values=image, return_dict=True)
            return self.visual_projection(out.pooler_output)

    class ClipText(nn.Module):
        def __init__(self, m):
            super().__init__()
            self.text_model = m.text_model
            self.text_projection = m.text_projection

        def forward(self, ids):
            out = self.text_model(input_ids=ids, return_dict=True)
            return self.text_projection(out.pooler_output)

    def images(b, seed):
        return tx.seeded_randn(b, 3, S, S, seed=seed).clamp(-2, 2)

    def ids(b, seed):
        return tx.example_ids(b, L, vocab_size, start_id, end_id, pad_id, seed=seed)

    image_model = ClipImage(model).eval()
    text_model = ClipText(model).eval()
    tx.set_trainable(model, lambda n: False)

    # The wrappers are CLIPModel.get_image_features / get_text_features.
    with torch.no_grad():
        for what, wrapper, fn, x in (
            ("image", image_model, "get_image_features", images(2, 9).to(device)),
            ("text", text_model, "get_text_features", ids(2, 9).to(device)),
        ):
            got = wrapper(x)
            ref = getattr(model, fn)(x)
            if not isinstance(ref, torch.Tensor):  # some transformers versions return an output object
                found = [getattr(ref, a, None) for a in (f"{what}_embeds", "pooler_output")]
                ref = next((t for t in found if isinstance(t, torch.Tensor) and t.shape == got.shape), None)
            if isinstance(ref, torch.Tensor) and ref.shape == got.shape:
                diff = (got - ref).abs().max().item()
                log(f"clip {what}: wrapper vs CLIPModel.{fn}: max abs diff {diff:.3g}")
                if diff > 1e-4 * max(1.0, ref.abs().max().item()):
                    raise ValueError(f"the {what} wrapper differs from CLIPModel.{fn}")
            else:
                log(f"clip {what}: CLIPModel.{fn} gives no [B,E] tensor in this transformers; comparison skipped")

    def emb_contract(inputs, y):
        want = (inputs[0].shape[0], E)
        return None if tuple(y.shape) == want else f"output {list(y.shape)}, expected {list(want)}"

    sizes = {}
    sizes["clip_image.pt"] = tx.export_module(
        "clip_image", image_model, (images(2, 0),),
        [tx.Check("batch 2 (trace input)", (images(2, 0),)), tx.Check("batch 4", (images(4, 1),)),
         tx.Check("batch 1 (C++ dry run)", (images(1, 2),))],
        os.path.join(out, "clip_image.pt"), device=device, dtype=torch.float32, no_sdpa=no_sdpa,
        portable_checks=[tx.Check("batch 1", (images(1, 3),))], expect_shape=emb_contract, verbose=verbose,
    )
    sizes["clip_text.pt"] = tx.export_module(
        "clip_text", text_model, (ids(2, 0),),
        [tx.Check("batch 2 (trace input)", (ids(2, 0),)), tx.Check("batch 4", (ids(4, 1),)),
         tx.Check("batch 1 (C++ dry run)", (ids(1, 2),))],
        os.path.join(out, "clip_text.pt"), device=device, dtype=torch.float32, no_sdpa=no_sdpa,
        portable_checks=[tx.Check("batch 1", (ids(1, 3),))], expect_shape=emb_contract, verbose=verbose,
    )
    del image_model, text_model, model
    tx.free_memory()

    section = {
        "image_encoder": "clip_image.pt",
        "text_encoder": "clip_text.pt",
        "input_size": S,
        "mean": [float(x) for x in mean],
        "std": [float(x) for x in std],
        "embedding_dim": E,
        "tokenizer": tok_section,
    }
    path = mf.merge_section(out, "clip", section)
    for name in ("clip_vocab.json", "clip_merges.txt"):
        sizes[name] = os.path.getsize(os.path.join(out, name))
    log("")
    log(f"wrote the clip section of {path}:")
    for name, size in sizes.items():
        log(f"  {name:<18} {tx.human_size(size):>10}")
    log(f"  {'total':<18} {tx.human_size(sum(sizes.values())):>10}   (folder now {tx.human_size(tx.folder_size(out))})")
    log(f"check it with: scenescape models check {out}")
    return sizes



if __name__ == "__main__":
    sys.exit(main())
