"""Crash safety at scale: SIGKILL the indexer 20 times, at random moments in the scan, while embedding, and inside a
commit, while a few hundred photos are indexed with two models and files keep changing between runs. After every
kill the database passes `PRAGMA integrity_check`; after a last clean run with each model the library equals the
tree: one row per file, every photo indexed exactly once per model with metadata read from its own content, no
orphan rows, and every stored vector equal to a fresh embedding of the file."""
from __future__ import annotations

import os
import random
import shutil
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from indexer.meta import to_photo_meta
from photosearch.encoders.longclip import load_longclip
from photosearch.hashing import quick_hash
from photosearch.images import load_image, read_metadata
from photosearch.store import FileStatus, Store
from tests.index_helpers import SHAPES, all_files, make_photos
from tests.photo_tree import PALETTE, make_photo, make_tree
from tests.reliability.zygote import Zygote
from tests.tiny.longclip import write_tiny_longclip

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the zygote needs os.fork")

KILLS = 20
PHOTOS = 240


def _integrity(db: Path) -> None:
    with Store.open(db) as s:
        assert s.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


class Churn:
    """Changes the photo folder between runs the way a user does: edits, deletions, new photos, renames, copies."""

    def __init__(self, folder: Path, rng: random.Random) -> None:
        self.folder, self.rng, self.n = folder, rng, 0

    def _photos(self) -> list[Path]:
        return sorted(self.folder.glob("*.jpg"))

    def _new_photo(self, path: Path) -> None:
        rng = self.rng
        make_photo(path, rng.choice(list(PALETTE)), (rng.randint(56, 90), rng.randint(40, 64)), shape=rng.choice(SHAPES))

    def __call__(self) -> None:
        self.n += 1
        rng, photos = self.rng, self._photos()
        for p in rng.sample(photos, 3):  # edited in place: new content at the same path
            self._new_photo(p)
        os.remove(rng.choice(photos))
        for j in range(2):
            self._new_photo(self.folder / f"new_{self.n}_{j}.jpg")
        photos = self._photos()
        os.rename(rng.choice(photos), self.folder / f"renamed_{self.n}.jpg")
        shutil.copyfile(rng.choice(self._photos()), self.folder / f"copied_{self.n}.jpg")


def _run(z: Zygote, model: int, kind: str, rng: random.Random) -> bool:
    """One indexing child; True if it was killed where `kind` says (scan, index, write)."""
    z.send(f"index {model}" + (" write" if kind == "write" else ""))
    z.until("pid ")
    nth = rng.randint(1, 12) if kind == "scan" else rng.randint(1, 3)
    seen = 0
    while True:
        line = z.next()
        if line.startswith("exit "):
            status = int(line.split()[1])
            break
        hit = (
            line == "writing" if kind == "write"
            else line.startswith("progress scan") if kind == "scan"
            else line.startswith(("progress index", "progress backfill"))
        )
        if hit:
            seen += 1
            if seen == nth or kind == "write":
                if kind == "index":
                    time.sleep(rng.uniform(0, 0.05))  # lands anywhere: decoding, encoding, or inside a commit
                z.send("kill")
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert killed or status == 0, (status, z.log_tail())  # a run the kill missed must have finished cleanly
    return killed


