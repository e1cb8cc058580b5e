"""The exact in-RAM index that interactive search runs on (see `vectors.py` for why it exists beside vec0), and
its 8-bit mode for libraries too big to hold as float32 (`quantized.py`).
"""
from __future__ import annotations

import tempfile
import threading
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np
import platformdirs

from photosearch.store.quantized import TRAIN_ROWS, QuantizedRows
from photosearch.store.records import ModelRecord
from photosearch.store.vectors import Vec0Reader, validate_query

_FULL_RELOAD_FRACTION = 0.5  # refresh reloads everything when more than this share of rows changed


class VectorIndex:
    """Exact top-k over one model's vectors, held in RAM and refreshed from the database.

    Get one from `Store.vector_index(model_id)`. It shares the store's connection, so use it from
    the thread that uses the store (its own methods are serialised by a lock). Memory: 4 * dim bytes
    per vector plus a little slack for growth (100k x 1280 ~ 0.5 GiB). A library whose float32 matrix
    would pass `QUANTIZE_ABOVE_BYTES` when (re)loaded is scored on 8-bit codes in RAM (dim + 8 bytes a
    vector) and keeps its exact rows in a private memory-mapped scratch file, from which the best `RERANK`
    candidates are reranked: top-k and scores are exact. (Reading those rows back from vec0 instead cost
    ~1.4 ms each at 100k x 1280: a point read walks a 5 MiB chunk's overflow pages.)
    """

    QUANTIZE_ABOVE_BYTES = 1 << 30  # ~210k vectors at 1280-d
    RERANK = 200  # candidates reranked per search (at least 3k); 200 held every true top 20 at 1M

    def __init__(self, conn: Any, model: ModelRecord) -> None:
        self._conn = conn
        self.model_id = model.model_id
        self.dim = model.dim
        self._reader = Vec0Reader(conn, model.table_name, model.dim)
        self._lock = threading.RLock()
        self._mat = np.empty((0, self.dim), np.float32)
        self._ids = np.empty(0, np.int64)  # key of each matrix row
        self._row_of = np.full(0, -1, np.int64)  # matrix row of each key, -1 if absent
        self._n = 0
        self._seq: int | None = None  # models.change_seq this index reflects; None = never loaded
        self._created_seq: int | None = None  # models.created_seq of the registration it reflects
        self._scores = np.empty(0, np.float32)
        self._codes: QuantizedRows | None = None  # scored instead of `_mat` (then a mapped file) when that big

    @property
    def quantized(self) -> bool:
        return self._codes is not None

    def __len__(self) -> int:
        return self._n

    def __contains__(self, key: object) -> bool:
        return isinstance(key, (int, np.integer)) and 0 <= key < len(self._row_of) and self._row_of[key] >= 0

    @property
    def loaded(self) -> bool:
        return self._seq is not None

    @property
    def nbytes(self) -> int:
        """RAM held by the matrix (or the codes: the exact rows are then in a mapped file), key arrays and score
        buffer (allocated, not just rows in use)."""
        held = self._codes.nbytes if self._codes is not None else self._mat.nbytes
        return held + self._ids.nbytes + self._row_of.nbytes + self._scores.nbytes

    def vector(self, key: int) -> np.ndarray | None:
        """The stored vector of a key (a copy), e.g. to search by an indexed photo without re-encoding it."""
        with self._lock:
            if key not in self:
                return None
            return np.array(self._mat[self._row_of[key]])

    def snapshot(self) -> tuple[np.ndarray, np.ndarray]:
        """(keys, matrix) copies of everything loaded, for whole-library passes such as duplicate finding."""
        with self._lock:
            return self._ids[: self._n].copy(), np.array(self._mat[: self._n])

    def refresh(self) -> int:
        """Pick up rows written (by any process) since the last refresh; returns how many rows changed.

        The first call loads everything. Cheap when nothing changed (one indexed lookup).
        """
        with self._lock, self._read_snapshot():
            row = self._conn.execute(
                "SELECT change_seq, created_seq, dim, table_name FROM models WHERE model_id = ?", (self.model_id,)
            ).fetchone()
            if row is None:
                raise KeyError(f"model {self.model_id!r} is no longer registered")
            seq, created = int(row[0]), int(row[1])
            if (row[2], row[3]) != (self.dim, self._reader.table):
                raise KeyError(f"model {self.model_id!r} was registered again with another dim; open a new index")
            if self._seq == seq and self._created_seq == created:
                return 0
            if self._seq is None or self._created_seq != created:
                self._load_all(seq)
                self._created_seq = created
                return self._n
            changed = self._conn.execute(
                "SELECT content_id, deleted FROM embeddings WHERE model_id = ? AND seq > ?", (self.model_id, self._seq)
            ).fetchall()
            if len(changed) > max(1024, _FULL_RELOAD_FRACTION * self._n):
                self._load_all(seq)
                return len(changed)
            gone = np.asarray([k for k, d in changed if d], np.int64)
            ids, mat = self._reader.read_rows([k for k, d in changed if not d])
            self._remove(gone)
            self._upsert(ids, mat)
            self._seq = seq
            return len(changed)

    def search(self, query: Any, k: int, candidate_keys: Any = None) -> list[tuple[int, float]]:
        """The `k` keys with the highest dot product with `query`, best first, as (key, score).

        `candidate_keys` (any int sequence or array, e.g. from an SQL pre-filter) restricts the
        search to those keys; keys without a vector are ignored. Exact: every candidate is scored.
        Does not refresh by itself: call `refresh()` first when other processes may have written.
        """
        q = validate_query(query, self.dim)
        with self._lock:
            if self._seq is None:
                self.refresh()
            n = self._n
            if k <= 0 or n == 0:
                return []
            if self._codes is not None:
                return self._search_codes(q, k, candidate_keys)
            mat = self._mat[:n]
            if candidate_keys is None:
                rows = None
                scores = np.dot(mat, q, out=self._scores[:n])
            else:
                cand = np.asarray(candidate_keys, dtype=np.int64).reshape(-1)
                cand = cand[(cand >= 0) & (cand < len(self._row_of))]
                rows = np.unique(self._row_of[cand])
                rows = rows[rows >= 0]
                if rows.size == 0:
                    return []
                if rows.size * 5 < n:  # few candidates: gather only their rows
                    scores = self._gather_scores(mat, rows, q)
                else:  # many: a full matvec (2 BLAS threads, sequential reads) beats a gather
                    scores = np.dot(mat, q, out=self._scores[:n])[rows]
            k = min(k, scores.size)
            top = np.argpartition(scores, scores.size - k)[scores.size - k :]
            top = top[np.argsort(-scores[top], kind="stable")]
            picked = top if rows is None else rows[top]
            return [(int(key), float(s)) for key, s in zip(self._ids[picked], scores[top])]

    def _search_codes(self, q: np.ndarray, k: int, candidate_keys: Any) -> list[tuple[int, float]]:
        assert self._codes is not None
        allowed = None
        if candidate_keys is not None:
            cand = np.unique(np.asarray(candidate_keys, dtype=np.int64).reshape(-1))
            cand = cand[(cand >= 0) & (cand < len(self._row_of))]
            allowed = cand[self._row_of[cand] >= 0]
            if allowed.size == 0:
                return []
        keys = np.unique(self._codes.candidates(q, max(self.RERANK, 3 * k), allowed))
        if not keys.size:
            return []
        rows = np.sort(self._row_of[keys])  # file order: the exact rows come off the scratch file in one sweep
        scores = self._mat[rows] @ q
        top = np.argsort(-scores, kind="stable")[:k]
        return [(int(self._ids[rows[i]]), float(scores[i])) for i in top]

    # -- internals -------------------------------------------------------------------------------

    @contextmanager
    def _read_snapshot(self) -> Iterator[None]:
        """A read transaction so a refresh sees one consistent version of the file."""
        if self._conn.in_transaction:  # inside the caller's write batch: already consistent
            yield
            return
        self._conn.execute("BEGIN")
        try:
            yield
        finally:
            self._conn.execute("COMMIT")

    @staticmethod
    def _gather_scores(mat: np.ndarray, rows: np.ndarray, q: np.ndarray, block: int = 256) -> np.ndarray:
        # Scattered rows are copied block by block into a small cache-resident buffer: measured on
        # 100k x 1280, 10% of rows take ~10 ms this way vs ~17 ms for mat[rows] @ q, ~21 ms full.
        out = np.empty(rows.size, np.float32)
        buf = np.empty((min(block, rows.size), mat.shape[1]), np.float32)
        for s in range(0, rows.size, block):
            r = rows[s : s + block]
            np.take(mat, r, axis=0, out=buf[: r.size])
            np.dot(buf[: r.size], q, out=out[s : s + r.size])
        return out

    def _load_all(self, seq: int) -> None:
        big = self._reader.count() * self.dim * 4 > self.QUANTIZE_ABOVE_BYTES
        self._codes = QuantizedRows(self.dim) if big else None
        for _attempt in range(2):  # second pass only if the fast read disagreed with vec0
            count = self._reader.count()
            cap = count + max(1024, count // 16)
            self._mat = self._alloc(cap)  # filled in place: no 2x peak memory
            self._ids = np.empty(cap, np.int64)
            n = 0
            for ids, mat in self._reader.iter_all():
                if n + len(ids) > cap:
                    raise RuntimeError(f"{self.model_id}: vector table changed while loading")
                self._mat[n : n + len(ids)] = mat
                self._ids[n : n + len(ids)] = ids
                n += len(ids)
            if self._reader.agrees(self._ids[:n], self._mat[:n]):
                break
            self._reader.fast = False
        self._n = n
        self._row_of = np.full(int(self._ids[:n].max()) + 1 if n else 0, -1, np.int64)
        self._row_of[self._ids[:n]] = np.arange(n)
        self._scores = np.empty(cap, np.float32)
        self._seq = seq
        if self._codes is not None:
            self._codes.train(self._mat[: self._n][:: max(1, self._n // TRAIN_ROWS)])
            for start in range(0, self._n, 100_000):
                end = min(self._n, start + 100_000)
                self._codes.add(self._ids[start:end], self._mat[start:end])

    def _alloc(self, rows: int) -> np.ndarray:
        """Room for `rows` exact vectors: in RAM, or for a quantised index in a private scratch file (mapped,
        unlinked at once, so it goes with the process) that the rerank reads a few rows of."""
        if self._codes is None:
            return np.empty((rows, self.dim), np.float32)
        folder = platformdirs.user_cache_path("PhotoSearch", appauthor=False) / "scratch"
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder) as f:
            f.truncate(max(1, rows) * self.dim * 4)
            return np.memmap(f, np.float32, "r+", shape=(rows, self.dim))

    def _ensure_capacity(self, rows: int, max_key: int) -> None:
        if rows > len(self._mat):
            cap = max(rows, int(len(self._mat) * 1.25) + 1024)
            mat = self._alloc(cap)
            mat[: self._n] = self._mat[: self._n]
            ids = np.empty(cap, np.int64)
            ids[: self._n] = self._ids[: self._n]
            self._mat, self._ids, self._scores = mat, ids, np.empty(cap, np.float32)
        if max_key >= len(self._row_of):
            grown = np.full(max(max_key + 1, int(len(self._row_of) * 1.25)), -1, np.int64)
            grown[: len(self._row_of)] = self._row_of
            self._row_of = grown

    def _upsert(self, ids: np.ndarray, mat: np.ndarray) -> None:
        if not len(ids):
            return
        self._ensure_capacity(self._n + len(ids), int(ids.max()))
        if self._codes is not None:
            self._codes.remove(ids[self._row_of[ids] >= 0])
            self._codes.add(ids, mat)
        rows = self._row_of[ids]
        old = rows >= 0
        self._mat[rows[old]] = mat[old]
        new_ids = ids[~old]
        start, end = self._n, self._n + len(new_ids)
        self._mat[start:end] = mat[~old]
        self._ids[start:end] = new_ids
        self._row_of[new_ids] = np.arange(start, end)
        self._n = end

    def _remove(self, keys: np.ndarray) -> None:
        if self._codes is not None:
            self._codes.remove(np.asarray([k for k in keys if k in self], np.int64))
        for key in keys:
            if not (0 <= key < len(self._row_of)) or self._row_of[key] < 0:
                continue
            row, last = int(self._row_of[key]), self._n - 1
            if row != last:  # move the last row into the hole
                moved = int(self._ids[last])
                self._mat[row] = self._mat[last]
                self._ids[row] = moved
                self._row_of[moved] = row
            self._row_of[key] = -1
            self._n = last

