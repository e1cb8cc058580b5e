"""The one place that turns a photo file into RGB pixels and metadata.

Indexing (CLIP encoders) and thumbnails (the Qt UI) both go through here, so
every format quirk -- EXIF orientation, HEIC, 16-bit PNGs, CMYK JPEGs, RAW
previews, truncated uploads, decompression bombs -- is handled exactly once
and both consumers agree on what a photo looks like.

Design notes:

* Everything is a pure function of the file, so the indexer can run it in
  worker processes; `LoadedImage` / `ImageMetadata` and every `ImageError`
  pickle cleanly.
* Only our own exception hierarchy escapes (`ImageError` and subclasses),
  because the indexer must record a reason per file and keep going; a stray
  `struct.error` from a PIL plugin would otherwise abort a whole batch.
* Our pixel cap is checked against the *declared* size right after
  `Image.open` (which only parses headers), so it holds no matter what some
  other code has done to the process-global `Image.MAX_IMAGE_PIXELS`.  PIL's
  own limit (179 MP by default) would refuse a real 200 MP phone photo before
  our cap is consulted, so this module hands that job to our cap: it sets
  `Image.MAX_IMAGE_PIXELS = None` once at import.
* `ImageFile.LOAD_TRUNCATED_IMAGES` is never set here.  If someone else set
  it, files are still checked structurally (JPEG marker walk, PNG chunks,
  RIFF/ISO-BMFF box sizes, GIF trailer, BMP size, TIFF strip extents) so a
  half-copied photo is reported as `TruncatedImage` instead of being indexed
  with a grey bottom half.
* Every byte is read through one descriptor from `photosearch.safe_open.open_regular`
  (stat, O_NONBLOCK open, fstat), so a FIFO, socket, device or folder named like
  a photo is an `UnreadableFile` at once, never a hang or an endless read.
* With a `target`, both sides are bounded (`MAX_ASPECT`): a 10000x1 strip
  would otherwise become gigabytes in the caller's short-side resize.
* No Qt imports: thumbnails are handed over as PIL images.
"""
from __future__ import annotations

import io
import math
import os
import re
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime, timedelta, timezone
from typing import BinaryIO, Literal

from PIL import ExifTags, Image, ImageFile, UnidentifiedImageError

from photosearch.errors import PhotoSearchError
from photosearch.safe_open import NotRegularFile, open_regular

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "RAW_EXTENSIONS",
    "MAX_PIXELS",
    "ImageError",
    "UnreadableFile",
    "UnsupportedImage",
    "MissingCodec",
    "CorruptImage",
    "TruncatedImage",
    "TooLarge",
    "TakenAtSource",
    "ImageMetadata",
    "LoadedImage",
    "is_supported",
    "read_metadata",
    "load_image",
]

RAW_EXTENSIONS: frozenset[str] = frozenset({".cr2", ".cr3", ".nef", ".arw", ".dng", ".raf", ".orf", ".rw2"})
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".tif", ".tiff", ".gif", ".bmp", ".heic", ".heif", ".avif"}
) | RAW_EXTENSIONS

#: Default cap on declared pixels.  200 MP lets today's largest phone sensors
#: (16320 x 12240) through while refusing crafted headers that would make us
#: allocate gigabytes.
MAX_PIXELS = 200_000_000
Image.MAX_IMAGE_PIXELS = None  # our declared-size cap (above) replaces PIL's stricter global one

#: Widest aspect ratio (long side : short side) `load_image` hands out when given a `target`; a wider
#: image keeps its centre.  The pixel cap alone does not bound what callers make of a strip: every encoder
#: scales the *short* side up to its input size, so a 111-byte 10000x1 PNG became a 2,240,000x224 image
#: (+2.0 GB peak RSS measured with the 224 px CLIP transform) and a 100000x1 one a MemoryError.  At 20:1
#: that step stays under 224 x 4480 (3 MB), the central square the encoders crop is unchanged, and real
#: panoramas (a few to one) are untouched.
MAX_ASPECT = 20

_RAW_HINT = "RAW files need rawpy: pip install 'photosearch[raw]'"
_HEIF_HINT = "HEIC/HEIF files need pillow-heif: pip install pillow-heif"

# Content we accept regardless of the file's extension (misnamed files are common).
# Restricting Image.open also keeps exotic plugins (EPS runs Ghostscript) out of reach.
_PIL_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "TIFF", "GIF", "BMP", "AVIF", "HEIF")


