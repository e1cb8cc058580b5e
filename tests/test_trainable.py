"""The trainable model layer: one module per family, the very towers search runs; saved in the released layout
with a manifest, it reloads bit for bit; freezing, gradient checkpointing and optimizer groups behave."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from photosearch.factory import create_encoder
from photosearch.models import ClipModel, load_model
from tests.tiny.eva import TinyEva, write_tiny_checkpoint
from tests.tiny.hf_clip import LLM_DIM, write_tiny_hf_llm2clip
from tests.tiny.llama import build_tiny_llama
from tests.tiny.longclip import write_tiny_longclip
from tests.tiny.openclip import write_tiny_openclip

TEXTS = ["a red bicycle in the rain", "穿黄色雨衣的孩子", "ein Hund im Schnee " * 30]


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("trainable")
    llm = build_tiny_llama(root / "llm", hidden_size=64)
    hf = write_tiny_hf_llm2clip(root / "hf")
    hf_llm = build_tiny_llama(root / "hf_llm", hidden_size=LLM_DIM, intermediate_size=32, num_heads=2, num_kv_heads=1)
    return {
        "longclip": f"longclip:{write_tiny_longclip(root / 'lc.pt')}",
        "llm2clip-eva": f"llm2clip:{write_tiny_checkpoint(root / 'eva.pt', TinyEva(llm_dim=64))}+{llm}",
        "llm2clip-hf": f"llm2clip:{hf}+{hf_llm}",
        "openclip": f"openclip:local-dir:{write_tiny_openclip(root / 'oc')}",
    }


def _images(size: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(0)
    return torch.rand(3, 3, size, size, generator=gen)


def _state(model: ClipModel) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("family", ["longclip", "llm2clip-eva", "llm2clip-hf", "openclip"])
def test_a_trained_model_saves_and_reloads_bit_for_bit(family: str, specs: dict[str, str], tmp_path: Path) -> None:
    model = load_model(specs[family])
    with torch.no_grad():  # stand-in for training: every parameter moves off its released value
        gen = torch.Generator().manual_seed(1)
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=gen) * 1e-3)
    before = _state(model)
    folder = model.save(tmp_path / "export")
    assert (folder / "photosearch-model.json").is_file()
    again = load_model(str(folder))
    after = _state(again)
    assert before.keys() == after.keys()
    for key in before:
        assert torch.equal(before[key], after[key]), key
    # the folder is a search model, and search embeds exactly what the trained module embeds
    enc = create_encoder(str(folder), device="cpu")
    pixels = _images(model.image_size)
    # (weights are equal bit for bit above; BLAS may round the same sums differently for differently aligned
    # copies, hence 1e-6 here)
    np.testing.assert_allclose(enc.encode_pixels(pixels), model.encoder().encode_pixels(pixels), atol=1e-6)
    np.testing.assert_allclose(enc.encode_texts(TEXTS), model.encoder().encode_texts(TEXTS), atol=1e-6)


@pytest.mark.parametrize("family", ["longclip", "llm2clip-eva", "openclip"])
def test_the_encoder_wraps_the_same_modules(family: str, specs: dict[str, str]) -> None:
    model = load_model(specs[family])
    enc = model.encoder()
    assert enc.vision is model.vision and enc.text is model.text
    reference = create_encoder(specs[family], device="cpu")
    images = [Image.new("RGB", (50, 40), c) for c in ("red", "navy")]
    np.testing.assert_allclose(enc.encode_images(images), reference.encode_images(images), atol=1e-6)
    np.testing.assert_allclose(enc.encode_texts(TEXTS), reference.encode_texts(TEXTS), atol=1e-6)


@pytest.mark.parametrize("family", ["longclip", "llm2clip-eva", "openclip"])
def test_freezing_checkpointing_and_optimizer_groups(family: str, specs: dict[str, str]) -> None:
    model = load_model(specs[family])
    model.freeze(text=True)
    assert not any(p.requires_grad for p in model.text.parameters() if p is not model.logit_scale)
    assert all(p.requires_grad for p in model.vision.parameters()) and model.logit_scale.requires_grad
    groups = model.param_groups(lr=1e-4, weight_decay=0.05, layer_decay=0.85)
    names = {id(p): n for n, p in model.named_parameters()}
    listed = [names[id(p)] for g in groups for p in g["params"]]
    assert sorted(listed) == sorted(n for n, p in model.named_parameters() if p.requires_grad)
    for g in groups:
        for p in g["params"]:
            name = names[id(p)]
            embedding = any(e in name for e in ("pos_embed", "positional_embedding", "position_embedding",
                                                "class_embedding", "cls_token", "token_embedding", "embed_tokens"))
            no_decay = p.ndim < 2 or embedding or "logit_scale" in name
            assert (g["weight_decay"] == 0.0) == no_decay, name
    scales = {names[id(p)]: g["lr_scale"] for g in groups for p in g["params"]}
    depth = model.vision_depth()
    first_block = min((s for n, s in scales.items() if n.startswith("vision.") and model.vision_layer(n[7:]) == 1))
    assert first_block == pytest.approx(0.85 ** depth)  # the first block learns slowest but the embeddings
    assert scales["logit_scale"] == 1.0
    model.freeze(text=False)
    model.set_grad_checkpointing(True)
    model.train()
    pixels = _images(model.image_size)
    img = model.encode_image(pixels)
    txt = model.encode_text(TEXTS[:2] + TEXTS[:1])
    loss = (img @ txt.T).mean() * model.scale()
    loss.backward()
    assert model.logit_scale.grad is not None and all(
        p.grad is not None for p in model.vision.parameters() if p.requires_grad)
