"""`add`, `remove`, `search`, `status`, `duplicates`: parse, call the Library service, print.

The Library (numpy, the store) is imported when a command opens it: a search that a running app or watcher
answers (`photosearch.query_server`) never does."""
from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Callable

from photosearch import query_server
from photosearch.cli.args import add_model, iso_date
from photosearch.cli.display import ProgressDisplay, path_json
from photosearch.pathtext import display_path
from photosearch.factory import canonical_spec
from photosearch.store.paths import default_db_path

if TYPE_CHECKING:
    from photosearch.library import Library
    from photosearch.search_types import SearchOutcome, SearchRequest

Command = Callable[[argparse.Namespace], int]


def open_library(args: argparse.Namespace, progress: ProgressDisplay | None = None) -> "Library":
    from photosearch.library import Library

    return Library.open(args.db, device=getattr(args, "device", None), progress=progress)


def cmd_add(args: argparse.Namespace) -> int:
    with open_library(args) as lib:
        change = lib.add_folder(args.root, exclude=args.exclude, include=args.include)
    folder = change.folder
    for warning in change.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if change.created:
        print(f"added {display_path(folder.path)}")
    else:
        what = "; ".join(
            [f"now excluding {', '.join(map(display_path, change.excluded_added))}"] * bool(change.excluded_added)
            + [f"no longer excluding {', '.join(map(display_path, change.excluded_removed))}"] * bool(change.excluded_removed)
        )
        print(f"{display_path(folder.path)} is already in the library" + (f": {what}" if what else " (nothing changed)"))
    if folder.excluded:
        print("excluded: " + ", ".join(display_path(e) for e in folder.excluded))
    print("run `photosearch index` (once) or `photosearch watch` (keeps it up to date)")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    with open_library(args) as lib:
        n = lib.remove_folder(args.root)
    print(f"removed {display_path(args.root)} ({n} files forgotten; the photos themselves are untouched)")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from photosearch.search_types import SearchFilters, SearchRequest

    request = SearchRequest(
        query=" ".join(args.query) or None, image=args.image, k=args.k, sort=args.sort, cutoff=args.cutoff,
        filters=SearchFilters(
            folder=args.folder, since=args.since, until=args.until, camera=args.camera,
            file_types=tuple(t for t in (args.type or "").split(",") if t.strip()),
        ),
    )
    # the app or `photosearch watch` serving this library answers with its loaded model (no torch here)
    model = canonical_spec(args.model) if args.model else None
    outcome = query_server.ask(args.db or default_db_path(), request, model)
    if outcome is not None:
        return _print_outcome(args, request, outcome)
    with ProgressDisplay() as progress, open_library(args, progress) as lib:
        outcome = lib.search(request, model=args.model)
        _print_outcome(args, request, outcome)
        # a query that had to load the text tower leaves a torch-free copy of it for the next processes
        lib.prepare_quick_text(args.model, announce=lambda: print(
            "preparing quicker text queries with this model (once)...", file=sys.stderr, flush=True))
    return 0


def _print_outcome(args: argparse.Namespace, request: "SearchRequest", outcome: "SearchOutcome") -> int:
    truncated = [{"text": t.text, "tokens": t.tokens, "kept": t.kept} for t in outcome.truncated]
    if args.json:
        results = [
            {**path_json(r.path), "score": round(r.score, 6),
             "taken_at": r.taken_at.isoformat() if r.taken_at else None,
             "size": r.size, "width": r.width, "height": r.height, "matched": list(r.matched)}
            for r in outcome.results
        ]
        print(json.dumps({"model_id": outcome.model_id, "truncated": truncated, "results": results}))
        return 0
    for t in truncated:
        print(f"note: the query has {t['tokens']} tokens; the model read the first {t['kept']}", file=sys.stderr)
    for r in outcome.results:
        when = r.taken_at.strftime("%Y-%m-%d %H:%M") if r.taken_at else "unknown date"
        words = f"  [text: {', '.join(r.matched)}]" if r.matched else ""
        print(f"{r.score:6.3f}  {when}  {display_path(r.path)}{words}")
    if not outcome.results:
        print("no results" + (" (the filters leave no photo)" if request.filters.active() else ""), file=sys.stderr)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    with open_library(args) as lib:
        st = lib.status(errors=args.errors)
    if args.json:
        print(json.dumps({
            "db": st.db,
            "roots": [display_path(f.path) for f in st.folders],
            "folders": [
                {**path_json(f.path), "excluded": [display_path(e) for e in f.excluded],
                 "files": {s.value: n for s, n in f.files.items()}}
                for f in st.folders
            ],
            "files": {s.value: n for s, n in st.files.items()},
            "models": {m.model_id: {"spec": m.spec, "embedded": m.embedded, "complete": m.complete} for m in st.models},
            "search_model": st.search_model,
            "errors": [{**path_json(e.path), "reason": e.reason} for e in st.errors],
            "error_count": st.error_count,
            "indexing": {"program": st.indexing.program, "pid": st.indexing.pid, "host": st.indexing.host,
                         "since": st.indexing.since} if st.indexing else None,
            "read_only": st.read_only,
            "text": {"enabled": st.text.enabled, "read": st.text.read, "total": st.text.total,
                     "with_text": st.text.with_text, "failed": st.text.failed, "engine": st.text.engine,
                     "unavailable": st.text.unavailable} if st.text else None,
        }))
        return 0
    note = " (read-only here: searching works, indexing needs write access)" if st.read_only else ""
    print(f"database: {st.db}{note}")
    if st.indexing:
        print(f"indexing: {st.indexing.describe()}")
    print("folders:" if st.folders else "folders: none (add one with `photosearch add FOLDER`)")
    from photosearch.store.records import FileStatus

    for f in st.folders:
        live = sum(n for s, n in f.files.items() if s != FileStatus.MISSING)
        print(f"  {display_path(f.path)}  ({live} photos)")
        for e in f.excluded:
            print(f"    excluded: {display_path(e)}")
    print("files: " + ", ".join(f"{s.value} {n}" for s, n in st.files.items()))
    for m in st.models:
        use = " - used by searches" if m.spec and m.spec == st.search_model else ""
        done = "" if m.complete else " (backfill in progress)"
        print(f"model {m.spec or m.model_id}: {m.embedded} distinct photos embedded{done}{use} ({m.model_id})")
    if st.text:
        t = st.text
        state = "" if t.enabled else " (turned off for this library)"
        if t.engine is None:
            print(f"text: not read here: {t.unavailable}")
        else:
            print(f"text: {t.read} of {t.total} photos read, {t.with_text} with text, {t.failed} failed{state}")
    if st.errors:
        print(f"errors ({len(st.errors)} of {st.error_count}):")
        for e in st.errors:
            print(f"  {display_path(e.path)}: {e.reason}")
    return 0


