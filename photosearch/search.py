"""Search the index by text of any length or language, by photo, or by a weighted mix of both.

The hot path is the store's RAM `VectorIndex` (exact, ~20 ms at 100k photos); filters are turned into a
candidate set with one SQL query first, because filtering after the top-k is picked would silently return
fewer results than asked for.
"""
from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Sequence

import numpy as np

from photosearch.encoders.base import Encoder
from photosearch.images import load_image
from photosearch.query import QueryTerm, parse_query
from photosearch.store import Store
from photosearch.store.records import wall_clock_datetime, wall_clock_seconds
from photosearch.store.store import subtree_range


@dataclass(frozen=True)
class SearchFilters:
    folder: str | os.PathLike[str] | None = None  # only photos under this folder (subtree)
    since: date | datetime | None = None  # taken on or after (camera clock)
    until: date | datetime | None = None  # taken on or before; a date includes the whole day
    camera: str | None = None  # case-insensitive substring of make or model
    file_types: tuple[str, ...] = ()  # extensions, e.g. ("jpg", "heic")

    def active(self) -> bool:
        return any((self.folder, self.since, self.until, self.camera, self.file_types))


@dataclass(frozen=True)
class SearchResult:
    path: str
    score: float
    taken_at: datetime | None
    size: int
    file_id: int
    width: int | None = None
    height: int | None = None

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "score": round(self.score, 6),
            "taken_at": self.taken_at.isoformat() if self.taken_at else None,
            "size": self.size,
            "width": self.width,
            "height": self.height,
        }


