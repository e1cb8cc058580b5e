"""Words inside photos: text recognition (RapidOCR's PP-OCR models on onnxruntime, shipped in its wheel).

No torch, no Qt, no network: the detection, angle-classification and recognition models are read from the
`rapidocr` wheel's own folder, and a missing file is a one-line `OcrUnavailable`, never a download.

    from photosearch.ocr import Recognizer
    result = Recognizer.shared().read_file("receipt.jpg")    # TextResult(status, lines, engine)
    for line in result.lines:                                  # TextLine(text, confidence, box)
        print(line.text, line.box)                             # box: 4 (x, y) points, displayed pixels
"""
from photosearch.ocr.engine import OcrConfig, OcrUnavailable, engine_version
from photosearch.ocr.recognizer import Recognizer
from photosearch.ocr.results import TextLine, TextResult, TextStatus
from photosearch.ocr.words import fold, has_cjk, span_box, words

__all__ = [
    "OcrConfig", "OcrUnavailable", "Recognizer", "TextLine", "TextResult", "TextStatus", "engine_version", "fold",
    "has_cjk", "span_box", "words",
]
