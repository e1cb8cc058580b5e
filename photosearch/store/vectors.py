"""Embeddings: one vec0 table per model on disk (here), and an in-RAM index for interactive search (`ram_index.py`).

Why both: vec0 is the durable, transactional store shared by every process, but the sqlite-vec
0.1.9 Linux wheel has no SIMD (exact KNN over 100k x 1280 takes ~240 ms) and applies filters on
joined tables only after it picked the top k. Search therefore runs on a float32 numpy matrix
loaded once per model (BLAS matvec, ~20 ms for 100k x 1280 on 2 cores) and kept current by
`VectorIndex.refresh()`, which reads only the rows written since it last looked:

* every write takes a new seq from `vector_writes` (AUTOINCREMENT: never reused, even after a
  model is removed), stores it in `models.change_seq` and stamps the touched `embeddings` rows with
  it (deletes leave a tombstone row, `deleted = 1`), all in the writer's transaction;
* a reader compares the seq it saw last with `models.change_seq` (one indexed lookup, so calling
  `refresh()` before every search is fine) and pulls `WHERE seq > last_seen` only; if the model
  was removed and registered again (`models.created_seq` changed) it reloads everything.

Vectors are keyed by content id (the store's "key"), the vec0 rowid. Scores are dot products;
encoders store L2-normalised vectors, so they are cosine similarities (the vec0 tables are declared
`distance_metric=cosine`, so sqlite-vec's own KNN ranks the same way).

sqlite-vec 0.1.9 quirks handled here: `INSERT OR REPLACE` fails on vec0 (we UPDATE rows that
exist), NaN vectors are accepted silently (we reject non-finite and wrong-sized vectors before
writing), and reading rows through the virtual table costs ~55 us each (5.6 s for 100k), so bulk
loads read vec0's chunk shadow tables directly when their layout is the known one, cross-checked
against the virtual table, and fall back to the slow path otherwise.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from photosearch.store.records import ModelRecord

_IN_CHUNK = 900  # bound parameters per IN (...) list


class VectorError(ValueError):
    """A vector was rejected before it reached the database (wrong size, NaN/inf, unknown key)."""


def table_name_for(model_id: str) -> str:
    """A safe, unique SQL identifier for a model's vec0 table, e.g. `vec_openclip_vit_b_32_1a2b3c4d`.

    Model ids contain slashes, colons and dots; the readable slug helps someone browsing the file,
    the hash suffix keeps two ids that slug alike apart.
    """
    slug = re.sub(r"[^a-z0-9]+", "_", model_id.lower()).strip("_")[:40] or "model"
    digest = hashlib.sha1(model_id.encode("utf-8")).hexdigest()[:8]
    return f"vec_{slug}_{digest}"


def _check_ident(table: str) -> str:
    if not re.fullmatch(r"vec_[a-z0-9_]+", table):
        raise ValueError(f"not a vector table name: {table!r}")
    return table


def create_vec_table(conn: Any, table: str, dim: int) -> None:
    conn.execute(
        f'CREATE VIRTUAL TABLE "{_check_ident(table)}" USING vec0('
        f"embedding float[{int(dim)}] distance_metric=cosine)"
    )


def drop_vec_table(conn: Any, table: str) -> None:
    conn.execute(f'DROP TABLE IF EXISTS "{_check_ident(table)}"')


def validate_vectors(rows: Sequence[tuple[int, Any]], dim: int) -> tuple[np.ndarray, np.ndarray]:
    """(key, vector) pairs -> (int64 keys, float32 matrix), or `VectorError` naming the bad key.

    A key given twice keeps its last vector, so a batch never writes one key twice.
    """
    latest: dict[int, np.ndarray] = {}
    for key, vec in rows:
        if isinstance(key, bool) or not isinstance(key, (int, np.integer)):
            raise VectorError(f"key {key!r} is not an int content id")
        arr = np.asarray(vec, dtype=np.float32)
        if arr.ndim == 2 and arr.shape[0] == 1:
            arr = arr[0]
        if arr.shape != (dim,):
            raise VectorError(f"key {key}: vector has shape {arr.shape}, the model needs ({dim},)")
        if not np.isfinite(arr).all():
            raise VectorError(f"key {key}: vector contains NaN or infinity")
        latest[int(key)] = arr
    keys = np.fromiter(latest.keys(), dtype=np.int64, count=len(latest))
    mat = np.stack(list(latest.values())) if latest else np.empty((0, dim), np.float32)
    return keys, np.ascontiguousarray(mat, dtype=np.float32)


def validate_query(query: Any, dim: int) -> np.ndarray:
    q = np.asarray(query, dtype=np.float32).reshape(-1)
    if q.shape != (dim,):
        raise VectorError(f"query has {q.size} values, the model needs {dim}")
    if not np.isfinite(q).all():
        raise VectorError("query contains NaN or infinity")
    return np.ascontiguousarray(q)


def _chunks(seq: Sequence[Any], size: int = _IN_CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def _existing(conn: Any, model_id: str, keys: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for part in _chunks(keys):
        marks = ",".join("?" * len(part))
        found.update(
            r[0]
            for r in conn.execute(
                f"SELECT content_id FROM embeddings WHERE model_id = ? AND deleted = 0 AND content_id IN ({marks})",
                (model_id, *part),
            )
        )
    return found


def next_seq(conn: Any, model_id: str, kind: str, rows: int) -> int:
    """Log a change to a model's vectors and return its seq, now the model's `change_seq`."""
    seq = int(
        conn.execute(
            "INSERT INTO vector_writes(model_id, kind, rows, at) VALUES (?, ?, ?, strftime('%s', 'now'))",
            (model_id, kind, rows),
        ).lastrowid
    )
    conn.execute("UPDATE models SET change_seq = ? WHERE model_id = ?", (seq, model_id))
    return seq


def write_vectors(conn: Any, model: ModelRecord, keys: np.ndarray, mat: np.ndarray) -> None:
    """Insert or replace validated vectors. Caller holds the write transaction."""
    if len(keys) == 0:
        return
    key_list = [int(k) for k in keys]
    known: set[int] = set()
    for part in _chunks(key_list):
        marks = ",".join("?" * len(part))
        known.update(r[0] for r in conn.execute(f"SELECT id FROM contents WHERE id IN ({marks})", part))
    if len(known) != len(key_list):
        unknown = sorted(set(key_list) - known)[:5]
        raise VectorError(f"unknown keys (no such content id): {unknown}")
    present = _existing(conn, model.model_id, key_list)
    table = _check_ident(model.table_name)
    blobs = [m.tobytes() for m in mat]
    updates = [(b, k) for k, b in zip(key_list, blobs) if k in present]
    inserts = [(k, b) for k, b in zip(key_list, blobs) if k not in present]
    if updates:  # INSERT OR REPLACE is broken on vec0 in 0.1.9
        conn.executemany(f'UPDATE "{table}" SET embedding = ? WHERE rowid = ?', updates)
    if inserts:
        conn.executemany(f'INSERT INTO "{table}"(rowid, embedding) VALUES (?, ?)', inserts)
    seq = next_seq(conn, model.model_id, "write", len(key_list))
    conn.executemany(
        "INSERT INTO embeddings(model_id, content_id, seq, deleted) VALUES (?, ?, ?, 0) "
        "ON CONFLICT(model_id, content_id) DO UPDATE SET seq = excluded.seq, deleted = 0",
        [(model.model_id, k, seq) for k in key_list],
    )


def delete_vectors(conn: Any, model: ModelRecord, keys: Sequence[int]) -> int:
    """Remove vectors, leaving tombstones so other processes' RAM indexes drop them. Caller holds the tx."""
    live = sorted(_existing(conn, model.model_id, [int(k) for k in keys]))
    if not live:
        return 0
    table = _check_ident(model.table_name)
    conn.executemany(f'DELETE FROM "{table}" WHERE rowid = ?', [(k,) for k in live])
    seq = next_seq(conn, model.model_id, "delete", len(live))
    conn.executemany(
        "UPDATE embeddings SET deleted = 1, seq = ? WHERE model_id = ? AND content_id = ?",
        [(seq, model.model_id, k) for k in live],
    )
    return len(live)


