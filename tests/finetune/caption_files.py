"""Build photos that carry captions in each place `finetune.captions` reads, byte by byte where PIL cannot.

XMP goes in through Pillow's ``xmp=`` save option (JPEG APP1, PNG iTXt); EXIF through `PIL.Image.Exif`;
IPTC has no writer in Pillow, so `iptc_app13` builds the Photoshop APP13 segment (an 8BIM 0x0404 resource
holding IPTC-IIM records) and `insert_segment` puts it after the JPEG's SOI marker.
"""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image

from tests.photo_tree import draw_photo


def xmp_packet(descriptions: dict[str, str] | str, *, attribute: bool = False) -> bytes:
    """An XMP packet whose dc:description is a lang-alt of {xml:lang: text} (a str means x-default).

    `attribute` writes the simple (non-standard but common) attribute form instead.
    """
    if isinstance(descriptions, str):
        descriptions = {"x-default": descriptions}
    if attribute:
        (text,) = descriptions.values()
        body = f'<rdf:Description rdf:about="" dc:description="{escape(text, {chr(34): "&quot;"})}"/>'
    else:
        items = "".join(f'<rdf:li xml:lang="{lang}">{escape(text)}</rdf:li>' for lang, text in descriptions.items())
        alt = f"<dc:description><rdf:Alt>{items}</rdf:Alt></dc:description>"
        body = f'<rdf:Description rdf:about="">{alt}</rdf:Description>'
    xml = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="test">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"{body}</rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    )
    return xml.encode("utf-8")


def exif_with(*, description: str | bytes | None = None, user_comment: bytes | None = None) -> Image.Exif:
    """EXIF with ImageDescription (str: ASCII; bytes: written as is, e.g. UTF-8) and a raw UserComment."""
    e = Image.Exif()
    if description is not None:
        e[0x010E] = description
    if user_comment is not None:
        e.get_ifd(0x8769)[0x9286] = user_comment
    return e


def iptc_app13(caption: bytes, *, utf8: bool = True) -> bytes:
    """A complete APP13 segment with IPTC-IIM 2:120 = `caption` (and 1:90 = ESC % G when `utf8`)."""

    def record(rec: int, dataset: int, data: bytes) -> bytes:
        return b"\x1c" + bytes([rec, dataset]) + struct.pack(">H", len(data)) + data

    iim = (record(1, 90, b"\x1b%G") if utf8 else b"") + record(2, 0, b"\x00\x04") + record(2, 120, caption)
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iim)) + iim
    resource += b"\x00" * (len(iim) % 2)
    payload = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", 2 + len(payload)) + payload


def insert_segment(jpeg: bytes, segment: bytes) -> bytes:
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + segment + jpeg[2:]


def caption_jpeg(
    path: str | os.PathLike[str],
    *,
    color: str = "red",
    size: tuple[int, int] = (64, 48),
    xmp: bytes | None = None,
    description: str | bytes | None = None,
    user_comment: bytes | None = None,
    iptc: bytes | None = None,
    iptc_utf8: bool = True,
) -> Path:
    """A JPEG with any combination of embedded caption sources."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    kw: dict[str, object] = {"quality": 90}
    if xmp is not None:
        kw["xmp"] = xmp
    if description is not None or user_comment is not None:
        kw["exif"] = exif_with(description=description, user_comment=user_comment).tobytes()
    buf = io.BytesIO()
    draw_photo(color, size, "circle").save(buf, "JPEG", **kw)
    data = buf.getvalue()
    if iptc is not None:
        data = insert_segment(data, iptc_app13(iptc, utf8=iptc_utf8))
    p.write_bytes(data)
    return p
