"""`photosearch` command line. Each sub-command is one small function; heavy imports happen inside them so
`photosearch --help` stays instant."""
from __future__ import annotations

import argparse
import json
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Sequence

from photosearch.factory import DEFAULT_MODEL


def _add_model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=DEFAULT_MODEL, help=f"preset or spec (default {DEFAULT_MODEL}); see README")
    p.add_argument("--device", default=None, help="auto (default), cpu, cuda[:N] or mps")


def _encoder(args: argparse.Namespace):
    from photosearch.download import tqdm_progress
    from photosearch.factory import create_encoder

    return create_encoder(args.model, device=getattr(args, "device", None), progress=tqdm_progress(f"downloading {args.model}"))


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


# -- library -----------------------------------------------------------------------------------------------
def open_store(args: argparse.Namespace):
    """`--db` beats $PHOTOSEARCH_DB beats the user data folder."""
    from photosearch.store import Store

    return Store.open(Path(args.db).expanduser() if args.db else None)


def model_for_library(args: argparse.Namespace, store, *, complete: bool = False) -> str:
    """Without --model, use the model the library was last indexed with, so search just works.

    With `complete`, prefer the newest model that has embedded every photo: while `index --model NEW`
    backfills, searches keep using the old model and see the whole library."""
    if args.model:
        return args.model
    models = [m for m in store.models() if m.spec]
    if not models:
        return DEFAULT_MODEL
    if complete:
        done = [m for m in models if not store.missing_embeddings(m.model_id, limit=1)]
        return (done or models)[-1].spec
    return models[-1].spec


def cmd_add(args: argparse.Namespace) -> int:
    root = Path(args.root).expanduser().resolve()
    if not root.is_dir():
        print(f"error: {root} is not a folder", file=sys.stderr)
        return 2
    excluded = [(root / e).resolve() if not Path(e).is_absolute() else Path(e) for e in args.exclude]
    with open_store(args) as store:
        added = store.add_root(root, excluded)
        if excluded:
            store.set_root_excluded(added.id, excluded)
    print(f"added {root}" + (f" (excluding {', '.join(map(str, excluded))})" if excluded else ""))
    print("run `photosearch index` (once) or `photosearch watch` (keeps it up to date)")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    root = str(Path(args.root).expanduser().resolve())
    with open_store(args) as store:
        match = next((r for r in store.roots() if r.path == root), None)
        if match is None:
            print(f"error: {root} is not a library folder (see `photosearch status`)", file=sys.stderr)
            return 2
        n = store.remove_root(match.id)
    print(f"removed {root} ({n} files forgotten; the photos themselves are untouched)")
    return 0


def _parse_date(text: str | None):
    from datetime import date

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"dates are YYYY-MM-DD, not {text!r}") from None


def cmd_search(args: argparse.Namespace) -> int:
    from photosearch.search import Searcher, SearchFilters

    if not args.query and not args.image:
        print("error: give a query, --image PATH, or both", file=sys.stderr)
        return 2
    filters = SearchFilters(
        folder=args.folder, since=_parse_date(args.since), until=_parse_date(args.until), camera=args.camera,
        file_types=tuple(t for t in (args.type or "").split(",") if t),
    )
    with open_store(args) as store:
        if not store.models():
            print("error: nothing is indexed yet: `photosearch add FOLDER`, then `photosearch index`", file=sys.stderr)
            return 2
        args.model = model_for_library(args, store, complete=True)
        searcher = Searcher(store, _encoder(args))
        results = searcher.search(
            " ".join(args.query) if args.query else None, image=args.image, k=args.k, filters=filters,
            sort=args.sort, min_relative=args.cutoff,
        )
    truncated = [{"text": t, "tokens": n, "kept": kept} for t, n, kept in searcher.last_truncated]
    if args.json:
        print(json.dumps({"model_id": searcher.encoder.model_id, "truncated": truncated,
                          "results": [r.to_json() for r in results]}))
        return 0
    for t in truncated:
        print(f"note: the query has {t['tokens']} tokens; the model read the first {t['kept']}", file=sys.stderr)
    for r in results:
        when = r.taken_at.strftime("%Y-%m-%d %H:%M") if r.taken_at else "unknown date"
        print(f"{r.score:6.3f}  {when}  {r.path}")
    if not results:
        print("no results", file=sys.stderr)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        counts = store.counts()
        roots = store.roots()
        models = store.models()
        errors = store.errors(limit=args.errors)
    if args.json:
        print(json.dumps({
            "db": str(store.path),
            "roots": [r.path for r in roots],
            "files": {str(getattr(k, "value", k)): v for k, v in counts.by_status.items()},
            "models": {m.model_id: {"spec": m.spec, "embedded": counts.embedded_by_model.get(m.model_id, 0)}
                       for m in models},
            "errors": [{"path": e.path, "reason": e.error} for e in errors],
        }))
        return 0
    print(f"database: {store.path}")
    print("folders:" if roots else "folders: none (add one with `photosearch add FOLDER`)")
    for r in roots:
        print(f"  {r.path}")
    print("files: " + (", ".join(f"{getattr(k, 'value', k)} {v}" for k, v in sorted(
        counts.by_status.items(), key=lambda kv: str(kv[0]))) or "none"))
    for m in models:
        print(f"model {m.spec or m.model_id}: {counts.embedded_by_model.get(m.model_id, 0)} distinct images "
              f"embedded (copies share one) ({m.model_id})")
    if errors:
        print(f"errors (first {len(errors)}):")
        for e in errors:
            print(f"  {e.path}: {e.error}")
    return 0


