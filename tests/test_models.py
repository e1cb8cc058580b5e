"""Model specs, LLM2CLIP pairing and the `models` / `embed` commands, on tiny checkpoints in released layouts."""
import json

import numpy as np
import pytest
import torch
from PIL import Image

from photosearch.cli import main
from photosearch.encoders.llm2vec import load_llm2vec
from photosearch.encoders.text_adaptor import TextAdaptor
from photosearch.factory import create_encoder, write_manifest
from tests.tiny.eva import TinyEva, write_tiny_checkpoint
from tests.tiny.hf_clip import LLM_DIM, write_tiny_hf_llm2clip
from tests.tiny.llama import build_tiny_llama
from tests.tiny.longclip import write_tiny_longclip

PARAGRAPH = (
    "The kid in the yellow raincoat jumping into a puddle next to a red bicycle, late afternoon, "
    "with long shadows on the wet street and a dog watching from a doorway. " * 6
)


@pytest.fixture(scope="module")
def llm_dir(tmp_path_factory):
    return build_tiny_llama(tmp_path_factory.mktemp("llm"), hidden_size=64)


@pytest.fixture(scope="module")
def eva_pt(tmp_path_factory):
    return write_tiny_checkpoint(tmp_path_factory.mktemp("eva") / "LLM2CLIP-tiny.pt", TinyEva(llm_dim=64))


@pytest.fixture(scope="module")
def longclip_pt(tmp_path_factory):
    return write_tiny_longclip(tmp_path_factory.mktemp("lc") / "longclip-tiny.pt")


@pytest.fixture
def offline_hub(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))


def _images():
    return [Image.new("RGB", (64, 48), c) for c in ("red", "navy", "yellow")]


def _unit(v):
    return np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_llm2clip_eva_pair_encodes_text_and_images_lazily(eva_pt, llm_dir):
    enc = create_encoder(f"llm2clip:{eva_pt}+{llm_dir}", device="cpu")
    assert enc.model_id.startswith("llm2clip:") and (enc.dim, enc.image_size) == (128, TinyEva(llm_dim=64).image_size)
    # 512 positions less BOS and the user-turn header: the same figure a cut query reports as kept
    assert 500 <= enc.max_text_tokens < 512 and enc.text_info([PARAGRAPH * 3])[0].kept_tokens == enc.max_text_tokens
    assert not enc.text_loaded and not enc.vision_loaded  # sizes and limits come from headers and the tokenizer
    img = enc.encode_images(_images())
    assert img.shape == (3, 128) and img.dtype == np.float32 and _unit(img)
    assert enc.vision_loaded and not enc.text_loaded  # indexing never loads the LLM

    enc2 = create_encoder(f"llm2clip:{eva_pt}+{llm_dir}", device="cpu")
    txt = enc2.encode_texts(["a red bicycle", "穿黄色雨衣的孩子", "Дети 🚲 في المطر"])
    assert txt.shape == (3, 128) and _unit(txt) and np.isfinite(txt).all()
    assert enc2.text_loaded and not enc2.vision_loaded  # a query never loads the ViT
    assert enc2.model_id == enc.model_id


def test_llm2clip_text_is_adaptor_of_llm2vec_vector(eva_pt, llm_dir):
    """The wiring: L2norm(adaptor(LLM2Vec mean-pooled vector)), with the adaptor from the vision file."""
    enc = create_encoder(f"llm2clip:{eva_pt}+{llm_dir}", device="cpu")
    got = enc.encode_texts(["a dog in the snow"])
    state = torch.load(eva_pt, map_location="cpu", weights_only=True)
    adaptor = TextAdaptor.from_state_dict({k[5:]: v for k, v in state.items() if k.startswith("text.")}).eval()
    llm = load_llm2vec(llm_dir).eval()
    with torch.no_grad():
        want = torch.nn.functional.normalize(adaptor(llm(llm.tokenize(["a dog in the snow"]))), dim=-1).numpy()
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_llm_width_mismatch_is_a_clear_error(tmp_path, llm_dir):
    pt = write_tiny_checkpoint(tmp_path / "for-8b.pt", TinyEva(llm_dim=32))
    with pytest.raises(ValueError, match="width 32.*width 64"):
        create_encoder(f"llm2clip:{pt}+{llm_dir}", device="cpu")


