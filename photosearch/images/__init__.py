"""The one place that turns a photo file into RGB pixels and metadata.

Indexing (CLIP encoders) and thumbnails (the Qt UI) both go through here, so
every format quirk -- EXIF orientation, HEIC, 16-bit PNGs, CMYK JPEGs, RAW
previews, truncated uploads, decompression bombs -- is handled exactly once
and both consumers agree on what a photo looks like.

Design notes (each module's docstring has the ones that concern it):

* Everything is a pure function of the file, so the indexer can run it in
  worker processes; `LoadedImage` / `ImageMetadata` and every `ImageError`
  pickle cleanly.
* Only our own exception hierarchy escapes (`errors`).
* Our pixel cap holds whatever the process-global `Image.MAX_IMAGE_PIXELS` says,
  and every byte is read through one checked descriptor (`opening`).
* A half-copied photo is `TruncatedImage` even if someone set
  `ImageFile.LOAD_TRUNCATED_IMAGES` (`truncation`).
* With a `target`, both sides are bounded by `MAX_ASPECT` (`pixels`).
* No Qt imports: thumbnails are handed over as PIL images.

Modules, one job each:

* `loading`: the entry points, `read_metadata` and `load_image`.
* `opening`: the checked file, PIL's header parse, the pixel cap (`MAX_PIXELS`).
* `extensions`: the file names we try (no imports: query parsing and scans use it without Pillow).
* `formats`: content sniffing, HEIF/AVIF codec registration.
* `errors`: the `ImageError` hierarchy and the mapping of decoder exceptions to reasons.
* `truncation`: structural truncation checks per container format.
* `metadata`: EXIF read into `ImageMetadata` (orientation, dates and offsets, camera, GPS).
* `pixels`: decoded pixels to upright RGB, reduced towards a target, aspect bounded.
* `raw`: RAW files through rawpy (embedded preview, flip, LibRaw errors).
* `results`: the returned dataclasses, `ImageMetadata` and `LoadedImage`.
"""
from __future__ import annotations

from photosearch.lazy_names import lazy_names

# Names load on first use (PEP 562): asking whether a name is a photo (`is_supported`) must not import Pillow.
_WHERE = {
    "CorruptImage": "photosearch.images.errors",
    "ImageError": "photosearch.images.errors",
    "MissingCodec": "photosearch.images.errors",
    "TooLarge": "photosearch.images.errors",
    "TruncatedImage": "photosearch.images.errors",
    "UnreadableFile": "photosearch.images.errors",
    "UnsupportedImage": "photosearch.images.errors",
    "RAW_EXTENSIONS": "photosearch.images.extensions",
    "SUPPORTED_EXTENSIONS": "photosearch.images.extensions",
    "is_supported": "photosearch.images.extensions",
    "load_image": "photosearch.images.loading",
    "read_metadata": "photosearch.images.loading",
    "MAX_PIXELS": "photosearch.images.opening",
    "MAX_ASPECT": "photosearch.images.pixels",
    "ImageMetadata": "photosearch.images.results",
    "LoadedImage": "photosearch.images.results",
    "TakenAtSource": "photosearch.images.results",
}

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "RAW_EXTENSIONS",
    "MAX_PIXELS",
    "MAX_ASPECT",
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


__getattr__, __dir__ = lazy_names(__name__, _WHERE)
