"""The recipes, one file each: a `Task` the training loop runs. `build_task` picks one by `Recipe`."""
from __future__ import annotations

from pathlib import Path

from finetune.album import Album
from finetune.config import Recipe, TrainConfig
from finetune.loop import Task
from finetune.runtime import Runtime
from photosearch.progress import ProgressCallback


def build_task(recipe: Recipe, config: TrainConfig, album: Album, base: str, out: Path, runtime: Runtime,
               progress: ProgressCallback | None = None) -> Task:
    """The task for `recipe`, its model loaded from `base` (any `--model` spec of the right family)."""
    if recipe is Recipe.LONGCLIP:
        from finetune.recipes.longclip import LongClipTask

        return LongClipTask(config, album, base, out, runtime, progress)
    if recipe is Recipe.LLM2CLIP_STAGE1:
        from finetune.recipes.stage1 import Stage1Task

        return Stage1Task(config, album, base, out, runtime, progress)
    from finetune.recipes.stage2 import Stage2Task

    return Stage2Task(config, album, base, out, runtime, progress)
