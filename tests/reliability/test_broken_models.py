"""Broken models never get into a library, and one that did can be removed (issue 10, items 6 and 10).

Each broken checkpoint is the tiny Long-CLIP of tests/tiny with one edit a damaged download or a bad conversion
makes: NaN weights, an all-zero image projection, an infinite text projection, a wrong-shape tensor inside a
block. Each must be refused when it loads, with one line naming it, must not become the library's model, and
must leave plain `index` working with the model the library had. A model that gives a non-finite vector for
one photo fails that photo only; `photosearch models remove` drops a model and its vectors.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from indexer import Indexer, IndexerConfig, PipelineConfig
from photosearch.cli import main
from photosearch.errors import InvalidInput, ModelUnusable
from photosearch.factory import create_encoder
from photosearch.lease import IndexerLease, IndexingElsewhere
from photosearch.library import Library
from photosearch.store import FileStatus, Store
from tests.index_helpers import make_photos, tiny_encoder
from tests.test_cli import indexed, model  # noqa: F401 - the CLI tests' library fixtures
from tests.tiny.longclip import edited_copy, tiny_longclip_state_dict

BLOCK = "visual.transformer.resblocks.1.mlp.c_fc.weight"


def _broken(kind: str, folder: Path) -> Path:
    sd = tiny_longclip_state_dict()
    edit = {
        "nan": {"visual.conv1.weight": torch.full_like(sd["visual.conv1.weight"], float("nan"))},
        "zero-projection": {"visual.proj": torch.zeros_like(sd["visual.proj"])},
        "inf-text-projection": {"text_projection": torch.full_like(sd["text_projection"], float("inf"))},
        "wrong-shape": {BLOCK: torch.randn(100, 64)},
    }[kind]
    return edited_copy(sd, folder / f"{kind}.pt", replace=edit)


KINDS = ["nan", "zero-projection", "inf-text-projection", "wrong-shape"]
# what the one line says, and which tower shows it (`embed` loads only the tower it needs)
EXPECTED = {
    "nan": ("image tower gives NaN or infinite values", "--image"),
    "zero-projection": ("image tower gives all-zero vectors", "--image"),
    "inf-text-projection": ("text tower gives NaN or infinite values", "--text"),
    "wrong-shape": (f"`{BLOCK[len('visual.'):]}` has shape (100, 64) where", "--image"),
}


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The one `error:` line (progress lines may come before it), and no traceback anywhere."""
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and "Traceback" not in err and "unexpected" not in lines[0], err
    return lines[0]


def _models(db: str) -> list[str]:
    with Store.open(db) as store:
        return [m.spec for m in store.models()]


@pytest.mark.parametrize("kind", KINDS)
def test_a_broken_model_is_refused_in_one_line_and_the_library_keeps_working(
    indexed, model: Path, tmp_path: Path, kind: str, capsys  # noqa: F811
) -> None:
    photos, db = indexed
    broken = _broken(kind, tmp_path)
    before = _models(db)
    assert before == [f"longclip:{model}"]

    assert main(["--db", db, "index", "--model", f"longclip:{broken}"]) == 2
    line = _one_error_line(capsys)
    assert EXPECTED[kind][0] in line and str(broken) in line, line  # names the file
    assert _models(db) == before  # not registered: the library's model is still the old one

    make_photos(photos, 2, start=20)  # plain `index` afterwards works, with the previous model
    assert main(["--db", db, "index"]) == 0
    assert "2 photos indexed, 2 embedded, 0 failed" in capsys.readouterr().out
    assert _models(db) == before
    assert main(["--db", db, "search", "--json", "a red square"]) == 0

    text = ["--text", "a red square"] if EXPECTED[kind][1] == "--text" else ["--image", str(photos / "p000.jpg")]
    assert main(["embed", "--model", f"longclip:{broken}", *text]) == 2  # never NaN vectors with exit code 0
    assert EXPECTED[kind][0] in _one_error_line(capsys)


@pytest.mark.parametrize("kind", ["nan", "zero-projection", "inf-text-projection"])
def test_the_probe_refuses_the_tower_with_a_model_error_naming_the_model(tmp_path: Path, kind: str) -> None:
    encoder = create_encoder(f"longclip:{_broken(kind, tmp_path)}", device="cpu")
    with pytest.raises(ModelUnusable, match=str(tmp_path / kind)):
        encoder.verify()
    refused = encoder.text_loaded if kind.startswith("inf-text") else encoder.vision_loaded
    assert not refused  # a refused tower is never kept: the next use tries (and refuses) again


def test_verify_frees_a_text_tower_it_loaded_only_to_probe_it(tmp_path: Path) -> None:
    encoder = tiny_encoder(tmp_path)
    encoder.verify()
    assert encoder.vision_loaded and not encoder.text_loaded  # indexing keeps only what it uses
    encoder.encode_texts(["a dog"])
    encoder.verify()
    assert encoder.text_loaded  # a tower someone was using stays


def test_a_library_stuck_on_a_broken_model_says_the_way_out_and_models_remove_frees_it(
    indexed, tmp_path: Path, capsys  # noqa: F811
) -> None:
    """What earlier versions left behind: the broken model registered (it is the newest, so plain `index` uses it)."""
    photos, db = indexed
    broken = _broken("nan", tmp_path)
    bad = create_encoder(f"longclip:{broken}", device="cpu")
    with Store.open(db) as store:
        with store.write_batch():
            store.register_model(bad.model_id, bad.dim, bad.spec)
            # registered after the good one (in the same second, the id would decide which is newer)
            store.conn.execute("UPDATE models SET added_at = added_at + 1 WHERE model_id = ?", (bad.model_id,))
    assert main(["--db", db, "index"]) == 2
    line = _one_error_line(capsys)
    assert "NaN" in line and f"photosearch models remove longclip:{broken}" in line

    assert main(["--db", db, "models", "remove", bad.model_id]) == 0  # it holds no vectors: no --force needed
    assert f"removed model longclip:{broken} ({bad.model_id}) and its 0 vectors" in capsys.readouterr().out
    assert len(_models(db)) == 1 and "nan.pt" not in _models(db)[0]
    make_photos(photos, 1, start=30)
    assert main(["--db", db, "index"]) == 0
    assert "1 photos indexed, 1 embedded" in capsys.readouterr().out


