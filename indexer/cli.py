"""`photosearch index` and `photosearch watch`, added to the core CLI through the `photosearch.cli` entry point
so that `photosearch` (the core package) never imports the indexer. Like every command, they open the library
through the Library service; the CLI package supplies only argument parsing and terminal display."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable, Iterator

from photosearch.cli.args import add_model
from photosearch.cli.display import ProgressDisplay
from photosearch.errors import DownloadError, ModelError, NothingIndexed
from photosearch.library import Library
from photosearch.pathtext import display_path
from photosearch.query_server import QueryServer

if TYPE_CHECKING:  # the indexer (and torch) load when a command runs, not when `photosearch --help` builds
    from indexer import Indexer, RunResult, ScanResult
    from indexer.text_stage import TextRunResult


def _open(args: argparse.Namespace, progress: ProgressDisplay) -> tuple[Library, "Indexer"]:
    from indexer import Indexer

    library = Library.open(args.db, device=args.device, progress=progress)
    try:
        library.check_writable()  # before the lease file and the model: both would fail or cost seconds
        if not library.folders():
            raise NothingIndexed("the library has no folders yet: `photosearch add FOLDER` first")
        from indexer import IndexerConfig
        from indexer.text_stage import TextConfig

        config = IndexerConfig(text=TextConfig(enabled=not getattr(args, "no_text", False)))
        with _library_model_hint(args, library):
            return library, Indexer.open(library, args.model, config, program=f"photosearch {args.command}")
    except BaseException:
        library.close()
        raise


@contextmanager
def _library_model_hint(args: argparse.Namespace, library: Library) -> Iterator[None]:
    """A library whose own (newest) model cannot be used would fail the same way on every run: say the way out."""
    try:
        yield
    except ModelError as e:
        if args.model or isinstance(e, DownloadError):
            raise
        spec = library.index_model()
        raise ModelError(f"{e}; it is the model this library was last indexed with: index with another "
                         f"(`--model SPEC`) or drop it (`photosearch models remove {spec}`)") from e


def _report_text(text: "TextRunResult | None") -> None:
    if text is None:
        return
    if text.error:
        print(f"warning: words inside photos not read: {text.error}", file=sys.stderr)
        return
    print(f"text: {text.done} photos read, {text.with_text} with text, {text.failed} failed in {text.elapsed_s:.1f} s"
          + (" - cancelled, run again to resume" if text.cancelled else ""))


def _report(scans: list["ScanResult"], run: "RunResult | None") -> None:
    for s in scans:
        if not s.reachable:
            print(f"warning: {display_path(s.root.path)} is unreachable; its photos are kept as they were",
                  file=sys.stderr)
        for err in s.errors[:5]:
            print(f"warning: {display_path(err)}", file=sys.stderr)
    if run is None:
        return
    rate = f" ({run.photos_per_s:.1f} photos/s)" if run.photos_per_s else ""
    print(f"{run.indexed} photos indexed, {run.embedded} embedded, {run.failed} failed in {run.elapsed_s:.1f} s{rate}"
          + (" - cancelled, run again to resume" if run.cancelled else ""))
    if run.failed:
        print("see `photosearch status` for the reasons", file=sys.stderr)


def cmd_index(args: argparse.Namespace) -> int:
    with ProgressDisplay() as progress:
        library, indexer = _open(args, progress)
        with library, indexer, _library_model_hint(args, library):
            scans, run = indexer.index(progress=progress)
    _report(scans, run)
    _report_text(indexer.last_text)
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with ProgressDisplay() as progress:
            library, indexer = _open(args, progress)
            with library, indexer, QueryServer(library), _library_model_hint(args, library):
                print("watching for changes; Ctrl-C stops", file=sys.stderr)  # CLI searches meanwhile ask us
                indexer.watch(stop, progress=progress)
    finally:
        signal.signal(signal.SIGINT, previous)
    print("stopped", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction, library: Callable[[str, str], argparse.ArgumentParser]) -> None:
    index = library("index", "scan the folders and embed new or changed photos (one pass)")
    add_model(index, library=True)
    index.add_argument("--no-text", action="store_true",
                       help="do not read the words inside photos this time (the library setting turns it off for good)")
    index.set_defaults(func=cmd_index)
    watch = library("watch", "catch up, then keep the index up to date until Ctrl-C")
    add_model(watch, library=True)
    watch.add_argument("--no-text", action="store_true", help="do not read the words inside photos")
    watch.set_defaults(func=cmd_watch)
