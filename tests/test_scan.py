"""Reconcile scan: what is found, what is skipped, what is not re-read, what is swept, what is reused."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import indexer.files as files_mod
import indexer.walk as walk_mod
from indexer import Indexer, IndexerConfig, PipelineConfig
from indexer.scan import scan_roots
from photosearch.encoders.base import Encoder
from photosearch.hashing import quick_hash
from photosearch.store import FileStatus, Store
from tests.index_helpers import all_files, make_photos, spy_on, status_of, tiny_encoder
from tests.photo_tree import make_photo, make_tree

SKIPPED = [
    ".git/objects/a.jpg",
    "@eaDir/IMG_1.jpg/SYNOFILE_THUMB_XL.jpg",
    ".thumbnails/large/t.png",
    "node_modules/pkg/icon.jpg",
    "$RECYCLE.BIN/S-1-5-21/$R0001.jpg",
    "System Volume Information/x.jpg",
    ".Trash-1000/files/old.jpg",
    "#recycle/gone.jpg",
    "holiday/._IMG_0001.JPG",  # macOS resource fork: a dot file with a photo's extension
    "private/secret.jpg",  # the root's excluded subfolder
    "private/deeper/also.jpg",
]


def _indexer(store: Store, encoder: Encoder) -> Indexer:
    return Indexer(store, encoder, IndexerConfig(pipeline=PipelineConfig(batch_size=8, workers=2)))


def _count_hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    hashed: list[str] = []

    def counting(path: str) -> str:
        hashed.append(str(path))
        return quick_hash(path)

    monkeypatch.setattr(files_mod, "quick_hash", counting)  # the scan hashes through files.hash_or_none
    return hashed


def test_scan_finds_every_format_and_skips_system_and_excluded_folders(store: Store, tmp_path: Path) -> None:
    root_dir = tmp_path / "photos"
    expected = make_tree(root_dir)
    for rel in SKIPPED:
        make_photo(root_dir / rel, "red", (40, 30))
    root = store.add_root(root_dir, excluded=[root_dir / "private"])

    (result,) = scan_roots(store)
    want = {str(root_dir / rel) for rel, exp in expected.items() if exp.supported}
    found = {f.path for f in all_files(store)}
    assert found == want
    assert any(p.endswith("UPPER.JPG") for p in found)  # extensions are case-insensitive
    assert result.complete and result.seen == len(want) and result.hashed == len(want) and result.missing == 0
    for f in all_files(store):
        assert f.status == FileStatus.PENDING and f.root_id == root.id and f.quick_hash == quick_hash(f.path)
    for rel in SKIPPED:
        assert store.file_by_path(root_dir / rel) is None, rel


def test_unchanged_files_are_not_read_again(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root_dir = tmp_path / "photos"
    photos = make_photos(root_dir / "a", 12)
    store.add_root(root_dir)
    hashed = _count_hashes(monkeypatch)
    scan_roots(store)
    assert len(hashed) == 12

    hashed.clear()
    (again,) = scan_roots(store)
    assert hashed == [] and again.unchanged == 12 and again.complete

    edited, added = photos[3], root_dir / "a" / "new.jpg"
    old_key = store.file_by_path(edited).key
    make_photo(edited, "lime", (50, 50), shape="ring")  # new content, new size/mtime
    make_photo(added, "navy", (60, 40))
    hashed.clear()
    (third,) = scan_roots(store)
    assert sorted(hashed) == sorted([str(edited), str(added)]) and third.unchanged == 11
    rec = store.file_by_path(edited)
    assert rec.status == FileStatus.PENDING and rec.key != old_key and rec.quick_hash == quick_hash(edited)


def test_deleted_files_are_swept_and_come_back_without_work(
    store: Store, encoder: Encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root_dir, other_dir = tmp_path / "photos", tmp_path / "other"
    photos = make_photos(root_dir, 6) + make_photos(root_dir / "trip", 4, start=6)
    others = make_photos(other_dir, 2, start=20)
    store.add_root(root_dir)
    store.add_root(other_dir)
    ix = _indexer(store, encoder)
    ix.index()
    saved = tmp_path / "saved.jpg"
    shutil.copy2(photos[0], saved)
    photos[0].unlink()
    shutil.rmtree(root_dir / "trip")

    results = {r.root.path: r for r in ix.scan()}
    assert results[str(root_dir)].missing == 5 and results[str(other_dir)].missing == 0
    gone = [photos[0], *photos[6:]]
    assert all(status_of(store, p) == FileStatus.MISSING for p in gone)
    assert all(status_of(store, p) == FileStatus.INDEXED for p in photos[1:6] + others)

    shutil.copy2(saved, photos[0])  # restored from a backup: same content, same mtime
    spy = spy_on(monkeypatch, encoder)
    ix.index()
    assert status_of(store, photos[0]) == FileStatus.INDEXED and spy.calls == 0


def test_unreachable_root_keeps_its_entries(
    store: Store, encoder: Encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root_dir = tmp_path / "drive" / "photos"
    photos = make_photos(root_dir, 5) + make_photos(root_dir / "sub", 3, start=5)
    store.add_root(root_dir)
    ix = _indexer(store, encoder)
    ix.index()

    def statuses() -> list[FileStatus | None]:
        return [status_of(store, p) for p in photos]

    assert statuses() == [FileStatus.INDEXED] * 8
    # 1. unplugged: the root folder is gone
    os.rename(tmp_path / "drive", tmp_path / "drive_away")
    (r,) = ix.scan()
    assert not r.reachable and r.missing == 0 and statuses() == [FileStatus.INDEXED] * 8
    # 2. unmounted: the mount point is there but empty
    root_dir.mkdir(parents=True)
    (r,) = ix.scan()
    assert not r.reachable and statuses() == [FileStatus.INDEXED] * 8
    root_dir.rmdir()
    os.rename(tmp_path / "drive_away", tmp_path / "drive")
    # 3. a subfolder cannot be listed (network hiccup, permissions): it is spared, the rest is swept
    real_scandir = os.scandir

    def flaky(path: object = ".") -> object:
        if str(path) == str(root_dir / "sub"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(walk_mod.os, "scandir", flaky)
    photos[5].unlink()  # in the folder we cannot list: we cannot know it is gone
    (r,) = ix.scan()
    assert r.reachable and r.complete and r.missing == 0 and r.errors
    assert statuses() == [FileStatus.INDEXED] * 8
    monkeypatch.setattr(walk_mod.os, "scandir", real_scandir)
    # back to normal: the deleted one goes, nothing else changed and nothing is re-embedded
    spy = spy_on(monkeypatch, encoder)
    (r,) = ix.scan()
    assert r.complete and r.missing == 1
    assert statuses() == [FileStatus.INDEXED] * 5 + [FileStatus.MISSING] + [FileStatus.INDEXED] * 2
    ix.run()
    assert spy.calls == 0


def test_moves_renames_and_copies_reuse_embeddings_of_every_model(
    store: Store, encoder: Encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root_dir = tmp_path / "photos"
    photos = make_photos(root_dir / "inbox", 6) + make_photos(root_dir / "trip", 3, start=6)
    store.add_root(root_dir)
    ix_a = _indexer(store, encoder)
    ix_a.index()
    encoder_b = tiny_encoder(tmp_path, seed=1, embed_dim=24)
    ix_b = _indexer(store, encoder_b)
    ix_b.run()  # backfill model B
    before = {str(p): store.file_by_path(p) for p in photos}
    meta_before = {str(p): store.photo_meta(before[str(p)].id) for p in photos}

    renamed = root_dir / "inbox" / "renamed.jpg"
    os.rename(photos[0], renamed)
    moved = root_dir / "sorted" / "kept.jpg"
    moved.parent.mkdir()
    shutil.move(photos[1], moved)
    copied = root_dir / "copy of p002.jpg"
    shutil.copyfile(photos[2], copied)  # a plain copy: new mtime, same content
    os.rename(root_dir / "trip", root_dir / "2024 trip")
    spy_a, spy_b = spy_on(monkeypatch, encoder), spy_on(monkeypatch, encoder_b)

    (r,) = ix_a.scan()
    assert r.missing == 5  # p000, p001, and the three in trip/
    assert r.hashed == 6  # the new paths' first MiB, nothing else is read
    new_paths = [renamed, moved, copied] + [root_dir / "2024 trip" / p.name for p in photos[6:]]
    assert [status_of(store, p) for p in new_paths] == [FileStatus.INDEXED] * 6  # by the scan alone
    ix_a.run()
    ix_b.run()
    assert spy_a.calls == 0 and spy_b.calls == 0
    pairs = [(photos[0], renamed), (photos[1], moved), (photos[2], copied)] + [
        (p, root_dir / "2024 trip" / p.name) for p in photos[6:]
    ]
    for old, new in pairs:
        rec = store.file_by_path(new)
        assert rec.status == FileStatus.INDEXED and rec.key == before[str(old)].key, new
        assert store.photo_meta(rec.id) == meta_before[str(old)]
        assert store.has_embedding(encoder.model_id, rec.key) and store.has_embedding(encoder_b.model_id, rec.key)
    assert status_of(store, photos[2]) == FileStatus.INDEXED  # the original of the copy stays
    assert all(status_of(store, p) == FileStatus.MISSING for p in [photos[0], photos[1], *photos[6:]])
    counts = store.counts()
    assert counts.embedded_by_model == {encoder.model_id: 9, encoder_b.model_id: 9}
    key = before[str(photos[2])].key
    assert {f.path for f in store.files_for_keys([key])[key]} == {str(photos[2]), str(copied)}


def test_edited_photo_is_embedded_again(
    store: Store, encoder: Encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root_dir = tmp_path / "photos"
    photos = make_photos(root_dir, 4)
    store.add_root(root_dir)
    ix = _indexer(store, encoder)
    ix.index()
    old = store.file_by_path(photos[1])
    make_photo(photos[1], "yellow", (70, 70), shape="cross")
    spy = spy_on(monkeypatch, encoder)
    ix.index()
    new = store.file_by_path(photos[1])
    assert spy.images == 1 and new.status == FileStatus.INDEXED and new.key != old.key
    assert store.photo_meta(new.id).width == 70 and store.has_embedding(encoder.model_id, new.key)
