"""The two entry points: `read_metadata` (headers only) and `load_image` (pixels too), for every format."""
from __future__ import annotations

import os

from PIL import Image, ImageFile

from photosearch.images.errors import TooLarge, TruncatedImage, _classify
from photosearch.images.formats import _is_raw
from photosearch.images.metadata import _build_metadata, _exif_before_load, _orientation, _safe_exif
from photosearch.images.opening import MAX_PIXELS, _open, _open_file
from photosearch.images.pixels import _finish
from photosearch.images.raw import _load_raw, _raw_metadata
from photosearch.images.results import ImageMetadata, LoadedImage, _meta_fields
from photosearch.images.truncation import _structurally_truncated


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
