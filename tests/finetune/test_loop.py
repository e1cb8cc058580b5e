"""The training loop on a small task: learning-rate schedule, the NaN/inf guard, checkpoints and resume, cancel."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from finetune.config import Schedule, TrainConfig
from finetune.eval import EvalReport, recall_report
from finetune.loop import CHECKPOINT, Task, TrainingDiverged, lr_at, train
from photosearch.progress import Control, Phase, Progress


class Regression(Task):
    """Learn y = 3x - 1 with a linear layer; `poison` steps produce a non-finite loss."""

    def __init__(self, config: TrainConfig, poison: set[int] = frozenset()) -> None:
        self.config = config
        torch.manual_seed(0)
        self.model = torch.nn.Linear(1, 1)
        self.poison = poison
        self.exported: Path | None = None

    def param_groups(self) -> list[dict[str, Any]]:
        return [{"params": list(self.model.parameters()), "lr_scale": 1.0}]

    def total_steps(self) -> int:
        return self.config.steps

    def loss(self, step: int) -> torch.Tensor:
        x = torch.linspace(-1, 1, 16)[:, None] + 0.01 * step
        loss = ((self.model(x) - (3 * x - 1)) ** 2).mean()
        return loss * float("nan") if step in self.poison else loss

    def trainable_state(self) -> dict[str, torch.Tensor]:
        return dict(self.model.named_parameters())

    def load_trainable_state(self, state: dict[str, torch.Tensor]) -> None:
        self.model.load_state_dict(state)

    def evaluate(self) -> EvalReport:
        # a fake retrieval: 4 "photos" whose vectors the model's weight rotates towards their captions
        w = float(self.model.weight)
        angle = math.atan(w / 3)
        images = np.eye(4, dtype=np.float32)
        texts = np.stack([np.roll(np.eye(4, dtype=np.float32)[i], 1) * (1 - angle) + images[i] * angle
                          for i in range(4)])
        texts /= np.linalg.norm(texts, axis=1, keepdims=True)
        return recall_report(images, {"long": texts}, ["en"] * 4)

    def export(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        torch.save(self.model.state_dict(), folder / "weights.pt")
        self.exported = folder
        return folder


def test_warm_up_then_linear_or_cosine_decay_to_zero() -> None:
    linear = TrainConfig(warmup_steps=4, schedule=Schedule.LINEAR)
    assert [lr_at(s, linear, 12) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert lr_at(4, linear, 12) == 1.0 and lr_at(8, linear, 12) == 0.5 and lr_at(12, linear, 12) == 0.0
    cosine = TrainConfig(warmup_steps=0, schedule=Schedule.COSINE)
    assert lr_at(0, cosine, 10) == 1.0 and abs(lr_at(5, cosine, 10) - 0.5) < 1e-12 and lr_at(10, cosine, 10) < 1e-12


def test_it_learns_evaluates_before_and_after_and_exports(tmp_path: Path) -> None:
    task = Regression(TrainConfig(steps=60, lr=0.1, checkpoint_every=0))
    seen: list[Progress] = []
    report = train(task, tmp_path, seen.append)
    assert report.losses[-1] < report.losses[0] / 10
    assert report.model == tmp_path / "model" and (tmp_path / "model" / "weights.pt").is_file()
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["steps"] == 60 and results["before"]["recall"] and results["after"]["recall"]
    assert "before" in (tmp_path / "results.txt").read_text()
    train_reports = [p for p in seen if p.phase == Phase.TRAIN]
    assert [p.done for p in train_reports] == list(range(1, 61)) and all(p.loss is not None for p in train_reports)
    assert sum(p.phase == Phase.EVAL for p in seen) == 4  # before and after, each a start and an end
    assert not (tmp_path / CHECKPOINT).exists()


def test_a_non_finite_step_is_skipped_reported_and_training_goes_on(tmp_path: Path) -> None:
    task = Regression(TrainConfig(steps=20, lr=0.1, checkpoint_every=0), poison={3, 4, 11})
    seen: list[Progress] = []
    report = train(task, tmp_path, seen.append)
    assert report.skipped == 3
    assert [i for i, v in enumerate(report.losses) if math.isnan(v)] == [3, 4, 11]
    assert all(bool(torch.isfinite(p).all()) for p in task.model.parameters())  # nothing poisoned the weights
    assert [p.failed for p in seen if p.phase == Phase.TRAIN][12] == 3
    assert report.losses[-1] < report.losses[0]


def test_a_diverged_run_stops_with_a_clear_error_and_keeps_a_checkpoint(tmp_path: Path) -> None:
    task = Regression(TrainConfig(steps=50, lr=0.1, max_bad_steps=5), poison=set(range(10, 50)))
    with pytest.raises(TrainingDiverged, match="5 steps in a row.*lower the learning rate"):
        train(task, tmp_path)
    state = torch.load(tmp_path / CHECKPOINT, weights_only=True)
    assert state["step"] == 15 and state["skipped"] == 5


def test_cancel_saves_a_checkpoint_and_the_same_run_resumes_it_to_the_same_end(tmp_path: Path) -> None:
    config = TrainConfig(steps=30, lr=0.05, checkpoint_every=0)
    whole = train(Regression(config), tmp_path / "whole")

    control = Control()

    def stop_at_12(p: Progress) -> None:
        if p.phase == Phase.TRAIN and p.done == 12:
            control.cancel()

    first = train(Regression(config), tmp_path / "split", stop_at_12, control)
    assert first.cancelled and first.model is None and first.steps == 12
    assert (tmp_path / "split" / CHECKPOINT).is_file()
    second_task = Regression(config)
    second = train(second_task, tmp_path / "split")
    assert not second.cancelled and second.steps == 30
    assert second.losses == whole.losses  # the resumed run follows the uninterrupted curve exactly
    assert second.before.to_json() == whole.before.to_json()
    whole_weight = torch.load(tmp_path / "whole" / "model" / "weights.pt", weights_only=True)["weight"]
    assert torch.equal(second_task.model.weight.detach(), whole_weight)


def test_periodic_evaluation_lands_in_the_report(tmp_path: Path) -> None:
    report = train(Regression(TrainConfig(steps=25, lr=0.1, eval_every=10, checkpoint_every=0)), tmp_path)
    assert [step for step, _ in report.evals] == [10, 20]
    saved = json.loads((tmp_path / "results.json").read_text())["evals"]
    assert [e["step"] for e in saved] == [10, 20] and "long t2i" in saved[0]["recall"]
