"""Where a fine-tuning run computes: device, precision, and the process group under torchrun.

`torchrun --nproc-per-node N -m photosearch finetune ...` starts N processes with RANK/WORLD_SIZE/LOCAL_RANK in
their environment; `start()` joins them into one group (NCCL on GPUs, gloo on CPUs) and gives each its GPU.
A plain run is a group of one. bf16 autocast on CUDA (the LLM2CLIP authors' precision for the LLM and, with a
loss scaler they need only for fp16, for the vision tower); float32 on the CPU.
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Iterator

import torch

from finetune.config import TrainConfig
from photosearch.encoders.device import resolve_device
from photosearch.factory import validate_device


@dataclass(frozen=True)
class Runtime:
    device: torch.device
    dtype: torch.dtype | None  # autocast dtype, None = full precision
    rank: int
    world: int

    @property
    def main(self) -> bool:
        return self.rank == 0

    def autocast(self) -> contextlib.AbstractContextManager:
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.dtype)

    @property
    def grad_checkpointing(self) -> bool:
        return self.device.type == "cuda"


def start(config: TrainConfig) -> Runtime:
    """Join the torchrun group if there is one, pick the device and the precision."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    name = validate_device(config.device)
    if world > 1 and not torch.distributed.is_initialized():
        cuda = name in ("auto", "cuda") and torch.cuda.is_available()
        if cuda:
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        torch.distributed.init_process_group("nccl" if cuda else "gloo")
    device = resolve_device(name).device
    if device.type == "cuda" and world > 1:
        device = torch.device("cuda", torch.cuda.current_device())
    precision = config.precision
    if precision == "auto":
        precision = "bf16" if device.type == "cuda" else "fp32"
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": None}[precision]
    torch.manual_seed(config.seed)  # new weights (LoRA, a stretched table's noise-free copy) start the same each run
    return Runtime(device, dtype, rank, world)


def stop() -> None:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


@contextlib.contextmanager
def session(config: TrainConfig) -> Iterator[Runtime]:
    runtime = start(config)
    try:
        yield runtime
    finally:
        stop()
