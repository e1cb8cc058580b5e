"""open_clip backend against open_clip's own encode_image/encode_text on tiny random models, offline."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import open_clip
import pytest
import torch
from PIL import Image
from safetensors.torch import save_file

from photosearch.encoders.openclip import load_openclip, resolve_openclip
from photosearch.errors import HubUnreachable, ModelError
from photosearch.hashing import weights_fingerprint

TINY = "photosearch-tiny-ViT"
TINY_HF_TEXT = "photosearch-tiny-xlmr-ViT"
CONTEXT = 12
TINY_CFG = {
    "embed_dim": 16,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 16, "head_width": 16},
    "text_cfg": {"context_length": CONTEXT, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
}
WORDS = ["a", "red", "bicycle", "leaning", "on", "wall", "in", "rome", "ein", "rotes", "fahrrad", "at", "night"]
TEXTS = ["a red bicycle", "ein rotes Fahrrad an einer Wand in Rom bei Nacht", "  a   bicycle  at night "]
LONG = "a red bicycle leaning on a wall in rome at night in the rain with people walking by"


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _images() -> list[Image.Image]:
    rng = np.random.default_rng(0)
    return [Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)) for w, h in [(40, 33), (32, 64), (50, 50)]]


def _save_random_weights(name: str, path: Path) -> Path:
    torch.manual_seed(0)
    model = open_clip.create_model(name, pretrained_text=False)
    g = torch.Generator().manual_seed(1)
    state = {k: (v + 0.02 * torch.randn(v.shape, generator=g)).contiguous() if v.is_floating_point() else v
             for k, v in model.state_dict().items()}
    save_file(state, str(path))
    return path


def _tiny_hf_text_dirs(root: Path) -> tuple[Path, Path]:
    """A tiny XLM-R model config and a WordLevel tokenizer with XLM-R's specials (<s> x </s>, pad=1)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast, XLMRobertaConfig

    model_dir, tok_dir = root / "xlmr-config", root / "xlmr-tokenizer"
    XLMRobertaConfig(vocab_size=32, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=CONTEXT + 4, pad_token_id=1,
                     bos_token_id=0, eos_token_id=2).save_pretrained(model_dir)
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3} | {w: i + 4 for i, w in enumerate(WORDS)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                            unk_token="<unk>").save_pretrained(tok_dir)
    return model_dir, tok_dir


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("openclip")
    model_dir, tok_dir = _tiny_hf_text_dirs(root)
    hf_cfg = {
        "embed_dim": 16,
        "vision_cfg": TINY_CFG["vision_cfg"],
        "text_cfg": {"hf_model_name": str(model_dir), "hf_tokenizer_name": str(tok_dir),
                     "hf_pooler_type": "mean_pooler", "context_length": CONTEXT},
    }
    (root / f"{TINY}.json").write_text(json.dumps(TINY_CFG))
    (root / f"{TINY_HF_TEXT}.json").write_text(json.dumps(hf_cfg))
    open_clip.add_model_config(root / f"{TINY}.json")
    open_clip.add_model_config(root / f"{TINY_HF_TEXT}.json")
    return {
        TINY: _save_random_weights(TINY, root / "tiny.safetensors"),
        TINY_HF_TEXT: _save_random_weights(TINY_HF_TEXT, root / "tiny-xlmr.safetensors"),
        "root": root,
    }


def _reference(name: str, weights: Path | None) -> tuple[np.ndarray, np.ndarray]:
    """open_clip's own pipeline: create_model_and_transforms + get_tokenizer + encode_*(normalize=True)."""
    model, _, preprocess = open_clip.create_model_and_transforms(name, pretrained=weights and str(weights))
    model.eval()
    tokenizer = open_clip.get_tokenizer(name)
    with torch.no_grad():
        img = model.encode_image(torch.stack([preprocess(im) for im in _images()]), normalize=True)
        txt = model.encode_text(tokenizer(TEXTS + [LONG]), normalize=True)
    return img.numpy(), txt.numpy()


