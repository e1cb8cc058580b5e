"""Photos with words in them, rendered with PIL: several fonts and sizes, rotated, on textured backgrounds.

`latin_font` is PIL's bundled scalable font (Pillow >= 10.1), always there but ASCII only; umlauts and CJK need
a system font, which `umlaut_font` / `cjk_font` find or return None (the test then skips, saying why).
"""
from __future__ import annotations

import glob
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

_UMLAUT_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "/Library/Fonts/Arial.ttf",
    "C:/Windows/Fonts/arial.ttf",
)


def latin_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size)  # type: ignore[return-value]


@lru_cache(maxsize=None)
def _font_path(kind: str) -> str | None:
    if kind == "umlaut":
        found = [p for p in _UMLAUT_FONTS if Path(p).is_file()]
        if found:
            return found[0]
    if shutil.which("fc-match"):
        query = ":lang=zh" if kind == "cjk" else ":lang=de"
        out = subprocess.run(["fc-list", query, "file"], capture_output=True, text=True).stdout
        files = sorted(line.split(":")[0].strip() for line in out.splitlines() if line.strip())
        files = [f for f in files if "Sans" in f] or files
        if files:
            return files[0]
    if kind == "cjk":
        found = sorted(glob.glob("/usr/share/fonts/**/*CJK*", recursive=True))
        return found[0] if found else None
    return None


def umlaut_font(size: int) -> ImageFont.FreeTypeFont | None:
    path = _font_path("umlaut")
    return ImageFont.truetype(path, size) if path else None


def cjk_font(size: int) -> ImageFont.FreeTypeFont | None:
    path = _font_path("cjk")
    return ImageFont.truetype(path, size) if path else None


def background(size: tuple[int, int], seed: int) -> Image.Image:
    """A textured, photo-like background: smooth colour blobs plus grain. Same seed family = look-alikes."""
    rng = np.random.default_rng(seed)
    w, h = size
    coarse = rng.integers(60, 200, (max(h // 40, 2), max(w // 40, 2), 3), dtype=np.uint8)
    img = Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(2))
    grain = rng.normal(0, 8, (h, w, 3))
    return Image.fromarray(np.clip(np.asarray(img, dtype=np.float64) + grain, 0, 255).astype(np.uint8))


def text_photo(path: Path, text: str, font: ImageFont.FreeTypeFont, *, size: tuple[int, int] = (480, 300),
               angle: float = 0.0, seed: int = 0, exif_orientation: int | None = None) -> Path:
    """`text` on a light sign (as on a shop front or a receipt) over a textured background, rotated by `angle`
    degrees; with `exif_orientation` the pixels are stored turned and the EXIF tag turns them back."""
    img = background(size, seed)
    left, top, right, bottom = font.getbbox(text)
    pad = max(6, (bottom - top) // 3)
    sign = Image.new("RGBA", (right - left + 2 * pad, bottom - top + 2 * pad), (245, 240, 225, 255))
    ImageDraw.Draw(sign).text((pad - left, pad - top), text, font=font, fill=(25, 20, 20, 255))
    if angle:
        sign = sign.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    x, y = (size[0] - sign.width) // 2, (size[1] - sign.height) // 2
    img.paste(sign, (max(x, 0), max(y, 0)), sign)
    path.parent.mkdir(parents=True, exist_ok=True)
    if exif_orientation == 6:  # displayed = stored turned 90 degrees clockwise
        exif = Image.Exif()
        exif[0x0112] = 6
        img.transpose(Image.Transpose.ROTATE_90).save(path, quality=92, exif=exif)
    else:
        img.save(path, quality=92)
    return path


def plain_photo(path: Path, seed: int, size: tuple[int, int] = (480, 300)) -> Path:
    """A look-alike of `text_photo`'s backgrounds with no words."""
    path.parent.mkdir(parents=True, exist_ok=True)
    background(size, seed).save(path, quality=92)
    return path
