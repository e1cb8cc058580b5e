"""`--device cpu-int8`: the towers' linear layers run in int8 and the vectors stay within cosine 0.99 of float32,
so a library indexed either way is searched either way."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from photosearch.errors import InvalidInput
from photosearch.factory import create_encoder, validate_device
from tests.tiny.eva import TinyEva, write_tiny_checkpoint
from tests.tiny.llama import build_tiny_llama
from tests.tiny.longclip import write_tiny_longclip

TEXTS = ["a red bicycle next to a puddle, late afternoon", "ein Kind im gelben Regenmantel springt in eine Pfütze",
         "穿黄色雨衣的孩子跳进水坑", "a paragraph " * 60]


@pytest.fixture(scope="module", params=["longclip", "llm2clip"])
def spec(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp(request.param)
    if request.param == "longclip":
        return f"longclip:{write_tiny_longclip(folder / 'm.pt')}"
    llm = build_tiny_llama(folder / "llm", hidden_size=64, intermediate_size=128)
    return f"llm2clip:{write_tiny_checkpoint(folder / 'eva.pt', TinyEva(llm_dim=64))}+{llm}"


def _quantized_linears(module: torch.nn.Module) -> int:
    return sum(isinstance(m, torch.ao.nn.quantized.dynamic.Linear) for m in module.modules())


def test_int8_towers_stay_within_cosine_099_of_float32(spec: str) -> None:
    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 255, (80, 64, 3), dtype=np.uint8)) for _ in range(4)]
    exact, int8 = create_encoder(spec, device="cpu"), create_encoder(spec, device="cpu-int8")
    assert int8.model_id == exact.model_id  # the same weights: one index serves both
    assert (exact.encode_images(images) * int8.encode_images(images)).sum(1).min() >= 0.99
    assert (exact.encode_texts(TEXTS) * int8.encode_texts(TEXTS)).sum(1).min() >= 0.99
    assert _quantized_linears(int8.vision) > 0 and _quantized_linears(int8.text) > 0
    assert _quantized_linears(exact.vision) == 0 and _quantized_linears(exact.text) == 0


def test_the_device_name_is_checked_without_torch_and_named_in_the_error() -> None:
    assert validate_device("CPU-INT8") == "cpu-int8"
    with pytest.raises(InvalidInput, match="cpu-int8"):
        validate_device("int8")
