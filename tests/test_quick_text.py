"""Quick text queries (`photosearch.quick_text`): a model's text tower exported once and run by onnxruntime, so
that a new text query in a fresh CLI process needs no torch. What users rely on: the same token ids, token
counts and vectors as the model itself; the export made without being asked; a damaged export never costs a
query; families without a quick path keep working through torch."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import open_clip
import pytest

from photosearch.cli import main
from photosearch.encoders.longclip import LongClipTokenizer
from photosearch.encoders.openclip_tokenizer import OpenClipTokenizer
from photosearch.factory import create_encoder
from photosearch.quick_text.export import CHECK_TEXTS, ExportRefused, export_text
from photosearch.quick_text.runner import GRAPH_FILE, META_FILE, WEIGHTS_FILE, open_quick_text, quick_text_folder
from photosearch.quick_text.tokenizer import TokenLayout
from tests.index_helpers import make_photos, tiny_encoder
from tests.tiny.openclip import write_tiny_openclip

REPO = Path(__file__).resolve().parents[1]
TEXTS = [
    *CHECK_TEXTS,
    "A man's dog isn't here; we'll see y'all",
    "Ünïcödé ÀÉÎÕÜ façade — “curly quotes” … and ‘single’ ones",
    "日本語のテキストと한국어 텍스트 और हिंदी पाठ, עברית ו-العربية",
    "numbers 1234567890 1,000,000.50 3rd 21st #hashtag @user http://example.com/a?b=c",
    "tab\tseparated\u00a0non-breaking\u2003em-space\u200bzero-width",
    "🚲🌧️👧🏽‍🦰 emoji ZWJ sequences 🏳️‍🌈",
    "&amp;amp; double-escaped &#x27;entities&#39; and <b>tags</b>",
    "ALL CAPS SENTENCE WITH İ AND ẞ",
    "x" * 400,
    "a " * 300,
]


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # each test starts with no export


@pytest.mark.parametrize("make", [
    lambda: OpenClipTokenizer(open_clip.get_tokenizer("ViT-B-32")),  # OpenAI's BPE, 77 positions
    lambda: OpenClipTokenizer(open_clip.get_tokenizer("ViT-B-32-256")),  # rclip's model
    lambda: LongClipTokenizer(248),  # Long-CLIP's spelling of the specials and its whitespace rule
], ids=["openclip-bpe", "openclip-b32-256", "longclip"])
def test_the_quick_tokenizer_gives_the_family_tokenizers_ids_and_counts(make) -> None:
    family = make()
    quick = family.quick_tokenizer()
    want = family(TEXTS)
    ids, info = quick(TEXTS)
    for i, text in enumerate(TEXTS):
        assert ids[i].tolist() == want.tensors["input_ids"][i].tolist(), text
    assert info == want.info
    assert quick.max_content == family.max_content
    assert any(i.truncated for i in info) and not all(i.truncated for i in info)


def _tiny_xlmr(root: Path) -> str:
    """An open_clip model with a Hugging Face text tower (XLM-R's layout, tiny) and its tokenizer."""
    from tests.test_openclip import TINY_CFG, TINY_HF_TEXT, _save_random_weights, _tiny_hf_text_dirs

    model_dir, tok_dir = _tiny_hf_text_dirs(root)
    cfg = {"embed_dim": 16, "vision_cfg": TINY_CFG["vision_cfg"],
           "text_cfg": {"hf_model_name": str(model_dir), "hf_tokenizer_name": str(tok_dir),
                        "hf_pooler_type": "mean_pooler", "context_length": 12}}
    (root / f"{TINY_HF_TEXT}.json").write_text(json.dumps(cfg))
    open_clip.add_model_config(root / f"{TINY_HF_TEXT}.json")
    return f"openclip:{TINY_HF_TEXT}@{_save_random_weights(TINY_HF_TEXT, root / 'tiny-xlmr.safetensors')}"


@pytest.mark.parametrize("family", ["openclip", "longclip", "openclip-hf-text"])
def test_an_export_gives_the_models_vectors_and_reports(tmp_path: Path, family: str) -> None:
    if family == "openclip":
        encoder = create_encoder(f"openclip:local-dir:{write_tiny_openclip(tmp_path / 'oc')}")
    elif family == "longclip":
        encoder = tiny_encoder(tmp_path)
    else:
        encoder = create_encoder(_tiny_xlmr(tmp_path))
    folder = export_text(encoder)
    assert folder == quick_text_folder(encoder.model_id)
    assert {GRAPH_FILE, WEIGHTS_FILE, META_FILE} <= {p.name for p in folder.iterdir()}
    quick = open_quick_text(encoder.model_id)
    texts = ["a red bicycle", *TEXTS[-4:], "ein rotes Fahrrad an einer Wand in Rom bei Nacht"]
    for batch in (texts[:1], texts):  # one query, and a batch with texts cut at the context
        got, got_info = quick.encode_texts_with_info(batch)
        want, want_info = encoder.encode_texts_with_info(batch)
        np.testing.assert_allclose(got, want, atol=1e-5)
        assert got_info == want_info
    assert quick.max_text_tokens == encoder.max_text_tokens


def test_an_export_that_would_not_reproduce_the_model_is_refused(tmp_path: Path, monkeypatch) -> None:
    encoder = tiny_encoder(tmp_path)
    honest = type(encoder.tokenizer).quick_tokenizer

    def off_by_one(self):
        quick = honest(self)
        lay = quick.layout
        quick.layout = TokenLayout(lay.clean, lay.context_length, lay.prefix, lay.suffix, lay.pad_id + 1)
        return quick

    monkeypatch.setattr(type(encoder.tokenizer), "quick_tokenizer", off_by_one)
    with pytest.raises(ExportRefused, match="differs"):
        export_text(encoder)
    assert not quick_text_folder(encoder.model_id).exists() and open_quick_text(encoder.model_id) is None
    cache = quick_text_folder(encoder.model_id).parent
    assert not cache.exists() or not any(cache.iterdir())  # no half-written folder left


# runs the CLI in a fresh interpreter and says whether torch was imported
_PROBE = """
import json, sys
from photosearch.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "torch": "torch" in sys.modules}), file=sys.stderr)
"""


def _cli(*args: str) -> tuple[dict, dict, str]:
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, cwd=REPO, timeout=300)
    probe = json.loads(done.stderr.strip().splitlines()[-1])
    assert probe["code"] == 0, done.stderr
    return json.loads(done.stdout), probe, done.stderr


