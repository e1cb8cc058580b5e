"""The one encoder interface every backend implements.

A backend supplies three loaders (vision tower, tokenizer, text tower) instead of loaded modules, so that
indexing (images only) never pays for the LLM and a text query never pays for the ViT. The towers are plain
`torch.nn.Module`s so fine-tuning can train exactly the modules that search uses.
"""
from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol, Sequence, TypeVar

import numpy as np
import torch
from PIL import Image

from photosearch.encoders.device import DevicePlan
from photosearch.encoders.int8 import quantize_int8
from photosearch.errors import ModelError, ModelUnusable, PhotoSearchError
from photosearch.progress import Phase, Progress, ProgressCallback, Unit
from photosearch.text_info import TextInfo

T = TypeVar("T")


@dataclass
class TokenizedTexts:
    """Model-ready tensors plus one `TextInfo` per input text."""

    tensors: dict[str, torch.Tensor]
    info: list[TextInfo] = field(default_factory=list)

    def to(self, device: torch.device) -> "TokenizedTexts":
        return TokenizedTexts({k: v.to(device) for k, v in self.tensors.items()}, self.info)


class Tokenizer(Protocol):
    """Texts -> model inputs plus a `TextInfo` each; `max_content` is how many content tokens the model reads."""

    max_content: int

    def __call__(self, texts: Sequence[str]) -> TokenizedTexts: ...


class VisionTower(torch.nn.Module, ABC):
    """Pixels -> unnormalised embedding. `transform` is picklable so decode workers can run it."""

    image_size: int
    output_dim: int

    @property
    @abstractmethod
    def transform(self) -> Callable[[Image.Image], torch.Tensor]:
        """RGB PIL image -> CHW float tensor, exactly as the reference preprocessing."""

    @abstractmethod
    def forward(self, pixels: torch.Tensor) -> torch.Tensor: ...

    def place(self, device: torch.device, dtype: torch.dtype) -> "VisionTower":
        return self.to(device=device, dtype=dtype)


class TextTower(torch.nn.Module, ABC):
    """Tokenized texts -> unnormalised embedding."""

    output_dim: int

    @abstractmethod
    def forward(self, batch: TokenizedTexts) -> torch.Tensor: ...

    def place(self, device: torch.device, dtype: torch.dtype) -> "TextTower":
        """Move to the device. Towers that mix precisions (LLM in bf16, adaptor in fp32) override this."""
        return self.to(device=device, dtype=dtype)


VisionLoader = Callable[[DevicePlan], VisionTower]
TextLoader = Callable[[DevicePlan], TextTower]
# Loaders get the device plan so they can read weights straight into the run dtype (an 8B LLM read as float32
# first would need twice its bf16 size in RAM); `Encoder` then moves the tower with `place()`.


