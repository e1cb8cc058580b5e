"""Decoded pixels -> what callers get: mode RGB, alpha on white, reduced towards a target, upright.

With a `target`, both sides are bounded (`MAX_ASPECT`): a 10000x1 strip
would otherwise become gigabytes in the caller's short-side resize.
"""
from __future__ import annotations

import io

from PIL import Image, ImageFile

from photosearch.images.errors import CorruptImage, ImageError, TooLarge, UnsupportedImage

#: Widest aspect ratio (long side : short side) `load_image` hands out when given a `target`; a wider
#: image keeps its centre.  The pixel cap alone does not bound what callers make of a strip: every encoder
#: scales the *short* side up to its input size, so a 111-byte 10000x1 PNG became a 2,240,000x224 image
#: (+2.0 GB peak RSS measured with the 224 px CLIP transform) and a 100000x1 one a MemoryError.  At 20:1
#: that step stays under 224 x 4480 (3 MB), the central square the encoders crop is unchanged, and real
#: panoramas (a few to one) are untouched.
MAX_ASPECT = 20

_TRANSPOSE = {  # same table as ImageOps.exif_transpose
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _finish(im: Image.Image, path: str, target: int | None, orientation: int) -> Image.Image:
    """Decoded image -> RGB, reduced towards target, upright.

    The orientation is applied by hand (same table as exif_transpose) because
    the mode conversion drops TIFF tags, and after reducing so it moves fewer
    pixels.  With a target, an extreme strip is cropped to `MAX_ASPECT` first,
    so neither this nor the caller's resize ever holds more than it needs.
    """
    try:
        if target is not None:
            im = _bound_aspect(im)
        out = _to_rgb(im, path)
        if target is not None:
            factor = min(out.size) // target
            if factor >= 2:
                out = out.reduce(factor)
        method = _TRANSPOSE.get(orientation)
        if method is not None:
            out = out.transpose(method)
    except ImageError:
        raise
    except MemoryError as e:
        raise TooLarge("not enough memory to convert the image", path) from e
    except Exception as e:
        raise CorruptImage(f"could not convert {im.mode} pixels to RGB: {e}", path) from e
    out.info.clear()  # no stale exif/icc riding along into pickles and thumbnails
    return out


def _bound_aspect(im: Image.Image) -> Image.Image:
    """The central MAX_ASPECT:1 part of a wider image (orientation-neutral: the crop is centred)."""
    w, h = im.size
    if w > h * MAX_ASPECT:
        left = (w - h * MAX_ASPECT) // 2
        return im.crop((left, 0, left + h * MAX_ASPECT, h))
    if h > w * MAX_ASPECT:
        top = (h - w * MAX_ASPECT) // 2
        return im.crop((0, top, w, top + w * MAX_ASPECT))
    return im


def _to_rgb(im: Image.Image, path: str) -> Image.Image:
    mode = im.mode
    if mode == "RGB" and "transparency" not in im.info:
        return im.copy() if isinstance(im, ImageFile.ImageFile) else im
    if mode.startswith("I;16") or mode in ("I", "F"):
        return _high_depth_to_rgb(im)
    if mode == "CMYK":
        return _cmyk_to_rgb(im)
    has_alpha = "A" in im.getbands() or "a" in im.getbands() or "transparency" in im.info
    if has_alpha:
        rgba = im.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(bg, rgba).convert("RGB")
    try:
        return im.convert("RGB")
    except ValueError as e:
        raise UnsupportedImage(f"unsupported pixel mode {mode}", path) from e


def _high_depth_to_rgb(im: Image.Image) -> Image.Image:
    """16/32-bit and float greyscale to 8 bits by scaling, not clipping.

    A plain convert("L") clips everything above 255, which turns a normal
    16-bit photo into a white rectangle.
    """
    if im.mode.startswith("I;16"):
        im = im.convert("I")
        lo, hi = 0.0, 65535.0
    else:
        lo, hi = (float(x) for x in im.getextrema())  # type: ignore[misc]
        if im.mode == "I" and lo >= 0 and hi <= 65535:
            lo, hi = 0.0, 65535.0  # 16-bit data held in a 32-bit mode
        elif im.mode == "F" and lo >= 0 and hi <= 1:
            lo, hi = 0.0, 1.0
    span = hi - lo if hi > lo else 1.0
    scale = 255.0 / span
    scaled = im.point(lambda v: v * scale - lo * scale)  # linear: PIL runs it in C
    return scaled.convert("L").convert("RGB")


def _cmyk_to_rgb(im: Image.Image) -> Image.Image:
    """Use the embedded ICC profile when there is one: naive CMYK->RGB is visibly off for print files."""
    icc = im.info.get("icc_profile")
    if icc:
        try:
            from PIL import ImageCms

            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            out = ImageCms.profileToProfile(im, src, dst, outputMode="RGB")
            if out is not None:
                return out
        except Exception:
            pass  # broken profile or no littlecms: fall back
    return im.convert("RGB")