def _indexed_library(tmp_path: Path, photos: int) -> str:
    """A library of `photos` photos indexed with a tiny open_clip model (indexing leaves the model's export)."""
    folder, model = tmp_path / "Pictures", write_tiny_openclip(tmp_path / "oc")
    make_photos(folder, photos)
    db = str(tmp_path / "lib.db")
    assert main(["--db", db, "add", str(folder)]) == 0
    assert main(["--db", db, "index", "--no-text", "--model", f"openclip:local-dir:{model}"]) == 0
    return db


def test_indexing_leaves_an_export_and_new_text_queries_need_no_torch(tmp_path: Path) -> None:
    db = _indexed_library(tmp_path, 6)
    query = "a red bicycle next to a puddle, late afternoon"
    quick, probe, _ = _cli("--db", db, "search", "--json", "-k", "6", query)
    assert not probe["torch"]  # a query never seen before, answered without torch
    # the same words through the model itself (the export and the kept query vector removed): the same results
    from photosearch.quick_text.runner import remove_export
    from photosearch.store import Store

    remove_export(quick_text_folder(quick["model_id"]))
    with Store.open(db) as store:
        store.conn.execute("DELETE FROM query_vectors")
    slow, probe, err = _cli("--db", db, "search", "--json", "-k", "6", query)
    assert probe["torch"] and "preparing quicker text queries" in err  # ... and makes the export again
    assert [r["path"] for r in slow["results"]] == [r["path"] for r in quick["results"]]
    np.testing.assert_allclose([r["score"] for r in slow["results"]], [r["score"] for r in quick["results"]], atol=1e-5)
    again, probe, err = _cli("--db", db, "search", "--json", "-k", "6", "another new query")
    assert not probe["torch"] and "preparing" not in err


