"""An indexed model as the library knows it (id, width, spec), its towers built only when a query needs them.

Why: a CLI search is a whole process, and building any encoder imports torch and open_clip (2.5-4 s here)
before the first tower loads. A repeated text query (its vector persists in the library) and a query by an
indexed photo (its vector is in the index) need neither, so the search path holds this instead.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable

from photosearch.errors import ModelError

if TYPE_CHECKING:
    from photosearch.encoders.base import Encoder


class LazyEncoder:
    """Stands in for an `Encoder`: `model_id`, `dim` and `spec` come from the library's model record; any other
    attribute builds the real encoder (once, thread-safe) and is read from it."""

    def __init__(self, model_id: str, dim: int, spec: str, load: Callable[[], "Encoder"]) -> None:
        self.model_id = model_id
        self.dim = dim
        self.spec = spec
        self._load = load
        self._encoder: Encoder | None = None
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

    def __getattr__(self, name: str) -> Any:  # only called for what is not set above
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.get(), name)
