"""The records API over the database file: roots, scans, files, photo metadata, models, embeddings.

One `Store` wraps one connection. Several processes (indexer, UI, CLI) each open their own `Store`
on the same file; WAL lets them read while one of them writes. Every write method runs in a
`BEGIN IMMEDIATE` transaction of its own, unless called inside `with store.write_batch():`, where
all writes share one transaction and one commit - the indexer wraps each batch of photos (metadata,
statuses, embeddings) that way, so other processes see a batch entirely or not at all.

Keys, time conventions and `taken_at` are documented in `records.py`; the schema in `schema.py`.
A `Store` is not thread-safe: use it (and its `VectorIndex`es) from one thread at a time.
"""
from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from photosearch.ocr.results import TextResult
from photosearch.store import queries, text, vectors
from photosearch.store.connect import ConnectOptions, open_connection
from photosearch.store.paths import default_db_path
from photosearch.store.records import (
    EmbedJob,
    FileRecord,
    FileStatus,
    ModelRecord,
    PhotoMeta,
    Root,
    StatusCounts,
)
from photosearch.store.schema import migrate, require_current
from photosearch.store.ram_index import VectorIndex

_FILE_COLS = (
    "f.id, f.path, f.root_id, f.size, f.mtime_ns, f.inode, f.device, f.content_id, c.quick_hash, "
    "f.status, f.error, f.retry_after, f.last_seen_scan"
)
_FILE_FROM = "files f LEFT JOIN contents c ON c.id = f.content_id"
_PHOTO_COLS = (
    "file_type", "width", "height", "orientation", "taken_at", "taken_at_source",
    "camera_make", "camera_model", "gps_lat", "gps_lon",
)
_MODEL_COLS = "model_id, dim, spec, table_name, added_at, created_seq, change_seq"


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


def _now() -> int:
    return int(time.time())


def _abs(path: str | os.PathLike[str]) -> str:
    return os.path.abspath(os.fspath(path))


def path_key(path: str | os.PathLike[str]) -> bytes:
    """A path as the database stores it: the absolute path's OS bytes (see schema v3), lossless for any name."""
    return os.fsencode(_abs(path))


def path_from_key(value: bytes | str) -> str:
    """Back to a str path that the OS accepts (undecodable bytes become lone surrogates, as os.listdir does)."""
    return os.fsdecode(value) if isinstance(value, bytes) else value


def subtree_range(folder: str | os.PathLike[str]) -> tuple[bytes, bytes]:
    """(low, high) such that `low <= path < high` selects every path below `folder`: a range on the
    unique path index, so no LIKE (and no escaping of % or _ in folder names)."""
    sep = os.fsencode(os.sep)
    prefix = path_key(folder).rstrip(sep) + sep
    return prefix, prefix[:-1] + bytes([sep[0] + 1])


def _file(row: Sequence[Any]) -> FileRecord:
    return FileRecord(row[0], path_from_key(row[1]), *row[2:9], FileStatus(row[9]), *row[10:])


def _model(row: Sequence[Any]) -> ModelRecord:
    return ModelRecord(*row)


def _root(row: Sequence[Any]) -> Root:
    return Root(row[0], path_from_key(row[1]), tuple(json.loads(row[2])), row[3], row[4])


def _excluded_json(excluded: Iterable[str | os.PathLike[str]]) -> str:
    """JSON escapes lone surrogates (\\udcXX), so undecodable folder names survive the round trip."""
    return json.dumps(sorted({_abs(e) for e in excluded}))


