"""The indexer's second stage: read the words inside indexed photos, after embedding and below it in priority.

Planned from the database like the first stage: indexed contents (one per distinct photo, copies share it)
without a result from the current engine version (`photosearch.ocr.engine_version()`), so an upgraded engine
reads everything again and a killed run resumes where it stopped. Each batch of results (text with boxes, or
"no text", or a failure's reason) is committed in one transaction together with its FTS5 rows; a crash loses at
most the batch being read, and a batch is never read twice once committed.

It never blocks embedding: `photosearch index` reads text after the embedding run ends; `photosearch watch` and
the app read it in a background thread of its own (its own connection, OS priority lowered by `nice` where the
OS allows per-thread priorities, as Linux does) while the watcher keeps embedding new photos, and the engine's
threads, started from that thread, inherit the lower priority. OCR threads are bounded by `OcrConfig.threads`.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from photosearch.errors import OcrUnavailable, PhotoSearchError
from photosearch.ocr import OcrConfig, Recognizer, TextResult, TextStatus, engine_version
from photosearch.progress import Control, Phase, ProgressCallback, RateMeter
from photosearch.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextConfig:
    enabled: bool = True  # `photosearch index --no-text` and the library setting turn it off
    batch_size: int = 8  # photos per commit: ~1-4 s of OCR on a 2-core CPU, so a kill loses little
    idle_poll_s: float = 10.0  # watch: how often the background reader looks for newly indexed photos
    nice: int = 10  # added to the background reader's OS priority (Linux: per thread)
    ocr: OcrConfig = field(default_factory=OcrConfig)


@dataclass
class TextRunResult:
    engine: str = ""
    total: int = 0
    done: int = 0
    with_text: int = 0
    failed: int = 0
    cancelled: bool = False
    elapsed_s: float = 0.0
    error: str | None = None  # the stage could not run at all (e.g. `OcrUnavailable`)


class TextStage:
    """Reads what the store says has no text yet. Owns `store` while `run` lasts (one thread)."""

    def __init__(self, store: Store, config: TextConfig = TextConfig(),
                 recognizer: Callable[[], Recognizer] | None = None) -> None:
        self.store = store
        self.config = config
        self._recognizer = recognizer or (lambda: Recognizer.shared(config.ocr))

    def pending(self) -> bool:
        try:
            return bool(self.store.contents_to_read(engine_version(), limit=1))
        except OcrUnavailable:
            return False

    def run(self, progress: ProgressCallback | None = None, control: Control | None = None) -> TextRunResult:
        control = control or Control()
        started = time.monotonic()
        result = TextRunResult()
        try:
            recognizer = self._recognizer()
        except OcrUnavailable as e:
            result.error = str(e)
            log.warning("words inside photos are not read: %s", e)
            return result
        result.engine = recognizer.engine
        plan = self.store.contents_to_read(recognizer.engine, limit=10**9)
        result.total = len(plan)
        meter = RateMeter(control)
        size = max(1, self.config.batch_size)
        for start in range(0, len(plan), size):
            batch: list[tuple[int, TextResult]] = []
            for key, path in plan[start:start + size]:
                if not control.wait_if_paused():
                    break
                read = recognizer.read_file(path)
                if read.status == TextStatus.FAILED and not os.path.lexists(path):
                    continue  # gone since the plan: the next scan decides, another copy may be read later
                batch.append((key, read))
            if batch:
                self.store.put_text_results(batch)
            result.done += len(batch)
            result.with_text += sum(r.status == TextStatus.TEXT for _, r in batch)
            result.failed += sum(r.status == TextStatus.FAILED for _, r in batch)
            if progress:
                try:
                    progress(meter.snapshot(Phase.TEXT, min(start + size, result.total), result.total,
                                            failed=result.failed, current=plan[min(start + size, result.total) - 1][1]))
                except Exception:  # noqa: BLE001 - a broken progress display must not stop the work
                    log.exception("progress callback failed")
            if control.cancelled:
                break
        result.cancelled = control.cancelled
        result.elapsed_s = time.monotonic() - started
        log.info("text run: %d of %d read, %d with text, %d failed in %.1f s", result.done, result.total,
                 result.with_text, result.failed, result.elapsed_s)
        return result


class TextReader(threading.Thread):
    """`watch`'s background reader: runs the stage whenever indexed photos lack text, until stopped."""

    def __init__(self, store: Store, config: TextConfig, progress: ProgressCallback | None, control: Control,
                 stop: threading.Event) -> None:
        super().__init__(name="photosearch-text", daemon=True)
        self.stage = TextStage(store, config)
        self.progress, self.control, self.stop_event = progress, control, stop

    def run(self) -> None:
        _lower_priority(self.stage.config.nice)
        try:
            while not self.stop_event.is_set() and not self.control.cancelled:  # a stop ends the photo being read
                if self.stage.pending():
                    result = self.stage.run(self.progress, self.control)
                    if result.error:
                        return
                self.stop_event.wait(self.stage.config.idle_poll_s)
        except PhotoSearchError as e:  # a full disk, a library gone read-only: embedding goes on without text
            log.warning("reading words inside photos stopped: %s", e)
        except Exception:  # noqa: BLE001 - a bug here must not stop the watcher
            log.exception("reading words inside photos stopped")
        finally:
            self.stage.store.close()


def _lower_priority(nice: int) -> None:
    """Lower this thread's OS priority (Linux applies setpriority to the calling thread's id)."""
    if nice <= 0 or not hasattr(os, "setpriority") or not hasattr(threading, "get_native_id"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
    except OSError as e:
        log.info("text reader keeps its priority: %s", e)
