"""Opening a photo safely: one checked descriptor, PIL's header parse, and our pixel cap before any decoding.

* Every byte is read through one descriptor from `photosearch.safe_open.open_regular`
  (stat, O_NONBLOCK open, fstat), so a FIFO, socket, device or folder named like
  a photo is an `UnreadableFile` at once, never a hang or an endless read.
* Our pixel cap is checked against the *declared* size right after
  `Image.open` (which only parses headers), so it holds no matter what some
  other code has done to the process-global `Image.MAX_IMAGE_PIXELS`.  PIL's
  own limit (179 MP by default) would refuse a real 200 MP phone photo before
  our cap is consulted, so this module hands that job to our cap: it sets
  `Image.MAX_IMAGE_PIXELS = None` once at import.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from PIL import Image, ImageFile, UnidentifiedImageError

from photosearch.images.errors import (
    CorruptImage,
    ImageError,
    TooLarge,
    TruncatedImage,
    UnreadableFile,
    _classify,
    _os_reason,
    _unidentified,
)
from photosearch.images.formats import _allowed_formats, _ensure_heif
from photosearch.safe_open import NotRegularFile, open_regular

#: Default cap on declared pixels.  200 MP lets today's largest phone sensors
#: (16320 x 12240) through while refusing crafted headers that would make us
#: allocate gigabytes.
MAX_PIXELS = 200_000_000
Image.MAX_IMAGE_PIXELS = None  # our declared-size cap (above) replaces PIL's stricter global one


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