def test_llm2clip_hf_openai_layout(tmp_path):
    vision = write_tiny_hf_llm2clip(tmp_path / "LLM2CLIP-Openai-tiny")
    llm = build_tiny_llama(tmp_path / "llm16", hidden_size=LLM_DIM, intermediate_size=32)
    enc = create_encoder(f"llm2clip:{vision}+{llm}", device="cpu")
    sims = enc.encode_images(_images()) @ enc.encode_texts(["red", "blue"]).T
    assert sims.shape == (3, 2) and np.isfinite(sims).all()


def test_manifest_folder_is_a_spec_with_the_same_model_id(tmp_path, longclip_pt):
    folder = tmp_path / "my-finetune"
    folder.mkdir()
    (folder / "model.pt").write_bytes(longclip_pt.read_bytes())
    write_manifest(folder, "longclip", weights="model.pt")
    a = create_encoder(str(folder), device="cpu")
    b = create_encoder(f"longclip:{longclip_pt}", device="cpu")
    assert a.model_id == b.model_id
    np.testing.assert_allclose(a.encode_texts(["snow"]), b.encode_texts(["snow"]), atol=1e-6)


def test_cli_embed_json_reports_truncation(longclip_pt, capsys):
    words = " ".join(f"word{i}" for i in range(400))
    assert main(["embed", "--model", f"longclip:{longclip_pt}", "--device", "cpu", "--json",
                 "--text", "a red bicycle", words]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"model_id", "dim", "vectors", "truncated"}
    vecs = np.array(out["vectors"])
    assert vecs.shape == (2, out["dim"]) and _unit(vecs)
    assert [t["index"] for t in out["truncated"]] == [1]
    assert out["truncated"][0]["kept"] == 246 and out["truncated"][0]["tokens"] > 246


def test_cli_embed_images_and_models_info(tmp_path, longclip_pt, capsys):
    paths = []
    for i, im in enumerate(_images()):
        paths.append(str(tmp_path / f"{i}.jpg"))
        im.save(paths[-1])
    assert main(["embed", "--model", f"longclip:{longclip_pt}", "--json", "--image", *paths]) == 0
    out = json.loads(capsys.readouterr().out)
    assert np.array(out["vectors"]).shape == (3, out["dim"]) and out["truncated"] == []
    assert main(["models", "info", f"longclip:{longclip_pt}"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info == {"model_id": out["model_id"], "spec": f"longclip:{longclip_pt}", "dim": out["dim"],
                    "image_size": 32, "max_text_tokens": 246}


def test_cli_unknown_spec_and_offline_preset_fail_clearly(offline_hub, capsys):
    assert main(["embed", "--model", "no-such-model", "--text", "x"]) == 2
    assert "unknown model 'no-such-model'" in capsys.readouterr().err
    assert main(["embed", "--model", "longclip-b", "--text", "x"]) == 2
    err = capsys.readouterr().err
    assert "longclip-B.pt" in err and "photosearch models download longclip-b" in err


def test_cli_models_list_names_every_preset(capsys):
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("llm2clip-1b", "llm2clip-8b", "longclip-l", "longclip-b", "openclip-xlmr-b32"):
        assert name in out


def test_cli_help_and_status_do_not_load_torch(tmp_path):
    """`photosearch --help` / `status` answer instantly: torch (~2 s to import) loads only with a model."""
    import subprocess
    import sys

    code = (
        "import sys; from photosearch.cli import build_parser, main; build_parser();"
        f" main(['status', '--db', {str(tmp_path / 'x.db')!r}]);"
        " sys.exit(1 if 'torch' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
