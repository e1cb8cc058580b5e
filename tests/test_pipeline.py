"""Index runs: good photos once, bad ones recorded, progress, pause/resume/cancel, model switch, concurrent search."""
from __future__ import annotations

import threading
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from indexer import Indexer, IndexerConfig, PipelineConfig
from photosearch.progress import Control, Phase, Progress, RateMeter
from photosearch.encoders.base import Encoder
from photosearch.images import TruncatedImage
from photosearch.store import FileStatus, Store, wall_clock_seconds
from tests.index_helpers import make_photos, spy_on, status_of, tiny_encoder, wait_until
from tests.photo_tree import make_textured_jpeg, make_tree, make_truncated


def _indexer(store: Store, encoder: Encoder, batch_size: int = 8) -> Indexer:
    return Indexer(store, encoder, IndexerConfig(pipeline=PipelineConfig(batch_size=batch_size, workers=2)))


def test_every_good_photo_indexed_once_and_every_bad_one_recorded(
    store: Store, encoder: Encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root_dir = tmp_path / "photos"
    expected = {rel: e for rel, e in make_tree(root_dir).items() if e.supported}
    copy = root_dir / "copy of exif.jpg"  # same content as a good photo, indexed in the same run
    copy.write_bytes((root_dir / "2021/sydney/exif.jpg").read_bytes())
    store.add_root(root_dir)
    ix = _indexer(store, encoder, batch_size=4)  # bad files spread over several batches
    spy = spy_on(monkeypatch, encoder)
    events: list[Progress] = []
    ix.scan()
    result = ix.run(progress=events.append)

    good = {rel for rel, e in expected.items() if e.ok}
    bad = set(expected) - good
    assert len(bad) >= 8 and len(good) >= 15
    assert result.total == len(expected) + 1 and result.indexed == len(good) + 1 and result.failed == len(bad)
    assert spy.images == len(good)  # each good content encoded exactly once (not the copy), bad ones never
    assert store.file_by_path(copy).key == store.file_by_path(root_dir / "2021/sydney/exif.jpg").key
    assert status_of(store, copy) == FileStatus.INDEXED
    for rel in good:
        rec = store.file_by_path(root_dir / rel)
        exp = expected[rel]
        assert rec.status == FileStatus.INDEXED and store.has_embedding(encoder.model_id, rec.key), rel
        meta = store.photo_meta(rec.id)
        assert (meta.width, meta.height) == exp.size and meta.file_type == Path(rel).suffix.lower()[1:], rel
        assert meta.taken_at_source == ("mtime" if exp.taken_at_source == "mtime" else "exif"), rel
    local = store.photo_meta(store.file_by_path(root_dir / "2019/nyc/local_time.jpg").id)
    assert local.taken_at == wall_clock_seconds(datetime(2019, 12, 24, 18, 0, 0))  # the camera's clock
    assert local.camera_model == "iPhone 11" and abs(local.gps_lat - 40.7484) < 1e-3
    for rel in bad:
        rec = store.file_by_path(root_dir / rel)
        assert rec.status == FileStatus.ERROR and rec.error, rel
        # just written, so "recently modified": truncated files are retried later, the rest are not
        assert (rec.retry_after is not None) == (expected[rel].error is TruncatedImage), rel
    # progress: monotonic, reaches the total, counts the failures
    assert [e.done for e in events] == sorted(e.done for e in events)
    assert events[-1].done == events[-1].total == len(expected) + 1 and events[-1].failed == len(bad)
    assert all(e.phase == Phase.INDEX for e in events)
    assert events[-1].rate == result.photos_per_s  # the summary quotes the bar's own figure
    assert {e.current for e in events} <= {str(root_dir / rel) for rel in expected} | {str(copy)}
    # embeddings: one per distinct content, nothing left to do
    assert store.counts().embedded_by_model[encoder.model_id] == len({store.file_by_path(root_dir / r).key for r in good})
    spy.images = 0
    assert ix.index()[1].total == 0 and spy.images == 0


def test_truncated_file_is_retried_once_complete(store: Store, encoder: Encoder, tmp_path: Path) -> None:
    root_dir = tmp_path / "photos"
    full = make_textured_jpeg(tmp_path / "full.jpg")
    target = make_truncated(full, root_dir / "upload.jpg", 0.5)
    store.add_root(root_dir)
    ix = _indexer(store, encoder)
    ix.index()
    rec = store.file_by_path(target)
    assert rec.status == FileStatus.ERROR and rec.retry_after is not None
    assert store.files_to_index(now=rec.retry_after) and not store.files_to_index(now=rec.retry_after - 60)
    target.write_bytes(full.read_bytes())  # the upload finishes
    ix.index()
    rec = store.file_by_path(target)
    assert rec.status == FileStatus.INDEXED and rec.error is None and store.has_embedding(encoder.model_id, rec.key)


def _run_in_thread(ix: Indexer, **kwargs: object) -> tuple[threading.Thread, dict]:
    out: dict = {}

    def target() -> None:
        try:
            out["result"] = ix.run(**kwargs)  # type: ignore[arg-type]
        except BaseException as e:  # noqa: BLE001 - re-raised by the test
            out["error"] = e

    t = threading.Thread(target=target, daemon=True)
    t.start()
    return t, out


def test_pause_resume_and_progress(
    store: Store, encoder: Encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RateMeter, "MIN_ACTIVE_S", 0.0)  # this tiny run is over in well under a second
    make_photos(tmp_path / "photos", 40)
    store.add_root(tmp_path / "photos")
    ix = _indexer(store, encoder, batch_size=4)
    ix.scan()
    control = Control()
    events: list[Progress] = []
    first = threading.Event()

    def on_progress(p: Progress) -> None:
        events.append(p)
        if len(events) == 2:
            control.pause()
            first.set()

    t, out = _run_in_thread(ix, progress=on_progress, control=control)
    assert first.wait(30)
    time.sleep(0.5)  # an observation window: nothing may be committed while paused
    assert len(events) == 2 and t.is_alive() and control.paused
    control.resume()
    t.join(30)
    assert not t.is_alive() and "error" not in out
    result = out["result"]
    assert not result.cancelled and result.indexed == 40
    assert [e.done for e in events] == list(range(4, 41, 4)) and events[-1].total == 40
    assert events[-1].eta_s == 0 and all(e.eta_s is not None and e.eta_s >= 0 for e in events)
    # the rate leaves the half-second pause out: done / active time, not done / wall time
    assert events[-1].rate == result.photos_per_s and events[-1].rate > 40 / result.elapsed_s


def test_cancel_then_resume_finishes_without_duplicates(
    store: Store, encoder: Encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photos = make_photos(tmp_path / "photos", 40)
    store.add_root(tmp_path / "photos")
    ix = _indexer(store, encoder, batch_size=4)
    ix.scan()
    spy = spy_on(monkeypatch, encoder)
    control = Control()

    def on_progress(p: Progress) -> None:
        if p.done >= 8:
            control.cancel()

    result = ix.run(progress=on_progress, control=control)
    assert result.cancelled and 8 <= result.indexed < 40
    statuses = [status_of(store, p) for p in photos]
    assert statuses.count(FileStatus.INDEXED) == result.indexed
    assert statuses.count(FileStatus.PENDING) == 40 - result.indexed
    # a paused run can be cancelled too
    control = Control()
    control.pause()
    t, out = _run_in_thread(ix, control=control)
    time.sleep(0.2)
    control.cancel()
    t.join(10)
    assert not t.is_alive() and out["result"].cancelled
    # resuming finishes the rest; every photo encoded exactly once over all runs
    assert ix.run().indexed == 40 - result.indexed - out["result"].indexed
    assert spy.images == 40 and store.counts().embedded_by_model[encoder.model_id] == 40
    assert all(status_of(store, p) == FileStatus.INDEXED for p in photos)


def test_model_switch_backfills_beside_the_old_model(
    store: Store, encoder: Encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root_dir = tmp_path / "photos"
    photos = make_photos(root_dir, 20)
    (root_dir / "dup.jpg").write_bytes(photos[0].read_bytes())  # same content: one vector per model
    store.add_root(root_dir)
    ix_a = _indexer(store, encoder)
    ix_a.index()
    model_a = encoder.model_id
    idx_a = store.vector_index(model_a)
    query = encoder.encode_pixels(encoder.image_transform(_load(photos[5]))[None])[0]
    hits_a = idx_a.search(query, 5)
    assert hits_a[0][0] == store.file_by_path(photos[5]).key

    encoder_b = tiny_encoder(tmp_path, seed=1, embed_dim=24)
    spy_a, spy_b = spy_on(monkeypatch, encoder), spy_on(monkeypatch, encoder_b)
    newcomer = make_photos(root_dir / "new", 1, start=30)[0]
    ix_b = _indexer(store, encoder_b)
    events: list[Progress] = []
    scans, result = ix_b.index(progress=events.append)
    # model B: the 20 known contents (backfill) plus the new photo (a normal index job)
    assert spy_b.images == 21 and result.embedded == 21 and result.total == 21 and spy_a.calls == 0
    assert {e.phase for e in events} >= {Phase.BACKFILL}
    counts = store.counts().embedded_by_model
    assert counts == {model_a: 20, encoder_b.model_id: 21}
    # model A still answers, unchanged, from its own vectors
    assert idx_a.refresh() == 0 and idx_a.search(query, 5) == hits_a
    # and running A again embeds exactly the one file A lacks
    assert ix_a.run().embedded == 1 and spy_a.images == 1 and store.has_embedding(model_a, store.file_by_path(newcomer).key)
    query_b = encoder_b.encode_pixels(encoder_b.image_transform(_load(photos[7]))[None])[0]
    assert store.vector_index(encoder_b.model_id).search(query_b, 1)[0][0] == store.file_by_path(photos[7]).key


def _load(path: Path):  # noqa: ANN202 - a PIL image
    from photosearch.images import load_image

    return load_image(path, 32).image


def test_a_second_connection_searches_while_indexing(store: Store, encoder: Encoder, tmp_path: Path) -> None:
    make_photos(tmp_path / "photos", 48)
    store.add_root(tmp_path / "photos")
    ix = _indexer(store, encoder, batch_size=4)
    ix.scan()
    searched_mid_run = threading.Event()
    seen_sizes: list[int] = []

    def on_progress(p: Progress) -> None:
        if p.done == 16:  # hold the writer until the reader has searched a half-built index
            searched_mid_run.wait(20)

    t, out = _run_in_thread(ix, progress=on_progress)
    reader = Store.open(store.path)
    try:
        wait_until(lambda: reader.model(encoder.model_id), what="the model registration")
        idx = reader.vector_index(encoder.model_id)
        rng = np.random.default_rng(0)
        deadline = time.monotonic() + 30
        while t.is_alive() and time.monotonic() < deadline:
            idx.refresh()
            q = rng.standard_normal(encoder.dim).astype(np.float32)
            hits = idx.search(q / np.linalg.norm(q), 5)
            reader.files_for_keys(k for k, _ in hits)
            seen_sizes.append(len(idx))
            if 0 < len(idx) < 48:
                searched_mid_run.set()
        t.join(30)
        assert "error" not in out and out["result"].indexed == 48
        idx.refresh()
        assert len(idx) == 48 and searched_mid_run.is_set()
        assert any(0 < n < 48 for n in seen_sizes) and seen_sizes == sorted(seen_sizes)
    finally:
        searched_mid_run.set()
        reader.close()


def test_a_file_gone_before_its_turn_is_skipped_not_failed(store: Store, encoder: Encoder, tmp_path: Path) -> None:
    photos = make_photos(tmp_path / "photos", 3)
    store.add_root(tmp_path / "photos")
    ix = _indexer(store, encoder)
    ix.scan()
    photos[1].unlink()  # deleted, or its drive unplugged, between the scan and the run
    result = ix.run()
    assert result.skipped == 1 and result.failed == 0 and result.indexed == 2
    assert status_of(store, photos[1]) == FileStatus.PENDING and store.errors() == []
    ix.scan()
    assert status_of(store, photos[1]) == FileStatus.MISSING
