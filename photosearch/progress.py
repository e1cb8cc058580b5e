"""The one progress-and-cancel protocol: downloads, model loading, scans and index runs all report `Progress`
snapshots and obey one `Control`, so a single bridge (the CLI's bars, the app's Qt signal) drives all of them.

Both are built for a front end that lives in another thread: `Progress` is an immutable snapshot that can be
handed across threads, and `Control` can be flipped from any thread while the work checks it from its own.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from enum import Enum
from typing import Callable


class Phase(str, Enum):
    DOWNLOAD = "download"  # model files from the Hub; done/total in bytes
    LOAD = "load"  # a model tower being read into memory; done/total in steps
    SCAN = "scan"  # walking the folders; total unknown (0) until the walk ends
    INDEX = "index"  # decoding and embedding new or changed photos
    BACKFILL = "backfill"  # embedding already indexed photos with another model
    TEXT = "text"  # reading the words inside indexed photos (the indexer's second stage)
    PREPARE = "prepare"  # fine-tuning: reading the album, caching caption vectors
    TRAIN = "train"  # fine-tuning: optimizer steps; `loss` says how it goes
    EVAL = "eval"  # fine-tuning: recall on the held-out photos


class Unit(str, Enum):
    BYTES = "B"
    FILES = "file"
    PHOTOS = "photo"
    STEPS = "step"
    CAPTIONS = "caption"


@dataclass(frozen=True)
class Progress:
    """Where one piece of work stands.

    `total` is 0 while unknown. `rate` (units per second) and `eta_s` leave out time spent paused and are None
    until at least `RateMeter.MIN_ACTIVE_S` of work has passed: a rate over a few milliseconds (a watcher run
    that only renamed one photo) is noise, not a speed. `items_done`/`items_total` count files within a
    download, whose `done`/`total` are bytes.
    """

    phase: Phase
    done: int
    total: int
    unit: Unit = Unit.PHOTOS
    failed: int = 0
    rate: float | None = None
    eta_s: float | None = None
    current: str | None = None  # the file (or tower) being worked on
    items_done: int = 0
    items_total: int = 0
    loss: float | None = None  # TRAIN: the latest step's training loss

    @property
    def finished(self) -> bool:
        return self.total > 0 and self.done >= self.total


ProgressCallback = Callable[[Progress], None]
"""Called from worker threads; must be quick and must not touch the caller's Store."""


class Control:
    """Thread-safe pause / resume / cancel for one or more pieces of work.

    `cancel_event` links an outside stop signal (a watcher's stop event, Ctrl-C): setting it cancels just like
    `cancel()`. Cancelling also wakes anything waiting while paused, so paused work can always be stopped.
    """

    def __init__(self, cancel_event: threading.Event | None = None) -> None:
        self._cond = threading.Condition()
        self._paused = False
        self._cancelled = threading.Event()
        self._outside: list[threading.Event] = [cancel_event] if cancel_event is not None else []
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

    def link(self, cancel_event: threading.Event) -> None:
        """Also count as cancelled once `cancel_event` is set (e.g. a watcher's stop event)."""
        self._outside.append(cancel_event)

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set() or any(e.is_set() for e in self._outside)

    def paused_seconds(self) -> float:
        """Total time spent paused so far (including a pause in progress)."""
        with self._cond:
            ongoing = time.monotonic() - self._paused_since if self._paused_since is not None else 0.0
            return self._paused_total + ongoing

    def wait_if_paused(self) -> bool:
        """Block while paused; returns False if the work should stop instead of going on.

        Polls the outside event every 0.1 s because a plain `threading.Event` cannot notify our condition
        when someone else sets it.
        """
        with self._cond:
            while self._paused and not self.cancelled:
                self._cond.wait(timeout=0.1)
        return not self.cancelled

    def wait_cancelled(self, timeout: float) -> bool:
        """Sleep up to `timeout` seconds or until cancelled; True if cancelled."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.cancelled:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(timeout=min(left, 0.1))
        return True


class RateMeter:
    """Units per second and ETA over active (unpaused) time since `start()`.

    The same meter feeds the live reports and the final summary of a run, so the two never disagree.
    """

    MIN_ACTIVE_S = 1.0

    def __init__(self, control: Control | None = None) -> None:
        self._control = control or Control()
        self.start()

    def start(self) -> None:
        """(Re)start the clock, e.g. once a model has loaded and the real work begins."""
        self._start = time.monotonic()
        self._paused_at_start = self._control.paused_seconds()

    def active_s(self) -> float:
        return time.monotonic() - self._start - (self._control.paused_seconds() - self._paused_at_start)

    def rate(self, done: int) -> float | None:
        active = self.active_s()
        if active < self.MIN_ACTIVE_S or done <= 0:
            return None
        return done / active

    def snapshot(
        self, phase: Phase, done: int, total: int, *, unit: Unit = Unit.PHOTOS, failed: int = 0,
        current: str | None = None,
    ) -> Progress:
        rate = self.rate(done)
        eta = (total - done) / rate if rate and total >= done else None
        return Progress(phase, done, total, unit, failed, rate, eta, current)
