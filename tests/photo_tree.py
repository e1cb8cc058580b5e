"""Generate real photo files of every kind we must handle, for any test that needs them.

Everything is deterministic and small (64-400 px, a few hundred KB for a
whole tree) so tests stay fast and need no checked-in binaries.  Each good
photo has its own background colour *and* shape, so a CLIP-like encoder can
tell them apart ("a red picture with a white circle" vs "a blue picture with
a yellow triangle").

Typical use::

    from tests.photo_tree import make_tree
    expected = make_tree(tmp_path)              # {relative path: Expected}
    for rel, exp in expected.items():
        if exp.ok: ...                           # loads, with exp.size / exp.color
        elif exp.supported: ...                  # raises exp.error
        else: ...                                # not an image extension: scanners skip it

or a single file::

    make_photo(tmp_path / "a.jpg", "red", (120, 80), taken_at="2021:06:15 14:30:05", make="Canon")

Conventions every generated photo follows (tests rely on them):

* the background colour fills the bottom-right quarter, so `probe_color`
  samples there (in *displayed* orientation);
* a marker square (white on dark backgrounds, black on light ones) sits in the
  *stored* top-left corner, so after EXIF orientation 6 it shows top-right;
* file mtimes are set to `BASE_MTIME + i * 3600` so mtime fallbacks are known.
"""
from __future__ import annotations

import io
import os
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from PIL import ExifTags, Image, ImageDraw, ImageStat, features

from photosearch.images import (
    CorruptImage,
    ImageError,
    MissingCodec,
    TooLarge,
    TruncatedImage,
    UnsupportedImage,
)

RGB = tuple[int, int, int]
Shape = Literal["none", "circle", "square", "triangle", "stripes", "cross", "ring", "diamond"]

#: Named colours, far apart so "approximately this colour" checks are unambiguous.
PALETTE: dict[str, RGB] = {
    "red": (220, 30, 30),
    "green": (30, 170, 60),
    "blue": (30, 60, 210),
    "yellow": (240, 220, 40),
    "cyan": (40, 200, 220),
    "magenta": (200, 40, 190),
    "orange": (245, 140, 20),
    "purple": (110, 40, 160),
    "brown": (120, 70, 30),
    "teal": (0, 120, 120),
    "pink": (250, 160, 190),
    "navy": (20, 30, 90),
    "olive": (110, 120, 20),
    "gray": (128, 128, 128),
    "lime": (160, 230, 60),
    "maroon": (120, 20, 40),
}

#: 2020-01-01T00:00:00Z; generated files get BASE_MTIME + i hours.
BASE_MTIME = 1577836800.0

_FORMATS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".jpe": "JPEG",
    ".png": "PNG",
    ".webp": "WEBP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".gif": "GIF",
    ".bmp": "BMP",
    ".heic": "HEIF",
    ".heif": "HEIF",
    ".avif": "AVIF",
}


def avif_writable() -> bool:
    """Pillow >= 11.2 wheels encode AVIF natively; older ones cannot."""
    return bool(features.check("avif"))


def rawpy_available() -> bool:
    """Whether the optional RAW extra is installed (RAW files load instead of raising MissingCodec)."""
    try:
        import rawpy  # noqa: F401
    except ImportError:
        return False
    return True


def heif_writable() -> bool:
    try:
        import pillow_heif  # noqa: F401
    except ImportError:
        return False
    return True


def rgb(color: str | RGB) -> RGB:
    return PALETTE[color] if isinstance(color, str) else tuple(color)  # type: ignore[return-value]


def _contrast(c: RGB) -> RGB:
    return (0, 0, 0) if sum(c) > 400 else (255, 255, 255)