class Vec0Reader:
    """Bulk reads of one vec0 table: fast through its shadow tables, else through the virtual table."""

    KNOWN_VERSIONS = ("v0.1.",)

    def __init__(self, conn: Any, table: str, dim: int) -> None:
        self.conn, self.table, self.dim = conn, _check_ident(table), dim
        self.fast = self._layout_known()

    def _layout_known(self) -> bool:
        t = self.table
        try:
            version = self.conn.execute(
                f"SELECT value FROM \"{t}_info\" WHERE key = 'CREATE_VERSION'"
            ).fetchone()
            cols = {
                name: [r[1] for r in self.conn.execute(f'PRAGMA table_info("{name}")')]
                for name in (f"{t}_chunks", f"{t}_rowids", f"{t}_vector_chunks00")
            }
        except Exception:  # noqa: BLE001 - any surprise: use the public path
            return False
        return (
            version is not None
            and str(version[0]).startswith(self.KNOWN_VERSIONS)
            and cols[f"{t}_chunks"][:4] == ["chunk_id", "size", "validity", "rowids"]
            and cols[f"{t}_rowids"][:4] == ["rowid", "id", "chunk_id", "chunk_offset"]
            and cols[f"{t}_vector_chunks00"][:2] == ["rowid", "vectors"]
        )

    def count(self) -> int:
        src = f"{self.table}_rowids" if self.fast else self.table
        return int(self.conn.execute(f'SELECT count(*) FROM "{src}"').fetchone()[0])

    def iter_all(self, batch: int = 4096) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Every (keys, vectors) block of the table; check a fast read with `agrees` afterwards."""
        if self.fast:
            yield from self._iter_all_fast()
            return
        ids: list[int] = []
        blobs: list[bytes] = []
        for rowid, blob in self.conn.execute(f'SELECT rowid, embedding FROM "{self.table}"'):
            ids.append(rowid)
            blobs.append(blob)
            if len(ids) == batch:
                yield self._stack(ids, blobs)
                ids, blobs = [], []
        if ids:
            yield self._stack(ids, blobs)

    def read_rows(self, keys: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        if not len(keys):
            return np.empty(0, np.int64), np.empty((0, self.dim), np.float32)
        if self.fast:
            try:
                ids, mat = self._read_rows_fast(keys)
                if not len(ids) or self.agrees_rows(ids, mat):
                    return ids, mat
            except (ValueError, TypeError):
                pass
            self.fast = False
        return self.read_few(keys)  # point lookups: vec0 answers `rowid IN (...)` with a scan

    def read_few(self, keys: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """A few rows by point lookups: vec0 reads just those vectors (~55 us each), where the shadow-table
        path reads each touched chunk whole (1,024 vectors, 5 MiB at 1280-d), so 200 keys scattered over a
        large library cost a gigabyte that way."""
        found: list[int] = []
        blobs: list[bytes] = []
        for key in keys:
            row = self.conn.execute(f'SELECT embedding FROM "{self.table}" WHERE rowid = ?', (int(key),)).fetchone()
            if row is not None:
                found.append(int(key))
                blobs.append(row[0])
        return self._stack(found, blobs)

    def agrees_rows(self, ids: np.ndarray, mat: np.ndarray) -> bool:
        """Spot-check one row of a fast partial read against the virtual table."""
        row = self.conn.execute(f'SELECT embedding FROM "{self.table}" WHERE rowid = ?', (int(ids[-1]),)).fetchone()
        return row is not None and row[0] == mat[-1].tobytes()

    def _stack(self, ids: list[int], blobs: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
        mat = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), self.dim)
        return np.asarray(ids, dtype=np.int64), mat

    def _iter_all_fast(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        t, dim = self.table, self.dim
        for chunk_id, size, validity, rowids in self.conn.execute(
            f'SELECT chunk_id, size, validity, rowids FROM "{t}_chunks" ORDER BY chunk_id'
        ).fetchall():
            valid = np.unpackbits(np.frombuffer(validity, np.uint8), bitorder="little")[:size].astype(bool)
            if not valid.any():
                continue
            row = self.conn.execute(f'SELECT vectors FROM "{t}_vector_chunks00" WHERE rowid = ?', (chunk_id,)).fetchone()
            vectors = np.frombuffer(row[0], np.float32).reshape(size, dim)
            yield np.frombuffer(rowids, np.int64)[:size][valid], vectors[valid]

    def _read_rows_fast(self, keys: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        t, dim = self.table, self.dim
        where: dict[int, list[tuple[int, int]]] = {}
        for part in _chunks([int(k) for k in keys]):
            marks = ",".join("?" * len(part))
            for rowid, chunk_id, offset in self.conn.execute(
                f'SELECT rowid, chunk_id, chunk_offset FROM "{t}_rowids" WHERE rowid IN ({marks})', part
            ):
                where.setdefault(chunk_id, []).append((rowid, offset))
        ids: list[int] = []
        mats: list[np.ndarray] = []
        for chunk_id, members in where.items():
            blob = self.conn.execute(f'SELECT vectors FROM "{t}_vector_chunks00" WHERE rowid = ?', (chunk_id,)).fetchone()[0]
            vectors = np.frombuffer(blob, np.float32).reshape(-1, dim)
            ids.extend(r for r, _ in members)
            mats.append(vectors[[o for _, o in members]])
        if not ids:
            return np.empty(0, np.int64), np.empty((0, dim), np.float32)
        return np.asarray(ids, np.int64), np.concatenate(mats)

    def agrees(self, ids: np.ndarray, mat: np.ndarray) -> bool:
        """Check a shadow-table read: as many rows as vec0's rowid map, and first/middle/last row
        equal to what the virtual table returns. (Not `count(*)` on vec0: that is a full scan.)"""
        if not self.fast:
            return True
        if self.count() != len(ids):
            return False
        for i in {0, len(ids) // 2, len(ids) - 1} if len(ids) else ():
            row = self.conn.execute(f'SELECT embedding FROM "{self.table}" WHERE rowid = ?', (int(ids[i]),)).fetchone()
            if row is None or row[0] != mat[i].tobytes():
                return False
        return True
