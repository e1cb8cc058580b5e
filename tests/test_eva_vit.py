"""LLM2CLIP's EVA02 vision tower against the reference eva_clip code (golden fixture), plus loader contracts."""
from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from photosearch.encoders.base import Encoder
from photosearch.encoders.eva_vit import (
    EvaVisionTower,
    infer_eva_config,
    load_eva_vision,
    read_llm2clip_checkpoint,
    reference_state_dict,
)
from photosearch.encoders.text_adaptor import TextAdaptor
from tests.tiny.eva import GOLDEN, OTHER, TinyEva, rope_tables, tiny_state_dict, write_tiny_checkpoint

GOLDEN_DIR = Path(__file__).parent / "fixtures" / "golden" / "llm2clip_eva"
CKPT = GOLDEN_DIR / "tiny_llm2clip_eva.pt"
MAX_ABS = 1e-4
MIN_COS = 0.99999


def _strip(state: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


def _assert_close(actual: np.ndarray, expected: np.ndarray) -> None:
    assert actual.shape == expected.shape
    assert np.abs(actual - expected).max() <= MAX_ABS
    cos = (actual * expected).sum(-1) / (np.linalg.norm(actual, axis=-1) * np.linalg.norm(expected, axis=-1))
    assert cos.min() >= MIN_COS


@pytest.fixture(scope="module")
def expected() -> dict[str, np.ndarray]:
    with np.load(GOLDEN_DIR / "expected.npz") as data:
        return {k: data[k] for k in data.files}


@pytest.fixture(scope="module")
def golden() -> tuple[dict, dict, float | None]:
    return read_llm2clip_checkpoint(CKPT)


@pytest.fixture(scope="module")
def tower(golden) -> EvaVisionTower:
    return load_eva_vision(golden[0]).eval()


@pytest.fixture(scope="module")
def images(expected) -> list[Image.Image]:
    return [Image.open(GOLDEN_DIR / name).convert("RGB") for name in expected["image_files"]]


def _embed(tower: EvaVisionTower, pixels: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return tower(pixels).numpy()


# -- golden equivalence ---------------------------------------------------------------------------------


def test_transform_matches_reference_preprocessing(tower, images, expected):
    # 77x53 and 50x91 give centre-crop offsets of 10.5 and 19.5: only round-half-even gives 10 and 20.
    pixels = torch.stack([tower.transform(im) for im in images]).numpy()
    assert pixels.shape == expected["pixels"].shape
    assert np.abs(pixels - expected["pixels"]).max() <= 1e-6


def test_image_embeddings_match_reference(tower, images, expected):
    pixels = torch.stack([tower.transform(im) for im in images])
    _assert_close(_embed(tower, pixels), expected["image_embeddings"])


def test_adaptor_matches_reference(golden, expected):
    adaptor = TextAdaptor.from_state_dict(golden[1]).eval()
    with torch.no_grad():
        out = adaptor(torch.from_numpy(expected["llm_vectors"])).numpy()
    _assert_close(out, expected["text_embeddings"])


def test_encoder_embeds_pil_images_like_the_reference(tower, images, expected):
    encoder = Encoder(model_id="eva-tiny", dim=tower.output_dim, image_size=tower.image_size, max_text_tokens=1,
                      load_vision=lambda plan: tower, load_tokenizer=None, load_text=None)
    ref = expected["image_embeddings"]
    _assert_close(encoder.encode_images(images), ref / np.linalg.norm(ref, axis=-1, keepdims=True))


def test_rope_tables_equal_the_reference_buffers(tower):
    stored = torch.load(CKPT, map_location="cpu", weights_only=True)
    cos, sin = tower.rope_tables()
    for key in ("visual.rope.freqs_cos", "visual.blocks.1.attn.rope.freqs_cos"):
        assert torch.allclose(cos, stored[key], atol=1e-6, rtol=0)
    assert torch.allclose(sin, stored["visual.rope.freqs_sin"], atol=1e-6, rtol=0)


def test_checkpoint_split_and_logit_scale(golden):
    visual, text, logit_scale = golden
    assert logit_scale == pytest.approx(math.log(100.0), abs=1e-6)
    assert "head.weight" in visual and "rope.freqs_cos" in visual and "blocks.0.attn.rope.freqs_sin" in visual
    assert set(text) == set(_strip(tiny_state_dict(GOLDEN), "text."))
    assert not any(k.startswith(("visual.", "text.")) for k in (*visual, *text))


# -- the tiny builder writes the released layout ----------------------------------------------------------


def test_tiny_builder_matches_reference_layout():
    reference = torch.load(CKPT, map_location="cpu", weights_only=True)
    built = tiny_state_dict(GOLDEN)
    assert list(built) == list(reference)  # same keys, same order
    assert {k: tuple(v.shape) for k, v in built.items()} == {k: tuple(v.shape) for k, v in reference.items()}
    cos, sin = rope_tables(GOLDEN)
    assert torch.allclose(cos, reference["visual.rope.freqs_cos"], atol=1e-6, rtol=0)
    assert torch.allclose(sin, reference["visual.rope.freqs_sin"], atol=1e-6, rtol=0)


# -- architecture from shapes ---------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [GOLDEN, OTHER], ids=["golden", "other"])
def test_architecture_is_inferred_from_shapes(spec: TinyEva):
    visual = _strip(tiny_state_dict(spec, seed=3), "visual.")
    tower = load_eva_vision(visual).eval()
    cfg = tower.config
    assert (cfg.image_size, cfg.patch_size, cfg.width, cfg.depth, cfg.num_heads, cfg.mlp_hidden, cfg.output_dim) == (
        spec.image_size, spec.patch_size, spec.width, spec.depth, spec.num_heads, spec.mlp_hidden, spec.output_dim)
    assert (tower.image_size, tower.output_dim) == (spec.image_size, spec.output_dim)
    pixels = torch.randn(2, 3, spec.image_size, spec.image_size)
    out = _embed(tower, pixels)
    assert out.shape == (2, spec.output_dim) and np.isfinite(out).all()
    image = Image.new("RGB", (spec.image_size + 7, spec.image_size + 3), "orange")
    assert tuple(tower.transform(image).shape) == (3, spec.image_size, spec.image_size)


def test_head_width_defaults_to_64_without_rope_tables():
    spec = TinyEva(width=128, head_width=64, depth=1, output_dim=16, llm_dim=8)
    with_rope = load_eva_vision(_strip(tiny_state_dict(spec), "visual.")).eval()
    without = load_eva_vision(_strip(tiny_state_dict(spec, with_rope=False), "visual.")).eval()
    assert without.config.num_heads == 2
    pixels = torch.randn(1, 3, spec.image_size, spec.image_size)
    assert np.abs(_embed(with_rope, pixels) - _embed(without, pixels)).max() <= 1e-6


def test_width_not_divisible_by_64_needs_the_rope_table():
    visual = _strip(tiny_state_dict(OTHER, with_rope=False), "visual.")
    with pytest.raises(ValueError, match="heads of 64"):
        load_eva_vision(visual)


# -- clear errors -----------------------------------------------------------------------------------------


def _golden_visual() -> dict[str, torch.Tensor]:
    return _strip(tiny_state_dict(GOLDEN), "visual.")


@pytest.mark.parametrize(
    "key",
    ["blocks.1.mlp.w3.weight", "blocks.0.attn.q_proj.bias", "head.weight", "pos_embed", "norm.bias",
     "blocks.0.attn.inner_attn_ln.weight", "blocks.0.mlp.w1.weight"],
)
def test_missing_key_is_named(key):
    visual = _golden_visual()
    del visual[key]
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        load_eva_vision(visual)


def test_missing_block_is_named():
    visual = {k: v for k, v in _strip(tiny_state_dict(OTHER), "visual.").items() if not k.startswith("blocks.1.")}
    with pytest.raises(ValueError, match=r"blocks\.1\."):
        load_eva_vision(visual)


def test_unexpected_key_is_named():
    visual = _golden_visual()
    visual["blocks.0.attn.k_proj.bias"] = torch.zeros(GOLDEN.width)
    with pytest.raises(ValueError, match=r"blocks\.0\.attn\.k_proj\.bias"):
        load_eva_vision(visual)


def test_odd_shapes_are_named():
    visual = _golden_visual()
    visual["pos_embed"] = visual["pos_embed"][:, :-1]
    with pytest.raises(ValueError, match="pos_embed"):
        load_eva_vision(visual)
    visual = _golden_visual()
    visual["blocks.1.mlp.w2.weight"] = visual["blocks.1.mlp.w2.weight"][:-1]
    with pytest.raises(ValueError, match=r"blocks\.1\.mlp\.w2\.weight"):
        load_eva_vision(visual)


def test_rope_table_for_other_settings_is_rejected():
    visual = _golden_visual()
    cos, _ = rope_tables(TinyEva(pt_hw_seq_len=8))
    visual["blocks.1.attn.rope.freqs_cos"] = cos
    with pytest.raises(ValueError, match=r"blocks\.1\.attn\.rope\.freqs_cos"):
        load_eva_vision(visual)


def test_non_llm2clip_file_is_rejected(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"conv1.weight": torch.zeros(2, 3, 1, 1)}, path)
    with pytest.raises(ValueError, match="conv1.weight"):
        read_llm2clip_checkpoint(path)
    torch.save({"text.text_adaptor.5.weight": torch.zeros(2, 2)}, path)
    with pytest.raises(ValueError, match="visual"):
        read_llm2clip_checkpoint(path)


# -- what the reference loader tolerates ------------------------------------------------------------------


@pytest.mark.parametrize("wrap", ["state_dict", "model", "module"])
def test_wrapped_checkpoints_read_like_flat_ones(tmp_path, wrap):
    flat = read_llm2clip_checkpoint(write_tiny_checkpoint(tmp_path / "flat.pt", OTHER))
    wrapped = read_llm2clip_checkpoint(write_tiny_checkpoint(tmp_path / "wrapped.pt", OTHER, wrap=wrap))
    for a, b in zip(flat[:2], wrapped[:2]):
        assert list(a) == list(b) and all(torch.equal(a[k], b[k]) for k in a)
    assert flat[2] == wrapped[2]


def test_ddp_prefix_and_text_logit_scale(tmp_path):
    state = tiny_state_dict(OTHER)
    state["text.logit_scale"] = state.pop("logit_scale")
    path = tmp_path / "ddp.pt"
    torch.save({"state_dict": {"module." + k: v for k, v in state.items()}, "epoch": 3}, path)
    visual, text, scale = read_llm2clip_checkpoint(path)
    assert scale == pytest.approx(math.log(100.0), abs=1e-6)
    assert set(visual) == set(_strip(state, "visual.")) and "logit_scale" not in text


def test_legacy_q_bias_v_bias_names_load_the_same(tower, expected):
    visual = dict(read_llm2clip_checkpoint(CKPT)[0])
    for i in range(GOLDEN.depth):
        visual[f"blocks.{i}.attn.q_bias"] = visual.pop(f"blocks.{i}.attn.q_proj.bias")
        visual[f"blocks.{i}.attn.v_bias"] = visual.pop(f"blocks.{i}.attn.v_proj.bias")
    pixels = torch.from_numpy(expected["pixels"])
    assert np.array_equal(_embed(load_eva_vision(visual).eval(), pixels), _embed(tower, pixels))


# -- fine-tuning needs ------------------------------------------------------------------------------------


def test_tower_is_trainable():
    tower = load_eva_vision(_strip(tiny_state_dict(OTHER), "visual.")).train()
    tower(torch.randn(2, 3, OTHER.image_size, OTHER.image_size)).square().sum().backward()
    params = dict(tower.named_parameters())
    assert params and all(p.requires_grad for p in params.values())
    no_grad = [n for n, p in params.items() if p.grad is None or not p.grad.abs().sum() > 0]
    assert no_grad == []


def test_reference_state_dict_round_trips(golden):
    visual = golden[0]
    exported = reference_state_dict(load_eva_vision(visual))
    assert list(exported) == list(visual)  # same keys in the released order
    for key, value in visual.items():
        atol = 1e-6 if "rope" in key else 0.0
        assert torch.allclose(exported[key], value, atol=atol, rtol=0), key
    assert infer_eva_config(exported) == infer_eva_config(visual)


def test_transform_pickles(tower, images):
    clone = pickle.loads(pickle.dumps(tower.transform))
    assert torch.equal(clone(images[0]), tower.transform(images[0]))


def test_layer_norms_use_the_reference_eps(tower):
    # eps 1e-5 instead of 1e-6 moves the golden outputs by only ~6e-5, inside the tolerance: check it directly.
    norms = [m for m in tower.modules() if isinstance(m, torch.nn.LayerNorm)]
    assert len(norms) == 4 * GOLDEN.depth + 1  # norm1, sub-LN in attn, norm2, sub-LN in SwiGLU; final norm
    assert {m.eps for m in norms} == {1e-6}


def test_legacy_torch_save_format_is_read(tmp_path, golden):
    path = tmp_path / "legacy.pt"
    torch.save(torch.load(CKPT, map_location="cpu", weights_only=True), path, _use_new_zipfile_serialization=False)
    visual, text, scale = read_llm2clip_checkpoint(path)
    assert list(visual) == list(golden[0]) and all(torch.equal(visual[k], golden[0][k]) for k in visual)
    assert scale == golden[2]
