"""The three recipes' losses, as the reference code computes them, and the gather they need across GPUs.

* `clip_loss`: LLM2CLIP stage 2 (eva_clip `ClipLoss` with `--local-loss --gather-with-grad`, no smoothing) and
  Long-CLIP (the same with `label_smoothing=0.1`): each rank scores its own rows against every rank's columns,
  labels offset by rank, the image->text and text->image cross-entropies averaged.
* `hard_negative_nll`: llm2vec's `HardNegativeNLLLoss` used by LLM2CLIP stage 1: cosine(query, [positives;
  hard negatives]) * scale (50 in the supervised run), cross-entropy towards the query's own positive; one
  direction only.
* `pca_reconstruct`: Long-CLIP's primary component matching: the batch of L2-normalised image features centred,
  projected on its top `rank` right singular vectors and back, the mean added again (not re-normalised).

`gather` concatenates a tensor from every rank with gradient flowing back to each rank's own slice
(`torch.distributed.nn.all_gather`); in a single process it is the identity, so one code path serves both.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def world() -> tuple[int, int]:
    """(rank, world size); (0, 1) outside torch.distributed."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def gather(x: torch.Tensor) -> torch.Tensor:
    """Every rank's rows, in rank order, differentiable; `x` itself in a single process."""
    rank, size = world()
    if size == 1:
        return x
    import torch.distributed.nn.functional as dist_fn

    return torch.cat(dist_fn.all_gather(x), dim=0)


def clip_loss(
    image: torch.Tensor, text: torch.Tensor, scale: torch.Tensor, label_smoothing: float = 0.0
) -> torch.Tensor:
    """Symmetric InfoNCE over L2-normalised local features against all ranks' features."""
    rank, _ = world()
    all_image, all_text = gather(image), gather(text)
    labels = torch.arange(image.shape[0], device=image.device) + rank * image.shape[0]
    logits_image = scale * image @ all_text.T
    logits_text = scale * text @ all_image.T
    return (F.cross_entropy(logits_image, labels, label_smoothing=label_smoothing)
            + F.cross_entropy(logits_text, labels, label_smoothing=label_smoothing)) / 2


def hard_negative_nll(
    query: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor | None, scale: float = 50.0
) -> torch.Tensor:
    """llm2vec's supervised contrastive loss: each query against all positives and hard negatives."""
    rank, _ = world()
    all_query, all_positive = gather(query), gather(positive)
    docs = all_positive if negative is None else torch.cat([all_positive, gather(negative)], dim=0)
    scores = F.normalize(all_query, dim=-1) @ F.normalize(docs, dim=-1).T * scale
    labels = torch.arange(all_query.shape[0], device=query.device)
    return F.cross_entropy(scores, labels)


def pca_reconstruct(features: torch.Tensor, rank: int = 32) -> torch.Tensor:
    """Long-CLIP's `PCA`: rank-`rank` reconstruction of a batch of (normalised) features, in float32."""
    mean = features.mean(dim=0, keepdim=True)
    centred = (features - mean).float()
    _, _, vt = torch.linalg.svd(centred, full_matrices=False)
    components = vt.T[:, :rank]
    return (centred @ components @ components.T + mean).to(features.dtype)