# --------------------------------------------------------------------------- errors


class ImageError(PhotoSearchError):
    """Base of everything `load_image`/`read_metadata` raise for a bad file.

    `reason` is a short human-readable sentence meant to be stored by the
    indexer and shown in the UI; `path` is the file it concerns.
    """

    def __init__(self, reason: str, path: str | None = None) -> None:
        super().__init__(reason, path)
        self.reason = reason
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


class UnreadableFile(ImageError):
    """The OS would not give us the bytes (missing, permission, I/O error, a directory)."""


class UnsupportedImage(ImageError):
    """The content is recognisable but not something we decode (PDF, JPEG XL, video...)."""


class MissingCodec(UnsupportedImage):
    """Decodable once an optional dependency is installed; worth re-trying after an upgrade."""


class CorruptImage(ImageError):
    """The bytes are damaged or are not an image at all; re-trying will not help."""


class TruncatedImage(ImageError):
    """The data stops early -- typically a copy or download still in progress.

    Kept distinct from `CorruptImage` so the indexer can re-try files that were
    modified recently.  Zero-byte files land here too, for the same reason.
    """


class TooLarge(ImageError):
    """Declared dimensions exceed the pixel cap (or memory ran out decoding)."""


# --------------------------------------------------------------------------- results

TakenAtSource = Literal["exif", "exif_local", "mtime"]
"""Where `taken_at` came from:

* ``"exif"``: DateTimeOriginal (or DateTimeDigitized) with an OffsetTime* tag,
  so the instant is exact.
* ``"exif_local"``: the EXIF date had no offset; it was read as wall-clock
  time in the time zone of the machine doing the indexing (what most photo
  apps do), so it may be off by the photographer's UTC offset.
* ``"mtime"``: no usable EXIF date; the file's modification time.
"""


@dataclass(frozen=True, kw_only=True)
class ImageMetadata:
    """What the index stores about a photo, readable without decoding pixels.

    `width`/`height` are the full-resolution size *as displayed* (after the
    EXIF orientation), not the size of a draft-decoded image.  `format` is
    PIL's name for the content (JPEG, PNG, WEBP, TIFF, GIF, BMP, HEIF, AVIF;
    multi-picture JPEGs report JPEG) or "RAW", whatever the extension says.
    `orientation` is the EXIF value (1-8) as stored; pixels are already upright.  `taken_at` is
    unix seconds (UTC epoch, float); see `TakenAtSource` for how trustworthy
    it is; `utc_offset_s` recovers the camera's own clock (taken_at + offset) when EXIF had an offset.  GPS is decimal degrees, negative for S/W, None when absent or
    bogus (including the 0,0 that some cameras write without a fix).
    """

    width: int
    height: int
    orientation: int
    format: str
    taken_at: float
    taken_at_source: TakenAtSource
    utc_offset_s: int | None = None  # the camera's UTC offset when EXIF recorded it ("exif" source only)
    camera_make: str | None = None
    camera_model: str | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None


@dataclass(frozen=True, kw_only=True)
class LoadedImage(ImageMetadata):
    """Decoded pixels plus their metadata.

    `image` is always mode RGB, orientation already applied, alpha composited
    on white.  With a `target` it may be smaller than `width` x `height`
    (JPEG draft decoding / integer box reduction) but its short side is never
    below `target` unless the original is smaller, and its long side is at
    most `MAX_ASPECT` times its short side (the centre of a wider strip).
    """

    image: Image.Image

    @property
    def metadata(self) -> ImageMetadata:
        """The metadata alone, e.g. to hand to the database without pixels."""
        return ImageMetadata(**{f.name: getattr(self, f.name) for f in fields(ImageMetadata)})


# --------------------------------------------------------------------------- public API


def is_supported(path: str | os.PathLike[str]) -> bool:
    """True if the extension is one we try to load (case-insensitive); content is not checked."""
    return os.path.splitext(os.fspath(path))[1].lower() in SUPPORTED_EXTENSIONS


def read_metadata(path: str | os.PathLike[str], *, max_pixels: int | None = MAX_PIXELS) -> ImageMetadata:
    """Metadata from headers only, for cheap change detection and the index.

    Enforces the same pixel cap as `load_image`, so a file gets the same
    verdict from both.  (PNG EXIF stored after the pixel data is skipped here
    rather than paying for a decode; `load_image` sees it.)
    """
    p = os.fspath(path)
    with _open_file(p) as (f, st):
        if _is_raw(p):
            return _raw_metadata(p, f, st, max_pixels)
        with _open(p, f, st, max_pixels) as im:
            exif = _exif_before_load(im)
            return _build_metadata(im, exif, st)


