"""Targeted rescan: make the database agree with the disk for the few folders the watcher saw change.

Events alone drift under storms: a folder moved out and a new one of the same name made in its place
(its delete event then finds the path taken and keeps the old rows), a root that is empty for a moment
(taken for an unmounted drive, so its deletes are ignored), events watchdog drops or reorders. Storms of
1,000 mixed operations left dozens of photos without a row, with stale content or as ghost rows, until the
30-minute reconcile. So once events settle the watcher rescans just the folders they touched: the direct
children of a folder for file events, the whole subtree for folder events. That costs one `scandir` and
one stat per photo in those folders; only new or changed files are read (quick hash), as in the scan.

A row is marked missing only when its file is gone: not there, or no longer a regular photo file (a FIFO
or folder in its place, a name we skip). A file we cannot stat for another reason (permissions) keeps its
row. The caller makes sure the root is available (`scan.root_available`) first: an unmounted drive looks
just like a deleted folder.
"""
from __future__ import annotations

import errno
import logging
import os
import stat
from dataclasses import dataclass
from typing import Callable, Iterator

from photosearch.images import is_supported
from photosearch.store import Root, Store

from indexer.files import hash_or_none, needs_hash, record_file
from indexer.walk import is_candidate, is_hidden_name, is_watched_dir, walk_photos

log = logging.getLogger(__name__)

_GONE_ERRNOS = (errno.ENOENT, errno.ENOTDIR, errno.ELOOP, errno.ENAMETOOLONG)


class TouchedFolders:
    """The folders events touched since the last rescan, each with whether its whole subtree needs one."""

    def __init__(self) -> None:
        self._due: dict[str, bool] = {}
        self._deferred: dict[str, bool] = {}

    def __bool__(self) -> bool:
        return bool(self._due)

    def add(self, folder: str, recursive: bool) -> None:
        """`folder` changed. Any change also brings back the deferred folders: their root may be back."""
        self._due[folder] = self._due.get(folder, False) or recursive
        for deferred, rec in self._deferred.items():
            self._due[deferred] = self._due.get(deferred, False) or rec
        self._deferred.clear()

    def defer(self, folder: str, recursive: bool) -> None:
        """Not now (its root looks unmounted): due again with the next `add`."""
        self._deferred[folder] = self._deferred.get(folder, False) or recursive

    def take(self) -> list[tuple[str, bool]]:
        """What is due, parents first, without the folders a recursive rescan of an ancestor covers; then empty."""
        due, self._due = self._due, {}
        out: list[tuple[str, bool]] = []
        covered: list[str] = []
        for folder in sorted(due, key=lambda p: (p.count(os.sep), p)):
            if any(folder == c or folder.startswith(c.rstrip(os.sep) + os.sep) for c in covered):
                continue
            out.append((folder, due[folder]))
            if due[folder]:
                covered.append(folder)
        return out


@dataclass
class RescanResult:
    recorded: int = 0  # new or changed files recorded (pending, or indexed at once if their content is known)
    missing: int = 0  # rows whose file is gone


def rescan_folder(
    store: Store, root: Root, folder: str, recursive: bool, on_error: Callable[[OSError], None] = lambda e: None
) -> RescanResult:
    """Record the photos in `folder` (and below it if `recursive`) like a scan, and mark missing the rows
    there whose file is gone. `folder` may itself be gone (moved away, deleted). Only for an available root."""
    result = RescanResult()
    if is_watched_dir(root.path, root.excluded, folder) and os.path.isdir(folder) and not os.path.islink(folder):
        photos = walk_photos(folder, root.excluded, on_error) if recursive else _photos_in(folder, on_error)
        found: list[tuple[str, os.stat_result, str | None]] = []
        for path, st in photos:
            if not stat.S_ISREG(st.st_mode) or not needs_hash(store.file_by_path(path), st):
                continue
            try:
                found.append((path, st, hash_or_none(path)))
            except FileNotFoundError:
                continue
        with store.write_batch():
            for path, st, h in found:
                record_file(store, root.id, path, st, h)
        result.recorded = len(found)
    roots = {r.id: r for r in store.roots()}
    gone = [
        rec.path for rec in store.live_files_under(folder, recursive) if _gone(rec.path, roots.get(rec.root_id, root))
    ]
    result.missing = store.mark_missing(gone)
    return result


def _photos_in(folder: str, on_error: Callable[[OSError], None]) -> Iterator[tuple[str, os.stat_result]]:
    """The candidate photos directly in `folder` (walk_photos' rules, without descending)."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as e:
        on_error(e)
        return
    for entry in entries:
        if is_hidden_name(entry.name) or not is_supported(entry.name):
            continue
        try:
            if entry.is_file():  # follows symlinks; False for FIFOs, sockets, devices and folders
                yield entry.path, entry.stat()
        except FileNotFoundError:
            continue
        except OSError as e:
            on_error(e)


def _gone(path: str, root: Root) -> bool:
    """True if nothing we index is at `path` any more; False while we cannot tell (e.g. no permission)."""
    if not is_candidate(root.path, root.excluded, path):
        return True
    try:
        st = os.stat(path)
    except OSError as e:
        return e.errno in _GONE_ERRNOS
    return not stat.S_ISREG(st.st_mode)
