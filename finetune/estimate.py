"""A rough training time before a run starts, from the base model's measured indexing speed.

A training step runs each photo forward and backward through the towers it trains; backward costs about twice
forward, so a photo costs ~3x what indexing it costs (the speed each preset's card records, measured on this
project's machines), and Long-CLIP also trains its text tower on two captions (counted as one more forward
pass: the text tower is a third of the image tower's work at 77-248 tokens). Stage 1 trains the LLM only, whose
speed no card records, so it has no estimate until the run measures its own rate (the progress ETA).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from finetune.config import Recipe, TrainConfig

if TYPE_CHECKING:
    from photosearch.catalog import DeviceKind

PASSES = {Recipe.LONGCLIP: 4.0, Recipe.LLM2CLIP_STAGE2: 3.0}


def samples(config: TrainConfig, train_photos: int) -> int:
    """Photos the run will go through: steps x batch, or epochs x the training photos."""
    batch = min(config.batch_size, max(1, train_photos))
    if config.steps:
        return config.steps * batch
    return max(1, round(config.epochs * max(1, train_photos // batch))) * batch


def estimate_seconds(recipe: Recipe, base: str, config: TrainConfig, train_photos: int,
                     device: "DeviceKind | None" = None) -> float | None:
    """Seconds the run should take on this machine, or None when nothing is known about the base's speed."""
    from photosearch.catalog import PresetCard, detect_device
    from photosearch.factory import get_preset

    preset = get_preset(base)
    passes = PASSES.get(recipe)
    if preset is None or passes is None:
        return None
    rate = PresetCard.of(preset).photos_per_s(device or detect_device())
    if rate <= 0:
        return None
    return samples(config, train_photos) * passes / rate
