#!/usr/bin/env python3
"""Export a Stable Diffusion inpainting checkpoint to a scenescape model folder.

Writes, into --out:
  text_encoder.pt   forward(ids int64 [B,77]) -> last_hidden_state [B,77,D]
  unet.pt           forward(sample [B,9,h,w], timestep float32 [B], encoder_hidden_states [B,77,D]) -> [B,4,h,w]
  vae_encoder.pt    forward(image [B,3,H,W] in [-1,1]) -> latent mean [B,4,H/8,W/8] (quant_conv(encoder(x)), unscaled)
  vae_decoder.pt    forward(latent [B,4,h,w], already / latent_scale) -> image [B,3,8h,8w];
                    submodules post_quant_conv and decoder (parameters "decoder.*" are the ones fine-tuned)
  vocab.json, merges.txt   the CLIP BPE tokenizer
and the "inpainter" section of manifest.json (other sections are kept).
The layout and contracts are described in models/README.md.

Models: stabilityai/stable-diffusion-2-inpainting (default; the SceneScape
reference), or an SD-1.5 inpainting checkpoint: runwayml/stable-diffusion-inpainting
(Hugging Face now serves it as stable-diffusion-v1-5/stable-diffusion-inpainting),
or a local folder in diffusers layout.

Requirements (pip): torch>=1.13 (2.x recommended), diffusers>=0.21,
transformers>=4.30, safetensors; accelerate is optional (lower loading memory).
The weights are downloaded into the Hugging Face cache on first use
(set HF_HUB_OFFLINE=1 to use the cache only).

Disk (files written; estimated from parameter counts):
  SD-2 inpainting, float16: about 2.7 GB (UNet 1.73 GB, text encoder 0.68 GB,
    VAE encoder 0.07 GB, VAE decoder 0.20 GB in float32); float32: about 5.2 GB
    (measured with random weights: 5.16 GB).
  SD-1.5 inpainting, float16: about 2.2 GB (UNet 1.72 GB, text encoder 0.25 GB, VAE 0.27 GB).
  Plus the Hugging Face download cache (about 5 GB for SD-2 inpainting).
Peak memory (estimates, not measured):
  CUDA GPU, float16: about 8 GB of GPU memory and 8-12 GB of RAM; a few minutes.
  CPU, float32: about 16-24 GB of RAM; 10-40 minutes (every file is run
  several times to verify it).

Trace size: --height/--width (default 600x600, a 75x75 latent). The files
work at any size that is a multiple of 8 pixels; every file is checked at a
second, odd size and at the C++ loader's dry-run size. The UNet must be traced
at a latent size that is not a multiple of 8: only then does diffusers pass
explicit sizes to its upsamplers, which the trace keeps general.

Dtype: --dtype auto (default) exports float16 on a CUDA GPU and float32 on
the CPU. float16 files are made dtype-portable: scenescape runs them in
float16 on CUDA and in float32 on the CPU and for VAE-decoder fine-tuning.

LibTorch 1.13 (Debian's libtorch): the default (--no-sdpa). PyTorch 2.x routes
attention through scaled_dot_product_attention, which LibTorch 1.13 cannot
load; --no-sdpa switches diffusers to its classic AttnProcessor and the
text encoder to transformers' "eager" attention before tracing, and then
refuses to write a file that still has an operator LibTorch 1.13 lacks.
--sdpa keeps the fused attention (files for a LibTorch >= 2.0 build).

The VAE decoder is always written in float32, whatever --dtype: scenescape
decodes and fine-tunes it in float32, as the reference fine-tunes it.

export_inpainter() is the export itself, on models it is handed (the
random-weight full-size check, scripts/export/make_models.py, uses it).
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import manifest as mf  # noqa: E402  (torch-free)
from options import add_sdpa_option  # noqa: E402  (torch-free)

DEFAULT_MODEL = "stabilityai/stable-diffusion-2-inpainting"


def build_parser():
    p = argparse.ArgumentParser(
        description="Export a Stable Diffusion inpainting checkpoint (text encoder, 9-channel UNet, VAE "
        "encoder/decoder, tokenizer, scheduler settings) to TorchScript files and the 'inpainter' "
        "section of DIR/manifest.json.",
        epilog="Examples:\n"
        "  %(prog)s --out models/sd2                      # SD-2 inpainting, float16 on a GPU, LibTorch 1.13 loads it\n"
        "  %(prog)s --out models/sd2 --sdpa               # fused attention: needs LibTorch >= 2.0\n"
        "  %(prog)s --model runwayml/stable-diffusion-inpainting --out models/sd15\n"
        "Disk: SD-2 float16 ~2.6 GB, float32 ~5.2 GB (estimates). See the file header and models/README.md.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--model", default=DEFAULT_MODEL,
                   help=f"Hugging Face id or local diffusers folder (default: {DEFAULT_MODEL}; "
                   "SD-1.5: runwayml/stable-diffusion-inpainting)")
    p.add_argument("--out", required=True, metavar="DIR", help="model folder to write (created if needed)")
    p.add_argument("--dtype", choices=("auto", "float16", "float32"), default="auto",
                   help="dtype of the saved weights; auto = float16 on CUDA, float32 on the CPU (default: auto)")
    p.add_argument("--device", default="auto", help="device to trace on: auto, cpu, cuda, cuda:N (default: auto)")
    p.add_argument("--height", type=int, default=600,
                   help="image height the UNet and VAE are traced at (default: 600, the reference's canvas). "
                   "The files work at other sizes too; height/8 and width/8 must not both be multiples of 8")
    p.add_argument("--width", type=int, default=600, help="image width to trace at (default: 600)")
    add_sdpa_option(p)
    p.add_argument("--variant", default=None, help="weights variant to download, e.g. fp16 (default: the full weights)")
    p.add_argument("--revision", default=None, help="model revision (git branch, tag or commit)")
    p.add_argument("--verbose", action="store_true", help="list the tracer warnings")
    return p


def scheduler_section(cfg, log):
    """The manifest's scheduler settings from a diffusers scheduler config (DDIM defaults filled in)."""
    get = cfg.get
    if get("trained_betas", None) is not None:
        raise ValueError("the scheduler uses trained_betas, which the manifest cannot express")
    section = {
        "num_train_timesteps": int(get("num_train_timesteps", 1000)),
        "beta_schedule": str(get("beta_schedule", "linear")),
        "beta_start": float(get("beta_start", 0.0001)),
        "beta_end": float(get("beta_end", 0.02)),
        "prediction_type": str(get("prediction_type", "epsilon")),
        "steps_offset": int(get("steps_offset", 0)),
        "set_alpha_to_one": bool(get("set_alpha_to_one", True)),
        "timestep_spacing": str(get("timestep_spacing", "leading")),
    }
    allowed = {
        "beta_schedule": ("linear", "scaled_linear"),
        "prediction_type": ("epsilon", "v_prediction"),
        "timestep_spacing": ("leading", "trailing", "linspace"),
    }
    for key, values in allowed.items():
        if section[key] not in values:
            raise ValueError(f"scheduler {key} = {section[key]!r}; scenescape supports {', '.join(values)}")
    for key in ("clip_sample", "thresholding", "rescale_betas_zero_snr"):
        if get(key, False):
            log(f"note: the scheduler config sets {key}=true; scenescape's samplers do not (the reference's "
                "SD-2 inpainting config has it false)")
    return section


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        import torch  # noqa: F401
        import diffusers  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as e:
        print(f"error: {e}. Install: pip install torch diffusers transformers safetensors", file=sys.stderr)
        return 2
    import ts_export as tx

    return tx.run_main(run, args, mf.ManifestError)


