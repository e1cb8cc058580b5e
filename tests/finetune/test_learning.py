"""Proof that the recipes learn: tiny models of the real architectures, from random weights, trained on CPU on
synthetic albums (procedural scenes with paragraph captions), measured on held-out photos they never saw.

* Long-CLIP (English, as Long-CLIP is): held-out text->image R@1 from chance to >= 0.8, and long captions tell
  apart two scenes that differ only in the colour of the object their paragraph mentions last (the short
  caption, the same for both, cannot).
* LLM2CLIP stage 1 then stage 2 (four languages, one of them Chinese): stage 1 teaches the LLM to match a short
  caption with its long one; stage 2, on the stage-1 output, aligns photos with the cached caption vectors.
  With an untrained random LLM (what a test can build) the vectors are little more than bags of byte pieces, so
  stage 2 gets well above chance but not to 0.8 in CPU minutes (the closing note of issue 8 has the figures);
  the released LLMs are what LLM2CLIP relies on for that.
"""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from finetune.album import Album, AlbumConfig
from finetune.config import Recipe
from finetune.data import photos_of
from finetune.eval import album_report
from finetune.run import plan_run, start_run
from finetune.synthetic import Detail, make_album, make_pair, render
from photosearch.factory import create_encoder
from tests.tiny.eva import TinyEva, write_tiny_checkpoint
from tests.tiny.llama import build_tiny_llama
from tests.tiny.longclip import write_tiny_longclip

SIZE = 64
CLIP_INIT_SCALE = 2.659  # ln(1/0.07): CLIP's from-scratch temperature (the recipes' defaults assume a trained base)


def test_longclip_learns_long_captions_and_the_details_they_mention_late(tmp_path: Path) -> None:
    # bursts: 20 photos share the large object and the background (so their first sentence) and differ in
    # the small objects, which only the rest of the paragraph names; 64 px so a small object covers a patch
    album = tmp_path / "album"
    make_album(album, 1200, seed=1, languages=("en",), size=SIZE, n_objects=(3, 3), burst=20)
    base = write_tiny_longclip(tmp_path / "base.pt", vision_width=128, text_width=128, image_size=SIZE,
                               patch_size=8, embed_dim=64)
    spec = plan_run(Recipe.LONGCLIP, album, f"longclip:{base}", tmp_path / "run", {
        "steps": 600, "batch_size": 64, "lr": 2e-3, "warmup_steps": 50, "grad_clip": 1.0,
        "logit_scale": CLIP_INIT_SCALE, "val_fraction": 0.05})
    report = start_run(spec)
    before, after = report.before.recall, report.after.recall
    assert report.before.photos >= 40  # chance R@1 1/40 or less
    assert before["long t2i"].r1 <= 0.1 and after["long t2i"].r1 >= 0.8, (before["long t2i"], after["long t2i"])
    assert after["long i2t"].r1 >= 0.8
    # held-out burst siblings share their short caption: only the long one can rank the right sibling first
    assert after["long t2i"].r1 > after["short t2i"].r1 + 0.05

    encoder = create_encoder(str(report.model), device="cpu")
    # fresh bursts of 4 the model never saw: each long caption against its 3 siblings (chance 0.25)
    fresh = make_album(tmp_path / "fresh", 100, seed=777, languages=("en",), size=SIZE, n_objects=(3, 3), burst=4,
                       sidecars=False, manifest=False)
    right = 0
    for start in range(0, len(fresh), 4):
        group = fresh[start:start + 4]
        scores = encoder.encode_texts([s.long_caption() for s in group]) @ encoder.encode_images(
            [render(s, SIZE) for s in group]).T
        right += int((scores.argmax(axis=1) == np.arange(4)).sum())
    assert right / len(fresh) >= 0.45, right  # measured 0.59

    # pairs that differ in one colour, of the object the paragraph describes last (chance 0.5)
    rng = random.Random(2026)
    right = 0
    pairs = [make_pair(rng, "en", Detail.COLOUR) for _ in range(40)]
    for a, b in pairs:
        assert a.short_caption() == b.short_caption() and a.long_caption() != b.long_caption()
        scores = encoder.encode_texts([a.long_caption(), b.long_caption()]) @ encoder.encode_images(
            [render(a, SIZE), render(b, SIZE)]).T
        right += int(scores[0, 0] > scores[0, 1]) + int(scores[1, 1] > scores[1, 0])
    assert right / (2 * len(pairs)) >= 0.6, right  # measured 0.71


