"""EXIF read into `ImageMetadata`: orientation and displayed size, capture date and UTC offset, camera, GPS.

The EXIF-derived fields are read the same way for every format, RAW included; broken EXIF never costs a photo.
"""
from __future__ import annotations

import math
import os
import re
from datetime import datetime, timedelta, timezone

from PIL import ExifTags, Image

from photosearch.images.results import ImageMetadata, TakenAtSource


def _safe_exif(im: Image.Image) -> Image.Exif:
    """EXIF, or an empty one: broken EXIF must never cost us a photo."""
    try:
        return im.getexif()
    except Exception:
        return Image.Exif()


def _exif_before_load(im: Image.Image) -> Image.Exif | None:
    """EXIF without decoding pixels; None if it can only be had after decoding.

    PngImageFile.getexif() decodes the whole image when the eXIf chunk has not
    been seen yet (it may follow IDAT); we do not want that in read_metadata.
    """
    if im.format == "PNG" and "exif" not in im.info:
        return None
    return _safe_exif(im)


def _orientation(exif: Image.Exif | None) -> int:
    if exif is None:
        return 1
    try:
        v = int(exif.get(ExifTags.Base.Orientation, 1))
    except (TypeError, ValueError):
        return 1
    return v if 1 <= v <= 8 else 1


def _display_size(im: Image.Image, orientation: int) -> tuple[int, int]:
    w, h = im.size
    if orientation in (5, 6, 7, 8):
        tags = getattr(im, "tag_v2", None)
        if tags is not None and (tags.get(256), tags.get(257)) != (w, h):
            return w, h  # PIL's TIFF plugin reports the size already rotated
        return h, w
    return w, h


def _build_metadata(im: Image.Image, exif: Image.Exif | None, st: os.stat_result) -> ImageMetadata:
    orientation = _orientation(exif)
    width, height = _display_size(im, orientation)
    original = im.info.get("original_orientation")  # pillow-heif applied it and reset the tag to 1
    if isinstance(original, int) and 1 <= original <= 8:
        orientation = original
    fmt = "JPEG" if im.format == "MPO" else (im.format or "unknown")  # MPO: a JPEG with extra frames
    return _metadata(width, height, orientation, fmt, exif, st)


def _metadata(
    width: int, height: int, orientation: int, fmt: str, exif: Image.Exif | None, st: os.stat_result
) -> ImageMetadata:
    """The EXIF-derived fields (date, camera, GPS) are read the same way for every format, RAW included."""
    taken_at, source, utc_offset = _taken_at(exif, st)
    make, model = _camera(exif)
    lat, lon = _gps(exif)
    return ImageMetadata(
        width=width,
        height=height,
        orientation=orientation,
        format=fmt,
        taken_at=taken_at,
        taken_at_source=source,
        utc_offset_s=utc_offset,
        camera_make=make,
        camera_model=model,
        gps_lat=lat,
        gps_lon=lon,
    )


def _text(v: object) -> str | None:
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    if not isinstance(v, str):
        return None
    s = v.replace("\x00", " ").strip()
    return s or None


_DT_RE = re.compile(r"^(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?")
_OFFSET_RE = re.compile(r"^([+-])(\d{1,2}):?(\d{2})$")


def _parse_exif_time(dt: object, offset: object, subsec: object) -> tuple[float, int | None] | None:
    """(unix seconds, UTC offset in seconds or None) from EXIF's 'YYYY:MM:DD HH:MM:SS' + '+02:00' + '123'."""
    s = _text(dt)
    if not s:
        return None
    m = _DT_RE.match(s)
    if not m:
        return None
    y, mo, d, hh, mi, ss = (int(x) if x else 0 for x in m.groups())
    try:
        naive = datetime(y, mo, d, hh, mi, ss)
    except ValueError:  # "0000:00:00 00:00:00" and friends
        return None
    if y < 1826:  # before the first photograph: a placeholder, not a date
        return None
    frac = 0.0
    sub = _text(subsec)
    if sub and sub.isdigit():
        frac = int(sub) / 10 ** len(sub)
    off = _text(offset)
    om = _OFFSET_RE.match(off) if off else None
    try:
        if om:
            sign = -1 if om.group(1) == "-" else 1
            delta = sign * timedelta(hours=int(om.group(2)), minutes=int(om.group(3)))
            return naive.replace(tzinfo=timezone(delta)).timestamp() + frac, int(delta.total_seconds())
        return naive.timestamp() + frac, None
    except (ValueError, OverflowError, OSError):
        return None


def _taken_at(exif: Image.Exif | None, st: os.stat_result) -> tuple[float, TakenAtSource, int | None]:
    if exif is not None:
        try:
            sub = exif.get_ifd(ExifTags.IFD.Exif)
        except Exception:
            sub = {}
        for dt_tag, off_tag, ss_tag in (
            (ExifTags.Base.DateTimeOriginal, ExifTags.Base.OffsetTimeOriginal, ExifTags.Base.SubsecTimeOriginal),
            (ExifTags.Base.DateTimeDigitized, ExifTags.Base.OffsetTimeDigitized, ExifTags.Base.SubsecTimeDigitized),
        ):
            parsed = _parse_exif_time(sub.get(dt_tag), sub.get(off_tag), sub.get(ss_tag))
            if parsed is not None:
                return parsed[0], "exif" if parsed[1] is not None else "exif_local", parsed[1]
    return st.st_mtime, "mtime", None


def _camera(exif: Image.Exif | None) -> tuple[str | None, str | None]:
    if exif is None:
        return None, None
    return _text(exif.get(ExifTags.Base.Make)), _text(exif.get(ExifTags.Base.Model))


def _dms(v: object) -> float | None:
    try:
        if isinstance(v, (tuple, list)):
            parts = [float(x) for x in v][:3]
            parts += [0.0] * (3 - len(parts))
            deg = abs(parts[0]) + parts[1] / 60 + parts[2] / 3600
            return -deg if parts[0] < 0 else deg
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def _gps(exif: Image.Exif | None) -> tuple[float | None, float | None]:
    if exif is None:
        return None, None
    try:
        g = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:
        return None, None
    if not g:
        return None, None
    lat, lon = _dms(g.get(ExifTags.GPS.GPSLatitude)), _dms(g.get(ExifTags.GPS.GPSLongitude))
    if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
        return None, None
    lat_ref = (_text(g.get(ExifTags.GPS.GPSLatitudeRef)) or "N")[:1].upper()
    lon_ref = (_text(g.get(ExifTags.GPS.GPSLongitudeRef)) or "E")[:1].upper()
    if lat_ref == "S":
        lat = -abs(lat)
    if lon_ref == "W":
        lon = -abs(lon)
    if abs(lat) > 90 or abs(lon) > 180 or (lat == 0 and lon == 0):
        return None, None
    return lat, lon