def cmd_duplicates(args: argparse.Namespace) -> int:
    from photosearch.duplicates import duplicate_groups

    with open_store(args) as store:
        args.model = model_for_library(args, store, complete=True)
        known = next((m for m in store.models() if m.spec == args.model), None)
        model_id = known.model_id if known else _encoder(args).model_id  # towers load lazily: cheap
        groups = duplicate_groups(store, model_id, threshold=args.threshold)
    if args.json:
        print(json.dumps({"model_id": model_id, "groups": [[f.path for f in g] for g in groups]}))
        return 0
    for i, group in enumerate(groups, 1):
        print(f"group {i}:")
        for f in group:
            print(f"  {f.path}")
    print(f"{len(groups)} groups of near-duplicates (similarity >= {args.threshold})", file=sys.stderr)
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

    def library(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help)
        p.add_argument("--db", default=None, help="database file (default: $PHOTOSEARCH_DB or the user data folder)")
        return p

    add = library("add", "add a folder to the library")
    add.add_argument("root")
    add.add_argument("--exclude", action="append", default=[], metavar="SUB", help="subfolder to skip (repeatable)")
    add.set_defaults(func=cmd_add)
    remove = library("remove", "forget a folder (the photos are not touched)")
    remove.add_argument("root")
    remove.set_defaults(func=cmd_remove)

    search = library("search", "find photos by description, by photo, or both")
    search.add_argument("query", nargs="*", help='text, or a mix: \'"2:red bicycle" + ./ref.jpg - "people"\'')
    search.add_argument("--image", default=None, metavar="P", help="a photo to search by (indexed or not)")
    search.add_argument("-k", type=int, default=20, help="number of results (default 20)")
    search.add_argument("--since", default=None, metavar="D", help="taken on or after YYYY-MM-DD")
    search.add_argument("--until", default=None, metavar="D", help="taken on or before YYYY-MM-DD")
    search.add_argument("--folder", default=None, metavar="F", help="only under this folder")
    search.add_argument("--camera", default=None, help="camera make or model contains this")
    search.add_argument("--type", default=None, metavar="EXT,...", help="file types, e.g. jpg,heic")
    search.add_argument("--sort", choices=("relevance", "date"), default="relevance")
    search.add_argument("--cutoff", type=float, default=None, metavar="R",
                        help="drop results scoring below R x the best score (0-1)")
    search.add_argument("--json", action="store_true", help="machine-readable output (see README)")
    search.add_argument("--model", default=None, help="default: the model the library was indexed with")
    search.add_argument("--device", default=None)
    search.set_defaults(func=cmd_search)

    status = library("status", "folders, counts per status and model, errors with reasons")
    status.add_argument("--errors", type=int, default=20, metavar="N", help="how many errors to list")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)

    dup = library("duplicates", "groups of near-duplicate photos, from their embeddings")
    dup.add_argument("--threshold", type=float, default=0.95, help="cosine similarity (default 0.95)")
    dup.add_argument("--model", default=None, help="default: the model the library was indexed with")
    dup.add_argument("--json", action="store_true")
    dup.set_defaults(func=cmd_duplicates)

    # Packages further up the stack (indexer: `index`, `watch`) add their commands through an entry point,
    # so this core package never imports them.
    for entry in entry_points(group="photosearch.cli"):
        entry.load()(sub, library)
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
    except (ValueError, FileNotFoundError, LookupError) as exc:
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
