"""LLM2CLIP stage 2 (microsoft/LLM2CLIP `llm2clip/training`): align the vision tower with the frozen LLM.

The LLM never loads during training: every caption's LLM2Vec vector is computed once into the caption cache,
and each step trains the vision tower (whole, or LoRA r 32 on q/k/v), the adaptor and the logit scale with the
symmetric CLIP loss on (photo, one random caption of it, short or long). AdamW with layer-wise lr decay over
the vision blocks, no weight decay on norms/biases/embeddings, gradient clip 5, cosine schedule, the logit scale
clamped to [0, ln 100] after each step, RandomResizedCrop(0.9-1) bicubic on the training photos. The base is an
LLM2CLIP model, typically the stage-1 output (its LLM is the one the vectors come from).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from finetune.album import Album
from finetune.caption_cache import CaptionVectors
from finetune.config import Stage2Config
from finetune.data import Photo, PhotoBatches, RandomResizedCrop, held_out, photos_of, pick
from finetune.eval import EvalReport, album_report
from finetune.loop import Task
from finetune.losses import clip_loss, world
from finetune.runtime import Runtime
from photosearch.errors import InvalidInput
from photosearch.models import load_model
from photosearch.models.base import LOGIT_SCALE_MAX
from photosearch.models.llm2clip import LLM2CLIPModel
from photosearch.progress import ProgressCallback

VISION_LORA_TARGETS = ["q_proj", "k_proj", "v_proj"]  # EVA (timm, unfused q/k/v) and HF CLIP name them alike


def all_captions(photos: list[Photo]) -> list[str]:
    return [text for p in photos for long, short, _ in p.captions for text in (long, short)]


class Stage2Task(Task):
    def __init__(self, config: Stage2Config, album: Album, base: str, out: Path, runtime: Runtime,
                 progress: ProgressCallback | None = None) -> None:
        self.config, self.runtime = config, runtime
        model = load_model(base, with_llm=False, progress=progress)
        if not isinstance(model, LLM2CLIPModel):
            raise InvalidInput(f"LLM2CLIP stage 2 trains an LLM2CLIP model; {base} is a {model.kind} model")
        self.model = model.to(runtime.device)
        if config.logit_scale is not None:
            with torch.no_grad():
                self.model.logit_scale.fill_(config.logit_scale)
        self.model.freeze(vision=False, text=False, logit_scale=False)  # the LLM is not even loaded
        self.lora = None
        if config.vision_lora_r:
            self.lora = _vision_lora(self.model, config)
        checkpointing = config.grad_checkpointing
        self.model.set_grad_checkpointing(runtime.grad_checkpointing if checkpointing is None else checkpointing)
        self.model.train()
        train_photos = photos_of(album.train)
        self.val = held_out(album)
        self.data = PhotoBatches(train_photos, config.batch_size, self.model.image_size, config.seed, config.workers)
        self.crop = RandomResizedCrop(self.model.vision.transform, self.model.image_size, config.crop_scale)
        cache_dir = Path(config.cache_dir) if config.cache_dir else out / "caption-cache"
        llm_dtype = runtime.dtype or torch.float32
        self.captions = CaptionVectors.for_llm(cache_dir, self.model.llm_source, llm_dtype)
        texts = all_captions(train_photos) + all_captions(self.val)
        if runtime.main:
            self.captions.ensure(texts, runtime.device, progress)
        if world()[1] > 1:  # the others wait for rank 0's vectors, then read them
            torch.distributed.barrier()
            if not runtime.main:
                self.captions = CaptionVectors.for_llm(cache_dir, self.model.llm_source, llm_dtype)

    def param_groups(self) -> list[dict[str, Any]]:
        c = self.config
        return self.model.param_groups(c.lr, c.weight_decay, c.layer_decay)

    def total_steps(self) -> int:
        c = self.config
        return c.steps or max(1, round(c.epochs * self.data.steps_per_epoch))

    def loss(self, step: int) -> torch.Tensor:
        indices = self.data.indices(step)
        pixels = self.data.pixels(indices, self.crop, step).to(self.runtime.device)
        texts = []
        for i in indices:  # one random caption of the photo, short or long, drawn afresh every step
            photo = self.data.photos[i]
            long, short, _ = photo.captions[pick(self.config.seed, step, photo.path, len(photo.captions))]
            texts.append(long if pick(self.config.seed, step, photo.path + "|short", 2) == 0 else short)
        vectors = self.captions(texts).to(self.runtime.device)
        with self.runtime.autocast():
            image = F.normalize(self.model.encode_image(pixels).float(), dim=-1)
            text = F.normalize(self.model.adaptor(vectors).float(), dim=-1)
        return clip_loss(image, text, self.model.logit_scale.exp())

    def after_step(self) -> None:
        with torch.no_grad():
            self.model.logit_scale.clamp_(0, LOGIT_SCALE_MAX)

    def text_vectors(self, texts: list[str]) -> np.ndarray:
        """Captions through the cached LLM vectors and the adaptor, L2-normalised (what search computes)."""
        vectors = self.captions(texts).to(self.runtime.device)
        return F.normalize(self.model.adaptor(vectors).float(), dim=-1).cpu().numpy()

    def evaluate(self) -> EvalReport:
        encoder = self.model.encoder()
        return album_report(self.val, encoder.encode_images, self.text_vectors, self.model.image_size)

    def export(self, folder: Path) -> Path:
        if self.lora is not None:  # fold LoRA into the vision weights: the export is the released layout
            self.lora.merge_and_unload()
            self.lora = None
        return self.model.save(folder)


def _vision_lora(model: LLM2CLIPModel, config: Stage2Config) -> Any:
    """LoRA on the vision tower's q/k/v (the reference's `--lora` option), in place; everything else in the
    vision tower frozen. Returns peft's LoraModel, whose `merge_and_unload` folds it back in."""
    from peft import LoraConfig
    from peft.tuners.lora import LoraModel

    inner = model.vision.trunk if hasattr(model.vision, "trunk") else model.vision.clip
    model.vision.requires_grad_(False)
    lora_config = LoraConfig(r=config.vision_lora_r, lora_alpha=config.vision_lora_alpha,
                             lora_dropout=config.vision_lora_dropout, target_modules=VISION_LORA_TARGETS)
    return LoraModel(inner, lora_config, "default")