class Encoder:
    """Embeds images and texts into one L2-normalised space.

    `model_id` names the exact weights: the store keys embeddings by it, so two checkpoints never mix.
    `dim`, `image_size` and `max_text_tokens` are known without loading a tower (backends read them off
    checkpoint shapes and configs), so a library can plan work and a UI can show limits at once.

    Each part loads on first use under its own lock: a first text query that spends a minute reading an LLM
    never holds up indexing, which only needs the vision tower. Tower loads report `Phase.LOAD` progress to
    `progress`, and any failure to read a tower's files is a `ModelError` naming the model.
    """

    def __init__(
        self,
        *,
        model_id: str,
        dim: int,
        image_size: int,
        max_text_tokens: int | None,
        load_vision: VisionLoader | None,
        load_tokenizer: Callable[[], Tokenizer] | None,
        load_text: TextLoader | None,
        device: DevicePlan | None = None,
        batch_size: int = 32,
        weight_files: Sequence[Path] = (),
    ) -> None:
        self.model_id = model_id
        self.weight_files = tuple(weight_files)  # what `model_id` fingerprints, where known (a quick export checks them)
        self.spec = ""  # the canonical spec string it was made from (set by the factory); the store records it
        self.dim = dim
        self.image_size = image_size
        self._max_text_tokens = max_text_tokens  # None: ask the tokenizer (cheap; no weights)
        self.device = device or DevicePlan.cpu()
        self.batch_size = batch_size
        self.progress: ProgressCallback | None = None
        self._load_vision = load_vision
        self._load_tokenizer = load_tokenizer
        self._load_text = load_text
        self._vision: VisionTower | None = None
        self._tokenizer: Tokenizer | None = None
        self._text: TextTower | None = None
        self._vision_lock = threading.Lock()
        self._tokenizer_lock = threading.Lock()
        self._text_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Encoder({self.model_id!r}, dim={self.dim}, image_size={self.image_size})"

    @property
    def max_text_tokens(self) -> int:
        """Content tokens of a query the model reads (templates and special tokens excluded); a longer query
        is cut, and `TextInfo.kept_tokens` of a cut query equals this number."""
        if self._max_text_tokens is None:
            self._max_text_tokens = int(self.tokenizer.max_content)
        return self._max_text_tokens

    # -- lazily loaded parts -------------------------------------------------------------------------
    def _loading(self, what: str, load: Callable[[], T], report: bool = True) -> T:
        name = self.spec or self.model_id
        report = report and self.progress is not None
        if report:
            self.progress(Progress(Phase.LOAD, 0, 1, Unit.STEPS, current=f"{what} of {name}"))
        try:
            part = load()
        except PhotoSearchError:
            raise
        except (ValueError, KeyError, OSError) as exc:
            raise ModelError(f"cannot load the {what} of {name}: {exc}") from exc
        except RuntimeError as exc:  # torch's load_state_dict: a tensor the architecture cannot take
            if "loading state_dict" not in str(exc):
                raise
            first = next((line.strip() for line in str(exc).splitlines()[1:] if line.strip()), str(exc))
            raise ModelError(f"cannot load the {what} of {name}: its weights do not fit the model ({first})") from exc
        if report:
            self.progress(Progress(Phase.LOAD, 1, 1, Unit.STEPS, current=f"{what} of {name}"))
        return part

    @property
    def vision(self) -> VisionTower:
        with self._vision_lock:
            if self._vision is None:
                if self._load_vision is None:
                    raise ModelError(f"{self.spec or self.model_id} has no image tower")
                loader = self._load_vision
                tower = self._loading("image tower", lambda: loader(self.device))
                tower = self._quantized(tower.place(self.device.device, self.device.vision_dtype).eval())
                self._probe("image tower", lambda: tower(self._probe_pixels(tower)))
                self._vision = tower
            return self._vision

    @property
    def tokenizer(self) -> Tokenizer:
        with self._tokenizer_lock:
            if self._tokenizer is None:
                if self._load_tokenizer is None:
                    raise ModelError(f"{self.spec or self.model_id} has no text tower")
                loader = self._load_tokenizer
                self._tokenizer = self._loading("tokenizer", loader, report=False)  # fast: no weights
            return self._tokenizer

    @property
    def text(self) -> TextTower:
        with self._text_lock:
            if self._text is None:
                if self._load_text is None:
                    raise ModelError(f"{self.spec or self.model_id} has no text tower")
                loader = self._load_text
                tower = self._loading("text tower", lambda: loader(self.device))
                tower = self._quantized(tower.place(self.device.device, self.device.text_dtype).eval())
                tokenizer = self.tokenizer
                self._probe("text tower", lambda: tower(tokenizer([PROBE_TEXT]).to(self.device.device)))
                self._text = tower
            return self._text

    def _probe_pixels(self, tower: VisionTower) -> torch.Tensor:
        return tower.transform(probe_image()).unsqueeze(0).to(self.device.device, self.device.vision_dtype)

    @torch.inference_mode()
    def _probe(self, what: str, forward: Callable[[], torch.Tensor]) -> None:
        """Refuse a tower whose output no search can use, once, right after it loads.

        Why: a checkpoint with NaN weights, an all-zero or infinite projection loads without complaint and
        then writes NaN or all-zero vectors into a library (or fails only at the first search). The probe
        runs one input (`probe_image()` or `PROBE_TEXT`) through the tower, exactly as encoding does, and
        raises `ModelUnusable` unless the vector is finite and normalises to unit length.

        Cost: one forward pass of batch 1, i.e. what embedding one photo or one query costs, once per tower load.
        Measured on the tiny test Long-CLIP (2-core CPU, 1 thread): image probe 2.7 ms, text probe 10.6 ms, against
        254 ms to load both towers. For a real model it is one photo's time (LLM2CLIP-1B's EVA02-L on a 2-core CPU
        indexes 0.2 photos/s, so ~5 s on top of loading it) or one query's.
        """
        name = self.spec or self.model_id
        try:
            raw = forward().float()
        except torch.cuda.OutOfMemoryError:
            raise  # the machine, not the model
        except (RuntimeError, ValueError) as exc:  # a tensor of the wrong shape that loading let through
            raise ModelUnusable(f"{name} cannot be used: its {what} fails on a test input ({exc})") from exc
        if raw.ndim != 2 or raw.shape[-1] != self.dim:
            raise ModelUnusable(f"{name} cannot be used: its {what} gives vectors of shape {tuple(raw.shape[1:])}, "
                                f"not ({self.dim},)")
        if not torch.isfinite(raw).all():
            raise ModelUnusable(f"{name} cannot be used: its {what} gives NaN or infinite values (its weights are "
                                "damaged, or it overflows at this precision)")
        norm = float(torch.linalg.vector_norm(torch.from_numpy(_normalise(raw)), dim=-1).min())
        if not norm > 0.99:
            raise ModelUnusable(f"{name} cannot be used: its {what} gives all-zero vectors (its weights are damaged)")

    def _quantized(self, tower: T) -> T:
        return quantize_int8(tower) if self.device.int8 else tower  # type: ignore[return-value]

    def float_text_tower(self) -> TextTower:
        """The text tower in float32 on the CPU, unquantised: the loaded one if it already is that, else a fresh
        build (an export, `photosearch.quick_text.export`, copies the model's exact weights)."""
        plan = self.device
        if plan.device.type == "cpu" and plan.text_dtype == torch.float32 and not plan.int8:
            return self.text
        if self._load_text is None:
            raise ModelError(f"{self.spec or self.model_id} has no text tower")
        loader = self._load_text
        cpu = DevicePlan.cpu()
        return self._loading("text tower", lambda: loader(cpu)).place(cpu.device, torch.float32).eval()

    def unload_text(self) -> bool:
        """Free the text tower (the app does this after an idle time); the next query loads it again."""
        with self._text_lock:
            loaded, self._text = self._text is not None, None
        return loaded

    def verify(self, with_text: Callable[["Encoder"], object] | None = None, text_checked: bool = False) -> None:
        """Load every tower this model has, so each runs its probe (`_probe`): what a library does once before it
        records a new model. `with_text` runs while the text tower is loaded (the indexer exports it for quick
        queries then); a text tower loaded only for this is freed again (indexing never needs it).
        `text_checked`: the text tower passed its probe before (its quick export exists, which is only made
        from a probed tower), so it is not loaded again: for ViT-B/32 that saves ~1.6 s and ~600 MB of peak
        memory in every new library's first index."""
        if self._load_vision is not None:
            _ = self.vision
        if self._load_text is not None and not text_checked:
            loaded = self.text_loaded
            _ = self.text
            if with_text is not None:
                with_text(self)
            if not loaded:
                self.unload_text()

    @property
    def vision_loaded(self) -> bool:
        return self._vision is not None

    @property
    def text_loaded(self) -> bool:
        return self._text is not None

    @property
    def image_transform(self) -> Callable[[Image.Image], torch.Tensor]:
        return self.vision.transform

    # -- encoding -------------------------------------------------------------------------------------
    @torch.inference_mode()
    def encode_pixels(self, pixels: torch.Tensor) -> np.ndarray:
        """Preprocessed (N, 3, H, W) batch -> (N, dim) float32, L2-normalised."""
        tower = self.vision
        out = []
        for start in range(0, len(pixels), self.batch_size):
            chunk = pixels[start : start + self.batch_size].to(self.device.device, self.device.vision_dtype)
            out.append(_normalise(tower(chunk)))
        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        """RGB PIL images (already oriented by `photosearch.images`) -> (N, dim) float32, L2-normalised."""
        if not images:
            return np.zeros((0, self.dim), np.float32)
        transform = self.image_transform
        return self.encode_pixels(torch.stack([transform(im) for im in images]))

    def text_info(self, texts: Sequence[str]) -> list[TextInfo]:
        """Token counts and truncation, without loading the text model's weights."""
        return self.tokenizer(list(texts)).info

    @torch.inference_mode()
    def encode_texts_with_info(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TextInfo]]:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32), []
        tower, tokenizer = self.text, self.tokenizer
        out, info = [], []
        for start in range(0, len(texts), self.batch_size):
            batch = tokenizer(texts[start : start + self.batch_size])
            out.append(_normalise(tower(batch.to(self.device.device))))
            info.extend(batch.info)
        return np.concatenate(out), info

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Texts -> (N, dim) float32, L2-normalised."""
        return self.encode_texts_with_info(texts)[0]


PROBE_TEXT = "a photo of a dog on a beach"


def probe_image() -> Image.Image:
    """A small deterministic test picture (colour ramps and a square): every usable model maps it to a finite,
    non-zero vector."""
    ramp = np.linspace(0, 255, 64, dtype=np.float32)
    rgb = np.stack([np.add.outer(ramp, ramp) / 2, np.tile(ramp, (64, 1)), np.tile(ramp[:, None], (1, 64))], -1)
    rgb[20:44, 20:44] = (230, 40, 40)
    return Image.fromarray(rgb.astype(np.uint8), "RGB")


def _normalise(features: torch.Tensor) -> np.ndarray:
    features = features.float()
    return torch.nn.functional.normalize(features, dim=-1).cpu().numpy().astype(np.float32, copy=False)
