"""`photosearch index` and `photosearch watch`, added to the core CLI through the `photosearch.cli` entry
point so that `photosearch` (the core package) never imports the indexer."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # the indexer (and torch) load when a command runs, not when `photosearch --help` builds
    from indexer import Indexer, Progress


def _tqdm_progress() -> tuple[Callable[["Progress"], None], Callable[[], None]]:
    """One tqdm bar per phase of each run (the watcher starts many runs); returns (callback, close)."""
    from tqdm import tqdm

    state: dict[str, object] = {"phase": None, "bar": None, "done": 0}
    lock = threading.Lock()

    def close() -> None:
        if state["bar"] is not None:
            state["bar"].close()  # type: ignore[attr-defined]
            state["bar"] = None

    def callback(p: "Progress") -> None:
        with lock:
            if p.phase != state["phase"] or p.done < state["done"]:  # a new phase, or a new run
                close()
                state["phase"] = p.phase
                state["bar"] = tqdm(total=p.total or None, desc=p.phase, unit="photo", dynamic_ncols=True,
                                    bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]")
            state["done"] = p.done
            bar = state["bar"]
            if p.total and bar.total != p.total:
                bar.total = p.total
            bar.update(p.done - bar.n)
            # The indexer's own rate and ETA leave out paused time and model loading; tqdm's would not.
            eta = f", ETA {int(p.eta_s) // 60}:{int(p.eta_s) % 60:02d}" if p.eta_s is not None else ""
            bar.set_postfix_str(f"{p.photos_per_s:.1f} photos/s{eta}, {p.failed} failed", refresh=True)

    return callback, close


def _indexer(args: argparse.Namespace, store) -> "Indexer":
    from indexer import Indexer, IndexerConfig, PipelineConfig
    from photosearch.cli import _encoder, model_for_library

    args.model = model_for_library(args, store)
    encoder = _encoder(args)
    return Indexer(store, encoder, IndexerConfig(pipeline=PipelineConfig(model_spec=args.model)))


def _report(scans, run) -> None:
    for s in scans:
        if not s.reachable:
            print(f"warning: {s.root.path} is unreachable; its photos are kept as they were", file=sys.stderr)
        for err in s.errors[:5]:
            print(f"warning: {err}", file=sys.stderr)
    if run is not None:
        rate = run.done / run.elapsed_s if run.elapsed_s else 0.0
        print(f"{run.indexed} photos indexed, {run.embedded} embedded, {run.failed} failed "
              f"({rate:.1f} photos/s)" + (" - cancelled, run again to resume" if run.cancelled else ""))
        if run.failed:
            print("see `photosearch status` for the reasons", file=sys.stderr)


def cmd_index(args: argparse.Namespace) -> int:
    from photosearch.cli import open_store

    callback, close = _tqdm_progress()
    with open_store(args) as store:
        if not store.roots():
            print("error: no folders yet: `photosearch add FOLDER` first", file=sys.stderr)
            return 2
        try:
            scans, run = _indexer(args, store).index(progress=callback)
        finally:
            close()
    _report(scans, run)
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from photosearch.cli import open_store

    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    callback, close = _tqdm_progress()
    try:
        with open_store(args) as store:
            if not store.roots():
                print("error: no folders yet: `photosearch add FOLDER` first", file=sys.stderr)
                return 2
            print("watching for changes; Ctrl-C stops", file=sys.stderr)
            _indexer(args, store).watch(stop, progress=callback)
    finally:
        close()
        signal.signal(signal.SIGINT, previous)
    print("stopped", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction, library: Callable[[str, str], argparse.ArgumentParser]) -> None:
    index = library("index", "scan the folders and embed new or changed photos (one pass)")
    index.add_argument("--model", default=None, help="preset or spec; default: the library's model, else the default")
    index.add_argument("--device", default=None)
    index.set_defaults(func=cmd_index)
    watch = library("watch", "catch up, then keep the index up to date until Ctrl-C")
    watch.add_argument("--model", default=None)
    watch.add_argument("--device", default=None)
    watch.set_defaults(func=cmd_watch)
