"""The rough time the Fine-tune window shows before a run: from the base preset's measured indexing speed."""
from __future__ import annotations

from finetune.config import LongClipConfig, Recipe, Stage1Config, Stage2Config
from finetune.estimate import estimate_seconds, samples
from photosearch.catalog import DeviceKind, PresetCard
from photosearch.factory import get_preset


def test_samples_follow_steps_or_epochs() -> None:
    assert samples(LongClipConfig(steps=10, batch_size=32), 1000) == 320
    assert samples(LongClipConfig(epochs=2, batch_size=100), 1000) == 2000
    assert samples(LongClipConfig(epochs=1, batch_size=128), 40) == 40  # the batch never exceeds the album


def test_a_preset_base_gets_an_estimate_a_local_model_or_stage1_does_not() -> None:
    config = LongClipConfig(epochs=1, batch_size=100)
    rate = PresetCard.of(get_preset("longclip-b")).photos_per_s(DeviceKind.CPU)
    seconds = estimate_seconds(Recipe.LONGCLIP, "longclip-b", config, 1000, DeviceKind.CPU)
    assert seconds == 1000 * 4 / rate  # forward + backward (3x) over both towers
    stage2 = estimate_seconds(Recipe.LLM2CLIP_STAGE2, "llm2clip-1b", Stage2Config(epochs=1), 1000, DeviceKind.CUDA)
    assert stage2 is not None and stage2 < estimate_seconds(Recipe.LLM2CLIP_STAGE2, "llm2clip-1b",
                                                            Stage2Config(epochs=1), 1000, DeviceKind.CPU)
    assert estimate_seconds(Recipe.LONGCLIP, "longclip:/some/model.pt", config, 1000, DeviceKind.CPU) is None
    assert estimate_seconds(Recipe.LLM2CLIP_STAGE1, "llm2clip-1b", Stage1Config(), 1000, DeviceKind.CPU) is None
