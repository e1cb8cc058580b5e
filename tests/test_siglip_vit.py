"""LLM2CLIP's SigLIP2 release against the authors' eva_clip code (golden fixture), plus the LoRA text side."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from photosearch.encoders.lora import find_adapter, read_lora_adapter
from photosearch.encoders.llm2vec import load_llm2vec, read_llama_weights
from photosearch.encoders.siglip_vit import (
    infer_siglip_config,
    load_siglip_vision,
    read_siglip_checkpoint,
    released_state_dict,
)
from photosearch.encoders.text_adaptor import TextAdaptor
from tests.tiny.llama import build_tiny_llama
from tests.tiny.siglip import GOLDEN, OTHER, TinySiglip, state_digest, tiny_state_dict, write_lora_adapter, \
    write_tiny_checkpoint

GOLDEN_DIR = Path(__file__).parent / "fixtures" / "golden" / "llm2clip_siglip2"
IMAGES_DIR = Path(__file__).parent / "fixtures" / "golden" / "llm2clip_eva"  # the same three PNGs
MAX_ABS = 1e-5


@pytest.fixture(scope="module")
def expected() -> dict[str, np.ndarray]:
    with np.load(GOLDEN_DIR / "expected.npz") as data:
        return {k: data[k] for k in data.files}


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    return write_tiny_checkpoint(tmp_path_factory.mktemp("siglip") / "tiny.pt", GOLDEN)


@pytest.fixture(scope="module")
def tower(checkpoint):
    return load_siglip_vision(read_siglip_checkpoint(checkpoint).trunk)


# -- golden equivalence ---------------------------------------------------------------------------------


def test_tiny_builder_writes_what_the_reference_model_holds(expected):
    state = tiny_state_dict(GOLDEN)
    assert list(state) == [str(k) for k in expected["reference_keys"]]  # same keys, same order as CustomCLIP
    assert state_digest(state) == str(expected["state_digest"])  # the very tensors the golden run loaded


def test_transform_and_image_embeddings_match_reference(tower, expected):
    images = [Image.open(IMAGES_DIR / str(name)).convert("RGB") for name in expected["image_files"]]
    pixels = torch.stack([tower.transform(im) for im in images])
    assert np.abs(pixels.numpy() - expected["pixels"]).max() <= 1e-6
    with torch.no_grad():
        out = tower(pixels).numpy()
    assert out.shape == expected["image_embeddings"].shape == (3, GOLDEN.width)  # 1152-d for the real one: no proj
    assert np.abs(out - expected["image_embeddings"]).max() <= MAX_ABS


def test_adaptor_matches_reference_without_l2_normalisation(checkpoint, expected):
    state = read_siglip_checkpoint(checkpoint).adaptor
    vectors = torch.from_numpy(expected["llm_vectors"])
    with torch.no_grad():
        plain = TextAdaptor.from_state_dict(state, normalize_input=False).eval()(vectors).numpy()
        normed = TextAdaptor.from_state_dict(state).eval()(vectors).numpy()
    assert np.abs(plain - expected["text_embeddings"]).max() <= MAX_ABS
    # the switch matters: the EVA02/OpenAI call (L2 first) gives the other reference output, far from this one
    assert np.abs(normed - expected["text_embeddings_if_l2_normalised"]).max() <= MAX_ABS
    assert np.abs(normed - expected["text_embeddings"]).max() > 0.1


def test_safetensors_and_wrapped_checkpoints_read_the_same(tmp_path, checkpoint):
    ref = read_siglip_checkpoint(checkpoint)
    st = read_siglip_checkpoint(write_tiny_checkpoint(tmp_path / "v.safetensors", GOLDEN, safetensors=True))
    torch.save({"state_dict": {"module." + k: v for k, v in tiny_state_dict(GOLDEN).items()}}, tmp_path / "w.pt")
    wrapped = read_siglip_checkpoint(tmp_path / "w.pt")
    for other in (st, wrapped):
        assert set(other.trunk) == set(ref.trunk)  # safetensors stores keys sorted
        assert all(torch.equal(other.trunk[k], ref.trunk[k]) for k in ref.trunk)
        assert set(other.adaptor) == set(ref.adaptor) and other.logit_scale == pytest.approx(math.log(100.0))


def test_released_state_dict_round_trips(tower):
    exported = released_state_dict(tower)
    original = {k: v for k, v in tiny_state_dict(GOLDEN).items() if k.startswith("visual.trunk.")}
    assert list(exported) == list(original)
    assert all(torch.equal(exported[k], original[k]) for k in original)


# -- shapes and errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [GOLDEN, OTHER], ids=["golden", "other"])
def test_sizes_are_read_off_shapes(spec: TinySiglip):
    trunk = read_siglip_checkpoint_from_state(tiny_state_dict(spec, seed=3))
    cfg = infer_siglip_config(trunk)
    assert (cfg.image_size, cfg.patch_size, cfg.width, cfg.depth, cfg.mlp_hidden, cfg.num_heads) == (
        spec.image_size, spec.patch_size, spec.width, spec.depth, spec.mlp_hidden, 16)
    tower = load_siglip_vision(trunk)
    with torch.no_grad():
        out = tower(torch.randn(2, 3, spec.image_size, spec.image_size))
    assert out.shape == (2, spec.width) and torch.isfinite(out).all()


def read_siglip_checkpoint_from_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k[len("visual.trunk."):]: v for k, v in state.items() if k.startswith("visual.trunk.")}


@pytest.mark.parametrize("key", ["attn_pool.latent", "blocks.1.mlp.fc2.bias", "norm.weight", "attn_pool.kv.weight"])
def test_missing_key_is_named(key):
    trunk = read_siglip_checkpoint_from_state(tiny_state_dict(GOLDEN))
    del trunk[key]
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        load_siglip_vision(trunk)


def test_other_files_are_refused_by_name(tmp_path):
    torch.save({"visual.trunk.pos_embed": torch.zeros(1, 4, 8), "optimizer.lr": torch.zeros(1)}, tmp_path / "x.pt")
    with pytest.raises(ValueError, match="optimizer.lr"):
        read_siglip_checkpoint(tmp_path / "x.pt")
    trunk = read_siglip_checkpoint_from_state(tiny_state_dict(GOLDEN))
    trunk["cls_token"] = torch.zeros(1, 1, GOLDEN.width)
    with pytest.raises(ValueError, match="cls_token"):
        load_siglip_vision(trunk)


# -- the text side: Llama-3.1-8B-Instruct + the released LoRA ---------------------------------------------


def test_lora_merge_equals_peft_merge_and_unload(tmp_path):
    peft = pytest.importorskip("peft")
    from transformers import LlamaModel

    llm = build_tiny_llama(tmp_path / "llm", hidden_size=32, intermediate_size=64)
    base = read_llama_weights(llm)
    adapter = write_lora_adapter(tmp_path / "LLM2CLIP-Llama-3.1-8B", base)
    ours = load_llm2vec(llm, lora=adapter).model.state_dict()

    model = load_llm2vec(llm).model  # the reference: LLM2Vec.from_pretrained(base, peft_path, merge_peft=True)
    assert isinstance(model, LlamaModel)
    merged = peft.PeftModel.from_pretrained(model, str(adapter)).merge_and_unload().state_dict()
    targets = [k for k in ours if k.endswith(("q_proj.weight", "down_proj.weight"))]
    assert targets and all(not torch.equal(ours[k], base[k]) for k in targets)  # the LoRA really changed them
    assert max((ours[k] - merged[k]).abs().max().item() for k in ours if k in merged) <= 1e-6


def test_lora_for_another_llm_is_refused(tmp_path):
    small = build_tiny_llama(tmp_path / "a", hidden_size=32, intermediate_size=64)
    other = build_tiny_llama(tmp_path / "b", hidden_size=64, intermediate_size=128)
    adapter = write_lora_adapter(tmp_path / "lora", read_llama_weights(small))
    with pytest.raises(ValueError, match="another LLM"):
        load_llm2vec(other, lora=adapter)
    cfg = (adapter / "adapter_config.json")
    cfg.write_text(cfg.read_text().replace('"use_dora": false', '"use_dora": true'))
    with pytest.raises(ValueError, match="use_dora"):
        read_lora_adapter(adapter)


def test_release_folder_loads_as_an_llm2clip_spec(tmp_path):
    """The downloaded repo layout (checkpoint + `LLM2CLIP-Llama-3.1-8B/` LoRA) beside a Llama folder is a spec."""
    from photosearch.factory import create_encoder

    spec = TinySiglip(llm_dim=32)
    llm = build_tiny_llama(tmp_path / "Llama-3.1-8B-Instruct", hidden_size=32, intermediate_size=64)
    release = tmp_path / "release"
    write_tiny_checkpoint(release / "LLM2CLIP-siglip2.pt", spec)
    adapter = write_lora_adapter(release / "LLM2CLIP-Llama-3.1-8B", read_llama_weights(llm))
    assert find_adapter(release) == adapter

    encoder = create_encoder(f"llm2clip:{release}+{llm}", device="cpu")
    assert (encoder.dim, encoder.image_size) == (spec.width, spec.image_size)
    images = encoder.encode_images([Image.new("RGB", (60, 40), "orange"), Image.new("RGB", (30, 50), "navy")])
    assert images.shape == (2, spec.width) and np.allclose(np.linalg.norm(images, axis=1), 1, atol=1e-5)

    texts = ["a dog on the beach", "ein Hund am Strand"]
    got = encoder.encode_texts(texts)
    llm2vec = load_llm2vec(llm, lora=adapter)
    adaptor = TextAdaptor.from_state_dict(read_siglip_checkpoint(release / "LLM2CLIP-siglip2.pt").adaptor,
                                          normalize_input=False).eval()
    with torch.no_grad():
        want = adaptor(llm2vec(llm2vec.tokenize(texts))).numpy()
    want /= np.linalg.norm(want, axis=1, keepdims=True)
    assert np.abs(got - want).max() <= 1e-5


def test_preset_fetches_the_release_folder_and_the_gated_llm():
    import re

    from photosearch.factory import get_preset

    preset = get_preset("llm2clip-8b-siglip2")
    assert preset is not None and preset.kind == "llm2clip"
    vision, llm = preset.parts["vision"], preset.parts["llm"]
    assert vision["repo_id"] == "microsoft/LLM2CLIP-Llama3.1-8B-siglip2-so400m-patch14-224"
    assert "LLM2CLIP-Llama-3.1-8B/*" in vision["patterns"] and "files" not in vision  # a folder: checkpoint + LoRA
    assert llm["repo_id"] == "meta-llama/Llama-3.1-8B-Instruct" and re.fullmatch(r"[0-9a-f]{40}", llm["revision"])
    # until the vision repo's commit is known it stays on `main`, and the description says so
    assert vision["revision"] == "main" and "pinned" in preset.description
