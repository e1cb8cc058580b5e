"""`Recognizer`: the recognised lines of one photo, or "no text", with a cheap first look.

The quick look runs detection alone on the photo shrunk to `quick_side` (640 px) on its long side; a photo in
which it finds no text box is "no text" without the full pass. Measured by `bench/bench_ocr.py` (see README,
Performance): the full pass costs several times the quick look, and most library photos hold no text.
"""
from __future__ import annotations

import logging
import os
import threading
from typing import Any, ClassVar

import numpy as np
from PIL import Image

from photosearch.images import ImageError, load_image
from photosearch.ocr.engine import OcrConfig, engine_version, engines
from photosearch.ocr.results import TextLine, TextResult, TextStatus

log = logging.getLogger(__name__)


MAX_LINE_SHARE = 0.4  # the quick look ignores detected boxes covering more of the picture than this


def _quad_area(box: np.ndarray) -> float:
    x, y = box[:, 0], box[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))


def _bgr(image: Image.Image, side: int) -> tuple[np.ndarray, float, float]:
    """The image shrunk to `side` on its long side (never enlarged) as a BGR array, and the factors from
    its pixels back to `image`'s."""
    rgb = image.convert("RGB")
    if max(rgb.size) > side:
        rgb = rgb.copy()
        rgb.thumbnail((side, side), Image.Resampling.BILINEAR)
    sx, sy = image.width / rgb.width, image.height / rgb.height
    return np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1]), sx, sy


class Recognizer:
    """Reads the text in photos. Thread-safe; the engines load on the first photo (~1 s) and are shared by
    every Recognizer of the process with the same config."""

    _shared: ClassVar[dict[OcrConfig, "Recognizer"]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, config: OcrConfig = OcrConfig()) -> None:
        self.config = config
        self.engine = engine_version()  # raises OcrUnavailable before any work when a model is missing

    @classmethod
    def shared(cls, config: OcrConfig = OcrConfig()) -> "Recognizer":
        with cls._shared_lock:
            found = cls._shared.get(config)
            if found is None:
                found = cls._shared[config] = cls(config)
            return found

    def has_text(self, image: Image.Image) -> bool:
        """The quick look: does detection on a small copy find any text box?"""
        arr, _, _ = _bgr(image, self.config.quick_side)
        eng = engines(self.config)
        with eng.lock:
            out: Any = eng.quick(arr, use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(out, "boxes", None)
        if boxes is None:
            return False
        # A "box" over most of the picture is grain or foliage at low resolution, not a line of text (seen on
        # every textured photo without words in tests/text_photos.py); text lines are a small part of a photo.
        area = float(arr.shape[0] * arr.shape[1])
        return any(_quad_area(np.asarray(b)) < MAX_LINE_SHARE * area for b in boxes)

    def read(self, image: Image.Image, scale: tuple[float, float] = (1.0, 1.0), quick: bool | None = None) -> TextResult:
        """Recognise `image` (upright). Boxes come back in `image`'s pixels times `scale` (to map a reduced
        decode back to the photo's displayed size). `quick` overrides the config's quick look."""
        use_quick = self.config.quick_side > 0 if quick is None else quick
        if use_quick and not self.has_text(image):
            return TextResult(TextStatus.NONE, engine=self.engine)
        arr, sx, sy = _bgr(image, self.config.full_side)
        sx, sy = sx * scale[0], sy * scale[1]
        eng = engines(self.config)
        with eng.lock:
            out: Any = eng.full(arr, use_det=True, use_cls=True, use_rec=True)
        texts, scores, boxes = getattr(out, "txts", None), getattr(out, "scores", None), getattr(out, "boxes", None)
        lines: list[TextLine] = []
        for text, score, box in zip(texts or (), scores or (), boxes if boxes is not None else ()):
            text = str(text).strip()
            if not text or float(score) < self.config.min_confidence:
                continue
            points = tuple((float(x) * sx, float(y) * sy) for x, y in np.asarray(box)[:4])
            lines.append(TextLine(text, float(score), points))  # type: ignore[arg-type]
        return TextResult(TextStatus.TEXT if lines else TextStatus.NONE, tuple(lines), self.engine)

    def read_file(self, path: str | os.PathLike[str], quick: bool | None = None) -> TextResult:
        """Load through the project's one image loader (EXIF orientation applied, JPEGs decoded at a reduced
        scale) and recognise; an unreadable photo is a FAILED result with the loader's reason, never a raise."""
        try:
            loaded = load_image(path, target=max(self.config.full_side // 2, 1))
        except ImageError as e:
            return TextResult(TextStatus.FAILED, engine=self.engine, error=e.reason)
        image = loaded.image
        scale = (loaded.width / image.width if loaded.width else 1.0, loaded.height / image.height if loaded.height else 1.0)
        try:
            return self.read(image, scale, quick)
        except Exception as e:  # noqa: BLE001 - an engine failure on one photo must cost that photo, not the run
            log.exception("text recognition failed on %s", path)
            return TextResult(TextStatus.FAILED, engine=self.engine, error=f"text recognition failed: {type(e).__name__}: {e}")