def cmd_duplicates(args: argparse.Namespace) -> int:
    with open_library(args) as lib:
        report = lib.duplicates(threshold=args.threshold, model=args.model)
    if args.json:
        print(json.dumps({"model_id": report.model_id,
                          "groups": [[path_json(f.path)["path"] for f in g] for g in report.groups]}))
        return 0
    for i, group in enumerate(report.groups, 1):
        print(f"group {i}:")
        for f in group:
            print(f"  {display_path(f.path)}")
    print(f"{len(report.groups)} groups of near-duplicates (similarity >= {args.threshold})", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction, library: Callable[[str, str], argparse.ArgumentParser]) -> None:
    add = library("add", "add a folder to the library, or change what it excludes")
    add.add_argument("root")
    add.add_argument("--exclude", action="append", default=[], metavar="SUB",
                     help="subfolder to skip, relative to the folder or absolute (repeatable; adds to earlier ones)")
    add.add_argument("--include", action="append", default=[], metavar="SUB",
                     help="take back an earlier exclusion (repeatable)")
    add.set_defaults(func=cmd_add)

    remove = library("remove", "forget a folder (the photos are not touched)")
    remove.add_argument("root")
    remove.set_defaults(func=cmd_remove)

    search = library("search", "find photos by description, by photo, or both")
    search.add_argument("query", nargs="*", help='text, or a mix: \'"2:red bicycle" + ./ref.jpg - "people"\'; '
                        'text:"café luna" keeps photos showing those words')
    search.add_argument("--image", default=None, metavar="P", help="a photo to search by (indexed or not)")
    search.add_argument("-k", type=int, default=20, help="number of results (default 20)")
    search.add_argument("--since", type=iso_date, default=None, metavar="D", help="taken on or after YYYY-MM-DD")
    search.add_argument("--until", type=iso_date, default=None, metavar="D", help="taken on or before YYYY-MM-DD")
    search.add_argument("--folder", default=None, metavar="F", help="only under this folder")
    search.add_argument("--camera", default=None, help="camera make or model contains this")
    search.add_argument("--type", default=None, metavar="EXT,...", help="file types, e.g. jpg,heic")
    search.add_argument("--sort", choices=("relevance", "date"), default="relevance")
    search.add_argument("--cutoff", type=float, default=None, metavar="R",
                        help="drop results scoring below R x the best score (0 < R <= 1)")
    search.add_argument("--json", action="store_true", help="machine-readable output (see README)")
    add_model(search, library=True)
    search.set_defaults(func=cmd_search)

    status = library("status", "folders and exclusions, counts per status and model, errors with reasons")
    status.add_argument("--errors", type=int, default=20, metavar="N", help="how many errors to list")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)

    dup = library("duplicates", "groups of near-duplicate photos, from their embeddings")
    dup.add_argument("--threshold", type=float, default=0.95, help="cosine similarity, 0 < T <= 1 (default 0.95)")
    dup.add_argument("--model", default=None, help="default: the model the library was indexed with")
    dup.add_argument("--json", action="store_true")
    dup.set_defaults(func=cmd_duplicates)
