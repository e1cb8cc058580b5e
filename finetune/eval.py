"""Recall@1/5/10 on held-out photos: text->image and image->text, long and short captions, and per language.

text->image: each caption ranks every held-out photo; a hit is its own photo in the top K. image->text: each
photo ranks every caption of the same kind; a hit is its own caption. Per language: the text->image recall of
the captions written in that language (against all photos).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
from PIL import Image

from finetune.data import Photo


@dataclass(frozen=True)
class Recall:
    r1: float
    r5: float
    r10: float

    def to_json(self) -> dict[str, float]:
        return {"r1": round(self.r1, 4), "r5": round(self.r5, 4), "r10": round(self.r10, 4)}


@dataclass
class EvalReport:
    photos: int
    recall: dict[str, Recall] = field(default_factory=dict)  # "long t2i", "short i2t", "de long t2i", ...

    def rows(self) -> list[tuple[str, Recall]]:
        return list(self.recall.items())

    def to_json(self) -> dict[str, Any]:
        return {"photos": self.photos, "recall": {k: v.to_json() for k, v in self.recall.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "EvalReport":
        return cls(int(data["photos"]), {k: Recall(v["r1"], v["r5"], v["r10"]) for k, v in data["recall"].items()})


def _recall(scores: np.ndarray, correct: np.ndarray) -> Recall:
    """`scores[q]` ranks the candidates for query q; `correct[q]` is the right candidate's index."""
    if len(scores) == 0:
        return Recall(0.0, 0.0, 0.0)
    target = scores[np.arange(len(scores)), correct][:, None]
    rank = (scores > target).sum(axis=1)  # how many candidates beat the right one
    return Recall(*(float((rank < k).mean()) for k in (1, 5, 10)))


def recall_report(images: np.ndarray, captions: dict[str, np.ndarray], languages: list[str],
                  names: tuple[str, str] = ("t2i", "i2t")) -> EvalReport:
    """`images` (N, d) and each caption kind (N, d) row-aligned with the photos, L2-normalised. `names` label
    the two directions (LLM2CLIP stage 1 ranks long captions instead of photos: "→long", "long→")."""
    n = len(images)
    report = EvalReport(n)
    own = np.arange(n)
    forward, backward = names
    for kind, texts in captions.items():
        sims = texts @ images.T
        report.recall[f"{kind} {forward}"] = _recall(sims, own)
        report.recall[f"{kind} {backward}"] = _recall(sims.T, own)
    langs = np.asarray(languages)
    for lang in sorted(set(languages)) if len(set(languages)) > 1 else []:
        rows = np.flatnonzero(langs == lang)
        for kind, texts in captions.items():
            report.recall[f"{lang} {kind} {forward}"] = _recall(texts[rows] @ images.T, rows)
    return report


def embed_photos(photos: Sequence[Photo], encode_images: Callable[[list[Image.Image]], np.ndarray],
                 image_size: int, batch: int = 32) -> np.ndarray:
    """Held-out photos through the project's image loader and `encode_images`, batch by batch."""
    from photosearch.images import load_image

    chunks = [encode_images([load_image(p.path, target=image_size).image for p in photos[i:i + batch]])
              for i in range(0, len(photos), batch)]
    return np.concatenate(chunks) if chunks else np.zeros((0, 0), np.float32)


def album_report(photos: Sequence[Photo], encode_images: Callable[[list[Image.Image]], np.ndarray],
                 encode_texts: Callable[[list[str]], np.ndarray], image_size: int) -> EvalReport:
    """Recall of a model on photos with captions: each photo's first caption, long and short, text<->image."""
    images = embed_photos(photos, encode_images, image_size)
    first = [p.captions[0] for p in photos]
    captions = {"long": encode_texts([c[0] for c in first]), "short": encode_texts([c[1] for c in first])}
    return recall_report(images, captions, [c[2] for c in first])
