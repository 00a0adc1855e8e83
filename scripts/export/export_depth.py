#!/usr/bin/env python3
"""Export a monocular depth network to a scenescape model folder.

Writes, into --out:
  depth.pt   forward(image [B,3,h,w] normalised with mean/std, h and w multiples of multiple_of)
             -> disparity [B,h,w] (float32, all parameters trainable: scenescape fine-tunes it per frame)
and the "depth" section of manifest.json (other sections are kept).

Models (--model):
  dpt_large                MiDaS v3 DPT-Large 384 from torch.hub "intel-isl/MiDaS" ("DPT_Large"),
                           the SceneScape reference's model. Input 384, multiple of 32, mean/std 0.5.
  depth_anything_v2_small  transformers "depth-anything/Depth-Anything-V2-Small-hf". Input 518,
                           multiple of 14, ImageNet mean/std. A smaller, newer relative-depth model;
                           its disparity scale differs from DPT's, so results are not the reference's.
  <owner/name>             another Hugging Face Depth Anything checkpoint (V1/V2, relative or metric);
                           the preprocessing is read from its image processor.
  depth_anything_v2_vits|vitb|vitl
                           Depth Anything V2 built by its own repository's classes (--da2-repo, a local
                           copy of github.com/DepthAnything/Depth-Anything-V2) with the weights of
                           --checkpoint (depth_anything_v2_<encoder>.pth). Input 518, multiple of 14,
                           ImageNet mean/std. Needs no transformers.

Requirements (pip): torch>=1.13 (2.x recommended);
  dpt_large: timm (torch.hub fetches the MiDaS code from GitHub on first use; if that code fails
    with your timm, try the timm 0.6.x series that MiDaS v3.1 was written against);
  Depth Anything: transformers>=4.45 (Depth Anything V2 and trace-friendly DINOv2 position embeddings);
  depth_anything_v2_<encoder>: only torch (the repository imports cv2 at the top of its files).

Disk (files written; estimated from parameter counts):
  dpt_large: about 1.37 GB (float32, about 344M parameters).
  depth_anything_v2_small / _vits: about 0.10 GB (float32, about 25M parameters).
  depth_anything_v2_vitl: about 1.34 GB (float32, about 335M parameters).
  Plus the download caches (torch.hub / Hugging Face): the same sizes again.
Peak memory (estimates, not measured): dpt_large about 4-6 GB of RAM (CPU) or 3-4 GB
  of GPU memory; depth_anything_v2_small about 1-2 GB. A minute or two on a GPU,
  a few minutes on the CPU.

The trace is made size-general: MiDaS builds its token-grid reshape from Python
integers (nn.Unflatten), and both Depth Anything heads (transformers' and the
original repository's) convert their output size with int(); the original
DINOv2 also computes its position-embedding interpolation from Python integers.
All would freeze a trace at 384x384 / 518x518. The exporter replaces those spots
with equivalent code on traced sizes (the DINOv2 one as a TorchScript function,
which keeps its size test), checks that the output is unchanged, and verifies the
file at a non-square size and at the C++ loader's dry-run size (2 x multiple_of).

By default (--no-sdpa) timm's fused attention and transformers' SDPA
attention are switched off before tracing, so that LibTorch 1.13 (Debian's
libtorch) loads the file; --sdpa keeps them (LibTorch >= 2.0).

export_depth() is the export itself, on a network it is handed (the
random-weight full-size check, scripts/export/make_models.py, uses it).
"""

import argparse
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import manifest as mf  # noqa: E402  (torch-free)
from options import add_sdpa_option  # noqa: E402  (torch-free)

MODELS = {
    "dpt_large": "intel-isl/MiDaS:DPT_Large",
    "depth_anything_v2_small": "depth-anything/Depth-Anything-V2-Small-hf",
}


