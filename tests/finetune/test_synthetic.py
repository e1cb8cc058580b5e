"""The synthetic album generator: determinism, languages, caption structure, and "differs only late" pairs."""

from __future__ import annotations

import difflib
import json
import random
import re
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from finetune.album import Album, AlbumConfig
from finetune.captions import CaptionSource, short_caption
from finetune.language import detect_language
from finetune.synthetic import (
    COLOURS,
    MANIFEST_NAME,
    Detail,
    SyntheticScene,
    make_album,
    make_pair,
    object_box,
    random_scene,
    render,
)
from finetune.synthetic_captions import LANGUAGES
from photosearch.errors import InvalidInput

EASY = AlbumConfig(val_fraction=0.5, min_photos=1, min_val_photos=0, min_train_photos=0)


def sentences(text: str, lang: str) -> list[str]:
    if lang == "zh":
        return [s + "。" for s in text.split("。") if s]
    return re.split(r"(?<=[.!?]) ", text)


def tokens(text: str, lang: str) -> list[str]:
    return list(text) if lang == "zh" else text.split(" ")


def test_deterministic_for_a_seed(tmp_path: Path) -> None:
    a = make_album(tmp_path / "a", 6, seed=7, pairs=1)
    b = make_album(tmp_path / "b", 6, seed=7, pairs=1)
    c = make_album(tmp_path / "c", 6, seed=8, pairs=1)
    assert [s.long_caption() for s in a] == [s.long_caption() for s in b]
    assert [s.long_caption() for s in a] != [s.long_caption() for s in c]
    for sa, sb in zip(a, b):
        assert sa.path is not None and sb.path is not None
        assert sa.path.read_bytes() == sb.path.read_bytes()
    assert (tmp_path / "a" / MANIFEST_NAME).read_bytes() == (tmp_path / "b" / MANIFEST_NAME).read_bytes()


def test_album_files_languages_and_manifest(tmp_path: Path) -> None:
    scenes = make_album(tmp_path, 10, seed=1, languages=LANGUAGES)
    assert {s.lang for s in scenes} == set(LANGUAGES)
    assert sorted(p.name for p in tmp_path.glob("*.jpg")) == [f"scene_{i:04d}.jpg" for i in range(10)]
    records = [json.loads(line) for line in (tmp_path / MANIFEST_NAME).read_text(encoding="utf-8").splitlines()]
    assert [r["path"] for r in records] == [f"scene_{i:04d}.jpg" for i in range(10)]
    for scene, rec in zip(scenes, records):
        assert scene.path is not None
        assert rec == {
            "path": scene.path.name,
            "caption": scene.long_caption(),
            "short_caption": scene.short_caption(),
            "lang": scene.lang,
        }
        assert scene.path.with_suffix(".txt").read_text(encoding="utf-8") == scene.long_caption() + "\n"
        with Image.open(scene.path) as im:
            assert (im.format, im.size) == ("JPEG", (128, 128))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_caption_structure(lang: str) -> None:
    rng = random.Random(3)
    for _ in range(20):
        scene = random_scene(rng, lang)
        long, short = scene.long_caption(), scene.short_caption()
        parts = sentences(long, lang)
        assert 3 <= len(parts) <= 5 and len(parts) == len(scene.objects) + 1
        assert parts[0] == short == short_caption(long)  # the album derives the same short caption
        assert detect_language(long) == lang
        assert scene.salient.size == "large" and all(o.size == "small" for o in scene.objects[1:])
        assert len({o.position for o in scene.objects}) == len(scene.objects)
        assert scene.background not in {o.colour for o in scene.objects}
        if lang == "en":
            for obj, sentence in zip([scene.objects[i] for i in scene.order], parts):
                assert f"{obj.size} {obj.colour} {obj.shape}" in sentence
            others = {o.colour for o in scene.objects[1:]} | {scene.background}
            assert not any(re.search(rf"\b{c}\b", short) for c in others)  # the short one names only the salient object
            assert re.search(rf"\b{scene.background}\b", parts[-1])


def test_object_order_is_shuffled() -> None:
    rng = random.Random(0)
    orders = {random_scene(rng, "en", (4, 4)).order for _ in range(40)}
    assert all(o[0] == 0 for o in orders) and len(orders) > 3


