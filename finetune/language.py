"""Guess a caption's language cheaply, from its script and a few stopwords.

Fine-tuning reports how many captions an album holds per language (a model fine-tuned on German captions
only should not be sold as multilingual) and can balance batches by language. That needs a label per
caption, not a research-grade identifier: this module looks at which script most letters belong to and,
for Latin script, counts function words that are frequent in one language and rare in the others. It runs
in microseconds and has no data files or dependencies.

Rules, in order:

* The script most letters belong to decides non-Latin text (Han and kana count double, since one
  character carries about a word): kana (even a little, next to Han) -> ``ja``; Han -> ``zh``; Hangul ->
  ``ko``; Cyrillic -> ``ru`` (``uk`` when it has і/ї/є/ґ); Arabic -> ``ar`` (``fa`` when it has
  پ/چ/ژ/گ/ی); Hebrew ``he``, Greek ``el``, Thai ``th``, Devanagari ``hi``.
* Latin text scores one point per stopword of each language (en, de, fr, es, it, pt, nl) and two per
  letter only that language uses (ß ä ö ü, ñ ¿ ¡, ç œ, ã õ, ...). The best score wins if it is at least 2
  and strictly ahead of the runner-up.
* Anything else -- no letters, a tie, a two-word label -- is ``und`` (ISO 639-2's "undetermined").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

__all__ = ["UNDETERMINED", "LANGUAGES", "detect_language"]

UNDETERMINED = "und"

_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the and of with is are this that from by an it its which there their was were be has have for to "
        "next behind near above below between on at into onto while where who".split()
    ),
    "de": frozenset(
        "der die das und ist sind mit ein eine einen einem einer auf im dem den des nicht von zu sich auch "
        "neben vor hinter über unter links rechts oben unten bei wird sieht befindet liegt steht ganze "
        "alles hintergrund".split()
    ),
    "fr": frozenset(
        "le les et est sont une des du dans sur avec pour au aux ce cette qui il elle sous près gauche "
        "droite haut bas ses voit trouve fond ensemble".split()
    ),
    "es": frozenset(
        "el los las y es son una unos unas del con por para al sobre junto izquierda derecha arriba abajo "
        "está están hay se ve fondo todo".split()
    ),
    "it": frozenset(
        "il lo gli e è sono uno una della delle dei nel nella con per sulla sopra sotto sinistra destra "
        "c'è ci si vede sfondo tutto".split()
    ),
    "pt": frozenset(
        "o os as e é são um uma do da dos das na com por para ao sobre esquerda direita em cima baixo "
        "há vê fundo tudo".split()
    ),
    "nl": frozenset(
        "het zijn een van met op aan bij voor achter naast links rechts boven onder er ziet "
        "staat ligt achtergrond alles".split()
    ),
}

#: Letters (lower case) that one Latin-script language uses and the others here do not.
_MARKERS: dict[str, str] = {"de": "ßäöü", "es": "ñ¿¡", "fr": "çœæëîûù", "pt": "ãõ"}

LANGUAGES: tuple[str, ...] = (
    "en",
    "de",
    "fr",
    "es",
    "it",
    "pt",
    "nl",
    "zh",
    "ja",
    "ko",
    "ru",
    "uk",
    "ar",
    "fa",
    "he",
    "el",
    "th",
    "hi",
)
"""Every code `detect_language` can return, besides `UNDETERMINED`."""

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def _script(ch: str) -> str | None:
    """The script a letter belongs to, for the scripts the rules above tell apart."""
    o = ord(ch)
    if 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF or 0xFF66 <= o <= 0xFF9F:
        return "kana"
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FA1F:
        return "han"
    if 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
        return "hangul"
    if 0x0400 <= o <= 0x052F:
        return "cyrillic"
    if 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F or 0xFB50 <= o <= 0xFEFF:
        return "arabic"
    if 0x0590 <= o <= 0x05FF:
        return "hebrew"
    if 0x0370 <= o <= 0x03FF:
        return "greek"
    if 0x0E00 <= o <= 0x0E7F:
        return "thai"
    if 0x0900 <= o <= 0x097F:
        return "devanagari"
    if ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN"):
        return "latin"
    return None


def detect_language(text: str) -> str:
    """An ISO 639-1 code for `text` (see the module docstring for the rules), or ``"und"``."""
    counts: Counter[str] = Counter()
    for ch in text:
        s = _script(ch)
        if s is not None:
            counts[s] += 2 if s in ("han", "kana") else 1
    if not counts:
        return UNDETERMINED
    if counts["kana"]:  # Chinese never uses kana; Japanese nearly always does
        counts["han"] += counts.pop("kana")
        if counts.most_common(1)[0][0] == "han":
            return "ja"
    script = counts.most_common(1)[0][0]
    lowered = text.lower()
    if script == "han":
        return "zh"
    if script == "hangul":
        return "ko"
    if script == "cyrillic":
        return "uk" if any(c in lowered for c in "іїєґ") else "ru"
    if script == "arabic":
        return "fa" if any(c in text for c in "پچژگی") else "ar"
    simple = {"hebrew": "he", "greek": "el", "thai": "th", "devanagari": "hi"}
    if script in simple:
        return simple[script]
    return _latin_language(lowered)


def _latin_language(lowered: str) -> str:
    scores: Counter[str] = Counter()
    for word in _WORD.findall(lowered):
        for lang, words in _STOPWORDS.items():
            if word in words:
                scores[lang] += 1
    for lang, letters in _MARKERS.items():
        scores[lang] += 2 * sum(lowered.count(c) for c in letters)
    ranked = scores.most_common(2)
    if not ranked or ranked[0][1] < 2:
        return UNDETERMINED
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return UNDETERMINED
    return ranked[0][0]
