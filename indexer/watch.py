"""Keep the index current while the app runs: file system events, debounced, plus a periodic reconcile.

Threads: watchdog's observer threads only put events on a queue (`_Enqueue`); everything else -
debouncing, store updates, index runs - happens in the one thread that called `Watcher.run`, so the
Store is never used from two threads. Observers are started before the catch-up scan, so changes
made while it runs are queued, not lost.

What each event does:

* created / modified / closed file: debounced (`Debouncer`), then recorded like a scan would and
  indexed. A file still being copied is handed on only once it is quiet and its size/mtime stable.
* moved file or folder: the new path takes over the old row's content key and metadata (no read,
  no re-embed, see `files.move_file`); the old path goes missing. A move whose source we did not
  know (atomic replace: write a temp file, `os.replace` it over the photo) is treated as a new file.
* deleted file or folder (also: moved out of every root): marked missing - never for a root that
  is unreachable or for the root folder itself, since an unmounting drive looks just like that.

Events alone drift under storms (a name reused before its old owner's event is handled, a root that is
empty for a moment, events watchdog drops), so every folder an event touched is remembered, and once
events have settled (nothing new for `quiet_s`, nothing left to debounce) those folders are rescanned
(`rescan.rescan_folder`: non-recursively for file events, the whole subtree for folder events). After an
inotify queue overflow (`observers.QueueOverflow`) the whole root is rescanned instead. In the storm test
(1,000 mixed operations, tests/reliability/test_event_storm.py) the old watcher left 12 differences with
the tree (46 in an earlier, slower variant): photos without a row, stale content, ghost rows. Now none,
about 1.5 s after the storm ends. A file that never stops changing holds rescans back (it is never quiet);
the periodic reconcile still covers that.

Network mounts (NFS, SMB, sshfs, FUSE) get watchdog's `PollingObserver`, because inotify never
hears about changes made by other machines; so does a root whose inotify watch cannot be set up
because the kernel's limits are used up. A full reconcile every `reconcile_interval_s` catches
whatever events were lost anyway (queue overflows, changes while suspended).
"""
from __future__ import annotations

import logging
import os
import queue
import stat
import threading
import time
from dataclasses import dataclass
from typing import Callable

from photosearch.progress import Control, ProgressCallback
from photosearch.store import Root, Store
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers.api import BaseObserver

from indexer.debounce import Debouncer
from indexer.files import hash_or_none, move_file, needs_hash, record_file
from indexer.observers import QueueOverflow, start_observer, stop_observer
from indexer.pipeline import Pipeline
from indexer.rescan import TouchedFolders, rescan_folder
from indexer.scan import ScanConfig, root_available, scan_root, scan_roots
from indexer.walk import is_candidate, is_watched_dir, relative_parts, walk_photos

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WatchConfig:
    quiet_s: float = 2.0  # a file must be quiet (no events, same size/mtime) this long before indexing
    reconcile_interval_s: float = 30 * 60  # full scan to catch lost events
    polling_interval_s: float = 60.0  # how often a polled (network) root is re-listed
    force_polling: bool = False
    root_check_interval_s: float = 60.0  # notice new roots and unplugged ones that are back
    tick_s: float = 0.2  # longest wait between looks at the stop event
    # Builds the native observer; tests inject failures here. None = watchdog's platform default.
    observer_factory: Callable[[], BaseObserver] | None = None


class _Enqueue(FileSystemEventHandler):
    """Runs in watchdog's thread: hands events over and returns at once."""

    def __init__(self, events: "queue.SimpleQueue[FileSystemEvent]") -> None:
        self._events = events

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._events.put(event)


