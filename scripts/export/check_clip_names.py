#!/usr/bin/env python3
"""Checks clip_replica.py's parameter names, shapes and computation against CLIP as published.

    check_clip_names.py    (with CACHE/pythonpath on PYTHONPATH; fetch_sources.sh CACHE fills it)

Without transformers (Debian 12 does not package it), the CLIP towers that make_models.py
exports are clip_replica.py, which claims transformers' state-dict names. This script builds
the published models with open_clip's own classes and configs (random weights; open_clip's
state-dict names are the released checkpoints' by construction: OpenCLIP's, and OpenAI's, which
open_clip loads unchanged) and checks the replica against them:

1. SD-2's text encoder (OpenCLIP ViT-H/14 text tower, 23 of 24 layers). The names come from
   diffusers' own converter, convert_open_clip_checkpoint(), which is how diffusers turns an SD-2
   checkpoint's cond_stage_model.model.* into transformers' CLIPTextModel names: its output must
   have exactly the replica's keys and shapes and load into it strictly, and the replica's output
   must equal open_clip's penultimate-layer output (what SD-2 conditions on).
2. CLIP ViT-B/32 and ViT-L/14 (ranking; ViT-L/14's text tower is also SD-1.5's text encoder):
   OpenAI's names mapped to transformers' by OPENAI_TO_HF below, which follows transformers'
   convert_clip_original_pytorch_to_hf.py (read, not run: transformers is not here). The map must
   be one-to-one onto the replica's keys with equal shapes, its text part must agree with
   diffusers' converter, and the replica's image and text features must equal open_clip's.
Exits 1 on the first mismatch.
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

TOL = 1e-4  # relative, float32: the same operations in a different order


def log(msg):
    print(msg, flush=True)


def fail(msg):
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


def layer_map(src, dst):
    """One residual block: OpenAI/OpenCLIP names -> transformers' (in_proj split into q, k, v)."""
    return [(f"{src}.ln_1.", f"{dst}.layer_norm1."), (f"{src}.ln_2.", f"{dst}.layer_norm2."),
            (f"{src}.mlp.c_fc.", f"{dst}.mlp.fc1."), (f"{src}.mlp.c_proj.", f"{dst}.mlp.fc2."),
            (f"{src}.attn.out_proj.", f"{dst}.self_attn.out_proj.")]


def openai_to_hf(sd):
    """OpenAI CLIP state dict -> transformers CLIPModel state dict (the correspondence of transformers'
    convert_clip_original_pytorch_to_hf.py: text_projection and visual.proj transposed, in_proj split)."""
    out = {}
    fixed = {"token_embedding.weight": "text_model.embeddings.token_embedding.weight",
             "positional_embedding": "text_model.embeddings.position_embedding.weight",
             "visual.class_embedding": "vision_model.embeddings.class_embedding",
             "visual.positional_embedding": "vision_model.embeddings.position_embedding.weight",
             "visual.conv1.weight": "vision_model.embeddings.patch_embedding.weight",
             "logit_scale": "logit_scale"}
    prefixes = [("ln_final.", "text_model.final_layer_norm."), ("visual.ln_pre.", "vision_model.pre_layrnorm."),
                ("visual.ln_post.", "vision_model.post_layernorm.")]
    for k, v in sd.items():
        m = re.match(r"(visual\.)?transformer\.resblocks\.(\d+)\.(.*)$", k)
        if k in fixed:
            out[fixed[k]] = v
        elif k in ("text_projection", "visual.proj"):
            out["text_projection.weight" if k == "text_projection" else "visual_projection.weight"] = v.t()
        elif m:
            tower = "vision_model" if m.group(1) else "text_model"
            src, dst = k[: k.index(".resblocks.") + len(".resblocks.") + len(m.group(2))], \
                f"{tower}.encoder.layers.{m.group(2)}"
            if m.group(3).startswith("attn.in_proj_"):
                kind = m.group(3)[len("attn.in_proj_"):]
                for name, part in zip("qkv", v.chunk(3, dim=0)):
                    out[f"{dst}.self_attn.{name}_proj.{kind}"] = part
            else:
                hits = [k.replace(a, b) for a, b in layer_map(src, dst) if k.startswith(a)]
                if len(hits) != 1:
                    fail(f"no transformers name for {k}")
                out[hits[0]] = v
        else:
            hits = [b + k[len(a):] for a, b in prefixes if k.startswith(a)]
            if len(hits) != 1:
                fail(f"no transformers name for {k}")
            out[hits[0]] = v
    return out


def same_keys_and_shapes(what, got, want):
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    if missing or extra:
        fail(f"{what}: the replica lacks {missing[:5]} ({len(missing)}), has extra {extra[:5]} ({len(extra)})")
    bad = [k for k in want if tuple(got[k].shape) != tuple(want[k].shape)]
    if bad:
        fail(f"{what}: shapes differ at {bad[0]}: replica {list(got[bad[0]].shape)}, "
             f"published {list(want[bad[0]].shape)} ({len(bad)} keys)")
    log(f"{what}: {len(want)} keys, names and shapes equal")


