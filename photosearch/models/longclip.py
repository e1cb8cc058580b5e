"""Long-CLIP as one trainable module: the same towers `load_longclip` gives search, plus the logit scale.

Saved in the released `longclip-*.pt` layout (OpenAI CLIP keys plus `positional_embedding_res`): the merged
248-row position table is written as both tables, so the reference forward (rows 0-19 from the first, the rest
from `_res`) and our loader both see exactly the trained rows. The manifest marks the file `exact`: unlike the
released checkpoints, it is read back without the reference loader's fp16 rounding, bit for bit.
"""
from __future__ import annotations

from pathlib import Path

import torch

from photosearch.encoders.longclip import (
    LongClipText,
    LongClipTokenizer,
    LongClipVision,
    _read_state_dict,
    build_text,
    build_vision,
    infer_config,
)
from photosearch.factory import write_manifest
from photosearch.models.base import ClipModel, block_index

WEIGHTS = "longclip.pt"


class LongClipModel(ClipModel):
    kind = "longclip"
    vision: LongClipVision
    text: LongClipText

    @classmethod
    def load(cls, path: str | Path, exact: bool = False) -> "LongClipModel":
        path = Path(path)
        sd = _read_state_dict(path)
        cfg = infer_config(sd)
        scale = sd.get("logit_scale")
        return cls(build_vision(path, exact), build_text(path, exact), LongClipTokenizer(cfg.context_length),
                   float(scale) if isinstance(scale, torch.Tensor) and scale.numel() == 1 else None)

    def released_state_dict(self) -> dict[str, torch.Tensor]:
        out = {f"visual.{k}": v.detach().clone() for k, v in self.vision.visual.state_dict().items()}
        for key, value in self.text.text.state_dict().items():
            if key == "positional_embedding":
                out["positional_embedding"] = value.detach().clone()
                out["positional_embedding_res"] = value.detach().clone()
            elif key != "attn_mask":
                out[key] = value.detach().clone()
        out["logit_scale"] = self.logit_scale.detach().clone()
        return out

    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        torch.save({k: v.float().cpu().contiguous() for k, v in self.released_state_dict().items()}, folder / WEIGHTS)
        write_manifest(folder, self.kind, weights=WEIGHTS, exact=True)
        return folder

    def set_grad_checkpointing(self, enabled: bool = True) -> None:
        self.vision.visual.set_grad_checkpointing(enabled)
        self.text.text.set_grad_checkpointing(enabled)

    def vision_depth(self) -> int:
        return len(self.vision.visual.transformer.resblocks)

    def vision_layer(self, name: str) -> int:
        block = block_index(name, (r"^visual\.transformer\.resblocks\.(\d+)\.",))
        if block is not None:
            return block + 1
        if name.startswith(("visual.conv1", "visual.class_embedding", "visual.positional_embedding", "visual.ln_pre")):
            return 0
        return self.vision_depth() + 1