class Watcher:
    """Follows the roots' file systems and keeps the store (and the index) in step; see the module doc."""

    MAX_EVENTS_PER_TURN = 1000

    def __init__(
        self, store: Store, pipeline: Pipeline, scan_config: ScanConfig = ScanConfig(), config: WatchConfig = WatchConfig()
    ) -> None:
        self.store = store
        self.pipeline = pipeline
        self.scan_config = scan_config
        self.config = config
        self._events: queue.SimpleQueue[FileSystemEvent] = queue.SimpleQueue()
        self._handler = _Enqueue(self._events)
        self._observers: dict[str, BaseObserver] = {}
        self._roots: list[Root] = []
        self._debounce = Debouncer(config.quiet_s)
        self._new_pending = False  # files were recorded since the last index run
        self._touched = TouchedFolders()  # to rescan once events settle
        self._overflowed: set[str] = set()  # roots whose events were lost: rescanned whole
        self._last_change = 0.0  # monotonic time of the last event that changed something

    # -- main loop -----------------------------------------------------------------------------

    def run(
        self, stop_event: threading.Event, progress: ProgressCallback | None = None, control: Control | None = None
    ) -> None:
        """Watch every root until `stop_event` is set (or `control` is cancelled); a long index run in progress is
        cancelled then. While `control` is paused, runs wait and events queue."""
        if control is None:
            control = Control(cancel_event=stop_event)
        else:
            control.link(stop_event)
        cfg = self.config
        try:
            self._refresh_roots()
            self._reconcile(None, progress, control)
            next_reconcile = time.monotonic() + cfg.reconcile_interval_s
            next_root_check = time.monotonic() + cfg.root_check_interval_s
            while not control.cancelled:
                self._wait_for_events(min(next_reconcile, next_root_check))
                ready = self._debounce.pop_ready(time.monotonic())
                if ready:
                    self._hand_on(ready)
                if self._settled(time.monotonic()) and not control.cancelled:
                    self._rescan_touched(progress, control)
                if self._new_pending and not control.cancelled:
                    self._new_pending = False
                    self.pipeline.run(progress, control)
                now = time.monotonic()
                if now >= next_reconcile and not control.cancelled:
                    self._refresh_roots()
                    self._reconcile(None, progress, control)
                    next_reconcile = time.monotonic() + cfg.reconcile_interval_s
                elif now >= next_root_check and not control.cancelled:
                    back = self._refresh_roots()
                    if back:  # a new root, or one that was unplugged: catch up with it now
                        self._reconcile(back, progress, control)
                    next_root_check = time.monotonic() + cfg.root_check_interval_s
        finally:
            self._stop_observers()

    def _wait_for_events(self, next_timer: float) -> None:
        now = time.monotonic()
        wake = min(next_timer, self._debounce.next_due() or next_timer, now + self.config.tick_s)
        if self._touched or self._overflowed:
            wake = min(wake, self._last_change + self.config.quiet_s)
        try:
            event = self._events.get(timeout=max(0.0, wake - now))
        except queue.Empty:
            return
        for handled in range(1, self.MAX_EVENTS_PER_TURN + 1):
            try:
                self._handle(event)
            except OSError as e:  # a file vanished under us, a permission problem: keep watching
                log.warning("watch: cannot handle %s: %s", event, e)
            if handled == self.MAX_EVENTS_PER_TURN:
                return  # a flood (a big copy) must not starve the timers; the rest waits in the queue
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return

    def _reconcile(self, roots: list[Root] | None, progress: ProgressCallback | None, control: Control) -> None:
        scan_roots(self.store, roots, self.scan_config, progress, control)
        if not control.cancelled:
            self.pipeline.run(progress, control)

    # -- rescans of what events touched ----------------------------------------------------------

    def _settled(self, now: float) -> bool:
        """Something needs a rescan and events have settled: nothing new for `quiet_s`, nothing left to debounce."""
        return bool(self._touched or self._overflowed) and not self._debounce and now - self._last_change >= self.config.quiet_s

    def _note_change(self, event: FileSystemEvent, src: str, dest: str) -> None:
        """Remember the folders `event` touched. Opens and reads (ours too) change nothing and are not noted."""
        kind = event.event_type
        if isinstance(event, QueueOverflow):
            root = self._root_of(src)
            if root is not None:
                log.warning("events under %s were lost (inotify queue overflow); rescanning it", root.path)
                self._overflowed.add(root.path)
        elif event.is_directory:
            if kind not in ("moved", "deleted", "created"):
                return
            for path in (src, dest):
                if path and self._root_of(path) is not None:
                    self._touched.add(path, recursive=True)
        elif kind in ("created", "modified", "closed", "moved", "deleted", "attrib"):
            for path in (src, dest):
                folder = os.path.dirname(path) if path else ""
                if folder and self._root_of(folder) is not None:
                    self._touched.add(folder, recursive=False)
        else:
            return
        self._last_change = time.monotonic()

    def _rescan_touched(self, progress: ProgressCallback | None, control: Control) -> None:
        """Rescan the folders events touched (whole roots after an overflow), then index what they found."""
        touched = self._touched.take()
        overflowed, self._overflowed = self._overflowed, set()
        for root in self._roots:
            if root.path in overflowed and root.path in self._observers and not control.cancelled:
                scan_root(self.store, root, self.scan_config, progress, control)
                self._new_pending = True
        available: dict[str, bool] = {}
        recorded = missing = 0
        for folder, recursive in touched:
            root = self._root_of(folder)
            if root is None or root.path in overflowed or root.path not in self._observers:
                continue
            if root.path not in available:
                available[root.path] = root_available(self.store, root)
            if not available[root.path]:  # empty for a moment (its only folder moved out and back?), or unmounted
                self._touched.defer(folder, recursive)
                continue
            try:
                result = rescan_folder(self.store, root, folder, recursive, _walk_error)
            except OSError as e:
                log.warning("watch: cannot rescan %s: %s", folder, e)
                continue
            recorded += result.recorded
            missing += result.missing
        if recorded or missing:
            log.info("rescan of %d folders after events: %d files recorded, %d gone", len(touched), recorded, missing)
        if recorded:
            self._new_pending = True

    # -- observers -----------------------------------------------------------------------------

    def _refresh_roots(self) -> list[Root]:
        """Start observers for new roots and roots that are back; drop those of removed or gone roots.

        Returns the roots that got a new observer. A root that went away lost its inotify watches
        (or its polling emitter stopped), so it needs a fresh observer once it is back.
        """
        self._roots = sorted(self.store.roots(), key=lambda r: len(r.path), reverse=True)
        known = {r.path for r in self._roots}
        for path in [p for p in self._observers if p not in known]:
            stop_observer(self._observers.pop(path))
        started: list[Root] = []
        for root in self._roots:
            if not root_available(self.store, root):
                if root.path in self._observers:
                    log.warning("root %s is unavailable (unplugged or unmounted?); keeping its entries", root.path)
                    stop_observer(self._observers.pop(root.path))
                continue
            if root.path not in self._observers:
                observer = self._start_observer(root.path)
                if observer is not None:
                    self._observers[root.path] = observer
                    started.append(root)
        return started

    def _start_observer(self, path: str) -> BaseObserver | None:
        cfg = self.config
        return start_observer(self._handler, path, cfg.force_polling, cfg.polling_interval_s, cfg.observer_factory)

    def _stop_observers(self) -> None:
        for observer in self._observers.values():
            observer.stop()
        for observer in self._observers.values():
            observer.join(timeout=10)
        self._observers.clear()

    # -- events --------------------------------------------------------------------------------

    def _root_of(self, path: str) -> Root | None:
        for root in self._roots:  # longest first: the innermost root wins
            if os.path.abspath(path) == os.path.abspath(root.path) or relative_parts(root.path, path) is not None:
                return root
        return None

    def _handle(self, event: FileSystemEvent) -> None:
        kind = event.event_type
        src = os.fsdecode(event.src_path)
        dest = os.fsdecode(event.dest_path) if event.dest_path else ""
        self._note_change(event, src, dest)
        if isinstance(event, QueueOverflow):
            return
        if event.is_directory:
            if kind == "moved":
                self._folder_moved(src, dest)
            elif kind == "deleted":
                self._folder_gone(src)
            elif kind == "created":
                self._folder_appeared(src)
        elif kind in ("created", "modified", "closed"):
            self._touch(src)
        elif kind == "moved":
            self._file_moved(src, dest)
        elif kind == "deleted":
            self._file_gone(src)

    def _candidate_root(self, path: str) -> Root | None:
        root = self._root_of(path)
        return root if root is not None and is_candidate(root.path, root.excluded, path) else None

    def _touch(self, path: str) -> None:
        if self._candidate_root(path) is not None:
            self._debounce.touch(path, time.monotonic())

    def _file_moved(self, src: str, dest: str) -> None:
        self._debounce.forget(src)
        root = self._candidate_root(dest) if dest else None
        st = _stat(dest) if root is not None else None
        if root is not None and st is not None:
            if not move_file(self.store, root.id, src, dest, st):
                self._debounce.touch(dest, time.monotonic())
            self._new_pending = True  # in case the old row had no metadata to reuse
        else:  # moved somewhere we do not index (out of the roots, into a hidden folder, renamed .tmp)
            self._file_gone(src)

    def _file_gone(self, path: str) -> None:
        self._debounce.forget(path)
        root = self._root_of(path)
        if root is not None and not os.path.lexists(path) and root_available(self.store, root):
            self.store.mark_missing([path])

    def _folder_moved(self, src: str, dest: str) -> None:
        self._debounce.forget_under(src)
        root = self._root_of(dest) if dest else None
        if root is not None and is_watched_dir(root.path, root.excluded, dest):
            for path, st in walk_photos(dest, root.excluded, _walk_error):
                old = os.path.join(src, os.path.relpath(path, dest))
                if not move_file(self.store, root.id, old, path, st):
                    self._debounce.touch(path, time.monotonic())
                self._new_pending = True
        self._folder_gone(src)

    def _folder_gone(self, path: str) -> None:
        self._debounce.forget_under(path)
        root = self._root_of(path)
        if root is None or os.path.lexists(path):
            return
        if os.path.abspath(path) == os.path.abspath(root.path):
            log.warning("root %s disappeared; keeping its entries until it is back", path)
            if root.path in self._observers:
                stop_observer(self._observers.pop(root.path))  # restarted by the next root check
            return
        if root_available(self.store, root):
            self.store.mark_missing_under(path)

    def _folder_appeared(self, path: str) -> None:
        root = self._root_of(path)
        if root is not None and is_watched_dir(root.path, root.excluded, path):
            for file_path, _ in walk_photos(path, root.excluded, _walk_error):
                self._debounce.touch(file_path, time.monotonic())

    def _hand_on(self, paths: list[str]) -> None:
        """Record debounced files the way a scan would; the pipeline run that follows indexes them."""
        for path in paths:
            root = self._candidate_root(path)
            st = _stat(path)
            if root is None or st is None:
                continue
            if not stat.S_ISREG(st.st_mode):  # a FIFO named like a photo would block the hash's open() forever
                log.info("watch: skipping %s: not a regular file", path)
                continue
            rec = self.store.file_by_path(path)
            if not needs_hash(rec, st):
                continue
            try:
                h = hash_or_none(path)
            except FileNotFoundError:
                continue
            record_file(self.store, root.id, path, st, h)
            self._new_pending = True


def _walk_error(e: OSError) -> None:
    """A folder that vanished while we walked it is an ordinary part of a storm, not worth a warning."""
    if isinstance(e, FileNotFoundError):
        log.debug("watch: %s", e)
    else:
        log.warning("watch: %s", e)


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None
