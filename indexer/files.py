"""Per-file bookkeeping shared by the scan and the watcher: record a file, reuse known content, go missing.

Reuse is what makes moves, renames and copies free: embeddings are keyed by content (quick hash),
so a file whose content the library already knows only needs its photo metadata, and that is copied
from the other file instead of being read again. The file is then `indexed` at once and neither the
decoder nor the encoder ever sees it; models that lack the content are backfilled as usual.
"""
from __future__ import annotations

import logging
import os

from photosearch.hashing import quick_hash
from photosearch.store import FileRecord, FileStatus, Store

log = logging.getLogger(__name__)

StatKey = tuple[int, int]

def stat_key(st: os.stat_result) -> StatKey:
    """What decides "unchanged": size and mtime in ns (inode changes alone do not count)."""
    return st.st_size, st.st_mtime_ns

def needs_hash(rec: FileRecord | None, st: os.stat_result) -> bool:
    """New, changed, never hashed, or coming back from missing (then the hash proves it is the same photo)."""
    return (
        rec is None
        or rec.key is None
        or rec.status == FileStatus.MISSING
        or (rec.size, rec.mtime_ns) != stat_key(st)
    )

def hash_or_none(path: str) -> str | None:
    """A file's quick hash, or None when it cannot be read: it is then recorded unhashed, and the pipeline reads
    it and records why it fails. Raises `FileNotFoundError` for a file that vanished (callers skip it)."""
    try:
        return quick_hash(path)
    except FileNotFoundError:
        raise
    except OSError as e:
        log.info("cannot hash %s: %s", path, e)
        return None


def record_file(
    store: Store, root_id: int, path: str, st: os.stat_result, quick_hash: str | None, scan_id: int | None = None
) -> FileRecord:
    """Upsert what is on disk and, if its content is already known, adopt it (no decode, no encode)."""
    with store.write_batch():
        rec = store.upsert_file(
            root_id, path, size=st.st_size, mtime_ns=st.st_mtime_ns, inode=st.st_ino, device=st.st_dev,
            quick_hash=quick_hash, scan_id=scan_id,
        )
        if rec.status == FileStatus.PENDING and adopt_known_content(store, rec):
            rec = store.file(rec.id) or rec
    return rec

def adopt_known_content(store: Store, rec: FileRecord) -> bool:
    """Give a pending file the metadata of another file with the same content and mark it indexed.

    Only files that were indexed (or were indexed before they went missing, e.g. the old path of a
    move) are trusted as a source, and only through their photo metadata, which the store drops when
    a file's content changes or it fails: so what is copied was read from exactly this content.
    """
    if rec.status != FileStatus.PENDING or rec.quick_hash is None:
        return False
    others = [o for o in store.find_by_quick_hash(rec.quick_hash) if o.id != rec.id]
    others.sort(key=lambda o: o.status != FileStatus.INDEXED)  # live copies first, then missing ones
    for other in others:
        if other.status not in (FileStatus.INDEXED, FileStatus.MISSING):
            continue
        meta = store.photo_meta(other.id)
        if meta is None:
            continue
        with store.write_batch():
            store.set_photo_meta(rec.id, meta)
            store.mark_indexed([rec.id])
        return True
    return False

def move_file(store: Store, root_id: int, src: str, dest: str, st: os.stat_result) -> bool:
    """Carry a moved file's identity to its new path; False if `dest` must be read like a new file.

    Trusts the old row's hash only if size and mtime survived the move (renames and moves do), so
    no byte of the file is read. The old path goes missing unless something is there again.
    """
    with store.write_batch():
        dest_rec = store.file_by_path(dest)
        src_rec = store.file_by_path(src)
        if dest_rec is not None and not needs_hash(dest_rec, st):
            handled = True  # already recorded (the same move reported twice, e.g. dir + sub events)
        elif src_rec is not None and src_rec.quick_hash is not None and (src_rec.size, src_rec.mtime_ns) == stat_key(st):
            record_file(store, root_id, dest, st, src_rec.quick_hash)
            handled = True
        else:
            handled = False
        if src_rec is not None and not os.path.lexists(src):
            store.mark_missing([src])
    return handled
