"""The store: driver choice, pragmas, migrations, vectors (validation, replace, exact search),
cross-process refresh, and per-model independence."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from photosearch.store import (
    SCHEMA_VERSION,
    FileStatus,
    PhotoMeta,
    SchemaTooNewError,
    Store,
    VectorError,
    default_db_path,
    migrate,
    open_connection,
    wall_clock_datetime,
    wall_clock_seconds,
)
import photosearch.store.connect as connect_mod
from photosearch.store.ram_index import VectorIndex
from photosearch.store.vectors import table_name_for

REPO = Path(__file__).resolve().parents[1]


def _unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _keys(store: Store, n: int, prefix: str = "h") -> list[int]:
    with store.write_batch():
        return [store.key_for_hash(f"{prefix}{i}") for i in range(n)]


def _brute(keys: list[int], mat: np.ndarray, q: np.ndarray, k: int, allowed: set[int] | None = None):
    scores = mat @ q
    pairs = [(key, float(s)) for key, s in zip(keys, scores) if allowed is None or key in allowed]
    return sorted(pairs, key=lambda t: -t[1])[:k]


# -- connection factory --------------------------------------------------------------------------


def test_driver_falls_back_to_sqlean_when_stdlib_cannot_load_extensions() -> None:
    import sqlite3

    import sqlean

    if connect_mod.can_load_extensions(sqlite3):
        pytest.skip("this Python's sqlite3 can load extensions; the fallback is not exercised")
    assert connect_mod.pick_driver() is sqlean
    assert connect_mod.driver_name() == "sqlean"
    with pytest.raises(connect_mod.NoCapableDriverError, match="sqlean"):
        connect_mod.pick_driver(["sqlite3", "no_such_sqlite_module"])


def test_driver_prefers_first_capable_candidate(monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlean

    monkeypatch.setitem(sys.modules, "capable_stand_in", sqlean)
    assert connect_mod.pick_driver(["no_such_sqlite_module", "capable_stand_in", "sqlite3"]) is sqlean


def test_connection_loads_vec_and_sets_pragmas(tmp_path: Path) -> None:
    conn = open_connection(tmp_path / "sub" / "x.db")
    try:
        assert conn.execute("SELECT vec_version()").fetchone()[0].startswith("v0.1")
        assert conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 30_000
        cache = conn.execute("PRAGMA cache_size").fetchone()[0]
        assert cache <= -64 * 1024  # negative = KiB: at least 64 MiB
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert not conn.in_transaction  # autocommit: the store issues BEGIN IMMEDIATE itself
    finally:
        conn.close()


def test_default_db_path_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PHOTOSEARCH_DB", raising=False)
    assert default_db_path().name == "photosearch.db"
    assert "photosearch" in str(default_db_path()).lower()
    monkeypatch.setenv("PHOTOSEARCH_DB", str(tmp_path / "mine.db"))
    assert default_db_path() == tmp_path / "mine.db"


# -- schema ----------------------------------------------------------------------------------------


def test_migrates_empty_file(store: Store) -> None:
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"roots", "files", "contents", "photos", "models", "embeddings", "scans"} <= tables


@pytest.mark.parametrize("version", [1, 2])
def test_migrates_from_previous_versions_keeping_data(tmp_path: Path, version: int) -> None:
    path = tmp_path / "old.db"
    conn = open_connection(path)
    assert migrate(conn, target=version) == version
    conn.execute("INSERT INTO roots(path, added_at) VALUES ('/photos', 1)")
    conn.execute("INSERT INTO contents(quick_hash) VALUES ('abc')")
    for i, name in enumerate(["a.jpg", "café.jpg", "b.jpg"], 1):  # paths stored as TEXT before v3
        conn.execute(
            "INSERT INTO files(path, root_id, size, mtime_ns, content_id, status) VALUES (?, 1, 10, 5, 1, 'indexed')",
            (f"/photos/{name}",),
        )
    conn.execute("INSERT INTO photos(file_id, file_type, taken_at) VALUES (1, 'jpg', 1000)")
    conn.close()

    with Store.open(path) as s:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        meta = s.photo_meta(1)
        assert meta is not None and meta.taken_at == 1000
        if version == 1:
            assert meta.taken_at_source == "exif"
        assert s.file_by_path("/photos/a.jpg").quick_hash == "abc"
        assert s.file_by_path("/photos/café.jpg").path == "/photos/café.jpg"  # v3: TEXT paths became bytes
        assert [r.path for r in s.roots()] == ["/photos"] and s.root_by_path("/photos").id == 1
        assert len(s.filtered_files(folder="/photos")) == 3
        scan = s.begin_scan(1)  # v2's scans table works on the migrated file
        assert s.finish_scan(scan, ok=True) == 3


def test_refuses_newer_schema(tmp_path: Path) -> None:
    conn = open_connection(tmp_path / "new.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNewError):
        Store.open(tmp_path / "new.db")


# -- vectors -------------------------------------------------------------------------------------


def test_vectors_round_trip_through_vec0_and_ram(store: Store) -> None:
    m = store.register_model("clip/a", 16)
    rng = np.random.default_rng(1)
    keys, mat = _keys(store, 50), _unit(rng, 50, 16)
    assert store.add_embeddings("clip/a", list(zip(keys, mat))) == 50
    for key, vec in zip(keys[:3], mat[:3]):
        blob = store.conn.execute(f'SELECT embedding FROM "{m.table_name}" WHERE rowid = ?', (key,)).fetchone()[0]
        assert np.array_equal(np.frombuffer(blob, np.float32), vec)
    idx = store.vector_index("clip/a")
    assert idx.refresh() == 50 and len(idx) == 50
    assert idx.search(mat[7], 1)[0][0] == keys[7]
    knn = store.conn.execute(
        f'SELECT rowid FROM "{m.table_name}" WHERE embedding MATCH ? AND k = ? ORDER BY distance', (mat[7].tobytes(), 5)
    ).fetchall()
    assert [r[0] for r in knn] == [key for key, _ in idx.search(mat[7], 5)]
    assert store.has_embedding("clip/a", keys[0]) and not store.has_embedding("clip/a", 10**9)


def test_rejects_nan_wrong_dim_and_unknown_keys(store: Store) -> None:
    store.register_model("m", 4)
    (key,) = _keys(store, 1)
    with pytest.raises(VectorError, match="NaN"):
        store.add_embeddings("m", [(key, [0.1, float("nan"), 0.2, 0.3])])
    with pytest.raises(VectorError, match="NaN or infinity"):
        store.add_embeddings("m", [(key, [0.1, float("inf"), 0.2, 0.3])])
    with pytest.raises(VectorError, match=r"\(4,\)"):
        store.add_embeddings("m", [(key, [0.1, 0.2, 0.3])])
    with pytest.raises(VectorError, match="unknown keys"):
        store.add_embeddings("m", [(key + 1000, [0.1, 0.2, 0.3, 0.4])])
    with pytest.raises(VectorError):
        store.vector_index("m").search([0.1, 0.2], 3)
    assert store.counts().embedded_by_model["m"] == 0
    with pytest.raises(ValueError, match="dim 4"):
        store.register_model("m", 8)


def test_writing_an_existing_key_replaces_it(store: Store) -> None:
    m = store.register_model("m", 4)
    keys = _keys(store, 3)
    store.add_embeddings("m", [(k, [1, 0, 0, 0]) for k in keys])
    idx = store.vector_index("m")
    idx.refresh()
    store.add_embeddings("m", [(keys[1], [0, 1, 0, 0]), (keys[1], [0, 0, 1, 0])])  # last one wins
    assert store.conn.execute(f'SELECT count(*) FROM "{m.table_name}"').fetchone()[0] == 3
    assert store.counts().embedded_by_model["m"] == 0  # vectors of contents no file has: no photo to count
    assert idx.refresh() == 1 and len(idx) == 3
    assert idx.search([0, 0, 1, 0], 1) == [(keys[1], 1.0)]
    fresh = VectorIndex(store.conn, store.model("m"))
    assert fresh.search([0, 0, 1, 0], 1) == [(keys[1], 1.0)] and len(fresh) == 3


def test_exact_search_matches_brute_force_with_and_without_filter(store: Store) -> None:
    store.register_model("m", 64)
    rng = np.random.default_rng(2)
    keys, mat = _keys(store, 3000), _unit(rng, 3000, 64)
    with store.write_batch():
        for s in range(0, 3000, 1000):
            store.add_embeddings("m", list(zip(keys[s : s + 1000], mat[s : s + 1000])))
    idx = store.vector_index("m")
    for trial in range(5):
        q = _unit(rng, 1, 64)[0]
        got = idx.search(q, 20)
        want = _brute(keys, mat, q, 20)
        assert [k for k, _ in got] == [k for k, _ in want]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5)
        for frac in (0.1, 0.5):  # the gather path and the full-matvec-then-mask path
            allowed = set(rng.choice(keys, int(frac * len(keys)), replace=False).tolist())
            cand = list(allowed) + [-5, 10**7]  # keys without vectors are ignored
            got = idx.search(q, 20, candidate_keys=cand)
            assert [k for k, _ in got] == [k for k, _ in _brute(keys, mat, q, 20, allowed)]
    assert idx.search(q, 5, candidate_keys=[]) == []
    assert len(idx.search(q, 10_000)) == 3000


def test_fast_bulk_read_agrees_with_vec0_after_deletes_and_slot_reuse(store: Store) -> None:
    m = store.register_model("m", 8)
    rng = np.random.default_rng(3)
    keys, mat = _keys(store, 2500), _unit(rng, 2500, 8)
    store.add_embeddings("m", list(zip(keys, mat)))
    store.delete_embeddings("m", keys[10:400])
    store.add_embeddings("m", [(keys[20], mat[0]), (keys[5], mat[1])])  # re-add into freed slots, update
    fast = VectorIndex(store.conn, m)
    fast.refresh()
    assert fast._reader.fast
    slow = VectorIndex(store.conn, m)
    slow._reader.fast = False
    slow.refresh()
    assert len(fast) == len(slow) == 2500 - 390 + 1
    order_f, order_s = np.argsort(fast._ids[: len(fast)]), np.argsort(slow._ids[: len(slow)])
    assert np.array_equal(fast._ids[order_f], slow._ids[order_s])
    assert np.array_equal(fast._mat[order_f], slow._mat[order_s])


@pytest.mark.parametrize("fast_reads", [True, False], ids=["shadow-tables", "virtual-table"])
def test_incremental_refresh_applies_updates_and_deletes(store: Store, fast_reads: bool) -> None:
    store.register_model("m", 8)
    rng = np.random.default_rng(4)
    keys, mat = _keys(store, 2000), _unit(rng, 2000, 8)
    store.add_embeddings("m", list(zip(keys[:1500], mat[:1500])))
    idx = store.vector_index("m")
    idx._reader.fast = fast_reads
    idx.refresh()
    store.add_embeddings("m", list(zip(keys[1500:], mat[1500:])))
    mat[3] = _unit(rng, 1, 8)[0]
    store.add_embeddings("m", [(keys[3], mat[3])])
    store.delete_embeddings("m", keys[:2])
    assert idx.refresh() == 500 + 1 + 2
    assert idx.refresh() == 0
    live = keys[2:]
    q = _unit(rng, 1, 8)[0]
    assert [k for k, _ in idx.search(q, 30)] == [k for k, _ in _brute(live, mat[2:], q, 30)]
    assert keys[0] not in idx and keys[2] in idx
    assert idx._reader.fast == fast_reads


# -- files, scans, metadata ------------------------------------------------------------------------


def test_file_lifecycle_moves_reuse_embeddings(store: Store, tmp_path: Path) -> None:
    root = store.add_root(tmp_path, excluded=[tmp_path / "skip"])
    assert store.add_root(tmp_path) == root and root.excluded == (str(tmp_path / "skip"),)
    store.register_model("m", 4)
    scan = store.begin_scan(root.id)
    a = store.upsert_file(root.id, tmp_path / "a.jpg", size=10, mtime_ns=1, inode=7, device=1, quick_hash="H1", scan_id=scan)
    b = store.upsert_file(root.id, tmp_path / "b.jpg", size=20, mtime_ns=1, quick_hash="H2", scan_id=scan)
    assert a.status == FileStatus.PENDING and a.key is not None and a.quick_hash == "H1"
    taken = wall_clock_seconds(wall_clock_datetime(1_500_000_000))
    with store.write_batch():
        store.set_photo_meta(a.id, PhotoMeta("jpg", 640, 480, 6, taken, "exif", "Canon", "EOS", 48.1, 11.5))
        store.add_embeddings("m", [(a.key, [1, 0, 0, 0])])
        store.mark_indexed([a.id])
        store.record_error(b.id, "cannot decode", retry_after=100)
    assert store.photo_meta(a.id).camera_model == "EOS" and store.photo_meta(a.id).taken_at == 1_500_000_000
    assert store.finish_scan(scan, ok=True) == 0
    assert [f.id for f in store.errors()] == [b.id] and store.errors()[0].error == "cannot decode"
    assert [f.id for f in store.files_to_index(now=99)] == []
    assert [f.id for f in store.files_to_index(now=100)] == [b.id]

    # a.jpg moved to c.jpg: the old path goes missing, the new one has the same key -> no re-embed
    scan2 = store.begin_scan(root.id)
    c = store.upsert_file(root.id, tmp_path / "c.jpg", size=10, mtime_ns=1, quick_hash="H1", scan_id=scan2)
    store.mark_seen([b.id], scan2)
    assert c.key == a.key and store.has_embedding("m", c.key)
    assert store.finish_scan(scan2, ok=True) == 1
    assert store.file(a.id).status == FileStatus.MISSING and store.file(b.id).status == FileStatus.ERROR
    assert {f.path for f in store.find_by_quick_hash("H1")} == {str(tmp_path / "a.jpg"), str(tmp_path / "c.jpg")}
    assert [f.id for f in store.files_for_keys([a.key])[a.key]] == [c.id]
    assert store.finish_scan(store.begin_scan(root.id), ok=False) == 0  # a failed scan sweeps nothing

    # a.jpg comes back unchanged (drive reconnected): indexed again without work
    back = store.upsert_file(root.id, tmp_path / "a.jpg", size=10, mtime_ns=1, inode=7, device=1)
    assert back.status == FileStatus.INDEXED and back.key == a.key
    # ...then is edited: pending, its content unknown until hashed
    edited = store.upsert_file(root.id, tmp_path / "a.jpg", size=11, mtime_ns=2, inode=7, device=1)
    assert edited.status == FileStatus.PENDING and edited.key is None
    counts = store.counts()
    assert counts.by_status[FileStatus.PENDING] == 2 and counts.by_status[FileStatus.ERROR] == 1  # c.jpg, a.jpg
    assert counts.embedded_by_model == {"m": 1} and counts.total_files == 3
    with store.write_batch():
        store.mark_indexed([c.id])
    idx = store.vector_index("m")
    idx.refresh()
    assert len(idx) == 1
    store.remove_root(root.id)  # its files go, and so does the vector nobody references
    assert store.roots() == [] and idx.refresh() == 1 and len(idx) == 0


def test_write_batch_rolls_back_on_error(store: Store, tmp_path: Path) -> None:
    root = store.add_root(tmp_path)
    with pytest.raises(RuntimeError):
        with store.write_batch():
            store.upsert_file(root.id, tmp_path / "x.jpg", size=1, mtime_ns=1)
            raise RuntimeError("boom")
    assert store.file_by_path(tmp_path / "x.jpg") is None and not store.conn.in_transaction


# -- models ----------------------------------------------------------------------------------------


def test_model_b_backfills_while_model_a_search_keeps_working(store: Store, tmp_path: Path) -> None:
    root = store.add_root(tmp_path)
    a = store.register_model("open_clip:ViT-B-32/laion2b", 16)
    rng = np.random.default_rng(5)
    files = [store.upsert_file(root.id, tmp_path / f"{i}.jpg", size=i, mtime_ns=i, quick_hash=f"q{i}") for i in range(300)]
    keys = [f.key for f in files]
    mat_a = _unit(rng, 300, 16)
    with store.write_batch():
        store.add_embeddings(a.model_id, list(zip(keys, mat_a)))
        store.mark_indexed(f.id for f in files)
    idx_a = store.vector_index(a.model_id)
    q = _unit(rng, 1, 16)[0]
    want_a = [k for k, _ in _brute(keys, mat_a, q, 10)]
    assert [k for k, _ in idx_a.search(q, 10)] == want_a

    b = store.register_model("llm2clip:openai/ViT-L-14", 32)
    assert b.table_name != a.table_name and b.table_name == table_name_for(b.model_id)
    mat_b = {k: v for k, v in zip(keys, _unit(rng, 300, 32))}
    rounds = 0
    while jobs := store.missing_embeddings(b.model_id, limit=64):
        store.add_embeddings(b.model_id, [(j.key, mat_b[j.key]) for j in jobs])
        rounds += 1
        assert idx_a.refresh() == 0  # A untouched by B's writes
        assert [k for k, _ in idx_a.search(q, 10)] == want_a
    assert rounds == 5
    counts = store.counts().embedded_by_model
    assert counts == {a.model_id: 300, b.model_id: 300}
    idx_b = store.vector_index(b.model_id)
    qb = _unit(rng, 1, 32)[0]
    assert [k for k, _ in idx_b.search(qb, 5)] == [k for k, _ in _brute(keys, np.stack([mat_b[k] for k in keys]), qb, 5)]
    store.remove_model(a.model_id)
    assert [m.model_id for m in store.models()] == [b.model_id]
    assert store.vector_index(b.model_id).search(qb, 1)


def test_other_process_index_reloads_when_model_is_registered_again(tmp_path: Path) -> None:
    ui, indexer = Store.open(tmp_path / "x.db"), Store.open(tmp_path / "x.db")
    indexer.register_model("m", 4)
    keys = _keys(indexer, 3)
    indexer.add_embeddings("m", [(k, [1, 0, 0, 0]) for k in keys])
    idx = ui.vector_index("m")
    assert idx.refresh() == 3
    indexer.remove_model("m")
    with pytest.raises(KeyError):
        idx.refresh()
    indexer.register_model("m", 4)
    indexer.add_embeddings("m", [(keys[2], [0, 1, 0, 0])])
    idx.refresh()
    assert len(idx) == 1 and idx.search([0, 1, 0, 0], 5) == [(keys[2], 1.0)]
    ui.close()
    indexer.close()


# -- two processes -----------------------------------------------------------------------------------

_WRITER = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from photosearch.store import Store
    path, batches, per_batch, dim = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    store = Store.open(path)
    root = store.add_root("/lib")
    rng = np.random.default_rng(42)
    for b in range(batches):
        vecs = rng.standard_normal((per_batch, dim)).astype(np.float32)
        with store.write_batch():
            recs = [store.upsert_file(root.id, f"/lib/{b}_{i}.jpg", size=i, mtime_ns=b, quick_hash=f"w{b}_{i}")
                    for i in range(per_batch)]
            store.add_embeddings("shared", [(r.key, v) for r, v in zip(recs, vecs)])
            store.mark_indexed(r.id for r in recs)
        time.sleep(0.01)
    store.close()
    """
)


