"""`photosearch finetune RECIPE` and `photosearch eval`, added to the CLI through the `photosearch.cli` entry
point. torch loads only once one of them runs; several GPUs: `torchrun --nproc-per-node N -m photosearch
finetune ...` (each process reads its share of every batch; only the first prints and writes files)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Callable

from finetune.config import CONFIGS, Recipe

# the settings a user most often changes get their own flags; any other field of the recipe's config dataclass
# goes through --set name=value
FLAGS = {
    "steps": (int, "optimizer steps (default: --epochs over the album)"),
    "epochs": (float, "passes over the training photos when --steps is not given"),
    "batch_size": (int, "photos per step, over all GPUs together"),
    "lr": (float, "peak learning rate"),
    "eval_every": (int, "evaluate on the held-out photos every N steps (default: before and after only)"),
    "checkpoint_every": (int, "save a resumable checkpoint every N steps"),
    "val_fraction": (float, "share of photos held out for evaluation"),
    "seed": (int, "seed for the split-independent choices: batches, captions, crops"),
}


def _parse_sets(pairs: list[str], recipe: Recipe) -> dict[str, object]:
    from photosearch.errors import InvalidInput

    known = CONFIGS[recipe].__dataclass_fields__
    out: dict[str, object] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in known:
            choices = ", ".join(sorted(known))
            raise InvalidInput(f"--set {pair!r}: expected NAME=VALUE with NAME one of {choices}")
        try:
            out[name] = json.loads(text)
        except json.JSONDecodeError:
            out[name] = text  # a plain string (a device name, a schedule)
    return out


def cmd_finetune(args: argparse.Namespace) -> int:
    from finetune.run import plan_run, start_run
    from photosearch.cli.display import ProgressDisplay

    recipe = Recipe(args.recipe)
    overrides = {name: getattr(args, name) for name in FLAGS}
    overrides.update(_parse_sets(args.set or [], recipe))
    if args.device:
        overrides["device"] = args.device
    spec = plan_run(recipe, args.album, args.base, args.out, overrides)
    main = int(os.environ.get("RANK", "0")) == 0
    if main:
        print(f"{'resuming' if spec.resuming else 'starting'} {recipe.value} in {spec.out} "
              f"(settings in {spec.out / 'config.json'})", file=sys.stderr)
    display = ProgressDisplay() if main else None
    try:
        report = start_run(spec, display)
    finally:
        if display:
            display.close()
    if not main:
        return 0
    if report.cancelled:
        print(f"stopped at step {report.steps}; run the same command to resume", file=sys.stderr)
        return 130
    from finetune.loop import before_after_table

    print(before_after_table(report.before, report.after))
    if report.skipped:
        print(f"{report.skipped} steps had non-finite losses or gradients and were skipped", file=sys.stderr)
    print(f"model: {report.model}  (search with it: photosearch search --model {report.model} ...)")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from finetune.album import Album, AlbumConfig
    from finetune.data import photos_of
    from finetune.eval import album_report
    from photosearch.errors import InvalidInput
    from photosearch.factory import canonical_spec, create_encoder

    album = Album.load(args.album, AlbumConfig(val_fraction=args.val_fraction, min_val_photos=0))
    items = album.items if args.split == "all" else album.val
    photos = photos_of(items)
    if not photos:
        raise InvalidInput(f"the album has no {'' if args.split == 'all' else 'held-out '}photos to evaluate on")
    encoder = create_encoder(canonical_spec(args.model), device=args.device or "auto")
    report = album_report(photos, encoder.encode_images, encoder.encode_texts, encoder.image_size)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
        return 0
    print(f"{len(photos)} photos ({args.split}), recall@1/5/10")
    for key, r in report.rows():
        print(f"{key:<22}{r.r1:6.2f} {r.r5:5.2f} {r.r10:5.2f}")
    return 0


def register(sub: argparse._SubParsersAction, library: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = sub.add_parser("finetune", help="fine-tune a search model on your own captioned photos",
                       description="Fine-tune a model on an album of captioned photos (sidecar .txt, XMP, EXIF, "
                                   "IPTC captions, or a CSV/JSONL manifest). Run the same command again to "
                                   "resume an interrupted run.")
    p.add_argument("recipe", choices=[r.value for r in Recipe])
    p.add_argument("--album", required=True, help="folder of captioned photos, or a .csv/.jsonl manifest")
    p.add_argument("--base", required=True, help="the model to start from (a preset name or a --model spec)")
    p.add_argument("--out", required=True, help="folder for checkpoints, results and the trained model")
    for name, (kind, text) in FLAGS.items():
        p.add_argument("--" + name.replace("_", "-"), dest=name, type=kind, default=None, help=text)
    p.add_argument("--device", default=None, help="auto (default), cpu, cuda, cuda:1, mps")
    p.add_argument("--set", action="append", metavar="NAME=VALUE",
                   help="any other setting of the recipe (see config.json in a run's folder), e.g. lora_r=8")
    p.set_defaults(func=cmd_finetune)

    e = sub.add_parser("eval", help="recall@1/5/10 of a model on an album's captioned photos")
    e.add_argument("--album", required=True, help="folder of captioned photos, or a .csv/.jsonl manifest")
    e.add_argument("--model", required=True, help="preset name or --model spec (e.g. a fine-tuned model folder)")
    e.add_argument("--split", choices=["val", "all"], default="val",
                   help="the held-out photos (as fine-tuning splits them) or every photo")
    e.add_argument("--val-fraction", type=float, default=0.1)
    e.add_argument("--device", default=None)
    e.add_argument("--json", action="store_true", help="print the figures as JSON")
    e.set_defaults(func=cmd_eval)