def close(what, a, b):
    err = (a - b).abs().max().item() / max(1e-12, b.abs().max().item())
    log(f"{what}: max relative difference {err:.2e}")
    if not err < TOL:
        fail(f"{what} differs from open_clip's (relative {err:.2e} >= {TOL})")


def token_ids(torch, batch, ctx=77, vocab=49408):
    """OpenAI-style ids: start token, random tokens, end token (the largest id) at random places, zeros after."""
    g = torch.Generator().manual_seed(0)
    ids = torch.zeros(batch, ctx, dtype=torch.long)
    for i in range(batch):
        n = int(torch.randint(2, ctx - 1, (1,), generator=g))
        ids[i, 0], ids[i, n] = vocab - 2, vocab - 1
        ids[i, 1:n] = torch.randint(0, vocab - 2, (n - 1,), generator=g)
    return ids


def text_tower_via_diffusers(sd, replica):
    """diffusers' SD-2 single-file converter applied to an OpenCLIP text tower's state dict."""
    from diffusers.loaders.single_file_utils import convert_open_clip_checkpoint

    ckpt = {"cond_stage_model.model." + k: v for k, v in sd.items() if not k.startswith("visual.")}
    return convert_open_clip_checkpoint(replica, ckpt)


def check_sd2_text_encoder(torch, open_clip, mm, cr):
    model = open_clip.create_model("ViT-H-14", pretrained=None).eval()
    sd = model.state_dict()
    replica = mm.text_encoder("sd2", 49408, True, towers="replica").eval()
    converted = text_tower_via_diffusers(sd, replica)
    same_keys_and_shapes("SD-2 text encoder (OpenCLIP ViT-H/14 via diffusers' converter)", replica.state_dict(),
                         converted)
    replica.load_state_dict(converted, strict=True)
    ids = token_ids(torch, 2)
    with torch.no_grad():
        x = model.token_embedding(ids) + model.positional_embedding
        x = x.permute(1, 0, 2)  # open_clip v2.24's text transformer is sequence-first
        for block in model.transformer.resblocks[:-1]:  # SD-2 conditions on the penultimate layer
            x = block(x, attn_mask=model.attn_mask)
        want = model.ln_final(x.permute(1, 0, 2))
        got = replica(input_ids=ids, return_dict=True).last_hidden_state
    close("SD-2 text encoder output vs open_clip's penultimate layer + ln_final", got, want)


def check_clip(torch, open_clip, mm, cr, kind, name, open_clip_name):
    model = open_clip.create_model(open_clip_name, pretrained=None).eval()
    sd = model.state_dict()
    replica = mm.clip_model(kind, True, towers="replica").eval()
    mapped = openai_to_hf(sd)
    same_keys_and_shapes(f"{name} (OpenAI names -> transformers')", replica.state_dict(), mapped)
    text_cfg = mm.CLIP[kind]["text"]
    text_only = cr.CLIPTextModel(cr.text_config(*text_cfg, "quick_gelu"))
    via_diffusers = text_tower_via_diffusers(sd, text_only)
    text_part = {k: v for k, v in mapped.items() if k.startswith("text_model.")}
    if sorted(via_diffusers) != sorted(text_part) or any(not torch.equal(via_diffusers[k], text_part[k])
                                                         for k in text_part):
        fail(f"{name}: the text-tower map disagrees with diffusers' converter")
    log(f"{name}: the text-tower part of the map equals diffusers' converter ({len(text_part)} keys)")
    replica.load_state_dict(mapped, strict=True)
    ids = token_ids(torch, 3)
    image = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        close(f"{name} text features", replica.get_text_features(input_ids=ids), model.encode_text(ids))
        close(f"{name} image features", replica.get_image_features(pixel_values=image), model.encode_image(image))


def main():
    if len(sys.argv) > 1:
        print(__doc__)
        return 0 if sys.argv[1] in ("-h", "--help") else 2
    import torch

    try:
        import open_clip
        from diffusers.loaders import single_file_utils  # noqa: F401
    except ImportError as e:
        fail(f"{e}: put CACHE/pythonpath on PYTHONPATH (scripts/export/fetch_sources.sh CACHE fills it)")
    import clip_replica as cr
    import make_models as mm

    torch.manual_seed(0)
    from open_clip.version import __version__ as open_clip_version

    log(f"open_clip {open_clip_version}, PyTorch {torch.__version__}")
    check_sd2_text_encoder(torch, open_clip, mm, cr)
    check_clip(torch, open_clip, mm, cr, "sd2", "CLIP ViT-B/32", "ViT-B-32-quickgelu")
    check_clip(torch, open_clip, mm, cr, "sd15", "CLIP ViT-L/14", "ViT-L-14-quickgelu")
    log("clip_replica: names, shapes and outputs equal the published models'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
