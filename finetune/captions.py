"""Where a photo's caption comes from: sidecar files, embedded metadata, or a manifest.

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

A manifest (CSV or JSONL: ``path``, ``caption``, optional ``short_caption``, ``lang`` and ``split``) is the
other way to caption an album; `read_manifest` parses one.

Broken input is handled by who wrote it. Files that exist only to hold a caption (``.txt`` and ``.xmp``
sidecars, manifests) raise `AlbumError` when they cannot be read or decoded: silently ignoring what the user
wrote would hide the mistake. Metadata inside a photo that cannot be parsed is treated as absent (cameras
and old tools write all sorts of junk), as are the placeholder descriptions cameras fill in
("OLYMPUS DIGITAL CAMERA", "SONY DSC", blanks).

The short caption: when a source only gives one text, `short_caption` derives it the way Long-CLIP does,
as the first sentence (see its docstring).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from PIL import Image

from photosearch.errors import AlbumError

__all__ = [
    "CAPTION_SOURCES",
    "XMP_SCAN_BYTES",
    "SHORT_CAPTION_WORDS",
    "CaptionSource",
    "Captions",
    "Split",
    "ManifestEntry",
    "read_captions",
    "read_text_sidecar",
    "read_xmp_description",
    "read_exif_captions",
    "read_iptc_caption",
    "read_manifest",
    "short_caption",
]

#: What `read_captions` reads, for messages that tell users how to caption a photo.
CAPTION_SOURCES = (
    "a .txt sidecar (IMG_1.jpg.txt or IMG_1.txt), XMP dc:description (in the photo or an .xmp sidecar), "
    "EXIF ImageDescription or UserComment, or an IPTC caption"
)

#: How much of a non-JPEG file is searched for an embedded XMP packet (JPEGs: only their header segments).
XMP_SCAN_BYTES = 4 << 20

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


@dataclass(frozen=True)
class ManifestEntry:
    """One row of a manifest. `path` is resolved (relative paths against the manifest's folder)."""

    path: Path
    caption: str
    short_caption: str | None
    lang: str | None
    split: Split | None
    line: int


# --------------------------------------------------------------------------- the public entry point


def read_captions(path: str | os.PathLike[str]) -> Captions | None:
    """The photo's caption from the first source that has one (order: see the module docstring), or None.

    Raises `AlbumError` for a sidecar that exists but cannot be read or decoded.
    """
    p = Path(path)
    text, origin = read_text_sidecar(p)
    if text and origin is not None:
        return Captions(text, None, CaptionSource.TEXT_SIDECAR, origin)
    for sidecar in _xmp_sidecars(p):
        if sidecar.is_file():
            data = _read_bytes(sidecar)
            text = _xmp_description(data, strict_origin=sidecar)
            if text:
                return Captions(text, None, CaptionSource.XMP_SIDECAR, sidecar)
    text = read_xmp_description(p)
    if text:
        return Captions(text, None, CaptionSource.XMP, p)
    with _EmbeddedReader(p) as embedded:
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
            text = _first_paragraph(_decode_text(_read_bytes(sidecar), sidecar))
            return (text or None), sidecar
    return None, None


def _decode_text(data: bytes, origin: Path) -> str:
    """UTF-8 (BOM or not) or UTF-16 with a BOM; anything else is the user's to re-save."""
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16").replace("\0", "")
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise AlbumError(
            f"The caption file {_show(origin)} is not UTF-8 text (bad byte at offset {e.start}): save it as UTF-8."
        ) from e
    if "\0" in text:
        raise AlbumError(
            f"The caption file {_show(origin)} looks like UTF-16 without a byte-order mark: save it as UTF-8."
        )
    return text


def _first_paragraph(text: str) -> str:
    for para in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        joined = " ".join(para.split())
        if joined:
            return joined
    return ""


# --------------------------------------------------------------------------- XMP


_XMP_PACKET = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?x[ma]pmeta\b.*?</(?:\1:)?x[ma]pmeta\s*>", re.S)
_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
}
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _xmp_sidecars(photo: Path) -> tuple[Path, Path]:
    return photo.with_suffix(".xmp"), photo.with_name(photo.name + ".xmp")


