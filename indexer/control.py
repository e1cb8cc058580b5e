"""Progress reports and the pause/resume/cancel switch shared by scans, index runs and the watcher.

Both are built for a GUI that lives in another thread: `Progress` is an immutable snapshot that can
be handed across threads (a Qt window re-emits it as a signal), and `IndexControl` can be flipped
from any thread while the work checks it from its own worker threads.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

SCAN = "scan"
INDEX = "index"
BACKFILL = "backfill"


@dataclass(frozen=True)
class Progress:
    """Where a scan or index run stands.

    `total` is 0 while it is unknown (a scan does not count files before walking them).
    `photos_per_s` and `eta_s` leave out time spent paused, so a resumed run does not report a
    collapsed rate.
    """

    phase: str  # SCAN, INDEX or BACKFILL
    done: int
    total: int
    failed: int = 0
    photos_per_s: float = 0.0
    eta_s: float | None = None
    current_path: str | None = None


ProgressCallback = Callable[[Progress], None]
"""Called from worker threads; must be quick and must not touch the indexer's Store."""


class IndexControl:
    """Thread-safe pause / resume / cancel for one or more runs.

    `cancel_event` links an outside stop signal (the watcher's stop event): setting it cancels just
    like `cancel()`. Cancelling also wakes anything waiting while paused, so a paused run can always
    be stopped.
    """

    def __init__(self, cancel_event: threading.Event | None = None) -> None:
        self._cond = threading.Condition()
        self._paused = False
        self._cancelled = threading.Event()
        self._outside = cancel_event
        self._paused_since: float | None = None
        self._paused_total = 0.0

    def pause(self) -> None:
        with self._cond:
            if not self._paused:
                self._paused = True
                self._paused_since = time.monotonic()

    def resume(self) -> None:
        with self._cond:
            if self._paused:
                self._paused = False
                self._paused_total += time.monotonic() - (self._paused_since or time.monotonic())
                self._paused_since = None
                self._cond.notify_all()

    def cancel(self) -> None:
        with self._cond:
            self._cancelled.set()
            self._cond.notify_all()

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set() or (self._outside is not None and self._outside.is_set())

    def paused_seconds(self) -> float:
        """Total time spent paused so far (including a pause in progress)."""
        with self._cond:
            ongoing = time.monotonic() - self._paused_since if self._paused_since is not None else 0.0
            return self._paused_total + ongoing

    def wait_if_paused(self) -> bool:
        """Block while paused; returns False if the run should stop instead of going on.

        Polls the outside event every 0.1 s because a plain `threading.Event` cannot notify our
        condition when someone else sets it.
        """
        with self._cond:
            while self._paused and not self.cancelled:
                self._cond.wait(timeout=0.1)
        return not self.cancelled


class RateMeter:
    """photos/s and ETA over active (unpaused) time since the run began."""

    def __init__(self, control: IndexControl) -> None:
        self._control = control
        self._start = time.monotonic()
        self._paused_at_start = control.paused_seconds()

    def snapshot(
        self, phase: str, done: int, total: int, failed: int, current_path: str | None
    ) -> Progress:
        active = time.monotonic() - self._start - (self._control.paused_seconds() - self._paused_at_start)
        rate = done / active if active > 0 and done else 0.0
        eta = (total - done) / rate if rate > 0 and total >= done else None
        return Progress(phase, done, total, failed, rate, eta, current_path)
