"""An album as training batches: photos decoded once by the project's image loader, deterministic batches split
across ranks, and the transforms the recipes use.

Batches are a function of the step alone: step s of epoch e takes slice s of a permutation of the training
photos seeded by (seed, e), and rank r of w ranks takes its w-th of that global batch. So a resumed run sees
the same batches it would have seen, and w processes see exactly what one process sees (the test of the
multi-GPU path relies on it). Per-sample random choices (which caption) hash (seed, step, photo), not a shared
random generator, for the same reason.
"""
from __future__ import annotations

import hashlib
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
from PIL import Image
from torchvision import transforms as T

from finetune.album import Album, AlbumItem
from finetune.losses import world
from photosearch.encoders.base import TokenizedTexts
from photosearch.errors import InvalidInput
from photosearch.images import load_image

CACHE_BYTES = 2 << 30  # decoded photos kept in memory (a 10,000-photo album at 336 px is ~3.4 GB)


@dataclass(frozen=True)
class Photo:
    """One distinct photo and every caption it has (a manifest may give several)."""

    path: str
    captions: tuple[tuple[str, str, str], ...]  # (long, short, language)


def photos_of(items: Sequence[AlbumItem]) -> list[Photo]:
    by_content: dict[str, list[AlbumItem]] = {}
    for item in items:
        by_content.setdefault(item.content_hash, []).append(item)
    return [Photo(str(group[0].path), tuple((i.caption, i.short_caption, i.lang) for i in group))
            for group in by_content.values()]


def pick(seed: int, step: int, key: str, n: int) -> int:
    """A deterministic 'random' choice among n for (seed, step, key), the same in every process."""
    digest = hashlib.blake2b(f"{seed}|{step}|{key}".encode("utf-8", "surrogateescape"), digest_size=8).digest()
    return int.from_bytes(digest, "little") % n


class RandomResizedCrop:
    """torchvision's RandomResizedCrop (same parameter draw, bicubic), then the eval transform's tensor conversion
    and normalisation; the draw comes from a `torch.Generator` the caller seeds per photo and step, not from the
    global RNG (reseeding the global RNG per photo costs ~1 ms a call here, and ranks would share it)."""

    def __init__(self, eval_transform: Callable, size: int, scale: tuple[float, float],
                 ratio: tuple[float, float] = (3 / 4, 4 / 3)) -> None:
        self.size, self.scale, self.ratio = size, scale, ratio
        self.normalize = next((t for t in getattr(eval_transform, "transforms", []) if isinstance(t, T.Normalize)),
                              None)

    def params(self, width: int, height: int, gen: torch.Generator) -> tuple[int, int, int, int]:
        """(top, left, height, width) as `T.RandomResizedCrop.get_params` draws them."""
        area = width * height
        log_ratio = torch.log(torch.tensor(self.ratio))
        for _ in range(10):
            target = area * torch.empty(1).uniform_(*self.scale, generator=gen).item()
            aspect = math.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1], generator=gen).item())
            w, h = round(math.sqrt(target * aspect)), round(math.sqrt(target / aspect))
            if 0 < w <= width and 0 < h <= height:
                top = int(torch.randint(0, height - h + 1, (1,), generator=gen).item())
                left = int(torch.randint(0, width - w + 1, (1,), generator=gen).item())
                return top, left, h, w
        in_ratio = width / height
        if in_ratio < min(self.ratio):
            w, h = width, round(width / min(self.ratio))
        elif in_ratio > max(self.ratio):
            h, w = height, round(height * max(self.ratio))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, image: Image.Image, gen: torch.Generator) -> torch.Tensor:
        top, left, h, w = self.params(image.width, image.height, gen)
        crop = image.resize((self.size, self.size), Image.Resampling.BICUBIC, box=(left, top, left + w, top + h))
        tensor = T.functional.to_tensor(crop.convert("RGB"))
        return self.normalize(tensor) if self.normalize is not None else tensor


