"""Keeps the library database in step with the photo folders: scan, index (embed), watch.

The one entry point for the CLI (`photosearch index`, `photosearch watch`) and the Qt window::

    library = Library.open(db)                     # photosearch.library: the one front door
    indexer = Indexer.open(library)                 # the library's model and encoder, its own connection
    indexer.scan()                                  # reconcile the folders with the disk
    indexer.run(progress=print, control=control)   # embed pending files, backfill this model
    indexer.watch(stop_event, progress=print)      # blocks until stop_event is set

`progress` callbacks get `photosearch.progress.Progress` snapshots and are called from worker threads;
`Control` (pause/resume/cancel) may be used from any thread. Nothing here imports Qt.
"""
from __future__ import annotations

import importlib
from typing import Any

# Re-exported lazily (PEP 562): `photosearch --help` imports `indexer.cli` through an entry point, and an
# eager import here would load the pipeline and torch for every command.
_EXPORTS = {
    "Indexer": "indexer.core",
    "IndexerConfig": "indexer.core",
    "PipelineConfig": "indexer.pipeline",
    "RunResult": "indexer.pipeline",
    "ScanConfig": "indexer.scan",
    "ScanResult": "indexer.scan",
    "WatchConfig": "indexer.watch",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'indexer' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
