"""Words inside photos in search: which query words count, how text matches fuse with the semantic ranking,
which words a result matched, and the recognised lines the app's detail view shows.

Fusion rule: reciprocal-rank fusion (Cormack, Clarke and Buettcher, SIGIR 2009) of the semantic ranking and the
BM25 ranking of the photos' text: `score = 1/(K + rank_semantic) + 1/(K + rank_text)`, ranks from 1, K = 60.
A photo with text matches that the semantic list (the best `max(2k, 200)` photos) does not hold counts as just
past its end, so the best text match always beats a photo that only the semantic side ranks first. RRF needs no
score calibration between cosines and BM25 (they live on unrelated scales), and a photo only the text side
finds still gets in. K = 60 is the paper's constant, not tuned here: with this project's random-weights test
encoders the semantic side is noise, so the one thing measurable offline is that the photo showing the query's
words ranks first among look-alikes without them (tests/ocr/test_text_search.py: 7 of 7 queries, English,
German, Chinese), which the "just past the end" rule guarantees for any K. Tuning K against real semantic
rankings needs real weights and labelled queries (not available offline).
Query words that carry no meaning on their own (a
short stop list per language, words of one letter) are left out of the text side, so "the receipt from Café
Luna" matches on receipt, café and luna, not on "the".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from photosearch.ocr.results import Point, TextLine, TextResult, TextStatus
from photosearch.ocr.words import fold, has_cjk, span_box, words

RRF_K = 60
SEMANTIC_DEPTH = 200  # at least this many semantic results take part in the fusion
TEXT_DEPTH = 200  # and this many text matches

_STOP = frozenset("""
a an and are as at be but by for from has have in is it its of on or that the this to was were with you your
der die das den dem des ein eine einer einem einen und oder mit von vom zu zum zur im in am an auf aus bei ist
sind war nicht
le la les un une des du de et ou au aux en dans sur avec pour par est
el los las uno una unos unas y o del al en con por para es
""".split())


def distinctive_words(texts: Iterable[str]) -> list[str]:
    """The folded words of the query texts that the text side matches on, in order, without repeats."""
    out: list[str] = []
    for text in texts:
        for word in words(text):
            if word in out or word in _STOP or (len(word) < 2 and not has_cjk(word)):
                continue
            out.append(word)
    return out


def fuse(semantic: Sequence[int], text: Sequence[int], k: float = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal-rank fusion of two rankings of keys (best first) -> [(key, fused score)], best first.

    A key only `text` ranks gets the semantic contribution of the place just past the semantic list's end."""
    scores: dict[int, float] = {}
    for rank, key in enumerate(semantic, 1):
        scores[key] = 1.0 / (k + rank)
    beyond = 1.0 / (k + len(semantic) + 1)
    for rank, key in enumerate(text, 1):
        scores[key] = scores.get(key, beyond) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


def matched_words(result: TextResult | None, query_words: Sequence[str]) -> tuple[str, ...]:
    """Which of `query_words` (folded words or `text:` phrases) the photo's recognised text contains."""
    if result is None or result.status != TextStatus.TEXT:
        return ()
    folded = fold(result.text)
    tokens = " " + " ".join(words(result.text)) + " "
    out = []
    for w in query_words:
        fw = fold(w).strip()
        if not fw:
            continue
        found = fw in folded if has_cjk(fw) else " " + " ".join(words(fw)) + " " in tokens
        if found:
            out.append(w)
    return tuple(out)


@dataclass(frozen=True)
class PhotoText:
    """The words read in one photo, for the detail view: lines with boxes (displayed pixels), "copy text"."""

    path: str
    status: TextStatus
    lines: tuple[TextLine, ...]
    engine: str
    error: str | None = None

    @property
    def text(self) -> str:
        """What "copy text" copies: the lines top to bottom, one per line."""
        return "\n".join(line.text for line in self.lines)

    def highlights(self, query_words: Sequence[str]) -> list[tuple[Point, Point, Point, Point]]:
        """A box around every occurrence of each word or phrase (case and accents folded), for highlighting."""
        boxes = []
        for line in self.lines:
            folded = fold(line.text)
            if len(folded) != len(line.text):  # folding changed the length (rare ligatures): box the whole line
                if matched_words(TextResult(TextStatus.TEXT, (line,)), query_words):
                    boxes.append(line.box)
                continue
            for w in query_words:
                fw = fold(w).strip()
                start = folded.find(fw) if fw else -1
                while start >= 0:
                    end = start + len(fw)
                    cjk = has_cjk(fw)
                    bounded = cjk or ((start == 0 or not folded[start - 1].isalnum())
                                      and (end == len(folded) or not folded[end].isalnum()))
                    if bounded:
                        boxes.append(span_box(line, start, end))
                    start = folded.find(fw, end)
        return boxes