def test_a_damaged_export_costs_no_query_and_is_made_again(tmp_path: Path) -> None:
    db = _indexed_library(tmp_path, 4)
    first, _, _ = _cli("--db", db, "search", "--json", "-k", "4", "first query")
    folder = quick_text_folder(first["model_id"])
    weights = folder / WEIGHTS_FILE
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])  # e.g. a disk that filled up
    out, probe, err = _cli("--db", db, "search", "--json", "-k", "4", "second query")
    assert len(out["results"]) == 4 and probe["torch"] and "Traceback" not in err
    assert open_quick_text(first["model_id"]) is not None  # made again after that query
    _, probe, _ = _cli("--db", db, "search", "--json", "-k", "4", "third query")
    assert not probe["torch"]


def test_a_family_without_a_quick_path_keeps_the_torch_path(tmp_path: Path) -> None:
    """LLM2CLIP's Llama has no quick tokenizer: nothing is exported, every query still works."""
    from photosearch.lazy_encoder import LazyEncoder
    from photosearch.quick_text.export import ensure_export
    from tests.tiny.eva import TinyEva, write_tiny_checkpoint
    from tests.tiny.llama import build_tiny_llama

    llm = build_tiny_llama(tmp_path / "llm", hidden_size=64)
    eva = write_tiny_checkpoint(tmp_path / "LLM2CLIP-tiny.pt", TinyEva(llm_dim=64))
    encoder = create_encoder(f"llm2clip:{eva}+{llm}", device="cpu")
    assert ensure_export(encoder) is None and open_quick_text(encoder.model_id) is None
    lazy = LazyEncoder(encoder.model_id, encoder.dim, encoder.spec, lambda: encoder)
    vectors, info = lazy.encode_texts_with_info(["a red bicycle"])
    np.testing.assert_allclose(vectors, encoder.encode_texts(["a red bicycle"]), atol=1e-6)
    assert lazy.prepare_quick_text() is None and not quick_text_folder(encoder.model_id).exists()


def test_a_quick_tokenizer_needs_no_torch(tmp_path: Path) -> None:
    """Nor onnxruntime's export and quantisation scripts (the ones that load hub models with remote code)."""
    encoder = tiny_encoder(tmp_path)
    export_text(encoder)
    code = ("import sys; from photosearch.quick_text.runner import open_quick_text; "
            f"q = open_quick_text({encoder.model_id!r}); v, i = q.encode_texts_with_info(['a dog']); "
            "print(v.shape[1], i[0].n_tokens, 'torch' in sys.modules, "
            "any(m.startswith(('onnxruntime.transformers', 'onnxruntime.quantization')) for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.stdout.split() == [str(encoder.dim), "2", "False", "False"], done.stderr


def test_exports_of_weights_that_are_gone_are_removed_by_the_next_export(tmp_path: Path) -> None:
    """A deleted fine-tune's export (~250 MB for a ViT-B/32 text tower) must not stay in the cache for ever."""
    gone = tiny_encoder(tmp_path / "gone", seed=1)
    kept = tiny_encoder(tmp_path / "kept", seed=2)
    export_text(gone)
    export_text(kept)
    for f in gone.weight_files:
        Path(f).unlink()
    newest = tiny_encoder(tmp_path / "new", seed=3)
    export_text(newest)
    assert not quick_text_folder(gone.model_id).exists()
    assert open_quick_text(kept.model_id) is not None and open_quick_text(newest.model_id) is not None


def test_an_exporter_failure_costs_no_index_run(tmp_path: Path, monkeypatch) -> None:
    """The export is an optimisation: if torch's exporter or onnxruntime fails on a tower, the model is still
    registered and indexed, and its queries take the torch path."""
    import torch

    def broken_exporter(*args, **kwargs):
        raise RuntimeError("Exporting the operator 'aten::something_new' is not supported")

    monkeypatch.setattr(torch.onnx, "export", broken_exporter)
    db = _indexed_library(tmp_path, 3)
    from photosearch.store import Store

    with Store.open(db) as store:
        (model,) = store.models()
        assert store.counts().embedded_by_model[model.model_id] == 3
    assert open_quick_text(model.model_id) is None
    assert not any(quick_text_folder(model.model_id).parent.glob("*.tmp-*"))  # nothing half-written left
