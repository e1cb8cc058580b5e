"""`photosearch` command line. Each sub-command is one small function; heavy imports happen inside them so
`photosearch --help` stays instant."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from photosearch.factory import DEFAULT_MODEL


def _add_model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=DEFAULT_MODEL, help=f"preset or spec (default {DEFAULT_MODEL}); see README")
    p.add_argument("--device", default=None, help="auto (default), cpu, cuda[:N] or mps")


def _encoder(args: argparse.Namespace):
    from photosearch.download import tqdm_progress
    from photosearch.factory import create_encoder

    return create_encoder(args.model, device=args.device, progress=tqdm_progress(f"downloading {args.model}"))


# -- models ------------------------------------------------------------------------------------------------
def cmd_models_list(args: argparse.Namespace) -> int:
    from photosearch.factory import list_presets

    for preset in list_presets():
        default = " (default)" if preset.name == DEFAULT_MODEL else ""
        print(f"{preset.name:<18} {preset.kind:<9} {preset.description}{default}")
    return 0


def cmd_models_download(args: argparse.Namespace) -> int:
    from photosearch.download import tqdm_progress
    from photosearch.factory import download_preset, get_preset

    preset = get_preset(args.name)
    if preset is None:
        print(f"error: no preset named {args.name!r} (see `photosearch models list`)", file=sys.stderr)
        return 2
    for role, path in download_preset(preset, progress=tqdm_progress(f"{args.name}")).items():
        print(f"{role}: {path}")
    return 0


def cmd_models_info(args: argparse.Namespace) -> int:
    encoder = _encoder(args)
    info = {"model_id": encoder.model_id, "dim": encoder.dim, "max_text_tokens": encoder.max_text_tokens}
    print(json.dumps(info, indent=2))
    return 0


# -- embed -------------------------------------------------------------------------------------------------
def cmd_embed(args: argparse.Namespace) -> int:
    encoder = _encoder(args)
    if args.text:
        vectors, info = encoder.encode_texts_with_info(args.text)
        truncated = [
            {"index": i, "tokens": t.n_tokens, "kept": t.kept_tokens} for i, t in enumerate(info) if t.truncated
        ]
    else:
        from photosearch.images import load_image

        size = encoder.vision.image_size
        vectors = encoder.encode_images([load_image(Path(p), target=size).image for p in args.image])
        truncated = []
    if args.json:
        out = {"model_id": encoder.model_id, "dim": encoder.dim, "vectors": vectors.tolist(), "truncated": truncated}
        print(json.dumps(out))
    else:
        for t in truncated:
            print(f"note: text {t['index']} has {t['tokens']} tokens; only the first {t['kept']} were read",
                  file=sys.stderr)
        labels = args.text or args.image
        for label, vec in zip(labels, vectors):
            head = " ".join(f"{x:+.4f}" for x in vec[:6])
            print(f"{label[:40]!r:<44} [{head} ...] ({encoder.dim}-d)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="photosearch", description="Search your photos by description.")
    sub = parser.add_subparsers(dest="command", required=True)

    models = sub.add_parser("models", help="list, download or inspect models")
    msub = models.add_subparsers(dest="models_command", required=True)
    msub.add_parser("list", help="presets that can be downloaded").set_defaults(func=cmd_models_list)
    dl = msub.add_parser("download", help="download a preset now (shows size and progress)")
    dl.add_argument("name")
    dl.set_defaults(func=cmd_models_download)
    info = msub.add_parser("info", help="model id, dimension and text limit of a spec")
    info.add_argument("spec", help="preset or spec")
    info.add_argument("--device", default=None)
    info.set_defaults(func=cmd_models_info, model=None)

    embed = sub.add_parser("embed", help="print embeddings of texts or images")
    _add_model_args(embed)
    group = embed.add_mutually_exclusive_group(required=True)
    group.add_argument("--text", nargs="+", metavar="T")
    group.add_argument("--image", nargs="+", metavar="PATH")
    embed.add_argument("--json", action="store_true", help="machine-readable output (see README)")
    embed.set_defaults(func=cmd_embed)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "spec", None) is not None and getattr(args, "model", "x") is None:
        args.model = args.spec
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # known user-facing failures carry their own message
        from photosearch.download import ModelNotAvailable

        if isinstance(exc, ModelNotAvailable):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
