"""Issue 10 item 2: an entry that cannot be read costs that entry, a folder that cannot be listed costs its subtree;
neither stops the sweep of the rest of the root (deleted photos used to stay in search forever)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import indexer.walk as walk_mod
from indexer.scan import scan_root
from photosearch.store import FileStatus, Store
from tests.index_helpers import make_photos, status_of


def _indexed(store: Store, paths: list[Path]) -> None:
    with store.write_batch():
        store.mark_indexed([store.file_by_path(p).id for p in paths])  # type: ignore[union-attr]


def test_a_symlink_loop_costs_that_entry_not_the_sweep(store: Store, tmp_path: Path) -> None:
    root_dir = tmp_path / "photos"
    photos = make_photos(root_dir, 4) + make_photos(root_dir / "sub", 3, start=4)
    root = store.add_root(root_dir)
    scan_root(store, root)
    _indexed(store, photos)
    os.symlink("loop.jpg", root_dir / "sub" / "loop.jpg")  # a loop with a photo's name
    os.symlink("b.jpg", root_dir / "a.jpg")
    os.symlink("a.jpg", root_dir / "b.jpg")  # and a two-link loop
    # a known photo whose stat now fails: its row is kept as it is
    photos[5].unlink()
    os.symlink(photos[5].name, photos[5])
    photos[1].unlink()  # really deleted

    r = scan_root(store, root)
    assert r.complete and r.missing == 1 and len(r.errors) == 4
    assert status_of(store, photos[1]) == FileStatus.MISSING
    assert status_of(store, photos[5]) == FileStatus.INDEXED
    assert [status_of(store, p) for p in photos if p not in (photos[1], photos[5])] == [FileStatus.INDEXED] * 5
    assert status_of(store, root_dir / "a.jpg") is None and status_of(store, root_dir / "sub" / "loop.jpg") is None
    assert store.root(root.id).last_scan_ok is not None  # type: ignore[union-attr]


def test_a_folder_that_cannot_be_listed_costs_only_its_subtree(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root_dir = tmp_path / "photos"
    top = make_photos(root_dir, 3)
    sub = make_photos(root_dir / "sub", 3, start=3)
    deeper = make_photos(root_dir / "sub" / "deeper", 2, start=6)
    sibling = make_photos(root_dir / "sub2", 2, start=8)  # shares the prefix "sub": must still be swept normally
    root = store.add_root(root_dir)
    scan_root(store, root)
    real_scandir = os.scandir

    def flaky(path: object = ".") -> object:
        if str(path) == str(root_dir / "sub"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(walk_mod.os, "scandir", flaky)
    top[0].unlink()
    sub[0].unlink()  # gone, but we cannot know: its folder cannot be listed
    sibling[0].unlink()

    r = scan_root(store, root)
    assert r.complete and r.errors and r.missing == 2
    assert status_of(store, top[0]) == status_of(store, sibling[0]) == FileStatus.MISSING
    assert [status_of(store, p) for p in sub + deeper] == [FileStatus.PENDING] * 5
    monkeypatch.setattr(walk_mod.os, "scandir", real_scandir)
    r = scan_root(store, root)
    assert r.complete and not r.errors and r.missing == 1 and status_of(store, sub[0]) == FileStatus.MISSING
