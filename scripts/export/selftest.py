#!/usr/bin/env python3
"""Self-test of the export helpers on small stand-in modules (no downloads).

    python3 scripts/export/selftest.py [--keep DIR]

Part 1 (standard library only): manifest.py accepts models/manifest.example.json
and rejects the mistakes the C++ loader rejects.
Part 2 (needs PyTorch; skipped without it): ts_export.export_module on toy
modules built with the patterns that make real exports fragile: tensors created
with device=x.device and dtype=x.dtype, float32 timestep embeddings cast to the
module dtype, a causal mask cast with .to(dtype), dynamic batch and spatial
sizes, a "decoder." submodule. Each file is traced in half precision (float16,
or bfloat16 where this PyTorch has no CPU float16 kernels), saved, reloaded,
run in float32 on the CPU after a cast (what scenescape's C++ loader does), and
checked against the eager module.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import manifest as mf  # noqa: E402

EXAMPLE = os.path.join(HERE, "..", "..", "models", "manifest.example.json")

failures = []


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def test_manifest():
    with open(EXAMPLE, encoding="utf-8") as f:
        doc = json.load(f)
    expect(mf.validate(doc) == [], "example manifest is valid (JSON only)")
    for s in ("inpainter", "depth", "clip"):
        expect(s in doc, f"example has a {s} section")

    def errs(mutate):
        d = json.loads(json.dumps(doc))
        mutate(d)
        return mf.validate(d)

    cases = [
        (lambda d: d.pop("format"), "format: missing"),
        (lambda d: d.__setitem__("format", "x"), "format: expected"),
        (lambda d: d.__setitem__("extra", 1), "extra: unknown key"),
        (lambda d: d["depth"].__setitem__("colour", 1), "depth.colour: unknown key"),
        (lambda d: d["inpainter"].pop("unet"), "inpainter.unet: missing"),
        (lambda d: d["inpainter"].pop("tokenizer"), "inpainter.tokenizer: missing"),
        (lambda d: d["inpainter"]["scheduler"].__setitem__("beta_end", "x"), "inpainter.scheduler.beta_end: expected a number"),
        (lambda d: d["inpainter"]["scheduler"].__setitem__("beta_end", 0.0001), "inpainter.scheduler.beta_end: expected a number in"),
        (lambda d: d["inpainter"]["scheduler"].__setitem__("beta_schedule", "cosine"), "beta_schedule: expected"),
        (lambda d: d["inpainter"].__setitem__("latent_channels", 4.0), "latent_channels: expected an integer"),
        (lambda d: d["inpainter"].__setitem__("latent_channels", True), "latent_channels: expected an integer"),
        (lambda d: d["inpainter"].__setitem__("dtype", "bfloat16"), "inpainter.dtype: expected"),
        (lambda d: d["depth"].__setitem__("mean", [0.5, 0.5]), "depth.mean: expected an array of 3 numbers"),
        (lambda d: d["depth"].__setitem__("std", [0.5, 0, 0.5]), "depth.std: expected 3 numbers > 0"),
        (lambda d: d["depth"].__setitem__("keep_aspect_ratio", 1), "depth.keep_aspect_ratio: expected true or false"),
        (lambda d: d["clip"]["tokenizer"].__setitem__("context_length", 1), "clip.tokenizer.context_length: expected an integer >= 2"),
        (lambda d: d["clip"]["tokenizer"].__setitem__("pad_id", -1), "clip.tokenizer.pad_id: expected a non-negative"),
        (lambda d: d["clip"].__setitem__("image_encoder", ""), "clip.image_encoder: expected a file name"),
    ]
    for mutate, needle in cases:
        e = errs(mutate)
        expect(any(needle in x for x in e), f"rejects: {needle}  ({e[0] if e else 'accepted'})")

    # Optional keys may be left out.
    d = json.loads(json.dumps(doc))
    d["inpainter"].pop("scheduler")
    d["depth"] = {"file": "depth.pt"}
    d["clip"] = {"image_encoder": "a.pt", "text_encoder": "b.pt", "tokenizer": {"vocab": "v", "merges": "m"}}
    expect(mf.validate(d) == [], "only file names and tokenizer objects are required")

    # merge_section: files must exist; sections accumulate.
    tmp = tempfile.mkdtemp(prefix="scn_manifest_")
    try:
        try:
            mf.merge_section(tmp, "depth", {"file": "depth.pt"})
            expect(False, "merge_section rejects a missing file")
        except mf.ManifestError as e:
            expect("file not found" in str(e), "merge_section rejects a missing file")
        for name in ("depth.pt", "a.pt", "b.pt", "v", "m"):
            open(os.path.join(tmp, name), "w").close()
        mf.merge_section(tmp, "depth", {"file": "depth.pt", "input_size": 384})
        mf.merge_section(tmp, "clip", d["clip"])
        mf.merge_section(tmp, "depth", {"file": "depth.pt", "input_size": 518})
        got = mf.load(tmp)
        expect(list(got) == ["format", "depth", "clip"] and got["depth"]["input_size"] == 518,
               "merge_section keeps other sections and replaces its own")
        expect(mf.validate(got, tmp) == [], "merged manifest validates with its files")
        expect(mf.main([tmp]) == 0, "manifest.py DIR exits 0 on a valid folder")
        os.remove(os.path.join(tmp, "a.pt"))
        expect(mf.main([tmp]) == 1, "manifest.py DIR exits 1 when a named file is missing")
    finally:
        shutil.rmtree(tmp)


def test_export(keep_dir=None):
    try:
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
    except ImportError:
        print("skip torch part: PyTorch is not installed for this Python")
        return
    import ts_export as tx

    torch.manual_seed(0)
    half = torch.float16
    try:
        nn.Linear(4, 4).to(half)(torch.randn(2, 4, dtype=half))
        nn.Conv2d(3, 3, 3).to(half)(torch.randn(1, 3, 8, 8, dtype=half))
    except RuntimeError:
        half = torch.bfloat16
    print(f"torch {torch.__version__}; half precision for the test: {half}")

    class Attention(nn.Module):  # diffusers' classic AttnProcessor pattern
        def __init__(self, dim):
            super().__init__()
            self.q, self.k, self.v, self.o = (nn.Linear(dim, dim) for _ in range(4))

        def forward(self, x, ctx):
            q, k, v = self.q(x), self.k(ctx), self.v(ctx)
            base = torch.empty(q.shape[0], q.shape[1], k.shape[1], dtype=q.dtype, device=q.device)
            scores = torch.baddbmm(base, q, k.transpose(1, 2), beta=0, alpha=q.shape[-1] ** -0.5)
            probs = scores.float().softmax(dim=-1).to(q.dtype)
            return self.o(torch.bmm(probs, v))

    class TextEncoder(nn.Module):  # CLIP text pattern: causal mask built from finfo(dtype).min
        def __init__(self, vocab=64, dim=16):
            super().__init__()
            self.tok = nn.Embedding(vocab, dim)
            self.pos = nn.Embedding(77, dim)
            self.register_buffer("position_ids", torch.arange(77)[None], persistent=False)
            self.attn = Attention(dim)
            self.ln = nn.LayerNorm(dim)

        def forward(self, ids):
            h = self.tok(ids % 64) + self.pos(self.position_ids[:, : ids.shape[1]])
            n = ids.shape[1]
            mask = torch.full((n, n), torch.finfo(h.dtype).min, device=h.device).triu(1)
            mask = mask[None].expand(ids.shape[0], n, n).to(h.dtype)
            q = self.attn.q(h)
            scores = torch.bmm(q, self.attn.k(h).transpose(1, 2)) * 0.25 + mask
            h = h + torch.bmm(scores.float().softmax(-1).to(h.dtype), self.attn.v(h))
            return self.ln(h)

    class Unet(nn.Module):  # timestep embedding in float32, cast to the module dtype; size-forwarded upsampling
        def __init__(self, dim=16, ctx=16):
            super().__init__()
            self.conv_in = nn.Conv2d(9, dim, 3, padding=1)
            self.time = nn.Linear(dim, dim)
            self.down = nn.Conv2d(dim, dim, 3, stride=2, padding=1)
            self.attn = Attention(dim)
            self.ctx = nn.Linear(ctx, dim)
            self.conv_out = nn.Conv2d(dim, 4, 3, padding=1)

        def forward(self, sample, timestep, hidden):
            half_dim = 8
            ex = torch.exp(-torch.arange(half_dim, dtype=torch.float32, device=timestep.device) * 0.5)
            t = timestep.expand(sample.shape[0])[:, None].float() * ex[None]
            emb = torch.cat([t.sin(), t.cos()], -1).to(dtype=sample.dtype)
            x = F.silu(self.conv_in(sample) + self.time(emb)[:, :, None, None])
            skip = x
            y = self.down(x)
            b, c, h, w = y.shape
            tokens = y.reshape(b, c, h * w).transpose(1, 2)
            tokens = tokens + self.attn(tokens, self.ctx(hidden))
            y = tokens.transpose(1, 2).reshape(b, c, h, w)
            y = F.interpolate(y, size=skip.shape[2:], mode="nearest")
            return self.conv_out(y + skip)

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv_in = nn.Conv2d(4, 8, 3, padding=1)
            self.norm = nn.GroupNorm(4, 8)
            self.conv_out = nn.Conv2d(8, 3, 3, padding=1)

        def forward(self, z):
            up_dtype = next(iter(self.conv_out.parameters())).dtype
            x = self.conv_in(z).to(up_dtype)
            for _ in range(3):
                x = F.interpolate(x, scale_factor=2.0, mode="nearest")
            return torch.tanh(self.conv_out(F.silu(self.norm(x))))

    class VaeDecoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.post_quant_conv = nn.Conv2d(4, 4, 1)
            self.decoder = Decoder()

        def forward(self, z):
            return self.decoder(self.post_quant_conv(z))

    out = keep_dir or tempfile.mkdtemp(prefix="scn_export_")
    os.makedirs(out, exist_ok=True)
    cpu = torch.device("cpu")
    D = 16
    ids = tx.example_ids(2, 77, 49408, 49406, 49407, 0)
    try:
        # Text encoder
        te = TextEncoder().to(half).eval()
        tx.export_module(
            "text_encoder", te, (ids,),
            [tx.Check("batch 2", (ids,)), tx.Check("batch 4", (tx.example_ids(4, 77, 49408, 49406, 49407, 0, seed=1),))],
            os.path.join(out, "text_encoder.pt"), device=cpu, dtype=half, no_sdpa=True,
            portable_checks=[tx.Check("batch 1", (ids[:1],))],
        )
        # UNet
        un = Unet().to(half).eval()
        unet_trace = (tx.seeded_randn(2, 9, 15, 15), torch.tensor([999.0, 500.0]), tx.seeded_randn(2, 77, D, seed=1))
        tx.export_module(
            "unet", un, unet_trace,
            [tx.Check("batch 4, 8x12", (tx.seeded_randn(4, 9, 8, 12), torch.tensor([1.0, 2.0, 3.0, 4.0]), tx.seeded_randn(4, 77, D))),
             tx.Check("batch 1, 13x15", (tx.seeded_randn(1, 9, 13, 15), torch.tensor([10.0]), tx.seeded_randn(1, 77, D)))],
            os.path.join(out, "unet.pt"), device=cpu, dtype=half, no_sdpa=True,
            portable_checks=[tx.Check("batch 2, 8x8", (tx.seeded_randn(2, 9, 8, 8), torch.tensor([1.0, 900.0]), tx.seeded_randn(2, 77, D)))],
            keep_float32_inputs=(1,),
        )
        # VAE decoder
        vd = VaeDecoder().to(half).eval()
        n_train, n_total = tx.set_trainable(vd, lambda n: n.startswith("decoder."))
        tx.export_module(
            "vae_decoder", vd, (tx.seeded_randn(2, 4, 9, 9),),
            [tx.Check("batch 4, 5x7", (tx.seeded_randn(4, 4, 5, 7),))],
            os.path.join(out, "vae_decoder.pt"), device=cpu, dtype=half, no_sdpa=True,
            portable_checks=[tx.Check("batch 1, 8x8", (tx.seeded_randn(1, 4, 8, 8),))],
            expect_shape=lambda inp, y: None if tuple(y.shape) == (inp[0].shape[0], 3, 8 * inp[0].shape[2], 8 * inp[0].shape[3]) else f"got {list(y.shape)}",
        )
    except tx.ExportError as e:
        expect(False, f"export_module: {e}")
        return

    # The files: portable constants, names, trainable flags.
    for name in ("text_encoder", "unet", "vae_decoder"):
        m = torch.jit.load(os.path.join(out, name + ".pt"))
        code = m.code
        expect("torch.device(" not in code, f"{name}: no device baked into the code")
        expect(f"dtype={tx.SCALAR_TYPE_CODE[half]}" not in code, f"{name}: no dtype={half} baked into the code")
        expect(all(p.device.type == "cpu" for p in m.parameters()), f"{name}: saved with CPU tensors")
    m = torch.jit.load(os.path.join(out, "vae_decoder.pt"))
    names = [n for n, _ in m.named_parameters()]
    expect(names and all(n.startswith(("decoder.", "post_quant_conv.")) for n in names),
           "vae_decoder parameter names start with decoder. / post_quant_conv.")
    flags = {n: p.requires_grad for n, p in m.named_parameters()}
    expect(all(flags[n] == n.startswith("decoder.") for n in names), "vae_decoder: only decoder.* requires grad")
    # Fine-tuning the float32-cast decoder works through the TorchScript graph.
    m = m.float()
    opt = torch.optim.Adam([p for n, p in m.named_parameters() if n.startswith("decoder.")], lr=1e-2)
    z = tx.seeded_randn(1, 4, 4, 4)
    target = torch.zeros(1, 3, 32, 32)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = F.mse_loss(m(z), target)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    expect(losses[-1] < losses[0], f"float32 fine-tuning of the float16 decoder lowers the loss ({losses[0]:.4f} -> {losses[-1]:.4f})")

    # The op checker flags ops that LibTorch 1.13 lacks.
    missing, _ = tx.check_ops({"aten::scaled_dot_product_attention": (1, 7), "aten::add.Tensor": (1, 3)})
    expect(missing == ["aten::scaled_dot_product_attention (x1)"], "op check flags scaled_dot_product_attention")
    if hasattr(F, "scaled_dot_product_attention"):
        class Sdpa(nn.Module):
            def forward(self, q):
                return F.scaled_dot_product_attention(q, q, q)
        try:
            tx.export_module("sdpa", Sdpa(), (torch.randn(1, 2, 5, 8),), [tx.Check("b1", (torch.randn(1, 2, 5, 8),))],
                             os.path.join(out, "sdpa.pt"), device=cpu, dtype=torch.float32, no_sdpa=True)
            expect(False, "--no-sdpa refuses a graph with scaled_dot_product_attention")
        except tx.ExportError as e:
            expect("scaled_dot_product_attention" in str(e), "--no-sdpa refuses a graph with scaled_dot_product_attention")
        expect(not os.path.exists(os.path.join(out, "sdpa.pt")), "a refused file is not left behind")

    # A check that fails removes the temporary file and raises.
    class Fixed(nn.Module):  # int() freezes the batch size into the trace
        def forward(self, x):
            return x.reshape(int(x.shape[0]), -1)[:, :3]
    try:
        tx.export_module("fixed", Fixed(), (torch.randn(2, 5),), [tx.Check("batch 3", (torch.randn(3, 5),))],
                         os.path.join(out, "fixed.pt"), device=cpu, dtype=torch.float32, no_sdpa=False)
        expect(False, "a trace with a baked batch size is caught")
    except tx.ExportError as e:
        expect("batch 3" in str(e), f"a trace with a baked batch size is caught ({str(e)[:80]}...)")
    expect(not os.path.exists(os.path.join(out, "fixed.pt.tmp")), "the temporary file is removed after a failure")
    if not keep_dir:
        shutil.rmtree(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--keep", metavar="DIR", help="write the toy TorchScript files to DIR and keep them")
    args = p.parse_args()
    test_manifest()
    test_export(args.keep)
    print(f"\n{len(failures)} failure(s)" if failures else "\nall passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