@pytest.mark.parametrize("detail", list(Detail))
@pytest.mark.parametrize("lang", LANGUAGES)
def test_pairs_differ_only_late_in_one_detail(lang: str, detail: Detail) -> None:
    rng = random.Random(11)
    for _ in range(5):
        a, b = make_pair(rng, lang, detail)
        # The scenes: everything equal but the one attribute of the last-described object.
        i = a.order[-1]
        assert (a.background, a.order, a.style) == (b.background, b.order, b.style)
        assert [o for k, o in enumerate(a.objects) if k != i] == [o for k, o in enumerate(b.objects) if k != i]
        attr = detail.value
        assert getattr(a.objects[i], attr) != getattr(b.objects[i], attr)
        assert {
            f for f in ("shape", "colour", "size", "position") if getattr(a.objects[i], f) != getattr(b.objects[i], f)
        } == {attr}
        # The captions: equal short ones; long ones differ in one span, inside the second-to-last sentence.
        assert a.short_caption() == b.short_caption()
        la, lb = a.long_caption(), b.long_caption()
        assert la != lb
        ta, tb = tokens(la, lang), tokens(lb, lang)
        ops = [op for op in difflib.SequenceMatcher(a=ta, b=tb, autojunk=False).get_opcodes() if op[0] != "equal"]
        start, end = ops[0][1], ops[-1][2]
        late = sentences(la, lang)[:-2]
        assert start >= len(tokens(" ".join(late) if lang != "zh" else "".join(late), lang))
        assert sentences(la, lang)[-1] == sentences(lb, lang)[-1]
        assert end <= len(ta) - len(tokens(sentences(la, lang)[-1], lang))
        if lang == "en":
            assert start >= 20  # beyond what a first-20-words short caption reads
        # The pixels: equal outside the changed object's box (plus JPEG's 16 px blocks), different inside.
        ia, ib = render(a), render(b)
        box = object_box(a.objects[i])
        diff = ImageChops.difference(ia, ib)
        assert diff.crop(box).getbbox() is not None
        blank = diff.copy()
        blank.paste((0, 0, 0), box)
        assert blank.getbbox() is None


def test_pair_files_differ_only_near_the_object(tmp_path: Path) -> None:
    scenes = make_album(tmp_path, 0, seed=5, pairs=2, languages=("en", "zh"))
    assert [s.path.name for s in scenes if s.path] == [
        "pair_000_a.jpg",
        "pair_000_b.jpg",
        "pair_001_a.jpg",
        "pair_001_b.jpg",
    ]
    records = [json.loads(line) for line in (tmp_path / MANIFEST_NAME).read_text(encoding="utf-8").splitlines()]
    assert [r["pair"] for r in records] == [0, 0, 1, 1]
    a, b = scenes[0], scenes[1]
    assert a.path is not None and b.path is not None
    with Image.open(a.path) as ia, Image.open(b.path) as ib:
        diff = ImageChops.difference(ia.convert("RGB"), ib.convert("RGB"))
    x0, y0, x1, y1 = object_box(a.objects[a.order[-1]])
    near = (x0 // 16 * 16 - 16, y0 // 16 * 16 - 16, (x1 + 31) // 16 * 16, (y1 + 31) // 16 * 16)
    assert diff.crop(near).getbbox() is not None
    diff.paste((0, 0, 0), near)
    assert diff.getbbox() is None


def test_album_loads_the_same_from_sidecars_and_manifest(tmp_path: Path) -> None:
    make_album(tmp_path, 12, seed=2, languages=LANGUAGES, pairs=2)
    from_folder = Album.load(tmp_path, EASY)
    from_manifest = Album.load(tmp_path / MANIFEST_NAME, EASY)
    assert {i.source for i in from_folder.items} == {CaptionSource.TEXT_SIDECAR}
    key = lambda album: [(i.path, i.caption, i.short_caption, i.lang, i.split) for i in album.items]
    assert key(from_folder) == key(from_manifest)
    assert set(from_folder.languages()) == set(LANGUAGES)


def test_bad_arguments() -> None:
    with pytest.raises(InvalidInput):
        random_scene(random.Random(0), "xx")
    with pytest.raises(InvalidInput):
        make_pair(random.Random(0), "en", n_objects=(2, 4))
    with pytest.raises(InvalidInput):
        random_scene(random.Random(0), "en", (0, 9))


def test_scene_captions_in_other_languages() -> None:
    scene: SyntheticScene = random_scene(random.Random(4), "en")
    assert detect_language(scene.long_caption("de")) == "de" and detect_language(scene.long_caption("zh")) == "zh"
    assert set(COLOURS) >= {o.colour for o in scene.objects}


def test_bursts_share_the_first_sentence_and_differ_in_the_details(tmp_path: Path) -> None:
    scenes = make_album(tmp_path, 12, seed=4, languages=("en",), size=32, n_objects=(3, 3), burst=4,
                        manifest=False)
    for start in range(0, 12, 4):
        burst = scenes[start:start + 4]
        assert len({s.short_caption() for s in burst}) == 1  # the same large object and wording
        assert len({s.background for s in burst}) == 1
        assert len({s.long_caption() for s in burst}) == 4  # ...but every photo's paragraph differs
        for scene in burst:
            colours = [scene.background, *(o.colour for o in scene.objects)]
            assert len(set(colours)) == len(colours)
    assert scenes[0].salient != scenes[4].salient or scenes[0].background != scenes[4].background
    with pytest.raises(InvalidInput, match="burst"):
        make_album(tmp_path / "x", 2, burst=0)
