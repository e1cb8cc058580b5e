"""RAW files through rawpy (LibRaw): the camera's embedded preview, its flip, and LibRaw's errors mapped to ours."""
from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from PIL import Image

from photosearch.images.errors import (
    CorruptImage,
    ImageError,
    MissingCodec,
    TooLarge,
    TruncatedImage,
    UnreadableFile,
    UnsupportedImage,
    _os_reason,
)
from photosearch.images.formats import _head
from photosearch.images.metadata import _metadata, _orientation, _safe_exif
from photosearch.images.opening import _check_pixels, _reopen_path
from photosearch.images.pixels import _finish
from photosearch.images.results import ImageMetadata, LoadedImage, _meta_fields


_RAW_HINT = "RAW files need rawpy: pip install 'photosearch[raw]'"


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
