"""Work off the GUI thread, results back on it: the one bridge from the core's callbacks to Qt signals.

`ProgressBridge` re-emits `photosearch.progress.Progress` reports (downloads, model loads, scans, index runs)
from whatever thread makes them as a Qt signal, which Qt queues onto the GUI thread. `run_task` runs a
function on Qt's thread pool and delivers its return value or its `PhotoSearchError` (unexpected errors are
logged with their traceback and delivered as one line too), so no model call, disk scan or big SQL ever runs
on the GUI thread.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QWidget

from photosearch.errors import PhotoSearchError
from photosearch.progress import Progress

log = logging.getLogger(__name__)


class ProgressBridge(QObject):
    progress = Signal(object)  # Progress

    def __call__(self, p: Progress) -> None:  # a ProgressCallback: callable from any thread
        self.progress.emit(p)


class TaskSignals(QObject):
    done = Signal(object)
    failed = Signal(str)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: TaskSignals) -> None:
        super().__init__()
        self.fn, self.signals = fn, signals

    def run(self) -> None:
        try:
            result = self.fn()
        except PhotoSearchError as e:
            self._emit("failed", str(e))
        except Exception as e:  # noqa: BLE001 - a bug: logged in full, shown in one line
            if self._owner_closed():  # its window closed (and the library with it) while it ran: not a bug
                log.info("background task ended after its window closed: %s: %s", type(e).__name__, e)
            else:
                log.exception("background task failed")
            self._emit("failed", f"unexpected {type(e).__name__}: {e} (details in the log)")
        else:
            self._emit("done", result)

    def _owner_closed(self) -> bool:
        """The window that asked is gone or closed: a status read still running when the app quits finds the
        library closed under it (seen at every app test's teardown)."""
        if not shiboken6.isValid(self.signals):
            return True
        owner = self.signals.parent()
        return isinstance(owner, QWidget) and owner.isWindow() and not owner.isVisible()

    def _emit(self, signal: str, value: Any) -> None:
        """Deliver, unless the window that asked was closed meanwhile (its signals object went with it): under
        load a status read can finish after the window and the library closed."""
        try:
            getattr(self.signals, signal).emit(value)
        except RuntimeError:
            if shiboken6.isValid(self.signals):
                raise


def run_task(
    fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None, on_failed: Callable[[str], None] | None = None,
    pool: QThreadPool | None = None, parent: QObject | None = None,
) -> TaskSignals:
    """Run `fn` on a worker thread; `on_done(result)` or `on_failed(message)` then run on the GUI thread."""
    signals = TaskSignals(parent)
    if on_done:
        signals.done.connect(on_done)
    if on_failed:
        signals.failed.connect(on_failed)
    _live.add(signals)  # keep the signals object alive until the task reports back
    signals.done.connect(lambda *_: _live.discard(signals))
    signals.failed.connect(lambda *_: _live.discard(signals))
    (pool or QThreadPool.globalInstance()).start(_Task(fn, signals))
    return signals


_live: set[TaskSignals] = set()


class LatestOnly(QObject):
    """Runs `fn(arg)` on a thread of its own for the most recent `submit` only: while it works, newer
    submissions replace older pending ones, so typing fast or refining a query never queues stale work.

    `finished(seq, result)` / `failed(seq, message)` arrive on the GUI thread; `seq` is what `submit` returned,
    so a front end shows a result only if it is still the latest it asked for.
    """

    finished = Signal(int, object)
    failed = Signal(int, object)  # the PhotoSearchError (a bug arrives as a PhotoSearchError saying so)
    busy = Signal(bool)

    def __init__(self, fn: Callable[[Any], Any], name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        import threading

        self._fn = fn
        self._cond = threading.Condition()
        self._pending: tuple[int, Any] | None = None
        self._seq = 0
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def submit(self, arg: Any) -> int:
        with self._cond:
            self._seq += 1
            self._pending = (self._seq, arg)
            self._cond.notify()
            return self._seq

    @property
    def latest(self) -> int:
        return self._seq

    def close(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                seq, arg = self._pending  # type: ignore[misc]
                self._pending = None
            self.busy.emit(True)
            try:
                result = self._fn(arg)
            except PhotoSearchError as e:
                self.failed.emit(seq, e)
            except Exception as e:  # noqa: BLE001 - a bug: logged in full, shown in one line
                log.exception("%s failed", self._thread.name)
                self.failed.emit(seq, PhotoSearchError(f"unexpected {type(e).__name__}: {e} (details in the log)"))
            else:
                self.finished.emit(seq, result)
            finally:
                with self._cond:
                    idle = self._pending is None
                if idle:
                    self.busy.emit(False)
