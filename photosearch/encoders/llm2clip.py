"""LLM2CLIP: a CLIP vision tower paired with a caption-contrastive LLM text encoder and the MLP adaptor.

The vision checkpoint (EVA02 `.pt`, the HF OpenAI-CLIP layout, or the SigLIP2 release: a `CustomCLIP` state dict
with `visual.trunk.*`, in a file or a downloaded repo folder that also holds the LLM's LoRA) carries the adaptor;
the LLM lives in its own repo. The adaptor was trained for one LLM width, so the pairing is checked up front from shapes alone (no
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
    weight_files: tuple[Path, ...]  # what identifies the vision side (fingerprint)
    lora: Path | None = None  # a LoRA folder to merge into the LLM (SigLIP2 release)
    logit_scale: Callable[[], float | None] = lambda: None


_STATE_SUFFIXES = (".pt", ".pth", ".bin", ".safetensors")


def _state_keys(path: Path) -> list[str]:
    """Key names only (safetensors header, or a memory-mapped `.pt`): cheap even for a 17 GB file."""
    if path.suffix == ".safetensors":
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as f:
            return list(f.keys())
    from photosearch.encoders.checkpoint import load_state_file

    obj = load_state_file(path, "LLM2CLIP vision")
    if isinstance(obj, dict):
        inner = next((obj[w] for w in ("model", "module", "state_dict") if isinstance(obj.get(w), dict)), obj)
        return list(inner)
    return []


def _siglip_file(vision: Path) -> Path | None:
    """The SigLIP2 state dict: `vision` itself, or the one top-level weight file of a folder holding one."""
    from photosearch.encoders.siglip_vit import is_siglip_state

    if vision.is_file():
        return vision if vision.suffix in _STATE_SUFFIXES and is_siglip_state(_state_keys(vision)) else None
    candidates = sorted(p for p in vision.iterdir() if p.is_file() and p.suffix in _STATE_SUFFIXES)
    found = []
    for candidate in candidates:  # an unreadable stray file in a folder is not this layout's checkpoint
        try:
            if is_siglip_state(_state_keys(candidate)):
                found.append(candidate)
        except (ValueError, OSError):
            continue
    if len(found) > 1:
        raise ValueError(f"{vision} holds several SigLIP2 checkpoints ({', '.join(p.name for p in found)}): keep one")
    return found[0] if found else None


def _read_siglip_checkpoint(path: Path) -> _VisionCheckpoint:
    from photosearch.encoders.lora import find_adapter
    from photosearch.encoders.siglip_vit import infer_siglip_config, load_siglip_vision, read_siglip_checkpoint

    ckpt = read_siglip_checkpoint(path)  # memory-mapped `.pt`: shapes cost nothing
    if not ckpt.adaptor:
        raise ValueError(f"{path} has no `text.text_proj.*` adaptor weights: it is not an LLM2CLIP checkpoint")
    llm_dim, output_dim, _, _ = TextAdaptor.sizes({k: tuple(v.shape) for k, v in ckpt.adaptor.items()})
    config = infer_siglip_config(ckpt.trunk)
    if output_dim != config.width:
        raise ValueError(f"{path}: the adaptor outputs {output_dim}-d but the SigLIP tower embeds to {config.width}-d")
    lora = find_adapter(path.parent)
    files = (path,) + tuple(sorted(p for p in lora.iterdir() if p.is_file())) if lora else (path,)
    return _VisionCheckpoint(
        config.image_size, llm_dim, output_dim,
        lambda: load_siglip_vision(read_siglip_checkpoint(path).trunk),
        # LLM2VecTextTransformer calls TextProj with l2_norm=False (eva_clip/llm_model.py)
        lambda: TextAdaptor.from_state_dict(read_siglip_checkpoint(path).adaptor, normalize_input=False),
        files, lora, lambda: read_siglip_checkpoint(path).logit_scale,
    )


def _read_vision_checkpoint(vision: Path) -> _VisionCheckpoint:
    """Any released layout: the SigLIP2 state dict (file or repo folder), the HF `LLM2CLIP-Openai-*` folder or the
    EVA02 `.pt` (all carry the adaptor)."""
    siglip = _siglip_file(vision)
    if siglip is not None:
        return _read_siglip_checkpoint(siglip)
    if _is_hf_dir(vision):
        from photosearch.encoders.hf_clip_vision import (
            hf_llm2clip_sizes,
            load_hf_llm2clip_adaptor,
            load_hf_llm2clip_vision,
        )

        image_size, llm_dim, output_dim = hf_llm2clip_sizes(vision)

        def hf_scale() -> float | None:
            from photosearch.encoders.hf_clip_vision import read_logit_scale

            return read_logit_scale(vision)

        return _VisionCheckpoint(
            image_size, llm_dim, output_dim, lambda: load_hf_llm2clip_vision(vision)[0],
            lambda: load_hf_llm2clip_adaptor(vision), tuple(_weight_files(vision)), logit_scale=hf_scale,
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
        lambda: load_eva_vision(read_llm2clip_checkpoint(vision)[0]), load_adaptor, (vision,),
        logit_scale=lambda: read_llm2clip_checkpoint(vision)[2],
    )


def load_llm2clip(vision: Path, llm: Path, device: DevicePlan | None = None) -> Encoder:
    """`vision`: an EVA02 `.pt`, an HF LLM2CLIP-Openai folder, or the SigLIP2 release (its state dict, or its repo
    folder with the `LLM2CLIP-Llama-3.1-8B` LoRA); `llm`: an LLM2CLIP CC-finetuned LLM folder, or for SigLIP2 the
    Llama-3.1-8B-Instruct folder (the LoRA found beside the vision checkpoint is merged into it).

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
            "pair it with the LLM it was released with (2048 = Llama-3.2-1B CC, 4096 = Llama-3-8B CC, or "
            "Llama-3.1-8B-Instruct for the SigLIP2 release)"
        )

    from photosearch.encoders.llm2vec import load_llm2vec, load_llm2vec_tokenizer

    def load_text(plan: DevicePlan) -> TextTower:
        return LLM2CLIPText(load_llm2vec(llm, dtype=plan.text_dtype, lora=ckpt.lora), ckpt.load_adaptor())

    model_id = "llm2clip:" + weights_fingerprint(list(ckpt.weight_files) + _weight_files(llm))
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
