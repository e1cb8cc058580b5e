"""What a search is asked and what it answers: `SearchRequest` (checked at construction), `SearchOutcome`.

Their own module, apart from `Searcher`, because a CLI search served by a running app or watcher
(`photosearch.query_server`) builds a request and prints an outcome and nothing more: it must not import
numpy, the store or Pillow (0.38 s for such a search before, most of it imports).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import Enum
from pathlib import Path
from typing import Sequence

from photosearch.errors import InvalidInput
from photosearch.pathtext import display_path
from photosearch.query import QueryTerm, TermKind, parse_query

MAX_RESULTS = 10_000  # a bigger k is almost certainly a typo; the UI pages through far fewer
_TYPE_ALIASES = {"jpg": "jpeg", "jpeg": "jpg", "tif": "tiff", "tiff": "tif"}


class SortOrder(str, Enum):
    RELEVANCE = "relevance"
    DATE = "date"  # newest first; photos without a date last


@dataclass(frozen=True)
class SearchFilters:
    """Which photos may be returned. Dates are the camera's clock; `until` given as a date includes that day."""

    folder: str | os.PathLike[str] | None = None  # only photos under this folder (subtree)
    since: date | datetime | None = None  # taken on or after
    until: date | datetime | None = None  # taken on or before
    camera: str | None = None  # case-insensitive substring of make or model
    file_types: tuple[str, ...] = ()  # extensions, e.g. ("jpg", "heic")

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and start_of(self.since) >= end_of(self.until):
            raise InvalidInput(f"the start date {self.since} is after the end date {self.until}")
        bad = [t for t in self.file_types if not t.strip(". ").isalnum()]
        if bad:
            raise InvalidInput(f"file types are extensions such as jpg or heic, not {bad[0]!r}")

    def active(self) -> bool:
        return any((self.folder, self.since, self.until, self.camera, self.file_types))

    def types(self) -> list[str]:
        """Lower-case extensions with their spelling twins (jpg/jpeg, tif/tiff)."""
        types = [t.lower().strip(". ") for t in self.file_types]
        return sorted(set(types) | {_TYPE_ALIASES.get(t, t) for t in types})


@dataclass(frozen=True)
class SearchRequest:
    """One search as a user asks it; invalid values are an `InvalidInput` at construction."""

    query: str | Sequence[QueryTerm] | None = None  # text, mix syntax, or parsed terms
    image: str | os.PathLike[str] | None = None  # a photo to search by (indexed or not)
    k: int = 50
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: SortOrder = SortOrder.RELEVANCE
    cutoff: float | None = None  # drop results scoring below this fraction of the best score

    def __post_init__(self) -> None:
        if (self.query is None or (isinstance(self.query, str) and not self.query.strip())) and self.image is None:
            raise InvalidInput("give a text query, a photo to search by, or both")
        if isinstance(self.k, bool) or not isinstance(self.k, int) or not 1 <= self.k <= MAX_RESULTS:
            raise InvalidInput(f"the number of results must be between 1 and {MAX_RESULTS}, not {self.k!r}")
        if self.cutoff is not None and not 0 < self.cutoff <= 1:
            raise InvalidInput(f"the relevance cut-off is a fraction of the best score in (0, 1], not {self.cutoff}")
        try:
            object.__setattr__(self, "sort", SortOrder(self.sort))
        except ValueError:
            raise InvalidInput(f"sort by 'relevance' or 'date', not {self.sort!r}") from None
        if self.image is not None:  # before any model is fetched or loaded
            path = Path(self.image).expanduser()
            if path.is_dir():
                raise InvalidInput(f"{display_path(path)} is a folder, not a photo to search by")
            if not path.exists():
                raise InvalidInput(f"no photo at {display_path(path)!r} to search by")
        object.__setattr__(self, "_terms", self._parse())  # a syntax error shows before any model loads

    def _parse(self) -> tuple[QueryTerm, ...]:
        terms = list(parse_query(self.query) if isinstance(self.query, str) and self.query.strip() else (
            [] if isinstance(self.query, str) else (self.query or [])))
        if self.image is not None:
            terms.append(QueryTerm(TermKind.IMAGE, os.fspath(self.image)))
        return tuple(terms)

    def terms(self) -> list[QueryTerm]:
        return list(self._terms)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class QueryText:
    """What the model made of one text of the query."""

    text: str
    tokens: int  # content tokens the text needs
    kept: int  # content tokens the model read
    truncated: bool


@dataclass(frozen=True)
class SearchResult:
    path: str
    score: float
    taken_at: datetime | None
    size: int
    file_id: int
    width: int | None = None
    height: int | None = None
    matched: tuple[str, ...] = ()  # query words (folded) and `text:` phrases found in the photo's visible text


@dataclass(frozen=True)
class SearchOutcome:
    model_id: str
    results: list[SearchResult]
    texts: list[QueryText]  # one per text term, in query order

    @property
    def truncated(self) -> list[QueryText]:
        return [t for t in self.texts if t.truncated]


def start_of(d: date | datetime) -> datetime:
    return d if isinstance(d, datetime) else datetime.combine(d, time.min)


def end_of(d: date | datetime) -> datetime:
    return d if isinstance(d, datetime) else datetime.combine(d, time.min) + timedelta(days=1)
