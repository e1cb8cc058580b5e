"""Near-duplicate pairs: the projected pass finds exactly the pairs a full-width comparison finds, including
pairs right at the threshold, on spread-out and on clustered vectors."""
from __future__ import annotations

import numpy as np
import pytest

from photosearch.duplicates import _pairs_at_full_width, group_keys, similar_pairs


def _library(kind: str, n: int = 6000, dim: int = 256, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "random":
        x = rng.standard_normal((n, dim)).astype(np.float32)
    else:
        x = rng.standard_normal((40, dim)).astype(np.float32)[rng.integers(0, 40, n)]
        x += 0.5 * rng.standard_normal((n, dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    # near-copies at similarities spread across the threshold (0.90-0.99): bursts, re-saves, edits
    src, dst = rng.choice(n, 300, replace=False).reshape(2, 150)
    for a, b, target in zip(src, dst, np.linspace(0.90, 0.99, 150)):
        noise = rng.standard_normal(dim).astype(np.float32)
        noise -= noise @ x[a] * x[a]
        noise /= np.linalg.norm(noise)
        x[b] = target * x[a] + np.sqrt(1 - target**2) * noise
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("kind", ["random", "clustered"])
@pytest.mark.parametrize("threshold", [0.93, 0.95])
def test_projected_pairs_are_exactly_the_full_width_pairs(kind: str, threshold: float) -> None:
    mat = _library(kind)
    exact = set(_pairs_at_full_width(mat, threshold, 1024))
    assert 20 < len(exact) < 150  # some planted pairs on each side of the threshold
    assert set(similar_pairs(mat, threshold, block=512)) == exact


def test_vectors_that_are_not_unit_length_take_the_full_width_pass() -> None:
    mat = _library("random") * 3.0
    assert set(similar_pairs(mat, 8.0, block=512)) == set(_pairs_at_full_width(mat, 8.0, 1024))


def test_groups_join_transitively_and_leave_singletons_alone() -> None:
    mat = _library("clustered", n=3000)
    keys = np.arange(100, 3100)
    groups = [g for g in group_keys(keys, mat, 0.95) if len(g) > 1]
    pairs = set(_pairs_at_full_width(mat, 0.95, 1024))
    in_groups = {k for g in groups for k in g}
    assert in_groups == {int(keys[i]) for p in pairs for i in p}
    assert sum(len(g) for g in group_keys(keys, mat, 0.95)) == len(keys)
