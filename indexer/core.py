"""`Indexer`: the one object the CLI and the Qt window drive (scan, run, index, watch)."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from photosearch.encoders.base import Encoder
from photosearch.store import Root, Store

from indexer.control import IndexControl, ProgressCallback
from indexer.pipeline import Pipeline, PipelineConfig, RunResult
from indexer.scan import ScanConfig, ScanResult, scan_roots
from indexer.watch import WatchConfig, Watcher


@dataclass(frozen=True)
class IndexerConfig:
    scan: ScanConfig = ScanConfig()
    pipeline: PipelineConfig = PipelineConfig()
    watch: WatchConfig = WatchConfig()


class Indexer:
    def __init__(self, store: Store, encoder: Encoder, config: IndexerConfig = IndexerConfig()) -> None:
        self.store = store
        self.encoder = encoder
        self.config = config
        self.pipeline = Pipeline(store, encoder, config.pipeline)

    def scan(
        self, roots: list[Root] | None = None, progress: ProgressCallback | None = None,
        control: IndexControl | None = None,
    ) -> list[ScanResult]:
        """Reconcile the given roots (default all) with the disk; new and changed files become pending."""
        return scan_roots(self.store, roots, self.config.scan, progress, control)

    def run(self, progress: ProgressCallback | None = None, control: IndexControl | None = None) -> RunResult:
        """Index pending files and backfill the encoder's model for files indexed with other models."""
        return self.pipeline.run(progress, control)

    def index(
        self, progress: ProgressCallback | None = None, control: IndexControl | None = None
    ) -> tuple[list[ScanResult], RunResult]:
        """`scan()` then `run()`: what `photosearch index` does."""
        control = control or IndexControl()
        scans = self.scan(progress=progress, control=control)
        return scans, self.run(progress, control)

    def watch(self, stop_event: threading.Event, progress: ProgressCallback | None = None) -> None:
        """Catch up (scan + run), then follow file system events until `stop_event` is set."""
        Watcher(self.store, self.pipeline, self.config.scan, self.config.watch).run(stop_event, progress)
