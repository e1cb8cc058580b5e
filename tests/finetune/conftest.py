"""Small albums and tiny models of every family, built once per session, for the fine-tuning tests."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from finetune.synthetic import make_album
from tests.tiny.eva import TinyEva, write_tiny_checkpoint
from tests.tiny.llama import build_tiny_llama
from tests.tiny.longclip import write_tiny_longclip

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def small_album(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 captioned scenes in English, German, French and Chinese (sidecars and a manifest), 32 px."""
    folder = tmp_path_factory.mktemp("album")
    make_album(folder, 40, seed=7, size=32)
    return folder


@pytest.fixture(scope="session")
def longclip_base(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = write_tiny_longclip(tmp_path_factory.mktemp("lc") / "lc.pt", image_size=32, patch_size=8)
    return f"longclip:{path}"


@pytest.fixture(scope="session")
def llm2clip_base(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("l2c")
    llm = build_tiny_llama(root / "llm", hidden_size=64)
    eva = write_tiny_checkpoint(root / "eva.pt", TinyEva(image_size=32, output_dim=64, llm_dim=64))
    return f"llm2clip:{eva}+{llm}"


PLAIN = (sys.executable, "-m")
TORCHRUN = (sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", "-m")


def photosearch(*args: str, check: bool = True, launcher: tuple[str, ...] = PLAIN) -> subprocess.CompletedProcess:
    """The CLI in a child process, as a user runs it (`launcher=TORCHRUN`: two processes under torchrun)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([*launcher, "photosearch", *args], capture_output=True, text=True, env=env, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result