def build_parser():
    p = argparse.ArgumentParser(
        description="Export a monocular depth network (MiDaS DPT-Large, the reference's, or Depth Anything) "
        "to DIR/depth.pt and the 'depth' section of DIR/manifest.json.",
        epilog="Examples:\n"
        "  %(prog)s --out models/sd2                                  # DPT-Large (reference)\n"
        "  %(prog)s --model depth_anything_v2_small --out models/sd2  # smaller, faster\n"
        "Disk: DPT-Large ~1.37 GB, Depth-Anything-V2-Small ~0.10 GB (float32; estimates).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--model", default="dpt_large",
                   help="dpt_large (default; MiDaS DPT-Large via torch.hub), depth_anything_v2_small, "
                   "a Hugging Face Depth Anything id, or depth_anything_v2_vits|vitb|vitl (its own repository's "
                   "classes: --da2-repo, --checkpoint)")
    p.add_argument("--out", required=True, metavar="DIR", help="model folder to write (created if needed)")
    p.add_argument("--device", default="auto", help="device to trace on: auto, cpu, cuda, cuda:N (default: auto)")
    add_sdpa_option(p)
    p.add_argument("--midas-repo", default="intel-isl/MiDaS", metavar="REPO",
                   help="torch.hub repository of the MiDaS code for dpt_large: owner/name on GitHub (default: "
                   "intel-isl/MiDaS) or a local checkout of it (a folder with hubconf.py)")
    p.add_argument("--da2-repo", metavar="DIR",
                   help="local copy of github.com/DepthAnything/Depth-Anything-V2 (depth_anything_v2_<encoder>)")
    p.add_argument("--checkpoint", metavar="FILE",
                   help="depth_anything_v2_<encoder>.pth for depth_anything_v2_<encoder> (required there)")
    p.add_argument("--file", default="depth.pt", help="file name inside DIR (default: depth.pt)")
    p.add_argument("--verbose", action="store_true", help="list the tracer warnings")
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        import torch  # noqa: F401
    except ImportError as e:
        print(f"error: {e}. Install: pip install torch timm transformers", file=sys.stderr)
        return 2
    if args.no_sdpa:
        os.environ["TIMM_FUSED_ATTN"] = "0"  # before anything imports timm
    import ts_export as tx

    return tx.run_main(run, args, mf.ManifestError)


# ---------------------------------------------------------------- MiDaS DPT


