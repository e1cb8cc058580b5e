"""Words inside photos: text recognition (RapidOCR's PP-OCR models on onnxruntime, shipped in its wheel).

No torch, no Qt, no network: the detection, angle-classification and recognition models are read from the
`rapidocr` wheel's own folder, and a missing file is a one-line `OcrUnavailable`, never a download.

    from photosearch.ocr import Recognizer
    result = Recognizer.shared().read_file("receipt.jpg")    # TextResult(status, lines, engine)
    for line in result.lines:                                  # TextLine(text, confidence, box)
        print(line.text, line.box)                             # box: 4 (x, y) points, displayed pixels
"""
from __future__ import annotations

from photosearch.lazy_names import lazy_names
from photosearch.ocr.words import fold, has_cjk, span_box, words  # light; `words` also names that module

# Loaded on first use: the store reads `TextResult` rows without importing the engine (43 ms, Pillow, rapidocr).
_WHERE = {
    "OcrConfig": "photosearch.ocr.engine", "OcrUnavailable": "photosearch.ocr.engine",
    "engine_version": "photosearch.ocr.engine", "Recognizer": "photosearch.ocr.recognizer",
    "TextLine": "photosearch.ocr.results", "TextResult": "photosearch.ocr.results",
    "TextStatus": "photosearch.ocr.results",
}
__all__ = [
    "OcrConfig", "OcrUnavailable", "Recognizer", "TextLine", "TextResult", "TextStatus", "engine_version", "fold",
    "has_cjk", "span_box", "words",
]
__getattr__, __dir__ = lazy_names(__name__, _WHERE)
