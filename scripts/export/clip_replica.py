"""Pure-PyTorch stand-ins for transformers' CLIPTextModel and CLIPModel.

Used where transformers is not installed (Debian 12 packages PyTorch but not
transformers): by the exporter-to-loader test (tests/export) with tiny
configs, and by the random-weight full-size check (make_models.py) with the
published ones. Where transformers is installed, make_models.py uses the real
classes instead.

What makes them stand-ins rather than lookalikes:
- state-dict keys and shapes equal transformers' (text_model.embeddings.
  token_embedding.weight, text_model.encoder.layers.N.self_attn.q_proj.weight,
  ..., vision_model.pre_layrnorm.weight (sic), visual_projection.weight,
  logit_scale), so a real checkpoint's tensors load with load_state_dict(strict=True)
  (files saved by transformers < 4.31 also carry the position_ids buffers, which are
  not persistent here nor in today's transformers, which skips them: drop those keys);
  check_clip_names.py checks names, shapes and outputs against open_clip's models
  of the published checkpoints (SD-2's text encoder through diffusers' converter);
- the computation is transformers' "eager" path: pre-LayerNorm blocks,
  attention as matmul + softmax with the causal mask added in the text tower,
  quick_gelu or gelu, pooled text output at the end token (argmax of the ids,
  as transformers does for the original CLIP configs), pooled image output =
  post_layernorm(class token);
- the call interface the exporters use: text_model(input_ids=, return_dict=)
  with .last_hidden_state / .pooler_output or a tuple, get_text_features,
  get_image_features, and .config with hidden_size, vocab_size,
  projection_dim, vision_config.image_size, text_config.vocab_size.
Not implemented: attention masks, output_attentions/hidden_states, dropout
(inference and export only).
"""

from types import SimpleNamespace

import torch
import torch.nn as nn


def config(**kw):
    """A config object with attribute access (what the exporters read)."""
    return SimpleNamespace(**kw)


def _act(name):
    if name == "quick_gelu":
        return lambda x: x * torch.sigmoid(1.702 * x)
    if name == "gelu":
        return nn.functional.gelu
    raise ValueError(f"hidden_act {name!r}: quick_gelu or gelu")


class Output(dict):
    """transformers' ModelOutput in miniature: attributes, and [0] = last_hidden_state."""

    __getattr__ = dict.__getitem__

    def __getitem__(self, k):
        return list(self.values())[k] if isinstance(k, int) else dict.__getitem__(self, k)


