"""The training loop, as plain as nanoGPT's: schedule, step, guard, checkpoint, evaluate; one loop for every recipe.

A `Task` (one recipe: its model, data and loss) supplies the parameter groups, the loss of step `n`, what to do
after a step (clamp a scale), how to embed the held-out photos and captions, and how to export. The loop adds:

* the learning-rate schedule (warm-up, then linear or cosine to 0), applied per group with its `lr_scale`;
* a guard against non-finite losses and gradients: the step is skipped and reported; `max_bad_steps` in a row
  stop the run (a diverged model is not worth more compute);
* gradients averaged across ranks (torch.distributed); the losses themselves gather features with gradient;
* checkpoints every `checkpoint_every` steps (trainable weights, optimizer, step, RNG states, losses) written
  atomically, and resume from the last one, so a run killed at any moment continues where it stopped and
  follows the same loss curve it would have followed;
* evaluation before, every `eval_every` steps, and after; progress through the one progress protocol; cancel.
"""
from __future__ import annotations

import json
import logging
import math
import os
import random
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from finetune.config import Schedule, TrainConfig
from finetune.eval import EvalReport
from finetune.losses import world
from photosearch.errors import PhotoSearchError
from photosearch.progress import Control, Phase, Progress, ProgressCallback, RateMeter, Unit

log = logging.getLogger(__name__)
CHECKPOINT = "checkpoint.pt"


class TrainingDiverged(PhotoSearchError):
    """The loss or the gradients stayed non-finite; the last checkpoint is kept."""


class Task(ABC):
    """One recipe's model, data and loss, for `train`."""

    config: TrainConfig
    model: torch.nn.Module  # what trains: checkpoints hold its parameters that require gradients

    @abstractmethod
    def param_groups(self) -> list[dict[str, Any]]: ...

    @abstractmethod
    def total_steps(self) -> int: ...

    @abstractmethod
    def loss(self, step: int) -> torch.Tensor:
        """The training loss of optimizer step `step` (deterministic given the step and the RNG state)."""

    def after_step(self) -> None:
        """Constraints applied after each optimizer step (clamping the logit scale)."""

    def trainable_state(self) -> dict[str, torch.Tensor]:
        """The weights training changes, by name, for checkpoints."""
        return {n: p for n, p in self.model.named_parameters() if p.requires_grad}

    def load_trainable_state(self, state: dict[str, torch.Tensor]) -> None:
        params = dict(self.model.named_parameters())
        with torch.no_grad():
            for name, value in state.items():
                params[name].copy_(value)

    @abstractmethod
    def evaluate(self) -> EvalReport:
        """Recall on the held-out photos (called in eval mode, without gradients)."""

    @abstractmethod
    def export(self, folder: Path) -> Path:
        """Write the trained model as a `--model` folder."""

    def train_mode(self, training: bool) -> None:
        """Switch dropout etc. (the loop calls it around evaluation)."""
        self.model.train(training)

    def close(self) -> None:
        """Release decode threads and the like."""
        data = getattr(self, "data", None)
        if data is not None:
            data.close()


@dataclass
class TrainReport:
    out: Path
    steps: int
    skipped: int
    losses: list[float]
    before: EvalReport
    after: EvalReport | None
    model: Path | None  # the exported model folder (None when cancelled)
    cancelled: bool = False
    seconds: float = 0.0
    evals: list[tuple[int, EvalReport]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "steps": self.steps, "skipped": self.skipped, "losses": self.losses, "cancelled": self.cancelled,
            "seconds": round(self.seconds, 1), "model": str(self.model) if self.model else None,
            "before": self.before.to_json(), "after": self.after.to_json() if self.after else None,
            "evals": [{"step": s, **r.to_json()} for s, r in self.evals],
        }


def lr_at(step: int, config: TrainConfig, total: int) -> float:
    """The base learning rate's factor at `step`: linear warm-up, then linear or cosine decay to 0."""
    warm = min(config.warmup_steps, max(0, total - 1))
    if step < warm:
        return (step + 1) / warm
    span = max(1, total - warm)
    progress = min(1.0, (step - warm) / span)
    if config.schedule == Schedule.LINEAR:
        return 1.0 - progress
    return 0.5 * (1.0 + math.cos(math.pi * progress))


