"""`Indexer`: the one object the CLI and the Qt window drive (scan, run, index, watch)."""
from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from photosearch.lease import IndexerLease
from photosearch.library import Library
from photosearch.progress import Control, ProgressCallback
from photosearch.store import Root, Store

from indexer.pipeline import Pipeline, PipelineConfig, RunResult
from indexer.scan import ScanConfig, ScanResult, scan_roots
from indexer.text_stage import TextConfig, TextReader, TextRunResult, TextStage
from indexer.watch import WatchConfig, Watcher

if TYPE_CHECKING:  # torch loads with a model, not with the indexer (the app starts without it)
    from photosearch.encoders.base import Encoder


@dataclass(frozen=True)
class IndexerConfig:
    scan: ScanConfig = ScanConfig()
    pipeline: PipelineConfig = PipelineConfig()
    watch: WatchConfig = WatchConfig()
    text: TextConfig = TextConfig()  # the second stage: words inside photos


class Indexer:
    """Keeps one library's database in step with its folders, embedding with one model.

    Front ends make one with `Indexer.open(library)`: it picks the model by the library's rule, shares the
    library's encoder (so a search and indexing never load the same tower twice) and writes through a
    connection of its own, which its writer thread owns while a run lasts. `Indexer(store, encoder)` is the
    bare engine underneath.
    """

    def __init__(self, store: Store, encoder: Encoder, config: IndexerConfig = IndexerConfig()) -> None:
        self.store = store
        self.encoder = encoder
        self.config = config
        self.pipeline = Pipeline(store, encoder, config.pipeline)
        self.last_text: TextRunResult | None = None  # what `index()`'s text stage did
        self._owned: list[Store | IndexerLease] = []

    @classmethod
    def open(
        cls, library: Library, model: str | None = None, config: IndexerConfig = IndexerConfig(),
        control: Control | None = None, program: str = "photosearch",
    ) -> "Indexer":
        """An indexer for `library` with `model` (default: the library's indexing model).

        Takes the library's indexer lease first (`IndexingElsewhere` if `photosearch watch`, the app or another
        run holds it), then gets the model, downloading it if missing (progress to `library.progress`, cancelled
        through `control`). `close()` gives the lease back.
        """
        lease = IndexerLease.acquire(library.path, program)
        if not library.reads_text:  # the library's setting (the app's toggle) holds for every front end
            config = replace(config, text=replace(config.text, enabled=False))
        try:
            encoder = library.encoder(library.index_model(model), control=control)
            indexer = cls(library.connect(), encoder, config)
        except BaseException:
            lease.release()
            raise
        indexer._owned = [indexer.store, lease]
        return indexer

    def close(self) -> None:
        for owned in self._owned:
            owned.close() if isinstance(owned, Store) else owned.release()
        self._owned = []

    def __enter__(self) -> "Indexer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def scan(
        self, roots: list[Root] | None = None, progress: ProgressCallback | None = None,
        control: Control | None = None,
    ) -> list[ScanResult]:
        """Reconcile the given roots (default all) with the disk; new and changed files become pending."""
        return scan_roots(self.store, roots, self.config.scan, progress, control)

    def run(self, progress: ProgressCallback | None = None, control: Control | None = None) -> RunResult:
        """Index pending files and backfill the encoder's model for files indexed with other models."""
        return self.pipeline.run(progress, control)

    def read_text(self, progress: ProgressCallback | None = None, control: Control | None = None) -> TextRunResult:
        """The second stage: read the words inside indexed photos that the current OCR engine has not read."""
        return TextStage(self.store, self.config.text).run(progress, control)

    def index(
        self, progress: ProgressCallback | None = None, control: Control | None = None
    ) -> tuple[list[ScanResult], RunResult]:
        """`scan()`, `run()`, then (unless turned off) `read_text()` into `last_text`: what `photosearch index`
        does. Text is read after embedding, so a search works on every photo before the slower stage starts."""
        control = control or Control()
        scans = self.scan(progress=progress, control=control)
        run = self.run(progress, control)
        self.last_text = None
        if self.config.text.enabled and not control.cancelled:
            self.last_text = self.read_text(progress, control)
        return scans, run

    def watch(
        self, stop_event: threading.Event, progress: ProgressCallback | None = None, control: Control | None = None
    ) -> None:
        """Catch up (scan + run), then follow file system events until `stop_event` is set.

        `control` pauses and resumes the work (events still queue while paused); setting `stop_event` or
        cancelling `control` stops it. Words inside photos are read meanwhile by a background thread of lower
        priority on a connection of its own (see `indexer.text_stage`)."""
        if control is None:
            control = Control(cancel_event=stop_event)
        else:
            control.link(stop_event)
        reader, reader_stop = None, threading.Event()
        if self.config.text.enabled:
            reader = TextReader(Store.open(self.store.path), self.config.text, progress, control, reader_stop)
            reader.start()
        try:
            Watcher(self.store, self.pipeline, self.config.scan, self.config.watch).run(stop_event, progress, control)
        finally:
            if reader is not None:
                reader_stop.set()
                reader.join()
