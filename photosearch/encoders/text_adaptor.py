"""LLM2CLIP's text adaptor: maps a pooled LLM sentence vector into the 1280-d CLIP space.

Module names mirror the reference `TextProj` so a released state dict (`text.text_adaptor.*`) loads with no
key renaming: four pre-LN residual MLP blocks (`x + fn(ln(x))`, fn = Linear(d, 2d) -> GELU -> Dropout ->
Linear(2d, d)), then LayerNorm and Linear(d, out). The input is L2-normalised first, as the reference `TextProj`
does by default (`l2_norm=True`: the EVA02 and OpenAI-ViT releases, trained on cached vectors). The SigLIP2 release
calls it through `LLM2VecTextTransformer`, which passes `l2_norm=False`: there `normalize_input` is False.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import torch
from torch import nn


class _LinearBlock(nn.Module):
    def __init__(self, dim: int, expansion: int = 2, dropout: float = 0.0) -> None:
        super().__init__()
        self.fn = nn.Sequential(
            nn.Linear(dim, expansion * dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(expansion * dim, dim)
        )
        self.ln = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.fn(self.ln(x))


class TextAdaptor(nn.Module):
    def __init__(self, llm_dim: int, output_dim: int = 1280, num_blocks: int = 4, expansion: int = 2,
                 normalize_input: bool = True) -> None:
        super().__init__()
        self.llm_dim = llm_dim
        self.normalize_input = normalize_input
        self.output_dim = output_dim
        self.text_adaptor = nn.Sequential(
            *[_LinearBlock(llm_dim, expansion) for _ in range(num_blocks)],
            nn.LayerNorm(llm_dim),
            nn.Linear(llm_dim, output_dim),
        )

    def forward(self, llm_vectors: torch.Tensor) -> torch.Tensor:
        if self.normalize_input:
            llm_vectors = nn.functional.normalize(llm_vectors, p=2, dim=-1)
        return self.text_adaptor(llm_vectors)

    @staticmethod
    def sizes(shapes: Mapping[str, Sequence[int]]) -> tuple[int, int, int, int]:
        """(llm_dim, output_dim, num_blocks, expansion) from `text_adaptor.*` key shapes alone (no tensor read)."""
        blocks = sorted({int(k.split(".")[1]) for k in shapes if k.startswith("text_adaptor.") and ".fn." in k})
        try:
            llm_dim = int(shapes["text_adaptor.0.ln.weight"][0])
            expansion = int(shapes["text_adaptor.0.fn.0.weight"][0]) // llm_dim
            output_dim = int(shapes[f"text_adaptor.{len(blocks) + 1}.weight"][0])
        except (KeyError, IndexError) as e:
            raise ValueError(f"not an LLM2CLIP text adaptor: missing or odd `{e}`") from None
        return llm_dim, output_dim, len(blocks), expansion

    @classmethod
    def from_state_dict(cls, state: dict[str, torch.Tensor], normalize_input: bool = True) -> "TextAdaptor":
        """Build from `text_adaptor.*` keys (prefix `text.` already stripped), sizes read off the tensors."""
        llm_dim, output_dim, num_blocks, expansion = cls.sizes({k: tuple(v.shape) for k, v in state.items()})
        model = cls(llm_dim, output_dim, num_blocks, expansion, normalize_input)
        model.load_state_dict(state, strict=True)
        return model