def test_reader_refreshes_while_another_process_writes(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    batches, per_batch, dim = 25, 200, 32
    reader = Store.open(path)
    reader.register_model("shared", dim)
    idx = reader.vector_index("shared")
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), str(batches), str(per_batch), str(dim)],
        env=env, stderr=subprocess.PIPE, text=True,
    )
    rng = np.random.default_rng(0)
    sizes: list[int] = []
    deadline = time.monotonic() + 60
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            idx.refresh()  # never "database is locked": WAL readers don't wait for the writer
            sizes.append(len(idx))
            assert len(idx) % per_batch == 0  # a batch is seen whole or not at all
            idx.search(rng.standard_normal(dim), 10)
            reader.counts()
            with reader.write_batch():  # the reader writes too: it queues behind the writer
                reader.conn.execute("UPDATE models SET spec = 'touched' WHERE model_id = 'shared'")
    finally:
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    idx.refresh()
    assert len(idx) == batches * per_batch
    assert len(set(sizes)) > 3, f"reader saw too few intermediate states: {sorted(set(sizes))}"
    # what the reader holds equals what the writer wrote
    wrng = np.random.default_rng(42)
    vecs = np.concatenate([wrng.standard_normal((per_batch, dim)).astype(np.float32) for _ in range(batches)])
    keys = [reader.find_by_quick_hash(f"w{b}_{i}")[0].key for b in range(batches) for i in range(per_batch)]
    q = rng.standard_normal(dim).astype(np.float32)
    assert [k for k, _ in idx.search(q, 25)] == [k for k, _ in _brute(keys, vecs, q, 25)]
    assert reader.counts().by_status[FileStatus.INDEXED] == batches * per_batch
    reader.close()


def test_models_keep_registration_order_within_one_second(store: Store) -> None:
    """The library's model is its newest: two registered in the same second must not be ordered by id (that made
    "the newest model" a coin toss, and the app's model list flip between runs)."""
    for model_id in ("z/first", "a/second", "m/third"):
        store.register_model(model_id, 4)
    store.conn.execute("UPDATE models SET added_at = 1700000000")  # the same second for all three
    assert [m.model_id for m in store.models()] == ["z/first", "a/second", "m/third"]