@pytest.mark.parametrize("name", [TINY, TINY_HF_TEXT])
def test_embeddings_equal_open_clip(tiny: dict[str, Path], name: str) -> None:
    enc = load_openclip(name, str(tiny[name]))
    want_img, want_txt = _reference(name, tiny[name])
    got_img = enc.encode_images(_images())
    got_txt = enc.encode_texts(TEXTS + [LONG])
    np.testing.assert_allclose(got_img, want_img, atol=1e-5)
    np.testing.assert_allclose(got_txt, want_txt, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(got_img, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(got_txt, axis=1), 1.0, atol=1e-5)
    assert enc.dim == 16 and got_img.shape == (3, 16)
    assert enc.model_id == f"openclip:{name}@{weights_fingerprint([tiny[name]])}"
    pickle.loads(pickle.dumps(enc.image_transform))  # decode workers receive it by pickle


def test_image_only_use_keeps_no_text_weights(tiny: dict[str, Path]) -> None:
    enc = load_openclip(TINY, str(tiny[TINY]))
    enc.encode_images(_images())
    assert enc.vision_loaded and not enc.text_loaded
    assert enc._tokenizer is None  # not even the tokenizer was built
    ref = open_clip.create_model(TINY, pretrained=str(tiny[TINY]))
    kept = {n for n, _ in enc.vision.named_parameters()}
    assert kept == {"visual." + n for n, _ in ref.visual.named_parameters()}


def test_text_tower_drops_the_vit(tiny: dict[str, Path]) -> None:
    enc = load_openclip(TINY, str(tiny[TINY]))
    enc.encode_texts(["a red bicycle"])
    assert enc.text_loaded and not enc.vision_loaded
    assert not any(".visual." in n or n.startswith("model.visual") for n, _ in enc.text.named_parameters())


def test_token_counts_and_truncation_bpe(tiny: dict[str, Path]) -> None:
    enc = load_openclip(TINY, str(tiny[TINY]))
    assert enc.max_text_tokens == CONTEXT - 2
    bpe = open_clip.SimpleTokenizer()
    short, long = enc.text_info(["a red bicycle", LONG])
    assert (short.n_tokens, short.kept_tokens, short.truncated) == (3, 3, False)
    n_long = len(bpe.encode(LONG))
    assert n_long > CONTEXT - 2
    assert (long.n_tokens, long.kept_tokens, long.truncated) == (n_long, CONTEXT - 2, True)
    _, info = enc.encode_texts_with_info([LONG])
    assert info == [long]


def test_token_counts_and_truncation_hf_tokenizer(tiny: dict[str, Path]) -> None:
    enc = load_openclip(TINY_HF_TEXT, str(tiny[TINY_HF_TEXT]))
    info = enc.text_info(["a red bicycle", LONG, "ein rotes Fahrrad"])
    assert enc.max_text_tokens == CONTEXT - 2  # <s> and </s>
    assert [(i.n_tokens, i.kept_tokens, i.truncated) for i in info] == [
        (3, 3, False), (len(LONG.split()), CONTEXT - 2, True), (3, 3, False)]


def test_local_dir_and_hf_hub_cache(tiny: dict[str, Path], tmp_path: Path) -> None:
    cfg = {"model_cfg": TINY_CFG, "preprocess_cfg": {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}}
    folder = tmp_path / "local"
    folder.mkdir()
    (folder / "open_clip_config.json").write_text(json.dumps(cfg))
    (folder / "open_clip_model.safetensors").write_bytes(tiny[TINY].read_bytes())
    local = load_openclip(f"local-dir:{folder}", None)

    # a Hugging Face cache laid out as hf_hub_download leaves it, read with HF_HUB_OFFLINE=1
    cache = tmp_path / "hub"
    snap = cache / "models--someone--tiny-clip" / "snapshots" / ("0" * 40)
    snap.mkdir(parents=True)
    (cache / "models--someone--tiny-clip" / "refs").mkdir()
    (cache / "models--someone--tiny-clip" / "refs" / "main").write_text("0" * 40)
    for f in folder.iterdir():
        (snap / f.name).write_bytes(f.read_bytes())
    hub = load_openclip("hf-hub:someone/tiny-clip", None, cache_dir=str(cache))

    fp = weights_fingerprint([snap / "open_clip_model.safetensors"])
    assert hub.model_id == f"openclip:hf-hub:someone/tiny-clip@{fp}"
    want_img, want_txt = _reference(f"local-dir:{folder}", None)
    for enc in (local, hub):
        np.testing.assert_allclose(enc.encode_images(_images()), want_img, atol=1e-5)
        np.testing.assert_allclose(enc.encode_texts(TEXTS + [LONG]), want_txt, atol=1e-5)
    # the folder's preprocess_cfg (mean/std 0.5) is used, not the default OpenAI statistics
    assert list(local.image_transform.transforms[-1].mean) == [0.5, 0.5, 0.5]


def test_unknown_model_name(tiny: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="unknown open_clip model 'ViT-Q-99'"):
        load_openclip("ViT-Q-99", str(tiny[TINY]))


def test_unknown_tag_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="laion5b_s13b_b90k"):
        load_openclip("xlm-roberta-base-ViT-B-32", "laion2b_s13b_b90k")