def _adamw(groups: list[dict[str, Any]], config: TrainConfig) -> torch.optim.AdamW:
    """AdamW, fused where torch has a fused kernel for the parameters' device: one kernel over every tensor
    instead of a Python loop (the update of a tiny Long-CLIP with CLIP's 49k-token embedding took 114 ms a step
    unfused, 12 ms fused, on 2 CPU cores); the same update rule either way."""
    kwargs = dict(lr=config.lr, betas=config.betas, eps=config.eps, weight_decay=config.weight_decay)
    try:
        return torch.optim.AdamW(groups, fused=True, **kwargs)
    except (RuntimeError, ValueError):  # a device or dtype without the fused kernel
        return torch.optim.AdamW(groups, **kwargs)


def _mean_over_ranks(loss: torch.Tensor) -> float:
    """The step's loss as one process would report it: each rank's loss covers its own rows."""
    _, size = world()
    if size == 1:
        return float(loss)
    total = loss.float().clone()
    torch.distributed.all_reduce(total)
    return float(total) / size


def _broadcast_from_first(params: list[torch.nn.Parameter]) -> None:
    """Every rank starts from rank 0's weights (what DDP does when it wraps a model): freshly initialised LoRA
    matrices would otherwise differ wherever the processes' random streams did."""
    _, size = world()
    if size > 1:
        with torch.no_grad():
            for p in params:
                torch.distributed.broadcast(p.data, src=0)


def _average_gradients(params: list[torch.nn.Parameter]) -> None:
    rank, size = world()
    if size == 1:
        return
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    torch.distributed.all_reduce(flat)
    flat /= size
    offset = 0
    for g in grads:
        g.copy_(flat[offset : offset + g.numel()].view_as(g))
        offset += g.numel()


def _rng_state() -> dict[str, Any]:
    return {"torch": torch.get_rng_state(), "python": random.getstate(), "numpy": np.random.get_state()[1].tolist()}


def _set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate(_as_tuple(state["python"]))
    np_state = np.random.get_state()
    np.random.set_state((np_state[0], np.asarray(state["numpy"], dtype=np.uint32), *np_state[2:]))


def _as_tuple(value: Any) -> Any:
    return tuple(_as_tuple(v) for v in value) if isinstance(value, (list, tuple)) else value


