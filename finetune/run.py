"""One fine-tuning run in an output folder, for the CLI and the app alike: what it trains, resuming, estimates.

An output folder holds `run.json` (recipe, album, base), `config.json` (the recipe's settings dataclass),
`checkpoint.pt` while it runs, and at the end `results.json`/`results.txt` (the before/after table) and
`model/` (the trained model, a `--model` spec). Starting a run whose folder already holds an unfinished one
resumes it with its saved settings; asking for different settings there is an error, not a silent mix.
"""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finetune.config import CONFIGS, Recipe, TrainConfig
from photosearch.errors import InvalidInput
from photosearch.progress import Control, ProgressCallback

if TYPE_CHECKING:  # the loop imports torch; planning a run must not
    from finetune.loop import TrainReport

log = logging.getLogger(__name__)
RECIPE_FAMILIES = {Recipe.LONGCLIP: ("longclip", "openclip"), Recipe.LLM2CLIP_STAGE1: ("llm2clip",),
                   Recipe.LLM2CLIP_STAGE2: ("llm2clip",)}
RUN_FILE, CONFIG_FILE, RESULTS_FILE, MODEL_DIR = "run.json", "config.json", "results.json", "model"


@dataclass(frozen=True)
class RunSpec:
    recipe: Recipe
    album: Path
    base: str
    out: Path
    config: TrainConfig

    @property
    def resuming(self) -> bool:
        from finetune.loop import CHECKPOINT

        return (self.out / CHECKPOINT).is_file()


def plan_run(recipe: Recipe, album: str | Path, base: str, out: str | Path,
             overrides: dict[str, Any] | None = None) -> RunSpec:
    """The run to start in `out`: a new one with the recipe's defaults and `overrides`, or the unfinished one
    already there (same recipe, album and base; `overrides` must agree with its saved settings)."""
    from photosearch.factory import canonical_spec, spec_kind

    from finetune.album import album_source

    out = Path(out).expanduser().absolute()
    album = album_source(album).absolute()
    base = canonical_spec(base)
    kind = spec_kind(base)
    if kind not in RECIPE_FAMILIES[recipe]:
        hint = "llm2clip-stage1/2" if kind == "llm2clip" else "longclip"
        raise InvalidInput(f"{recipe.value} trains {' or '.join(RECIPE_FAMILIES[recipe])} models; {base} is a "
                           f"{kind} model (fine-tune it with {hint})")
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    config_type = CONFIGS[recipe]
    try:
        config = config_type().replace(**overrides)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"bad setting for {recipe.value}: {exc}") from exc
    if (out / MODEL_DIR).is_dir() and (out / RESULTS_FILE).is_file():
        raise InvalidInput(f"{out} already holds a finished run (its model is {out / MODEL_DIR}); "
                           "choose another --out")
    if (out / RUN_FILE).is_file():
        saved = json.loads((out / RUN_FILE).read_text())
        same = (saved.get("recipe"), saved.get("album"), saved.get("base")) == (recipe.value, str(album), base)
        if not same:
            raise InvalidInput(f"{out} holds a {saved.get('recipe')} run on {saved.get('album')} from "
                               f"{saved.get('base')}; choose another --out for a different run")
        previous = config_type.load(out / CONFIG_FILE)
        changed = sorted(k for k, v in overrides.items() if asdict(previous).get(k) != getattr(config, k))
        if changed:
            raise InvalidInput(f"{out} holds an unfinished run with other settings ({', '.join(changed)}); "
                               "run the same command to resume it, or choose another --out")
        config = previous
    elif out.exists() and any(out.iterdir()):
        raise InvalidInput(f"{out} is not empty; give a new folder for the run's output")
    return RunSpec(recipe, album, base, out, config)


def start_run(spec: RunSpec, progress: ProgressCallback | None = None,
              control: Control | None = None) -> "TrainReport":
    """Load the album and the base model, train (or resume), export; see `finetune.loop.train`."""
    from finetune.album import Album, AlbumConfig
    from finetune.loop import train
    from finetune.recipes import build_task
    from finetune.runtime import session

    album = Album.load(spec.album, AlbumConfig(val_fraction=spec.config.val_fraction))
    log.info("fine-tuning %s from %s on %s", spec.recipe.value, spec.base, album.summary())
    with session(spec.config) as runtime:
        # under torchrun every process has planned the run (read-only) before the group forms; only then does
        # the first write the run's files
        spec.out.mkdir(parents=True, exist_ok=True)
        if runtime.main and not (spec.out / RUN_FILE).is_file():
            spec.config.save(spec.out / CONFIG_FILE)
            (spec.out / RUN_FILE).write_text(json.dumps(
                {"recipe": spec.recipe.value, "album": str(spec.album), "base": spec.base}, indent=2) + "\n")
        task = build_task(spec.recipe, spec.config, album, spec.base, spec.out, runtime, progress)
        try:
            return train(task, spec.out, progress, control)
        finally:
            task.close()
