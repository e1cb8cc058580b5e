"""The files of a library and their photo metadata: what scans record, what the indexer works on, what search filters.

`FilesMixin` is part of `Store` (store.py); every write joins the caller's `write_batch` or commits on its own.
"""
from __future__ import annotations

import os
from typing import Iterable, Sequence

from photosearch.store.base import StoreBase
from photosearch.store.records import FileRecord, FileStatus, PhotoMeta, StatusCounts
from photosearch.store.rows import _FILE_COLS, _FILE_FROM, _file, _now, path_key, subtree_range

_PHOTO_COLS = (
    "file_type", "width", "height", "orientation", "taken_at", "taken_at_source",
    "camera_make", "camera_model", "gps_lat", "gps_lon",
)


# SQL for a file's new `last_seen_scan` when something sees it on disk (the one parameter: the caller's scan
# id or None); `_NEW_STAMP` is the same for a new row.
#
# The stamp is the newest scan begun so far, never lower than before. So stamps only move forward (two
# index runs at once: an older scan writing late used to undo a newer one's stamps, and the newer sweep
# then marked 44 of 120 present photos missing), and a file recorded while a scan runs - by another scan,
# the watcher or the pipeline, which pass no scan id - counts as seen by that scan, so its sweep
# (`last_seen_scan < scan id`) spares it.
_SEEN_STAMP = "max(coalesce(last_seen_scan, 0), coalesce(?, 0), (SELECT coalesce(max(id), 0) FROM scans))"
_NEW_STAMP = "max(coalesce(?, 0), (SELECT coalesce(max(id), 0) FROM scans))"


