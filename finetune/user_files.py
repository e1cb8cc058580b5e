"""Reading the files a user writes to caption an album: ``.txt`` and ``.xmp`` sidecars and manifests.

These files exist only to hold captions, so they are read strictly: one that cannot be read or decoded
raises `AlbumError` naming it, because silently skipping what the user wrote would hide the mistake. The
helpers live here, apart from the readers of each format (`finetune.captions`, `finetune.metadata_captions`,
`finetune.manifest`), so that every reader reports a broken file the same way without importing another.
"""

from __future__ import annotations

import os
from pathlib import Path

from photosearch.errors import AlbumError

__all__ = ["read_bytes", "decode_text", "show_path"]


def read_bytes(p: Path) -> bytes:
    """The file's bytes; an unreadable file is the user's to fix, so it raises `AlbumError`."""
    try:
        return p.read_bytes()
    except OSError as e:
        raise AlbumError(f"Cannot read {show_path(p)} ({e.strerror or e}): check that the file is readable.") from e


def decode_text(data: bytes, origin: Path) -> str:
    """UTF-8 (BOM or not) or UTF-16 with a BOM; anything else is the user's to re-save."""
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16").replace("\0", "")
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise AlbumError(
            f"The caption file {show_path(origin)} is not UTF-8 text (bad byte at offset {e.start}): save it as UTF-8."
        ) from e
    if "\0" in text:
        raise AlbumError(
            f"The caption file {show_path(origin)} looks like UTF-16 without a byte-order mark: save it as UTF-8."
        )
    return text


def show_path(p: Path | str) -> str:
    """A path on one line, whatever characters its name holds."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in os.fspath(p))
