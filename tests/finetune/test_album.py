"""Albums: loading folders and manifests, the content-hash split, and every error an album can raise."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from finetune.album import (
    Album,
    AlbumConfig,
    AlbumItem,
    AlbumKind,
    SkipReason,
    Split,
    check_disjoint,
    find_photos,
    split_for,
)
from finetune.captions import CaptionSource
from photosearch.errors import AlbumError, InvalidInput
from photosearch.hashing import quick_hash
from tests.finetune.caption_files import caption_jpeg
from tests.photo_tree import PALETTE, make_photo, make_textured_jpeg, make_truncated

EASY = AlbumConfig(val_fraction=0.5, min_photos=1, min_val_photos=0, min_train_photos=0)
COLOURS = sorted(PALETTE)


def photo(path: Path, i: int, caption: str | None = None) -> Path:
    """A photo whose content is unique to `i`, with an optional .txt sidecar."""
    p = make_photo(path, COLOURS[i % len(COLOURS)], (48 + i, 40), shape="circle")
    if caption is not None:
        p.with_suffix(".txt").write_text(caption, encoding="utf-8")
    return p


def album_folder(root: Path, n: int, start: int = 0) -> list[Path]:
    return [
        photo(root / f"p{i:03d}.jpg", i, f"Photo number {i} shows a dog on the beach. It is sunny.")
        for i in range(start, start + n)
    ]


def message(e: pytest.ExceptionInfo[BaseException]) -> str:
    msg = str(e.value)
    assert msg and "\n" not in msg
    assert isinstance(e.value, AlbumError) and isinstance(e.value, InvalidInput)
    return msg


# --------------------------------------------------------------------------- loading


def test_folder_album_reads_every_source_recursively_and_skips_hidden(tmp_path: Path) -> None:
    photo(tmp_path / "2021" / "a.jpg", 1, "A red kite over the dunes. Gulls circle above it.")
    caption_jpeg(
        tmp_path / "2021" / "deep" / "b.jpg", description="Ein Hund liegt auf dem Sofa und schläft.".encode()
    )
    photo(tmp_path / "c.png", 2, "海边有一只红色的风筝。天空是蓝色的。")
    photo(tmp_path / ".thumbnails" / "d.jpg", 3, "hidden folder")
    photo(tmp_path / ".e.jpg", 4, "hidden file")
    (tmp_path / "notes.txt").write_text("not a photo")
    album = Album.load(tmp_path, EASY)
    assert album.kind is AlbumKind.FOLDER and album.root == tmp_path
    assert [i.path.relative_to(tmp_path).as_posix() for i in album.items] == ["2021/a.jpg", "2021/deep/b.jpg", "c.png"]
    a, b, c = album.items
    assert (a.caption, a.short_caption, a.lang, a.source) == (
        "A red kite over the dunes. Gulls circle above it.",
        "A red kite over the dunes.",
        "en",
        CaptionSource.TEXT_SIDECAR,
    )
    assert (b.short_caption, b.lang, b.source) == (
        "Ein Hund liegt auf dem Sofa und schläft.",
        "de",
        CaptionSource.EXIF_DESCRIPTION,
    )
    assert (c.short_caption, c.lang) == ("海边有一只红色的风筝。", "zh")
    assert all(i.content_hash == quick_hash(i.path) for i in album.items)
    assert album.skipped == ()
    assert album.languages() == {"en": 1, "de": 1, "zh": 1}
    assert find_photos(tmp_path) == [i.path for i in album.items]


def test_manifest_album_keeps_its_short_captions_and_languages(tmp_path: Path) -> None:
    photo(tmp_path / "photos" / "a.jpg", 1)
    photo(tmp_path / "b.jpg", 2)
    m = tmp_path / "meta" / "album.jsonl"
    m.parent.mkdir()
    rows = [
        {"path": "../photos/a.jpg", "caption": "A dog. On a sofa.", "short_caption": "Dog on sofa", "lang": "en"},
        {"path": str(tmp_path / "b.jpg"), "caption": "Ein Hund auf dem Sofa. Er schläft."},
        {"path": "../photos/a.jpg", "caption": "Un chien sur le canapé.", "lang": "fr"},
    ]
    m.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    album = Album.load(m, EASY)
    assert album.kind is AlbumKind.MANIFEST
    assert [(i.short_caption, i.lang, i.source) for i in album.items] == [
        ("Ein Hund auf dem Sofa.", "de", CaptionSource.MANIFEST),
        ("Dog on sofa", "en", CaptionSource.MANIFEST),
        ("Un chien sur le canapé.", "fr", CaptionSource.MANIFEST),
    ]
    assert album.photo_count() == 2 and len(album.items) == 3
    # Two captions of one photo are two items with one content, hence one split.
    same = [i for i in album.items if i.path.name == "a.jpg"]
    assert len({i.split for i in same}) == 1


# --------------------------------------------------------------------------- the split


def test_split_is_deterministic_by_content_and_stable_when_photos_are_added(tmp_path: Path) -> None:
    album_folder(tmp_path, 24)
    first = Album.load(tmp_path, EASY)
    again = Album.load(tmp_path, EASY)
    assert [(i.path, i.split) for i in first.items] == [(i.path, i.split) for i in again.items]
    assert all(i.split is split_for(quick_hash(i.path), 0.5) for i in first.items)
    assert first.train and first.val  # 24 photos at 0.5: both splits hold some (fails with p = 2**-23)
    album_folder(tmp_path, 10, start=24)
    grown = {i.path: i.split for i in Album.load(tmp_path, EASY).items}
    assert all(grown[i.path] is i.split for i in first.items)


def test_split_for_thresholds() -> None:
    assert split_for("0" * 64, 0.1) is Split.VAL
    assert split_for("f" * 64, 0.9) is Split.TRAIN
    assert split_for("8" + "0" * 63, 0.5) is Split.TRAIN
    assert split_for("7" + "f" * 63, 0.5) is Split.VAL
    assert split_for("0" * 64, 0.0) is Split.TRAIN


def test_copies_always_share_a_split(tmp_path: Path) -> None:
    originals = album_folder(tmp_path / "a", 12)
    for i, src in enumerate(originals):
        dst = tmp_path / "b" / "copies" / f"copy_{i}.jpg"
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        dst.with_suffix(".txt").write_text(f"A different caption for copy {i}. With more words.", encoding="utf-8")
    album = Album.load(tmp_path, AlbumConfig(val_fraction=0.5, min_val_photos=0, min_train_photos=0))
    assert len(album.items) == 24 and album.photo_count() == 12
    by_hash: dict[str, set[Split]] = {}
    for item in album.items:
        by_hash.setdefault(item.content_hash, set()).add(item.split)
    assert all(len(s) == 1 for s in by_hash.values())
    check_disjoint(album.train, album.val)


def test_manifest_split_column_overrides_the_hash_for_all_copies(tmp_path: Path) -> None:
    a = photo(tmp_path / "a.jpg", 1)
    shutil.copyfile(a, tmp_path / "a_copy.jpg")
    photo(tmp_path / "b.jpg", 2)
    hash_split = split_for(quick_hash(a), 0.5)
    forced = Split.TRAIN if hash_split is Split.VAL else Split.VAL
    m = tmp_path / "m.csv"
    m.write_text(
        f"path,caption,split\na.jpg,A dog.,{forced.value}\n"
        "a_copy.jpg,The same dog with another caption.,\nb.jpg,A cat.,\n",
        encoding="utf-8",
    )
    album = Album.load(m, EASY)
    assert {i.path.name: i.split for i in album.items if i.path.name.startswith("a")} == {
        "a.jpg": forced,
        "a_copy.jpg": forced,
    }


def test_manifest_putting_copies_in_both_splits_is_an_error(tmp_path: Path) -> None:
    a = photo(tmp_path / "a.jpg", 1)
    shutil.copyfile(a, tmp_path / "a_copy.jpg")
    m = tmp_path / "m.jsonl"
    m.write_text(
        '{"path": "a.jpg", "caption": "A dog.", "split": "train"}\n'
        '{"path": "a_copy.jpg", "caption": "Another caption.", "split": "val"}\n',
        encoding="utf-8",
    )
    with pytest.raises(AlbumError) as e:
        Album.load(m, EASY)
    msg = message(e)
    assert "both splits" in msg and "line 1 (a.jpg) says train" in msg and "line 2 (a_copy.jpg) says val" in msg


def test_check_disjoint_names_an_example(tmp_path: Path) -> None:
    def item(name: str, h: str, split: Split) -> AlbumItem:
        return AlbumItem(tmp_path / name, "c", "c", "en", CaptionSource.MANIFEST, h, split)

    check_disjoint([item("a.jpg", "1" * 64, Split.TRAIN)], [item("b.jpg", "2" * 64, Split.VAL)])
    with pytest.raises(AlbumError) as e:
        check_disjoint([item("a.jpg", "1" * 64, Split.TRAIN)], [item("copy.jpg", "1" * 64, Split.VAL)])
    msg = message(e)
    assert "a.jpg" in msg and "copy.jpg" in msg and "same split" in msg


# --------------------------------------------------------------------------- errors


def test_uncaptioned_photos(tmp_path: Path) -> None:
    album_folder(tmp_path, 10)
    for i in range(5):
        make_photo(tmp_path / "bare" / f"u{i}.jpg", COLOURS[i], (30 + i, 30))
    with pytest.raises(AlbumError) as e:
        Album.load(tmp_path)
    msg = message(e)
    assert msg.startswith("5 of 15 photos in ")
    assert "bare/u0.jpg, bare/u1.jpg, bare/u2.jpg, ..." in msg and "u3.jpg" not in msg
    for source in (".txt sidecar", "XMP dc:description", "EXIF ImageDescription", "UserComment", "IPTC", "manifest"):
        assert source in msg
    assert "strict=False" in msg


def test_unreadable_photos(tmp_path: Path) -> None:
    album_folder(tmp_path, 10)
    src = make_textured_jpeg(tmp_path / "src.jpg")
    make_truncated(src, tmp_path / "broken" / "cut.jpg", 0.3)
    src.unlink()
    (tmp_path / "broken" / "notes.jpg").write_text("These are my holiday notes, not a photo.\n")
    (tmp_path / "broken" / "empty.jpg").write_bytes(b"")
    for p in (tmp_path / "broken").iterdir():
        p.with_suffix(".txt").write_text("Captioned but unreadable.", encoding="utf-8")
    with pytest.raises(AlbumError) as e:
        Album.load(tmp_path)  # headers only: the cut-off JPEG still has its header
    msg = message(e)
    assert msg.startswith("2 photos in ") and "cannot be read" in msg
    assert "broken/empty.jpg: empty file" in msg and "broken/notes.jpg: not an image" in msg
    assert "strict=False" in msg and "cut.jpg" not in msg
    with pytest.raises(AlbumError) as e:
        Album.load(tmp_path, AlbumConfig(verify_pixels=True))
    msg = message(e)
    assert msg.startswith("3 photos in ") and "broken/cut.jpg: truncated" in msg


def test_bad_caption_file(tmp_path: Path) -> None:
    album_folder(tmp_path, 10)
    p = photo(tmp_path / "latin1.jpg", 40)
    p.with_suffix(".txt").write_bytes("Grüße".encode("cp1252"))
    with pytest.raises(AlbumError) as e:
        Album.load(tmp_path)
    msg = message(e)
    assert "1 photo has a caption file that cannot be used" in msg and "latin1.txt" in msg and "UTF-8" in msg


def test_too_small(tmp_path: Path) -> None:
    album_folder(tmp_path, 7)
    with pytest.raises(AlbumError) as e:
        Album.load(tmp_path)
    msg = message(e)
    assert "has 7 captioned photos" in msg and "at least 8" in msg
    assert Album.load(tmp_path, AlbumConfig(min_photos=7, val_fraction=0.99, min_train_photos=0)).photo_count() == 7


def test_too_small_counts_distinct_photos_not_captions(tmp_path: Path) -> None:
    src = photo(tmp_path / "a.jpg", 1, "A dog.")
    for i in range(9):
        shutil.copyfile(src, tmp_path / f"copy{i}.jpg")
        (tmp_path / f"copy{i}.txt").write_text(f"Caption {i}.", encoding="utf-8")
    with pytest.raises(AlbumError) as e:
        Album.load(tmp_path)
    assert "has 1 captioned photo;" in message(e)


def test_empty_validation_split(tmp_path: Path) -> None:
    album_folder(tmp_path, 9)
    with pytest.raises(AlbumError) as e:
        Album.load(tmp_path, AlbumConfig(val_fraction=0.0))
    msg = message(e)
    assert "0 photos in the validation split" in msg and "val_fraction 0" in msg and "raise val_fraction" in msg


def test_empty_training_split(tmp_path: Path) -> None:
    album_folder(tmp_path, 9)
    with pytest.raises(AlbumError) as e:
        Album.load(tmp_path, AlbumConfig(val_fraction=0.999999, min_val_photos=0))
    assert "0 photos in the training split" in message(e)


def test_manifest_with_missing_files(tmp_path: Path) -> None:
    album_folder(tmp_path, 9)
    lines = [f"p{i:03d}.jpg,Photo {i}." for i in range(9)] + [
        "gone/x.jpg,Lost.",
        "gone/y.jpg,Lost too.",
        "gone/x.jpg,Again.",
    ]
    m = tmp_path / "album.csv"
    m.write_text("path,caption\n" + "\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(AlbumError) as e:
        Album.load(m, EASY)
    msg = message(e)
    assert "album.csv lists 2 photos that do not exist (gone/x.jpg, gone/y.jpg)" in msg
    assert "manifest's folder" in msg and "strict=False" in msg


def test_manifest_with_empty_captions(tmp_path: Path) -> None:
    album_folder(tmp_path, 3)
    m = tmp_path / "m.jsonl"
    m.write_text(
        '{"path": "p000.jpg", "caption": "A dog."}\n{"path": "p001.jpg", "caption": ""}\n'
        '{"path": "p002.jpg", "caption": "   "}\n',
        encoding="utf-8",
    )
    with pytest.raises(AlbumError) as e:
        Album.load(m, EASY)
    msg = message(e)
    assert "2 of 3 entries in the manifest" in msg and "p001.jpg, p002.jpg" in msg and "'caption'" in msg


def test_no_album_at_the_path(tmp_path: Path) -> None:
    with pytest.raises(AlbumError) as e:
        Album.load(tmp_path / "nowhere")
    assert "no folder or manifest" in message(e)
    with pytest.raises(AlbumError) as e:
        Album.load(photo(tmp_path / "a.jpg", 1))
    assert "is a photo, not an album" in message(e)


def test_folder_without_photos(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hi")
    photo(tmp_path / ".hidden" / "a.jpg", 1, "A dog.")
    with pytest.raises(AlbumError) as e:
        Album.load(tmp_path)
    msg = message(e)
    assert "No photos found" in msg and ".jpg" in msg


@pytest.mark.parametrize("kwargs", [{"val_fraction": 1.0}, {"val_fraction": -0.1}, {"min_photos": -1}, {"examples": 0}])
def test_config_is_validated(kwargs: dict[str, float]) -> None:
    with pytest.raises(AlbumError) as e:
        AlbumConfig(**kwargs)  # type: ignore[arg-type]
    message(e)


# --------------------------------------------------------------------------- strict=False


def test_lenient_loading_skips_and_counts(tmp_path: Path) -> None:
    album_folder(tmp_path, 10)
    for i in range(4):
        make_photo(tmp_path / f"bare{i}.jpg", COLOURS[i], (20 + i, 20))
    (tmp_path / "notes.jpg").write_text("not a photo")
    (tmp_path / "notes.txt").write_text("Captioned text file that is not a photo.", encoding="utf-8")
    bad = photo(tmp_path / "latin1.jpg", 50)
    bad.with_suffix(".txt").write_bytes("Grüße".encode("cp1252"))
    album = Album.load(tmp_path, AlbumConfig(val_fraction=0.5), strict=False)
    assert album.photo_count() == 10
    assert album.skipped_counts() == {
        SkipReason.UNREADABLE: 1,
        SkipReason.BAD_CAPTION_FILE: 1,
        SkipReason.UNCAPTIONED: 4,
    }
    assert {s.path.name for s in album.skipped if s.reason is SkipReason.UNCAPTIONED} == {
        f"bare{i}.jpg" for i in range(4)
    }
    unreadable = next(s for s in album.skipped if s.reason is SkipReason.UNREADABLE)
    assert unreadable.path.name == "notes.jpg" and "not an image" in unreadable.detail
    summary = album.summary()
    assert "skipped 6 (1 unreadable, 1 bad caption file, 4 uncaptioned)" in summary and "\n" not in summary


def test_lenient_manifest_skips_missing_files(tmp_path: Path) -> None:
    album_folder(tmp_path, 8)
    rows = [{"path": f"p{i:03d}.jpg", "caption": f"Photo {i}."} for i in range(8)] + [
        {"path": "gone.jpg", "caption": "x"}
    ]
    m = tmp_path / "m.jsonl"
    m.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    album = Album.load(m, AlbumConfig(val_fraction=0.5, min_val_photos=0, min_train_photos=0), strict=False)
    assert len(album.items) == 8 and album.skipped_counts() == {SkipReason.MISSING: 1}


def test_lenient_loading_still_fails_when_too_little_is_left(tmp_path: Path) -> None:
    album_folder(tmp_path, 5)
    for i in range(5):
        make_photo(tmp_path / f"bare{i}.jpg", COLOURS[i], (20 + i, 20))
    with pytest.raises(AlbumError) as e:
        Album.load(tmp_path, strict=False)
    msg = message(e)
    assert "has 5 captioned photos (5 skipped: 5 uncaptioned)" in msg and "at least 8" in msg
