"""`--device cpu-int8`: the towers' linear layers run in int8 and the vectors stay within cosine 0.99 of float32,
so a library indexed either way is searched either way."""
from __future__ import annotations


import numpy as np
import pytest
import torch
from PIL import Image

from photosearch.encoders.int8 import SplitAttention, split_attention
from photosearch.errors import InvalidInput
from photosearch.factory import create_encoder, validate_device
from tests.tiny.eva import TinyEva, write_tiny_checkpoint
from tests.tiny.llama import build_tiny_llama
from tests.tiny.longclip import write_tiny_longclip
from tests.tiny.openclip import write_tiny_openclip

TEXTS = ["a red bicycle next to a puddle, late afternoon", "ein Kind im gelben Regenmantel springt in eine Pfütze",
         "穿黄色雨衣的孩子跳进水坑", "a paragraph " * 60]


@pytest.fixture(scope="module", params=["longclip", "openclip", "llm2clip"])
def spec(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp(request.param)
    if request.param == "longclip":
        return f"longclip:{write_tiny_longclip(folder / 'm.pt')}"
    if request.param == "openclip":
        return f"openclip:local-dir:{write_tiny_openclip(folder / 'oc')}"
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


def test_split_attention_is_multihead_attention_with_linear_layers(spec: str) -> None:
    """The surgery that lets int8 reach attention's input projections changes no vector (float32)."""
    rng = np.random.default_rng(1)
    images = [Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)) for _ in range(3)]
    exact, split = create_encoder(spec, device="cpu"), create_encoder(spec, device="cpu")
    had_mha = any(isinstance(m, torch.nn.MultiheadAttention) for t in (split.vision, split.text) for m in t.modules())
    split_attention(split.vision), split_attention(split.text)
    assert not any(isinstance(m, torch.nn.MultiheadAttention) for t in (split.vision, split.text) for m in t.modules())
    assert had_mha == any(isinstance(m, SplitAttention) for m in split.vision.modules())
    np.testing.assert_allclose(split.encode_images(images), exact.encode_images(images), atol=2e-5)
    np.testing.assert_allclose(split.encode_texts(TEXTS), exact.encode_texts(TEXTS), atol=2e-5)


@pytest.mark.parametrize("batch_first", [True, False])
def test_split_attention_follows_every_mask_convention(batch_first: bool) -> None:
    torch.manual_seed(0)
    mha = torch.nn.MultiheadAttention(16, 4, batch_first=batch_first).eval()
    split = SplitAttention(mha).eval()
    x = torch.randn(2, 5, 16) if batch_first else torch.randn(5, 2, 16)
    context = torch.randn(2, 7, 16) if batch_first else torch.randn(7, 2, 16)
    causal = torch.full((5, 5), float("-inf")).triu(1)
    masks = [dict(), dict(attn_mask=causal), dict(attn_mask=causal.isinf()),
             dict(attn_mask=torch.randn(2 * 4, 5, 5)),
             dict(attn_mask=causal.isinf(), key_padding_mask=torch.tensor([[False] * 4 + [True], [False] * 5]))]
    with torch.no_grad():
        for kw in masks:
            np.testing.assert_allclose(split(x, x, x, need_weights=False, **kw)[0],
                                       mha(x, x, x, need_weights=False, **kw)[0], atol=1e-5)
        # cross attention (open_clip's attentional pooler)
        np.testing.assert_allclose(split(x, context, context)[0], mha(x, context, context)[0], atol=1e-5)


def test_the_device_name_is_checked_without_torch_and_named_in_the_error() -> None:
    assert validate_device("CPU-INT8") == "cpu-int8"
    with pytest.raises(InvalidInput, match="cpu-int8"):
        validate_device("int8")
