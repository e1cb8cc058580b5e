"""LLM2CLIP HF-layout loader against transformers' own CLIP classes on the same tiny checkpoint."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from transformers import CLIPVisionModelWithProjection
from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

from photosearch.encoders.base import Encoder
from photosearch.encoders.hf_clip_vision import (
    load_hf_llm2clip,
    load_hf_llm2clip_adaptor,
    load_hf_llm2clip_vision,
    weight_files,
)
from tests.tiny.hf_clip import LLM_DIM, PROJECTION_DIM, VISION, preprocessor_json, tiny_state_dict, write_tiny_hf_llm2clip


def _image(w: int, h: int, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_hf_llm2clip(tmp_path_factory.mktemp("llm2clip"))


def test_vision_equals_transformers_reference(ckpt: Path) -> None:
    tower, adaptor, config = load_hf_llm2clip(ckpt)
    assert config["architectures"] == ["LLM2CLIPModel"]
    assert (tower.output_dim, tower.image_size, adaptor.llm_dim) == (PROJECTION_DIM, VISION["image_size"], LLM_DIM)

    # transformers reads the same file by its own key names: nothing of the vision half may be missing
    ref, info = CLIPVisionModelWithProjection.from_pretrained(ckpt, output_loading_info=True)
    assert not info["missing_keys"] and not info["mismatched_keys"]
    ref.eval()
    processor = CLIPImageProcessorPil(**preprocessor_json())
    images = [_image(47, 31, 1), _image(31, 64, 2), _image(33, 33, 3)]
    ref_pixels = processor(images=images, return_tensors="pt").pixel_values
    ours_pixels = torch.stack([tower.transform(im) for im in images])
    torch.testing.assert_close(ours_pixels, ref_pixels, atol=1e-5, rtol=0)
    with torch.no_grad():
        expected = ref(pixel_values=ref_pixels).image_embeds
        torch.testing.assert_close(tower(ours_pixels), expected, atol=1e-5, rtol=1e-5)

    enc = Encoder(model_id="test", dim=PROJECTION_DIM, image_size=tower.image_size, max_text_tokens=0,
                  load_vision=lambda plan: tower, load_tokenizer=None, load_text=None)
    got = enc.encode_images(images)
    want = torch.nn.functional.normalize(expected, dim=-1).numpy()
    np.testing.assert_allclose(got, want, atol=1e-5)


@pytest.mark.parametrize("size", [(47, 31), (31, 64), (30, 30), (101, 45), (12, 9)])
def test_transform_equals_clip_image_processor(ckpt: Path, size: tuple[int, int]) -> None:
    tower, _ = load_hf_llm2clip_vision(ckpt)
    img = _image(*size)
    ref = CLIPImageProcessorPil(**preprocessor_json())(images=[img], return_tensors="pt").pixel_values[0]
    torch.testing.assert_close(tower.transform(img), ref, atol=1e-5, rtol=0)
    again = pickle.loads(pickle.dumps(tower.transform))  # decode workers get the transform by pickle
    torch.testing.assert_close(again(img), ref, atol=1e-5, rtol=0)


def test_adaptor_consumes_every_key(ckpt: Path) -> None:
    adaptor = load_hf_llm2clip_adaptor(ckpt)
    state = tiny_state_dict()
    released = {k: v for k, v in state.items() if k.startswith("text_adapter.")}
    ours = {"text_adapter.adaptor." + k[len("text_adaptor."):]: v for k, v in adaptor.state_dict().items()}
    assert ours.keys() == released.keys()
    for k, v in released.items():
        torch.testing.assert_close(ours[k], v, atol=0, rtol=0)

    x = torch.randn(3, LLM_DIM)
    h = torch.nn.functional.normalize(x, dim=-1)
    for i in range(4):  # the documented reference computation, written out from the raw tensors
        p = f"text_adapter.adaptor.{i}."
        z = torch.nn.functional.layer_norm(h, (LLM_DIM,), state[p + "ln.weight"], state[p + "ln.bias"])
        z = torch.nn.functional.linear(z, state[p + "fn.0.weight"], state[p + "fn.0.bias"])
        z = torch.nn.functional.linear(torch.nn.functional.gelu(z), state[p + "fn.3.weight"], state[p + "fn.3.bias"])
        h = h + z
    h = torch.nn.functional.layer_norm(h, (LLM_DIM,), state["text_adapter.adaptor.4.weight"],
                                       state["text_adapter.adaptor.4.bias"])
    h = torch.nn.functional.linear(h, state["text_adapter.adaptor.5.weight"], state["text_adapter.adaptor.5.bias"])
    with torch.no_grad():
        torch.testing.assert_close(adaptor(x), h, atol=1e-5, rtol=1e-5)


def test_extra_adaptor_key_is_an_error(tmp_path: Path) -> None:
    state = tiny_state_dict()
    state["text_adapter.adaptor.0.fn.9.weight"] = torch.zeros(2, 2)
    write_tiny_hf_llm2clip(tmp_path, state=state)
    with pytest.raises(ValueError, match="text_adapter.adaptor"):
        load_hf_llm2clip_adaptor(tmp_path)


def test_missing_adaptor_is_a_clear_error(tmp_path: Path) -> None:
    state = {k: v for k, v in tiny_state_dict().items() if not k.startswith("text_adapter.")}
    write_tiny_hf_llm2clip(tmp_path, state=state)
    with pytest.raises(KeyError, match="text_adapter.adaptor"):
        load_hf_llm2clip(tmp_path)
    tower, _ = load_hf_llm2clip_vision(tmp_path)  # the image half still loads on its own
    assert tower.output_dim == PROJECTION_DIM


def test_partly_missing_adaptor_is_a_clear_error(tmp_path: Path) -> None:
    state = {k: v for k, v in tiny_state_dict().items() if k != "text_adapter.adaptor.2.ln.bias"}
    write_tiny_hf_llm2clip(tmp_path, state=state)
    with pytest.raises(ValueError, match="adaptor"):
        load_hf_llm2clip_adaptor(tmp_path)


def test_missing_projection_is_a_clear_error(tmp_path: Path) -> None:
    state = {k: v for k, v in tiny_state_dict().items() if k != "visual_projection.weight"}
    write_tiny_hf_llm2clip(tmp_path, state=state)
    with pytest.raises(KeyError, match="visual_projection.weight"):
        load_hf_llm2clip_vision(tmp_path)


def test_missing_vision_layer_key_is_a_clear_error(tmp_path: Path) -> None:
    state = {k: v for k, v in tiny_state_dict().items() if k != "vision_model.encoder.layers.1.self_attn.q_proj.bias"}
    write_tiny_hf_llm2clip(tmp_path, state=state)
    with pytest.raises(ValueError, match="q_proj.bias"):
        load_hf_llm2clip_vision(tmp_path)


def test_config_disagreeing_with_weights_is_an_error(tmp_path: Path) -> None:
    write_tiny_hf_llm2clip(tmp_path)
    cfg = json.loads((tmp_path / "config.json").read_text())
    cfg["vision_config"]["image_size"] = 60
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ValueError, match="image_size"):
        load_hf_llm2clip_vision(tmp_path)


def test_no_weights_is_a_clear_error(tmp_path: Path) -> None:
    write_tiny_hf_llm2clip(tmp_path)
    (tmp_path / "model.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        load_hf_llm2clip_vision(tmp_path)


def test_without_preprocessor_config_uses_openai_defaults(tmp_path: Path) -> None:
    write_tiny_hf_llm2clip(tmp_path, with_preprocessor=False)
    tower, _ = load_hf_llm2clip_vision(tmp_path)
    img = _image(50, 37)
    ref = CLIPImageProcessorPil(**preprocessor_json())(images=[img], return_tensors="pt").pixel_values[0]
    torch.testing.assert_close(tower.transform(img), ref, atol=1e-5, rtol=0)
    assert weight_files(tmp_path) == [tmp_path / "model.safetensors"]
