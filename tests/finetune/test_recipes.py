"""What each recipe trains and what it exports: the parameters that move, the ones that must not, and an export
that is a plain released-layout model the app loads (LoRA merged, stretched tables written)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from finetune.album import Album, AlbumConfig
from finetune.config import Recipe, Stage2Config
from finetune.recipes.stage2 import Stage2Task
from finetune.run import plan_run, start_run
from finetune.runtime import start
from photosearch.factory import create_encoder
from photosearch.models import load_model
from tests.tiny.openclip import write_tiny_openclip

TEXTS = ["A large red circle on the left.", "Ein kleiner blauer Stern oben."]


def _state(spec: str) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in load_model(spec).state_dict().items()}


def _changed(before: dict[str, torch.Tensor], after: dict[str, torch.Tensor]) -> set[str]:
    assert before.keys() == after.keys()
    return {k for k in before if not torch.equal(before[k], after[k])}


def test_stage1_moves_only_the_llm_and_exports_it_merged(small_album: Path, llm2clip_base: str,
                                                         tmp_path: Path) -> None:
    report = start_run(plan_run(Recipe.LLM2CLIP_STAGE1, small_album, llm2clip_base, tmp_path / "run",
                                {"steps": 3, "batch_size": 8, "lr": 1e-2, "warmup_steps": 0}))
    exported = str(report.model)
    changed = _changed(_state(llm2clip_base), _state(exported))
    assert changed and all(k.startswith("text.llm.") for k in changed)  # vision, adaptor and scale untouched
    assert any(".q_proj." in k for k in changed) and not any("lora" in k for k in _state(exported))
    llm_files = {p.name for p in (report.model / "llm").iterdir()}
    assert {"config.json", "tokenizer.json", "model.safetensors"} <= llm_files
    encoder = create_encoder(exported, device="cpu")
    assert encoder.encode_texts(TEXTS).shape == (2, 64)


def test_stage2_moves_vision_adaptor_and_scale_but_never_the_llm(small_album: Path, llm2clip_base: str,
                                                                 tmp_path: Path) -> None:
    report = start_run(plan_run(Recipe.LLM2CLIP_STAGE2, small_album, llm2clip_base, tmp_path / "run",
                                {"steps": 3, "batch_size": 8, "lr": 1e-3}))
    changed = _changed(_state(llm2clip_base), _state(str(report.model)))
    assert any(k.startswith("vision.") for k in changed) and any(k.startswith("text.adaptor.") for k in changed)
    assert "logit_scale" in changed and not any(k.startswith("text.llm.") for k in changed)
    assert (tmp_path / "run" / "caption-cache").is_dir()  # the vectors it trained on


def test_stage2_with_vision_lora_trains_adapters_and_exports_them_merged(small_album: Path, llm2clip_base: str,
                                                                         tmp_path: Path) -> None:
    config = Stage2Config(steps=2, batch_size=8, lr=1e-2, vision_lora_r=4, vision_lora_dropout=0.0)
    task = Stage2Task(config, Album.load(small_album, AlbumConfig()), llm2clip_base, tmp_path, start(config))
    trainable = [n for n, p in task.model.named_parameters() if p.requires_grad and n.startswith("vision.")]
    assert trainable and all("lora_" in n for n in trainable)  # the tower itself stays frozen
    spec = plan_run(Recipe.LLM2CLIP_STAGE2, small_album, llm2clip_base, tmp_path / "run",
                    {"steps": 2, "batch_size": 8, "lr": 1e-2, "vision_lora_r": 4})
    report = start_run(spec)
    after = _state(str(report.model))
    assert not any("lora" in k for k in after)
    changed = _changed(_state(llm2clip_base), after)
    vision_changed = {k for k in changed if k.startswith("vision.")}
    assert vision_changed and all(k.split(".")[-2] in ("q_proj", "k_proj", "v_proj") for k in vision_changed)


@pytest.fixture(scope="module")
def clip77(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"openclip:local-dir:{write_tiny_openclip(tmp_path_factory.mktemp('clip77'), context_length=77)}"


def test_longclip_from_a_77_token_clip_exports_a_248_token_model(small_album: Path, clip77: str,
                                                                tmp_path: Path) -> None:
    report = start_run(plan_run(Recipe.LONGCLIP, small_album, clip77, tmp_path / "run",
                                {"steps": 2, "batch_size": 8, "lr": 1e-3}))
    encoder = create_encoder(str(report.model), device="cpu")
    assert encoder.max_text_tokens == 246
    vectors, info = encoder.encode_texts_with_info(["a long caption " * 40])
    assert not info[0].truncated and np.isfinite(vectors).all()
    trained = load_model(str(report.model))
    stretched = load_model(f"openclip:local-dir:{tmp_path / 'run' / 'stretched'}")
    rows = trained.text.model.positional_embedding.detach()
    start_rows = stretched.text.model.positional_embedding.detach()
    assert torch.equal(rows[:20], start_rows[:20]) and not torch.equal(rows[20:], start_rows[20:])
