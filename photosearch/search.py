"""Search the index by text of any length or language, by photo, or by a weighted mix of both.

The hot path is the store's RAM `VectorIndex` (exact, ~20 ms at 100k photos); filters are turned into a
candidate set with one SQL query first, because filtering after the top-k is picked would silently return
fewer results than asked for.

Every search reports what happened to each query text (tokens needed, tokens read, cut or not), also when
its vector came from the cache: the notice that a long paragraph was cut must not vanish on a repeat.
"""
from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from photosearch.errors import InvalidInput, LibraryError, NothingIndexed
from photosearch.query import QueryTerm, TermKind
from photosearch.store import Store
from photosearch.store.queries import StoredQuery
from photosearch.store.records import wall_clock_datetime, wall_clock_seconds
from photosearch.search_types import (  # noqa: F401 - the search types are part of this module's interface
    MAX_RESULTS, QueryText, SearchFilters, SearchOutcome, SearchRequest, SearchResult, SortOrder, end_of, start_of,
)
from photosearch.text_search import SEMANTIC_DEPTH, TEXT_DEPTH, distinctive_words, fuse, matched_words

if TYPE_CHECKING:  # torch loads with a model, not with the search types (the app starts without it)
    from photosearch.encoders.base import Encoder
    from photosearch.lazy_encoder import LazyEncoder

log = logging.getLogger(__name__)

