#!/usr/bin/env python3
"""Exports a complete model folder of small random-weight modules through the exporters' own code.

    /usr/bin/python3 scripts/export/small_models.py --out DIR [--sdpa-op]

The exporter-to-loader test (tests/export) runs this, then loads every file
with scenescape's C++ loader, runs `scenescape models check` and a short
generation on the folder: the files are judged by the LibTorch that
scenescape links, not by the PyTorch that wrote them.

Each module is small (a folder of about 1 MB, exported in seconds) but built
with the structure of the real network it stands for, and goes through the
same functions as the real checkpoints (export_inpainter, export_depth,
export_clip, hence ts_export.export_module with its trace, portability
rewrites, operator check, reload and compare):
  text_encoder  clip_replica.CLIPTextModel (transformers' CLIP text tower:
                causal mask from finfo.min, position-id buffer, gelu)
  vae           AutoencoderKL-like: 3 stride-2 stages (f = 8), GroupNorm +
                SiLU, a spatial self-attention in the middle, quant_conv /
                post_quant_conv, a "decoder." submodule with nearest upsampling
  unet          9-channel UNet2DConditionModel-like: float32 sinusoidal
                timestep embedding, cross-attention to the text states,
                self-attention, upsampling to the skip's size (the diffusers
                path for latents that are not multiples of 2^upsamplers)
  depth         DPT-like: patch embedding, class token, position embedding
                resized to the traced token grid, pre-LN transformer blocks,
                tokens reassembled on the grid from the traced input size,
                convolutional head upsampled to the input size
  clip          clip_replica.CLIPModel (both towers, projections)
Attention is matmul + softmax, as the exporters write it by default.

--sdpa-op makes every attention call aten::scaled_dot_product_attention (on
PyTorch 1.13, which lacks it, a stand-in is registered under that name, so
the file calls the operator exactly as a PyTorch 2.x export with --sdpa
does) and exports with SDPA allowed: LibTorch 1.13 must refuse such files.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def bytes_to_unicode():
    """GPT-2 / CLIP byte-level alphabet: every byte to a printable character."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for _, c in sorted(zip(bs, cs))]


