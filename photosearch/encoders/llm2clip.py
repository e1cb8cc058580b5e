"""LLM2CLIP: a CLIP vision tower paired with a caption-contrastive LLM text encoder and the MLP adaptor.

The vision checkpoint (EVA02 `.pt` or the HF OpenAI-CLIP layout) carries the adaptor; the LLM lives in its own
repo. The adaptor was trained for one LLM width, so the pairing is checked up front from shapes alone (no
weights are loaded) and a mismatch is a clear error instead of a matmul crash deep inside a query.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import torch

from photosearch.encoders.base import Encoder, TextTower, TokenizedTexts, VisionTower
from photosearch.encoders.device import DevicePlan
from photosearch.encoders.text_adaptor import TextAdaptor
from photosearch.hashing import weights_fingerprint

MAX_TEXT_TOKENS = 512


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


def _read_vision_checkpoint(vision: Path) -> tuple[Callable[[], VisionTower], TextAdaptor]:
    """Returns (vision tower loader, adaptor) for either released layout."""
    if _is_hf_dir(vision):
        from photosearch.encoders.hf_clip_vision import load_hf_llm2clip_adaptor, load_hf_llm2clip_vision

        return (lambda: load_hf_llm2clip_vision(vision)[0]), load_hf_llm2clip_adaptor(vision)
    from photosearch.encoders.eva_vit import load_eva_vision, read_llm2clip_checkpoint

    visual, text, _scale = read_llm2clip_checkpoint(vision)
    if not text:
        raise ValueError(f"{vision} has no `text.*` adaptor weights: it is not an LLM2CLIP checkpoint")
    return (lambda: load_eva_vision(visual)), TextAdaptor.from_state_dict(text)


def load_llm2clip(vision: Path, llm: Path, device: DevicePlan | None = None) -> Encoder:
    """`vision`: an EVA02 `.pt` or an HF LLM2CLIP-Openai folder; `llm`: an LLM2CLIP CC-finetuned LLM folder."""
    vision, llm = Path(vision), Path(llm)
    if not vision.exists():
        raise FileNotFoundError(f"vision checkpoint not found: {vision}")
    if not llm.is_dir():
        raise FileNotFoundError(f"LLM folder not found: {llm}")
    load_vision, adaptor = _read_vision_checkpoint(vision)
    hidden = _llm_hidden_size(llm)
    if adaptor.llm_dim != hidden:
        raise ValueError(
            f"{vision.name} was trained for an LLM of width {adaptor.llm_dim}, but {llm.name} has width {hidden}: "
            "pair it with the LLM it was released with (2048 = Llama-3.2-1B CC, 4096 = Llama-3-8B CC)"
        )

    from photosearch.encoders.llm2vec import load_llm2vec, load_llm2vec_tokenizer

    def load_text() -> TextTower:
        return LLM2CLIPText(load_llm2vec(llm), adaptor)

    model_id = "llm2clip:" + weights_fingerprint(_weight_files(vision) + _weight_files(llm))
    return Encoder(
        model_id=model_id,
        dim=adaptor.output_dim,
        max_text_tokens=MAX_TEXT_TOKENS,
        load_vision=load_vision,
        load_tokenizer=lambda: load_llm2vec_tokenizer(llm),
        load_text=load_text,
        device=device,
    )
