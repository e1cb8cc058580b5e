"""An indexed model as the library knows it (id, width, spec), its towers built only when a query needs them.

Why: a CLI search is a whole process, and building any encoder imports torch and open_clip (2.5-4 s here)
before the first tower loads. A repeated text query (its vector persists in the library) and a query by an
indexed photo (its vector is in the index) need neither, so the search path holds this instead. A new text
query needs neither either once the model's text tower has a quick export (`photosearch.quick_text`): it is
tokenised and embedded by onnxruntime, and torch is imported only for what the export cannot do.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from photosearch.errors import ModelError
from photosearch.text_info import TextInfo

if TYPE_CHECKING:
    from photosearch.encoders.base import Encoder
    from photosearch.quick_text.runner import QuickText

log = logging.getLogger(__name__)
_UNKNOWN = object()


class LazyEncoder:
    """Stands in for an `Encoder`: `model_id`, `dim` and `spec` come from the library's model record; any other
    attribute builds the real encoder (once, thread-safe) and is read from it."""

    def __init__(self, model_id: str, dim: int, spec: str, load: Callable[[], "Encoder"],
                 loaded: "Encoder | None" = None) -> None:
        self.model_id = model_id
        self.dim = dim
        self.spec = spec
        self._load = load
        self._encoder: Encoder | None = loaded  # one built already in this process (the app's indexer's)
        self._quick: Any = _UNKNOWN  # QuickText, None (no export) or not looked for yet
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._encoder is not None

    def get(self) -> "Encoder":
        with self._lock:
            if self._encoder is None:
                encoder = self._load()
                if encoder.model_id != self.model_id:
                    raise ModelError(
                        f"the weights of {self.spec} changed since this library was indexed with them: "
                        "index the library again (`photosearch index`) to search with the new ones"
                    )
                self._encoder = encoder
            return self._encoder

    def _quick_text(self) -> "QuickText | None":
        """The quick export, unless the real text tower is loaded here already (then that one answers)."""
        with self._lock:
            if self._encoder is not None and self._encoder.text_loaded:
                return None
            if self._quick is _UNKNOWN:
                from photosearch.quick_text.runner import open_quick_text

                self._quick = open_quick_text(self.model_id)
            return self._quick

    def encode_texts_with_info(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TextInfo]]:
        quick = self._quick_text()
        if quick is not None:
            try:
                return quick.encode_texts_with_info(texts)
            except Exception as e:  # noqa: BLE001 - onnxruntime's errors have no common base; the tower still answers
                from photosearch.quick_text.runner import quick_text_folder, remove_export

                log.warning("the quick text export of %s failed (%s); using the model itself", self.spec, e)
                remove_export(quick_text_folder(self.model_id))
                with self._lock:
                    self._quick = None
        return self.get().encode_texts_with_info(texts)

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_texts_with_info(texts)[0]

    def text_info(self, texts: Sequence[str]) -> list[TextInfo]:
        quick = self._quick_text()
        return quick.text_info(texts) if quick is not None else self.get().text_info(texts)

    @property
    def max_text_tokens(self) -> int:
        quick = self._quick_text()
        return quick.max_text_tokens if quick is not None else self.get().max_text_tokens

    def prepare_quick_text(self, announce: Callable[[], None] | None = None) -> Path | None:
        """Export the text tower for torch-free queries if this process loaded it and no export exists yet
        (`photosearch.quick_text.export.ensure_export`); the export's folder, or None when there was nothing to
        do or the model's family has no quick path."""
        with self._lock:
            encoder = self._encoder
        if encoder is None or not encoder.text_loaded:
            return None
        from photosearch.quick_text.export import ensure_export

        return ensure_export(encoder, announce)

    def __getattr__(self, name: str) -> Any:  # only called for what is not set above
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.get(), name)
