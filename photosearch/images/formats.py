"""Which files we try (extensions, from `extensions`), what their bytes really are (sniffing), and the optional codecs (HEIF/AVIF).

Content decides, not the extension: misnamed files are common, so `_sniff` names what the first bytes
say, for our formats and for the ones we recognise only to refuse with a clear reason.
"""
from __future__ import annotations

import os
import threading

from PIL import Image

from photosearch.images.extensions import RAW_EXTENSIONS
from photosearch.safe_open import open_regular



# Content we accept regardless of the file's extension (misnamed files are common).
# Restricting Image.open also keeps exotic plugins (EPS runs Ghostscript) out of reach.
_PIL_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "TIFF", "GIF", "BMP", "AVIF", "HEIF")


def _is_raw(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in RAW_EXTENSIONS


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


def _head(path: str, n: int) -> bytes:
    try:
        with open_regular(path) as f:
            return f.read(n)
    except OSError:
        return b""


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