class PhotoBatches:
    """Training photos of an album, batched by step and rank, decoded once (while they fit in memory)."""

    def __init__(self, photos: list[Photo], batch_size: int, image_size: int, seed: int, workers: int = 0) -> None:
        rank, size = world()
        if not photos:
            raise InvalidInput("the album has no training photos")
        self.photos = photos
        self.batch_size = min(batch_size, len(photos))
        if self.batch_size % size:
            raise InvalidInput(f"the batch of {self.batch_size} does not split evenly over {size} processes")
        self.local = self.batch_size // size
        self.rank, self.seed, self.image_size = rank, seed, image_size
        self.pool = ThreadPoolExecutor(workers or os.cpu_count() or 2, thread_name_prefix="photosearch-train-decode")
        self._cache: dict[int, Image.Image] = {}
        self._cache_bytes = 0

    @property
    def steps_per_epoch(self) -> int:
        return max(1, len(self.photos) // self.batch_size)

    def global_indices(self, step: int) -> list[int]:
        epoch, within = divmod(step, self.steps_per_epoch)
        order = np.random.default_rng([self.seed, epoch]).permutation(len(self.photos))
        return order[within * self.batch_size:(within + 1) * self.batch_size].tolist()

    def indices(self, step: int) -> list[int]:
        """This rank's share of step `step`'s batch."""
        batch = self.global_indices(step)
        return batch[self.rank * self.local:(self.rank + 1) * self.local]

    def images(self, indices: Sequence[int]) -> list[Image.Image]:
        """Decoded RGB photos (short side near the model's input size), in the order asked."""
        missing = [i for i in indices if i not in self._cache]
        for i, image in zip(missing, self.pool.map(self._decode, missing)):
            if self._cache_bytes < CACHE_BYTES:
                self._cache[i] = image
                self._cache_bytes += image.width * image.height * 3
        return [self._cache[i] if i in self._cache else self._decode(i) for i in indices]

    def _decode(self, index: int) -> Image.Image:
        image = load_image(self.photos[index].path, target=self.image_size).image
        scale = self.image_size * 1.15 / min(image.size)
        if scale < 1:  # keep a little margin for random crops; never the camera's full 12 MP
            image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                                 Image.Resampling.BICUBIC)
        return image

    def pixels(self, indices: Sequence[int], transform: Callable, step: int | None = None) -> torch.Tensor:
        """The photos through `transform`. With a `step`, `transform(image, generator)` draws from a generator
        seeded by (seed, step, photo): a random crop is the same whichever rank draws it and however the run
        was resumed."""
        images = self.images(indices)
        if step is None:
            return torch.stack([transform(im) for im in images])
        gen = torch.Generator()
        tensors = []
        for index, image in zip(indices, images):
            gen.manual_seed(pick(self.seed, step, self.photos[index].path, 2**63 - 1))
            tensors.append(transform(image, gen))
        return torch.stack(tensors)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def held_out(album: Album) -> list[Photo]:
    photos = photos_of(album.val)
    if not photos:
        raise InvalidInput("the album has no held-out photos to evaluate on; use a larger album or val fraction")
    return photos


class CachedTokenizer:
    """A fixed-context tokenizer run once per distinct caption: CLIP's BPE is pure Python (~0.4 ms a caption,
    10% of a tiny model's step), and an album's captions come back every epoch."""

    def __init__(self, tokenizer: Callable[[Sequence[str]], TokenizedTexts]) -> None:
        self.tokenizer = tokenizer
        self.rows: dict[str, dict[str, torch.Tensor]] = {}

    def __call__(self, texts: Sequence[str]) -> TokenizedTexts:
        new = [t for t in dict.fromkeys(texts) if t not in self.rows]
        if new:
            batch = self.tokenizer(new)
            for i, text in enumerate(new):
                self.rows[text] = {k: v[i] for k, v in batch.tensors.items()}
        keys = self.rows[texts[0]].keys() if texts else ()
        return TokenizedTexts({k: torch.stack([self.rows[t][k] for t in texts]) for k in keys})