class Store:
    """The library database. Open with `Store.open(path)`; close with `close()` or a `with` block."""

    def __init__(self, conn: Any, path: str) -> None:
        self._conn = conn
        self.path = path
        self._tx_depth = 0
        self._indexes: dict[str, VectorIndex] = {}

    @classmethod
    def open(
        cls, path: str | os.PathLike[str] | None = None, options: ConnectOptions = ConnectOptions(),
        read_only: bool | None = None,
    ) -> "Store":
        """Open (creating and migrating as needed) the database at `path`, default `default_db_path()`.

        A library that cannot be written here (a read-only disk, folder or file; `read_only=None` detects it)
        opens read-only: reads work, writes raise `LibraryReadOnly`, and it is never migrated.
        """
        target = str(default_db_path() if path is None else Path(path).expanduser())
        conn = open_connection(target, options, read_only)
        try:
            if conn.read_only:
                require_current(conn)
            else:
                migrate(conn)
        except BaseException:
            conn.close()
            raise
        return cls(conn, target)

    @property
    def read_only(self) -> bool:
        """Opened read-only: searches and status work, nothing is written (see `connect.py`)."""
        return bool(getattr(self._conn, "read_only", False))

    @property
    def conn(self) -> Any:
        """The raw connection, for read-only SQL such as search pre-filters (see schema.py)."""
        return self._conn

    def close(self) -> None:
        self._indexes.clear()
        self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write_batch(self) -> Iterator["Store"]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT) around everything in the block.

        Waits up to the busy timeout for another process's write to finish. Rolls back if the block
        raises. Nested use joins the outer transaction.
        """
        if self._tx_depth:
            self._tx_depth += 1
            try:
                yield self
            finally:
                self._tx_depth -= 1
            return
        self._conn.execute("BEGIN IMMEDIATE")
        self._tx_depth = 1
        try:
            yield self
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        finally:
            self._tx_depth = 0

    def _q(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self._conn.execute(sql, params).fetchall()

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._conn.execute(sql, params).fetchone()

    # -- roots and scans ------------------------------------------------------------------------

    def add_root(self, path: str | os.PathLike[str], excluded: Iterable[str | os.PathLike[str]] = ()) -> Root:
        """Add a folder to index (absolute path); adding it again returns the existing root."""
        p = path_key(path)
        with self.write_batch():
            self._conn.execute(
                "INSERT INTO roots(path, excluded, added_at) VALUES (?, ?, ?) ON CONFLICT(path) DO NOTHING",
                (p, _excluded_json(excluded), _now()),
            )
            return _root(self._one("SELECT id, path, excluded, added_at, last_scan_ok FROM roots WHERE path = ?", (p,)))

    def root_by_path(self, path: str | os.PathLike[str]) -> Root | None:
        row = self._one("SELECT id, path, excluded, added_at, last_scan_ok FROM roots WHERE path = ?", (path_key(path),))
        return _root(row) if row else None

    def set_root_excluded(self, root_id: int, excluded: Iterable[str | os.PathLike[str]]) -> Root:
        """Replace a root's excluded subfolders; files under them go missing on the next scan."""
        with self.write_batch():
            self._conn.execute(
                "UPDATE roots SET excluded = ? WHERE id = ?", (_excluded_json(excluded), root_id)
            )
            root = self.root(root_id)
        if root is None:
            raise KeyError(f"no root with id {root_id}")
        return root

    def root(self, root_id: int) -> Root | None:
        row = self._one("SELECT id, path, excluded, added_at, last_scan_ok FROM roots WHERE id = ?", (root_id,))
        return _root(row) if row else None

    def roots(self) -> list[Root]:
        return [_root(r) for r in self._q("SELECT id, path, excluded, added_at, last_scan_ok FROM roots ORDER BY path")]

    def remove_root(self, root_id: int) -> int:
        """Forget a root, its files and their metadata; embeddings no file on disk has are pruned at once.

        Returns the number of files removed.
        """
        with self.write_batch():
            n = self._one("SELECT count(*) FROM files WHERE root_id = ?", (root_id,))[0]
            self._conn.execute("DELETE FROM roots WHERE id = ?", (root_id,))
            self.prune_orphans()
        return int(n)

    def begin_scan(self, root_id: int) -> int:
        """Start a mark-and-sweep scan of a root; pass the returned scan id to `upsert_file`/`mark_seen`."""
        with self.write_batch():
            cur = self._conn.execute("INSERT INTO scans(root_id, started_at) VALUES (?, ?)", (root_id, _now()))
            return int(cur.lastrowid)

    def finish_scan(self, scan_id: int, ok: bool) -> int:
        """End a scan. Only a complete scan (`ok`) sweeps: its root's files it did not see become missing.

        A failed or cancelled scan must not sweep, or an unplugged drive would "lose" every photo.
        Returns how many files were marked missing.
        """
        with self.write_batch():
            row = self._one("SELECT root_id FROM scans WHERE id = ?", (scan_id,))
            if row is None:
                raise KeyError(f"no scan with id {scan_id}")
            now = _now()
            self._conn.execute("UPDATE scans SET finished_at = ?, ok = ? WHERE id = ?", (now, int(ok), scan_id))
            if not ok:
                return 0
            cur = self._conn.execute(
                "UPDATE files SET status = 'missing' WHERE root_id = ? AND status != 'missing' "
                "AND (last_seen_scan IS NULL OR last_seen_scan < ?)",
                (row[0], scan_id),
            )
            self._conn.execute("UPDATE roots SET last_scan_ok = ? WHERE id = ?", (now, row[0]))
            return int(cur.rowcount)

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

    # -- models and embeddings ------------------------------------------------------------------

    def register_model(self, model_id: str, dim: int, spec: str = "") -> ModelRecord:
        """Create a model's vector table (idempotent; a different `dim` for a known id is an error).

        A new model starts empty beside the others: backfill it from `missing_embeddings` while
        searches keep using the old one.
        """
        with self.write_batch():
            existing = self.model(model_id)
            if existing is not None:
                if existing.dim != dim:
                    raise ValueError(f"model {model_id!r} is registered with dim {existing.dim}, not {dim}")
                return existing
            table = vectors.table_name_for(model_id)
            self._conn.execute(
                "INSERT INTO models(model_id, spec, dim, table_name, added_at) VALUES (?, ?, ?, ?, ?)",
                (model_id, spec, dim, table, _now()),
            )
            vectors.create_vec_table(self._conn, table, dim)
            seq = vectors.next_seq(self._conn, model_id, "register", 0)
            self._conn.execute("UPDATE models SET created_seq = ? WHERE model_id = ?", (seq, model_id))
            return self.model(model_id)  # type: ignore[return-value]

    def model(self, model_id: str) -> ModelRecord | None:
        row = self._one(f"SELECT {_MODEL_COLS} FROM models WHERE model_id = ?", (model_id,))
        return _model(row) if row else None

    def models(self) -> list[ModelRecord]:
        return [_model(r) for r in self._q(f"SELECT {_MODEL_COLS} FROM models ORDER BY added_at, model_id")]

    def remove_model(self, model_id: str) -> None:
        """Drop a model and all its vectors."""
        with self.write_batch():
            m = self._require_model(model_id)
            vectors.drop_vec_table(self._conn, m.table_name)
            self._conn.execute("DELETE FROM embeddings WHERE model_id = ?", (model_id,))
            self._conn.execute("DELETE FROM models WHERE model_id = ?", (model_id,))
        self._indexes.pop(model_id, None)

    def _require_model(self, model_id: str) -> ModelRecord:
        m = self.model(model_id)
        if m is None:
            raise KeyError(f"model {model_id!r} is not registered")
        return m

    def add_embeddings(self, model_id: str, rows: Sequence[tuple[int, Any]]) -> int:
        """Store (key, vector) pairs for a model, replacing vectors a key already has.

        Vectors must be 1-d, `dim` long and finite (`VectorError` otherwise, nothing written).
        Joins the current `write_batch`, else commits on its own. Returns the number of keys written.
        """
        m = self._require_model(model_id)
        keys, mat = vectors.validate_vectors(rows, m.dim)
        with self.write_batch():
            vectors.write_vectors(self._conn, m, keys, mat)
        return len(keys)

    def delete_embeddings(self, model_id: str, keys: Iterable[int]) -> int:
        m = self._require_model(model_id)
        with self.write_batch():
            return vectors.delete_vectors(self._conn, m, list(keys))

    def has_embedding(self, model_id: str, key: int) -> bool:
        return (
            self._one(
                "SELECT 1 FROM embeddings WHERE model_id = ? AND content_id = ? AND deleted = 0", (model_id, key)
            )
            is not None
        )

    def missing_embeddings(self, model_id: str, limit: int | None = None) -> list[EmbedJob]:
        """Keys of indexed files that this model has no vector for, each with one file to read.

        This is the backfill queue after switching models (and the repair queue after a crash).
        """
        self._require_model(model_id)
        rows = self._q(
            "SELECT f.content_id, min(f.id), f.path FROM files f WHERE f.status = 'indexed' AND f.content_id IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.model_id = ? AND e.content_id = f.content_id AND e.deleted = 0) "
            "GROUP BY f.content_id ORDER BY f.content_id LIMIT ?",
            (model_id, -1 if limit is None else limit),
        )
        return [EmbedJob(key, file_id, path_from_key(path)) for key, file_id, path in rows]

    def prune_orphans(self, grace_s: float = 0) -> int:
        """Delete the vectors (all models) of contents no file on disk has had for `grace_s` seconds.

        A content is orphaned when every file row that has it is missing, or none is left (an edited photo's
        old versions, a deleted photo, a removed folder). Its clock starts the first time this finds it so
        and stops if a file has it again; the grace period keeps a folder that is moved away and back from
        being embedded again. Cheap enough for the end of every complete scan: 160 ms with 100k contents on
        the 2-core machine (plus ~80 ms per 1,000 vectors actually deleted). Returns how many were deleted.
        """
        now = _now()
        live = "EXISTS (SELECT 1 FROM files f WHERE f.content_id = contents.id AND f.status != 'missing')"
        total = 0
        with self.write_batch():
            self._conn.execute(f"UPDATE contents SET orphaned_at = ? WHERE orphaned_at IS NULL AND NOT {live}", (now,))
            self._conn.execute(f"UPDATE contents SET orphaned_at = NULL WHERE orphaned_at IS NOT NULL AND {live}")
            for m in self.models():
                keys = [
                    r[0]
                    for r in self._q(
                        "SELECT e.content_id FROM embeddings e JOIN contents c ON c.id = e.content_id "
                        "WHERE e.model_id = ? AND e.deleted = 0 AND c.orphaned_at <= ?",
                        (m.model_id, now - grace_s),
                    )
                ]
                total += vectors.delete_vectors(self._conn, m, keys)
        return total

    def stored_query(self, model_id: str, text: str) -> queries.StoredQuery | None:
        """A text query's vector as `model_id` computed it before, if the library kept it."""
        m = self.model(model_id)
        return queries.read_query(self._conn, model_id, text, m.dim) if m else None

    def store_query(self, model_id: str, text: str, query: queries.StoredQuery) -> None:
        """Keep a text query's vector for the next process (the newest `queries.KEEP_PER_MODEL` per model); a
        read-only library keeps nothing, quietly: the search it serves must not fail for a cache."""
        if self.read_only:
            return
        m = self._require_model(model_id)
        if query.vector.shape != (m.dim,):
            raise ValueError(f"a query vector of {model_id!r} has {m.dim} dimensions, not {query.vector.shape}")
        with self.write_batch():
            queries.write_query(self._conn, model_id, text, query)

    # -- words inside photos (schema v6, SQL in text.py) -----------------------------------------------

    def contents_to_read(self, engine: str, limit: int = 1000) -> list[tuple[int, str]]:
        """(key, a path) of indexed photos `engine` has not read yet."""
        return [(k, path_from_key(p)) for k, p in text.contents_to_read(self._conn, engine, limit)]

    def put_text_results(self, rows: Sequence[tuple[int, TextResult]]) -> None:
        with self.write_batch():
            text.write_results(self._conn, rows, _now())

    def text_result(self, key: int) -> TextResult | None:
        return text.read_result(self._conn, key)

    def text_progress(self, engine: str) -> text.TextProgress:
        return text.progress(self._conn, engine)

    def rank_text(self, terms: Iterable[str], limit: int) -> list[tuple[int, float]]:
        return text.rank(self._conn, terms, limit)

    def keys_containing(self, phrase: str) -> set[int]:
        return text.containing(self._conn, phrase)

    def setting(self, key: str) -> str | None:
        return text.get_setting(self._conn, key)

    def set_setting(self, key: str, value: str) -> None:
        with self.write_batch():
            text.set_setting(self._conn, key, value)

    def vector_index(self, model_id: str) -> VectorIndex:
        """The RAM index of a model, shared by all callers of this Store; loaded on first search/refresh."""
        idx = self._indexes.get(model_id)
        if idx is None:
            idx = self._indexes[model_id] = VectorIndex(self._conn, self._require_model(model_id))
        return idx