def read_xmp_description(photo: str | os.PathLike[str]) -> str | None:
    """``dc:description`` from the XMP packet embedded in the photo, or None (none, or unparseable).

    JPEGs are read only up to their image data (XMP lives in an APP1 segment); other formats (TIFF, PNG,
    WebP, HEIC, RAW) have the first `XMP_SCAN_BYTES` searched for the ``<x:xmpmeta>`` packet.
    """
    p = Path(photo)
    try:
        with open(p, "rb") as f:
            head = _jpeg_header(f) if f.read(2) == b"\xff\xd8" else None
            if head is None:
                f.seek(0)
                head = f.read(XMP_SCAN_BYTES)
    except OSError:
        return None
    return _xmp_description(head, strict_origin=None)


def _jpeg_header(f: io.BufferedReader) -> bytes:
    """The JPEG's marker segments up to the start of scan: where APP1 XMP lives, without the pixel data."""
    out = bytearray()
    while len(out) < XMP_SCAN_BYTES:
        marker = f.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            break
        if marker[1] == 0xFF:  # fill byte before a marker
            f.seek(-1, os.SEEK_CUR)
            continue
        if marker[1] in (0xD8, 0x01) or 0xD0 <= marker[1] <= 0xD7:  # no length field
            continue
        if marker[1] == 0xDA:  # start of scan: metadata is over
            break
        size_bytes = f.read(2)
        if len(size_bytes) < 2:
            break
        (size,) = struct.unpack(">H", size_bytes)
        out += f.read(max(0, size - 2))
    return bytes(out)


def _xmp_description(data: bytes, *, strict_origin: Path | None) -> str | None:
    """The first non-empty dc:description of the XMP packets in `data`.

    With `strict_origin` (an .xmp sidecar) a packet that does not parse is the user's error; inside a
    photo it is ignored.
    """
    if strict_origin is not None and (b"<!DOCTYPE" in data or b"<!ENTITY" in data):
        # XMP never declares a DTD; refusing one keeps entity-expansion tricks out of the parser.
        raise AlbumError(f"The XMP file {_show(strict_origin)} declares a DTD, which XMP never does: re-export it.")
    found_packet = False
    for match in _XMP_PACKET.finditer(data):
        found_packet = True
        packet = match.group(0)  # starts at the root element, so a DTD before it is never parsed
        try:
            root = ET.fromstring(packet)
        except ET.ParseError as e:
            if strict_origin is not None:
                raise AlbumError(f"The XMP file {_show(strict_origin)} is not valid XML ({e}): re-export it.") from e
            continue
        text = _clean(_description_in(root))
        if text:
            return text
    if strict_origin is not None and not found_packet and data.strip():
        # Some tools write a bare rdf:RDF without the x:xmpmeta wrapper.
        try:
            root = ET.fromstring(data)
        except ET.ParseError as e:
            raise AlbumError(f"The XMP file {_show(strict_origin)} is not valid XML ({e}): re-export it.") from e
        return _clean(_description_in(root))
    return None


def _description_in(root: ET.Element) -> str | None:
    """dc:description's x-default alternative, else its first one; also the simple and attribute forms."""
    dc_desc = f"{{{_NS['dc']}}}description"
    for desc in root.iter(f"{{{_NS['rdf']}}}Description"):
        attr = desc.get(dc_desc)
        if attr and attr.strip():
            return " ".join(attr.split())
    for element in root.iter(dc_desc):
        items = list(element.iter(f"{{{_NS['rdf']}}}li"))
        chosen = next((li for li in items if li.get(_XML_LANG) == "x-default"), items[0] if items else None)
        text = "".join(chosen.itertext()) if chosen is not None else "".join(element.itertext())
        text = " ".join(text.split())
        if text:
            return text
    return None


# --------------------------------------------------------------------------- EXIF and IPTC

# Content formats opened for EXIF/IPTC. Restricting Image.open keeps exotic plugins (EPS) out of reach.
_PIL_FORMATS = ("JPEG", "MPO", "TIFF", "PNG", "WEBP", "HEIF", "AVIF")

# Descriptions cameras write on their own; they describe nothing.
_CAMERA_PLACEHOLDER = re.compile(
    r"^(?:[A-Z][\w-]*\s+){0,2}(?i:digital\s+(?:still\s+)?camera|dsc|digital\s+image)$"
    r"|^(?i:default|untitled|image|picture|photo|dcim|description)$"
)

_TAG_IMAGE_DESCRIPTION = 0x010E
_TAG_USER_COMMENT = 0x9286
_IFD_EXIF = 0x8769