class FilesMixin(StoreBase):
    """Files (scan results, indexing states, search's candidate set) and photo metadata of a `Store`."""

    # -- files ----------------------------------------------------------------------------------

    def key_for_hash(self, quick_hash: str) -> int:
        """The key (content id) of a quick_hash, created on first sight."""
        with self.write_batch():
            self._conn.execute("INSERT INTO contents(quick_hash) VALUES (?) ON CONFLICT DO NOTHING", (quick_hash,))
            return int(self._one("SELECT id FROM contents WHERE quick_hash = ?", (quick_hash,))[0])

    def upsert_file(
        self,
        root_id: int,
        path: str | os.PathLike[str],
        *,
        size: int,
        mtime_ns: int,
        inode: int | None = None,
        device: int | None = None,
        quick_hash: str | None = None,
        scan_id: int | None = None,
    ) -> FileRecord:
        """Record what a scan found at `path`; the returned status tells the indexer what to do.

        * new path, or content changed (another `quick_hash`, or stat changed and no hash given):
          status `pending`, error cleared, photo metadata dropped (it described the old content);
          the key follows `quick_hash` (None if not given).
        * same content, file was `missing`: back to `indexed` if its metadata is still stored
          (a reconnected drive costs nothing), else `pending`.
        * otherwise the status is kept (`error` files wait for `retry_after`).
        Pass `quick_hash=None` for a file whose size/mtime/inode are unchanged to skip hashing it.
        """
        p = path_key(path)
        with self.write_batch():
            key = self.key_for_hash(quick_hash) if quick_hash is not None else None
            old = self._one(
                "SELECT id, size, mtime_ns, inode, device, content_id, status, "
                "EXISTS(SELECT 1 FROM photos WHERE file_id = files.id) FROM files WHERE path = ?",
                (p,),
            )
            if old is None:
                cur = self._conn.execute(
                    "INSERT INTO files(path, root_id, size, mtime_ns, inode, device, content_id, status, last_seen_scan) "
                    f"VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', {_NEW_STAMP})",
                    (p, root_id, size, mtime_ns, inode, device, key, scan_id),
                )
                file_id = int(cur.lastrowid)
            else:
                file_id, o_size, o_mtime, o_inode, o_dev, o_key, o_status, has_meta = old
                same_stat = (o_size, o_mtime, o_inode, o_dev) == (size, mtime_ns, inode, device)
                if quick_hash is None:
                    key = o_key if same_stat else None
                changed = key != o_key or (quick_hash is None and not same_stat)
                if changed:
                    status = FileStatus.PENDING.value
                elif o_status == FileStatus.MISSING.value:
                    status = FileStatus.INDEXED.value if has_meta else FileStatus.PENDING.value
                else:
                    status = o_status
                if changed:  # the metadata was read from the old content: it must not outlive it
                    self._conn.execute("DELETE FROM photos WHERE file_id = ?", (file_id,))
                self._conn.execute(
                    "UPDATE files SET root_id = ?, size = ?, mtime_ns = ?, inode = ?, device = ?, content_id = ?, "
                    f"status = ?, last_seen_scan = {_SEEN_STAMP}, "
                    "error = CASE WHEN ? THEN NULL ELSE error END, "
                    "retry_after = CASE WHEN ? THEN NULL ELSE retry_after END WHERE id = ?",
                    (root_id, size, mtime_ns, inode, device, key, status, scan_id, changed, changed, file_id),
                )
            return self.file(file_id)  # type: ignore[return-value]

    def mark_seen(self, file_ids: Iterable[int], scan_id: int) -> None:
        """Stamp unchanged files as seen by a scan (never lowering a newer stamp), without touching anything else."""
        with self.write_batch():
            self._conn.executemany(
                f"UPDATE files SET last_seen_scan = {_SEEN_STAMP} WHERE id = ?", [(scan_id, i) for i in file_ids]
            )

    def mark_seen_at(self, paths: Iterable[str | os.PathLike[str]], scan_id: int) -> None:
        """Stamp the file at each path and every file below it as seen, leaving them as they are: what a scan
        could not read (an entry whose stat fails, a folder it cannot list) is spared by its sweep."""
        with self.write_batch():
            self._conn.executemany(
                f"UPDATE files SET last_seen_scan = {_SEEN_STAMP} "
                "WHERE path = ? OR (path >= ? AND path < ?)",
                [(scan_id, path_key(p), *subtree_range(p)) for p in paths],
            )

    def mark_missing(self, paths: Iterable[str | os.PathLike[str]]) -> int:
        """Files deleted or moved away between scans: keep their rows (a returning file is recognised), drop
        them from results."""
        with self.write_batch():
            n = 0
            for p in paths:
                cur = self._conn.execute(
                    "UPDATE files SET status = 'missing' WHERE path = ? AND status != 'missing'", (path_key(p),)
                )
                n += cur.rowcount
        return n

    def mark_missing_under(self, folder: str | os.PathLike[str]) -> int:
        """Every file below a deleted or moved-away folder."""
        with self.write_batch():
            cur = self._conn.execute(
                "UPDATE files SET status = 'missing' WHERE path >= ? AND path < ? AND status != 'missing'",
                subtree_range(folder),
            )
            return int(cur.rowcount)

    def live_files_under(self, folder: str | os.PathLike[str], recursive: bool = True) -> list[FileRecord]:
        """Files below `folder` that are not missing (only its direct children unless `recursive`)."""
        low, high = subtree_range(folder)
        return [
            _file(r)
            for r in self._q(
                f"SELECT {_FILE_COLS} FROM {_FILE_FROM} WHERE f.path >= ? AND f.path < ? AND f.status != 'missing' "
                "AND (? OR instr(substr(f.path, ?), ?) = 0) ORDER BY f.path",
                (low, high, recursive, len(low) + 1, os.fsencode(os.sep)),
            )
        ]

    def live_file_count(self, root_id: int) -> int:
        """Files of a root that are not missing."""
        return int(self._one("SELECT count(*) FROM files WHERE root_id = ? AND status != 'missing'", (root_id,))[0])

    def file(self, file_id: int) -> FileRecord | None:
        row = self._one(f"SELECT {_FILE_COLS} FROM {_FILE_FROM} WHERE f.id = ?", (file_id,))
        return _file(row) if row else None

    def file_by_path(self, path: str | os.PathLike[str]) -> FileRecord | None:
        row = self._one(f"SELECT {_FILE_COLS} FROM {_FILE_FROM} WHERE f.path = ?", (path_key(path),))
        return _file(row) if row else None

    def find_by_quick_hash(self, quick_hash: str) -> list[FileRecord]:
        """Every file with this content (copies, or the old path of a moved file)."""
        return [_file(r) for r in self._q(f"SELECT {_FILE_COLS} FROM {_FILE_FROM} WHERE c.quick_hash = ? ORDER BY f.id", (quick_hash,))]

    def files_for_keys(self, keys: Iterable[int], include_missing: bool = False) -> dict[int, list[FileRecord]]:
        """Map search results back to files; keys whose files are all gone map to nothing."""
        out: dict[int, list[FileRecord]] = {}
        key_list = [int(k) for k in keys]
        for i in range(0, len(key_list), 900):
            part = key_list[i : i + 900]
            cond = "" if include_missing else " AND f.status != 'missing'"
            for r in self._q(
                f"SELECT {_FILE_COLS} FROM {_FILE_FROM} WHERE f.content_id IN ({','.join('?' * len(part))}){cond} ORDER BY f.id",
                part,
            ):
                rec = _file(r)
                out.setdefault(rec.key, []).append(rec)  # type: ignore[arg-type]
        return out

    def files_to_index(self, limit: int | None = None, now: int | None = None) -> list[FileRecord]:
        """Pending files, plus failed ones whose `retry_after` has passed, oldest first."""
        return [
            _file(r)
            for r in self._q(
                f"SELECT {_FILE_COLS} FROM {_FILE_FROM} WHERE f.status = 'pending' "
                "OR (f.status = 'error' AND f.retry_after IS NOT NULL AND f.retry_after <= ?) ORDER BY f.id LIMIT ?",
                (_now() if now is None else now, -1 if limit is None else limit),
            )
        ]

    def mark_indexed(self, file_ids: Iterable[int]) -> None:
        with self.write_batch():
            self._conn.executemany(
                "UPDATE files SET status = 'indexed', error = NULL, retry_after = NULL WHERE id = ?",
                [(i,) for i in file_ids],
            )

    def record_error(self, file_id: int, reason: str, retry_after: int | None = None) -> None:
        """Mark a file failed with a human-readable reason; `retry_after` (unix s) None = never retry.

        Its photo metadata goes too: a file we cannot read has none we can vouch for, and kept metadata would
        let the file (or a copy of its content) come back `indexed` with it without ever being read.
        """
        with self.write_batch():
            self._conn.execute(
                "UPDATE files SET status = 'error', error = ?, retry_after = ? WHERE id = ?", (reason, retry_after, file_id)
            )
            self._conn.execute("DELETE FROM photos WHERE file_id = ?", (file_id,))

    def errors(self, limit: int = 100) -> list[FileRecord]:
        return [_file(r) for r in self._q(f"SELECT {_FILE_COLS} FROM {_FILE_FROM} WHERE f.status = 'error' ORDER BY f.id LIMIT ?", (limit,))]

    def counts(self) -> StatusCounts:
        """Files per status, and per model the distinct contents with a vector that a file on disk still has
        (not the vectors kept for missing files or old versions of edited photos, see `prune_orphans`)."""
        by_status = {s: 0 for s in FileStatus}
        for status, n in self._q("SELECT status, count(*) FROM files GROUP BY status"):
            by_status[FileStatus(status)] = n
        embedded = {m.model_id: 0 for m in self.models()}
        for model_id, n in self._q(
            "SELECT model_id, count(*) FROM embeddings e WHERE deleted = 0 "
            "AND EXISTS (SELECT 1 FROM files f WHERE f.content_id = e.content_id AND f.status != 'missing') "
            "GROUP BY model_id"
        ):
            embedded[model_id] = n
        return StatusCounts(by_status, embedded)

    def root_counts(self) -> dict[int, dict[FileStatus, int]]:
        """Files per status for each root (roots without files map to zeros)."""
        out = {r.id: {s: 0 for s in FileStatus} for r in self.roots()}
        for root_id, status, n in self._q("SELECT root_id, status, count(*) FROM files GROUP BY root_id, status"):
            out.setdefault(root_id, {s: 0 for s in FileStatus})[FileStatus(status)] = n
        return out

    def filtered_files(
        self,
        *,
        folder: str | os.PathLike[str] | None = None,
        taken_from: int | None = None,
        taken_before: int | None = None,
        camera: str | None = None,
        file_types: Sequence[str] = (),
    ) -> list[tuple[int, int | None]]:
        """(file id, key) of indexed files passing every given filter: search's candidate set.

        `taken_from`/`taken_before` are wall-clock seconds (records.py); `camera` is a case-insensitive
        substring of make or model; `file_types` lower-case extensions, matched as stored.
        """
        where, params = ["f.status = 'indexed'"], []
        if folder is not None:
            where.append("f.path >= ? AND f.path < ?")
            params.extend(subtree_range(folder))
        if taken_from is not None:
            where.append("p.taken_at >= ?")
            params.append(taken_from)
        if taken_before is not None:
            where.append("p.taken_at < ?")
            params.append(taken_before)
        if camera:
            where.append("(lower(coalesce(p.camera_make, '') || ' ' || coalesce(p.camera_model, '')) LIKE ? ESCAPE '\\')")
            escaped = camera.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.append(f"%{escaped}%")
        if file_types:
            where.append(f"p.file_type IN ({','.join('?' * len(file_types))})")
            params.extend(file_types)
        return [
            (r[0], r[1])
            for r in self._q(
                "SELECT f.id, f.content_id FROM files f LEFT JOIN photos p ON p.file_id = f.id WHERE " + " AND ".join(where),
                params,
            )
        ]

    # -- photo metadata -------------------------------------------------------------------------

    def set_photo_meta(self, file_id: int, meta: PhotoMeta) -> None:
        with self.write_batch():
            values = [getattr(meta, c) for c in _PHOTO_COLS]
            self._conn.execute(
                f"INSERT INTO photos(file_id, {', '.join(_PHOTO_COLS)}) VALUES (?{', ?' * len(_PHOTO_COLS)}) "
                f"ON CONFLICT(file_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _PHOTO_COLS)}",
                (file_id, *values),
            )

    def distinct_values(self) -> tuple[list[str], list[str]]:
        """(cameras as "make model", file types) of indexed photos, for filter choices; most common first."""
        cameras = [r[0] for r in self._q(
            "SELECT trim(coalesce(p.camera_make, '') || ' ' || coalesce(p.camera_model, '')) AS cam "
            "FROM photos p JOIN files f ON f.id = p.file_id WHERE f.status = 'indexed' AND cam != '' "
            "GROUP BY cam ORDER BY count(*) DESC, cam")]
        types = [r[0] for r in self._q(
            "SELECT p.file_type FROM photos p JOIN files f ON f.id = p.file_id WHERE f.status = 'indexed' "
            "GROUP BY p.file_type ORDER BY count(*) DESC, p.file_type")]
        return cameras, types

    def photo_meta(self, file_id: int) -> PhotoMeta | None:
        row = self._one(f"SELECT {', '.join(_PHOTO_COLS)} FROM photos WHERE file_id = ?", (file_id,))
        return PhotoMeta(**dict(zip(_PHOTO_COLS, row))) if row else None
