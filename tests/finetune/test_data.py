"""Training batches: a function of the step alone, split over ranks without overlap, random crops that do not
depend on which process draws them."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image

from finetune.data import CachedTokenizer, Photo, PhotoBatches, RandomResizedCrop, pick
from photosearch.encoders.preprocess import clip_transform
from photosearch.errors import InvalidInput


def _photos(tmp_path: Path, n: int) -> list[Photo]:
    out = []
    for i in range(n):
        path = tmp_path / f"p{i}.png"
        noise = torch.randint(0, 256, (30, 40 + i, 3), generator=torch.Generator().manual_seed(i), dtype=torch.uint8)
        Image.fromarray(noise.numpy()).save(path)  # texture, so different crops give different pixels
        out.append(Photo(str(path), ((f"long {i}", f"short {i}", "en"),)))
    return out


def test_batches_cover_an_epoch_and_depend_only_on_the_step(tmp_path: Path) -> None:
    data = PhotoBatches(_photos(tmp_path, 12), batch_size=4, image_size=16, seed=3)
    epoch = [i for s in range(3) for i in data.global_indices(s)]
    assert sorted(epoch) == list(range(12))
    again = PhotoBatches(data.photos, batch_size=4, image_size=16, seed=3)
    assert [again.global_indices(s) for s in range(7)] == [data.global_indices(s) for s in range(7)]
    assert data.global_indices(3) != data.global_indices(0)  # the next epoch is shuffled anew


def test_each_rank_takes_its_own_slice_of_the_global_batch(tmp_path: Path, monkeypatch) -> None:
    photos = _photos(tmp_path, 12)
    slices = []
    for rank in range(2):
        monkeypatch.setattr("finetune.data.world", lambda rank=rank: (rank, 2))
        slices.append(PhotoBatches(photos, batch_size=4, image_size=16, seed=3).indices(5))
    whole = PhotoBatches(photos, batch_size=4, image_size=16, seed=3).global_indices(5)
    monkeypatch.undo()
    assert slices[0] + slices[1] == whole
    monkeypatch.setattr("finetune.data.world", lambda: (0, 3))
    with pytest.raises(InvalidInput, match="split evenly"):
        PhotoBatches(photos, batch_size=4, image_size=16, seed=3)


def test_random_crops_are_seeded_per_photo_and_step(tmp_path: Path) -> None:
    data = PhotoBatches(_photos(tmp_path, 6), batch_size=6, image_size=16, seed=1)
    crop = RandomResizedCrop(clip_transform(16), 16, (0.5, 1.0))
    a = data.pixels([0, 1, 2], crop, step=4)
    b = data.pixels([2, 1, 0], crop, step=4)
    assert a.shape == (3, 3, 16, 16)
    torch.testing.assert_close(a, b.flip(0), rtol=0, atol=0)  # the same photo, the same crop, in any order
    assert not torch.equal(a, data.pixels([0, 1, 2], crop, step=5))  # another step, other crops
    assert pick(1, 4, "x", 10) == pick(1, 4, "x", 10) and 0 <= pick(1, 4, "x", 10) < 10


def test_the_token_cache_returns_what_the_tokenizer_does() -> None:
    calls = []

    def tokenize(texts):
        from photosearch.encoders.base import TokenizedTexts

        calls.append(list(texts))
        return TokenizedTexts({"input_ids": torch.tensor([[len(t), 1] for t in texts])})

    cached = CachedTokenizer(tokenize)
    first = cached(["ab", "abc", "ab"])
    assert first.tensors["input_ids"].tolist() == [[2, 1], [3, 1], [2, 1]]
    assert cached(["abc", "d"]).tensors["input_ids"].tolist() == [[3, 1], [1, 1]]
    assert calls == [["ab", "abc"], ["d"]]
