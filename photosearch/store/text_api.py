"""The words inside photos (schema v6) and the library's settings, as `Store` methods over text.py's SQL.

`TextMixin` is part of `Store` (store.py).
"""
from __future__ import annotations

from typing import Iterable, Sequence

from photosearch.ocr.results import TextResult
from photosearch.store import text
from photosearch.store.base import StoreBase
from photosearch.store.rows import _now, path_from_key


class TextMixin(StoreBase):
    """Recognised text (what to read, results, ranking) and settings of a `Store`."""

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
