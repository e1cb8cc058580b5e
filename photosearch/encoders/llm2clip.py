"""LLM2CLIP: a CLIP vision tower paired with a caption-contrastive LLM text encoder and the MLP adaptor.

The vision checkpoint (EVA02 `.pt` or the HF OpenAI-CLIP layout) carries the adaptor; the LLM lives in its own
repo. The adaptor was trained for one LLM width, so the pairing is checked up front from shapes alone (no
weights are loaded) and a mismatch is a clear error instead of a matmul crash deep inside a query.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

from photosearch.encoders.base import Encoder, TextTower, TokenizedTexts, VisionTower
from photosearch.encoders.device import DevicePlan
from photosearch.encoders.text_adaptor import TextAdaptor
from photosearch.hashing import weights_fingerprint



class LLM2CLIPText(TextTower):
    """LLM2Vec sentence vector -> adaptor -> CLIP space. Stage 2 training caches `llm` outputs and trains
    only `adaptor`, so the two halves stay separate modules."""

    def __init__(self, llm: torch.nn.Module, adaptor: TextAdaptor) -> None:
        super().__init__()
        self.llm = llm
        self.adaptor = adaptor
        self.output_dim = adaptor.output_dim

    def forward(self, batch: TokenizedTexts) -> torch.Tensor:
        vectors = self.llm(batch)
        return self.adaptor(vectors.to(next(self.adaptor.parameters()).dtype))

    def place(self, device: torch.device, dtype: torch.dtype) -> "LLM2CLIPText":
        # The LLM may run in bf16 on a GPU; the small adaptor stays float32 as the LLM vector is float32.
        self.llm.to(device=device, dtype=dtype)
        self.adaptor.to(device=device, dtype=torch.float32)
        return self


def _is_hf_dir(vision: Path) -> bool:
    return vision.is_dir() and (vision / "config.json").exists()


def _llm_hidden_size(llm_dir: Path) -> int:
    config = llm_dir / "config.json"
    if not config.exists():
        raise FileNotFoundError(f"{llm_dir} is not a Hugging Face model folder (no config.json)")
    return int(json.loads(config.read_text())["hidden_size"])


def _weight_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    files = sorted(p for p in path.iterdir() if p.suffix in {".safetensors", ".pt"})
    if not files:
        raise FileNotFoundError(f"no weight files in {path}")
    return files


@dataclass(frozen=True)
class _VisionCheckpoint:
    """What the encoder needs to know up front, read off headers and shapes; tensors are read by the loaders."""

    image_size: int
    llm_dim: int  # the LLM width the adaptor was trained for
    output_dim: int
    load_vision: Callable[[], VisionTower]
    load_adaptor: Callable[[], TextAdaptor]


def _read_vision_checkpoint(vision: Path) -> _VisionCheckpoint:
    """Either released layout: the HF `LLM2CLIP-Openai-*` folder or the EVA02 `.pt` (both carry the adaptor)."""
    if _is_hf_dir(vision):
        from photosearch.encoders.hf_clip_vision import (
            hf_llm2clip_sizes,
            load_hf_llm2clip_adaptor,
            load_hf_llm2clip_vision,
        )

        image_size, llm_dim, output_dim = hf_llm2clip_sizes(vision)
        return _VisionCheckpoint(
            image_size, llm_dim, output_dim, lambda: load_hf_llm2clip_vision(vision)[0],
            lambda: load_hf_llm2clip_adaptor(vision),
        )
    from photosearch.encoders.eva_vit import infer_eva_config, load_eva_vision, read_llm2clip_checkpoint

    visual, text, _scale = read_llm2clip_checkpoint(vision)  # memory-mapped: shapes cost nothing
    if not text:
        raise ValueError(f"{vision} has no `text.*` adaptor weights: it is not an LLM2CLIP checkpoint")
    llm_dim, output_dim, _, _ = TextAdaptor.sizes({k: tuple(v.shape) for k, v in text.items()})

    def load_adaptor() -> TextAdaptor:
        return TextAdaptor.from_state_dict(read_llm2clip_checkpoint(vision)[1])

    return _VisionCheckpoint(
        infer_eva_config(visual).image_size, llm_dim, output_dim,
        lambda: load_eva_vision(read_llm2clip_checkpoint(vision)[0]), load_adaptor,
    )


def load_llm2clip(vision: Path, llm: Path, device: DevicePlan | None = None) -> Encoder:
    """`vision`: an EVA02 `.pt` or an HF LLM2CLIP-Openai folder; `llm`: an LLM2CLIP CC-finetuned LLM folder.

    Nothing but headers and shapes is read here. The vision tower loads for indexing; the adaptor loads with
    the LLM for the first text query, straight in the plan's text dtype (bf16 on CUDA).
    """
    vision, llm = Path(vision), Path(llm)
    if not vision.exists():
        raise FileNotFoundError(f"vision checkpoint not found: {vision}")
    if not llm.is_dir():
        raise FileNotFoundError(f"LLM folder not found: {llm}")
    ckpt = _read_vision_checkpoint(vision)
    hidden = _llm_hidden_size(llm)
    if ckpt.llm_dim != hidden:
        raise ValueError(
            f"{vision.name} was trained for an LLM of width {ckpt.llm_dim}, but {llm.name} has width {hidden}: "
            "pair it with the LLM it was released with (2048 = Llama-3.2-1B CC, 4096 = Llama-3-8B CC)"
        )

    from photosearch.encoders.llm2vec import load_llm2vec, load_llm2vec_tokenizer

    def load_text(plan: DevicePlan) -> TextTower:
        return LLM2CLIPText(load_llm2vec(llm, dtype=plan.text_dtype), ckpt.load_adaptor())

    model_id = "llm2clip:" + weights_fingerprint(_weight_files(vision) + _weight_files(llm))
    return Encoder(
        model_id=model_id,
        dim=ckpt.output_dim,
        image_size=ckpt.image_size,
        max_text_tokens=None,  # 512 minus the chat template's tokens: the tokenizer knows (no weights needed)
        load_vision=lambda plan: ckpt.load_vision(),
        load_tokenizer=lambda: load_llm2vec_tokenizer(llm),
        load_text=load_text,
        device=device,
    )