class Searcher:
    """Binds a store to an encoder. Query vectors of texts are cached per (model, text): re-running or
    refining a query in the UI does not run the LLM again."""

    def __init__(self, store: Store, encoder: Encoder, *, cache_size: int = 256) -> None:
        self.store = store
        self.encoder = encoder
        self.cache_size = cache_size
        self._text_cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self.last_truncated: list[tuple[str, int, int]] = []  # (text, tokens, kept) of the last query

    # -- query vectors -------------------------------------------------------------------------------
    def text_vector(self, text: str) -> np.ndarray:
        key = (self.encoder.model_id, text)
        if key in self._text_cache:
            self._text_cache.move_to_end(key)
            return self._text_cache[key]
        vectors, info = self.encoder.encode_texts_with_info([text])
        if info and info[0].truncated:
            self.last_truncated.append((text, info[0].n_tokens, info[0].kept_tokens))
        self._text_cache[key] = vectors[0]
        while len(self._text_cache) > self.cache_size:
            self._text_cache.popitem(last=False)
        return vectors[0]

    def image_vector(self, path: str | os.PathLike[str]) -> np.ndarray:
        """An indexed photo's stored vector if there is one (no re-encoding), else encode the file."""
        record = self.store.file_by_path(Path(path).expanduser().resolve())
        if record is not None and record.key is not None:
            index = self._index()
            stored = index.vector(record.key)
            if stored is not None:
                return stored
        loaded = load_image(Path(path).expanduser(), target=self.encoder.vision.image_size)
        return self.encoder.encode_images([loaded.image])[0]

    def query_vector(self, terms: Sequence[QueryTerm]) -> np.ndarray:
        self.last_truncated = []
        total = np.zeros(self.encoder.dim, np.float32)
        for term in terms:
            vec = self.text_vector(term.value) if term.kind == "text" else self.image_vector(term.value)
            total += term.weight * vec
        norm = float(np.linalg.norm(total))
        if norm == 0.0:
            raise ValueError("the query terms cancel each other out")
        return total / norm

    # -- search ----------------------------------------------------------------------------------------
    def _index(self):
        model = self.store.model(self.encoder.model_id)
        if model is None:
            raise LookupError(
                f"nothing is indexed with {self.encoder.model_id} yet: run `photosearch index --model ...` first"
            )
        index = self.store.vector_index(model.model_id)
        index.refresh()
        return index

    def search(
        self,
        query: str | Sequence[QueryTerm] | None = None,
        *,
        image: str | os.PathLike[str] | None = None,
        k: int = 50,
        filters: SearchFilters | None = None,
        sort: str = "relevance",
        min_relative: float | None = None,
    ) -> list[SearchResult]:
        """`min_relative` (0-1] drops results scoring below that fraction of the best score (a relative
        cut-off, so it works for models whose similarities live on different scales)."""
        terms: list[QueryTerm] = list(parse_query(query) if isinstance(query, str) else (query or []))
        if image is not None:
            terms.append(QueryTerm("image", str(image)))
        if not terms:
            raise ValueError("give a text query, an image, or both")
        if sort not in ("relevance", "date"):
            raise ValueError("sort must be 'relevance' or 'date'")
        vector = self.query_vector(terms)
        index = self._index()
        allowed = self._allowed_files(filters) if filters and filters.active() else None
        results = self._top_files(index, vector, k, allowed)
        if min_relative is not None and results and results[0].score > 0:
            floor = results[0].score * min_relative
            results = [r for r in results if r.score >= floor]
        if sort == "date":
            results.sort(key=lambda r: (r.taken_at is None, -(r.taken_at.timestamp() if r.taken_at else 0)))
        return results

    def _top_files(self, index, vector: np.ndarray, k: int, allowed: "_Allowed | None") -> list[SearchResult]:
        """Keys -> files. A key can have several files (copies) or none left (missing): widen until k."""
        want = k
        while True:
            hits = index.search(vector, want, candidate_keys=allowed.keys if allowed else None)
            files = self.store.files_for_keys([key for key, _ in hits])
            out: list[SearchResult] = []
            for key, score in hits:
                for rec in files.get(key, []):
                    if rec.status == "indexed" and (allowed is None or rec.id in allowed.files):
                        out.append(self._result(rec, score))
            if len(out) >= k or len(hits) < want:
                return out[:k]
            want *= 2

    def _result(self, rec, score: float) -> SearchResult:
        meta = self.store.photo_meta(rec.id)
        taken = wall_clock_datetime(meta.taken_at) if meta and meta.taken_at is not None else None
        return SearchResult(
            path=rec.path, score=float(score), taken_at=taken, size=rec.size, file_id=rec.id,
            width=meta.width if meta else None, height=meta.height if meta else None,
        )

    def _allowed_files(self, f: SearchFilters) -> "_Allowed":
        where, params = ["f.status = 'indexed'"], []
        if f.folder:
            where.append("f.path >= ? AND f.path < ?")
            params.extend(subtree_range(Path(f.folder).expanduser().resolve()))
        if f.since:
            where.append("p.taken_at >= ?")
            params.append(wall_clock_seconds(_start(f.since)))
        if f.until:
            where.append("p.taken_at < ?")
            params.append(wall_clock_seconds(_end(f.until)))
        if f.camera:
            where.append("(lower(coalesce(p.camera_make, '') || ' ' || coalesce(p.camera_model, '')) LIKE ?)")
            params.append(f"%{f.camera.lower()}%")
        if f.file_types:
            types = [t.lower().lstrip(".") for t in f.file_types]
            types += [{"jpg": "jpeg", "jpeg": "jpg", "tif": "tiff", "tiff": "tif"}.get(t, t) for t in types]
            where.append(f"p.file_type IN ({','.join('?' * len(types))})")
            params.extend(types)
        rows = self.store.conn.execute(
            "SELECT f.id, f.content_id FROM files f LEFT JOIN photos p ON p.file_id = f.id WHERE "
            + " AND ".join(where),
            params,
        ).fetchall()
        keys = np.unique(np.array([r[1] for r in rows if r[1] is not None], dtype=np.int64))
        return _Allowed(files={r[0] for r in rows}, keys=keys)


@dataclass(frozen=True)
class _Allowed:
    """Files passing the filters, and their content keys (the candidates the vector index scores)."""

    files: set[int]
    keys: np.ndarray


def _start(d: date | datetime) -> datetime:
    return d if isinstance(d, datetime) else datetime.combine(d, time.min)


def _end(d: date | datetime) -> datetime:
    return d if isinstance(d, datetime) else datetime.combine(d, time.min) + timedelta(days=1)
