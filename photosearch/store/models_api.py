"""Models and their embeddings: vector tables, the backfill queue, orphaned vectors, kept query vectors, RAM indexes.

`ModelsMixin` is part of `Store` (store.py); the vector tables' SQL is in vectors.py, the query cache's in queries.py.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

from photosearch.store import queries, vectors
from photosearch.store.base import StoreBase
from photosearch.store.ram_index import VectorIndex
from photosearch.store.records import EmbedJob, ModelRecord
from photosearch.store.rows import _MODEL_COLS, _model, _now, path_from_key


class ModelsMixin(StoreBase):
    """Models, embeddings, orphans, stored query vectors and the RAM vector index of a `Store`."""

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
        """Oldest first; models registered in the same second keep their registration order (`created_seq`), so
        "the newest model" is the one registered last, not the one whose id sorts last."""
        return [_model(r) for r in self._q(f"SELECT {_MODEL_COLS} FROM models ORDER BY added_at, coalesce(created_seq, 0), model_id")]

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

    def vector_index(self, model_id: str) -> VectorIndex:
        """The RAM index of a model, shared by all callers of this Store; loaded on first search/refresh."""
        idx = self._indexes.get(model_id)
        if idx is None:
            idx = self._indexes[model_id] = VectorIndex(self._conn, self._require_model(model_id))
        return idx
