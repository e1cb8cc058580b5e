"""`models list|download|info|remove` and `embed`: model commands (only `models remove` opens a library)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

from photosearch.cli.args import add_db, add_device, add_model
from photosearch.cli.display import ProgressDisplay
from photosearch.errors import InvalidInput
from photosearch.pathtext import display_path


def _encoder(args: argparse.Namespace, progress: ProgressDisplay):
    from photosearch.factory import create_encoder

    return create_encoder(args.model, device=args.device, progress=progress)


def cmd_models_list(args: argparse.Namespace) -> int:
    from photosearch.catalog import default_model
    from photosearch.factory import list_presets

    here = default_model(getattr(args, "device", None))
    for preset in list_presets():
        default = " (default on this machine)" if preset.name == here else ""
        print(f"{preset.name:<18} {preset.kind:<9} {preset.description}{default}")
    return 0


def cmd_models_download(args: argparse.Namespace) -> int:
    from photosearch.factory import download_preset, get_preset, list_presets

    preset = get_preset(args.name)
    if preset is None:
        names = ", ".join(p.name for p in list_presets())
        raise InvalidInput(f"no preset named {args.name!r} (presets: {names})")
    with ProgressDisplay() as progress:
        local = download_preset(preset, progress=progress)
    for role, path in local.items():
        print(f"{role}: {path}")
    return 0


def cmd_models_info(args: argparse.Namespace) -> int:
    with ProgressDisplay() as progress:
        encoder = _encoder(args, progress)
        info = {
            "model_id": encoder.model_id, "spec": encoder.spec, "dim": encoder.dim,
            "image_size": encoder.image_size, "max_text_tokens": encoder.max_text_tokens,
        }
    print(json.dumps(info, indent=2))
    return 0


def cmd_models_remove(args: argparse.Namespace) -> int:
    from photosearch.library import Library

    with Library.open(args.db) as lib:
        removed = lib.remove_model(args.model, force=args.force)
    print(f"removed model {removed.spec or removed.model_id} ({removed.model_id}) and its {removed.vectors} vectors; "
          "the photos stay indexed")
    if removed.vectors and not removed.others_left:
        print("no model of this library holds vectors now: `photosearch index --model SPEC` embeds every photo again",
              file=sys.stderr)
    return 0


def cmd_embed(args: argparse.Namespace) -> int:
    with ProgressDisplay() as progress:
        encoder = _encoder(args, progress)
        if args.text:
            vectors, info = encoder.encode_texts_with_info(args.text)
            truncated = [
                {"index": i, "tokens": t.n_tokens, "kept": t.kept_tokens} for i, t in enumerate(info) if t.truncated
            ]
        else:
            vectors, truncated = _embed_images(encoder, args.image), []
    if args.json:
        out = {"model_id": encoder.model_id, "dim": encoder.dim, "vectors": vectors.tolist(), "truncated": truncated}
        print(json.dumps(out))
        return 0
    for t in truncated:
        print(f"note: text {t['index']} has {t['tokens']} tokens; only the first {t['kept']} were read", file=sys.stderr)
    labels = args.text or [display_path(p) for p in args.image]
    for label, vec in zip(labels, vectors):
        head = " ".join(f"{x:+.4f}" for x in vec[:6])
        print(f"{label[:40]!r:<44} [{head} ...] ({encoder.dim}-d)")
    return 0


def _embed_images(encoder, paths: list[str]):
    from photosearch.images import ImageError, load_image

    images = []
    for p in paths:
        try:
            images.append(load_image(Path(p).expanduser(), target=encoder.image_size).image)
        except ImageError as e:
            raise InvalidInput(f"cannot embed {display_path(p)}: {e.reason}") from e
    return encoder.encode_images(images)


def register(sub: argparse._SubParsersAction, parser_class: Callable[..., argparse.ArgumentParser]) -> None:
    models = sub.add_parser("models", help="list, download or inspect models")
    msub = models.add_subparsers(dest="models_command", required=True, parser_class=parser_class)
    msub.add_parser("list", help="presets that can be downloaded").set_defaults(func=cmd_models_list)
    dl = msub.add_parser("download", help="download a preset now (shows size and progress)")
    dl.add_argument("name")
    dl.set_defaults(func=cmd_models_download)
    info = msub.add_parser("info", help="model id, dimension, image size and query length of a spec")
    info.add_argument("model", metavar="SPEC", help="preset or spec")
    add_device(info)
    info.set_defaults(func=cmd_models_info)
    remove = msub.add_parser("remove", help="drop one of the library's models and its vectors (see `status`)")
    remove.add_argument("model", metavar="MODEL", help="model id, as `photosearch status` shows it, or its spec")
    remove.add_argument("--force", action="store_true",
                        help="remove it even if it holds the library's only vectors (every photo must be embedded again)")
    add_db(remove)
    remove.set_defaults(func=cmd_models_remove)

    embed = sub.add_parser("embed", help="print embeddings of texts or images")
    add_model(embed, library=False)
    group = embed.add_mutually_exclusive_group(required=True)
    group.add_argument("--text", nargs="+", action="extend", metavar="T", help="texts (repeatable)")
    group.add_argument("--image", nargs="+", action="extend", metavar="PATH", help="photos (repeatable)")
    embed.add_argument("--json", action="store_true", help="machine-readable output (see README)")
    embed.set_defaults(func=cmd_embed)