class Attention(nn.Module):
    # True: attention through aten::scaled_dot_product_attention (transformers' "sdpa" path; the
    # exporter-to-loader test uses it to write files that LibTorch 1.13 must refuse).
    sdpa = False

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(dim, dim) for _ in range(4))

    def forward(self, x, causal_mask=None):
        b, n, d = x.shape
        h = self.heads

        def split(t):
            return t.reshape(b, n, h, d // h).transpose(1, 2).reshape(b * h, n, d // h)

        if self.sdpa:
            q, k, v = (t(x).reshape(b, n, h, d // h).transpose(1, 2) for t in (self.q_proj, self.k_proj, self.v_proj))
            o = torch.ops.aten.scaled_dot_product_attention(q, k, v, causal_mask)
            return self.out_proj(o.transpose(1, 2).reshape(b, n, d))
        q, k, v = split(self.q_proj(x) * self.scale), split(self.k_proj(x)), split(self.v_proj(x))
        w = torch.bmm(q, k.transpose(1, 2))
        if causal_mask is not None:
            w = (w.reshape(b, h, n, n) + causal_mask).reshape(b * h, n, n)
        o = torch.bmm(w.softmax(dim=-1), v)
        return self.out_proj(o.reshape(b, h, n, d // h).transpose(1, 2).reshape(b, n, d))


class Mlp(nn.Module):
    def __init__(self, dim, hidden, act):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(dim, hidden), nn.Linear(hidden, dim)
        self.act = _act(act)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = Attention(c.hidden_size, c.num_attention_heads)
        self.layer_norm1 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.mlp = Mlp(c.hidden_size, c.intermediate_size, c.hidden_act)
        self.layer_norm2 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, x, causal_mask=None):
        x = x + self.self_attn(self.layer_norm1(x), causal_mask)
        return x + self.mlp(self.layer_norm2(x))


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layers = nn.ModuleList(Layer(c) for _ in range(c.num_hidden_layers))

    def forward(self, x, causal_mask=None):
        for layer in self.layers:
            x = layer(x, causal_mask)
        return x


class TextEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.token_embedding = nn.Embedding(c.vocab_size, c.hidden_size)
        self.position_embedding = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.register_buffer("position_ids", torch.arange(c.max_position_embeddings)[None], persistent=False)

    def forward(self, ids):
        return self.token_embedding(ids) + self.position_embedding(self.position_ids[:, : ids.shape[1]])


class TextTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = TextEmbeddings(c)
        self.encoder = Encoder(c)
        self.final_layer_norm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, input_ids, return_dict=True):
        x = self.embeddings(input_ids)
        n = input_ids.shape[1]
        mask = torch.full((n, n), torch.finfo(x.dtype).min, dtype=x.dtype, device=x.device).triu(1)
        x = self.final_layer_norm(self.encoder(x, mask[None, None]))
        pooled = x[torch.arange(x.shape[0], device=x.device), input_ids.argmax(dim=-1)]
        out = Output(last_hidden_state=x, pooler_output=pooled)
        return out if return_dict else (x, pooled)


class VisionEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.class_embedding = nn.Parameter(torch.randn(c.hidden_size))
        self.patch_embedding = nn.Conv2d(3, c.hidden_size, c.patch_size, stride=c.patch_size, bias=False)
        n = (c.image_size // c.patch_size) ** 2 + 1
        self.position_embedding = nn.Embedding(n, c.hidden_size)
        self.register_buffer("position_ids", torch.arange(n)[None], persistent=False)

    def forward(self, pixel_values):
        x = self.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
        cls = self.class_embedding.expand(x.shape[0], 1, -1)
        return torch.cat([cls, x], dim=1) + self.position_embedding(self.position_ids)


class VisionTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = VisionEmbeddings(c)
        self.pre_layrnorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)  # transformers' spelling
        self.encoder = Encoder(c)
        self.post_layernorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, pixel_values, return_dict=True):
        x = self.encoder(self.pre_layrnorm(self.embeddings(pixel_values)))
        pooled = self.post_layernorm(x[:, 0])
        out = Output(last_hidden_state=x, pooler_output=pooled)
        return out if return_dict else (x, pooled)


def _init(module, std=0.02):
    """Random weights at a trained model's scale (keeps activations finite through 24+ layers)."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.Embedding)):
            nn.init.normal_(m.weight, std=std)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
    return module


class CLIPTextModel(nn.Module):
    """transformers.CLIPTextModel: keys text_model.*; forward(input_ids=) -> (last_hidden_state, pooled)."""

    def __init__(self, c):
        super().__init__()
        self.config = c
        self.text_model = TextTransformer(c)
        _init(self)

    def forward(self, input_ids, return_dict=True):
        return self.text_model(input_ids, return_dict=return_dict)


class CLIPModel(nn.Module):
    """transformers.CLIPModel: text_model, vision_model, the two projections (no bias) and logit_scale."""

    def __init__(self, c):
        super().__init__()
        self.config = c
        self.text_model = TextTransformer(c.text_config)
        self.vision_model = VisionTransformer(c.vision_config)
        self.text_projection = nn.Linear(c.text_config.hidden_size, c.projection_dim, bias=False)
        self.visual_projection = nn.Linear(c.vision_config.hidden_size, c.projection_dim, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(2.6592))
        _init(self)

    def get_text_features(self, input_ids):
        return self.text_projection(self.text_model(input_ids).pooler_output)

    def get_image_features(self, pixel_values):
        return self.visual_projection(self.vision_model(pixel_values).pooler_output)


def text_config(hidden, intermediate, heads, layers, act, vocab=49408, positions=77, eps=1e-5):
    return config(hidden_size=hidden, intermediate_size=intermediate, num_attention_heads=heads,
                  num_hidden_layers=layers, hidden_act=act, vocab_size=vocab, max_position_embeddings=positions,
                  layer_norm_eps=eps)


def vision_config(hidden, intermediate, heads, layers, patch, image=224, act="quick_gelu", eps=1e-5):
    return config(hidden_size=hidden, intermediate_size=intermediate, num_attention_heads=heads,
                  num_hidden_layers=layers, hidden_act=act, patch_size=patch, image_size=image, layer_norm_eps=eps)


def clip_config(text, vision, projection_dim):
    return config(text_config=text, vision_config=vision, projection_dim=projection_dim)


class FileTokenizer:
    """The part of transformers' CLIPTokenizer the exporters use, over existing vocab.json + merges.txt.

    pad: the pad token ("!" for SD 2 / OpenCLIP, "<|endoftext|>" for SD 1.x
    and OpenAI CLIP, as their tokenizer configs say).
    """

    def __init__(self, vocab_path, merges_path, pad="<|endoftext|>", model_max_length=77):
        import json

        self.vocab_path, self.merges_path = vocab_path, merges_path
        with open(vocab_path, encoding="utf-8") as f:
            self.table = json.load(f)
        self.ids = {v: k for k, v in self.table.items()}
        self.eos_token_id = self.table["<|endoftext|>"]
        self.pad_token_id = self.table[pad]
        self.model_max_length = model_max_length

    def save_vocabulary(self, directory):
        import os
        import shutil

        out = (os.path.join(directory, "vocab.json"), os.path.join(directory, "merges.txt"))
        shutil.copyfile(self.vocab_path, out[0])
        shutil.copyfile(self.merges_path, out[1])
        return out

    def convert_ids_to_tokens(self, i):
        return self.ids[i]