def test_models_remove_drops_the_vectors_and_guards_the_last_ones(indexed, model: Path, tmp_path: Path, capsys) -> None:  # noqa: F811
    photos, db = indexed
    other = edited_copy(tiny_longclip_state_dict(seed=5), tmp_path / "other.pt")  # a second, working model
    assert main(["--db", db, "index", "--model", f"longclip:{other}"]) == 0
    with Store.open(db) as store:
        ids = {m.spec: m.model_id for m in store.models()}
        old, new = ids[f"longclip:{model}"], ids[f"longclip:{other}"]
        assert store.counts().embedded_by_model == {old: 6, new: 6}
        table = store.model(new).table_name
    capsys.readouterr()

    assert main(["--db", db, "models", "remove", f"longclip:{other}"]) == 0  # by spec
    assert "and its 6 vectors" in capsys.readouterr().out
    with Store.open(db) as store:
        assert [m.model_id for m in store.models()] == [old]
        assert store.counts().embedded_by_model == {old: 6}
        assert store.conn.execute("SELECT count(*) FROM embeddings WHERE model_id = ?", (new,)).fetchone()[0] == 0
        assert not store.conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchall()
    assert main(["--db", db, "search", "--json", "a red square"]) == 0  # searches fall back to the old model
    capsys.readouterr()

    # the last model holding vectors: refused (every photo would have to be embedded again) unless --force
    assert main(["--db", db, "models", "remove", old]) == 2
    assert "only vectors of this library (6 photos)" in _one_error_line(capsys)
    assert _models(db) == [f"longclip:{model}"]
    with IndexerLease.acquire(db, "photosearch watch"):  # nor while an indexer runs
        assert main(["--db", db, "models", "remove", old, "--force"]) == 2
        assert "being indexed by photosearch watch" in _one_error_line(capsys)
    assert main(["--db", db, "models", "remove", old, "--force"]) == 0
    assert "embeds every photo again" in capsys.readouterr().err
    assert _models(db) == []
    assert main(["--db", db, "models", "remove", "nothing-like-it"]) == 2
    assert "has no model 'nothing-like-it'" in _one_error_line(capsys)


def test_library_remove_model_refuses_while_indexing_and_forgets_its_searcher(indexed, model: Path) -> None:  # noqa: F811
    photos, db = indexed
    with Library.open(db) as lib:
        lib.searcher()  # cached for the library's model
        with pytest.raises(InvalidInput):
            lib.remove_model(f"longclip:{model}")
        with IndexerLease.acquire(db, "another"), pytest.raises(IndexingElsewhere):
            lib.remove_model(f"longclip:{model}", force=True)
        removed = lib.remove_model(f"longclip:{model}", force=True)
        assert removed.vectors == 6 and removed.others_left == 0 and not lib._searchers


def test_a_non_finite_vector_for_one_photo_fails_that_photo_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoder = tiny_encoder(tmp_path)
    photos = make_photos(tmp_path / "photos", 9)
    poisoned = photos[4]
    from photosearch.images import load_image

    target = encoder.image_transform(load_image(poisoned, encoder.image_size).image)
    inner = encoder.encode_pixels
    seen = []

    def encode(pixels: torch.Tensor) -> np.ndarray:
        out = inner(pixels).copy()
        for i, px in enumerate(pixels):
            if torch.equal(px, target):
                out[i] = np.nan  # this one photo drives the model to NaN
                seen.append(i)
        return out

    monkeypatch.setattr(encoder, "encode_pixels", encode)
    with Store.open(tmp_path / "lib.db") as store:
        store.add_root(tmp_path / "photos")
        ix = Indexer(store, encoder, IndexerConfig(pipeline=PipelineConfig(batch_size=4, workers=2)))
        _, result = ix.index()
        assert seen and result.failed == 1 and result.indexed == 8 and result.embedded == 8
        bad = store.file_by_path(poisoned)
        assert bad.status == FileStatus.ERROR and "unusable vector" in (bad.error or "")
        assert bad.key is None or not store.has_embedding(encoder.model_id, bad.key)
        for p in photos:
            rec = store.file_by_path(p)
            if p != poisoned:
                assert rec.status == FileStatus.INDEXED and store.has_embedding(encoder.model_id, rec.key), p
        assert [e.path for e in store.errors()] == [str(poisoned)]


def test_a_state_dict_torch_refuses_is_one_model_error_naming_the_model() -> None:
    """The net under the loaders' own shape checks (open_clip builds its towers itself)."""
    from photosearch.encoders.base import Encoder
    from photosearch.errors import ModelError

    def load(plan):
        torch.nn.Linear(4, 2).load_state_dict({"weight": torch.zeros(3, 4), "bias": torch.zeros(2)})

    encoder = Encoder(model_id="m", dim=2, image_size=8, max_text_tokens=1, load_vision=load, load_tokenizer=None,
                      load_text=None)
    encoder.spec = "openclip:ViT-X@/models/x.bin"
    with pytest.raises(ModelError, match=r"image tower of openclip:ViT-X@/models/x.bin: its weights do not fit the "
                                         r"model \(size mismatch for weight: .*\[3, 4\].*\)$"):
        encoder.vision
