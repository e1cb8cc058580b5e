"""Issue 10 item 8: `status` counts live photos, and vectors of content no file has any more are pruned after a
grace period (a photo edited four times used to count as four embedded photos, forever)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from indexer import Indexer, IndexerConfig, PipelineConfig, ScanConfig
from photosearch.cli import main
from photosearch.encoders.base import Encoder
from photosearch.store import FileStatus, Store
from tests.index_helpers import make_photos, spy_on, status_of
from tests.photo_tree import PALETTE, make_photo


def _indexer(store: Store, encoder: Encoder, grace_days: float = ScanConfig().orphan_grace_days) -> Indexer:
    return Indexer(store, encoder, IndexerConfig(
        scan=ScanConfig(orphan_grace_days=grace_days), pipeline=PipelineConfig(batch_size=8, workers=1)))


def _vectors(store: Store, model_id: str) -> int:
    """Vectors the model keeps, live or not (what a search loads into RAM)."""
    return store.conn.execute(
        "SELECT count(*) FROM embeddings WHERE model_id = ? AND deleted = 0", (model_id,)).fetchone()[0]


def _edit_four_times(root_dir: Path, ix: Indexer) -> Path:
    photo = make_photo(root_dir / "edited.jpg", "red", (81, 77))
    ix.index()
    for color in list(PALETTE)[1:5]:  # four edits, indexed between
        make_photo(photo, color, (81, 77))
        ix.index()
    return photo


def test_a_photo_edited_four_times_counts_once(tmp_path: Path, encoder: Encoder, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "lib.db"
    root_dir = tmp_path / "photos"
    make_photos(root_dir, 3)
    with Store.open(db) as store:
        store.add_root(root_dir)
        _edit_four_times(root_dir, _indexer(store, encoder))
        assert store.counts().embedded_by_model == {encoder.model_id: 4}
    assert main(["status", "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["models"][encoder.model_id]["embedded"] == 4
    assert main(["status", "--db", str(db)]) == 0
    assert "4 distinct photos embedded" in capsys.readouterr().out


def test_vectors_no_file_has_are_pruned_after_the_grace_period(store: Store, encoder: Encoder, tmp_path: Path) -> None:
    root_dir = tmp_path / "photos"
    make_photos(root_dir, 3)
    store.add_root(root_dir)
    _edit_four_times(root_dir, _indexer(store, encoder))
    assert _vectors(store, encoder.model_id) == 8  # within the grace period the old versions are kept
    (r,) = _indexer(store, encoder, grace_days=0).scan()
    assert r.complete and r.pruned == 4 and _vectors(store, encoder.model_id) == 4
    idx = store.vector_index(encoder.model_id)
    idx.refresh()
    assert len(idx) == 4  # a search no longer loads them


def test_a_folder_moved_away_and_back_within_the_grace_period_is_not_embedded_again(
    store: Store, encoder: Encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root_dir = tmp_path / "photos"
    make_photos(root_dir, 2)
    trip = make_photos(root_dir / "trip", 6, start=2)
    store.add_root(root_dir)
    ix = _indexer(store, encoder)
    ix.index()
    shutil.move(root_dir / "trip", tmp_path / "trip")
    ix.index()
    assert [status_of(store, p) for p in trip] == [FileStatus.MISSING] * 6
    assert store.counts().embedded_by_model == {encoder.model_id: 2}  # status counts what is there
    assert _vectors(store, encoder.model_id) == 8
    shutil.move(tmp_path / "trip", root_dir / "trip")
    spy = spy_on(monkeypatch, encoder)
    ix.index()
    assert spy.images == 0 and [status_of(store, p) for p in trip] == [FileStatus.INDEXED] * 6
    assert store.counts().embedded_by_model == {encoder.model_id: 8}
    # once the grace period is over, the vectors of a folder that stays away go
    shutil.move(root_dir / "trip", tmp_path / "trip")
    late = _indexer(store, encoder, grace_days=0)
    assert late.scan()[0].pruned == 6 and _vectors(store, encoder.model_id) == 2
    shutil.move(tmp_path / "trip", root_dir / "trip")
    late.index()
    assert spy.images == 6 and store.counts().embedded_by_model == {encoder.model_id: 8}