def _open_pil(p: Path) -> Image.Image | None:
    Image.init()
    try:
        return Image.open(p, formats=tuple(f for f in _PIL_FORMATS if f in Image.OPEN))
    except Exception:  # not openable here (RAW, damaged): no EXIF/IPTC caption, the loader reports the file
        return None


class _EmbeddedReader:
    """Opens a photo once with PIL for both its EXIF and IPTC captions (None: PIL could not open it)."""

    def __init__(self, path: Path) -> None:
        self.im = _open_pil(path)

    def __enter__(self) -> _EmbeddedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.im is not None:
            self.im.close()

    def exif(self) -> tuple[str | None, str | None]:
        if self.im is None:
            return None, None
        try:
            exif = self.im.getexif()
            raw_desc = exif.get(_TAG_IMAGE_DESCRIPTION)
            raw_comment = exif.get_ifd(_IFD_EXIF).get(_TAG_USER_COMMENT)
            endian = getattr(exif, "endian", None)
        except Exception:  # a damaged EXIF block is no caption, not an error
            return None, None
        return _clean(_exif_ascii(raw_desc)), _clean(_user_comment(raw_comment, endian))

    def iptc(self) -> str | None:
        from PIL import IptcImagePlugin

        if self.im is None:
            return None
        try:
            info = IptcImagePlugin.getiptcinfo(self.im)  # type: ignore[arg-type]
        except Exception:  # damaged IPTC is no caption
            return None
        if not info:
            return None
        value = info.get((2, 120))
        if isinstance(value, list):
            value = next((v for v in value if v), None)
        if not isinstance(value, bytes):
            return None
        charset = info.get((1, 90))
        if isinstance(charset, bytes) and b"\x1b%G" in charset:
            return _clean(value.decode("utf-8", "replace"))
        return _clean(_utf8_or_latin1(value))


def read_exif_captions(photo: str | os.PathLike[str]) -> tuple[str | None, str | None]:
    """(ImageDescription, UserComment) from the photo's EXIF, each None when absent, empty or a placeholder."""
    with _EmbeddedReader(Path(photo)) as embedded:
        return embedded.exif()


def _exif_ascii(value: object) -> str | None:
    """EXIF ASCII tags are often UTF-8 in practice (ExifTool, phones); Pillow decodes them as Latin-1."""
    if isinstance(value, bytes):
        raw = value
    elif isinstance(value, str):
        try:
            raw = value.encode("latin-1")
        except UnicodeEncodeError:
            return value
    else:
        return None
    return _utf8_or_latin1(raw)


