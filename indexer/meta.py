"""Turn what `photosearch.images` reads from a photo into the row the store keeps.

The two sides disagree on purpose: the loader reports `taken_at` as a UTC instant (plus how sure it
is), the store wants the *wall clock* the camera showed, because a search for "6 pm" means the time
on the photo, wherever it was taken (see `photosearch.store.records`). With an EXIF offset the wall
clock is the instant plus that offset; without one (EXIF without offset, or the file's mtime) the
loader read the time as this machine's local time, so local time gives it back.
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
        if meta.utc_offset_s is not None:
            taken_at: int | None = int(meta.taken_at // 1) + meta.utc_offset_s
        else:
            taken_at = wall_clock_seconds(datetime.fromtimestamp(meta.taken_at))
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
