"""Turn what `photosearch.images` reads from a photo into the row the store keeps.

The two sides disagree on purpose: the loader reports `taken_at` as a UTC instant (plus how sure it
is), the store wants the *wall clock* the camera showed, because a search for "6 pm" means the time
on the photo, wherever it was taken (see `photosearch.store.records`).

Known gap: for an EXIF date *with* an offset the loader returns only the instant and drops the
offset, so the camera's own clock cannot be recovered; we fall back to this machine's local time,
which is right when photographer and indexer share a time zone. Fixing it needs the loader to
report the offset (a field on `ImageMetadata`).
"""
from __future__ import annotations

import os
from datetime import datetime

from photosearch.images import ImageMetadata
from photosearch.store import PhotoMeta, wall_clock_seconds


def file_type(path: str) -> str:
    return os.path.splitext(path)[1].lower().lstrip(".")


def to_photo_meta(path: str, meta: ImageMetadata) -> PhotoMeta:
    try:
        taken_at: int | None = wall_clock_seconds(datetime.fromtimestamp(meta.taken_at))
    except (OverflowError, OSError, ValueError):  # a date the platform cannot represent
        taken_at = None
    source = "mtime" if meta.taken_at_source == "mtime" else "exif"  # store knows exif|mtime only
    return PhotoMeta(
        file_type=file_type(path),
        width=meta.width,
        height=meta.height,
        orientation=meta.orientation,
        taken_at=taken_at,
        taken_at_source=source if taken_at is not None else None,
        camera_make=meta.camera_make,
        camera_model=meta.camera_model,
        gps_lat=meta.gps_lat,
        gps_lon=meta.gps_lon,
    )
