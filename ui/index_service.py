"""Indexing inside the app: the indexer and the watcher run in a worker thread while the window is open.

One indexer per library: if `photosearch watch` (or another app) holds the library's indexer lease, the app
shows who keeps the library up to date and checks back every few seconds instead of fighting it; once the
other program stops, the app takes over. Pause and resume go through the indexer's `Control`; switching the
model restarts the watcher with the new model, which backfills beside the old one while searches keep using
the old one until it is complete.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import QObject, QTimer, Signal

from indexer import Indexer, IndexerConfig
from photosearch.errors import LibraryReadOnly, PhotoSearchError
from photosearch.lease import IndexingElsewhere, LeaseHolder, lease_holder
from photosearch.library import Library
from photosearch.progress import Control
from ui.bridge import ProgressBridge

log = logging.getLogger(__name__)
PROGRAM = "PhotoSearch app"


class IndexState(str, Enum):
    STOPPED = "stopped"
    STARTING = "starting"  # getting the model (maybe downloading) and taking the lease
    RUNNING = "running"  # scanning, indexing, or watching for changes
    PAUSED = "paused"
    EXTERNAL = "external"  # another program indexes this library
    READ_ONLY = "read_only"  # the library cannot be written here (a backup disk, a share): search only
    FAILED = "failed"


@dataclass(frozen=True)
class IndexStatus:
    state: IndexState
    holder: LeaseHolder | None = None  # EXTERNAL: who
    message: str = ""  # FAILED, READ_ONLY: why


class IndexService(QObject):
    status_changed = Signal(object)  # IndexStatus
    progress = Signal(object)  # Progress, from the indexer and from model downloads/loads

    RETRY_MS = 5000

    def __init__(self, library: Library, bridge: ProgressBridge, config: IndexerConfig = IndexerConfig(),
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.config = config
        bridge.progress.connect(self.progress)
        self._bridge = bridge
        self._thread: threading.Thread | None = None
        self._control = Control()
        self._stop = threading.Event()
        self._model: str | None = None
        self.status = IndexStatus(IndexState.STOPPED)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._try_again)
        self._status_signal = _StatusRelay(self)
        self._status_signal.changed.connect(self._set_status)

    # -- control from the GUI ---------------------------------------------------------------------------
    def start(self, model: str | None = None) -> None:
        """Start indexing and watching with `model` (default: the library's own)."""
        self._model = model or None
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop = threading.Event()
        self._control = Control(cancel_event=self._stop)
        self._set_status(IndexStatus(IndexState.STARTING))
        self._thread = threading.Thread(target=self._work, name="photosearch-app-indexer", daemon=True)
        self._thread.start()

    def stop(self, wait_s: float = 30.0) -> None:
        self._retry.stop()
        self._stop.set()
        self._control.cancel()
        if self._thread is not None:
            self._thread.join(wait_s)
        self._thread = None
        self._set_status(IndexStatus(IndexState.STOPPED))

    def restart(self, model: str | None = None) -> None:
        """A new model, or new folders the watcher should pick up at once: stop, then start again."""
        self.stop()
        self.start(model)

    def pause(self) -> None:
        if self.status.state == IndexState.RUNNING:
            self._control.pause()
            self._set_status(IndexStatus(IndexState.PAUSED))

    def resume(self) -> None:
        if self.status.state == IndexState.PAUSED:
            self._control.resume()
            self._set_status(IndexStatus(IndexState.RUNNING))

    @property
    def paused(self) -> bool:
        return self._control.paused

    # -- the worker thread ----------------------------------------------------------------------------------
    def _work(self) -> None:
        try:
            self.library.check_writable()  # nothing to retry: the window searches, the panel says why it cannot index
        except LibraryReadOnly as e:
            self._status_signal.changed.emit(IndexStatus(IndexState.READ_ONLY, message=str(e)))
            return
        try:
            indexer = Indexer.open(self.library, self._model, self.config, control=self._control, program=PROGRAM)
        except IndexingElsewhere as e:
            self._status_signal.changed.emit(IndexStatus(IndexState.EXTERNAL, holder=e.holder))
            return
        except PhotoSearchError as e:
            self._status_signal.changed.emit(IndexStatus(IndexState.FAILED, message=str(e)))
            return
        except Exception as e:  # noqa: BLE001 - a bug: logged in full, shown in one line
            log.exception("the app's indexer could not start")
            self._status_signal.changed.emit(IndexStatus(IndexState.FAILED, message=f"unexpected {type(e).__name__}: {e}"))
            return
        with indexer:
            self._status_signal.changed.emit(IndexStatus(IndexState.PAUSED if self._control.paused else IndexState.RUNNING))
            try:
                indexer.watch(self._stop, progress=self._bridge, control=self._control)
            except PhotoSearchError as e:
                self._status_signal.changed.emit(IndexStatus(IndexState.FAILED, message=str(e)))
            except Exception as e:  # noqa: BLE001
                log.exception("the app's indexer stopped")
                self._status_signal.changed.emit(IndexStatus(IndexState.FAILED, message=f"unexpected {type(e).__name__}: {e}"))

    def _set_status(self, status: IndexStatus) -> None:
        if self._stop.is_set() and status.state not in (IndexState.STOPPED, IndexState.STARTING):
            return  # a late report from a worker that was told to stop
        if status.state == IndexState.EXTERNAL:
            self._retry.start(self.RETRY_MS)
        self.status = status
        self.status_changed.emit(status)

    def _try_again(self) -> None:
        if self._stop.is_set():
            return
        holder = lease_holder(self.library.path)
        if holder is None:
            self._thread = None
            self.start(self._model)
        else:
            self._set_status(IndexStatus(IndexState.EXTERNAL, holder=holder))


class _StatusRelay(QObject):
    """Carries status changes from the worker thread to the GUI thread."""

    changed = Signal(object)
