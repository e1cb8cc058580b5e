"""A library too big for a float32 RAM matrix is searched through 8-bit codes plus an exact rerank: the same
keys and scores as exact search, with filters, after incremental writes and deletes, in a fraction of the RAM."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from photosearch.store import Store
from photosearch.store.ram_index import VectorIndex
from tests.test_store import _brute, _keys, _unit

REPO = Path(__file__).resolve().parents[1]


def _clustered(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    x = rng.standard_normal((30, dim))[rng.integers(0, 30, n)] + 0.3 * rng.standard_normal((n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(params=["random", "clustered"])
def library(request: pytest.FixtureRequest, store: Store):
    store.register_model("m", 64)
    rng = np.random.default_rng(7)
    keys = _keys(store, 4000)
    mat = _unit(rng, 4000, 64) if request.param == "random" else _clustered(rng, 4000, 64)
    with store.write_batch():
        store.add_embeddings("m", list(zip(keys, mat)))
    return store, keys, mat, rng


def _quantized(store: Store, monkeypatch: pytest.MonkeyPatch) -> VectorIndex:
    monkeypatch.setattr(VectorIndex, "QUANTIZE_ABOVE_BYTES", 0)
    index = VectorIndex(store.conn, store.model("m"))
    index.refresh()
    assert index.quantized
    return index


def _same(got: list[tuple[int, float]], want: list[tuple[int, float]]) -> None:
    assert [k for k, _ in got] == [k for k, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5)


def test_codes_plus_rerank_give_the_exact_top_k(library, monkeypatch) -> None:
    store, keys, mat, rng = library
    exact = VectorIndex(store.conn, store.model("m"))
    exact.refresh()
    index = _quantized(store, monkeypatch)
    assert not exact.quantized and len(index) == len(exact) == 4000
    assert index.nbytes < exact.nbytes / 2
    for _ in range(10):
        q = mat[rng.integers(0, len(mat))] + 0.3 * _unit(rng, 1, 64)[0]
        q /= np.linalg.norm(q)
        _same(index.search(q, 20), _brute(keys, mat, q, 20))
        allowed = set(rng.choice(keys, 300, replace=False).tolist())
        _same(index.search(q, 20, candidate_keys=list(allowed) + [-3, 10**9]), _brute(keys, mat, q, 20, allowed))
    assert index.search(q, 5, candidate_keys=[]) == []
    np.testing.assert_array_equal(index.vector(keys[17]), mat[17])
    snap_keys, snap = index.snapshot()
    order = np.argsort(snap_keys)
    np.testing.assert_array_equal(snap[order], mat[np.argsort(keys)])


def test_refresh_applies_writes_updates_and_deletes_to_the_codes(library, monkeypatch) -> None:
    store, keys, mat, rng = library
    index = _quantized(store, monkeypatch)
    new_keys, new_mat = _keys(store, 50, prefix="n"), _unit(rng, 50, 64)
    store.add_embeddings("m", list(zip(new_keys, new_mat)))
    edited = -mat[0]
    store.add_embeddings("m", [(keys[0], edited)])  # an edited photo: its vector changes
    store.delete_embeddings("m", keys[1:11])
    assert index.refresh() == 61 and index.quantized and len(index) == 4000 + 50 - 10
    all_keys = [k for k in keys[11:]] + list(new_keys) + [keys[0]]
    all_mat = np.concatenate([mat[11:], new_mat, edited[None]])
    for q in (new_mat[0], new_mat[7], mat[500], edited):
        _same(index.search(q, 10), _brute(all_keys, all_mat, q, 10))
    assert keys[3] not in index and index.vector(keys[3]) is None


def test_a_small_library_never_imports_faiss(tmp_path: Path) -> None:
    code = f"""
import sys, numpy as np
from photosearch.store import Store
s = Store.open({str(tmp_path / 'lib.db')!r})
s.register_model("m", 8)
s.conn.execute("INSERT INTO contents(id, quick_hash) VALUES (1, 'h')")
s.add_embeddings("m", [(1, np.ones(8) / 8 ** 0.5)])
assert s.vector_index("m").search(np.ones(8) / 8 ** 0.5, 1)[0][0] == 1
print("faiss" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "False"
