"""Reconcile scan: make the database agree with what is on disk under each root.

Mark and sweep: every file seen is stamped with the scan id, and a scan that walked the whole root
sweeps (marks missing) the files it did not see. What the walk could not read is spared, not
swept: an entry whose stat fails keeps its row as it is, and a folder that cannot be listed keeps
every file below it; the rest of the root is swept as usual (one symlink loop used to stop every
sweep of its root, so deleted photos stayed in search). A root that is missing, unreadable or an
unmounted mount point (an empty folder while the database knows photos there) is not swept at all.
So an unplugged drive, a network share that is down or a folder we could not list never "deletes"
photos.

Cheap on big libraries: a file whose size and mtime are unchanged is not opened at all. New and
changed files are quick-hashed (1 MiB read) so moves, renames and copies are recognised by
content and reuse everything already known (see `files.adopt_known_content`); the rest become
`pending` for the pipeline. Hashing happens outside write transactions, and each chunk of files
is committed in one transaction, so readers and other writers are never held up for long.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from photosearch.progress import Control, Phase, ProgressCallback, RateMeter, Unit
from photosearch.store import Root, Store

from indexer.files import hash_or_none, needs_hash, record_file
from indexer.walk import root_is_empty, root_reachable, walk_photos

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScanConfig:
    chunk: int = 256  # files per write transaction (and per progress report)
    # Vectors of content no file on disk has (old versions of edited photos, deleted or moved-away photos) are
    # pruned this long after the content was last seen, at the end of a complete scan. A month covers a folder
    # moved to another drive and back, or a card re-imported after a trip, without embedding it again (hours on
    # a CPU for a big library); an orphaned vector only costs its row (3 KB at 768 dims) meanwhile.
    orphan_grace_days: float = 30.0


@dataclass
class ScanResult:
    root: Root
    reachable: bool = True
    complete: bool = False  # walked to the end (not cancelled): the sweep ran, sparing what `errors` name
    seen: int = 0
    unchanged: int = 0
    hashed: int = 0
    missing: int = 0  # marked missing by the sweep
    pruned: int = 0  # vectors of content no file has had for `orphan_grace_days`, deleted after the sweep
    errors: list[str] = field(default_factory=list)  # entries or folders that could not be read


def scan_roots(
    store: Store,
    roots: list[Root] | None = None,
    config: ScanConfig = ScanConfig(),
    progress: ProgressCallback | None = None,
    control: Control | None = None,
) -> list[ScanResult]:
    """Scan each root (default: all of them); stops early, without sweeping, when cancelled."""
    control = control or Control()
    results: list[ScanResult] = []
    for root in store.roots() if roots is None else roots:
        if control.cancelled:
            break
        results.append(scan_root(store, root, config, progress, control))
    return results


def root_available(store: Store, root: Root) -> bool:
    """False for a root we must not trust to be complete: missing, unreadable, or an empty folder
    where the library knows photos (what an unmounted drive or share leaves behind)."""
    if not root_reachable(root.path):
        return False
    return not (root_is_empty(root.path) and store.live_file_count(root.id) > 0)


def scan_root(
    store: Store,
    root: Root,
    config: ScanConfig = ScanConfig(),
    progress: ProgressCallback | None = None,
    control: Control | None = None,
) -> ScanResult:
    control = control or Control()
    result = ScanResult(root)
    if not root_available(store, root):
        log.warning("root %s is missing, unreadable or empty (unmounted?): keeping its entries", root.path)
        result.reachable = False
        return result

    unreadable: list[str] = []

    def walk_error(e: OSError) -> None:
        log.warning("scan of %s: %s", root.path, e)
        result.errors.append(f"{e.filename}: {e.strerror or e}")
        unreadable.append(e.filename)

    scan_id = store.begin_scan(root.id)
    meter = RateMeter(control)
    seen_ids: list[int] = []
    to_record: list[tuple[str, os.stat_result, str | None]] = []
    cancelled = False
    try:
        for path, st in walk_photos(root.path, root.excluded, walk_error):
            if not control.wait_if_paused():
                cancelled = True
                break
            result.seen += 1
            rec = store.file_by_path(path)
            if not needs_hash(rec, st):
                seen_ids.append(rec.id)  # type: ignore[union-attr]
                result.unchanged += 1
            else:
                try:
                    h = hash_or_none(path)
                except FileNotFoundError:
                    continue  # vanished while we walked
                result.hashed += h is not None
                to_record.append((path, st, h))
            if len(seen_ids) + len(to_record) >= config.chunk:
                _commit(store, root.id, scan_id, seen_ids, to_record)
                if progress:
                    progress(meter.snapshot(Phase.SCAN, result.seen, 0, unit=Unit.FILES, failed=len(result.errors),
                                            current=path))
        _commit(store, root.id, scan_id, seen_ids, to_record)
        if not cancelled:
            store.mark_seen_at(unreadable, scan_id)
    except BaseException:
        store.finish_scan(scan_id, ok=False)
        raise
    result.complete = not cancelled
    result.missing = store.finish_scan(scan_id, ok=result.complete)
    if result.complete:
        result.pruned = store.prune_orphans(config.orphan_grace_days * 86400)
    if progress:
        progress(meter.snapshot(Phase.SCAN, result.seen, result.seen, unit=Unit.FILES, failed=len(result.errors)))
    log.info(
        "scanned %s: %d files, %d unchanged, %d hashed, %d now missing, %d orphaned vectors pruned%s", root.path,
        result.seen, result.unchanged, result.hashed, result.missing, result.pruned,
        "" if result.complete else " (cancelled: no sweep)",
    )
    return result


def _commit(
    store: Store, root_id: int, scan_id: int, seen_ids: list[int], to_record: list[tuple[str, os.stat_result, str | None]]
) -> None:
    if not seen_ids and not to_record:
        return
    with store.write_batch():
        store.mark_seen(seen_ids, scan_id)
        for path, st, h in to_record:
            record_file(store, root_id, path, st, h, scan_id)
    seen_ids.clear()
    to_record.clear()

