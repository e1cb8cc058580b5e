"""Where a photo's caption comes from, in which order, and its short form.

People caption photos in many places. Training tools write a ``.txt`` next to each image; Lightroom,
digiKam, darktable and Photo Mechanic write XMP ``dc:description`` (into the file, or into an ``.xmp``
sidecar for RAW files and for users who never let a tool rewrite an original); cameras and older tools
write EXIF ImageDescription or UserComment; newsrooms and agencies write the IPTC caption. `read_captions`
looks in all of them, in this order, and returns the first caption found:

1. a text sidecar: ``IMG_1.jpg.txt``, else ``IMG_1.txt`` (the user wrote it for this very purpose);
2. XMP ``dc:description``: an ``.xmp`` sidecar (``IMG_1.xmp``, else ``IMG_1.jpg.xmp``) before the packet
   embedded in the photo, since editors update the sidecar without rewriting the original;
3. EXIF ImageDescription (0x010E), then EXIF UserComment (0x9286);
4. the IPTC caption (IPTC-IIM 2:120).

This module holds that order, the text sidecars, short captions, and the types the sources and the album
share (`CaptionSource`, `Captions`, `Split`). The metadata formats (XMP, EXIF, IPTC) are decoded in
`finetune.metadata_captions`; a manifest (CSV or JSONL: ``path``, ``caption``, optional ``short_caption``,
``lang`` and ``split``), the other way to caption an album, is parsed by `finetune.manifest.read_manifest`.

Broken input is handled by who wrote it. Files that exist only to hold a caption (``.txt`` and ``.xmp``
sidecars, manifests) raise `AlbumError` when they cannot be read or decoded (see `finetune.user_files`):
silently ignoring what the user wrote would hide the mistake. Metadata inside a photo that cannot be parsed
is treated as absent (cameras and old tools write all sorts of junk), as are the placeholder descriptions
cameras fill in ("OLYMPUS DIGITAL CAMERA", "SONY DSC", blanks).

The short caption: when a source only gives one text, `short_caption` derives it the way Long-CLIP does,
as the first sentence (see its docstring).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from finetune.metadata_captions import EmbeddedReader, read_xmp_description, read_xmp_sidecar
from finetune.user_files import decode_text, read_bytes

__all__ = [
    "CAPTION_SOURCES",
    "SHORT_CAPTION_WORDS",
    "CaptionSource",
    "Captions",
    "Split",
    "read_captions",
    "read_text_sidecar",
    "short_caption",
]

#: What `read_captions` reads, for messages that tell users how to caption a photo.
CAPTION_SOURCES = (
    "a .txt sidecar (IMG_1.jpg.txt or IMG_1.txt), XMP dc:description (in the photo or an .xmp sidecar), "
    "EXIF ImageDescription or UserComment, or an IPTC caption"
)

#: Length of a short caption cut from a text without any sentence end (a CJK character counts half a word).
SHORT_CAPTION_WORDS = 20


class CaptionSource(Enum):
    """Which kind of place a caption was read from."""

    TEXT_SIDECAR = "text sidecar"
    XMP_SIDECAR = "XMP sidecar"
    XMP = "XMP"
    EXIF_DESCRIPTION = "EXIF ImageDescription"
    EXIF_USER_COMMENT = "EXIF UserComment"
    IPTC = "IPTC caption"
    MANIFEST = "manifest"


class Split(Enum):
    """The part of an album a photo belongs to; a manifest may name it in a ``split`` column."""

    TRAIN = "train"
    VAL = "val"


@dataclass(frozen=True)
class Captions:
    """A photo's caption: `long` always, `short` only when the source gave one separately.

    `origin` is the file the text was read from (the sidecar, the manifest or the photo itself), so
    messages can point at what to fix.
    """

    long: str
    short: str | None
    source: CaptionSource
    origin: Path

    @property
    def short_or_derived(self) -> str:
        """The short caption, derived from the long one (its first sentence) when the source had none."""
        return self.short if self.short else short_caption(self.long)


# --------------------------------------------------------------------------- the public entry point


def read_captions(path: str | os.PathLike[str]) -> Captions | None:
    """The photo's caption from the first source that has one (order: see the module docstring), or None.

    Raises `AlbumError` for a sidecar that exists but cannot be read or decoded.
    """
    p = Path(path)
    text, origin = read_text_sidecar(p)
    if text and origin is not None:
        return Captions(text, None, CaptionSource.TEXT_SIDECAR, origin)
    text, origin = read_xmp_sidecar(p)
    if text and origin is not None:
        return Captions(text, None, CaptionSource.XMP_SIDECAR, origin)
    text = read_xmp_description(p)
    if text:
        return Captions(text, None, CaptionSource.XMP, p)
    with EmbeddedReader(p) as embedded:
        description, comment = embedded.exif()
        if description:
            return Captions(description, None, CaptionSource.EXIF_DESCRIPTION, p)
        if comment:
            return Captions(comment, None, CaptionSource.EXIF_USER_COMMENT, p)
        text = embedded.iptc()
        if text:
            return Captions(text, None, CaptionSource.IPTC, p)
    return None


# --------------------------------------------------------------------------- text sidecars


def read_text_sidecar(photo: str | os.PathLike[str]) -> tuple[str | None, Path | None]:
    """(caption, sidecar path) from ``photo.ext.txt``, else ``photo.txt``; (None, None) without one.

    The caption is the first non-empty paragraph (paragraphs are separated by blank lines), its lines
    joined by spaces: tools write one paragraph, and people who add notes below a blank line do not want
    them trained on. An empty or whitespace-only sidecar counts as no caption, so later sources still apply.
    """
    p = Path(photo)
    for sidecar in (p.with_name(p.name + ".txt"), p.with_suffix(".txt")):
        if sidecar != p and sidecar.is_file():
            text = _first_paragraph(decode_text(read_bytes(sidecar), sidecar))
            return (text or None), sidecar
    return None, None


def _first_paragraph(text: str) -> str:
    for para in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        joined = " ".join(para.split())
        if joined:
            return joined
    return ""


# --------------------------------------------------------------------------- short captions

_LATIN_END = re.compile(r"[.!?]+[\"'”’»]*(?=\s|$)")  # not inside brackets: "a kite (red!) over"
_CJK_END = re.compile(r"[。！？]+[」』”’]*")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st mt vs etc e.g i.e approx fig ca bzw usw z.b u.a d.h evtl ggf str sr sra dra av "
    "mme mlle cf p.ex".split()
)
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_WORD_OR_CJK = re.compile(f"[{_CJK}]|[^\\s{_CJK}]+")


def short_caption(text: str) -> str:
    """The first sentence of `text`, as Long-CLIP cuts its short captions.

    A sentence ends at ``.``, ``!`` or ``?`` followed by whitespace or the end (so "3.5 m" and "e.g." inside
    a sentence do not end it; a few common abbreviations are skipped), or at ``。``, ``！`` or ``？``
    wherever they are (CJK text has no spaces). Closing quotes stay with the sentence; punctuation
    right before a closing bracket ("a kite (red!) over") ends nothing. A text
    without any sentence end is cut to its first `SHORT_CAPTION_WORDS` words, where a CJK character counts
    half a word (about 40 characters of Chinese).
    """
    text = " ".join(text.split())
    ends = [m.end() for m in _CJK_END.finditer(text)]
    for m in _LATIN_END.finditer(text):
        word = text[: m.start()].rsplit(" ", 1)[-1].lower()
        if m.group(0).startswith(".") and (word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())):
            continue
        ends.append(m.end())
        break
    if ends:
        return text[: min(ends)].strip()
    return _first_words(text, SHORT_CAPTION_WORDS)


def _first_words(text: str, budget: float) -> str:
    used = 0.0
    for token in _WORD_OR_CJK.finditer(text):
        cost = 0.5 if _CJK_CHAR.fullmatch(token.group(0)) else 1.0
        if used + cost > budget:
            return text[: token.start()].rstrip()
        used += cost
    return text