class Searcher:
    """Binds a store to an encoder. Query vectors of texts are cached per (model, text) together with their
    token report, in memory and in the library file: re-running or refining a query, in this process or in the
    next CLI call, never runs the model again (with a `LazyEncoder`, never even builds it).

    Thread-safe: the store is used under one lock, while text encoding (seconds for an LLM on a CPU) runs
    outside it.
    """

    def __init__(
        self, store: Store, encoder: "Encoder | LazyEncoder", *, cache_size: int = 256,
        lock: threading.RLock | None = None,
    ) -> None:
        self.store = store
        self.encoder = encoder
        self.cache_size = cache_size
        self._lock = lock or threading.RLock()  # guards the store (one connection, maybe shared) and the cache
        self._text_cache: OrderedDict[tuple[str, str], StoredQuery] = OrderedDict()

    # -- query vectors -------------------------------------------------------------------------------
    def text_vector(self, text: str) -> tuple[np.ndarray, QueryText]:
        model_id = self.encoder.model_id
        key = (model_id, text)
        with self._lock:
            hit = self._text_cache.get(key)
            if hit is not None:
                self._text_cache.move_to_end(key)
            else:
                hit = self.store.stored_query(model_id, text)
        if hit is None:
            vectors, info = self.encoder.encode_texts_with_info([text])
            hit = StoredQuery(vectors[0], info[0].n_tokens, info[0].kept_tokens, info[0].truncated)
            with self._lock:
                self._persist(text, hit)
        with self._lock:
            self._text_cache[key] = hit
            while len(self._text_cache) > self.cache_size:
                self._text_cache.popitem(last=False)
        return hit.vector, QueryText(text, hit.n_tokens, hit.kept_tokens, hit.truncated)

    def _persist(self, text: str, query: StoredQuery) -> None:
        """Keep the vector for later processes; a library that cannot be written (read-only, busy, full, its
        model removed meanwhile) still answers this search."""
        if self.store.model(self.encoder.model_id) is None:
            return
        try:
            self.store.store_query(self.encoder.model_id, text, query)
        except LibraryError as e:
            log.info("query vector not kept: %s", e)

    def image_vector(self, path: str | os.PathLike[str]) -> np.ndarray:
        """An indexed photo's stored vector if there is one (no re-encoding), else encode the file."""
        with self._lock:
            record = self.store.file_by_path(Path(path).expanduser().resolve())
            if record is not None and record.key is not None and self.store.model(self.encoder.model_id):
                stored = self._index().vector(record.key)
                if stored is not None:
                    return stored
        from photosearch.images import ImageError, load_image  # Pillow, only for a photo that is not indexed

        try:
            loaded = load_image(Path(path).expanduser(), target=self.encoder.image_size)
        except ImageError as e:
            raise InvalidInput(f"cannot search by the photo {path}: {e.reason}") from e
        return self.encoder.encode_images([loaded.image])[0]

    def query_vector(self, terms: Sequence[QueryTerm]) -> tuple[np.ndarray, list[QueryText]]:
        """The normalised weighted sum of the terms' vectors, and a report per text term."""
        total = np.zeros(self.encoder.dim, np.float32)
        texts: list[QueryText] = []
        for term in terms:
            if term.kind == TermKind.TEXT:
                vec, report = self.text_vector(term.value)
                texts.append(report)
            else:
                vec = self.image_vector(term.value)
            total += term.weight * vec
        norm = float(np.linalg.norm(total))
        if norm == 0.0:
            raise InvalidInput("the query terms cancel each other out")
        return total / norm, texts

    # -- search ----------------------------------------------------------------------------------------
    def _index(self):
        model = self.store.model(self.encoder.model_id)
        if model is None:
            raise NothingIndexed(f"nothing is indexed with {self.encoder.spec or self.encoder.model_id} yet")
        index = self.store.vector_index(model.model_id)
        index.refresh()
        return index

    def search(self, request: SearchRequest) -> SearchOutcome:
        """Semantic ranking fused with text matches (see `photosearch.text_search`); `text:` terms restrict.

        Without any text match the ranking is the semantic one unchanged; with only `text:` terms no model is
        needed and photos rank by their text's BM25 (score 1.0 for the best, the others relative to it)."""
        terms = request.terms()
        contains = [t.value for t in terms if t.kind == TermKind.CONTAINS]
        ranked = [t for t in terms if t.kind != TermKind.CONTAINS]
        vector, texts = self.query_vector(ranked) if ranked else (None, [])
        query_words = distinctive_words(t.value for t in ranked if t.kind == TermKind.TEXT and t.weight > 0)
        query_words += [c for c in contains if c not in query_words]
        with self._lock:
            allowed = self._allowed(request.filters) if request.filters.active() else None
            if contains:
                allowed = self._containing(contains, allowed)
            text_hits = self._text_hits(query_words, allowed) if query_words else []
            if vector is None:
                results = self._text_only(text_hits, request.k, allowed)
            elif not text_hits:
                results = self._top_files(self._index(), vector, request.k, allowed)
            else:
                results = self._fused(self._index(), vector, request.k, allowed, text_hits)
            if text_hits:
                results = [replace(r, matched=matched_words(self.store.text_result(key), query_words))
                           for r, key in results]
            else:
                results = [r for r, _ in results]
        if request.cutoff is not None and results:
            best = max(r.score for r in results)  # semantic scores; a text match is kept whatever its score
            if best > 0:
                results = [r for r in results if r.score >= best * request.cutoff or r.matched]
        if request.sort == SortOrder.DATE:
            results.sort(key=lambda r: (r.taken_at is None, -(r.taken_at.timestamp() if r.taken_at else 0)))
        return SearchOutcome(self.encoder.model_id, results, texts)

    def _containing(self, phrases: list[str], allowed: "_Allowed | None") -> "_Allowed":
        keys: set[int] | None = None
        for phrase in phrases:
            found = self.store.keys_containing(phrase)
            keys = found if keys is None else keys & found
        if allowed is not None:
            keys = (keys or set()) & set(allowed.keys.tolist())
        files = {f.id for recs in self.store.files_for_keys(keys or ()).values() for f in recs}
        if allowed is not None:
            files &= allowed.files
        return _Allowed(files=files, keys=np.array(sorted(keys or ()), dtype=np.int64))

    def _text_hits(self, query_words: list[str], allowed: "_Allowed | None") -> list[tuple[int, float]]:
        hits = self.store.rank_text(query_words, TEXT_DEPTH if allowed is None else 10 * TEXT_DEPTH)
        if allowed is not None:
            ok = set(allowed.keys.tolist())
            hits = [(key, score) for key, score in hits if key in ok]
        return hits[:TEXT_DEPTH]

    def _files_in_order(self, ranked: list[tuple[int, float]], k: int, allowed: "_Allowed | None",
                        score_of: dict[int, float]) -> list[tuple[SearchResult, int]]:
        files = self.store.files_for_keys([key for key, _ in ranked])
        out = []
        for key, _ in ranked:
            for rec in files.get(key, []):
                if rec.status == "indexed" and (allowed is None or rec.id in allowed.files):
                    out.append((self._result(rec, score_of.get(key, 0.0)), key))
        return out[:k]

    def _text_only(self, text_hits: list[tuple[int, float]], k: int, allowed: "_Allowed | None"
                   ) -> list[tuple[SearchResult, int]]:
        best = text_hits[0][1] if text_hits else 1.0
        if allowed is not None and not text_hits:  # `text:` with nothing to rank on: the restricted set itself
            text_hits = [(int(key), best) for key in allowed.keys]
        return self._files_in_order(text_hits, k, allowed, {key: s / best for key, s in text_hits})

    def _fused(self, index, vector: np.ndarray, k: int, allowed: "_Allowed | None",
               text_hits: list[tuple[int, float]]) -> list[tuple[SearchResult, int]]:
        """RRF of the semantic and text rankings; `score` stays the honest cosine similarity."""
        depth = max(2 * k, SEMANTIC_DEPTH)
        while True:
            semantic = index.search(vector, depth, candidate_keys=allowed.keys if allowed else None)
            fused = fuse([key for key, _ in semantic], [key for key, _ in text_hits])
            cosine = dict(semantic)
            for key, _ in text_hits:
                if key not in cosine:
                    stored = index.vector(key)
                    cosine[key] = float(stored @ vector) if stored is not None else 0.0
            out = self._files_in_order(fused, k, allowed, cosine)
            if len(out) >= k or len(semantic) < depth:
                return out
            depth *= 2

    def _top_files(self, index, vector: np.ndarray, k: int, allowed: "_Allowed | None"
                   ) -> list[tuple[SearchResult, int]]:
        """Keys -> files. A key can have several files (copies) or none left (missing): widen until k."""
        want = k
        while True:
            hits = index.search(vector, want, candidate_keys=allowed.keys if allowed else None)
            files = self.store.files_for_keys([key for key, _ in hits])
            out: list[tuple[SearchResult, int]] = []
            for key, score in hits:
                for rec in files.get(key, []):
                    if rec.status == "indexed" and (allowed is None or rec.id in allowed.files):
                        out.append((self._result(rec, score), key))
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

    def _allowed(self, f: SearchFilters) -> "_Allowed":
        rows = self.store.filtered_files(
            folder=Path(f.folder).expanduser().resolve() if f.folder else None,
            taken_from=wall_clock_seconds(start_of(f.since)) if f.since else None,
            taken_before=wall_clock_seconds(end_of(f.until)) if f.until else None,
            camera=f.camera,
            file_types=f.types(),
        )
        keys = np.unique(np.array([key for _, key in rows if key is not None], dtype=np.int64))
        return _Allowed(files={file_id for file_id, _ in rows}, keys=keys)


@dataclass(frozen=True)
class _Allowed:
    """Files passing the filters, and their content keys (the candidates the vector index scores)."""

    files: set[int]
    keys: np.ndarray
