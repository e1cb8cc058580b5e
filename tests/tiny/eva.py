"""A tiny LLM2CLIP EVA02 checkpoint in the released `.pt` layout, with random weights.

The released file is the flat `state_dict()` of the reference `CustomCLIP` (the model card loads the whole
file with a strict `model.load_state_dict`), so it holds, in this order: `logit_scale`; `visual.*` (the
EVA02 ViT, including the RoPE tables the reference registers as buffers: once as `visual.rope.freqs_*` and
again under every `visual.blocks.N.attn.rope.*`, since the module is shared); `text.text_adaptor.*`.

This builder writes that layout from shapes alone (it does not use photosearch's loader), so tests can check
the loader against an independent description. Every tensor is random, LayerNorms included, so a key loaded
into the wrong slot changes the output.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch


@dataclass(frozen=True)
class TinyEva:
    width: int = 64
    depth: int = 2
    head_width: int = 32
    patch_size: int = 8
    image_size: int = 48
    output_dim: int = 128
    mlp_ratio: float = 2.6667  # the released config's value; hidden = int(width * ratio)
    llm_dim: int = 32
    pt_hw_seq_len: int = 16

    @property
    def grid(self) -> int:
        return self.image_size // self.patch_size

    @property
    def mlp_hidden(self) -> int:
        return int(self.width * self.mlp_ratio)

    @property
    def num_heads(self) -> int:
        return self.width // self.head_width


GOLDEN = TinyEva()  # the sizes of tests/fixtures/golden/llm2clip_eva/tiny_llm2clip_eva.pt
OTHER = TinyEva(width=96, depth=3, head_width=48, patch_size=4, image_size=20, output_dim=64, llm_dim=24)


def rope_tables(spec: TinyEva) -> tuple[torch.Tensor, torch.Tensor]:
    """(cos, sin), each (grid*grid, head_width): 2-D RoPE with interleaved pairs, the first half of the channels
    rotating with the row, the second half with the column; positions arange(g)/g * pt_hw_seq_len."""
    half = spec.head_width // 2
    inv_freq = 1.0 / (10000 ** (torch.arange(0, half, 2).float() / half))
    pos = torch.arange(spec.grid) / spec.grid * spec.pt_hw_seq_len
    angles = torch.outer(pos, inv_freq).repeat_interleave(2, dim=-1)  # (g, half)
    g = spec.grid
    rows = angles[:, None, :].expand(g, g, half)
    cols = angles[None, :, :].expand(g, g, half)
    table = torch.cat([rows, cols], dim=-1).reshape(g * g, spec.head_width)
    return table.cos(), table.sin()


def tiny_state_dict(
    spec: TinyEva = GOLDEN, seed: int = 0, *, with_rope: bool = True, logit_scale: float = math.log(100.0)
) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)

    def linear(out_f: int, in_f: int, prefix: str, bias: bool = True) -> dict[str, torch.Tensor]:
        d = {f"{prefix}.weight": torch.randn(out_f, in_f, generator=gen) / math.sqrt(in_f)}
        if bias:
            d[f"{prefix}.bias"] = 0.1 * torch.randn(out_f, generator=gen)
        return d

    def norm(dim: int, prefix: str) -> dict[str, torch.Tensor]:
        return {
            f"{prefix}.weight": 1.0 + 0.1 * torch.randn(dim, generator=gen),
            f"{prefix}.bias": 0.1 * torch.randn(dim, generator=gen),
        }

    w, p, hidden = spec.width, spec.patch_size, spec.mlp_hidden
    cos, sin = rope_tables(spec)
    rope = {"rope.freqs_cos": cos, "rope.freqs_sin": sin} if with_rope else {}
    v: dict[str, torch.Tensor] = {
        "cls_token": 0.5 * torch.randn(1, 1, w, generator=gen),
        "pos_embed": 0.5 * torch.randn(1, spec.grid**2 + 1, w, generator=gen),
        "patch_embed.proj.weight": torch.randn(w, 3, p, p, generator=gen) / math.sqrt(3 * p * p),
        "patch_embed.proj.bias": 0.1 * torch.randn(w, generator=gen),
        **rope,
    }
    for i in range(spec.depth):
        b = f"blocks.{i}"
        v.update(norm(w, f"{b}.norm1"))
        v.update(linear(w, w, f"{b}.attn.q_proj"))
        v.update(linear(w, w, f"{b}.attn.k_proj", bias=False))
        v.update(linear(w, w, f"{b}.attn.v_proj"))
        v.update(norm(w, f"{b}.attn.inner_attn_ln"))
        v.update(linear(w, w, f"{b}.attn.proj"))
        v.update({f"{b}.attn.{k}": t for k, t in rope.items()})
        v.update(norm(w, f"{b}.norm2"))
        v.update(linear(hidden, w, f"{b}.mlp.w1"))
        v.update(linear(hidden, w, f"{b}.mlp.w2"))
        v.update(norm(hidden, f"{b}.mlp.ffn_ln"))
        v.update(linear(w, hidden, f"{b}.mlp.w3"))
    v.update(norm(w, "norm"))
    v.update(linear(spec.output_dim, w, "head"))

    d = spec.llm_dim
    t: dict[str, torch.Tensor] = {}
    for i in range(4):
        t.update(linear(2 * d, d, f"text_adaptor.{i}.fn.0"))
        t.update(linear(d, 2 * d, f"text_adaptor.{i}.fn.3"))
        t.update(norm(d, f"text_adaptor.{i}.ln"))
    t.update(norm(d, "text_adaptor.4"))
    t.update(linear(spec.output_dim, d, "text_adaptor.5"))

    state = {"logit_scale": torch.tensor(float(logit_scale))}
    state.update({f"visual.{k}": x.contiguous() for k, x in v.items()})
    state.update({f"text.{k}": x.contiguous() for k, x in t.items()})
    return state


def write_tiny_checkpoint(path: Path, spec: TinyEva = GOLDEN, seed: int = 0, *, wrap: str | None = None,
                          **kwargs) -> Path:
    """`torch.save`s the flat dict as the released file does; `wrap` nests it under that key (as a training
    checkpoint nests it under `state_dict`)."""
    state = tiny_state_dict(spec, seed, **kwargs)
    torch.save({wrap: state} if wrap else state, path)
    return path
