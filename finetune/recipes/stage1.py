"""LLM2CLIP stage 1, caption-contrastive fine-tuning of the LLM (microsoft/LLM2CLIP `llm_caption_contrastive/`,
run through McGill-NLP/llm2vec's supervised training).

The LLM is the bidirectional, mean-pooled LLM2Vec encoder search uses; peft puts LoRA (r 16, alpha 32, dropout
0.05) on its q/k/v/o/gate/up/down projections and nothing else trains. Each photo gives a pair of its captions:
the query is one (short or long, drawn per photo and step) with the matching instruction in front, read by the
model but excluded from the pooled mean; the positive is the other caption; the hard negative is the same kind
of caption of another photo. llm2vec's loss: cosine(query, [positives; hard negatives]) x 50, cross-entropy
towards the query's own positive. The export merges LoRA into the weights: a plain Llama folder next to the
unchanged vision tower and adaptor, which stage 2 takes as its base.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from finetune.album import Album
from finetune.config import Stage1Config
from finetune.data import PhotoBatches, held_out, photos_of, pick
from finetune.eval import EvalReport, album_report, recall_report
from finetune.loop import Task
from finetune.losses import hard_negative_nll
from finetune.runtime import Runtime
from photosearch.errors import InvalidInput
from photosearch.models import load_model
from photosearch.models.llm2clip import LLM2CLIPModel
from photosearch.progress import ProgressCallback

SHORT_TO_LONG, LONG_TO_SHORT = 0, 1


class Stage1Task(Task):
    def __init__(self, config: Stage1Config, album: Album, base: str, out: Path, runtime: Runtime,
                 progress: ProgressCallback | None = None) -> None:
        from peft import LoraConfig, get_peft_model

        self.config, self.runtime = config, runtime
        model = load_model(base, llm_dtype=runtime.dtype or torch.float32, progress=progress)
        if not isinstance(model, LLM2CLIPModel):
            raise InvalidInput(f"LLM2CLIP stage 1 fine-tunes an LLM2CLIP model's LLM; {base} is a {model.kind} model")
        self.model = model
        model.requires_grad_(False)
        lora = LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                          target_modules=list(config.lora_targets), bias="none")
        with warnings.catch_warnings():  # peft 0.21 asks for transformers' deprecated `is_gradient_checkpointing`
            warnings.filterwarnings("ignore", "`is_gradient_checkpointing` is deprecated", FutureWarning)
            model.llm.model = get_peft_model(model.llm.model, lora)
        model.to(runtime.device)
        # the adaptor stays float32 beside a bf16 LLM, as search places it
        model.text.place(runtime.device, runtime.dtype or torch.float32)
        checkpointing = config.grad_checkpointing
        self.model.set_grad_checkpointing(runtime.grad_checkpointing if checkpointing is None else checkpointing)
        self.model.train()
        self.llm = model.llm
        photos = photos_of(album.train)
        if len(photos) < 2:
            raise InvalidInput("caption-contrastive training needs at least two training photos")
        self.data = PhotoBatches(photos, config.batch_size, model.image_size, config.seed, config.workers)
        self.val = held_out(album)

    def param_groups(self) -> list[dict[str, Any]]:
        params = [p for p in self.model.parameters() if p.requires_grad]
        return [{"params": params, "weight_decay": self.config.weight_decay, "lr_scale": 1.0}]

    def total_steps(self) -> int:
        c = self.config
        return c.steps or max(1, round(c.epochs * self.data.steps_per_epoch))

    def embed(self, texts: list[str], instructions: list[str] | None = None) -> torch.Tensor:
        tokens = self.llm.tokenizer(texts, instructions).to(self.runtime.device)
        with self.runtime.autocast():
            return self.llm(tokens).float()

    def loss(self, step: int) -> torch.Tensor:
        c, photos = self.config, self.data.photos
        queries, instructions, positives, negatives = [], [], [], []
        for i in self.data.indices(step):
            photo = photos[i]
            long, short, _ = photo.captions[pick(c.seed, step, photo.path, len(photo.captions))]
            direction = pick(c.seed, step, photo.path + "|direction", 2)
            # another photo's caption of the positive's kind: close in form, wrong in content
            other = (i + 1 + pick(c.seed, step, photo.path + "|negative", len(photos) - 1)) % len(photos)
            o_long, o_short, _ = photos[other].captions[0]
            if direction == SHORT_TO_LONG:
                queries.append(short), positives.append(long), negatives.append(o_long)
            else:
                queries.append(long), positives.append(short), negatives.append(o_short)
            instructions.append(c.query_instructions[direction])
        query = self.embed(queries, instructions)
        positive = self.embed(positives)
        negative = self.embed(negatives) if c.hard_negatives else None
        return hard_negative_nll(query, positive, negative, c.loss_scale)

    def evaluate(self) -> EvalReport:
        """Held-out caption retrieval (a short caption with its instruction finding its long one among all
        held-out long captions, and back), plus text<->image recall through the unchanged adaptor (which
        stage 2 then realigns)."""
        first = [p.captions[0] for p in self.val]
        longs = _normalised(self.embed([c[0] for c in first]))
        shorts = _normalised(self.embed([c[1] for c in first], [self.config.query_instructions[SHORT_TO_LONG]] * len(first)))
        report = recall_report(longs, {"captions": shorts}, [c[2] for c in first], names=("short→long", "long→short"))
        encoder = self.model.encoder()
        images = album_report(self.val, encoder.encode_images, encoder.encode_texts, self.model.image_size)
        report.recall.update(images.recall)
        return report

    def export(self, folder: Path) -> Path:
        return self.model.save(folder)  # merges LoRA into the LLM's weights


def _normalised(x: torch.Tensor) -> np.ndarray:
    return torch.nn.functional.normalize(x, dim=-1).cpu().numpy()
