"""Words as search sees them: case and diacritics folded the way the FTS5 table's tokenizer folds them
(`unicode61 remove_diacritics 2`), and CJK text, which has no spaces between words, matched as substrings.

Used for the words of a query and for "which words matched" in a result; the index itself is tokenized by
SQLite. `span_box` turns a character range of a recognised line into a box, for highlighting a word.
"""
from __future__ import annotations

import re
import unicodedata

from photosearch.ocr.results import Point, TextLine

# Han, Hiragana, Katakana, Hangul: scripts written without spaces between words.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u3131-\u318e\uff66-\uff9f]")
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case without diacritics: "Café GRÖẞE" -> "cafe große" (ß stays ß, as in SQLite's tokenizer)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def words(text: str) -> list[str]:
    """The folded words of `text`, in order (a run of CJK characters is one "word", matched as a substring)."""
    return _WORD.findall(fold(text))


def span_box(line: TextLine, start: int, end: int) -> tuple[Point, Point, Point, Point]:
    """The part of `line.box` covering characters `start:end` of `line.text`, assuming evenly wide characters
    (PP-OCR gives boxes per line; this is close enough to highlight a word)."""
    n = max(len(line.text), 1)
    a, b = max(0, min(start, n)) / n, max(0, min(end, n)) / n
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = line.box

    def lerp(p: Point, q: Point, t: float) -> Point:
        return (p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t)

    top, bottom = ((x0, y0), (x1, y1)), ((x3, y3), (x2, y2))
    return lerp(*top, a), lerp(*top, b), lerp(*bottom, b), lerp(*bottom, a)