@pytest.fixture(scope="module")
def multilingual(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("multilingual")
    make_album(root / "album", 3000, seed=1, languages=("en", "de", "fr", "zh"), size=32, n_objects=(2, 3))
    llm = build_tiny_llama(root / "llm", hidden_size=64, intermediate_size=128)
    eva = write_tiny_checkpoint(root / "eva.pt", TinyEva(width=128, head_width=32, patch_size=8, image_size=32,
                                                         output_dim=64, llm_dim=64), logit_scale=CLIP_INIT_SCALE)
    return root / "album", f"llm2clip:{eva}+{llm}"


def test_llm2clip_stage1_then_stage2_learn_in_four_languages(multilingual: tuple[Path, str], tmp_path: Path) -> None:
    album, base = multilingual
    stage1 = start_run(plan_run(Recipe.LLM2CLIP_STAGE1, album, base, tmp_path / "stage1", {
        "steps": 300, "batch_size": 32, "lr": 1e-3, "warmup_steps": 20, "lora_dropout": 0.0,
        "val_fraction": 0.1}))
    # 300 held-out photos (75 per language): R@1 moves by about 0.03 between machines whose float sums differ
    # (CI's CPU took 150 steps to 0.46 where this one reached 0.51); measured 0.14 -> 0.30 and 0.33 for two seeds
    b1, a1 = stage1.before.recall, stage1.after.recall
    for direction in ("short→long", "long→short"):
        assert a1[f"captions {direction}"].r1 >= b1[f"captions {direction}"].r1 + 0.1, (b1, a1)
    for lang in ("en", "de", "fr", "zh"):
        assert a1[f"{lang} captions short→long"].r1 > b1[f"{lang} captions short→long"].r1

    stage2 = start_run(plan_run(Recipe.LLM2CLIP_STAGE2, album, str(stage1.model), tmp_path / "stage2", {
        "steps": 1000, "batch_size": 64, "lr": 2e-3, "val_fraction": 0.1}))
    b2, a2 = stage2.before.recall, stage2.after.recall
    # 300 held-out photos, chance R@1 0.003 and R@10 0.033; measured R@1 0.11-0.15, R@10 0.45-0.64
    for kind in ("long", "short"):
        assert b2[f"{kind} t2i"].r1 <= 0.03 and a2[f"{kind} t2i"].r1 >= 0.06, (kind, b2, a2)
        assert a2[f"{kind} t2i"].r10 >= 0.3, (kind, b2, a2)
    for lang in ("en", "de", "fr", "zh"):  # 75 photos each, chance R@10 0.13; measured 0.38-0.57
        assert a2[f"{lang} long t2i"].r10 >= b2[f"{lang} long t2i"].r10 + 0.1, (lang, b2, a2)
    # the export is what training trained: through the app's encoder (the LLM online, no cache) the held-out
    # recall is the same
    encoder = create_encoder(str(stage2.model), device="cpu")
    held_out = photos_of(Album.load(album, AlbumConfig(val_fraction=0.1)).val)
    again = album_report(held_out, encoder.encode_images, encoder.encode_texts, encoder.image_size)
    for key, value in a2.items():
        assert abs(again.recall[key].r1 - value.r1) <= 0.02 and abs(again.recall[key].r10 - value.r10) <= 0.02, key