def run(args, tx):
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

    device = tx.pick_device(args.device)
    dtype = tx.resolve_dtype(args.dtype, device)
    load_kw = {"revision": args.revision} if args.revision else {}
    weight_kw = dict(load_kw, torch_dtype=dtype)
    if args.variant:
        weight_kw["variant"] = args.variant
    if dtype == torch.float16 and device.type == "cpu":
        tx.log("note: float16 on the CPU needs a recent PyTorch with CPU half kernels; if it fails, use a GPU "
               "or --dtype float32")

    # Configs first: cheap, and they decide the trace sizes.
    vae_cfg = AutoencoderKL.load_config(args.model, subfolder="vae", **load_kw)
    unet_cfg = UNet2DConditionModel.load_config(args.model, subfolder="unet", **load_kw)
    check_configs(args.height, args.width, vae_cfg, unet_cfg)
    tok = CLIPTokenizer.from_pretrained(args.model, subfolder="tokenizer", **load_kw)
    sched = DDIMScheduler.from_pretrained(args.model, subfolder="scheduler", **load_kw)

    def load_text_encoder():
        return tx.hf_from_pretrained(CLIPTextModel, args.model, args.no_sdpa, subfolder="text_encoder", **weight_kw)

    export_inpainter(
        tx, args.out, args.model, tokenizer=tok, scheduler_config=sched.config,
        load_text_encoder=load_text_encoder,
        load_vae=lambda: AutoencoderKL.from_pretrained(args.model, subfolder="vae", **weight_kw),
        load_unet=lambda: UNet2DConditionModel.from_pretrained(args.model, subfolder="unet", **weight_kw),
        device=device, dtype=dtype, no_sdpa=args.no_sdpa, height=args.height, width=args.width,
        verbose=args.verbose)


