"""What a person choosing a model needs to know: download size, languages, how long a query may be, and how
long indexing this library would take on this machine.

Speeds are measured figures, end to end (decode, preprocess, encode, write), stored in each preset's `card`:
on the project's 2-core CPU machine (EVA02-L/14-336 0.2 photos/s, Long-CLIP-B 2.4, ViT-B/32 5.9, README
"Speed") and on an H200 with 16 cores (EVA02-L 139 photos/s, decode-bound ~200 for the smaller towers, issue
9). CPU throughput scales with cores, but not perfectly: decode threads and torch share them, so each core
past two counts for 0.7 of one (the 2-core figures were taken with both busy). MPS is counted as 4 CPU
cores' worth, a rough figure nobody here could measure.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum
from typing import Any

from photosearch.factory import Preset


class DeviceKind(str, Enum):
    CUDA = "cuda"
    MPS = "mps"
    CPU = "cpu"


@dataclass(frozen=True)
class PresetCard:
    title: str
    multilingual: bool
    max_words: int  # content tokens a query may hold (the figure `models info` and the cut notice use)
    download_bytes: int
    cpu_photos_per_s: float  # measured on 2 CPU cores
    gpu_photos_per_s: float
    needs_gpu: bool = False

    @classmethod
    def of(cls, preset: Preset) -> "PresetCard":
        card: dict[str, Any] = preset.card or {}
        speed = card.get("photos_per_s", {})
        return cls(
            title=card.get("title", preset.name),
            multilingual=bool(card.get("multilingual", False)),
            max_words=int(card.get("max_words", 0)),
            download_bytes=int(float(card.get("download_gb", 0)) * 1e9),
            cpu_photos_per_s=float(speed.get("cpu_2_cores", 0) or 0),
            gpu_photos_per_s=float(speed.get("gpu", 0) or 0),
            needs_gpu=bool(card.get("needs_gpu", False)),
        )

    def photos_per_s(self, device: DeviceKind, cores: int | None = None) -> float:
        cores = max(1, cores or os.cpu_count() or 2)
        cpu = self.cpu_photos_per_s * (min(cores, 2) + 0.7 * max(0, min(cores, 32) - 2)) / 2
        if device == DeviceKind.CUDA:
            return self.gpu_photos_per_s or cpu
        if device == DeviceKind.MPS:
            return self.cpu_photos_per_s * 2 if self.cpu_photos_per_s else 0.0
        return cpu

    def index_seconds(self, photos: int, device: DeviceKind, cores: int | None = None) -> float | None:
        """Estimated time to index `photos` photos; None when no speed is known for this model."""
        rate = self.photos_per_s(device, cores)
        return photos / rate if rate > 0 else None


def recommended(presets: list[Preset], device: DeviceKind) -> Preset | None:
    """The default for this machine: LLM2CLIP's 1B pair with a GPU; on a CPU the fastest multilingual model
    that still indexes 10,000 photos within a working day, else the fastest of all."""
    by_name = {p.name: p for p in presets}
    if device == DeviceKind.CUDA and "llm2clip-1b" in by_name:
        return by_name["llm2clip-1b"]
    cards = {p.name: PresetCard.of(p) for p in presets}
    usable = [p for p in presets if not cards[p.name].needs_gpu and cards[p.name].cpu_photos_per_s > 0]
    day = [p for p in usable if cards[p.name].multilingual and (cards[p.name].index_seconds(10_000, device) or 1e9) <= 8 * 3600]
    pool = day or usable
    return max(pool, key=lambda p: cards[p.name].photos_per_s(device)) if pool else None


def describe_duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def detect_device() -> DeviceKind:
    """What `--device auto` would use here. Imports torch (~2.5 s): call it off any GUI thread."""
    import torch

    if torch.cuda.is_available():
        return DeviceKind.CUDA
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return DeviceKind.MPS
    return DeviceKind.CPU