def test_twenty_sigkills_with_changing_files_then_resume(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    expected = {rel: e for rel, e in make_tree(root).items() if e.supported}
    many = make_photos(root / "many", PHOTOS, size=(64, 48))
    for p in many[:6]:  # copies: same content, one vector
        shutil.copyfile(p, root / f"copy_{p.name}")
    bad = {str(root / r) for r, e in expected.items() if not e.ok}
    db = tmp_path / "lib.db"
    ckpts = [write_tiny_longclip(tmp_path / "a.pt", 0), write_tiny_longclip(tmp_path / "b.pt", 1)]
    seed = int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)
    churn = Churn(root / "many", rng)
    kills: list[str] = []
    z = Zygote(db, root, ckpts, tmp_path / "zygote.log")
    try:
        assert z.until("ready", timeout=120) == "ready"
        attempt = 0
        while len(kills) < KILLS:
            attempt += 1
            assert attempt <= 3 * KILLS, (seed, kills)
            kind = ("scan", "index", "write")[attempt % 3]
            model = rng.randrange(2)
            if _run(z, model, kind, rng):
                kills.append(f"{kind}/{model}")
            _integrity(db)
            if attempt % 2 == 0:
                churn()
        for model in (0, 1):
            z.send(f"index {model}")
            assert z.until("done", timeout=120) == "done"
            assert z.until("exit") == "exit 0"
    finally:
        z.close()
    context = f"seed {seed}, kills {kills}, log {z.log_path}"
    _integrity(db)
    assert {k.split("/")[0] for k in kills} == {"scan", "index", "write"}, context

    good = {str(root / r) for r, e in expected.items() if e.ok} | {str(p) for p in (root / "many").glob("*.jpg")} | {
        str(root / f"copy_{p.name}") for p in many[:6]}
    with Store.open(db) as store:
        files = all_files(store)
        live = [f for f in files if f.status != FileStatus.MISSING]
        paths = [f.path for f in files]
        assert len(paths) == len(set(paths)), context  # one row per path
        assert {f.path for f in live} == good | bad, context
        assert not any(os.path.lexists(f.path) for f in files if f.status == FileStatus.MISSING), context
        for f in live:
            assert f.quick_hash == quick_hash(f.path), (f.path, context)
            want = FileStatus.INDEXED if f.path in good else FileStatus.ERROR
            assert f.status == want, (f.path, f.status, f.error, context)
            if want == FileStatus.INDEXED:  # metadata read from this very content (size, type, camera)
                stored, fresh = store.photo_meta(f.id), to_photo_meta(f.path, read_metadata(f.path))
                assert stored is not None, (f.path, context)
                assert (stored.width, stored.height, stored.file_type, stored.camera_model) == (
                    fresh.width, fresh.height, fresh.file_type, fresh.camera_model), (f.path, context)
        conn = store.conn
        assert conn.execute("SELECT count(*) FROM photos WHERE file_id NOT IN (SELECT id FROM files)").fetchone()[0] == 0
        # vectors of contents no file on disk has any more are scheduled for pruning (the grace period)...
        assert conn.execute(
            "SELECT count(*) FROM embeddings e JOIN contents c ON c.id = e.content_id WHERE e.deleted = 0 "
            "AND c.orphaned_at IS NULL AND NOT EXISTS (SELECT 1 FROM files f WHERE f.content_id = c.id "
            "AND f.status != 'missing')").fetchone()[0] == 0, context
        assert conn.execute("SELECT count(*) FROM embeddings WHERE content_id NOT IN (SELECT id FROM contents)"
                            ).fetchone()[0] == 0, context
        live_keys = {f.key for f in live if f.status == FileStatus.INDEXED}
        one_file = {f.key: f.path for f in live if f.status == FileStatus.INDEXED}
        models = store.models()
        assert len(models) == 2
        for m, ckpt in zip(sorted(models, key=lambda m: m.model_id), sorted(ckpts, key=lambda c: load_longclip(c).model_id)):
            encoder = load_longclip(ckpt)
            assert encoder.model_id == m.model_id
            embedded = [r[0] for r in conn.execute(
                "SELECT content_id FROM embeddings WHERE model_id = ? AND deleted = 0", (m.model_id,))]
            assert len(embedded) == len(set(embedded)), context  # exactly once
            assert live_keys <= set(embedded), context
            assert store.missing_embeddings(m.model_id) == [], context
            assert store.counts().embedded_by_model[m.model_id] == len(live_keys), context  # status counts live photos
            index = store.vector_index(m.model_id)
            index.refresh()
            keys = sorted(live_keys)
            stored = np.stack([index.vector(k) for k in keys])
            fresh = encoder.encode_images([load_image(one_file[k], encoder.image_size).image for k in keys])
            assert np.allclose(stored, fresh, atol=1e-5), context  # whole, right vectors: no torn or misplaced rows
        store.prune_orphans(grace_s=0)  # ...and go once their grace has passed, leaving exactly the live ones
        for m in models:
            embedded = {r[0] for r in conn.execute(
                "SELECT content_id FROM embeddings WHERE model_id = ? AND deleted = 0", (m.model_id,))}
            assert embedded == live_keys, context
