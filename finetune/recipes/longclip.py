"""Long-CLIP fine-tuning (beichenzbc/Long-CLIP `train/`): long captions through the 248-position text tower, plus
primary component matching: the short caption is matched with a rank-32 reconstruction of the batch's image
features (their coarse content), so the stretched model keeps what CLIP knew about short texts.

loss = CE_ls(s * I @ T_long^T) sym + short_weight * CE_ls(s * PCA(I) @ T_short^T) sym, label smoothing 0.1,
s = exp(logit_scale) with the scale reset to ln(100) and left unclamped, every parameter in one AdamW group
with weight decay (as the reference), the kept position rows 0-19 frozen. The base is a Long-CLIP checkpoint,
or any 77-token open_clip CLIP that is first stretched (finetune.stretch).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from finetune.album import Album
from finetune.config import LongClipConfig
from finetune.data import CachedTokenizer, PhotoBatches, held_out, photos_of, pick
from finetune.eval import EvalReport, album_report
from finetune.losses import clip_loss, pca_reconstruct
from finetune.loop import Task
from finetune.runtime import Runtime
from finetune.stretch import SOURCE_LENGTH, KeptRows, stretch_openclip
from photosearch.errors import InvalidInput
from photosearch.models import ClipModel, load_model
from photosearch.progress import ProgressCallback


def long_model(base: str, work: Path, keep: int, progress: ProgressCallback | None = None) -> ClipModel:
    """The base as a 248-token model: a Long-CLIP checkpoint as is, a 77-token open_clip CLIP stretched."""
    model = load_model(base, progress=progress)
    if model.kind == "llm2clip":
        raise InvalidInput("the Long-CLIP recipe trains CLIP text towers; fine-tune LLM2CLIP with llm2clip-stage1/2")
    if model.kind == "openclip" and model.text.model.positional_embedding.shape[0] == SOURCE_LENGTH:
        folder = stretch_openclip(model, work / "stretched", keep)
        model = load_model(f"openclip:local-dir:{folder}")
    return model


def position_table(model: ClipModel) -> torch.nn.Parameter:
    return model.text.text.positional_embedding if model.kind == "longclip" else model.text.model.positional_embedding


class LongClipTask(Task):
    def __init__(self, config: LongClipConfig, album: Album, base: str, out: Path, runtime: Runtime,
                 progress: ProgressCallback | None = None) -> None:
        self.config, self.runtime = config, runtime
        self.model = long_model(base, out, config.keep_rows, progress).to(runtime.device)
        with torch.no_grad():
            self.model.logit_scale.fill_(config.logit_scale)
        self.model.freeze(vision=False, text=False, logit_scale=False)
        self.kept = KeptRows(position_table(self.model), config.keep_rows)
        checkpointing = config.grad_checkpointing
        self.model.set_grad_checkpointing(runtime.grad_checkpointing if checkpointing is None else checkpointing)
        self.model.train()
        self.data = PhotoBatches(photos_of(album.train), config.batch_size, self.model.image_size, config.seed,
                                 config.workers)
        self.val = held_out(album)
        self.transform = self.model.vision.transform  # the reference trains on the eval preprocessing
        self.tokens = CachedTokenizer(self.model.tokenizer)

    def param_groups(self) -> list[dict[str, Any]]:
        return [{"params": [p for p in self.model.parameters() if p.requires_grad], "lr_scale": 1.0}]

    def total_steps(self) -> int:
        c = self.config
        return c.steps or max(1, round(c.epochs * self.data.steps_per_epoch))

    def loss(self, step: int) -> torch.Tensor:
        indices = self.data.indices(step)
        pixels = self.data.pixels(indices, self.transform).to(self.runtime.device)
        chosen = [self.data.photos[i].captions[pick(self.config.seed, step, self.data.photos[i].path,
                                                     len(self.data.photos[i].captions))] for i in indices]
        with self.runtime.autocast():
            image = F.normalize(self.model.encode_image(pixels).float(), dim=-1)
            long = F.normalize(self._text([c[0] for c in chosen]), dim=-1)
            short = F.normalize(self._text([c[1] for c in chosen]), dim=-1)
        scale = self.model.logit_scale.exp()
        smoothing = self.config.label_smoothing
        loss_long = clip_loss(image, long, scale, smoothing)
        loss_short = clip_loss(pca_reconstruct(image, self.config.pca_rank), short, scale, smoothing)
        return loss_long + self.config.short_weight * loss_short

    def after_step(self) -> None:
        self.kept.restore()

    def _text(self, texts: list[str]) -> torch.Tensor:
        return self.model.text(self.tokens(texts).to(self.runtime.device)).float()

    def evaluate(self) -> EvalReport:
        encoder = self.model.encoder()
        return album_report(self.val, encoder.encode_images, encoder.encode_texts, self.model.image_size)

    def export(self, folder: Path) -> Path:
        return self.model.save(folder)
