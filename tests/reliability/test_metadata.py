"""Issue 10 item 3: a photo's metadata belongs to the content it was read from, and a failure is always recorded.

A corrupt file used to end up `indexed` with another photo's date, camera and size and no vector: the photos row
written for the old content survived the overwrite (and the error), a later path with the corrupt content adopted
it, and the backfill that then failed on every run was only logged ("1 failed", while `status` listed no error).
"""
from __future__ import annotations

import os
from pathlib import Path

from indexer import Indexer, IndexerConfig, PipelineConfig
from photosearch.encoders.base import Encoder
from photosearch.store import FileStatus, Store
from photosearch.store.connect import open_connection
from photosearch.store.schema import migrate
from tests.index_helpers import make_photos, status_of, tiny_encoder
from tests.photo_tree import make_photo


def _indexer(store: Store, encoder: Encoder) -> Indexer:
    return Indexer(store, encoder, IndexerConfig(pipeline=PipelineConfig(batch_size=4, workers=1)))


def _camera_photo(path: Path) -> Path:
    return make_photo(path, "red", (120, 80), taken_at="2019:07:14 18:00:00", make="Canon", model="Canon EOS R5")


def test_a_corrupted_photo_renamed_twice_is_an_error_not_the_old_photo(
    store: Store, encoder: Encoder, tmp_path: Path
) -> None:
    root_dir = tmp_path / "photos"
    make_photos(root_dir, 3)
    photo = _camera_photo(root_dir / "holiday.jpg")
    store.add_root(root_dir)
    ix = _indexer(store, encoder)
    assert ix.index()[1].failed == 0
    assert store.photo_meta(store.file_by_path(photo).id).camera_make == "Canon"  # type: ignore[union-attr]

    photo.write_bytes(b"\xff\xd8\xff\xe0 this is not a JPEG any more " * 50)
    assert ix.index()[1].failed == 1
    renamed = photo
    for name in ("renamed.jpg", "renamed_again.jpg"):
        renamed = renamed.rename(root_dir / name)
        ix.index()

    rec = store.file_by_path(renamed)
    assert rec is not None and rec.status == FileStatus.ERROR and rec.error
    assert store.photo_meta(rec.id) is None  # no date, camera or size of the photo that was there before
    assert [e.path for e in store.errors()] == [str(renamed)]  # what `status` lists
    assert ix.index()[1].failed == 0  # recorded once, not "1 failed" on every run
    assert [f.path for f in store.files_for_keys([rec.key])[rec.key]] == [str(renamed)]  # the old paths are gone


def test_a_failed_photo_that_goes_away_and_comes_back_is_not_indexed_with_stale_metadata(
    store: Store, encoder: Encoder, tmp_path: Path
) -> None:
    root_dir = tmp_path / "photos"
    make_photos(root_dir, 2)
    photo = _camera_photo(root_dir / "a" / "holiday.jpg")
    store.add_root(root_dir)
    ix = _indexer(store, encoder)
    ix.index()
    photo.write_bytes(b"garbage" * 100)
    ix.index()
    assert status_of(store, photo) == FileStatus.ERROR
    (root_dir / "a").rename(tmp_path / "away")  # moved out (missing) ...
    ix.index()
    assert status_of(store, photo) == FileStatus.MISSING
    (tmp_path / "away").rename(root_dir / "a")  # ... and back
    ix.index()
    rec = store.file_by_path(photo)
    assert rec.status == FileStatus.ERROR and store.photo_meta(rec.id) is None  # type: ignore[union-attr]


def test_a_backfill_that_fails_is_recorded_once(store: Store, encoder: Encoder, tmp_path: Path) -> None:
    """The new model cannot read a file the old one indexed (its bytes went bad, size and mtime unchanged)."""
    root_dir = tmp_path / "photos"
    photos = make_photos(root_dir, 4)
    store.add_root(root_dir)
    _indexer(store, encoder).index()
    st = photos[2].stat()
    photos[2].write_bytes(b"\0" * st.st_size)  # bit rot: same size ...
    os.utime(photos[2], ns=(st.st_atime_ns, st.st_mtime_ns))  # ... and mtime, so the scan does not notice

    other = _indexer(store, tiny_encoder(tmp_path, seed=1))
    assert other.encoder.model_id != encoder.model_id
    first = other.index()[1]
    assert first.failed == 1 and first.embedded == 3
    assert [e.path for e in store.errors()] == [str(photos[2])]  # `status` says which and why
    assert other.index()[1].failed == 0  # not tried again on every run


def test_upgrading_drops_the_metadata_of_files_that_still_have_to_be_read(tmp_path: Path) -> None:
    """Libraries written before the fix keep stale metadata on pending and failed files: the upgrade drops it."""
    path = tmp_path / "old.db"
    conn = open_connection(path)
    assert migrate(conn, target=4) == 4
    conn.execute("INSERT INTO roots(path, added_at) VALUES (?, 1)", (b"/photos",))
    for i, status in enumerate(("indexed", "pending", "error", "missing"), 1):
        conn.execute("INSERT INTO contents(quick_hash) VALUES (?)", (f"h{i}",))
        conn.execute("INSERT INTO files(path, root_id, size, mtime_ns, content_id, status) VALUES (?, 1, 1, 1, ?, ?)",
                     (f"/photos/{status}.jpg".encode(), i, status))
        conn.execute("INSERT INTO photos(file_id, file_type, camera_make) VALUES (?, 'jpg', 'Canon')", (i,))
    conn.close()
    with Store.open(path) as s:
        kept = {f.status for f in (s.file(i) for i in range(1, 5)) if f and s.photo_meta(f.id) is not None}
        assert kept == {FileStatus.INDEXED, FileStatus.MISSING}
