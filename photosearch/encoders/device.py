"""Where and in which precision the towers run."""
from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class DevicePlan:
    """CUDA runs the ViT in fp16 and the LLM in bf16 (as the authors do); CPU and MPS stay float32."""

    device: torch.device
    vision_dtype: torch.dtype
    text_dtype: torch.dtype

    @classmethod
    def cpu(cls) -> "DevicePlan":
        return cls(torch.device("cpu"), torch.float32, torch.float32)


def resolve_device(name: str | None = None) -> DevicePlan:
    """`None`/"auto" picks CUDA, then MPS, then CPU; "cpu", "cuda", "cuda:1", "mps" force one."""
    name = (name or "auto").lower()
    if name == "auto":
        if torch.cuda.is_available():
            name = "cuda"
        elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            name = "mps"
        else:
            name = "cpu"
    device = torch.device(name)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("--device cuda was asked for, but PyTorch sees no CUDA GPU")
        return DevicePlan(device, torch.float16, torch.bfloat16)
    if device.type == "mps":
        return DevicePlan(device, torch.float32, torch.float32)
    if device.type == "cpu":
        return DevicePlan.cpu()
    raise ValueError(f"unknown device {name!r}: use auto, cpu, cuda[:N] or mps")
