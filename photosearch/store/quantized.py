"""8-bit codes for libraries too big to search as a float32 matrix, with an exact rerank from the library file.

Why: the RAM index holds 4 * dim bytes per photo, 4.77 GiB at a million 1280-d vectors, where issue 9 allows
1.5 GB. Measured side by side on 1M x 1280 unit vectors (2 cores, `bench/bench_search.py`): the float32
matvec 157-168 ms p50 in 4.77 GiB; faiss's 8-bit scalar quantiser (a scale and offset per dimension) in two
shards searched by two threads 116 ms in 1.28 GB, and its top 200 reranked with the exact vectors held every
true top 20 (recall 1.0) on random and on clustered vectors. numpy cannot score int8 fast: casting blocks to
float32 for BLAS took 0.49 s; sqlite-vec's wheel has no SIMD; bit codes recalled 0.26 of the top 20.

faiss loads only when a library crosses `VectorIndex`'s threshold, so small libraries never import it.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

SHARDS = 2  # faiss scans one query on one thread: shards searched in parallel use both cores
TRAIN_ROWS = 50_000


class QuantizedRows:
    """Keys -> 8-bit codes, in `SHARDS` faiss indexes (a key's shard is key % SHARDS). Scores are approximate:
    callers rerank the candidates with exact vectors."""

    def __init__(self, dim: int) -> None:
        import faiss

        self._faiss = faiss
        self.dim = dim
        self._shards = [
            faiss.IndexIDMap2(faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_8bit,
                                                        faiss.METRIC_INNER_PRODUCT))
            for _ in range(SHARDS)
        ]
        self._pool = ThreadPoolExecutor(SHARDS, thread_name_prefix="sq8")
        self.trained = False

    def __len__(self) -> int:
        return sum(s.ntotal for s in self._shards)

    @property
    def nbytes(self) -> int:
        return sum(s.ntotal * (self.dim + 8) for s in self._shards)  # codes plus the id map

    def train(self, sample: np.ndarray) -> None:
        """Per-dimension ranges from a sample of the vectors (the quantiser's only training)."""
        sample = np.ascontiguousarray(sample[:TRAIN_ROWS], np.float32)
        for shard in self._shards:
            shard.index.train(sample)
        self.trained = True

    def add(self, keys: np.ndarray, mat: np.ndarray) -> None:
        """Add rows for keys that have none (replace: `remove` first)."""
        keys = np.asarray(keys, np.int64)
        for s, shard in enumerate(self._shards):
            mine = keys % SHARDS == s
            if mine.any():
                shard.add_with_ids(np.ascontiguousarray(mat[mine], np.float32), keys[mine])

    def remove(self, keys: np.ndarray) -> None:
        keys = np.asarray(keys, np.int64)
        for s, shard in enumerate(self._shards):
            mine = keys[keys % SHARDS == s]
            if mine.size:
                shard.remove_ids(self._faiss.IDSelectorBatch(mine))

    def candidates(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
        """Keys of about the `k` best approximate scores (all shards), restricted to `allowed` keys if given."""
        q = np.ascontiguousarray(query.reshape(1, -1), np.float32)

        def search(s: int) -> np.ndarray:
            shard = self._shards[s]
            if shard.ntotal == 0:
                return np.empty(0, np.int64)
            params = None
            if allowed is not None:
                mine = allowed[allowed % SHARDS == s]
                if mine.size == 0:
                    return np.empty(0, np.int64)
                params = self._faiss.SearchParameters(sel=self._faiss.IDSelectorBatch(mine))
            _, ids = shard.search(q, min(k, shard.ntotal), params=params)
            return ids[0][ids[0] >= 0]

        return np.concatenate(list(self._pool.map(search, range(SHARDS))))
