"""`photosearch finetune` and `photosearch eval` as a user runs them: a run from an album folder to a model the
library searches with, its settings saved beside it, resumed after a kill, refused when it would mix runs; two
processes under torchrun follow the loss curve of one."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from photosearch.library import Library
from photosearch.search import SearchRequest
from tests.finetune.conftest import ROOT, TORCHRUN, photosearch


def _losses(out: Path) -> list[float]:
    return json.loads((out / "results.json").read_text())["losses"]


def test_a_longclip_run_from_the_cli_ends_with_a_table_and_a_searchable_model(
        small_album: Path, longclip_base: str, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = photosearch("finetune", "longclip", "--album", str(small_album), "--base", longclip_base,
                         "--out", str(out), "--steps", "4", "--batch-size", "8", "--lr", "1e-4",
                         "--set", "label_smoothing=0.2")
    assert "before" in result.stdout and "long t2i" in result.stdout and "de long t2i" in result.stdout
    assert f"model: {out / 'model'}" in result.stdout
    assert "Traceback" not in result.stderr
    config = json.loads((out / "config.json").read_text())
    assert config["steps"] == 4 and config["label_smoothing"] == 0.2 and config["lr"] == 1e-4
    assert config["weight_decay"] == 0.01  # the reference's value, untouched
    results = json.loads((out / "results.json").read_text())
    assert len(results["losses"]) == 4 and results["before"]["recall"]["long t2i"]
    # the output folder is a model: eval reads it, and the library backfills it beside the base
    evaluated = photosearch("eval", "--album", str(small_album), "--model", str(out / "model"), "--json")
    assert json.loads(evaluated.stdout)["recall"] == results["after"]["recall"]
    with Library.open(tmp_path / "lib.db") as library:
        library.add_folder(small_album)
        from indexer import Indexer

        for spec in (longclip_base, str(out / "model")):  # the second one backfills beside the first
            with Indexer.open(library, spec) as indexer:
                indexer.index()
        states = {m.spec: m for m in library.status().models}
        assert set(states) == {longclip_base, str(out / "model")}
        assert all(m.embedded == 40 for m in states.values())
        outcome = library.search(SearchRequest("A large blue star on the left"), model=str(out / "model"))
        assert outcome.results and Path(outcome.results[0].path).parent == small_album
    # a finished run is not overwritten
    again = photosearch("finetune", "longclip", "--album", str(small_album), "--base", longclip_base,
                        "--out", str(out), check=False)
    assert again.returncode == 2 and "already holds a finished run" in again.stderr
    assert again.stderr.count("\n") == 1


def test_user_mistakes_are_one_line_each(small_album: Path, longclip_base: str, llm2clip_base: str,
                                         tmp_path: Path) -> None:
    cases = [
        (["finetune", "longclip", "--album", str(tmp_path / "nowhere"), "--base", longclip_base, "--out",
          str(tmp_path / "a")], "no folder or manifest"),
        (["finetune", "longclip", "--album", str(small_album), "--base", longclip_base, "--out",
          str(tmp_path / "b"), "--set", "nonsense=1"], "NAME one of"),
        (["finetune", "llm2clip-stage2", "--album", str(small_album), "--base", longclip_base, "--out",
          str(tmp_path / "c"), "--steps", "1"], "is a longclip model"),
        (["finetune", "longclip", "--album", str(small_album), "--base", llm2clip_base, "--out",
          str(tmp_path / "d"), "--steps", "1"], "fine-tune it with llm2clip-stage1/2"),
        (["finetune", "longclip", "--album", str(small_album), "--base", longclip_base, "--out",
          str(small_album), "--steps", "1"], "not empty"),
        (["eval", "--album", str(small_album), "--model", str(tmp_path)], "model"),
    ]
    for args, expected in cases:
        result = photosearch(*args, check=False)
        assert result.returncode == 2, (args, result.stderr)
        assert expected in result.stderr and "Traceback" not in result.stderr
        assert result.stderr.strip().count("\n") == 0, result.stderr


def test_a_run_killed_mid_way_resumes_on_the_same_loss_curve(small_album: Path, longclip_base: str,
                                                            tmp_path: Path) -> None:
    args = ["finetune", "longclip", "--album", str(small_album), "--base", longclip_base, "--steps", "14",
            "--batch-size", "8", "--lr", "1e-4", "--checkpoint-every", "2"]
    photosearch(*args, "--out", str(tmp_path / "whole"))
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-m", "photosearch", *args, "--out", str(out)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not (out / "checkpoint.pt").is_file() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL and not (out / "results.json").exists()
    resumed = photosearch(*args, "--out", str(out))
    assert "resuming longclip" in resumed.stderr
    assert _losses(out) == _losses(tmp_path / "whole")
    # changing the settings of an unfinished run is refused rather than mixed
    (out / "results.json").unlink()
    clash = photosearch(*args[:-2], "--checkpoint-every", "3", "--out", str(out), check=False)
    assert clash.returncode == 2 and "other settings (checkpoint_every)" in clash.stderr


@pytest.mark.parametrize("recipe,extra", [
    ("llm2clip-stage2", []),
    ("llm2clip-stage1", ["--set", "lora_dropout=0"]),  # dropout draws differ per process; the rest is exact
])
def test_two_processes_under_torchrun_follow_the_curve_of_one(recipe: str, extra: list[str], small_album: Path,
                                                             llm2clip_base: str, tmp_path: Path) -> None:
    args = ["finetune", recipe, "--album", str(small_album), "--base", llm2clip_base, "--steps", "5",
            "--batch-size", "8", "--lr", "1e-3", *extra]
    photosearch(*args, "--out", str(tmp_path / "one"))
    two = photosearch(*args, "--out", str(tmp_path / "two"), launcher=TORCHRUN)
    assert two.stdout.count("model:") == 1  # only the first process reports
    np.testing.assert_allclose(_losses(tmp_path / "two"), _losses(tmp_path / "one"), rtol=2e-4)
    assert (tmp_path / "two" / "model" / "photosearch-model.json").is_file()