def write_tiny_vocabulary(out):
    """A small valid CLIP BPE vocabulary: the 512 byte tokens, a few merges, the two special tokens."""
    chars = bytes_to_unicode()
    tokens = chars + [c + "</w>" for c in chars]
    merges = [("t", "h"), ("th", "e</w>"), ("r", "o"), ("ro", "o"), ("roo", "m</w>"), ("i", "n"), ("a", "n")]
    tokens += [a + b for a, b in merges] + ["<|startoftext|>", "<|endoftext|>"]
    vocab, merges_path = os.path.join(out, "tiny_vocab.json"), os.path.join(out, "tiny_merges.txt")
    with open(vocab, "w", encoding="utf-8") as f:
        json.dump({t: i for i, t in enumerate(tokens)}, f, ensure_ascii=False)
    with open(merges_path, "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    return vocab, merges_path, len(tokens)


def build(sdpa_op):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    import clip_replica as cr

    if sdpa_op and not hasattr(F, "scaled_dot_product_attention"):
        register_sdpa_stand_in()
    cr.Attention.sdpa = sdpa_op

    class Config(dict):
        """diffusers' FrozenDict in miniature: attributes and .get."""

        __getattr__ = dict.__getitem__

    def attention(q, k, v):  # [B, N, d] x [B, M, d]
        if sdpa_op:
            return torch.ops.aten.scaled_dot_product_attention(q, k, v)
        return torch.bmm(torch.bmm(q, k.transpose(1, 2)).mul(q.shape[-1] ** -0.5).softmax(-1), v)

    class Attn(nn.Module):
        def __init__(self, dim, ctx_dim=None):
            super().__init__()
            self.to_q = nn.Linear(dim, dim)
            self.to_k, self.to_v = nn.Linear(ctx_dim or dim, dim), nn.Linear(ctx_dim or dim, dim)
            self.to_out = nn.Linear(dim, dim)

        def forward(self, x, ctx=None):
            ctx = x if ctx is None else ctx
            return self.to_out(attention(self.to_q(x), self.to_k(ctx), self.to_v(ctx)))

    class SpatialAttn(nn.Module):  # the VAE mid-block / UNet transformer pattern on [B,C,H,W]
        def __init__(self, c, ctx_dim=None):
            super().__init__()
            self.norm = nn.GroupNorm(4, c)
            self.attn = Attn(c)
            self.cross = Attn(c, ctx_dim) if ctx_dim else None

        def forward(self, x, ctx=None):
            b, c, h, w = x.shape
            t = self.norm(x).reshape(b, c, h * w).transpose(1, 2)
            t = t + self.attn(t)
            if self.cross is not None:
                t = t + self.cross(t, ctx)
            return x + t.transpose(1, 2).reshape(b, c, h, w)

    class Res(nn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.norm1, self.conv1 = nn.GroupNorm(4, cin), nn.Conv2d(cin, cout, 3, padding=1)
            self.norm2, self.conv2 = nn.GroupNorm(4, cout), nn.Conv2d(cout, cout, 3, padding=1)
            self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

        def forward(self, x, temb=None):
            h = self.conv1(F.silu(self.norm1(x)))
            if temb is not None:
                h = h + temb[:, :, None, None]
            return self.skip(x) + self.conv2(F.silu(self.norm2(h)))

    class Encoder(nn.Module):
        def __init__(self, ch=(8, 8, 16, 16), C=4):
            super().__init__()
            self.conv_in = nn.Conv2d(3, ch[0], 3, padding=1)
            self.down = nn.ModuleList(nn.Conv2d(ch[i], ch[i + 1], 3, stride=2, padding=1) for i in range(3))
            self.mid = nn.ModuleList([Res(ch[-1], ch[-1]), SpatialAttn(ch[-1])])
            self.norm_out, self.conv_out = nn.GroupNorm(4, ch[-1]), nn.Conv2d(ch[-1], 2 * C, 3, padding=1)

        def forward(self, x):
            x = self.conv_in(x)
            for d in self.down:
                x = F.silu(d(x))
            for m in self.mid:
                x = m(x)
            return self.conv_out(F.silu(self.norm_out(x)))

    class Decoder(nn.Module):
        def __init__(self, ch=(16, 16, 8, 8), C=4):
            super().__init__()
            self.conv_in = nn.Conv2d(C, ch[0], 3, padding=1)
            self.mid = nn.ModuleList([Res(ch[0], ch[0]), SpatialAttn(ch[0])])
            self.up = nn.ModuleList(Res(ch[i], ch[i + 1]) for i in range(3))
            self.norm_out, self.conv_out = nn.GroupNorm(4, ch[-1]), nn.Conv2d(ch[-1], 3, 3, padding=1)

        def forward(self, z):
            x = self.conv_in(z)
            for m in self.mid:
                x = m(x)
            for u in self.up:
                x = u(F.interpolate(x, scale_factor=2.0, mode="nearest"))
            return self.conv_out(F.silu(self.norm_out(x)))

    class Vae(nn.Module):
        def __init__(self):
            super().__init__()
            self.config = Config(latent_channels=4, block_out_channels=[8, 8, 16, 16], scaling_factor=0.18215)
            self.encoder, self.decoder = Encoder(), Decoder()
            self.quant_conv, self.post_quant_conv = nn.Conv2d(8, 8, 1), nn.Conv2d(4, 4, 1)

    class Unet(nn.Module):
        def __init__(self, D, ch=(16, 32, 32)):
            super().__init__()
            self.config = Config(in_channels=9, cross_attention_dim=D, block_out_channels=list(ch))
            self.num_upsamplers = len(ch) - 1
            self.time_embedding = nn.Sequential(nn.Linear(ch[0], 4 * ch[0]), nn.SiLU(), nn.Linear(4 * ch[0], 4 * ch[0]))
            self.conv_in = nn.Conv2d(9, ch[0], 3, padding=1)
            self.down = nn.ModuleList(nn.Conv2d(ch[i], ch[i + 1], 3, stride=2, padding=1) for i in range(len(ch) - 1))
            self.temb = nn.ModuleList(nn.Linear(4 * ch[0], c) for c in ch)
            self.res = nn.ModuleList(Res(c, c) for c in ch)
            self.attn = SpatialAttn(ch[-1], D)
            self.up = nn.ModuleList(Res(2 * ch[i], ch[i]) for i in reversed(range(len(ch) - 1)))
            self.up_in = nn.ModuleList(nn.Conv2d(ch[i + 1], ch[i], 3, padding=1) for i in reversed(range(len(ch) - 1)))
            self.norm_out, self.conv_out = nn.GroupNorm(4, ch[0]), nn.Conv2d(ch[0], 4, 3, padding=1)

        def forward(self, sample, timestep, encoder_hidden_states, return_dict=False):
            half = self.conv_in.out_channels // 2
            freqs = torch.exp(-torch.arange(half, dtype=torch.float32, device=sample.device) * (9.21 / half))
            t = timestep.expand(sample.shape[0])[:, None].float() * freqs[None]
            emb = self.time_embedding(torch.cat([t.cos(), t.sin()], -1).to(sample.dtype))
            x = self.conv_in(sample)
            skips = []
            for i, res in enumerate(self.res):
                x = res(x, self.temb[i](emb))
                if i < len(self.down):
                    skips.append(x)
                    x = self.down[i](x)
            x = self.attn(x, encoder_hidden_states)
            for up_in, up in zip(self.up_in, self.up):
                skip = skips.pop()
                x = up_in(F.interpolate(x, size=skip.shape[-2:], mode="nearest"))
                x = up(torch.cat([x, skip], 1))
            return (self.conv_out(F.silu(self.norm_out(x))),)

    class Dpt(nn.Module):
        def __init__(self, dim=32, patch=16, grid=4):
            super().__init__()
            self.patch = patch
            self.patch_embed = nn.Conv2d(3, dim, patch, stride=patch)
            self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
            self.pos_embed = nn.Parameter(torch.randn(1, grid * grid + 1, dim) * 0.02)
            self.blocks = cr.Encoder(cr.text_config(dim, 2 * dim, 4, 2, "gelu"))
            self.reassemble = nn.Conv2d(dim, 16, 1)
            self.head = nn.ModuleList([nn.Conv2d(16, 16, 3, padding=1), nn.Conv2d(16, 8, 3, padding=1),
                                       nn.Conv2d(8, 1, 1)])
            self.grid = grid

        def forward(self, image):
            b, _, h, w = image.shape
            gh, gw = h // self.patch, w // self.patch
            x = self.patch_embed(image).flatten(2).transpose(1, 2)
            pos = self.pos_embed[:, 1:].reshape(1, self.grid, self.grid, -1).permute(0, 3, 1, 2)
            pos = F.interpolate(pos, size=(gh, gw), mode="bilinear", align_corners=False)
            pos = torch.cat([self.pos_embed[:, :1], pos.flatten(2).transpose(1, 2)], 1)
            x = torch.cat([self.cls_token.expand(b, -1, -1), x], 1) + pos
            x = self.blocks(x)[:, 1:]
            x = self.reassemble(x.transpose(1, 2).reshape(b, -1, gh, gw))
            x = F.relu(self.head[0](x))
            x = F.interpolate(x, scale_factor=4.0, mode="bilinear", align_corners=True)
            x = F.relu(self.head[1](x))
            x = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=True)
            return F.softplus(self.head[2](x)) + 0.05  # disparity > 0: depths stay finite

    torch.manual_seed(0)
    return Vae, Unet, Dpt


def register_sdpa_stand_in():
    """Defines aten::scaled_dot_product_attention (PyTorch >= 2.0's schema) in a PyTorch that lacks it."""
    import torch

    lib = torch._C._dispatch_library("FRAGMENT", "aten", "", __file__, 0)
    lib.define("scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, Tensor? attn_mask=None, "
               "float dropout_p=0.0, bool is_causal=False) -> Tensor")
    impl = torch._C._dispatch_library("IMPL", "aten", "CPU", __file__, 0)

    def sdpa(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False):
        w = q @ k.transpose(-2, -1) * q.shape[-1] ** -0.5
        return torch.softmax(w if attn_mask is None else w + attn_mask, -1) @ v

    holder = torch.library.Library.__new__(torch.library.Library)  # impl() with a Python function
    holder.m, holder.ns, holder.dispatch_key, holder._op_impls = impl, "aten", "CPU", set()
    torch.library.Library.impl(holder, "scaled_dot_product_attention", sdpa)
    register_sdpa_stand_in.keep = (lib, impl, holder)  # registrations live as long as these objects


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, metavar="DIR", help="model folder to write")
    p.add_argument("--sdpa-op", action="store_true",
                   help="attention through aten::scaled_dot_product_attention, exported with SDPA allowed "
                   "(files that LibTorch 1.13 must refuse)")
    p.add_argument("--only", choices=("inpainter", "depth", "clip"), action="append",
                   help="export only these sections (default: all three)")
    args = p.parse_args(argv)
    import torch

    import clip_replica as cr
    import export_clip
    import export_depth
    import export_inpainter
    import manifest as mf
    import ts_export as tx

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    out = args.out
    os.makedirs(out, exist_ok=True)
    no_sdpa = not args.sdpa_op
    cpu = torch.device("cpu")
    Vae, Unet, Dpt = build(args.sdpa_op)
    vocab, merges, n_tokens = write_tiny_vocabulary(out)
    sections = args.only or ["inpainter", "depth", "clip"]
    tx.log(f"small models with PyTorch {torch.__version__} into {out}: {', '.join(sections)}"
           f"{' (attention through scaled_dot_product_attention)' if args.sdpa_op else ''}")
    try:
        if "inpainter" in sections:
            D = 32
            sched = {"num_train_timesteps": 1000, "beta_schedule": "scaled_linear", "beta_start": 0.00085,
                     "beta_end": 0.012, "prediction_type": "epsilon", "steps_offset": 1,
                     "set_alpha_to_one": False, "timestep_spacing": "leading"}
            export_inpainter.export_inpainter(
                tx, out, "small SD-like inpainter", tokenizer=cr.FileTokenizer(vocab, merges, pad="!"),
                scheduler_config=sched,
                load_text_encoder=lambda: cr.CLIPTextModel(cr.text_config(D, 64, 4, 2, "gelu", vocab=n_tokens)),
                load_vae=Vae, load_unet=lambda: Unet(D), device=cpu, dtype=torch.float32, no_sdpa=no_sdpa,
                height=120, width=120)
        if "depth" in sections:
            section = {"input_size": 64, "multiple_of": 32, "keep_aspect_ratio": True, "mean": [0.5] * 3,
                       "std": [0.5] * 3, "output": "disparity"}
            export_depth.export_depth(tx, out, "small DPT-like depth", Dpt(), section, lambda: None, False,
                                      device=cpu, no_sdpa=no_sdpa)
        if "clip" in sections:
            cfg = cr.clip_config(cr.text_config(32, 64, 4, 2, "quick_gelu", vocab=n_tokens),
                                 cr.vision_config(32, 64, 4, 2, 16, image=32), 16)
            export_clip.export_clip(tx, out, "small CLIP", cr.CLIPModel(cfg), cr.FileTokenizer(vocab, merges), 32,
                                    [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711],
                                    device=cpu, no_sdpa=no_sdpa)
    except (tx.ExportError, ValueError, mf.ManifestError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for f in ("tiny_vocab.json", "tiny_merges.txt"):
        os.remove(os.path.join(out, f))
    tx.log(f"wrote {out} ({tx.human_size(tx.folder_size(out))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
