"""Persisted text query vectors: a repeated query is answered from the library file, never by a model.

Kept per model, newest first, up to `KEEP_PER_MODEL` (a 1280-d vector is 5 KiB, so 2,000 queries add 10 MiB);
older ones are dropped when a new one is written. A read never writes, so searching a read-only library works.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

KEEP_PER_MODEL = 2000


@dataclass(frozen=True)
class StoredQuery:
    vector: np.ndarray  # float32, as the encoder returned it (L2-normalised)
    n_tokens: int
    kept_tokens: int
    truncated: bool


def read_query(conn: Any, model_id: str, text: str, dim: int) -> StoredQuery | None:
    row = conn.execute(
        "SELECT vector, n_tokens, kept_tokens, truncated FROM query_vectors WHERE model_id = ? AND text = ?",
        (model_id, text),
    ).fetchone()
    if row is None:
        return None
    vector = np.frombuffer(row[0], dtype="<f4")
    if vector.shape != (dim,) or not np.isfinite(vector).all():
        return None  # written by something else: recompute rather than trust it
    return StoredQuery(vector.astype(np.float32), int(row[1]), int(row[2]), bool(row[3]))


def write_query(conn: Any, model_id: str, text: str, query: StoredQuery, keep: int = KEEP_PER_MODEL) -> None:
    """Insert or replace, then drop the oldest rows beyond `keep` (call inside a write transaction)."""
    conn.execute(
        "INSERT OR REPLACE INTO query_vectors(model_id, text, vector, n_tokens, kept_tokens, truncated) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (model_id, text, np.ascontiguousarray(query.vector, dtype="<f4").tobytes(), query.n_tokens,
         query.kept_tokens, int(query.truncated)),
    )
    conn.execute(
        "DELETE FROM query_vectors WHERE model_id = ? AND rowid NOT IN "
        "(SELECT rowid FROM query_vectors WHERE model_id = ? ORDER BY rowid DESC LIMIT ?)",
        (model_id, model_id, keep),
    )
