"""Starting watchdog observers for a root: native events where they work, polling where they cannot.

Network mounts (NFS, SMB, sshfs, FUSE) are polled, because inotify never hears about changes made by other
machines; so is a root whose inotify watch cannot be set up because the kernel's limits are used up. The
native observer also tells the watcher when events were lost, and watchdog's noise is kept out of the log:

* Lost events. When the kernel's inotify queue overflows (16,384 events by default: a few thousand files
  copied while the watcher is busy), watchdog rebuilds its watches and logs a warning, but its handlers
  hear nothing, so the files behind the lost events stayed unindexed until the 30-minute reconcile. Our
  emitter also queues a `QueueOverflow` event for the root; the watcher rescans that root once events
  settle.
* Stale watches. watchdog (7.1) keeps the inotify watch of a folder moved out of the root, still filed
  under the folder's old path (inotify watches follow the folder, not the path). Two things went wrong:
  when an ancestor of that old path was later moved, watchdog carried the stale entry along and re-aimed
  the watch - now on a folder somewhere else in the root - at a path that does not exist, so every later
  event in that folder came with a wrong path (the storm test's last differences: a dozen photos without a
  row and ghost rows, in the one folder that had been moved out, back in and on). And when the folder came
  back, re-adding its watch found our own callback and warned "Callback with id ... already exists" with the
  whole watch table in the message (kilobytes each; 250 KB of log for 600 operations). So our emitter drops
  the watches of a folder once watchdog reports it moved out. The warning can still come when a folder is
  back within watchdog's 0.5 s move-pairing window, before that; `quiet_watchdog` filters that one.
"""
from __future__ import annotations

import logging
import os
import warnings
from typing import Any, Callable

from watchdog.events import FileSystemEventHandler

from watchdog.events import DirModifiedEvent
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from indexer.mounts import on_network_mount

log = logging.getLogger(__name__)

try:  # Linux only
    from watchdog.observers.inotify import InotifyEmitter, InotifyObserver
    from watchdog.observers.inotify_move_event_grouper import PathedInotifyEvent
except ImportError:  # pragma: no cover - macOS (FSEvents) and Windows have no inotify queue to overflow
    InotifyEmitter = InotifyObserver = None  # type: ignore[assignment,misc]


class QueueOverflow(DirModifiedEvent):
    """Events below `src_path` (a watched root) were lost; only a rescan of the whole root can tell what changed."""


def quiet_watchdog() -> None:
    """Ignore watchdog's "Callback with id ... already exists" warning (see the module doc)."""
    warnings.filterwarnings(
        "ignore", message=r"Callback with id .* already exists", category=RuntimeWarning, module=r"watchdog\."
    )


def start_observer(
    handler: FileSystemEventHandler, path: str, force_polling: bool, polling_interval_s: float,
    factory: Callable[[], BaseObserver] | None = None,
) -> BaseObserver | None:
    """A started observer sending `path`'s events (recursively) to `handler`; None if it cannot be watched at all.

    `factory` builds the native observer (tests inject failures); default `native_observer`."""
    if force_polling or on_network_mount(path):
        log.info("watching %s by polling every %.0f s (network file system)", path, polling_interval_s)
    else:
        observer = None
        try:
            quiet_watchdog()
            observer = (factory or native_observer)()
            observer.schedule(handler, path, recursive=True)
            observer.start()
            return observer
        except OSError as e:
            log.warning(
                "cannot watch %s with native events (%s); polling every %.0f s instead. On Linux, raise "
                "fs.inotify.max_user_watches / fs.inotify.max_user_instances to fix this.",
                path, e, polling_interval_s,
            )
            if observer is not None:
                stop_observer(observer)
    observer = PollingObserver(timeout=polling_interval_s)
    try:
        observer.schedule(handler, path, recursive=True)
        observer.start()
    except OSError as e:
        log.warning("cannot watch %s at all (%s); only the periodic reconcile will see its changes", path, e)
        stop_observer(observer)
        return None
    return observer


def stop_observer(observer: BaseObserver) -> None:
    try:
        observer.stop()
        if observer.is_alive():
            observer.join(timeout=5)
    except Exception:  # noqa: BLE001 - it never started properly; nothing more to clean up
        pass


def native_observer() -> BaseObserver:
    """The platform's native observer; on Linux one that reports inotify queue overflows as `QueueOverflow`."""
    if InotifyObserver is None:
        return Observer()
    return _OverflowReportingObserver()


if InotifyObserver is not None:

    class _OverflowReportingEmitter(InotifyEmitter):
        def on_thread_start(self) -> None:
            super().on_thread_start()
            group: Any = getattr(self, "_inotify", None)  # watchdog's InotifyWatchGroup for this watch
            rebuild = getattr(group, "on_queue_overflow", None)
            if rebuild is None:  # another watchdog version: the periodic reconcile still catches up
                return

            def on_queue_overflow() -> None:
                rebuild()
                self.queue_event(QueueOverflow(self.watch.path))

            group.on_queue_overflow = on_queue_overflow

        def build_and_queue_event(self, event: Any, *, full_events: bool = False) -> None:
            super().build_and_queue_event(event, full_events=full_events)
            if isinstance(event, PathedInotifyEvent) and event.ev.is_moved_from and event.ev.is_directory:
                self._forget_moved_out(event.path)  # unpaired: the folder left the watched tree

        def _forget_moved_out(self, path: bytes) -> None:
            """Drop the watches filed under `path` and below (see the module doc), unless something is at
            `path` again (the folder came back within the pairing window, or a new one took its name: watchdog
            then filed its watch there) or a watch already serves another path (it came back elsewhere)."""
            group: Any = self._inotify
            try:
                with group._lock:  # the move back in, if any, is filed under this lock: before or after us
                    if not group.is_active or os.path.lexists(path):
                        return
                    by_path, by_watch = group._active_callbacks_by_path, group._active_callbacks_by_watch
                    below = path.rstrip(b"/") + b"/"
                    stale = [(p, wd) for p, wd in by_path.items() if p == path or p.startswith(below)]
                    for p, wd in stale:
                        if by_watch.get(wd) != p:
                            del by_path[p]
                    group._remove_callbacks([wd for p, wd in stale if by_watch.get(wd) == p])
            except (AttributeError, KeyError, OSError) as e:  # another watchdog version, or a watch already gone
                log.debug("cannot drop the watches below %s: %r", os.fsdecode(path), e)

    class _OverflowReportingObserver(InotifyObserver):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._emitter_class = _OverflowReportingEmitter
