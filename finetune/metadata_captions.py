"""Captions stored as photo metadata: XMP ``dc:description`` (in an ``.xmp`` sidecar or embedded in the
photo), EXIF ImageDescription and UserComment, and the IPTC caption.

These are the formats editors, cameras and agencies write, each with its own encoding quirks; the decoding
lives here so that `finetune.captions.read_captions`, which decides the order sources are tried in, stays a
short list. An ``.xmp`` sidecar exists only to hold metadata, so one that cannot be read or parsed raises
`AlbumError`; metadata inside a photo that cannot be parsed is treated as absent (cameras and old tools write
all sorts of junk), as are the placeholder descriptions cameras fill in ("OLYMPUS DIGITAL CAMERA",
"SONY DSC", blanks).
"""

from __future__ import annotations

import io
import os
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

from PIL import Image

from finetune.user_files import read_bytes, show_path
from photosearch.errors import AlbumError

__all__ = [
    "XMP_SCAN_BYTES",
    "EmbeddedReader",
    "read_xmp_sidecar",
    "read_xmp_description",
    "read_exif_captions",
    "read_iptc_caption",
]

#: How much of a non-JPEG file is searched for an embedded XMP packet (JPEGs: only their header segments).
XMP_SCAN_BYTES = 4 << 20


# --------------------------------------------------------------------------- XMP


_XMP_PACKET = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?x[ma]pmeta\b.*?</(?:\1:)?x[ma]pmeta\s*>", re.S)
_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
}
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def read_xmp_sidecar(photo: str | os.PathLike[str]) -> tuple[str | None, Path | None]:
    """(dc:description, sidecar path) from ``IMG_1.xmp``, else ``IMG_1.jpg.xmp``; (None, None) without one.

    A sidecar without a description does not hide the other one. Raises `AlbumError` for a sidecar that
    exists but cannot be read or is not valid XMP.
    """
    p = Path(photo)
    for sidecar in (p.with_suffix(".xmp"), p.with_name(p.name + ".xmp")):
        if sidecar.is_file():
            text = _xmp_description(read_bytes(sidecar), strict_origin=sidecar)
            if text:
                return text, sidecar
    return None, None


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
        raise AlbumError(f"The XMP file {show_path(strict_origin)} declares a DTD, which XMP never does: re-export it.")
    found_packet = False
    for match in _XMP_PACKET.finditer(data):
        found_packet = True
        packet = match.group(0)  # starts at the root element, so a DTD before it is never parsed
        try:
            root = ET.fromstring(packet)
        except ET.ParseError as e:
            if strict_origin is not None:
                raise AlbumError(
                    f"The XMP file {show_path(strict_origin)} is not valid XML ({e}): re-export it."
                ) from e
            continue
        text = _clean(_description_in(root))
        if text:
            return text
    if strict_origin is not None and not found_packet and data.strip():
        # Some tools write a bare rdf:RDF without the x:xmpmeta wrapper.
        try:
            root = ET.fromstring(data)
        except ET.ParseError as e:
            raise AlbumError(f"The XMP file {show_path(strict_origin)} is not valid XML ({e}): re-export it.") from e
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


class EmbeddedReader:
    """Opens a photo once with PIL for both its EXIF and IPTC captions (`im` None: PIL could not open it).

    `finetune.captions.read_captions` tries EXIF, then IPTC, through one reader, so a photo is opened once.
    """

    def __init__(self, path: Path) -> None:
        self.im = _open_pil(path)

    def __enter__(self) -> EmbeddedReader:
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
    with EmbeddedReader(Path(photo)) as embedded:
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
    with EmbeddedReader(Path(photo)) as embedded:
        return embedded.iptc()
