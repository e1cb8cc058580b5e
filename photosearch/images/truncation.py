"""Structural truncation checks: does the container promise more bytes than the file holds?

`ImageFile.LOAD_TRUNCATED_IMAGES` is never set by this package.  If someone else set
it, files are still checked structurally (JPEG marker walk, PNG chunks,
RIFF/ISO-BMFF box sizes, GIF trailer, BMP size, TIFF strip extents) so a
half-copied photo is reported as `TruncatedImage` instead of being indexed
with a grey bottom half.  The same checks tell "truncated" from "corrupt" on error paths.
"""
from __future__ import annotations

import io
import struct

from PIL import Image

from photosearch.safe_open import open_regular


def _structurally_truncated(path: str, size: int, im: Image.Image | None = None) -> bool:
    """True if the container says more bytes should follow than the file has.

    Only used on error paths and when LOAD_TRUNCATED_IMAGES was switched on by
    someone else, so a full read of a JPEG here is acceptable.  `im` (an
    opened TIFF) lets us check strip/tile extents.
    """
    try:
        with open_regular(path) as f:
            head = f.read(32)
            if head.startswith(b"\xff\xd8"):
                f.seek(0)
                return _jpeg_truncated(f.read(size))  # no further: the file may still be growing
            if head.startswith(b"\x89PNG\r\n\x1a\n"):
                return _png_truncated(f, size)
            if head[:4] == b"RIFF" and len(head) >= 8:
                return struct.unpack("<I", head[4:8])[0] + 8 > size
            if head[4:8] == b"ftyp":
                return _bmff_truncated(f, size)
            if head[:6] in (b"GIF87a", b"GIF89a"):
                f.seek(max(0, size - 64))
                return not f.read(64).rstrip(b"\x00\r\n").endswith(b";")  # the trailer byte
            if head[:2] == b"BM" and len(head) >= 6:
                return struct.unpack("<I", head[2:6])[0] > size  # bfSize; 0 when the writer did not set it
            tags = getattr(im, "tag_v2", None)
            if tags is not None:
                for off_tag, len_tag in ((273, 279), (324, 325)):  # strips, tiles
                    offs, lens = tags.get(off_tag), tags.get(len_tag)
                    if offs and lens:
                        offs = offs if isinstance(offs, tuple) else (offs,)
                        lens = lens if isinstance(lens, tuple) else (lens,)
                        return max(o + n for o, n in zip(offs, lens)) > size
    except (OSError, struct.error, TypeError, ValueError):
        return False
    return False


def _jpeg_truncated(data: bytes) -> bool:
    """Walk JPEG markers up to EOI; True if the data runs out first.

    A marker walk rather than "ends with FFD9" because phones append data
    after EOI (motion photos, Samsung trailers) and EXIF thumbnails contain
    their own FFD9 inside APP1.
    """
    n, i = len(data), 2
    while True:
        if i >= n:
            return True
        if data[i] != 0xFF:
            return False  # garbage between segments: corrupt, not truncated
        while i < n and data[i] == 0xFF:
            i += 1
        if i >= n:
            return True
        marker = data[i]
        i += 1
        if marker == 0xD9:
            return False
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue
        if i + 2 > n:
            return True
        i += int.from_bytes(data[i : i + 2], "big")
        if i > n:
            return True
        if marker == 0xDA:  # entropy-coded data runs to the next real marker
            while True:
                j = data.find(b"\xff", i)
                if j < 0 or j + 1 >= n:
                    return True
                nxt = data[j + 1]
                if nxt == 0x00 or 0xD0 <= nxt <= 0xD7:
                    i = j + 2
                elif nxt == 0xFF:
                    i = j + 1
                else:
                    i = j
                    break


def _png_truncated(f: io.BufferedReader, size: int) -> bool:
    pos = 8
    while True:
        f.seek(pos)
        hdr = f.read(8)
        if len(hdr) < 8:
            return True
        length, ctype = struct.unpack(">I4s", hdr)
        pos += 12 + length
        if pos > size:
            return True
        if ctype == b"IEND":
            return False


def _bmff_truncated(f: io.BufferedReader, size: int) -> bool:
    pos = 0
    while pos < size:
        f.seek(pos)
        hdr = f.read(16)
        if len(hdr) < 8:
            return True
        box = struct.unpack(">I", hdr[:4])[0]
        if box == 1:
            if len(hdr) < 16:
                return True
            box = struct.unpack(">Q", hdr[8:16])[0]
        elif box == 0:  # extends to end of file
            return False
        if box < 8:
            return False  # nonsense size: corrupt, not truncated
        pos += box
    return pos > size
