"""Long-CLIP backend: golden equivalence with the reference code, the 248-token context, laziness, errors."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import photosearch.encoders.longclip as lc
from photosearch.encoders.base import Encoder, TextInfo, TokenizedTexts
from photosearch.hashing import weights_fingerprint
from tests.tiny.longclip import edited_copy, tiny_longclip_state_dict

GOLDEN = Path(__file__).parent / "fixtures" / "golden" / "longclip"
EOT = 49407


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _assert_close(ours: np.ndarray, expected: np.ndarray) -> None:
    assert ours.shape == expected.shape
    assert np.abs(ours - expected).max() <= 1e-4
    cos = (_unit(ours) * _unit(expected)).sum(-1)
    assert cos.min() >= 0.99999


@pytest.fixture(scope="module")
def golden() -> tuple[dict, dict[str, np.ndarray]]:
    inputs = json.loads((GOLDEN / "inputs.json").read_text(encoding="utf-8"))
    with np.load(GOLDEN / "expected.npz") as f:
        expected = {k: f[k] for k in f.files}
    return inputs, expected


@pytest.fixture(scope="module")
def tiny_sd() -> dict[str, torch.Tensor]:
    return tiny_longclip_state_dict(seed=0)


@pytest.fixture(scope="module")
def tiny_path(tiny_sd: dict[str, torch.Tensor], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return edited_copy(tiny_sd, tmp_path_factory.mktemp("longclip") / "longclip-tiny.pt")


@pytest.fixture(scope="module")
def tiny(tiny_path: Path) -> Encoder:
    return lc.load_longclip(tiny_path)


# -- golden equivalence with the reference implementation ------------------------------------------------------
def test_golden_images(golden: tuple[dict, dict[str, np.ndarray]]) -> None:
    inputs, expected = golden
    encoder = lc.load_longclip(GOLDEN / "longclip-tiny.pt")
    images = [Image.open(GOLDEN / name) for name in inputs["images"]]
    pixels = torch.stack([encoder.image_transform(im) for im in images])
    assert np.abs(pixels.numpy() - expected["pixels"]).max() <= 1e-6
    with torch.inference_mode():
        raw = encoder.vision(pixels).numpy()
    _assert_close(raw, expected["image_features"])
    _assert_close(encoder.encode_images(images), _unit(expected["image_features"]))
    assert not encoder.text_loaded


def test_golden_texts(golden: tuple[dict, dict[str, np.ndarray]]) -> None:
    inputs, expected = golden
    texts = inputs["texts"]
    encoder = lc.load_longclip(GOLDEN / "longclip-tiny.pt")
    batch = encoder.tokenizer(texts)
    assert torch.equal(batch.tensors["input_ids"], torch.from_numpy(expected["text_tokens"]))
    with torch.inference_mode():
        raw = encoder.text(batch).numpy()
    _assert_close(raw, expected["text_features"])
    embeddings, info = encoder.encode_texts_with_info(texts)
    _assert_close(embeddings, _unit(expected["text_features"]))
    assert [i.n_tokens for i in info] == inputs["content_token_counts"][: len(texts)]
    assert [i.truncated for i in info] == [n > 246 for n in inputs["content_token_counts"][: len(texts)]]
    assert not encoder.vision_loaded


def test_golden_tokenizer_edge_cases(golden: tuple[dict, dict[str, np.ndarray]]) -> None:
    # Special-token spelling and whitespace cleaning are where open_clip's tokenizer departs from Long-CLIP's.
    inputs, expected = golden
    ids = lc.LongClipTokenizer(248)(inputs["tokenizer_texts"]).tensors["input_ids"]
    assert torch.equal(ids, torch.from_numpy(expected["tokenizer_tokens"]))


def test_sizes_and_model_id(tiny: Encoder, tiny_path: Path) -> None:
    assert tiny.model_id == "longclip:" + weights_fingerprint([tiny_path])
    # 248 positions, two of them SOT/EOT: the words a query may hold, the same figure a cut query reports
    assert (tiny.dim, tiny.image_size, tiny.max_text_tokens) == (32, 32, 246)
    info = tiny.text_info(["word " * 300])[0]
    assert info.truncated and info.kept_tokens == tiny.max_text_tokens
    cfg = lc.infer_config(tiny_longclip_state_dict(seed=1, vision_layers=3, text_layers=1, image_size=48))
    assert (cfg.vision_layers, cfg.text_layers, cfg.image_size, cfg.patch_size) == (3, 1, 48, 8)
    assert (cfg.vision_width, cfg.text_width, cfg.context_length, cfg.vocab_size) == (64, 64, 248, 49408)


# -- weights exactly as the reference loads them ---------------------------------------------------------------
def test_fp16_rounding_follows_reference_and_params_are_trainable(
    tiny: Encoder, tiny_sd: dict[str, torch.Tensor]
) -> None:
    loaded = {f"visual.{k}": v for k, v in tiny.vision.visual.named_parameters()}
    loaded.update(tiny.text.text.named_parameters())
    rounded = 0
    for key, source in tiny_sd.items():
        if key in lc._IGNORED_KEYS or key.startswith("positional_embedding"):
            continue
        param = loaded.pop(key)
        assert isinstance(param, torch.nn.Parameter) and param.dtype == torch.float32 and param.requires_grad
        assert not torch.equal(source.half().float(), source), key  # the source needs rounding: test can fail
        if lc.rounds_through_fp16(key):
            rounded += 1
            assert torch.equal(param, source.half().float()), key
        else:
            assert torch.equal(param, source), key
    assert set(loaded) == {"positional_embedding"}
    assert rounded == 3 + 2 * 2 * 8  # conv1, proj, text_projection + 8 per block, 2 blocks per tower


def test_position_tables_merge_like_reference_masks(tiny_sd: dict[str, torch.Tensor], tmp_path: Path) -> None:
    text = "a long caption " + " ".join(f"word{i}" for i in range(60))  # well past row 20 and row 77
    assert lc.LongClipTokenizer(248)([text]).info[0].n_tokens > 100

    def embed(name: str, **edit: torch.Tensor) -> np.ndarray:
        return lc.load_longclip(edited_copy(tiny_sd, tmp_path / name, replace=edit)).encode_texts([text])

    base = embed("base.pt")
    pe, res = tiny_sd["positional_embedding"], tiny_sd["positional_embedding_res"]
    # Random (not constant) edits: every LayerNorm would cancel a constant shift of a row.
    noise = torch.randn(pe.shape, generator=torch.Generator().manual_seed(1))
    unused_pe, unused_res = pe.clone(), res.clone()
    unused_pe[20:] += noise[20:]  # rows the reference multiplies by mask1 = 0
    unused_res[:20] += noise[:20]  # rows the reference multiplies by mask2 = 0
    np.testing.assert_array_equal(embed("pe20.pt", positional_embedding=unused_pe), base)
    np.testing.assert_array_equal(embed("res0.pt", positional_embedding_res=unused_res), base)
    used_pe, used_res = pe.clone(), res.clone()
    used_pe[5] += noise[5]
    used_res[90] += noise[90]
    assert np.abs(embed("pe5.pt", positional_embedding=used_pe) - base).max() > 1e-3
    assert np.abs(embed("res90.pt", positional_embedding_res=used_res) - base).max() > 1e-3


def test_skipping_padding_matches_full_context_forward(tiny: Encoder) -> None:
    batch = tiny.tokenizer(["a dog", "a cat on a mat " * 20, "x"])
    tower = tiny.text
    with torch.inference_mode():
        ours = tower(batch)
        full = tower.text(batch.tensors["input_ids"])  # open_clip's own forward over all 248 positions
    full = full[0] if isinstance(full, tuple) else full
    assert torch.allclose(ours, full, atol=1e-5, rtol=0)


# -- the long context ------------------------------------------------------------------------------------------
def test_paragraph_beyond_77_tokens_changes_the_embedding(tiny: Encoder) -> None:
    paragraph = " ".join(f"the {c} house number {i} by the river" for i, c in enumerate(["red", "blue"] * 8))
    batch = tiny.tokenizer([paragraph])
    assert batch.info[0].n_tokens > 100 and not batch.info[0].truncated
    clip77 = batch.tensors["input_ids"].clone()
    clip77[:, 76], clip77[:, 77:] = EOT, 0  # what a 77-token CLIP tokenizer would keep
    with torch.inference_mode():
        first77 = _unit(tiny.text(TokenizedTexts({"input_ids": clip77})).numpy())
    full = tiny.encode_texts([paragraph])
    assert float((full * first77).sum()) < 0.999


def test_truncation_past_248_is_reported(tiny_path: Path) -> None:
    encoder = lc.load_longclip(tiny_path)
    prefix = "cat " * 260
    info = encoder.text_info([prefix + "dog", "a short query", "cat " * 246])
    assert info[0] == TextInfo(n_tokens=261, kept_tokens=246, truncated=True)
    assert info[1] == TextInfo(n_tokens=3, kept_tokens=3, truncated=False)
    assert info[2] == TextInfo(n_tokens=246, kept_tokens=246, truncated=False)
    assert not encoder.text_loaded  # counting tokens does not load the text weights
    embeddings, with_info = encoder.encode_texts_with_info([prefix + "dog", prefix + "bird", "cat " * 200 + "dog"])
    assert with_info[1].truncated and not with_info[2].truncated
    np.testing.assert_allclose(embeddings[0], embeddings[1], atol=1e-6)  # tails past 246 tokens are cut
    assert np.abs(embeddings[0] - embeddings[2]).max() > 1e-3


@pytest.mark.parametrize(
    "text",
    ["夕焼けの海辺を走る犬", "北京的秋天很美", "Красная площадь зимой", "قطة نائمة على الأريكة", "🐕🌅🏖️👩‍👩‍👧"],
)
def test_non_latin_texts_are_finite_unit_vectors(tiny: Encoder, text: str) -> None:
    embeddings, info = tiny.encode_texts_with_info([text, "a photo of a dog"])
    assert info[0].n_tokens > 0
    assert np.isfinite(embeddings).all()
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-5)
    assert np.abs(embeddings[0] - embeddings[1]).max() > 1e-3


# -- laziness ----------------------------------------------------------------------------------------------------
def _refuse(*_: object) -> None:
    raise AssertionError("this tower must not be built")


def test_image_only_use_never_builds_the_text_tower(tiny_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lc, "build_text", _refuse)
    encoder = lc.load_longclip(tiny_path)
    out = encoder.encode_images([Image.new("RGB", (40, 30), (10, 200, 30)), Image.new("RGB", (20, 50))])
    assert out.shape == (2, 32) and encoder.vision_loaded and not encoder.text_loaded
    pickle.loads(pickle.dumps(encoder.image_transform))  # decode workers receive it by pickling


def test_text_only_use_never_builds_the_vision_tower(tiny_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lc, "build_vision", _refuse)
    encoder = lc.load_longclip(tiny_path)
    assert encoder.encode_texts(["a dog"]).shape == (1, 32)
    assert encoder.text_loaded and not encoder.vision_loaded


# -- bad checkpoints -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"drop": ["positional_embedding_res"]}, "positional_embedding_res"),
        ({"replace": {"positional_embedding_res": torch.zeros(247, 64)}}, "positional_embedding_res"),
        ({"replace": {"positional_embedding": torch.zeros(248, 96), "positional_embedding_res": torch.zeros(248, 96)}},
         "text width"),
        ({"replace": {"text_projection": torch.zeros(64, 16)}}, "text_projection"),
        ({"replace": {"visual.positional_embedding": torch.zeros(18, 64)}}, "visual.positional_embedding"),
        ({"drop": ["visual.proj"]}, "visual.proj"),
    ],
)
def test_bad_checkpoints_raise_value_error(
    tiny_sd: dict[str, torch.Tensor], tmp_path: Path, edit: dict, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        lc.load_longclip(edited_copy(tiny_sd, tmp_path / "bad.pt", **edit))


def test_missing_block_tensor_is_a_clear_error_when_the_tower_loads(
    tiny_sd: dict[str, torch.Tensor], tmp_path: Path
) -> None:
    path = edited_copy(tiny_sd, tmp_path / "bad.pt", drop=["transformer.resblocks.1.mlp.c_fc.bias"])
    encoder = lc.load_longclip(path)
    with pytest.raises(ValueError, match="resblocks.1.mlp.c_fc.bias"):
        encoder.encode_texts(["a dog"])


def test_pickled_module_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "module.pt"
    torch.save(torch.nn.Linear(2, 2), path)
    with pytest.raises(ValueError, match="Python objects besides tensors, which are never loaded"):
        lc.load_longclip(path)


def test_towers_are_trainable(tiny_path: Path) -> None:
    encoder = lc.load_longclip(tiny_path)
    vision, text = encoder.vision, encoder.text
    vision(torch.randn(2, 3, 32, 32)).square().sum().backward()
    text(encoder.tokenizer(["word " * 120])).square().sum().backward()
    assert vision.visual.conv1.weight.grad is not None and vision.visual.conv1.weight.grad.abs().sum() > 0
    position_grad = text.text.positional_embedding.grad
    assert position_grad is not None and position_grad[100].abs().sum() > 0  # rows past 77 learn too
    assert position_grad[200].abs().sum() == 0  # the 122-token text never reaches row 200
