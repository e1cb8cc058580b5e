"""Near-duplicate groups (bursts, re-saves, edits, copies) from the embeddings already in the index.

Exact copies share one content key, so they group for free; near-duplicates are pairs of keys whose cosine
similarity passes a threshold, joined transitively. Pairs are found in blocks, so memory stays at block x N
floats, first on projected vectors and then checked at full width (see `similar_pairs`).
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

from photosearch.errors import NothingIndexed
from photosearch.store import Store
from photosearch.store.records import FileRecord

BLOCK = 1024
PROJECTED_DIM = 160


def _find(parent: np.ndarray, i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def similar_pairs(mat: np.ndarray, threshold: float, block: int = BLOCK) -> Iterator[tuple[int, int]]:
    """Yield (i, j) row pairs, i < j, with mat[i] . mat[j] >= threshold: exactly those, for unit vectors.

    Why a projection first: N^2 x dim multiply-adds at full width take 88 s for 100k photos at 1280-d on 2
    cores (`bench/bench_search.py`; the issue 9 target is 60 s). An orthogonal projection never lengthens a difference, ||P(x - y)|| <= ||x - y||, and for unit
    vectors ||x - y||^2 = 2 - 2 x.y, so every pair at or above the threshold is within sqrt(2 - 2t) after
    projecting onto the top `PROJECTED_DIM` principal directions (of a sample). Those candidates, a small
    superset, are then checked at full width: the result is exact, in 27.5 s (random vectors) and 40 s
    (clustered) at 100k. 160 dimensions: 96 let through ~1% of random pairs as candidates (12.2 s at 50k
    against 6.9 s), 224 cost more than they saved.
    """
    n, dim = mat.shape
    norms = np.einsum("ij,ij->i", mat, mat)
    if n < 2 * block or dim <= PROJECTED_DIM or not np.allclose(norms, 1.0, atol=1e-3):
        yield from _pairs_at_full_width(mat, threshold, block)
        return
    sample = mat[np.random.default_rng(0).choice(n, min(n, 20_000), replace=False)]
    sample = sample - sample.mean(0)
    # the covariance's top eigenvectors (an SVD of the sample itself took 5.6 s here, this 0.3 s)
    basis = np.linalg.eigh((sample.T @ sample).astype(np.float64))[1][:, ::-1][:, :PROJECTED_DIM].astype(np.float32)
    proj = mat @ basis
    half = 0.5 * np.einsum("ij,ij->i", proj, proj)
    # ||px - py||^2 <= 2 - 2t  <=>  [px, 1] . [py, -|py|^2/2] >= |px|^2/2 - 1 + t  (with float slack): one
    # product per block and one comparison
    left = np.hstack([proj, np.ones((n, 1), np.float32)])
    right = np.hstack([proj, -half[:, None]])
    floor = half - 1.0 + threshold - 1e-4
    for start in range(0, n, block):
        end = min(n, start + block)
        g = left[start:end] @ right[start:].T
        rows, cols = np.nonzero(g >= floor[start:end, None])
        i, j = rows + start, cols + start
        keep = i < j
        i, j = i[keep], j[keep]
        sims = np.einsum("ij,ij->i", mat[i], mat[j])
        ok = sims >= threshold
        yield from zip(i[ok].tolist(), j[ok].tolist())


def _pairs_at_full_width(mat: np.ndarray, threshold: float, block: int) -> Iterator[tuple[int, int]]:
    for start in range(0, len(mat), block):
        sims = mat[start : start + block] @ mat[start:].T
        rows, cols = np.nonzero(sims >= threshold)
        for r, c in zip(rows.tolist(), cols.tolist()):
            if r < c:
                yield start + r, start + c


def group_keys(keys: np.ndarray, mat: np.ndarray, threshold: float) -> list[list[int]]:
    """Keys joined transitively by similarity >= threshold; only groups of two or more. Pure numpy, no store,
    so a caller can run it outside its database lock."""
    parent = np.arange(len(keys))
    for i, j in similar_pairs(mat, threshold):
        a, b = _find(parent, i), _find(parent, j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    members: dict[int, list[int]] = {}
    for row in range(len(keys)):
        members.setdefault(_find(parent, row), []).append(int(keys[row]))
    return list(members.values())


def vectors_of(store: Store, model_id: str) -> tuple[np.ndarray, np.ndarray]:
    """(keys, matrix) of a model's current vectors."""
    if store.model(model_id) is None:
        raise NothingIndexed(f"nothing is indexed with {model_id} yet")
    index = store.vector_index(model_id)
    index.refresh()
    return index.snapshot()


def files_of_groups(store: Store, key_groups: list[list[int]]) -> list[list[FileRecord]]:
    """Key groups -> groups of at least two current files (copies count), largest first, each sorted by path."""
    files = store.files_for_keys([k for g in key_groups for k in g])
    groups = []
    for group_keys_ in key_groups:
        group = sorted((f for k in group_keys_ for f in files.get(k, []) if f.status == "indexed"),
                       key=lambda f: f.path)
        if len(group) >= 2:
            groups.append(group)
    groups.sort(key=lambda g: (-len(g), g[0].path))
    return groups