def train(
    task: Task, out: Path, progress: ProgressCallback | None = None, control: Control | None = None,
) -> TrainReport:
    """Run (or resume) a task into `out`: checkpoints, `results.json`, and the exported model in `out/model`."""
    config, control = task.config, control or Control()
    rank, size = world()
    out.mkdir(parents=True, exist_ok=True)
    total = task.total_steps()
    groups = task.param_groups()
    params = [p for g in groups for p in g["params"]]
    optimizer = _adamw(groups, config)
    start, losses, skipped, before = 0, [], 0, None
    evals: list[tuple[int, EvalReport]] = []
    checkpoint = out / CHECKPOINT
    if checkpoint.is_file():
        state = torch.load(checkpoint, map_location="cpu", weights_only=True)
        task.load_trainable_state(state["trainable"])
        optimizer.load_state_dict(state["optimizer"])
        _set_rng_state(state["rng"])
        start, losses, skipped = int(state["step"]), list(state["losses"]), int(state["skipped"])
        before = EvalReport.from_json(json.loads(state["before"]))
        log.info("resuming %s at step %d of %d", out, start, total)
    _broadcast_from_first(params)
    if before is None:
        before = _evaluate(task, progress)
    started = time.monotonic()
    meter = RateMeter(control)
    bad_in_row = 0
    step = start
    for step in range(start, total):
        if not control.wait_if_paused():
            break
        factor = lr_at(step, config, total)
        for g in optimizer.param_groups:
            g["lr"] = config.lr * g.get("lr_scale", 1.0) * factor
        optimizer.zero_grad(set_to_none=True)
        loss = task.loss(step)
        value = _mean_over_ranks(loss.detach())
        ok = math.isfinite(value)
        if ok:
            loss.backward()
            _average_gradients(params)
            if config.grad_clip > 0:
                norm = torch.nn.utils.clip_grad_norm_(params, config.grad_clip)
                ok = bool(torch.isfinite(norm))
            else:
                ok = all(bool(torch.isfinite(p.grad).all()) for p in params if p.grad is not None)
        if ok:
            optimizer.step()
            task.after_step()
            losses.append(value)
            bad_in_row = 0
        else:  # the NaN guard: this batch teaches nothing but garbage; skip it, say so
            skipped += 1
            bad_in_row += 1
            losses.append(float("nan"))
            log.warning("step %d: non-finite loss or gradients, skipped (%d in a row)", step, bad_in_row)
            optimizer.zero_grad(set_to_none=True)
            if bad_in_row >= config.max_bad_steps:
                _save_checkpoint(task, optimizer, step + 1, losses, skipped, before, checkpoint, rank)
                raise TrainingDiverged(f"training diverged: {bad_in_row} steps in a row had non-finite losses "
                                       f"or gradients (last at step {step}); lower the learning rate")
        if progress:
            snap = meter.snapshot(Phase.TRAIN, step + 1 - start, total - start, unit=Unit.STEPS, failed=skipped)
            progress(Progress(Phase.TRAIN, step + 1, total, Unit.STEPS, skipped, snap.rate, snap.eta_s,
                              loss=value if ok else None))
        if config.checkpoint_every and (step + 1) % config.checkpoint_every == 0 and step + 1 < total:
            _save_checkpoint(task, optimizer, step + 1, losses, skipped, before, checkpoint, rank)
        if config.eval_every and (step + 1) % config.eval_every == 0 and step + 1 < total:
            evals.append((step + 1, _evaluate(task, progress)))
    else:
        step = total
    if control.cancelled and step < total:
        _save_checkpoint(task, optimizer, step, losses, skipped, before, checkpoint, rank)
        return TrainReport(out, step, skipped, losses, before, None, None, True, time.monotonic() - started, evals)
    after = _evaluate(task, progress)
    model = task.export(out / "model") if rank == 0 else None
    report = TrainReport(out, total, skipped, losses, before, after, model, False, time.monotonic() - started, evals)
    if rank == 0:
        (out / "results.json").write_text(json.dumps(report.to_json(), indent=2) + "\n")
        (out / "results.txt").write_text(before_after_table(before, after) + "\n")
        checkpoint.unlink(missing_ok=True)
    return report


def _evaluate(task: Task, progress: ProgressCallback | None) -> EvalReport:
    if progress:
        progress(Progress(Phase.EVAL, 0, 1, Unit.STEPS))
    task.train_mode(False)
    try:
        with torch.no_grad():
            report = task.evaluate()
    finally:
        task.train_mode(True)
    if progress:
        progress(Progress(Phase.EVAL, 1, 1, Unit.STEPS))
    return report


def _save_checkpoint(task: Task, optimizer: torch.optim.Optimizer, step: int, losses: list[float], skipped: int,
                     before: EvalReport, path: Path, rank: int) -> None:
    if rank != 0:
        return
    state = {
        "step": step, "losses": losses, "skipped": skipped, "before": json.dumps(before.to_json()),
        "trainable": {k: v.detach().cpu() for k, v in task.trainable_state().items()},
        "optimizer": optimizer.state_dict(), "rng": _rng_state(),
    }
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # a kill mid-write leaves the previous checkpoint whole


def before_after_table(before: EvalReport, after: EvalReport) -> str:
    """Recall@1/5/10, text->image and image->text, long and short captions and per language: before | after."""
    lines = [f"{'':<22}{'before':>20}{'after':>24}", f"{'':<22}{'R@1   R@5   R@10':>20}{'R@1   R@5   R@10':>24}"]
    for key, b in before.rows():
        a = dict(after.rows()).get(key)
        right = f"{a.r1:5.2f} {a.r5:5.2f} {a.r10:5.2f}" if a else ""
        lines.append(f"{key:<22}{b.r1:8.2f} {b.r5:5.2f} {b.r10:5.2f}{right:>24}")
    return "\n".join(lines)
