"""Long-CLIP's knowledge-preserving stretch of a 77-position CLIP text tower to 248 positions.

As the reference `load_from_clip` (model/longclip.py): rows 0-19 are kept as they are (short texts, the part
CLIP was trained well on, stay exactly as before); rows 20-76 are spread 4x apart with linear interpolation
between neighbours, new[20 + 4i + k] = (4 - k)/4 * old[20 + i] + k/4 * old[21 + i] for i = 0..55, k = 0..3;
the last four rows are extrapolated from the final step, new[244 + k] = old[76] + k * (old[76] - old[75]) / 4.
In training the kept rows stay frozen (the reference keeps them in a table without gradient) and the rest learn.
The reference does this arithmetic in the model's fp16; we do it in float32.

A base that is a Long-CLIP checkpoint is used as is. Any 77-token open_clip CLIP (OpenAI-style towers) is
stretched into an open_clip model with a 248-token context, written as an open_clip `local-dir:` folder.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import torch

from photosearch.errors import ModelError

SOURCE_LENGTH = 77


def stretched_length(keep: int = 20, source: int = SOURCE_LENGTH) -> int:
    return 4 * source - 3 * keep


def stretch_positions(old: torch.Tensor, keep: int = 20) -> torch.Tensor:
    """(77, width) -> (248, width) by the reference's rule (float32)."""
    if old.shape[0] != SOURCE_LENGTH:
        raise ModelError(f"the text tower has {old.shape[0]} positions; the Long-CLIP stretch starts from {SOURCE_LENGTH}")
    old = old.detach().float()
    new = torch.zeros(stretched_length(keep, SOURCE_LENGTH), old.shape[1], dtype=torch.float32)
    new[:keep] = old[:keep]
    for i in range(SOURCE_LENGTH - 1 - keep):
        for k in range(4):
            new[keep + 4 * i + k] = (4 - k) / 4 * old[keep + i] + k / 4 * old[keep + 1 + i]
    last = keep + 4 * (SOURCE_LENGTH - 1 - keep)
    for k in range(4):
        new[last + k] = old[-1] + k * (old[-1] - old[-2]) / 4
    return new


class KeptRows:
    """Rows < `keep` of a position table held fixed while the rest train: their gradient is zeroed (so clipping
    and Adam see none) and `restore()` after each step undoes AdamW's decoupled weight decay on them. The
    reference gets the same by reading those rows from a second, frozen table."""

    def __init__(self, table: torch.nn.Parameter, keep: int = 20) -> None:
        self.table, self.keep = table, keep
        self.values = table.detach()[:keep].clone()
        self.handle = table.register_hook(self._mask)

    def _mask(self, grad: torch.Tensor) -> torch.Tensor:
        grad = grad.clone()
        grad[: self.keep] = 0
        return grad

    def restore(self) -> None:
        with torch.no_grad():
            self.table[: self.keep].copy_(self.values)


def stretch_openclip(model, folder: Path, keep: int = 20) -> Path:
    """An open_clip 77-token two-tower model (`photosearch.models.openclip.OpenClipModel`) -> a `local-dir:`
    folder holding the same model with a 248-token context and the stretched position table."""
    from safetensors.torch import save_file

    text = model.text.model
    if getattr(text, "positional_embedding", None) is None:
        raise ModelError("this open_clip model's text tower has no position table to stretch (an HF text tower?)")
    cfg = copy.deepcopy(model.source.model_cfg)
    cfg.setdefault("text_cfg", {})["context_length"] = stretched_length(keep)
    state = {f"visual.{k}": v for k, v in model.vision.visual.state_dict().items()}
    state.update({k: v for k, v in text.state_dict().items() if k != "attn_mask"})
    state["positional_embedding"] = stretch_positions(text.positional_embedding, keep)
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.detach().float().cpu().contiguous() for k, v in state.items()},
              str(folder / "open_clip_model.safetensors"))
    (folder / "open_clip_config.json").write_text(json.dumps({"model_cfg": cfg, "preprocess_cfg": model.preprocess}))
    return folder
