"""What the loader hands back: `ImageMetadata` and `LoadedImage`.

Both are frozen dataclasses that pickle cleanly, so the indexer can run the loader in worker processes.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

from PIL import Image


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


def _meta_fields(meta: ImageMetadata) -> dict[str, object]:
    return {f.name: getattr(meta, f.name) for f in fields(ImageMetadata)}
