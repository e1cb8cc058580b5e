"""Trainable models, one family per file, and `load_model(spec)` to get one from any `--model` spec."""
from __future__ import annotations

from pathlib import Path

import torch

from photosearch.errors import ModelError, PhotoSearchError
from photosearch.models.base import ClipModel
from photosearch.progress import ProgressCallback

__all__ = ["ClipModel", "load_model"]


def load_model(spec: str, llm_dtype: torch.dtype = torch.float32, *, with_llm: bool = True,
               progress: ProgressCallback | None = None) -> ClipModel:
    """Every tower of a model, ready to train (float32 on the CPU; move it where it trains). Presets download
    first, as for search; a spec that cannot be used is a `ModelError`. `with_llm=False` leaves an LLM2CLIP
    model's LLM on disk (stage 2 trains on cached caption vectors)."""
    from photosearch.factory import canonical_spec, resolve_spec

    spec = canonical_spec(spec)
    try:
        kind, kwargs = resolve_spec(spec, progress)
        if kind == "longclip":
            from photosearch.models.longclip import LongClipModel

            return LongClipModel.load(kwargs["path"], exact=kwargs.get("exact", False))
        if kind == "llm2clip":
            from photosearch.models.llm2clip import LLM2CLIPModel

            return LLM2CLIPModel.load(Path(kwargs["vision"]), Path(kwargs["llm"]), llm_dtype, with_llm)
        from photosearch.models.openclip import OpenClipModel

        return OpenClipModel.load(kwargs["name"], kwargs["pretrained"], kwargs.get("hf_text_dir"))
    except PhotoSearchError:
        raise
    except (ValueError, KeyError, OSError) as exc:
        raise ModelError(f"cannot use model {spec} for training: {exc}") from exc
