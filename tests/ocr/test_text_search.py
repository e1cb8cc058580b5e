"""Search by the words inside photos, fused with the semantic ranking (here a random tiny encoder, so the
semantic side is noise among look-alike photos and the words must carry the result)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from photosearch.cli import main
from photosearch.errors import QuerySyntaxError
from photosearch.library import Library
from photosearch.query import TermKind, parse_query
from photosearch.search import SearchFilters, SearchRequest


def _search(lib, *args: str, capsys) -> dict:
    capsys.readouterr()
    assert main(["--db", lib.db, "search", *args, "--json", "-k", "5"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name, query", [
    ("receipt", "the receipt from Cafe Luna"),
    ("street", "harbour street"),
    ("bakery", "bäckerei"),
    ("bakery", "backerei grosse"),  # accents folded; ß is not ss (as SQLite's unicode61), but Bäckerei carries it
    ("zurich", "zurich"),
    ("beijing", "北京"),  # a Chinese substring: no spaces between words
    ("beijing", "咖啡馆"),
])
def test_a_photo_showing_the_query_words_ranks_first(text_library, name: str, query: str, capsys) -> None:
    if name not in text_library.photos:
        pytest.skip(f"no system font for {name!r} here")
    out = _search(text_library, query, capsys=capsys)
    first = out["results"][0]
    assert Path(first["path"]) == text_library.photos[name]
    assert first["matched"]


def test_text_syntax_keeps_only_photos_containing_the_phrase(text_library, capsys) -> None:
    out = _search(text_library, 'text:"cafe luna"', capsys=capsys)
    assert [Path(r["path"]) for r in out["results"]] == [text_library.photos["receipt"]]
    assert out["results"][0]["matched"] == ["cafe luna"]
    assert _search(text_library, 'text:"luna cafe"', capsys=capsys)["results"] == []  # a phrase keeps its order
    mixed = _search(text_library, "a sign text:exit", capsys=capsys)
    assert [Path(r["path"]) for r in mixed["results"]] == [text_library.photos["upside"]]


def test_filters_and_date_sort_apply_to_text_matches(text_library, capsys) -> None:
    out = _search(text_library, "cafe luna", "--type", "png", capsys=capsys)
    assert out["results"] == []
    out = _search(text_library, "cafe luna", "--sort", "date", "--folder", str(text_library.folder), capsys=capsys)
    assert text_library.photos["receipt"] in [Path(r["path"]) for r in out["results"]]


def test_a_query_without_text_matches_ranks_as_before(text_library) -> None:
    with Library.open(text_library.db) as lib:
        outcome = lib.search(SearchRequest("a quiet meadow", k=5))
    assert len(outcome.results) == 5 and not any(r.matched for r in outcome.results)
    scores = [r.score for r in outcome.results]
    assert scores == sorted(scores, reverse=True)


def test_library_gives_the_detail_view_lines_boxes_and_highlights(text_library) -> None:
    with Library.open(text_library.db) as lib:
        outcome = lib.search(SearchRequest("harbour", k=3, filters=SearchFilters(folder=text_library.folder)))
        hit = outcome.results[0]
        text = lib.photo_text(hit.path)
    assert text is not None and "Harbour Street" in text.text
    boxes = text.highlights(hit.matched)
    assert len(boxes) == 1
    line = text.lines[0].box
    assert min(x for x, _ in line) <= min(x for x, _ in boxes[0]) < max(x for x, _ in boxes[0]) <= max(x for x, _ in line) + 1e-6


def test_text_syntax_errors_are_one_line() -> None:
    with pytest.raises(QuerySyntaxError):
        parse_query('text:""')
    terms = parse_query('receipt text:"café luna" text:x')
    assert [t.kind for t in terms] == [TermKind.CONTAINS, TermKind.CONTAINS, TermKind.TEXT]
