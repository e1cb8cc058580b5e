"""The recipes' losses against their formulas written out by hand (as the reference repositories compute them)."""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from finetune.losses import clip_loss, hard_negative_nll, pca_reconstruct


def _unit(n: int, d: int, seed: int) -> torch.Tensor:
    return F.normalize(torch.randn(n, d, generator=torch.Generator().manual_seed(seed)), dim=-1)


def _soft_ce(logits: np.ndarray, smoothing: float) -> float:
    """Cross-entropy towards the diagonal with label smoothing, row by row, in float64."""
    n = logits.shape[0]
    total = 0.0
    for i in range(n):
        row = logits[i] - logits[i].max()
        log_p = row - math.log(np.exp(row).sum())
        target = np.full(n, smoothing / n)
        target[i] += 1 - smoothing
        total -= float((target * log_p).sum())
    return total / n


def test_clip_loss_is_the_symmetric_infonce_with_optional_label_smoothing() -> None:
    image, text = _unit(6, 8, 0), _unit(6, 8, 1)
    scale = torch.tensor(20.0)
    sims = (image @ text.T).double().numpy() * 20
    for smoothing in (0.0, 0.1):
        expected = (_soft_ce(sims, smoothing) + _soft_ce(sims.T, smoothing)) / 2
        assert abs(float(clip_loss(image, text, scale, smoothing)) - expected) < 1e-5


def test_clip_loss_is_low_for_matching_pairs_and_high_for_shuffled_ones() -> None:
    image = _unit(8, 16, 2)
    assert float(clip_loss(image, image, torch.tensor(50.0))) < 0.01
    assert float(clip_loss(image, image.roll(1, 0), torch.tensor(50.0))) > 5


def test_hard_negative_nll_scores_each_query_against_all_positives_and_negatives() -> None:
    q, p, n = torch.randn(5, 7), torch.randn(5, 7), torch.randn(5, 7)
    docs = torch.cat([p, n])
    scores = (F.normalize(q, dim=-1) @ F.normalize(docs, dim=-1).T).double().numpy() * 50
    expected = 0.0
    for i in range(5):
        row = scores[i] - scores[i].max()
        expected -= row[i] - math.log(np.exp(row).sum())
    assert abs(float(hard_negative_nll(q, p, n, 50.0)) - expected / 5) < 1e-5
    # without hard negatives only the in-batch positives compete
    assert float(hard_negative_nll(q, p, None)) < float(hard_negative_nll(q, p, n)) + 1e-6


def test_pca_reconstruct_keeps_the_top_components_and_the_mean() -> None:
    x = _unit(40, 12, 3)
    full = pca_reconstruct(x, 12)
    torch.testing.assert_close(full, x, atol=1e-5, rtol=0)
    low = pca_reconstruct(x, 3).double().numpy()
    centred = x.double().numpy() - x.double().numpy().mean(0)
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    expected = (u[:, :3] * s[:3]) @ vt[:3] + x.double().numpy().mean(0)
    np.testing.assert_allclose(low, expected, atol=1e-5)
    # the coarse version is not re-normalised (as the reference): its rows are shorter than unit length
    assert (np.linalg.norm(low, axis=1) < 1).all()
