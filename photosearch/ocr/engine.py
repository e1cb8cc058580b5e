"""The RapidOCR engine: its bundled model files, its version string, and one engine per process.

RapidOCR 3.10.0's wheel ships three ONNX models (31 MB): PP-OCRv6 small detection and recognition
(multilingual: Chinese simplified and traditional, English, Japanese and the Latin-script languages of its
`default_models.yaml`, German and French included) and the PP-OCR mobile v2.0 angle classifier (0/180 degrees).
Other languages' models (Korean, Arabic, Cyrillic, Devanagari...) are not in the wheel; RapidOCR would download
them, which this module never lets it do: every model path is given explicitly and must exist.

The engine runs on onnxruntime's CPU provider with `threads` intra-op threads (default half the cores, at most
4), so recognising text never takes the whole machine from embedding.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from photosearch.errors import OcrUnavailable

DET_MODEL = "PP-OCRv6_det_small.onnx"
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
RECIPE = 1  # bump when what this module does with the engine changes the results: every photo is read again


def _default_threads() -> int:
    return max(1, min(4, (os.cpu_count() or 2) // 2))


@dataclass(frozen=True)
class OcrConfig:
    """How photos are read. `quick_side` 0 turns the quick look off (every photo gets the full pass)."""

    quick_side: int = 640  # long side of the detection-only first look; no box -> "no text"
    full_side: int = 1600  # long side of the full pass (detection, angle, recognition)
    min_confidence: float = 0.5  # lines recognised with less are dropped
    threads: int = field(default_factory=_default_threads)


def model_dir() -> Path:
    """The `rapidocr` wheel's model folder, found without importing the package (its import takes ~1 s)."""
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or spec.origin is None:
        raise OcrUnavailable("reading text in photos needs the rapidocr package (pip install rapidocr==3.10.0)")
    return Path(spec.origin).parent / "models"


def model_files() -> dict[str, Path]:
    folder = model_dir()
    files = {"det": folder / DET_MODEL, "cls": folder / CLS_MODEL, "rec": folder / REC_MODEL}
    missing = [p.name for p in files.values() if not p.is_file()]
    if missing:
        raise OcrUnavailable(f"the rapidocr package in {folder.parent} lacks its bundled model(s) {', '.join(missing)}; "
                             "reinstall rapidocr==3.10.0")
    return files


def engine_version() -> str:
    """Names what reads the text: the package, each model's file name and size, and this module's recipe.

    Stored with every result, so an upgrade of any of them reads every photo again. Cheap (no import, no
    hashing): `status` and the indexer's plan call it.
    """
    files = model_files()
    version = importlib.metadata.version("rapidocr")
    models = " ".join(f"{p.name}:{p.stat().st_size}" for p in files.values())
    return f"rapidocr {version} {models} recipe {RECIPE}"


class Engines:
    """The two RapidOCR pipelines a Recognizer uses: detection only (the quick look) and the full one."""

    def __init__(self, config: OcrConfig) -> None:
        files = model_files()
        try:
            from rapidocr import RapidOCR
        except ImportError as e:
            raise OcrUnavailable(f"reading text in photos needs rapidocr and onnxruntime: {e}") from e
        common: dict[str, Any] = {
            "Global.log_level": "error",
            "Det.model_path": str(files["det"]),
            "Cls.model_path": str(files["cls"]),
            "Rec.model_path": str(files["rec"]),
            "EngineConfig.onnxruntime.intra_op_num_threads": config.threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        # The quick look: detection on the downscaled image as it is ("max": never upscaled).
        self.quick = RapidOCR(params={**common, "Global.use_cls": False, "Global.use_rec": False,
                                      "Det.limit_type": "max", "Det.limit_side_len": config.quick_side or 640,
                                      "Global.max_side_len": max(config.quick_side, 32)})
        self.full = RapidOCR(params={**common, "Global.max_side_len": config.full_side,
                                     "Global.text_score": config.min_confidence})
        self.lock = threading.Lock()  # one photo at a time per engine: the thread count stays bounded


_engines: dict[OcrConfig, Engines] = {}
_engines_lock = threading.Lock()


def engines(config: OcrConfig) -> Engines:
    """The process's engines for `config`, built on first use."""
    with _engines_lock:
        found = _engines.get(config)
        if found is None:
            found = _engines[config] = Engines(config)
        return found