def check_configs(height, width, vae_cfg, unet_cfg):
    """Refuses trace sizes and checkpoints the export cannot serve (before any weights are loaded)."""
    f = 2 ** (len(vae_cfg["block_out_channels"]) - 1)
    if height % f or width % f or height < 2 * f or width < 2 * f:
        raise ValueError(f"--height and --width must be multiples of {f} and at least {2 * f}")
    C = int(vae_cfg.get("latent_channels", 4))
    if unet_cfg.get("in_channels") != 2 * C + 1:
        raise ValueError(f"the UNet takes {unet_cfg.get('in_channels')} channels, not {2 * C + 1}: "
                         "not an inpainting checkpoint")
    check_trace_size(height, width, height // f, width // f, 2 ** (len(unet_cfg["block_out_channels"]) - 1), f)


def export_inpainter(tx, out, what, *, tokenizer, scheduler_config, load_text_encoder, load_vae, load_unet,
                     device, dtype, no_sdpa, height=600, width=600, verbose=False):
    """Writes the four inpainter files, the tokenizer and the manifest's inpainter section.

    tokenizer: a transformers CLIPTokenizer (or anything with its
    save_vocabulary / pad_token_id / eos_token_id / model_max_length).
    scheduler_config: the checkpoint's scheduler config as a mapping.
    load_text_encoder / load_vae / load_unet: callables returning a
    transformers CLIPTextModel, diffusers AutoencoderKL and
    UNet2DConditionModel (or modules with their interface); each is loaded
    only when its files are written and freed afterwards, so at most one
    large model is in memory. The VAE decoder is written in float32.
    """
    import torch
    import torch.nn as nn

    log = tx.log
    dtype_name = tx.DTYPE_NAME[dtype]
    os.makedirs(out, exist_ok=True)
    log(f"exporting {what} to {out}: {dtype_name} traced on {device} (VAE decoder float32), "
        f"{'no SDPA (LibTorch 1.13 compatible)' if no_sdpa else 'SDPA allowed (needs LibTorch >= 2.0)'}")

    # Tokenizer and scheduler settings.
    table = tx.write_tokenizer_files(tokenizer, out, "vocab.json", "merges.txt")
    tok_section = tx.tokenizer_section(tokenizer, table, "vocab.json", "merges.txt")
    start_id, end_id, pad_id = table["<|startoftext|>"], table["<|endoftext|>"], tok_section["pad_id"]
    L = tok_section["context_length"]
    log(f"tokenizer: {len(table)} tokens, context {L}, pad id {pad_id} "
        f"({'the end token' if pad_id == end_id else repr(tokenizer.convert_ids_to_tokens(pad_id))})")
    scheduler = scheduler_section(scheduler_config, log)
    log(f"scheduler: {scheduler}")

    sizes = {}

    # ---- text encoder
    te = load_text_encoder()
    D = int(te.config.hidden_size)
    vocab_size = int(te.config.vocab_size)

    class TextEncoder(nn.Module):
        def __init__(self, text_encoder):
            super().__init__()
            self.text_encoder = text_encoder

        def forward(self, ids):
            return self.text_encoder(input_ids=ids, return_dict=False)[0]

    wrapper = TextEncoder(te).to(device=device, dtype=dtype).eval()
    tx.set_trainable(wrapper, lambda n: False)

    def ids(batch, seed):
        return tx.example_ids(batch, L, vocab_size, start_id, end_id, pad_id, seed=seed)

    def text_contract(inputs, y):
        want = (inputs[0].shape[0], L, D)
        return None if tuple(y.shape) == want else f"output {list(y.shape)}, expected {list(want)}"

    sizes["text_encoder.pt"] = tx.export_module(
        "text_encoder", wrapper, (ids(2, 0),),
        [tx.Check("batch 2 (trace input)", (ids(2, 0),)), tx.Check("batch 4", (ids(4, 1),)),
         tx.Check("batch 1 (C++ dry run)", (ids(1, 2),))],
        os.path.join(out, "text_encoder.pt"), device=device, dtype=dtype, no_sdpa=no_sdpa,
        portable_checks=[tx.Check("batch 1", (ids(1, 3),))], expect_shape=text_contract, verbose=verbose,
    )
    del wrapper, te
    tx.free_memory()

    # ---- VAE
    vae = load_vae()
    if no_sdpa and hasattr(vae, "set_attn_processor"):  # others are checked by export_module's op check
        set_classic_attention(vae, "VAE")
    C = int(vae.config.latent_channels)
    f = 2 ** (len(vae.config.block_out_channels) - 1)
    h, w = height // f, width // f
    latent_scale = float(vae.config.get("scaling_factor", None) or 0.18215)

    class VaeEncoder(nn.Module):
        def __init__(self, vae):
            super().__init__()
            self.encoder = vae.encoder
            qc = getattr(vae, "quant_conv", None)
            self.quant_conv = qc if qc is not None else nn.Identity()

        def forward(self, image):
            moments = self.quant_conv(self.encoder(image))
            mean, _ = torch.chunk(moments, 2, dim=1)  # DiagonalGaussianDistribution(moments).mean
            return mean

    class VaeDecoder(nn.Module):
        def __init__(self, vae):
            super().__init__()
            pqc = getattr(vae, "post_quant_conv", None)
            self.post_quant_conv = pqc if pqc is not None else nn.Identity()
            self.decoder = vae.decoder

        def forward(self, latent):
            return self.decoder(self.post_quant_conv(latent))

    h2 = max(3, h - 8)  # a second, odd-sized latent (75 -> 67 for the 600-pixel default)

    def image(batch, hh, ww, seed):
        return tx.seeded_randn(batch, 3, hh * f, ww * f, seed=seed).clamp(-1, 1)

    def enc_contract(inputs, y):
        b, _, H, W = inputs[0].shape
        want = (b, C, H // f, W // f)
        return None if tuple(y.shape) == want else f"output {list(y.shape)}, expected {list(want)}"

    enc = VaeEncoder(vae).to(device=device, dtype=dtype).eval()
    tx.set_trainable(enc, lambda n: False)
    sizes["vae_encoder.pt"] = tx.export_module(
        "vae_encoder", enc, (image(2, h, w, 0),),
        [tx.Check(f"batch 2, {h * f}x{w * f} (trace input)", (image(2, h, w, 0),)),
         tx.Check("batch 4, 64x80", (image(4, 8, 10, 1),)),
         tx.Check(f"batch 1, {h2 * f}x{w * f}", (image(1, h2, w, 2),)),
         tx.Check(f"batch 1, {8 * f}x{8 * f} (C++ dry run)", (image(1, 8, 8, 3),))],
        os.path.join(out, "vae_encoder.pt"), device=device, dtype=dtype, no_sdpa=no_sdpa,
        portable_checks=[tx.Check(f"batch 1, {8 * f}x{12 * f}", (image(1, 8, 12, 4),))],
        expect_shape=enc_contract, verbose=verbose,
    )
    del enc
    tx.free_memory()

    def latent(batch, hh, ww, seed):
        return tx.seeded_randn(batch, C, hh, ww, seed=seed)

    def dec_contract(inputs, y):
        b, _, hh, ww = inputs[0].shape
        want = (b, 3, hh * f, ww * f)
        return None if tuple(y.shape) == want else f"output {list(y.shape)}, expected {list(want)}"

    # float32 whatever the other files' dtype: scenescape decodes and fine-tunes it in float32 (the
    # reference fine-tunes it in float32; in bfloat16/float16 the known pixels drift by whole 8-bit levels).
    dec = VaeDecoder(vae).to(device=device, dtype=torch.float32).eval()
    n_train, n_total = tx.set_trainable(dec, lambda n: n.startswith("decoder."))
    log(f"vae_decoder: {n_train / 1e6:.1f}M of {n_total / 1e6:.1f}M parameters are 'decoder.*' (fine-tuned by scenescape)")
    sizes["vae_decoder.pt"] = tx.export_module(
        "vae_decoder", dec, (latent(2, h, w, 0),),
        [tx.Check(f"batch 2, {h}x{w} (trace input)", (latent(2, h, w, 0),)),
         tx.Check("batch 4, 8x10", (latent(4, 8, 10, 1),)),
         tx.Check(f"batch 1, {h2}x{w}", (latent(1, h2, w, 2),)),
         tx.Check("batch 1, 8x8 (C++ dry run)", (latent(1, 8, 8, 3),))],
        os.path.join(out, "vae_decoder.pt"), device=device, dtype=torch.float32, no_sdpa=no_sdpa,
        portable_checks=[tx.Check("batch 1, 8x12", (latent(1, 8, 12, 4),))],
        expect_shape=dec_contract, verbose=verbose,
    )
    del dec, vae
    tx.free_memory()

    # ---- UNet (largest, last)
    unet = load_unet()
    if unet.config.in_channels != 2 * C + 1:
        raise ValueError(f"the UNet takes {unet.config.in_channels} channels, not {2 * C + 1}: "
                         "not an inpainting checkpoint")
    cross = unet.config.cross_attention_dim
    if isinstance(cross, int) and cross != D:
        raise ValueError(f"UNet cross_attention_dim {cross} != text encoder width {D}")
    if no_sdpa and hasattr(unet, "set_attn_processor"):
        set_classic_attention(unet, "UNet")
    check_trace_size(height, width, h, w,
                     2 ** int(getattr(unet, "num_upsamplers", len(unet.config.block_out_channels) - 1)), f)

    class Unet(nn.Module):
        def __init__(self, unet):
            super().__init__()
            self.unet = unet

        def forward(self, sample, timestep, encoder_hidden_states):
            return self.unet(sample, timestep, encoder_hidden_states, return_dict=False)[0]

    wrapper = Unet(unet).to(device=device, dtype=dtype).eval()
    tx.set_trainable(wrapper, lambda n: False)

    def unet_in(batch, hh, ww, seed):
        t = torch.linspace(999.0, 1.0, batch)
        return (tx.seeded_randn(batch, 2 * C + 1, hh, ww, seed=seed), t, tx.seeded_randn(batch, L, D, seed=seed + 100))

    def unet_contract(inputs, y):
        b, _, hh, ww = inputs[0].shape
        want = (b, C, hh, ww)
        return None if tuple(y.shape) == want else f"output {list(y.shape)}, expected {list(want)}"

    trace_in = unet_in(2, h, w, 0)
    sizes["unet.pt"] = tx.export_module(
        "unet", wrapper, trace_in,
        [tx.Check(f"batch 2, {h}x{w} (trace input)", trace_in),
         tx.Check("batch 4, 32x40", unet_in(4, 32, 40, 1)),
         tx.Check(f"batch 1, {h2}x{w}", unet_in(1, h2, w, 2)),
         tx.Check("batch 2, 8x8 (C++ dry run)", unet_in(2, 8, 8, 3))],
        os.path.join(out, "unet.pt"), device=device, dtype=dtype, no_sdpa=no_sdpa,
        portable_checks=[tx.Check("batch 1, 8x12", unet_in(1, 8, 12, 4))],
        expect_shape=unet_contract, keep_float32_inputs=(1,), verbose=verbose,
    )
    del wrapper, unet
    tx.free_memory()

    section = {
        "text_encoder": "text_encoder.pt",
        "unet": "unet.pt",
        "vae_encoder": "vae_encoder.pt",
        "vae_decoder": "vae_decoder.pt",
        "latent_scale": latent_scale,
        "latent_channels": C,
        "vae_downsample": f,
        "text_embedding_dim": D,
        "dtype": dtype_name,
        "tokenizer": tok_section,
        "scheduler": scheduler,
    }
    path = mf.merge_section(out, "inpainter", section)
    for name in ("vocab.json", "merges.txt"):
        sizes[name] = os.path.getsize(os.path.join(out, name))
    log("")
    log(f"wrote the inpainter section of {path}:")
    for name, size in sizes.items():
        log(f"  {name:<18} {tx.human_size(size):>10}")
    log(f"  {'total':<18} {tx.human_size(sum(sizes.values())):>10}   (folder now {tx.human_size(tx.folder_size(out))})")
    log(f"check it with: scenescape models check {out}")
    return sizes


def check_trace_size(height, width, h, w, up, f):
    # diffusers passes explicit upsampling sizes only when the latent is not a multiple of the
    # overall upsampling factor; a trace at such a size records scale_factor=2 instead and then
    # fails on latents like 75x75.
    if h % up == 0 and w % up == 0:
        raise ValueError(f"trace size {height}x{width} gives a {h}x{w} latent, a multiple of {up}: "
                         f"the traced UNet would only work for multiples of {up * f} pixels. Use a size "
                         f"whose latent is not a multiple of {up}, e.g. the default 600x600")


def set_classic_attention(model, what):
    """diffusers: the classic matmul-softmax AttnProcessor instead of AttnProcessor2_0 (SDPA)."""
    try:
        from diffusers.models.attention_processor import AttnProcessor
    except ImportError as e:
        raise ValueError(f"--no-sdpa: this diffusers has no AttnProcessor ({e})") from None
    model.set_attn_processor(AttnProcessor())
    kinds = sorted({type(p).__name__ for p in model.attn_processors.values()})
    print(f"{what}: attention processors {', '.join(kinds)} ({len(model.attn_processors)} layers)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