def load_image(
    path: str | os.PathLike[str], target: int | None = None, *, max_pixels: int | None = MAX_PIXELS
) -> LoadedImage:
    """Decode a photo to an upright RGB PIL image plus metadata.

    `target` is the smallest side the caller needs (336 for an encoder, 256
    for a thumbnail).  JPEGs are then DCT-scaled by 1/2..1/8 while decoding
    (3-4x faster on camera-sized files) and other formats are box-reduced by
    an integer factor, so the short side ends up in [target, 2*target) for
    big photos: the caller still does its own final resize, but on a small
    image, and workers ship small pickles back.  `max_pixels=None` disables
    our cap (PIL's own limit still applies).
    """
    if target is not None and target < 1:
        raise ValueError(f"target must be a positive number of pixels, got {target!r}")
    p = os.fspath(path)
    with _open_file(p) as (f, st):
        if _is_raw(p):
            return _load_raw(p, f, st, target, max_pixels)
        with _open(p, f, st, max_pixels) as im:
            exif = _exif_before_load(im)
            meta = _build_metadata(im, exif, st)
            if target is not None and im.format in ("JPEG", "MPO"):
                im.draft(None, (target, target))
            _decode(im, p, st)
            if exif is None:  # PNG whose eXIf chunk follows the pixel data: now we have it
                exif = _safe_exif(im)
                meta = _build_metadata(im, exif, st)
            pending = _orientation(_safe_exif(im))  # what the plugin has not already applied
            rgb = _finish(im, p, target, pending)
    return LoadedImage(image=rgb, **_meta_fields(meta))


# --------------------------------------------------------------------------- opening


@contextmanager
def _open_file(path: str) -> Iterator[tuple[BinaryIO, os.stat_result]]:
    """The open file and its fstat; a folder, FIFO, socket or device is refused before any byte is read.

    Everything below reads through this one descriptor (or, for LibRaw, `_reopen_path` of it), so a file
    swapped for a FIFO after the check cannot block us either (see `photosearch.safe_open`).
    """
    try:
        f = open_regular(path)
    except NotRegularFile as e:
        raise UnreadableFile(e.strerror, path) from e
    except OSError as e:
        raise UnreadableFile(_os_reason(e), path) from e
    with f:
        st = os.fstat(f.fileno())
        if st.st_size == 0:
            raise TruncatedImage("empty file (0 bytes)", path)
        yield f, st


def _reopen_path(f: BinaryIO, path: str) -> str:
    """A name for the very file `f` holds, for libraries that insist on opening a path themselves (LibRaw).

    /dev/fd/N (Linux, macOS, BSDs) re-opens the checked file, not whatever `path` names by now.
    """
    fd_path = f"/dev/fd/{f.fileno()}"
    return fd_path if os.path.exists(fd_path) else path


_heif_lock = threading.Lock()
_heif_state: bool | None = None  # None: not tried yet


def _ensure_heif() -> bool:
    """Register pillow-heif's opener once per process, on first use.

    Lazy because importing libheif costs time in every worker and the UI even
    when a library holds no HEIC at all; once because re-registering is
    wasteful.  Returns whether HEIF decoding is available.
    """
    global _heif_state
    if _heif_state is None:
        with _heif_lock:
            if _heif_state is None:
                try:
                    import pillow_heif

                    pillow_heif.register_heif_opener()
                    _heif_state = True
                except Exception:  # not installed or broken native lib: HEIC becomes MissingCodec
                    _heif_state = False
    return bool(_heif_state)


def _allowed_formats() -> tuple[str, ...]:
    Image.init()
    return tuple(f for f in _PIL_FORMATS if f in Image.OPEN)


