#!/usr/bin/env python3
"""The real architectures at their real sizes with random weights, exported with scripts/export.

    make_models.py --set sd2|sd15 --section inpainter|depth|clip --out DIR --vocab DIR [--device D] [--dtype T] [--sdpa]
                   [--reduced] [--clip-towers auto|transformers|replica] [--midas-repo DIR] [--da2-repo DIR]

One section per call (so at most one large model is in memory; full_size_check.sh
calls it once per section and frees the memory in between). Nothing is
downloaded: the networks are built from their published configs with random
weights, then written by the exporters' own functions (export_inpainter,
export_depth, export_clip), with all their checks. The files have the real
checkpoints' parameter names, shapes, sizes and operators, so loading, running
and fine-tuning them costs what the real ones cost; the pictures are noise.

Sets (the configs are the published ones, cited below):
  sd2   SD-2 inpainting (UNet 9 channels, attention_head_dim [5,10,20,20], linear projections,
        cross-attention 1024; VAE; OpenCLIP ViT-H text encoder as transformers' CLIPTextModel with
        23 of its 24 layers = the penultimate layer, gelu, pad "!") + MiDaS DPT-Large + CLIP ViT-B/32
  sd15  SD-1.5 inpainting (attention_head_dim 8, cross-attention 768; CLIP ViT-L/14 text encoder,
        quick_gelu, pad "<|endoftext|>") + Depth Anything V2 ViT-L + CLIP ViT-L/14
The two sets together cover every architecture the exporters support at full size.

--reduced: the same classes at a small size, for rehearsals on a CPU (scripts/gpu/measure.sh
--reduced): UNet and VAE with narrow blocks (REDUCED below), a 2-layer text encoder and CLIP,
and the set's depth class with its smallest backbone: MiDaS's DPT with ViT-B/16 (vitb16_384, the
same code path as DPT-Large's) at a 64-pixel input (sd2), Depth Anything V2 ViT-S at 70 (sd15);
the inpainter is traced at 80x80 instead of 600x600.

Libraries: diffusers' UNet2DConditionModel / AutoencoderKL / configs, MiDaS's
hubconf DPT_Large (timm ViT-L/16 384) and Depth-Anything-V2's DepthAnythingV2
from the source cache that fetch_sources.sh fills (put CACHE/pythonpath on
PYTHONPATH, pass --midas-repo CACHE/src/MiDaS, --da2-repo CACHE/src/Depth-Anything-V2).
CLIP towers: transformers' CLIPTextModel / CLIPModel when transformers is
importable, else clip_replica.py (same state-dict keys and computation).
--vocab: a folder with CLIP's vocab.json and merges.txt (49408 tokens), e.g.
the one the tokenizer tests use (../shared/data/clip).

On a GPU machine with PyTorch 2.x, diffusers, transformers and timm installed
(pip), no cache is needed: --device cuda --dtype float16 writes what
export_all.sh would write from the real checkpoints, with random weights.
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

# Published configs. Inpainting UNets: huggingface.co/stabilityai/stable-diffusion-2-inpainting
# unet/config.json and huggingface.co/runwayml/stable-diffusion-inpainting unet/config.json.
UNET_COMMON = dict(
    act_fn="silu", block_out_channels=[320, 640, 1280, 1280], center_input_sample=False,
    down_block_types=["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    downsample_padding=1, dual_cross_attention=False, flip_sin_to_cos=True, freq_shift=0, in_channels=9,
    layers_per_block=2, mid_block_scale_factor=1, norm_eps=1e-5, norm_num_groups=32, out_channels=4, sample_size=64,
    up_block_types=["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
)
UNET = {
    "sd2": dict(UNET_COMMON, attention_head_dim=[5, 10, 20, 20], cross_attention_dim=1024, use_linear_projection=True),
    "sd15": dict(UNET_COMMON, attention_head_dim=8, cross_attention_dim=768),
}
# vae/config.json of both checkpoints (AutoencoderKL, 4 latent channels, f = 8).
VAE = dict(
    act_fn="silu", block_out_channels=[128, 256, 512, 512], in_channels=3, out_channels=3, latent_channels=4,
    down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4, layers_per_block=2,
    norm_num_groups=32, sample_size=512,
)
# text_encoder/config.json: SD 2 = OpenCLIP ViT-H/14 text tower as CLIPTextModel (hidden 1024, 16 heads,
# intermediate 4096, gelu, 23 layers: the penultimate of OpenCLIP's 24, as SD 2 uses); SD 1.5 = OpenAI
# CLIP ViT-L/14's text tower (768, 12 heads, 3072, quick_gelu, 12 layers).
TEXT = {
    "sd2": dict(hidden=1024, intermediate=4096, heads=16, layers=23, act="gelu", pad="!"),
    "sd15": dict(hidden=768, intermediate=3072, heads=12, layers=12, act="quick_gelu", pad="<|endoftext|>"),
}
# scheduler/scheduler_config.json of both (PNDM there; read through DDIMScheduler as the exporter does).
SCHEDULER = dict(num_train_timesteps=1000, beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012,
                 prediction_type="epsilon", steps_offset=1, set_alpha_to_one=False, clip_sample=False)
# huggingface.co/openai/clip-vit-base-patch32 and clip-vit-large-patch14 config.json.
CLIP = {
    "sd2": dict(name="CLIP ViT-B/32", text=(512, 2048, 8, 12), vision=(768, 3072, 12, 12, 32), projection=512),
    "sd15": dict(name="CLIP ViT-L/14", text=(768, 3072, 12, 12), vision=(1024, 4096, 16, 24, 14), projection=768),
}
# --reduced: the same classes, narrow (group norms of 32 channels still divide every width).
REDUCED_UNET = dict(block_out_channels=[32, 64, 64, 64], layers_per_block=1, attention_head_dim=[2, 2, 2, 2],
                    cross_attention_dim=32)
REDUCED_VAE = dict(block_out_channels=[32, 32, 64, 64], layers_per_block=1)
REDUCED_TEXT = dict(hidden=32, intermediate=64, heads=2, layers=2)
REDUCED_CLIP = dict(text=(32, 64, 2, 2), vision=(32, 64, 2, 2, 32), projection=32)
REDUCED_CANVAS = 80  # the trace size: a 64x64 frame with an 8-pixel border
REDUCED_DEPTH_INPUT = {"sd2": 64, "sd15": 70}  # multiples of the backbones' patch grids (32, 14)
CLIP_MEAN, CLIP_STD = [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]


def have_transformers(choice="auto"):
    """Whether the CLIP towers come from transformers: --clip-towers transformers / replica, or (auto)
    when it imports. measure.sh asks for the replica: a GPU machine's transformers may need another
    huggingface_hub than the pinned one diffusers imports."""
    if choice != "auto":
        return choice == "transformers"
    try:
        import transformers  # noqa: F401
        return True
    except ImportError:
        return False


def text_encoder(kind, vocab_size, no_sdpa, reduced=False, towers="auto"):
    t = dict(TEXT[kind], **REDUCED_TEXT) if reduced else TEXT[kind]
    if have_transformers(towers):
        from transformers import CLIPTextConfig, CLIPTextModel

        cfg = CLIPTextConfig(vocab_size=vocab_size, hidden_size=t["hidden"], intermediate_size=t["intermediate"],
                             num_attention_heads=t["heads"], num_hidden_layers=t["layers"], hidden_act=t["act"],
                             max_position_embeddings=77, projection_dim=t["hidden"])
        if no_sdpa:
            cfg._attn_implementation = "eager"
        return CLIPTextModel(cfg)
    import clip_replica as cr

    return cr.CLIPTextModel(cr.text_config(t["hidden"], t["intermediate"], t["heads"], t["layers"], t["act"],
                                           vocab=vocab_size))


def clip_model(kind, no_sdpa, reduced=False, towers="auto"):
    c = dict(CLIP[kind], **REDUCED_CLIP) if reduced else CLIP[kind]
    (th, ti, theads, tl), (vh, vi, vheads, vl, patch) = c["text"], c["vision"]
    if have_transformers(towers):
        from transformers import CLIPConfig, CLIPModel

        cfg = CLIPConfig(text_config=dict(hidden_size=th, intermediate_size=ti, num_attention_heads=theads,
                                          num_hidden_layers=tl),
                         vision_config=dict(hidden_size=vh, intermediate_size=vi, num_attention_heads=vheads,
                                            num_hidden_layers=vl, patch_size=patch, image_size=224),
                         projection_dim=c["projection"])
        if no_sdpa:
            cfg._attn_implementation = "eager"
        return CLIPModel(cfg)
    import clip_replica as cr

    return cr.CLIPModel(cr.clip_config(cr.text_config(th, ti, theads, tl, "quick_gelu"),
                                       cr.vision_config(vh, vi, vheads, vl, patch), c["projection"]))


def reduced_dpt(midas_repo):
    """MiDaS's DPTDepthModel with the ViT-B/16 backbone (random weights: DPT passes use_pretrained=False
    to its encoder), built from the local MiDaS code; DPT-Large is the same class with ViT-L/16."""
    if not os.path.isdir(midas_repo):
        raise ValueError(f"--reduced needs a local MiDaS checkout as --midas-repo, not {midas_repo!r}")

    def make():
        sys.path.insert(0, os.path.abspath(midas_repo))
        from midas.dpt_depth import DPTDepthModel

        return DPTDepthModel(path=None, backbone="vitb16_384", non_negative=True)

    return make


def disparity_in_range(net, torch):
    """Random weights put the heads' disparity near 0 everywhere (below the manifest's min_disparity of 0.01,
    and the final ReLU zeroes what is negative): measured on the full-size Depth Anything V2, every depth came out
    as the clamp's constant and every fine-tuning gradient was exactly 0, so a run could not show that the
    fine-tuning changes anything. A bias of 1 on the head's last 1-channel convolution keeps the disparity
    around 1 and the gradients flowing; a trained checkpoint is never touched (this script makes random
    weights only)."""
    last = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d) and m.out_channels == 1]
    if not last or last[-1].bias is None:
        raise ValueError("the depth head has no 1-channel output convolution with a bias")
    with torch.no_grad():
        last[-1].bias.fill_(1.0)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--set", choices=("sd2", "sd15"), required=True)
    p.add_argument("--section", choices=("inpainter", "depth", "clip"), required=True)
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--vocab", required=True, metavar="DIR", help="folder with CLIP's vocab.json and merges.txt")
    p.add_argument("--midas-repo", default="intel-isl/MiDaS",
                   help="MiDaS code for DPT-Large: a local checkout (CACHE/src/MiDaS) or owner/name on GitHub")
    p.add_argument("--da2-repo", metavar="DIR",
                   help="local copy of Depth-Anything-V2 (CACHE/src/Depth-Anything-V2), for --set sd15's depth")
    p.add_argument("--device", default="auto")
    p.add_argument("--dtype", choices=("auto", "float16", "float32"), default="auto", help="inpainter files")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--reduced", action="store_true", help="the same classes at a small size (CPU rehearsal)")
    p.add_argument("--clip-towers", choices=("auto", "transformers", "replica"), default="auto",
                   help="where the CLIP text/image towers come from (auto: transformers when it imports)")
    from options import add_sdpa_option

    add_sdpa_option(p)
    args = p.parse_args(argv)
    if args.no_sdpa:
        os.environ["TIMM_FUSED_ATTN"] = "0"  # before timm is imported
    import torch

    import clip_replica as cr
    import manifest as mf
    import ts_export as tx

    torch.manual_seed(args.seed)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    device = tx.pick_device(args.device)
    vocab, merges = os.path.join(args.vocab, "vocab.json"), os.path.join(args.vocab, "merges.txt")
    towers = args.clip_towers
    tx.log(f"random-weight {args.set} {args.section}{' (reduced)' if args.reduced else ''} (PyTorch "
           f"{torch.__version__}, CLIP towers from {'transformers' if have_transformers(towers) else 'clip_replica.py'})")
    try:
        if args.section == "inpainter":
            from diffusers import AutoencoderKL, UNet2DConditionModel

            import export_inpainter as ei

            dtype = tx.resolve_dtype(args.dtype, device)
            tok = cr.FileTokenizer(vocab, merges, pad=TEXT[args.set]["pad"])
            vae_cfg = dict(VAE, **REDUCED_VAE) if args.reduced else VAE
            unet_cfg = dict(UNET[args.set], **REDUCED_UNET) if args.reduced else UNET[args.set]
            size = REDUCED_CANVAS if args.reduced else 600
            ei.check_configs(size, size, vae_cfg, unet_cfg)

            def make(cls, cfg):
                return lambda: cls(**cfg).to(dtype)

            ei.export_inpainter(
                tx, args.out, f"random-weight {args.set} inpainting", tokenizer=tok, scheduler_config=SCHEDULER,
                load_text_encoder=lambda: text_encoder(args.set, len(tok.table), args.no_sdpa, args.reduced,
                                                       towers).to(dtype),
                load_vae=make(AutoencoderKL, vae_cfg), load_unet=make(UNet2DConditionModel, unet_cfg),
                device=device, dtype=dtype, no_sdpa=args.no_sdpa, height=size, width=size, verbose=args.verbose)
        elif args.section == "depth":
            import export_depth as ed

            if args.set == "sd2":
                make_net = reduced_dpt(args.midas_repo) if args.reduced else None
                net, section, patch, hf = ed.load_midas(tx, args.no_sdpa, args.midas_repo, pretrained=False,
                                                        make_net=make_net)
                what = "random-weight MiDaS DPT-Large"
                if args.reduced:
                    what = "random-weight MiDaS DPT (ViT-B/16 backbone, reduced)"
            else:
                if not args.da2_repo:
                    raise ValueError("--set sd15 --section depth needs --da2-repo (CACHE/src/Depth-Anything-V2)")
                encoder = "vits" if args.reduced else "vitl"
                net, section, patch, hf = ed.load_depth_anything_v2(tx, args.da2_repo, encoder)
                what = f"random-weight Depth Anything V2 {encoder}{' (reduced)' if args.reduced else ''}"
            if args.reduced:
                section["input_size"] = REDUCED_DEPTH_INPUT[args.set]
            disparity_in_range(net, torch)
            ed.export_depth(tx, args.out, what, net, section, patch, hf, device=device, no_sdpa=args.no_sdpa,
                            verbose=args.verbose)
        else:
            import export_clip as ec

            ec.export_clip(tx, args.out, f"random-weight {CLIP[args.set]['name']}{' (reduced)' if args.reduced else ''}",
                           clip_model(args.set, args.no_sdpa, args.reduced, towers),
                           cr.FileTokenizer(vocab, merges), 224, CLIP_MEAN, CLIP_STD, device=device,
                           no_sdpa=args.no_sdpa, verbose=args.verbose)
    except (tx.ExportError, ValueError, mf.ManifestError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
