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


GPU_DEFAULT = "llm2clip-1b"  # runs in ~4 GB of GPU memory; the 8B pair needs ~18 GB and is offered beside it
DAY_S = 8 * 3600


def recommended(presets: list[Preset], device: DeviceKind) -> Preset | None:
    """The default for this machine (why: README "Which model by default").

    A CUDA GPU gets LLM2CLIP's 1B pair (~140 photos/s there, queries in any language up to 507 words). Without
    one, the measured 2-core figures decide: EVA02-L/14-336 indexes ~0.2 photos/s (0.3 with int8), 14 h per
    10,000 photos, so the CPU default is the fastest multilingual model that indexes 10,000 photos within a
    working day (the XLM-R ViT-B/32, 5.9 photos/s: 30 min), else the fastest of all. Hidden presets (a name's
    former meaning) are never recommended."""
    presets = [p for p in presets if not p.card.get("hidden")]
    by_name = {p.name: p for p in presets}
    if device == DeviceKind.CUDA and GPU_DEFAULT in by_name:
        return by_name[GPU_DEFAULT]
    cards = {p.name: PresetCard.of(p) for p in presets}
    usable = [p for p in presets if not cards[p.name].needs_gpu and cards[p.name].cpu_photos_per_s > 0]
    day = [p for p in usable if cards[p.name].multilingual and (cards[p.name].index_seconds(10_000, device) or 1e9) <= DAY_S]
    pool = day or usable
    return max(pool, key=lambda p: cards[p.name].photos_per_s(device)) if pool else None


def device_kind(device: str | None = None) -> DeviceKind:
    """What a `--device` value runs on, without importing torch: `auto`/None asks `detect_device_cheaply`."""
    value = (device or "auto").strip().lower()
    if value.startswith("cuda"):
        return DeviceKind.CUDA
    if value == "mps":
        return DeviceKind.MPS
    if value in ("cpu", "cpu-int8"):
        return DeviceKind.CPU
    return detect_device_cheaply()


def default_model(device: str | None = None) -> str:
    """The preset a new library (or `embed`, `models info`) uses when no model is named, for this device."""
    from photosearch.factory import list_presets

    best = recommended(list_presets(), device_kind(device))
    return best.name if best is not None else "longclip-b"


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


def detect_device_cheaply() -> DeviceKind:
    """`detect_device` without torch (milliseconds, for choosing a default before any model loads): CUDA when
    the installed torch is a CUDA build and the driver (libcuda) reports a device, MPS on Apple silicon, else
    CPU. `PHOTOSEARCH_FORCE_DEVICE=cpu|cuda|mps` overrides it (tests, and machines where the guess is wrong)."""
    import platform
    import sys

    forced = os.environ.get("PHOTOSEARCH_FORCE_DEVICE", "").strip().lower()
    if forced in {k.value for k in DeviceKind}:
        return DeviceKind(forced)
    if sys.platform == "darwin":
        return DeviceKind.MPS if platform.machine() == "arm64" else DeviceKind.CPU
    return DeviceKind.CUDA if _torch_has_cuda() and _cuda_devices() > 0 else DeviceKind.CPU


def _torch_has_cuda() -> bool:
    """A CUDA build of torch ships its CUDA library; a CPU-only build does not (found on disk, not imported)."""
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return False
    lib = Path(next(iter(spec.submodule_search_locations))) / "lib"
    return any(lib.glob("libtorch_cuda*")) or any(lib.glob("torch_cuda*"))


def _cuda_devices() -> int:
    """Devices the NVIDIA driver reports (honours CUDA_VISIBLE_DEVICES); 0 without a driver."""
    import ctypes
    import sys

    try:
        cuda = ctypes.WinDLL("nvcuda.dll") if sys.platform == "win32" else ctypes.CDLL("libcuda.so.1")
        count = ctypes.c_int(0)
        if cuda.cuInit(0) != 0 or cuda.cuDeviceGetCount(ctypes.byref(count)) != 0:
            return 0
        return count.value
    except (OSError, AttributeError):
        return 0