@contextmanager
def _open(
    path: str, f: BinaryIO, st: os.stat_result, max_pixels: int | None
) -> Iterator[ImageFile.ImageFile]:
    """Image.open of the checked file `f` with errors mapped and our pixel cap checked before any decoding."""
    _ensure_heif()
    try:
        f.seek(0)
        im = Image.open(f, formats=_allowed_formats())
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise TooLarge(f"image too large: {e}", path) from e
    except UnidentifiedImageError as e:
        raise _unidentified(path, st) from e
    except MemoryError as e:
        raise TooLarge("not enough memory to read the image header", path) from e
    except Exception as e:
        raise _classify(e, path, st, fmt=None) from e
    try:
        _check_pixels(im.size, max_pixels, path)
        yield im  # type: ignore[misc]
    except ImageError:
        raise
    except MemoryError as e:
        raise TooLarge("not enough memory to decode the image", path) from e
    except Exception as e:  # safety net: metadata/draft/convert must not leak PIL's exception zoo
        raise _classify(e, path, st, fmt=im.format) from e
    finally:
        im.close()


def _check_pixels(size: tuple[int, int], max_pixels: int | None, path: str) -> None:
    w, h = size
    if w <= 0 or h <= 0:
        raise CorruptImage(f"invalid dimensions {w}x{h}", path)
    if max_pixels is not None and w * h > max_pixels:
        raise TooLarge(
            f"image too large: {w}x{h} = {w * h / 1e6:.1f} MP exceeds the {max_pixels / 1e6:g} MP limit", path
        )


def _decode(im: ImageFile.ImageFile, path: str, st: os.stat_result) -> None:
    try:
        im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise TooLarge(f"image too large: {e}", path) from e
    except MemoryError as e:
        raise TooLarge(f"not enough memory to decode {im.size[0]}x{im.size[1]} pixels", path) from e
    except Exception as e:
        raise _classify(e, path, st, fmt=im.format) from e
    if ImageFile.LOAD_TRUNCATED_IMAGES and _structurally_truncated(path, st.st_size, im):
        # Someone flipped the global; PIL will have padded the missing rows with grey.
        raise TruncatedImage(f"truncated {im.format} (data ends early)", path)


# --------------------------------------------------------------------------- error mapping


def _os_reason(e: OSError) -> str:
    return e.strerror or str(e) or type(e).__name__


_TRUNCATION_WORDS = ("truncated", "premature end", "unexpected end", "end of file", "not enough data")


def _classify(e: BaseException, path: str, st: os.stat_result, fmt: str | None) -> ImageError:
    """Turn whatever PIL/libheif/the OS threw into one of ours, with a readable reason."""
    if isinstance(e, ImageError):
        return e
    if isinstance(e, OSError) and e.errno is not None and not isinstance(e, UnidentifiedImageError):
        return UnreadableFile(_os_reason(e), path)
    msg = str(e).strip() or type(e).__name__
    kind = fmt or _sniff(path)[0] or "image"
    if "decompressed data too large" in msg.lower():  # PIL's cap on zTXt/iTXt/iCCP chunks (1 MB)
        return TooLarge(f"{kind} metadata chunk too large when decompressed (a decompression bomb)", path)
    if (
        isinstance(e, EOFError)
        or any(w in msg.lower() for w in _TRUNCATION_WORDS)
        or _structurally_truncated(path, st.st_size)
    ):
        return TruncatedImage(f"truncated {kind}: {msg}", path)
    return CorruptImage(f"corrupt {kind}: {msg}", path)


def _unidentified(path: str, st: os.stat_result) -> ImageError:
    """PIL recognised nothing: say what the bytes actually are."""
    kind, what = _sniff(path)
    if kind == "HEIF" and not _ensure_heif():
        return MissingCodec(_HEIF_HINT, path)
    if kind == "AVIF" and "AVIF" not in _allowed_formats():
        return MissingCodec("AVIF files need Pillow built with libavif (Pillow >= 11.2 wheels have it)", path)
    if kind is not None:  # one of ours, but the header did not parse
        if _structurally_truncated(path, st.st_size):
            return TruncatedImage(f"truncated {kind}: data ends inside the header", path)
        return CorruptImage(f"corrupt {kind}: header could not be parsed", path)
    if what is not None:
        return UnsupportedImage(f"unsupported format: {what}", path)
    head = _head(path, 64)
    if _looks_like_text(head):
        preview = head.decode("utf-8", "replace").splitlines()[0][:40] if head.strip() else ""
        return CorruptImage(f"not an image: the file contains text ({preview!r})", path)
    return CorruptImage(f"not an image: unrecognised content (starts with {head[:8].hex(' ')})", path)


def _head(path: str, n: int) -> bytes:
    try:
        with open_regular(path) as f:
            return f.read(n)
    except OSError:
        return b""


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        s = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(c.isprintable() or c in "\r\n\t" for c in s)


_FTYP_HEIF = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_FTYP_AVIF = {b"avif", b"avis"}