def draw_photo(color: str | RGB, size: tuple[int, int] = (96, 64), shape: Shape = "circle") -> Image.Image:
    """The RGB picture `make_photo` saves: background, a centred shape, a corner marker."""
    bg = rgb(color)
    fg = _contrast(bg)
    w, h = size
    im = Image.new("RGB", size, bg)
    d = ImageDraw.Draw(im)
    m = max(2, min(w, h) // 5)
    d.rectangle((0, 0, m - 1, m - 1), fill=fg)  # orientation marker, stored top-left
    cx, cy, r = w // 2, h // 2, max(2, min(w, h) // 5)
    box = (cx - r, cy - r, cx + r, cy + r)
    if shape == "circle":
        d.ellipse(box, fill=fg)
    elif shape == "square":
        d.rectangle(box, fill=fg)
    elif shape == "triangle":
        d.polygon([(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)], fill=fg)
    elif shape == "stripes":
        for x in range(cx - r, cx + r, max(2, r // 3)):
            d.rectangle((x, cy - r, x + max(1, r // 6), cy + r), fill=fg)
    elif shape == "cross":
        t = max(1, r // 3)
        d.rectangle((cx - r, cy - t, cx + r, cy + t), fill=fg)
        d.rectangle((cx - t, cy - r, cx + t, cy + r), fill=fg)
    elif shape == "ring":
        d.ellipse(box, outline=fg, width=max(1, r // 3))
    elif shape == "diamond":
        d.polygon([(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)], fill=fg)
    return im


def build_exif(
    *,
    taken_at: str | datetime | None = None,
    offset: str | None = None,
    subsec: str | None = None,
    make: str | None = None,
    model: str | None = None,
    gps: tuple[float, float] | None = None,
    orientation: int | None = None,
) -> Image.Exif:
    """EXIF with the fields the loader reads; `gps` is signed decimal degrees (lat, lon)."""
    e = Image.Exif()
    if make is not None:
        e[ExifTags.Base.Make] = make
    if model is not None:
        e[ExifTags.Base.Model] = model
    if orientation is not None:
        e[ExifTags.Base.Orientation] = orientation
    if taken_at is not None:
        sub = e.get_ifd(ExifTags.IFD.Exif)
        text = taken_at.strftime("%Y:%m:%d %H:%M:%S") if isinstance(taken_at, datetime) else taken_at
        sub[ExifTags.Base.DateTimeOriginal] = text
        if offset is not None:
            sub[ExifTags.Base.OffsetTimeOriginal] = offset
        if subsec is not None:
            sub[ExifTags.Base.SubsecTimeOriginal] = subsec
    if gps is not None:
        g = e.get_ifd(ExifTags.IFD.GPSInfo)
        for (ref_tag, val_tag, pos, neg), value in zip(
            (
                (ExifTags.GPS.GPSLatitudeRef, ExifTags.GPS.GPSLatitude, "N", "S"),
                (ExifTags.GPS.GPSLongitudeRef, ExifTags.GPS.GPSLongitude, "E", "W"),
            ),
            gps,
        ):
            a = abs(value)
            deg = int(a)
            minutes = int((a - deg) * 60)
            seconds = round(((a - deg) * 60 - minutes) * 60, 4)
            g[ref_tag] = neg if value < 0 else pos
            g[val_tag] = (float(deg), float(minutes), seconds)
    return e


def make_photo(
    path: str | os.PathLike[str],
    color: str | RGB,
    size: tuple[int, int] = (96, 64),
    fmt: str | None = None,
    *,
    shape: Shape = "circle",
    mode: str | None = None,
    alpha: int | None = None,
    quality: int = 95,
    mtime: float | None = None,
    **exif: object,
) -> Path:
    """Write one photo and return its path.

    `fmt` defaults from the extension (JPEG, PNG, WEBP, TIFF, GIF, BMP, HEIF,
    AVIF).  `mode` converts before saving: "P" (palette), "L", "I;16"
    (16-bit grey), "CMYK", "RGBA"/"LA" (with `alpha` 0-255 everywhere).
    Keyword `exif` arguments go to `build_exif` (taken_at, offset, subsec,
    make, model, gps, orientation).  `size` is the *stored* size; with
    orientation 5-8 the displayed size is swapped.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fmt = (fmt or _FORMATS[p.suffix.lower()]).upper()
    im: Image.Image = draw_photo(color, size, shape)
    if mode == "I;16":
        im = im.convert("L").convert("I").point(lambda v: v * 257).convert("I;16")
    elif mode in ("RGBA", "LA"):
        im = im.convert(mode)
        im.putalpha(255 if alpha is None else alpha)
    elif mode == "P":
        im = im.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    elif mode is not None:
        im = im.convert(mode)
    exif_bytes = build_exif(**exif).tobytes() if exif else None  # type: ignore[arg-type]
    kw: dict[str, object] = {}
    if exif_bytes and fmt != "GIF":
        kw["exif"] = exif_bytes
    if fmt == "HEIF":
        import pillow_heif  # writing through pillow_heif directly leaves PIL's registry to the loader

        pillow_heif.from_pillow(im).save(p, quality=quality, **kw)
    else:
        if fmt in ("JPEG", "WEBP", "AVIF"):
            kw["quality"] = quality
        if fmt == "JPEG":
            kw["subsampling"] = 0
        im.save(p, fmt, **kw)
    _set_mtime(p, mtime)
    return p


def make_animated_gif(
    path: str | os.PathLike[str], colors: list[str | RGB], size: tuple[int, int] = (80, 60), mtime: float | None = None
) -> Path:
    """An animated GIF whose frames are the given colours; the loader must return frame 1."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    shapes: list[Shape] = ["square", "circle", "triangle", "cross"]
    frames = [draw_photo(c, size, shapes[i % len(shapes)]) for i, c in enumerate(colors)]
    frames[0].save(p, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    _set_mtime(p, mtime)
    return p


def make_truncated(src: str | os.PathLike[str], dst: str | os.PathLike[str], fraction: float = 0.6) -> Path:
    """Copy the first `fraction` of src's bytes: a copy or download cut off mid-way."""
    data = Path(src).read_bytes()
    d = Path(dst)
    d.parent.mkdir(parents=True, exist_ok=True)
    d.write_bytes(data[: max(1, int(len(data) * fraction))])
    return d


def make_textured_jpeg(path: str | os.PathLike[str], size: tuple[int, int] = (320, 240), quality: int = 92) -> Path:
    """A JPEG with real entropy-coded data (gradients), so cutting it lands mid-scan."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    w, h = size
    r = Image.linear_gradient("L").resize(size)
    g = Image.radial_gradient("L").resize(size)
    b = Image.linear_gradient("L").rotate(90).resize(size)
    im = Image.merge("RGB", (r, g, b))
    d = ImageDraw.Draw(im)
    for i in range(0, w, 7):
        d.line((i, 0, w - i, h), fill=((i * 5) % 256, (i * 3) % 256, (i * 11) % 256))
    im.save(p, "JPEG", quality=quality)
    return p


def make_huge_png(path: str | os.PathLike[str], width: int = 100_000, height: int = 100_000) -> Path:
    """A ~60-byte PNG whose IHDR claims width x height RGB pixels (a decompression bomb header)."""

    def chunk(ctype: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


def make_dng(
    path: str | os.PathLike[str],
    color: str | RGB = "blue",
    size: tuple[int, int] = (96, 64),
    *,
    orientation: int = 1,
    jpeg_preview: bool = True,
    make: str = "Canon",
    model: str = "Canon EOS TEST",
    mtime: float | None = None,
) -> Path:
    """A minimal but real DNG that LibRaw (rawpy) opens: a Bayer CFA raw plus an embedded preview.

    IFD0 holds the preview (JPEG-compressed, or uncompressed RGB when
    `jpeg_preview` is False, which rawpy returns as a bitmap) drawn like
    `draw_photo`, with the camera make/model and `orientation`; a SubIFD
    holds a flat 16-bit CFA of the same `size`.  Without rawpy the loader
    must raise MissingCodec for it.
    """
    w, h = size
    preview = draw_photo(color, size, "square")
    if jpeg_preview:
        buf = io.BytesIO()
        preview.save(buf, "JPEG", quality=95, subsampling=0)
        pdata, compression, photometric = buf.getvalue(), 7, 6
    else:
        pdata, compression, photometric = preview.tobytes(), 1, 2
    cfa_values = (3000, 1500, 1500, 800)  # R G / G B
    row_even = struct.pack("<" + "H" * w, *(cfa_values[x % 2] for x in range(w)))
    row_odd = struct.pack("<" + "H" * w, *(cfa_values[2 + x % 2] for x in range(w)))
    raw = b"".join(row_even if y % 2 == 0 else row_odd for y in range(h))
    identity = [(1, 1), (0, 1), (0, 1), (0, 1), (1, 1), (0, 1), (0, 1), (0, 1), (1, 1)]

    def ifd0(sub_off: int, poff: int) -> list[tuple[int, int, object]]:
        return [
            (254, 4, [1]), (256, 4, [w]), (257, 4, [h]), (258, 3, [8, 8, 8]), (259, 3, [compression]),
            (262, 3, [photometric]), (271, 2, make), (272, 2, model), (273, 4, [poff]), (274, 3, [orientation]),
            (277, 3, [3]), (278, 4, [h]), (279, 4, [len(pdata)]), (284, 3, [1]), (330, 4, [sub_off]),
            (50706, 1, [1, 4, 0, 0]), (50708, 2, model), (50721, 10, identity), (50778, 3, [21]),
        ]

    def raw_ifd(roff: int) -> list[tuple[int, int, object]]:
        return [
            (254, 4, [0]), (256, 4, [w]), (257, 4, [h]), (258, 3, [16]), (259, 3, [1]), (262, 3, [32803]),
            (273, 4, [roff]), (277, 3, [1]), (278, 4, [h]), (279, 4, [len(raw)]), (284, 3, [1]),
            (33421, 3, [2, 2]), (33422, 1, [0, 1, 1, 2]), (50717, 4, [4095]),
        ]

    def even(b: bytes) -> bytes:
        return b + b"\0" * (len(b) % 2)

    # Offsets depend on IFD sizes, which do not depend on the offsets' values: measure, then lay out.
    sub_off = 8 + len(even(_tiff_ifd(ifd0(0, 0), 8)))
    poff = sub_off + len(even(_tiff_ifd(raw_ifd(0), sub_off)))
    roff = poff + len(even(pdata))
    data = (
        b"II*\x00" + struct.pack("<I", 8)
        + even(_tiff_ifd(ifd0(sub_off, poff), 8))
        + even(_tiff_ifd(raw_ifd(roff), sub_off))
        + even(pdata)
        + raw
    )
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    _set_mtime(p, mtime)
    return p


def _tiff_ifd(entries: list[tuple[int, int, object]], base: int) -> bytes:
    """One little-endian TIFF IFD at file offset `base`, out-of-line values right after it."""
    entries = sorted(entries, key=lambda e: e[0])
    table_size = 2 + 12 * len(entries) + 4
    out, extra = struct.pack("<H", len(entries)), b""
    for tag, typ, vals in entries:
        if typ == 2:
            data = str(vals).encode() + b"\0"
            count = len(data)
        elif typ in (5, 10):
            pairs = list(vals)  # type: ignore[call-overload]
            data = b"".join(struct.pack("<II" if typ == 5 else "<ii", a, b) for a, b in pairs)
            count = len(pairs)
        else:
            items = list(vals)  # type: ignore[call-overload]
            data = struct.pack("<" + {1: "B", 3: "H", 4: "I"}[typ] * len(items), *items)
            count = len(items)
        if len(data) <= 4:
            out += struct.pack("<HHI", tag, typ, count) + data.ljust(4, b"\0")
        else:
            out += struct.pack("<HHII", tag, typ, count, base + table_size + len(extra))
            extra += data + b"\0" * (len(data) % 2)
    return out + struct.pack("<I", 0) + extra


def _set_mtime(p: Path, mtime: float | None) -> None:
    if mtime is not None:
        os.utime(p, (mtime, mtime))


def probe_color(img: Image.Image) -> RGB:
    """Mean colour of a patch in the bottom-right quarter, where every generated photo shows its background."""
    w, h = img.size
    x0, y0 = int(w * 0.82), int(h * 0.82)
    patch = img.convert("RGB").crop((x0, y0, max(x0 + 1, int(w * 0.95)), max(y0 + 1, int(h * 0.95))))
    r, g, b = (int(round(v)) for v in ImageStat.Stat(patch).mean)
    return (r, g, b)


def close_to(a: RGB, b: RGB, tol: int = 14) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b))


@dataclass(frozen=True)
class Expected:
    """What loading one generated file must give.

    `error` None means it loads; then `size` is the displayed (w, h), `color`
    the background as `probe_color` sees it, `format` PIL's format name, and
    `taken_at`/`taken_at_source` what the metadata must say.  Otherwise
    `error` is the `ImageError` subclass `load_image` raises.  `supported`
    False marks files whose extension scanners must skip entirely.
    """

    error: type[ImageError] | None = None
    size: tuple[int, int] | None = None
    color: RGB | None = None
    format: str | None = None
    taken_at: float | None = None
    taken_at_source: str | None = None
    orientation: int = 1
    camera_make: str | None = None
    camera_model: str | None = None
    gps: tuple[float, float] | None = None
    supported: bool = True

    @property
    def ok(self) -> bool:
        return self.supported and self.error is None


def make_tree(root: str | os.PathLike[str]) -> dict[str, Expected]:
    """Populate `root` with one file per case; return {posix relative path: Expected}.

    Good photos each get a distinct colour and shape.  AVIF/HEIC files are
    only written when this Pillow / pillow-heif can encode them, so check
    the returned keys rather than assuming.  Takes well under a second.
    """
    root = Path(root)
    out: dict[str, Expected] = {}
    clock = iter(range(10_000))

    def mt() -> float:
        return BASE_MTIME + next(clock) * 3600

    def good(rel: str, color: str, size: tuple[int, int], shape: Shape, fmt_name: str, **kw: object) -> None:
        m = mt()
        make_photo(root / rel, color, size, shape=shape, mtime=m, **kw)  # type: ignore[arg-type]
        out[rel] = Expected(
            size=size, color=PALETTE[color], format=fmt_name, taken_at=m, taken_at_source="mtime"
        )

    # --- JPEG with full EXIF: date + offset, camera, southern/eastern GPS
    m = mt()
    make_photo(
        root / "2021/sydney/exif.jpg", "red", (120, 80), shape="circle", mtime=m,
        taken_at="2021:06:15 14:30:05", offset="+10:00", make="Canon", model="Canon EOS R5",
        gps=(-33.8568, 151.2153),
    )
    out["2021/sydney/exif.jpg"] = Expected(
        size=(120, 80), color=PALETTE["red"], format="JPEG",
        taken_at=datetime.fromisoformat("2021-06-15T14:30:05+10:00").timestamp(), taken_at_source="exif",
        camera_make="Canon", camera_model="Canon EOS R5", gps=(-33.8568, 151.2153),
    )
    # --- EXIF date without offset (local time), western GPS
    m = mt()
    make_photo(
        root / "2019/nyc/local_time.jpg", "green", (100, 100), shape="square", mtime=m,
        taken_at="2019:12:24 18:00:00", make="Apple", model="iPhone 11", gps=(40.7484, -73.9857),
    )
    out["2019/nyc/local_time.jpg"] = Expected(
        size=(100, 100), color=PALETTE["green"], format="JPEG",
        taken_at=datetime(2019, 12, 24, 18, 0, 0).timestamp(), taken_at_source="exif_local",
        camera_make="Apple", camera_model="iPhone 11", gps=(40.7484, -73.9857),
    )
    # --- orientation 6: stored 120x80 landscape, displayed 80x120 portrait, marker top-right
    m = mt()
    make_photo(root / "rotated6.jpg", "blue", (120, 80), shape="triangle", mtime=m, orientation=6)
    out["rotated6.jpg"] = Expected(
        size=(80, 120), color=PALETTE["blue"], format="JPEG", taken_at=m, taken_at_source="mtime", orientation=6
    )
    # --- plain formats
    good("plain.jpeg", "yellow", (90, 64), "stripes", "JPEG")
    good("UPPER.JPG", "orange", (64, 96), "cross", "JPEG")
    good("plain.png", "cyan", (96, 64), "ring", "PNG")
    good("palette.png", "magenta", (96, 64), "diamond", "PNG", mode="P")
    good("scan.tif", "purple", (128, 96), "square", "TIFF")
    good("web.webp", "brown", (96, 80), "circle", "WEBP")
    good("old.bmp", "teal", (72, 64), "triangle", "BMP")
    # TIFF with orientation 6 and LZW: PIL rotates TIFFs itself, must not be rotated twice
    m = mt()
    make_photo(root / "rotated6.tiff", "lime", (120, 80), shape="stripes", mtime=m, orientation=6)
    out["rotated6.tiff"] = Expected(
        size=(80, 120), color=PALETTE["lime"], format="TIFF", taken_at=m, taken_at_source="mtime", orientation=6
    )
    # --- RGBA at alpha 128: composited on white, so blue -> halfway to white
    m = mt()
    make_photo(root / "alpha.png", "navy", (96, 64), shape="cross", mode="RGBA", alpha=128, mtime=m)
    navy = PALETTE["navy"]
    out["alpha.png"] = Expected(
        size=(96, 64), color=tuple((c * 128 + 255 * 127) // 255 for c in navy),  # type: ignore[arg-type]
        format="PNG", taken_at=m, taken_at_source="mtime",
    )
    # --- 16-bit greyscale: must be scaled, not clipped to white
    m = mt()
    make_photo(root / "deep16.png", "gray", (80, 80), shape="ring", mode="I;16", mtime=m)
    out["deep16.png"] = Expected(
        size=(80, 80), color=(128, 128, 128), format="PNG", taken_at=m, taken_at_source="mtime"
    )
    # --- CMYK JPEG (print workflows, some scanners)
    good("print_cmyk.jpg", "olive", (96, 64), "diamond", "JPEG", mode="CMYK")
    # --- animated GIF: the first frame is the photo
    m = mt()
    make_animated_gif(root / "anim.gif", ["pink", "navy", "lime"], (80, 60), mtime=m)
    out["anim.gif"] = Expected(
        size=(80, 60), color=PALETTE["pink"], format="GIF", taken_at=m, taken_at_source="mtime"
    )
    # --- JPEG content behind a .png name: content wins
    m = mt()
    make_photo(root / "misnamed.png", "maroon", (96, 64), fmt="JPEG", shape="square", mtime=m)
    out["misnamed.png"] = Expected(
        size=(96, 64), color=PALETTE["maroon"], format="JPEG", taken_at=m, taken_at_source="mtime"
    )
    # --- HEIC (phones) with EXIF, AVIF
    if heif_writable():
        m = mt()
        make_photo(
            root / "phone/IMG_0001.HEIC", "teal", (96, 64), shape="ring", quality=90, mtime=m,
            taken_at="2023:08:01 09:15:00", offset="-07:00", make="Apple", model="iPhone 15 Pro",
            gps=(37.7749, -122.4194),
        )
        out["phone/IMG_0001.HEIC"] = Expected(
            size=(96, 64), color=PALETTE["teal"], format="HEIF",
            taken_at=datetime.fromisoformat("2023-08-01T09:15:00-07:00").timestamp(), taken_at_source="exif",
            camera_make="Apple", camera_model="iPhone 15 Pro", gps=(37.7749, -122.4194),
        )
    if avif_writable():
        good("modern.avif", "gray", (96, 64), "triangle", "AVIF", quality=90)

    # --- bad files
    src = make_textured_jpeg(root / ".src_textured.jpg")
    make_truncated(src, root / "bad/truncated.jpg", 0.6)
    src.unlink()
    out["bad/truncated.jpg"] = Expected(error=TruncatedImage)
    src_png = make_photo(root / ".src.png", "red", (200, 150), shape="stripes")
    make_truncated(src_png, root / "bad/truncated.png", 0.5)
    src_png.unlink()
    out["bad/truncated.png"] = Expected(error=TruncatedImage)
    (root / "bad/empty.jpg").write_bytes(b"")
    out["bad/empty.jpg"] = Expected(error=TruncatedImage)
    (root / "bad/notes.jpg").write_text("These are my holiday notes, not a photo.\n")
    out["bad/notes.jpg"] = Expected(error=CorruptImage)
    (root / "bad/document.jpg").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    out["bad/document.jpg"] = Expected(error=UnsupportedImage)
    (root / "bad/garbage.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4)
    out["bad/garbage.jpg"] = Expected(error=CorruptImage)
    make_huge_png(root / "bad/bomb.png")
    out["bad/bomb.png"] = Expected(error=TooLarge)
    # --- RAW: a real DNG (loads with rawpy, MissingCodec without), and a .cr2 that is not RAW at all
    m = mt()
    make_dng(root / "raw/camera.dng", "green", (96, 64), orientation=6, mtime=m)
    out["raw/camera.dng"] = (
        Expected(
            size=(64, 96), color=PALETTE["green"], format="RAW", taken_at=m, taken_at_source="mtime",
            orientation=6, camera_make="Canon", camera_model="Canon EOS TEST",
        )
        if rawpy_available()
        else Expected(error=MissingCodec)
    )
    (root / "bad/fake.cr2").write_bytes(b"II*\x00\x10\x00\x00\x00CR\x02\x00" + b"\x00" * 64)
    out["bad/fake.cr2"] = Expected(error=UnsupportedImage)  # MissingCodec without rawpy

    # --- not images at all: scanners must skip these by extension
    (root / "notes.txt").write_text("not a photo\n")
    out["notes.txt"] = Expected(supported=False)
    return out