def test_missing_weights_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_openclip("ViT-B-32", str(tmp_path / "nope.safetensors"))


def test_no_pretrained_is_an_error() -> None:
    with pytest.raises(ValueError, match="needs weights"):
        load_openclip("ViT-B-32", None)


def test_offline_tag_not_in_cache_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HubUnreachable, match="offline mode is on"):
        load_openclip("xlm-roberta-base-ViT-B-32", "laion5b_s13b_b90k", cache_dir=str(tmp_path))
    with pytest.raises(HubUnreachable, match="offline mode is on"):
        resolve_openclip("hf-hub:laion/CLIP-ViT-B-32-laion2B-s34B-b79K", None, cache_dir=str(tmp_path))


def test_pinned_text_folder_replaces_the_hub_name(tiny: dict[str, Path], tmp_path: Path) -> None:
    """A preset's `text_config` part (XLM-R's config and tokenizer, pinned to a commit) is what the text tower
    and tokenizer are built from: open_clip's own config names the hub repo, which it would read at `main`
    (unpinned), and offline from nowhere."""
    import shutil

    name = "photosearch-tiny-hubtext-ViT"
    cfg = json.loads((tiny["root"] / f"{TINY_HF_TEXT}.json").read_text())
    cfg["text_cfg"].update(hf_model_name="nobody/not-on-this-machine", hf_tokenizer_name="nobody/not-on-this-machine")
    (tmp_path / f"{name}.json").write_text(json.dumps(cfg))
    open_clip.add_model_config(tmp_path / f"{name}.json")
    text_dir = tmp_path / "text_config"  # what a preset download holds: config.json + tokenizer files
    shutil.copytree(tiny["root"] / "xlmr-config", text_dir)
    shutil.copytree(tiny["root"] / "xlmr-tokenizer", text_dir, dirs_exist_ok=True)

    with pytest.raises(ModelError, match="text tower"):  # by name: offline, from nowhere
        load_openclip(name, str(tiny[TINY_HF_TEXT])).encode_texts(["a red bicycle"])
    enc = load_openclip(name, str(tiny[TINY_HF_TEXT]), hf_text_dir=str(text_dir))
    want = load_openclip(TINY_HF_TEXT, str(tiny[TINY_HF_TEXT]))
    np.testing.assert_allclose(enc.encode_texts(TEXTS + [LONG]), want.encode_texts(TEXTS + [LONG]), atol=1e-6)
    np.testing.assert_allclose(enc.encode_images(_images()), want.encode_images(_images()), atol=1e-6)
    assert [i.n_tokens for i in enc.text_info(TEXTS)] == [i.n_tokens for i in want.text_info(TEXTS)]