def _sniff(path: str) -> tuple[str | None, str | None]:
    """(our format name, None) for formats we handle, (None, description) for others we recognise."""
    h = _head(path, 32)
    if h.startswith(b"\xff\xd8\xff"):
        return "JPEG", None
    if h.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG", None
    if h[:4] == b"RIFF" and h[8:12] == b"WEBP":
        return "WEBP", None
    if h[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF", None
    if h[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF", None
    if h[:2] == b"BM":
        return "BMP", None
    if h[4:8] == b"ftyp":
        brand = h[8:12]
        if brand in _FTYP_AVIF:
            return "AVIF", None
        if brand in _FTYP_HEIF:
            return "HEIF", None
        if brand == b"crx ":
            return None, "Canon CR3 RAW with a non-RAW extension"
        return None, f"ISO media file (brand {brand.decode('latin-1')!r}, probably a video)"
    if h.startswith(b"\xff\x0a") or h.startswith(b"\x00\x00\x00\x0cJXL "):
        return None, "JPEG XL"
    if h.startswith(b"%PDF"):
        return None, "PDF document"
    if h.startswith(b"%!PS") or h.startswith(b"\xc5\xd0\xd3\xc6"):
        return None, "PostScript/EPS"
    if h.startswith(b"8BPS"):
        return None, "Photoshop PSD"
    if h.startswith(b"FUJIFILMCCD-RAW"):
        return None, "Fujifilm RAF RAW with a non-RAW extension"
    if h.lstrip().startswith((b"<svg", b"<?xml")):
        return None, "SVG/XML (vector graphics are not supported)"
    return None, None


# --------------------------------------------------------------------------- truncation checks


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


# --------------------------------------------------------------------------- metadata


def _safe_exif(im: Image.Image) -> Image.Exif:
    """EXIF, or an empty one: broken EXIF must never cost us a photo."""
    try:
        return im.getexif()
    except Exception:
        return Image.Exif()


def _exif_before_load(im: Image.Image) -> Image.Exif | None:
    """EXIF without decoding pixels; None if it can only be had after decoding.

    PngImageFile.getexif() decodes the whole image when the eXIf chunk has not
    been seen yet (it may follow IDAT); we do not want that in read_metadata.
    """
    if im.format == "PNG" and "exif" not in im.info:
        return None
    return _safe_exif(im)


def _orientation(exif: Image.Exif | None) -> int:
    if exif is None:
        return 1
    try:
        v = int(exif.get(ExifTags.Base.Orientation, 1))
    except (TypeError, ValueError):
        return 1
    return v if 1 <= v <= 8 else 1


def _display_size(im: Image.Image, orientation: int) -> tuple[int, int]:
    w, h = im.size
    if orientation in (5, 6, 7, 8):
        tags = getattr(im, "tag_v2", None)
        if tags is not None and (tags.get(256), tags.get(257)) != (w, h):
            return w, h  # PIL's TIFF plugin reports the size already rotated
        return h, w
    return w, h


def _build_metadata(im: Image.Image, exif: Image.Exif | None, st: os.stat_result) -> ImageMetadata:
    orientation = _orientation(exif)
    width, height = _display_size(im, orientation)
    original = im.info.get("original_orientation")  # pillow-heif applied it and reset the tag to 1
    if isinstance(original, int) and 1 <= original <= 8:
        orientation = original
    fmt = "JPEG" if im.format == "MPO" else (im.format or "unknown")  # MPO: a JPEG with extra frames
    return _metadata(width, height, orientation, fmt, exif, st)


def _metadata(
    width: int, height: int, orientation: int, fmt: str, exif: Image.Exif | None, st: os.stat_result
) -> ImageMetadata:
    """The EXIF-derived fields (date, camera, GPS) are read the same way for every format, RAW included."""
    taken_at, source, utc_offset = _taken_at(exif, st)
    make, model = _camera(exif)
    lat, lon = _gps(exif)
    return ImageMetadata(
        width=width,
        height=height,
        orientation=orientation,
        format=fmt,
        taken_at=taken_at,
        taken_at_source=source,
        utc_offset_s=utc_offset,
        camera_make=make,
        camera_model=model,
        gps_lat=lat,
        gps_lon=lon,
    )


def _meta_fields(meta: ImageMetadata) -> dict[str, object]:
    return {f.name: getattr(meta, f.name) for f in fields(ImageMetadata)}


def _text(v: object) -> str | None:
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    if not isinstance(v, str):
        return None
    s = v.replace("\x00", " ").strip()
    return s or None


_DT_RE = re.compile(r"^(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?")
_OFFSET_RE = re.compile(r"^([+-])(\d{1,2}):?(\d{2})$")


def _parse_exif_time(dt: object, offset: object, subsec: object) -> tuple[float, int | None] | None:
    """(unix seconds, UTC offset in seconds or None) from EXIF's 'YYYY:MM:DD HH:MM:SS' + '+02:00' + '123'."""
    s = _text(dt)
    if not s:
        return None
    m = _DT_RE.match(s)
    if not m:
        return None
    y, mo, d, hh, mi, ss = (int(x) if x else 0 for x in m.groups())
    try:
        naive = datetime(y, mo, d, hh, mi, ss)
    except ValueError:  # "0000:00:00 00:00:00" and friends
        return None
    if y < 1826:  # before the first photograph: a placeholder, not a date
        return None
    frac = 0.0
    sub = _text(subsec)
    if sub and sub.isdigit():
        frac = int(sub) / 10 ** len(sub)
    off = _text(offset)
    om = _OFFSET_RE.match(off) if off else None
    try:
        if om:
            sign = -1 if om.group(1) == "-" else 1
            delta = sign * timedelta(hours=int(om.group(2)), minutes=int(om.group(3)))
            return naive.replace(tzinfo=timezone(delta)).timestamp() + frac, int(delta.total_seconds())
        return naive.timestamp() + frac, None
    except (ValueError, OverflowError, OSError):
        return None


def _taken_at(exif: Image.Exif | None, st: os.stat_result) -> tuple[float, TakenAtSource, int | None]:
    if exif is not None:
        try:
            sub = exif.get_ifd(ExifTags.IFD.Exif)
        except Exception:
            sub = {}
        for dt_tag, off_tag, ss_tag in (
            (ExifTags.Base.DateTimeOriginal, ExifTags.Base.OffsetTimeOriginal, ExifTags.Base.SubsecTimeOriginal),
            (ExifTags.Base.DateTimeDigitized, ExifTags.Base.OffsetTimeDigitized, ExifTags.Base.SubsecTimeDigitized),
        ):
            parsed = _parse_exif_time(sub.get(dt_tag), sub.get(off_tag), sub.get(ss_tag))
            if parsed is not None:
                return parsed[0], "exif" if parsed[1] is not None else "exif_local", parsed[1]
    return st.st_mtime, "mtime", None


def _camera(exif: Image.Exif | None) -> tuple[str | None, str | None]:
    if exif is None:
        return None, None
    return _text(exif.get(ExifTags.Base.Make)), _text(exif.get(ExifTags.Base.Model))


def _dms(v: object) -> float | None:
    try:
        if isinstance(v, (tuple, list)):
            parts = [float(x) for x in v][:3]
            parts += [0.0] * (3 - len(parts))
            deg = abs(parts[0]) + parts[1] / 60 + parts[2] / 3600
            return -deg if parts[0] < 0 else deg
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def _gps(exif: Image.Exif | None) -> tuple[float | None, float | None]:
    if exif is None:
        return None, None
    try:
        g = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:
        return None, None
    if not g:
        return None, None
    lat, lon = _dms(g.get(ExifTags.GPS.GPSLatitude)), _dms(g.get(ExifTags.GPS.GPSLongitude))
    if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
        return None, None
    lat_ref = (_text(g.get(ExifTags.GPS.GPSLatitudeRef)) or "N")[:1].upper()
    lon_ref = (_text(g.get(ExifTags.GPS.GPSLongitudeRef)) or "E")[:1].upper()
    if lat_ref == "S":
        lat = -abs(lat)
    if lon_ref == "W":
        lon = -abs(lon)
    if abs(lat) > 90 or abs(lon) > 180 or (lat == 0 and lon == 0):
        return None, None
    return lat, lon


# --------------------------------------------------------------------------- pixels

_TRANSPOSE = {  # same table as ImageOps.exif_transpose
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _finish(im: Image.Image, path: str, target: int | None, orientation: int) -> Image.Image:
    """Decoded image -> RGB, reduced towards target, upright.

    The orientation is applied by hand (same table as exif_transpose) because
    the mode conversion drops TIFF tags, and after reducing so it moves fewer
    pixels.  With a target, an extreme strip is cropped to `MAX_ASPECT` first,
    so neither this nor the caller's resize ever holds more than it needs.
    """
    try:
        if target is not None:
            im = _bound_aspect(im)
        out = _to_rgb(im, path)
        if target is not None:
            factor = min(out.size) // target
            if factor >= 2:
                out = out.reduce(factor)
        method = _TRANSPOSE.get(orientation)
        if method is not None:
            out = out.transpose(method)
    except ImageError:
        raise
    except MemoryError as e:
        raise TooLarge("not enough memory to convert the image", path) from e
    except Exception as e:
        raise CorruptImage(f"could not convert {im.mode} pixels to RGB: {e}", path) from e
    out.info.clear()  # no stale exif/icc riding along into pickles and thumbnails
    return out


def _bound_aspect(im: Image.Image) -> Image.Image:
    """The central MAX_ASPECT:1 part of a wider image (orientation-neutral: the crop is centred)."""
    w, h = im.size
    if w > h * MAX_ASPECT:
        left = (w - h * MAX_ASPECT) // 2
        return im.crop((left, 0, left + h * MAX_ASPECT, h))
    if h > w * MAX_ASPECT:
        top = (h - w * MAX_ASPECT) // 2
        return im.crop((0, top, w, top + w * MAX_ASPECT))
    return im


def _to_rgb(im: Image.Image, path: str) -> Image.Image:
    mode = im.mode
    if mode == "RGB" and "transparency" not in im.info:
        return im.copy() if isinstance(im, ImageFile.ImageFile) else im
    if mode.startswith("I;16") or mode in ("I", "F"):
        return _high_depth_to_rgb(im)
    if mode == "CMYK":
        return _cmyk_to_rgb(im)
    has_alpha = "A" in im.getbands() or "a" in im.getbands() or "transparency" in im.info
    if has_alpha:
        rgba = im.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(bg, rgba).convert("RGB")
    try:
        return im.convert("RGB")
    except ValueError as e:
        raise UnsupportedImage(f"unsupported pixel mode {mode}", path) from e


def _high_depth_to_rgb(im: Image.Image) -> Image.Image:
    """16/32-bit and float greyscale to 8 bits by scaling, not clipping.

    A plain convert("L") clips everything above 255, which turns a normal
    16-bit photo into a white rectangle.
    """
    if im.mode.startswith("I;16"):
        im = im.convert("I")
        lo, hi = 0.0, 65535.0
    else:
        lo, hi = (float(x) for x in im.getextrema())  # type: ignore[misc]
        if im.mode == "I" and lo >= 0 and hi <= 65535:
            lo, hi = 0.0, 65535.0  # 16-bit data held in a 32-bit mode
        elif im.mode == "F" and lo >= 0 and hi <= 1:
            lo, hi = 0.0, 1.0
    span = hi - lo if hi > lo else 1.0
    scale = 255.0 / span
    scaled = im.point(lambda v: v * scale - lo * scale)  # linear: PIL runs it in C
    return scaled.convert("L").convert("RGB")


def _cmyk_to_rgb(im: Image.Image) -> Image.Image:
    """Use the embedded ICC profile when there is one: naive CMYK->RGB is visibly off for print files."""
    icc = im.info.get("icc_profile")
    if icc:
        try:
            from PIL import ImageCms

            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            out = ImageCms.profileToProfile(im, src, dst, outputMode="RGB")
            if out is not None:
                return out
        except Exception:
            pass  # broken profile or no littlecms: fall back
    return im.convert("RGB")


# --------------------------------------------------------------------------- RAW


def _is_raw(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in RAW_EXTENSIONS


def _import_rawpy(path: str):  # -> module; untyped because rawpy is optional
    try:
        import rawpy
    except ImportError as e:
        raise MissingCodec(_RAW_HINT, path) from e
    return rawpy


_LIBRAW_FLIP_TO_EXIF = {0: 1, 3: 3, 5: 8, 6: 6}  # LibRaw: 3=180, 5=90 CCW, 6=90 CW


@contextmanager
def _open_raw(path: str, f: BinaryIO) -> Iterator[object]:
    rawpy = _import_rawpy(path)
    try:
        raw = rawpy.imread(_reopen_path(f, path))
    except Exception as e:
        raise _raw_error(rawpy, e, path) from e
    try:
        yield raw
    finally:
        raw.close()


def _raw_error(rawpy: object, e: BaseException, path: str) -> ImageError:
    msg = e.args[0].decode("utf-8", "replace") if e.args and isinstance(e.args[0], bytes) else str(e)
    if isinstance(e, getattr(rawpy, "LibRawFileUnsupportedError", ())):
        return UnsupportedImage(f"unsupported RAW file: {msg}", path)
    if isinstance(e, getattr(rawpy, "LibRawIOError", ())):
        if _head(path, 1) == b"":
            return UnreadableFile(f"cannot read RAW file: {msg}", path)
        return TruncatedImage(f"truncated RAW file: {msg}", path)
    if isinstance(e, getattr(rawpy, "LibRawTooBigError", ())) or isinstance(e, MemoryError):
        return TooLarge(f"RAW file too large: {msg}", path)
    if isinstance(e, OSError) and e.errno is not None:
        return UnreadableFile(_os_reason(e), path)
    return CorruptImage(f"corrupt RAW file: {msg or type(e).__name__}", path)


def _raw_exif(f: BinaryIO) -> Image.Exif | None:
    """Most RAW formats are TIFF inside, so PIL can read their EXIF without decoding."""
    try:
        f.seek(0)
        with Image.open(f, formats=("TIFF",)) as t:
            return t.getexif()
    except Exception:
        return None


def _raw_metadata_from(
    raw: object, path: str, f: BinaryIO, st: os.stat_result, max_pixels: int | None
) -> ImageMetadata:
    try:
        sizes = raw.sizes  # type: ignore[attr-defined]
        w, h, flip = int(sizes.width), int(sizes.height), int(sizes.flip)
    except Exception as e:
        raise CorruptImage(f"corrupt RAW file: {e}", path) from e
    _check_pixels((w, h), max_pixels, path)
    orientation = _LIBRAW_FLIP_TO_EXIF.get(flip, 1)
    if orientation in (6, 8):
        w, h = h, w
    return _metadata(w, h, orientation, "RAW", _raw_exif(f), st)


def _raw_metadata(path: str, f: BinaryIO, st: os.stat_result, max_pixels: int | None) -> ImageMetadata:
    with _open_raw(path, f) as raw:
        return _raw_metadata_from(raw, path, f, st, max_pixels)


def _load_raw(
    path: str, f: BinaryIO, st: os.stat_result, target: int | None, max_pixels: int | None
) -> LoadedImage:
    """Decode the camera's embedded preview, not the sensor data.

    The preview is what the camera showed (white balance, picture style) and
    takes milliseconds instead of a full demosaic; that is plenty for CLIP
    and thumbnails.  Files without a usable preview fall back to a half-size
    demosaic.
    """
    rawpy = _import_rawpy(path)
    no_thumb = tuple(
        c for c in (getattr(rawpy, "LibRawNoThumbnailError", None), getattr(rawpy, "LibRawUnsupportedThumbnailError", None)) if c
    )
    with _open_raw(path, f) as raw:
        meta = _raw_metadata_from(raw, path, f, st, max_pixels)
        try:
            thumb = raw.extract_thumb()  # type: ignore[attr-defined]
        except no_thumb:
            thumb = None
        except Exception as e:
            raise _raw_error(rawpy, e, path) from e
        if thumb is None:
            try:
                arr = raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8)  # type: ignore[attr-defined]
            except Exception as e:
                raise _raw_error(rawpy, e, path) from e
            # postprocess has already applied LibRaw's flip
            return LoadedImage(image=_finish(Image.fromarray(arr), path, target, 1), **_meta_fields(meta))
    try:
        if thumb.format == rawpy.ThumbFormat.JPEG:
            with Image.open(io.BytesIO(thumb.data), formats=("JPEG", "MPO", "TIFF")) as pim:
                _check_pixels(pim.size, max_pixels, path)
                own = _orientation(_safe_exif(pim))
                if target is not None:
                    pim.draft(None, (target, target))
                pim.load()
                # Previews are stored unrotated; the RAW's flip says how to show them,
                # unless the preview carries its own orientation tag.
                img = _finish(pim, path, target, own if own != 1 else meta.orientation)
        else:
            arr = thumb.data
            if getattr(arr, "ndim", 0) == 3 and arr.shape[2] == 1:
                arr = arr[:, :, 0]
            img = _finish(Image.fromarray(arr), path, target, meta.orientation)
    except ImageError:
        raise
    except Exception as e:
        raise CorruptImage(f"corrupt RAW preview: {e}", path) from e
    return LoadedImage(image=img, **_meta_fields(meta))
