"""Where and in which precision the towers run."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from photosearch.errors import InvalidInput


@dataclass(frozen=True)
class DevicePlan:
    """CUDA runs the ViT in fp16 and the LLM in bf16 (as the authors do); CPU and MPS stay float32.

    `int8` ("cpu-int8"): every `nn.Linear` runs with int8 weights (per output channel) and activations
    quantised per batch. Measured on 2 cores with random weights of the full-size towers: see
    `bench/bench_int8.py` and the README's Performance section (speed and cosine to float32); `int8.py` does it."""

    device: torch.device
    vision_dtype: torch.dtype
    text_dtype: torch.dtype
    int8: bool = False

    @classmethod
    def cpu(cls) -> "DevicePlan":
        return cls(torch.device("cpu"), torch.float32, torch.float32)


def resolve_device(name: str | None = None) -> DevicePlan:
    """`None`/"auto" picks CUDA, then MPS, then CPU; "cpu", "cpu-int8", "cuda", "cuda:1", "mps" force one."""
    name = (name or "auto").lower()
    if name == "cpu-int8":
        return DevicePlan(torch.device("cpu"), torch.float32, torch.float32, int8=True)
    if name == "auto":
        if torch.cuda.is_available():
            name = "cuda"
        elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            name = "mps"
        else:
            name = "cpu"
    try:
        device = torch.device(name)
    except RuntimeError:
        raise InvalidInput(f"unknown device {name!r}: use auto, cpu, cpu-int8, cuda, cuda:N or mps") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise InvalidInput(f"device {name!r} was asked for, but PyTorch sees no CUDA GPU here")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise InvalidInput(f"device {name!r} was asked for, but there are {torch.cuda.device_count()} GPUs")
        return DevicePlan(device, torch.float16, torch.bfloat16)
    if device.type == "mps":
        if getattr(torch.backends, "mps", None) is None or not torch.backends.mps.is_available():
            raise InvalidInput("device 'mps' was asked for, but PyTorch sees no Apple GPU here")
        return DevicePlan(device, torch.float32, torch.float32)
    if device.type == "cpu":
        return DevicePlan.cpu()
    raise InvalidInput(f"unknown device {name!r}: use auto, cpu, cpu-int8, cuda, cuda:N or mps")

