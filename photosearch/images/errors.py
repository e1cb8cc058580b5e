"""The `ImageError` hierarchy, and the mapping of whatever a decoder throws onto it with a readable reason.

Only our own exception hierarchy escapes (`ImageError` and subclasses),
because the indexer must record a reason per file and keep going; a stray
`struct.error` from a PIL plugin would otherwise abort a whole batch.
Every `ImageError` pickles cleanly, so worker processes can hand them back.
"""
from __future__ import annotations

import os

from PIL import UnidentifiedImageError

from photosearch.errors import PhotoSearchError
from photosearch.images.formats import _allowed_formats, _ensure_heif, _head, _sniff
from photosearch.images.truncation import _structurally_truncated


_HEIF_HINT = "HEIC/HEIF files need pillow-heif: pip install pillow-heif"


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


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        s = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(c.isprintable() or c in "\r\n\t" for c in s)