def load_midas(tx, no_sdpa, repo="intel-isl/MiDaS", pretrained=True, make_net=None):
    """MiDaS DPT_Large from torch.hub: repo is owner/name on GitHub or a local checkout (hubconf.py).

    pretrained=False builds the architecture with random weights (no download). make_net, when
    given, builds the MiDaS DPT instead of the hub (make_models.py --reduced: a ViT-B/16 backbone);
    the checks and the size-general forward below are the same.
    Returns (net, manifest section, patch() making the forward size-general, False).
    """
    import torch

    if no_sdpa:
        tx.disable_timm_fused_attn()
    if make_net is not None:
        net = make_net()
    else:
        kw = {"source": "local"} if os.path.isdir(repo) else {"trust_repo": True}
        try:
            net = torch.hub.load(repo, "DPT_Large", pretrained=pretrained, **kw)
        except TypeError:  # PyTorch < 1.12 has no trust_repo
            kw.pop("trust_repo", None)
            net = torch.hub.load(repo, "DPT_Large", pretrained=pretrained, **kw)
    if no_sdpa:
        n = tx.disable_fused_attn_attributes(net)
        tx.log(f"dpt_large: fused attention switched off in {n} timm blocks")
    if not hasattr(net, "forward_transformer"):
        raise ValueError("this MiDaS code predates v3.1 (no DPT.forward_transformer); the hub's default branch has it")
    pre = getattr(net, "pretrained", None)
    vit = getattr(pre, "model", None)
    if not (hasattr(vit, "forward_flex") and all(hasattr(pre, f"act_postprocess{i}") for i in range(1, 5))):
        raise ValueError("this MiDaS code has no ViT DPT backbone where expected (pretrained.model.forward_flex)")

    def forward_vit_dynamic(pretrained, x):
        """MiDaS forward_vit with the token grid reshaped from the (traced) input size."""
        _, _, h, w = x.shape
        pretrained.model.forward_flex(x)
        ph, pw = pretrained.model.patch_size[1], pretrained.model.patch_size[0]
        layers = []
        for i in range(1, 5):
            post = getattr(pretrained, f"act_postprocess{i}")
            t = post[0:2](pretrained.activations[str(i)])  # readout, transpose -> [B, C, N]
            if t.ndim == 3:
                t = t.reshape(t.shape[0], t.shape[1], h // ph, w // pw)
            layers.append(post[3 : len(post)](t))
        return tuple(layers)

    section = {
        "input_size": 384,
        "multiple_of": 32,
        "keep_aspect_ratio": True,
        "mean": [0.5, 0.5, 0.5],
        "std": [0.5, 0.5, 0.5],
        "output": "disparity",
    }

    def patch():
        net.forward_transformer = forward_vit_dynamic  # DPT.forward calls self.forward_transformer(pretrained, x)

    return net, section, patch, False


# ---------------------------------------------------------------- Depth Anything V2 (its own repository)

# run.py's model_configs of github.com/DepthAnything/Depth-Anything-V2 (DPT head width and per-layer channels).
DA2_CONFIGS = {
    "vits": dict(features=64, out_channels=[48, 96, 192, 384]),
    "vitb": dict(features=128, out_channels=[96, 192, 384, 768]),
    "vitl": dict(features=256, out_channels=[256, 512, 1024, 1024]),
}


def load_depth_anything_v2(tx, repo, encoder="vitl", checkpoint=None):
    """Depth Anything V2 from a local copy of its repository (github.com/DepthAnything/Depth-Anything-V2),
    built by the repository's own DepthAnythingV2 class, so its state-dict names and shapes are the published
    checkpoints' (depth_anything_v2_<encoder>.pth) by construction. checkpoint: such a .pth (loaded strictly);
    None keeps the random initialisation (the full-size check). Needs no transformers; the repository imports
    cv2 for its own preprocessing, which the export never calls (a stub will do).
    Returns (net, manifest section, patch() making the forward size-general, False).
    """
    import torch
    import torch.nn.functional as F

    if encoder not in DA2_CONFIGS:
        raise ValueError(f"unknown Depth Anything V2 encoder {encoder!r}: {', '.join(DA2_CONFIGS)}")
    if not os.path.isfile(os.path.join(repo, "depth_anything_v2", "dpt.py")):
        raise ValueError(f"{repo!r} is not a Depth-Anything-V2 checkout (no depth_anything_v2/dpt.py)")
    sys.path.insert(0, os.path.abspath(repo))
    from depth_anything_v2.dpt import DepthAnythingV2

    net = DepthAnythingV2(encoder=encoder, **DA2_CONFIGS[encoder])
    if checkpoint:
        net.load_state_dict(torch.load(checkpoint, map_location="cpu"), strict=True)
    vit, head = net.pretrained, net.depth_head
    if vit.register_tokens is not None or head.use_clstoken:
        raise ValueError("this exporter knows Depth Anything V2 without register tokens or class-token readout")
    tx.log(f"depth_anything_v2 {encoder}: DINOv2 {vit.embed_dim} wide, {vit.n_blocks} blocks, patch {vit.patch_size}"
           f"{', checkpoint ' + checkpoint if checkpoint else ', random weights'}")

    # DINOv2's interpolate_pos_encoding computes the grid and the scale factors from Python integers, and returns
    # the table unchanged at its own size (37x37 tokens = 518x518): a trace would freeze both. The same function
    # in TorchScript keeps the branch and the sizes symbolic inside the traced file.
    @torch.jit.script
    def pos_embed_for(pos_embed: torch.Tensor, image: torch.Tensor, patch: int, offset: float) -> torch.Tensor:
        h, w = image.shape[-2], image.shape[-1]
        n = pos_embed.shape[1] - 1
        if (h // patch) * (w // patch) == n and h == w:
            return pos_embed
        dim = pos_embed.shape[-1]
        side = math.sqrt(float(n))
        grid = pos_embed[:, 1:].float().reshape(1, int(side), int(side), dim).permute(0, 3, 1, 2)
        scale = [(float(h // patch) + offset) / side, (float(w // patch) + offset) / side]
        grid = F.interpolate(grid, scale_factor=scale, mode="bicubic", align_corners=False)
        grid = grid.permute(0, 2, 3, 1).reshape(1, -1, dim)
        return torch.cat((pos_embed[:, :1].float(), grid), dim=1).to(pos_embed.dtype)

    if vit.interpolate_antialias:
        raise ValueError("this exporter knows DINOv2 with interpolate_antialias=False (Depth Anything V2's)")

    def prepare_tokens(x, masks=None):
        """DinoVisionTransformer.prepare_tokens_with_masks (no masks, no registers) with pos_embed_for."""
        if masks is not None:
            raise ValueError("masks are not part of the depth contract")
        t = vit.patch_embed(x)
        t = torch.cat((vit.cls_token.expand(t.shape[0], -1, -1), t), dim=1)
        return t + pos_embed_for(vit.pos_embed, x, vit.patch_size, float(vit.interpolate_offset))

    def head_forward(out_features, patch_h, patch_w):
        """DPTHead.forward without its int() on the output size (it would freeze the trace at 518x518)."""
        layers = []
        for i, (x, _) in enumerate(out_features):
            x = x.permute(0, 2, 1).reshape((x.shape[0], x.shape[-1], patch_h, patch_w))
            layers.append(head.resize_layers[i](head.projects[i](x)))
        s = head.scratch
        l1, l2, l3, l4 = s.layer1_rn(layers[0]), s.layer2_rn(layers[1]), s.layer3_rn(layers[2]), s.layer4_rn(layers[3])
        path = s.refinenet4(l4, size=l3.shape[2:])
        path = s.refinenet3(path, l3, size=l2.shape[2:])
        path = s.refinenet2(path, l2, size=l1.shape[2:])
        out = s.output_conv1(s.refinenet1(path, l1))
        out = F.interpolate(out, (patch_h * vit.patch_size, patch_w * vit.patch_size), mode="bilinear",
                            align_corners=True)
        return s.output_conv2(out)

    section = {
        "input_size": 518,
        "multiple_of": vit.patch_size,
        "keep_aspect_ratio": True,
        "mean": [0.485, 0.456, 0.406],
        "std": [0.229, 0.224, 0.225],
        "output": "disparity",
    }

    def patch():
        vit.prepare_tokens_with_masks = prepare_tokens
        head.forward = head_forward

    return net, section, patch, False


# ---------------------------------------------------------------- Depth Anything (transformers)


def load_depth_anything(name, args, tx):
    import inspect

    import torch.nn.functional as F
    from transformers import AutoImageProcessor, AutoModelForDepthEstimation

    net = tx.hf_from_pretrained(AutoModelForDepthEstimation, name, args.no_sdpa)
    proc = AutoImageProcessor.from_pretrained(name)
    cfg = net.config
    size = getattr(proc, "size", None) or {}
    input_size = size.get("height") or size.get("shortest_edge") or 518
    section = {
        "input_size": int(input_size),
        "multiple_of": int(getattr(proc, "ensure_multiple_of", None) or getattr(cfg, "patch_size", 14)),
        "keep_aspect_ratio": bool(getattr(proc, "keep_aspect_ratio", True)),
        "mean": [float(x) for x in proc.image_mean],
        "std": [float(x) for x in proc.image_std],
        "output": "depth" if getattr(cfg, "depth_estimation_type", "relative") == "metric" else "disparity",
    }
    head = getattr(net, "head", None)
    params = list(inspect.signature(head.forward).parameters) if head is not None else []
    if params[:3] != ["hidden_states", "patch_height", "patch_width"]:
        raise ValueError(f"unexpected Depth Anything head ({type(head).__name__}{params}); "
                         "this exporter knows transformers' DepthAnythingDepthEstimationHead")
    def head_forward(hidden_states, patch_height, patch_width):
        """The head's forward with the output size kept as traced values (the original calls int())."""
        x = hidden_states[head.head_in_index]
        x = head.conv1(x)
        x = F.interpolate(x, size=(patch_height * head.patch_size, patch_width * head.patch_size),
                          mode="bilinear", align_corners=True)
        x = head.activation2(head.conv3(head.activation1(head.conv2(x))))
        max_depth = getattr(head, "max_depth", None)
        if max_depth is not None and max_depth != 1:
            x = x * max_depth
        return x.squeeze(dim=1)

    def patch():
        head.forward = head_forward

    return net, section, patch, True


def run(args, tx):
    device = tx.pick_device(args.device)
    name = MODELS.get(args.model, args.model)
    if args.model == "dpt_large":
        net, section, patch, hf = load_midas(tx, args.no_sdpa, args.midas_repo)
    elif args.model.startswith("depth_anything_v2_vit"):
        if not (args.da2_repo and args.checkpoint):
            raise ValueError(f"--model {args.model} needs --da2-repo DIR and --checkpoint FILE")
        net, section, patch, hf = load_depth_anything_v2(tx, args.da2_repo, args.model.rsplit("_", 1)[1],
                                                         args.checkpoint)
    elif "/" in name:
        net, section, patch, hf = load_depth_anything(name, args, tx)
    else:
        raise ValueError(f"unknown --model {args.model!r}: use dpt_large, depth_anything_v2_small or an owner/name id")
    export_depth(tx, args.out, f"{args.model} ({name})", net, section, patch, hf, device=device,
                 no_sdpa=args.no_sdpa, file=args.file, verbose=args.verbose)


def export_depth(tx, out, what, net, section, patch, hf, *, device, no_sdpa, file="depth.pt", verbose=False):
    """Writes DIR/<file> and the manifest's depth section.

    net: the depth network (forward(image) -> [B,1,h,w] or [B,h,w]; with hf,
    a transformers depth model called with pixel_values=). section: the
    manifest's depth keys except file and min_disparity. patch(): makes the
    forward size-general; it is checked not to change the output.
    """
    import torch
    import torch.nn as nn

    log = tx.log
    os.makedirs(out, exist_ok=True)
    log(f"exporting {what} to {out}: float32 traced on {device}, "
        f"{'no SDPA (LibTorch 1.13 compatible)' if no_sdpa else 'SDPA allowed (needs LibTorch >= 2.0)'}")

    class Depth(nn.Module):
        def __init__(self, net, hf):
            super().__init__()
            self.net = net
            self.hf = hf

        def forward(self, image):
            y = self.net(pixel_values=image, return_dict=True).predicted_depth if self.hf else self.net(image)
            return y.squeeze(1) if y.dim() == 4 else y

    model = Depth(net, hf).to(device=device, dtype=torch.float32).eval()
    n_train, _ = tx.set_trainable(model, lambda n: True)
    log(f"{what}: {n_train / 1e6:.1f}M parameters, all trainable")
    S, m = section["input_size"], section["multiple_of"]
    S = ((S + m - 1) // m) * m
    W2 = S + 4 * m if m >= 32 else S + 12 * m  # a non-square second size (384x512, 518x686)

    def img(b, hh, ww, seed):
        return tx.seeded_randn(b, 3, hh, ww, seed=seed).clamp(-2.5, 2.5)

    # The size patches must not change the output: compare at the trace size and at a non-square one (where
    # the original code's Python-integer sizes differ from the trace's).
    xs = [img(1, S, S, 0).to(device), img(1, S, W2, 2).to(device)]
    with torch.no_grad():
        before = [model(x).float().cpu() for x in xs]
        patch()
        after = [model(x).float().cpu() for x in xs]
    for x, b, a in zip(xs, before, after):
        diff = (b - a).abs().max().item()
        log(f"{what}: size-general forward vs the original at {x.shape[2]}x{x.shape[3]}: max abs diff {diff:.3g}")
        if not diff <= 1e-3 * max(1.0, b.abs().max().item()):
            raise ValueError(f"the size-general forward differs from the original model (max abs diff {diff:.3g})")

    def contract(inputs, y):
        b, _, hh, ww = inputs[0].shape
        if tuple(y.shape) not in ((b, hh, ww), (b, 1, hh, ww)):
            return f"output {list(y.shape)}, expected [{b},{hh},{ww}]"
        return None

    size = tx.export_module(
        "depth", model, (img(1, S, S, 0),),
        [tx.Check(f"batch 1, {S}x{S} (trace input)", (img(1, S, S, 0),)),
         tx.Check(f"batch 2, {S}x{S}", (img(2, S, S, 1),)),
         tx.Check(f"batch 1, {S}x{W2}", (img(1, S, W2, 2),)),
         tx.Check(f"batch 1, {2 * m}x{2 * m} (C++ dry run)", (img(1, 2 * m, 2 * m, 3),))],
        os.path.join(out, file), device=device, dtype=torch.float32, no_sdpa=no_sdpa,
        portable_checks=[tx.Check(f"batch 1, {4 * m}x{6 * m}", (img(1, 4 * m, 6 * m, 4),))],
        expect_shape=contract, verbose=verbose,
    )
    section = dict({"file": file}, **section, min_disparity=0.01)
    path = mf.merge_section(out, "depth", section)
    log("")
    log(f"wrote the depth section of {path}: {section}")
    log(f"  {file:<18} {tx.human_size(size):>10}   (folder now {tx.human_size(tx.folder_size(out))})")
    log(f"check it with: scenescape models check {out}")
    return size



if __name__ == "__main__":
    sys.exit(main())
