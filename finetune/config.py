"""The recipes' settings, one dataclass each; the defaults are the reference runs' values.

Sources (commits read for this project; see tests/fixtures notes in the closing notes):
* LLM2CLIP stage 1 = llm2vec's supervised run as LLM2CLIP configures it (`train_configs/supervised/
  MetaLlama3_cc3m.json`, `run_supervised.py`): LoRA r 16, alpha 32, dropout 0.05 on q/k/v/o/gate/up/down; lr
  2e-4, 300 warm-up steps then the HF Trainer's linear decay; loss scale 50; batch 64 per device; 512 tokens.
  Optimizer settings the repo leaves to the HF Trainer: AdamW (0.9, 0.999, 1e-8), no weight decay, grad norm 1.
* LLM2CLIP stage 2 (`llm2clip/training`, `run.sh`): AdamW lr 1e-5, weight decay 0.05, default betas/eps,
  layer-wise lr decay 0.85 over the vision blocks, gradient clip 5, cosine from the base lr to 0 without
  warm-up, logit scale starting at ln(1/0.07) (the reference model's init; its text side is new) and clamped
  to [0, ln 100] after each step, a random caption (short or long) per photo each
  time it is read, RandomResizedCrop(scale 0.9-1.0, bicubic) for training images.
* Long-CLIP (`train/train.py`, `train.md`): AdamW lr 1e-6, weight decay 1e-2, 200 warm-up steps then cosine,
  label smoothing 0.1, PCA rank 32, both losses weighted 1:1, logit scale reset to 4.6052 (ln 100) and left
  unclamped, 6 epochs recommended at batch 2048; images with the eval transform (no augmentation).

A recipe run with a tiny model from scratch (the tests, the demo) overrides lr and steps; everything else stays.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

C = TypeVar("C", bound="TrainConfig")


class Recipe(str, Enum):
    LLM2CLIP_STAGE1 = "llm2clip-stage1"
    LLM2CLIP_STAGE2 = "llm2clip-stage2"
    LONGCLIP = "longclip"


class Schedule(str, Enum):
    LINEAR = "linear"  # warm-up, then linear decay to 0 (the HF Trainer's default)
    COSINE = "cosine"  # warm-up, then cosine to 0


@dataclass
class TrainConfig:
    steps: int = 0  # optimizer steps; 0 = `epochs` over the training split
    epochs: float = 1.0
    batch_size: int = 64  # global: split evenly across GPUs
    lr: float = 1e-5
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    warmup_steps: int = 0
    schedule: Schedule = Schedule.COSINE
    grad_clip: float = 0.0  # 0 = none
    eval_every: int = 0  # steps; 0 = only before and after
    checkpoint_every: int = 100
    max_bad_steps: int = 20  # non-finite loss/gradients in a row before the run stops
    seed: int = 42
    val_fraction: float = 0.1
    device: str = "auto"
    grad_checkpointing: bool | None = None  # None: on for GPUs, off for the CPU
    precision: str = "auto"  # auto (bf16 on CUDA, float32 elsewhere), bf16, fp16, fp32
    workers: int = 0  # image decode threads; 0 = one per core

    def save(self, path: Path) -> None:
        data = {f.name: _plain(getattr(self, f.name)) for f in fields(self)}
        data["recipe_config"] = type(self).__name__
        path.write_text(json.dumps(data, indent=2) + "\n")

    @classmethod
    def load(cls: type[C], path: Path) -> C:
        data = json.loads(path.read_text())
        data.pop("recipe_config", None)
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls: type[C], data: dict[str, Any]) -> C:
        known = {f.name: f for f in fields(cls)}
        kwargs = {}
        for key, value in data.items():
            if key not in known:
                continue
            default = getattr(cls(), key)
            if isinstance(default, Enum):
                value = type(default)(value)
            elif isinstance(default, tuple):
                value = tuple(value)
            kwargs[key] = value
        return cls(**kwargs)

    def replace(self: C, **changes: Any) -> C:
        return type(self).from_dict({**asdict(self), **changes})


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else list(value) if isinstance(value, tuple) else value


@dataclass
class Stage1Config(TrainConfig):
    batch_size: int = 64
    lr: float = 2e-4
    warmup_steps: int = 300
    schedule: Schedule = Schedule.LINEAR
    grad_clip: float = 1.0
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_targets: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
    loss_scale: float = 50.0
    hard_negatives: bool = True
    query_instructions: tuple[str, str] = (
        "Given a sentence, retrieve a detailed relevant sentence",  # short caption -> its long caption
        "Given a detailed sentence, retrieve a short relevant sentence",  # long caption -> its short caption
    )


@dataclass
class Stage2Config(TrainConfig):
    batch_size: int = 512
    lr: float = 1e-5
    weight_decay: float = 0.05
    schedule: Schedule = Schedule.COSINE
    grad_clip: float = 5.0
    layer_decay: float = 0.85
    vision_lora_r: int = 0  # 0 = train the whole vision tower; 32 = LoRA on q/k/v (the reference's option)
    vision_lora_alpha: int = 32
    vision_lora_dropout: float = 0.1
    crop_scale: tuple[float, float] = (0.9, 1.0)
    cache_dir: str = ""  # caption vectors; "" = <out>/caption-cache
    logit_scale: float | None = 2.6593  # ln(1/0.07), as the reference model starts; None keeps the base's


@dataclass
class LongClipConfig(TrainConfig):
    batch_size: int = 128
    epochs: float = 6.0
    lr: float = 1e-6
    weight_decay: float = 1e-2
    warmup_steps: int = 200
    schedule: Schedule = Schedule.COSINE
    label_smoothing: float = 0.1
    pca_rank: int = 32
    short_weight: float = 1.0
    logit_scale: float = 4.6052  # the reference resets the scale to ln(100) before training
    keep_rows: int = 20  # position rows kept from the 77-token CLIP (the rest interpolated, then trained)


CONFIGS: dict[Recipe, type[TrainConfig]] = {
    Recipe.LLM2CLIP_STAGE1: Stage1Config,
    Recipe.LLM2CLIP_STAGE2: Stage2Config,
    Recipe.LONGCLIP: LongClipConfig,
}