def _utf8_or_latin1(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def _user_comment(value: object, endian: str | None) -> str | None:
    """Decode UserComment's 8-byte character-code prefix: ASCII, UNICODE (UTF-16), JIS, or undefined."""
    if isinstance(value, str):
        return value
    if not isinstance(value, bytes) or not value:
        return None
    code, body = value[:8], value[8:]
    if code.startswith(b"UNICODE"):
        return _utf16(body, endian)
    if code.startswith(b"JIS"):
        return _jis(body)
    if code.startswith(b"ASCII") or code == b"\0" * 8:
        return _utf8_or_latin1(body)
    return _utf8_or_latin1(value)  # no prefix at all: some cameras write the text straight in


def _utf16(body: bytes, endian: str | None) -> str:
    """UTF-16 in the EXIF block's byte order, unless a BOM or the zero bytes of Latin text say otherwise."""
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body.decode("utf-16", "replace")
    body = body[: len(body) // 2 * 2]
    zeros_even = body[0::2].count(0)
    zeros_odd = body[1::2].count(0)
    if zeros_even > zeros_odd:
        codec = "utf-16-be"
    elif zeros_odd > zeros_even:
        codec = "utf-16-le"
    else:
        codec = "utf-16-be" if endian in (">", "MM") else "utf-16-le"
    return body.decode(codec, "replace")


def _jis(body: bytes) -> str:
    """The EXIF "JIS" code: ISO-2022-JP when it has escape sequences; in practice often Shift_JIS or EUC-JP."""
    codecs = ("iso2022_jp",) if b"\x1b" in body else ("shift_jis", "euc_jp", "utf-8")
    for codec in codecs:
        try:
            return body.decode(codec)
        except UnicodeDecodeError:
            continue
    return body.decode("shift_jis", "replace")


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.replace("\0", " ").split())
    if not text or _CAMERA_PLACEHOLDER.match(text):
        return None
    return text


def read_iptc_caption(photo: str | os.PathLike[str]) -> str | None:
    """The IPTC-IIM caption/abstract (record 2, dataset 120) of a JPEG or TIFF, or None.

    Decoded as UTF-8 when record 1:90 says so (ESC % G) or the bytes are valid UTF-8, else as Windows-1252,
    which is what pre-Unicode tools wrote.
    """
    with _EmbeddedReader(Path(photo)) as embedded:
        return embedded.iptc()


# --------------------------------------------------------------------------- manifests

_MANIFEST_KINDS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def read_manifest(path: str | os.PathLike[str]) -> list[ManifestEntry]:
    """Parse a CSV (header row), TSV or JSONL manifest with ``path`` and ``caption`` (required),
    ``short_caption``, ``lang`` and ``split`` (``train``/``val``; optional, empty means not given).

    Relative paths are resolved against the manifest's folder, so an album and its manifest can move
    together. A path may appear more than once (several captions of one photo). Whether the photos exist is
    the album's business (it can skip missing ones); this only checks the manifest itself.
    """
    m = Path(path)
    kind = _MANIFEST_KINDS.get(m.suffix.lower())
    if kind is None:
        raise AlbumError(f"The manifest {_show(m)} is neither .csv, .tsv nor .jsonl: rename it to say which it is.")
    text = _decode_text(_read_bytes(m), m)
    rows = _jsonl_rows(text, m) if kind == "jsonl" else _csv_rows(text, m, "\t" if kind == "tsv" else ",")
    base = m.parent
    out: list[ManifestEntry] = []
    for line, row in rows:
        raw_path = _field(row, "path", m, line)
        if not raw_path:
            raise AlbumError(
                f"The manifest {_show(m)} has an empty path on line {line}: fill it in or remove the line."
            )
        caption = " ".join(_field(row, "caption", m, line).split())
        short = " ".join(str(row.get("short_caption") or "").split()) or None
        lang = str(row.get("lang") or "").strip().lower() or None
        split_text = str(row.get("split") or "").strip().lower()
        split: Split | None = None
        if split_text:
            try:
                split = Split(split_text)
            except ValueError:
                raise AlbumError(
                    f"The manifest {_show(m)} has split {split_text!r} on line {line}: "
                    "use 'train', 'val' or leave it empty."
                ) from None
        p = Path(os.path.expanduser(raw_path))
        out.append(ManifestEntry(p if p.is_absolute() else base / p, caption, short, lang, split, line))
    if not out:
        raise AlbumError(f"The manifest {_show(m)} lists no photos: add one line per photo with its path and caption.")
    return out


def _field(row: dict[str, object], key: str, m: Path, line: int) -> str:
    if key not in row:
        raise AlbumError(
            f"The manifest {_show(m)} has no {key!r} on line {line}: every entry needs 'path' and 'caption'."
        )
    value = row[key]
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)):
        raise AlbumError(f"The manifest {_show(m)} has a non-text {key!r} on line {line}: write it as a string.")
    return str(value).strip()


def _jsonl_rows(text: str, m: Path) -> list[tuple[int, dict[str, object]]]:
    rows = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise AlbumError(f"The manifest {_show(m)} has invalid JSON on line {n} ({e.msg}): fix that line.") from e
        if not isinstance(obj, dict):
            raise AlbumError(f"The manifest {_show(m)} line {n} is not a JSON object: write one {{...}} per line.")
        rows.append((n, obj))
    return rows


def _csv_rows(text: str, m: Path, delimiter: str) -> list[tuple[int, dict[str, object]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [k for k in ("path", "caption") if k not in header]
    if missing:
        raise AlbumError(
            f"The manifest {_show(m)} has no {' or '.join(repr(k) for k in missing)} column: "
            "its first row must name the columns (path, caption, optionally short_caption, lang, split)."
        )
    reader.fieldnames = header
    rows = []
    for row in reader:
        if not any((v or "").strip() for k, v in row.items() if k is not None and isinstance(v, str)):
            continue
        rows.append((reader.line_num, {k: v for k, v in row.items() if k is not None}))
    return rows


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


# --------------------------------------------------------------------------- helpers


def _read_bytes(p: Path) -> bytes:
    try:
        return p.read_bytes()
    except OSError as e:
        raise AlbumError(f"Cannot read {_show(p)} ({e.strerror or e}): check that the file is readable.") from e


def _show(p: Path | str) -> str:
    """A path on one line, whatever characters its name holds."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in os.fspath(p))
