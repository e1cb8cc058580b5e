"""Searching and counting query words off the GUI thread, latest request wins; the text tower unloads when idle.

Counting needs only the tokenizer (milliseconds, no weights), but it runs on its own thread so the "N / limit
words" counter stays live while a slow LLM query is being encoded on the search thread.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from photosearch.errors import NothingIndexed
from photosearch.library import Library
from photosearch.search import SearchOutcome, SearchRequest
from ui.bridge import LatestOnly, run_task


@dataclass(frozen=True)
class WordCount:
    text: str
    words: int  # content tokens of the query
    limit: int  # how many the model reads


class SearchService(QObject):
    results = Signal(int, object)  # request id, SearchOutcome
    failed = Signal(int, object)  # request id, PhotoSearchError
    counted = Signal(object)  # WordCount
    busy = Signal(bool)
    unloaded = Signal()

    def __init__(self, library: Library, model: str = "", idle_unload_min: int = 15,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.model = model  # the model the user chose: the counter's fallback while nothing is searchable
        self._search = LatestOnly(self._run_search, "photosearch-search", self)
        self._search.finished.connect(self.results)
        self._search.failed.connect(self.failed)
        self._search.busy.connect(self.busy)
        self._count = LatestOnly(self._run_count, "photosearch-count", self)
        self._count.finished.connect(lambda _seq, wc: wc is not None and self.counted.emit(wc))
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self.unload_text)
        self.set_idle_unload(idle_unload_min)

    def set_idle_unload(self, minutes: float) -> None:
        self._idle_ms = int(minutes * 60_000)
        self._idle.stop()

    def search(self, request: SearchRequest) -> int:
        if self._idle_ms > 0:
            self._idle.start(self._idle_ms)
        return self._search.submit(request)

    @property
    def latest(self) -> int:
        return self._search.latest

    def count(self, text: str) -> None:
        self._count.submit(text)

    def _spec(self) -> str | None:
        """The model searches use; before anything is indexed, the one the user chose (already downloaded by the
        first run). Never the default preset: counting words must not start a multi-gigabyte download."""
        try:
            return self.library.search_model()
        except NothingIndexed:
            return self.model or None

    def _run_search(self, request: SearchRequest) -> SearchOutcome:
        return self.library.search(request)

    def _run_count(self, text: str) -> WordCount | None:
        spec = self._spec()
        if spec is None:
            return None
        encoder = self.library.encoder(spec)
        info = encoder.text_info([text])[0] if text.strip() else None
        return WordCount(text, info.n_tokens if info else 0, encoder.max_text_tokens)

    def unload_text(self) -> None:
        """Free the text tower of the search model (the next query loads it again)."""
        def unload() -> bool:
            try:
                return self.library.encoder(self.library.search_model()).unload_text()
            except NothingIndexed:
                return False

        run_task(unload, lambda freed: freed and self.unloaded.emit(), parent=self)

    def close(self) -> None:
        self._idle.stop()
        self._search.close()
        self._count.close()
