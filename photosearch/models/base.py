"""The trainable model layer: one `torch.nn.Module` per family holding exactly the towers search runs.

A `ClipModel` is the image tower, the text tower (for LLM2CLIP: the LLM plus the adaptor) and `logit_scale`,
built by the same functions the search `Encoder` uses, and `encoder()` wraps these very modules, so what is
fine-tuned is what search runs. Each family loads its released layout, saves back to it plus a
`photosearch-model.json` manifest (the saved folder is a `--model` spec by itself), freezes and unfreezes per
tower, turns on gradient checkpointing, and splits its parameters into optimizer groups: no weight decay for
norms, biases, embeddings and the logit scale, and (for the image tower) layer-wise learning-rate decay.
"""
from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Iterable

import torch
from torch import nn

from photosearch.encoders.base import Encoder, TextTower, Tokenizer, VisionTower
from photosearch.encoders.device import DevicePlan

LOGIT_SCALE_INIT = math.log(1 / 0.07)  # CLIP's initial temperature
LOGIT_SCALE_MAX = math.log(100.0)  # CLIP clamps the scale at 100
_NO_DECAY_NAMES = re.compile(
    r"(^|\.)(bias|logit_scale|class_embedding|cls_token|positional_embedding|pos_embed|position_embedding"
    r"|token_embedding|embed_tokens|mask_token)(\.|$)|norm|ln_|\.ln\."
)


class ClipModel(nn.Module, ABC):
    """Image tower + text tower + logit scale of one family."""

    kind: str  # the manifest's kind: "longclip", "llm2clip", "openclip"

    def __init__(self, vision: VisionTower, text: TextTower, tokenizer: Tokenizer,
                 logit_scale: float | None = None) -> None:
        super().__init__()
        self.vision = vision
        self.text = text
        self.tokenizer = tokenizer
        self.logit_scale = nn.Parameter(torch.tensor(LOGIT_SCALE_INIT if logit_scale is None else float(logit_scale)))

    # -- what training uses ---------------------------------------------------------------------------------
    def encode_image(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.vision(pixels)

    def encode_text(self, texts: list[str]) -> torch.Tensor:
        device = self.logit_scale.device
        return self.text(self.tokenizer(texts).to(device))

    def scale(self) -> torch.Tensor:
        """exp(logit_scale), clamped at 100 as CLIP does."""
        return self.logit_scale.clamp(max=LOGIT_SCALE_MAX).exp()

    @property
    def image_size(self) -> int:
        return int(self.vision.image_size)

    @property
    def embed_dim(self) -> int:
        return int(self.vision.output_dim)

    def freeze(self, vision: bool | None = None, text: bool | None = None, logit_scale: bool | None = None) -> None:
        """True freezes a part, False unfreezes it, None leaves it as it is. The logit scale is its own part,
        also where a family keeps it inside a tower (open_clip)."""
        scale_trains = self.logit_scale.requires_grad if logit_scale is None else not logit_scale
        for part, flag in ((self.vision, vision), (self.text, text)):
            if flag is not None:
                part.requires_grad_(not flag)
        self.logit_scale.requires_grad_(scale_trains)

    @abstractmethod
    def set_grad_checkpointing(self, enabled: bool = True) -> None:
        """Trade compute for memory in the towers' transformer blocks."""

    @abstractmethod
    def vision_layer(self, name: str) -> int:
        """The depth of a vision-tower parameter for layer-wise lr decay: 0 for the patch/position embeddings,
        i + 1 for block i, `vision_depth() + 1` for what follows the blocks (final norm, projection)."""

    @abstractmethod
    def vision_depth(self) -> int: ...

    def param_groups(self, lr: float, weight_decay: float, layer_decay: float = 1.0) -> list[dict[str, Any]]:
        """Optimizer groups of the trainable parameters: decay / no decay (norms, biases, embeddings, scale),
        and for the image tower a learning rate of lr * layer_decay ** (depth + 1 - layer)."""
        groups: dict[tuple[bool, float], list[nn.Parameter]] = {}
        depth = self.vision_depth()
        for name, param in self.named_parameters():
            if not param.requires_grad:
                continue
            decay = param.ndim >= 2 and not _NO_DECAY_NAMES.search(name)
            scale = 1.0
            if name.startswith("vision.") and layer_decay != 1.0:
                scale = layer_decay ** (depth + 1 - self.vision_layer(name[len("vision."):]))
            groups.setdefault((decay, scale), []).append(param)
        return [
            {"params": params, "weight_decay": weight_decay if decay else 0.0, "lr": lr * scale, "lr_scale": scale}
            for (decay, scale), params in sorted(groups.items(), key=lambda kv: (-kv[0][1], not kv[0][0]))
        ]

    # -- files ----------------------------------------------------------------------------------------------
    @abstractmethod
    def save(self, folder: str | Path) -> Path:
        """Write the released layout and a manifest into `folder`; returns the folder (a `--model` spec)."""

    def encoder(self, device: DevicePlan | None = None, model_id: str = "") -> Encoder:
        """The search `Encoder` over these very modules (no copy): evaluation runs what training trained."""
        enc = Encoder(
            model_id=model_id or f"{self.kind}:in-memory-{id(self):x}",
            dim=self.embed_dim,
            image_size=self.image_size,
            max_text_tokens=int(self.tokenizer.max_content),
            load_vision=lambda plan: self.vision,
            load_tokenizer=lambda: self.tokenizer,
            load_text=lambda plan: self.text,
            device=device or DevicePlan(self.logit_scale.device, self.logit_scale.dtype, self.logit_scale.dtype),
        )
        return enc


def block_index(name: str, patterns: Iterable[str]) -> int | None:
    """The block number in a parameter name, for the first pattern that matches (`(\\d+)` marks it)."""
    for pattern in patterns:
        m = re.search(pattern, name)
        if m:
            return int(m.group(1))
    return None
