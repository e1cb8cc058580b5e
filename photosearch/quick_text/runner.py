"""`QuickText`: an exported text tower, found by model id and run by onnxruntime (no torch).

An export lives in the user's cache, one folder per model id (the id fingerprints the weights, so an export
never outlives the weights it was made from): `text.onnx` (the graph), `text.data` (its weights, which
onnxruntime reads as external data: 0.2 s to open for ViT-B/32's text tower against 0.65 s with the weights
inside the graph), the tokenizer files and `quick.json`, written last. A folder is renamed into place whole, so a
reader sees a complete export or none.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from photosearch.quick_text.tokenizer import QuickTokenizer
from photosearch.text_info import TextInfo

log = logging.getLogger(__name__)

FORMAT = 1  # bump when what an export holds changes; older exports are then ignored (and made again)
GRAPH_FILE, WEIGHTS_FILE, META_FILE = "text.onnx", "text.data", "quick.json"


def quick_text_root() -> Path:
    import platformdirs

    return platformdirs.user_cache_path("PhotoSearch", appauthor=False) / "quick-text"


def quick_text_folder(model_id: str) -> Path:
    return quick_text_root() / hashlib.sha256(f"{FORMAT}:{model_id}".encode()).hexdigest()[:32]


class QuickText:
    """Embeds texts with an exported tower: the same vectors as the model's `Encoder.encode_texts_with_info`
    (checked to 1e-4 when the export was made), L2-normalised float32."""

    def __init__(self, folder: Path) -> None:
        import onnxruntime as ort

        meta = json.loads((folder / META_FILE).read_text())
        if meta.get("format") != FORMAT:
            raise ValueError(f"export format {meta.get('format')}, not {FORMAT}")
        self.model_id: str = meta["model_id"]
        self.dim = int(meta["dim"])
        self.weights: list[str] = meta.get("weights") or []
        self.fingerprint: str | None = meta.get("fingerprint")
        self.tokenizer = QuickTokenizer.load(folder)
        options = ort.SessionOptions()
        options.log_severity_level = 3  # its warnings are about graph rewrites, not about the user's query
        self._session = ort.InferenceSession(str(folder / GRAPH_FILE), options, providers=["CPUExecutionProvider"])

    def weights_unchanged(self) -> bool:
        """Whether the weight files the export was made from still hold those weights (~1 ms: the same quick
        fingerprint as model ids). A spec whose file was overwritten (a new fine-tune saved over the old one)
        must reach the real loader, which says to index again, rather than answer with the old tower."""
        return _same_weights(self.weights, self.fingerprint)

    @property
    def max_text_tokens(self) -> int:
        return self.tokenizer.max_content

    def text_info(self, texts: Sequence[str]) -> list[TextInfo]:
        return self.tokenizer(list(texts))[1]

    def encode_texts_with_info(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TextInfo]]:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32), []
        ids, info = self.tokenizer(texts)
        raw = self._session.run(None, {"input_ids": ids})[0].astype(np.float32, copy=False)
        norms = np.linalg.norm(raw, axis=-1, keepdims=True)
        return raw / np.maximum(norms, 1e-12), info


def has_export(model_id: str) -> bool:
    return (quick_text_folder(model_id) / META_FILE).is_file()


def open_quick_text(model_id: str) -> QuickText | None:
    """The model's export if one was made and opens, else None (the caller takes the torch path). A damaged
    export is removed, so the next query that loads the real tower makes it again."""
    folder = quick_text_folder(model_id)
    if not has_export(model_id):
        return None
    try:
        quick = QuickText(folder)
        if quick.model_id != model_id:
            raise ValueError(f"it was made for {quick.model_id}")
    except ImportError as e:  # onnxruntime missing or broken on this machine: the torch path still works
        log.info("quick text queries unavailable: %s", e)
        return None
    except Exception as e:  # noqa: BLE001 - any damage (a truncated file, a bad graph) means: make it again
        log.warning("the quick text export of %s is unusable (%s); it will be made again", model_id, e)
        remove_export(folder)
        return None
    if not quick.weights_unchanged():
        log.info("the weights of %s changed since its quick text export: not used", model_id)
        return None
    return quick


def _same_weights(weights: list[str], fingerprint: str | None) -> bool:
    """Whether `weights` (files an export was made from) still fingerprint as `fingerprint`; True if unknown."""
    if not weights or not fingerprint:
        return True
    from photosearch.hashing import weights_fingerprint

    try:
        return weights_fingerprint([Path(w) for w in weights]) == fingerprint
    except OSError:
        return False


def prune_stale(root: Path | None = None, *, leftovers_after_s: float = 3600.0) -> int:
    """Remove exports that can never answer again: their weight files are gone or hold other weights (a deleted
    fine-tune, a temporary model), and folders a crashed export left behind. Run after each new export, so the
    cache holds exports of weights that still exist (each is ~250 MB for a ViT-B/32 text tower). Returns how many
    were removed."""
    import shutil
    import time

    root = root or quick_text_root()
    removed = 0
    try:
        entries = list(root.iterdir())
    except OSError:
        return 0
    for entry in entries:
        try:
            if ".tmp-" in entry.name or ".gone-" in entry.name:
                if time.time() - entry.stat().st_mtime > leftovers_after_s:
                    shutil.rmtree(entry, ignore_errors=True)
                    removed += 1
                continue
            meta = json.loads((entry / META_FILE).read_text())
        except (OSError, ValueError):
            continue
        if not _same_weights(meta.get("weights") or [], meta.get("fingerprint")):
            remove_export(entry)
            removed += 1
    return removed


def remove_export(folder: Path) -> None:
    import shutil

    gone = folder.with_name(f"{folder.name}.gone-{os.getpid()}")
    try:
        folder.rename(gone)  # another reader never sees a half-deleted folder
    except OSError:
        return
    shutil.rmtree(gone, ignore_errors=True)
