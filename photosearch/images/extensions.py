"""Which file names we try, by extension: no imports, so that parsing a query (is this term a photo?) and the
scanner's filter never load Pillow."""
from __future__ import annotations

import os

__all__ = ["RAW_EXTENSIONS", "SUPPORTED_EXTENSIONS", "is_supported"]

RAW_EXTENSIONS: frozenset[str] = frozenset({".cr2", ".cr3", ".nef", ".arw", ".dng", ".raf", ".orf", ".rw2"})
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".tif", ".tiff", ".gif", ".bmp", ".heic", ".heif", ".avif"}
) | RAW_EXTENSIONS


def is_supported(path: str | os.PathLike[str]) -> bool:
    """True if the extension is one we try to load (case-insensitive); content is not checked."""
    return os.path.splitext(os.fspath(path))[1].lower() in SUPPORTED_EXTENSIONS
