"""A tiny random Long-CLIP checkpoint in the released layout, built in-process so tests need no download.

The released `longclip-{B,L}.pt` is a plain `torch.save(model.state_dict())` of the reference CLIP: OpenAI
CLIP keys plus `positional_embedding_res`, both text position tables 248 rows. Widths are multiples of 64
because the reference derives heads as `width // 64`. The vocab is the real 49408 so real BPE ids index it.

Tensors default to float32 with full mantissas, i.e. *not* fp16-representable: the reference `load` rounds
conv/linear/attention/projection weights through fp16 even on CPU, and our loader must do the same, so a
loader that skips (or over-applies) the rounding fails the tests instead of passing by luck.
"""
from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Iterable

import torch

VOCAB_SIZE = 49408
CONTEXT_LENGTH = 248


def _block(prefix: str, width: int, gen: torch.Generator, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    """One residual attention block; `dtype` applies to its weight matrices (biases stay float32)."""

    def rnd(*shape: int, std: float) -> torch.Tensor:
        return torch.randn(*shape, generator=gen) * std

    s = width**-0.5
    out = {
        f"{prefix}attn.in_proj_weight": rnd(3 * width, width, std=s).to(dtype),
        f"{prefix}attn.in_proj_bias": rnd(3 * width, std=0.02),
        f"{prefix}attn.out_proj.weight": rnd(width, width, std=s).to(dtype),
        f"{prefix}attn.out_proj.bias": rnd(width, std=0.02),
        # Non-trivial LayerNorm affine so a dropped or swapped LN key changes the output.
        f"{prefix}ln_1.weight": 1.0 + rnd(width, std=0.1),
        f"{prefix}ln_1.bias": rnd(width, std=0.05),
        f"{prefix}mlp.c_fc.weight": rnd(4 * width, width, std=s).to(dtype),
        f"{prefix}mlp.c_fc.bias": rnd(4 * width, std=0.02),
        f"{prefix}mlp.c_proj.weight": rnd(width, 4 * width, std=(4 * width) ** -0.5).to(dtype),
        f"{prefix}mlp.c_proj.bias": rnd(width, std=0.02),
        f"{prefix}ln_2.weight": 1.0 + rnd(width, std=0.1),
        f"{prefix}ln_2.bias": rnd(width, std=0.05),
    }
    return out


def tiny_longclip_state_dict(
    seed: int = 0,
    *,
    vision_width: int = 64,
    vision_layers: int = 2,
    patch_size: int = 8,
    image_size: int = 32,
    text_width: int = 64,
    text_layers: int = 2,
    embed_dim: int = 32,
    context_length: int = CONTEXT_LENGTH,
    vocab_size: int = VOCAB_SIZE,
    block_dtype: torch.dtype = torch.float32,
    shared_token_storage: bool = False,
) -> "OrderedDict[str, torch.Tensor]":
    """Random weights with the released key names and shapes, float32 throughout by default.

    Float32 is our best guess at the released dtype: the reference trains after `.float()` on CPU and saves
    `state_dict()`. `block_dtype=torch.float16` stores the transformer-block weight matrices as fp16 instead
    (a partially converted state dict, as OpenAI CLIP files are), which the loader must accept too.
    `shared_token_storage` makes every token row a 64-wide window of one 1-D random tensor: torch.save then
    writes ~50k floats instead of 3.2M, which keeps the committed golden checkpoint small while every row stays
    distinct and random.
    """
    gen = torch.Generator().manual_seed(seed)

    def rnd(*shape: int, std: float) -> torch.Tensor:
        return torch.randn(*shape, generator=gen) * std

    grid = image_size // patch_size
    sd: "OrderedDict[str, torch.Tensor]" = OrderedDict()
    sd["positional_embedding"] = rnd(context_length, text_width, std=0.1)
    sd["positional_embedding_res"] = rnd(context_length, text_width, std=0.1)
    sd["text_projection"] = rnd(text_width, embed_dim, std=text_width**-0.5)
    sd["logit_scale"] = torch.tensor(4.6052)
    sd["visual.class_embedding"] = rnd(vision_width, std=vision_width**-0.5)
    sd["visual.positional_embedding"] = rnd(grid * grid + 1, vision_width, std=vision_width**-0.5)
    sd["visual.proj"] = rnd(vision_width, embed_dim, std=vision_width**-0.5)
    sd["visual.conv1.weight"] = rnd(vision_width, 3, patch_size, patch_size, std=(3 * patch_size**2) ** -0.5)
    sd["visual.ln_pre.weight"] = 1.0 + rnd(vision_width, std=0.1)
    sd["visual.ln_pre.bias"] = rnd(vision_width, std=0.05)
    for i in range(vision_layers):
        sd.update(_block(f"visual.transformer.resblocks.{i}.", vision_width, gen, block_dtype))
    sd["visual.ln_post.weight"] = 1.0 + rnd(vision_width, std=0.1)
    sd["visual.ln_post.bias"] = rnd(vision_width, std=0.05)
    for i in range(text_layers):
        sd.update(_block(f"transformer.resblocks.{i}.", text_width, gen, block_dtype))
    if shared_token_storage:
        base = rnd(vocab_size + text_width - 1, std=0.5)
        sd["token_embedding.weight"] = base.as_strided((vocab_size, text_width), (1, 1))
    else:
        sd["token_embedding.weight"] = rnd(vocab_size, text_width, std=0.5)
    sd["ln_final.weight"] = 1.0 + rnd(text_width, std=0.1)
    sd["ln_final.bias"] = rnd(text_width, std=0.05)
    return sd


def write_tiny_longclip(path: Path, seed: int = 0, **kwargs: object) -> Path:
    """Save like the released file: `torch.save` of a plain state dict (no wrapper, no pickled module)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(tiny_longclip_state_dict(seed, **kwargs), path)  # type: ignore[arg-type]
    return path


def edited_copy(
    src: dict[str, torch.Tensor], path: Path, *, drop: Iterable[str] = (), replace: dict | None = None
) -> Path:
    """Write a variant of a state dict (keys dropped or tensors swapped) for the loader's error tests."""
    sd = OrderedDict((k, v) for k, v in src.items() if k not in set(drop))
    sd.update(replace or {})
    torch.save(sd, path)
    return Path(path)
