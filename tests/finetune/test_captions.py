"""Captions from every source `finetune.captions` reads, their precedence, manifests and short captions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import PngImagePlugin

from finetune.captions import CaptionSource, Split, read_captions, read_text_sidecar, short_caption
from finetune.manifest import read_manifest
from finetune.metadata_captions import read_exif_captions, read_iptc_caption, read_xmp_description
from photosearch.errors import AlbumError, InvalidInput, PhotoSearchError
from tests.finetune.caption_files import caption_jpeg, xmp_packet
from tests.photo_tree import draw_photo, make_photo


def one_line(e: pytest.ExceptionInfo[BaseException]) -> str:
    msg = str(e.value)
    assert "\n" not in msg and msg
    assert isinstance(e.value, PhotoSearchError) and isinstance(e.value, InvalidInput)
    return msg


# --------------------------------------------------------------------------- text sidecars


def test_sidecar_with_full_name_wins_over_stem(tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "IMG_1.jpg", "red")
    (tmp_path / "IMG_1.txt").write_text("from the stem sidecar", encoding="utf-8")
    c = read_captions(photo)
    assert c is not None and c.long == "from the stem sidecar" and c.origin == tmp_path / "IMG_1.txt"
    (tmp_path / "IMG_1.jpg.txt").write_text("from the full-name sidecar", encoding="utf-8")
    c = read_captions(photo)
    assert c is not None
    assert (c.long, c.short, c.source) == ("from the full-name sidecar", None, CaptionSource.TEXT_SIDECAR)
    assert c.origin == tmp_path / "IMG_1.jpg.txt"


@pytest.mark.parametrize(
    "data",
    [
        "Ein Hund am Strand. Möwen über ihm.".encode(),
        b"\xef\xbb\xbf" + "Ein Hund am Strand. Möwen über ihm.".encode(),
        "\ufeffEin Hund am Strand. Möwen über ihm.".encode("utf-16-le"),
        "\ufeffEin Hund am Strand. Möwen über ihm.".encode("utf-16-be"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom"],
)
def test_sidecar_encodings(tmp_path: Path, data: bytes) -> None:
    photo = make_photo(tmp_path / "a.jpg", "red")
    (tmp_path / "a.txt").write_bytes(data)
    assert read_text_sidecar(photo)[0] == "Ein Hund am Strand. Möwen über ihm."


def test_sidecar_first_paragraph_lines_joined(tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "a.jpg", "red")
    (tmp_path / "a.txt").write_bytes(b"\r\n  \r\nA red kite\r\nover the dunes.  \r\n\r\nnotes: scan 2, print later\r\n")
    assert read_captions(photo).long == "A red kite over the dunes."  # type: ignore[union-attr]


def test_blank_sidecar_falls_through_to_metadata(tmp_path: Path) -> None:
    photo = caption_jpeg(tmp_path / "a.jpg", description="Described in EXIF")
    (tmp_path / "a.txt").write_text(" \n\n \n", encoding="utf-8")
    c = read_captions(photo)
    assert c is not None and c.source is CaptionSource.EXIF_DESCRIPTION


def test_sidecar_not_utf8_is_an_album_error(tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "a.jpg", "red")
    (tmp_path / "a.txt").write_bytes("Grüße aus Köln".encode("cp1252"))
    with pytest.raises(AlbumError) as e:
        read_captions(photo)
    msg = one_line(e)
    assert "a.txt" in msg and "UTF-8" in msg


def test_sidecar_utf16_without_bom_is_an_album_error(tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "a.jpg", "red")
    (tmp_path / "a.txt").write_bytes("A dog".encode("utf-16-le"))
    with pytest.raises(AlbumError) as e:
        read_captions(photo)
    assert "byte-order mark" in one_line(e)


# --------------------------------------------------------------------------- XMP


def test_embedded_xmp_takes_x_default(tmp_path: Path) -> None:
    photo = caption_jpeg(
        tmp_path / "a.jpg", xmp=xmp_packet({"de-DE": "Ein Hund", "x-default": "A dog & a cat <3", "fr": "Un chien"})
    )
    assert read_xmp_description(photo) == "A dog & a cat <3"
    c = read_captions(photo)
    assert c is not None and (c.long, c.source, c.origin) == ("A dog & a cat <3", CaptionSource.XMP, photo)


def test_embedded_xmp_without_x_default_takes_first(tmp_path: Path) -> None:
    photo = caption_jpeg(tmp_path / "a.jpg", xmp=xmp_packet({"de-DE": "Ein Hund", "fr": "Un chien"}))
    assert read_xmp_description(photo) == "Ein Hund"


def test_embedded_xmp_attribute_form(tmp_path: Path) -> None:
    photo = caption_jpeg(tmp_path / "a.jpg", xmp=xmp_packet('Quotes "here"', attribute=True))
    assert read_xmp_description(photo) == 'Quotes "here"'


def test_xmp_found_by_byte_scan_in_png(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp_packet("海边的红色风筝").decode("utf-8"))
    p = tmp_path / "a.png"
    draw_photo("blue", (40, 30)).save(p, "PNG", pnginfo=info)
    assert read_xmp_description(p) == "海边的红色风筝"


def test_broken_or_hostile_embedded_xmp_is_ignored(tmp_path: Path) -> None:
    broken = caption_jpeg(
        tmp_path / "broken.jpg",
        xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF></x:xmpmeta>",
        description="EXIF one",
    )
    c = read_captions(broken)
    assert c is not None and c.source is CaptionSource.EXIF_DESCRIPTION
    # An entity defined in a DTD before the packet must not expand inside it (billion-laughs style).
    hostile = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + xmp_packet("ENTITY").replace(b"ENTITY", b"&a;&a;")
    photo = caption_jpeg(tmp_path / "hostile.jpg", xmp=hostile)
    assert read_captions(photo) is None


@pytest.mark.parametrize("name", ["IMG_1.xmp", "IMG_1.jpg.xmp"])
def test_xmp_sidecar_beats_embedded(tmp_path: Path, name: str) -> None:
    photo = caption_jpeg(tmp_path / "IMG_1.jpg", xmp=xmp_packet("embedded"))
    (tmp_path / name).write_bytes(xmp_packet("from the sidecar"))
    c = read_captions(photo)
    assert c is not None and (c.long, c.source, c.origin) == (
        "from the sidecar",
        CaptionSource.XMP_SIDECAR,
        tmp_path / name,
    )


def test_xmp_sidecar_without_description_falls_through(tmp_path: Path) -> None:
    photo = caption_jpeg(tmp_path / "IMG_1.jpg", xmp=xmp_packet("embedded"))
    (tmp_path / "IMG_1.xmp").write_bytes(xmp_packet({}))
    c = read_captions(photo)
    assert c is not None and (c.long, c.source) == ("embedded", CaptionSource.XMP)


def test_bare_rdf_xmp_sidecar(tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "IMG_1.jpg", "red")
    rdf = xmp_packet("bare rdf").split(b'x:xmptk="test">', 1)[1].split(b"</x:xmpmeta>")[0]
    (tmp_path / "IMG_1.xmp").write_bytes(rdf)
    c = read_captions(photo)
    assert c is not None and (c.long, c.source) == ("bare rdf", CaptionSource.XMP_SIDECAR)


def test_xmp_sidecar_with_a_dtd_is_refused(tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "IMG_1.jpg", "red")
    (tmp_path / "IMG_1.xmp").write_bytes(b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + xmp_packet("x"))
    with pytest.raises(AlbumError) as e:
        read_captions(photo)
    assert "DTD" in one_line(e)


def test_broken_xmp_sidecar_is_an_album_error(tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "IMG_1.jpg", "red")
    (tmp_path / "IMG_1.xmp").write_bytes(b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><oops></x:xmpmeta>")
    with pytest.raises(AlbumError) as e:
        read_captions(photo)
    msg = one_line(e)
    assert "IMG_1.xmp" in msg and "not valid XML" in msg


# --------------------------------------------------------------------------- EXIF


def test_exif_image_description_utf8(tmp_path: Path) -> None:
    photo = caption_jpeg(tmp_path / "a.jpg", description="Grüße aus Köln, 你好".encode())
    assert read_exif_captions(photo) == ("Grüße aus Köln, 你好", None)
    c = read_captions(photo)
    assert c is not None and c.source is CaptionSource.EXIF_DESCRIPTION


def test_exif_camera_placeholder_is_no_caption(tmp_path: Path) -> None:
    photo = caption_jpeg(
        tmp_path / "a.jpg", description="OLYMPUS DIGITAL CAMERA         ", user_comment=b"ASCII\0\0\0Kite on the beach"
    )
    assert read_exif_captions(photo) == (None, "Kite on the beach")
    c = read_captions(photo)
    assert c is not None and (c.long, c.source) == ("Kite on the beach", CaptionSource.EXIF_USER_COMMENT)
    assert read_exif_captions(caption_jpeg(tmp_path / "b.jpg", description="SONY DSC"))[0] is None
    real = "My grandfather with his digital camera at the lake"
    assert read_exif_captions(caption_jpeg(tmp_path / "c.jpg", description=real))[0] == real


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"ASCII\0\0\0A dog on a red sofa\0\0", "A dog on a red sofa"),
        (b"UNICODE\0" + "Ein Hund, 狗".encode("utf-16-be"), "Ein Hund, 狗"),  # the EXIF block's byte order
        (b"UNICODE\0" + "Ein Hund, 狗".encode("utf-16-le"), "Ein Hund, 狗"),  # written the other way round
        (b"UNICODE\0" + "\ufeff赤い凧".encode("utf-16-le"), "赤い凧"),
        (b"JIS\0\0\0\0\0" + "赤い凧と海".encode("iso2022_jp"), "赤い凧と海"),
        (b"JIS\0\0\0\0\0" + "赤い凧と海".encode("shift_jis"), "赤い凧と海"),
        (b"\0" * 8 + "Café au lait".encode(), "Café au lait"),
        (b"\0" * 8 + b"\0" * 20, None),
        (b"Plain text straight in", "Plain text straight in"),
    ],
    ids=[
        "ascii",
        "unicode-be",
        "unicode-le",
        "unicode-bom",
        "jis-iso2022",
        "jis-sjis",
        "undefined",
        "empty",
        "no-prefix",
    ],
)
def test_exif_user_comment_charsets(tmp_path: Path, raw: bytes, text: str | None) -> None:
    photo = caption_jpeg(tmp_path / "a.jpg", user_comment=raw)
    assert read_exif_captions(photo) == (None, text)


# --------------------------------------------------------------------------- IPTC


def test_iptc_caption_utf8(tmp_path: Path) -> None:
    photo = caption_jpeg(tmp_path / "a.jpg", iptc="Заход солнца над морем".encode())
    assert read_iptc_caption(photo) == "Заход солнца над морем"
    c = read_captions(photo)
    assert c is not None and (c.long, c.source) == ("Заход солнца над морем", CaptionSource.IPTC)


def test_iptc_caption_legacy_latin1(tmp_path: Path) -> None:
    photo = caption_jpeg(tmp_path / "a.jpg", iptc="Café à Paris".encode("cp1252"), iptc_utf8=False)
    assert read_iptc_caption(photo) == "Café à Paris"


def test_no_caption_anywhere(tmp_path: Path) -> None:
    assert read_captions(make_photo(tmp_path / "a.jpg", "red", taken_at="2021:06:15 14:30:05")) is None
    assert read_captions(make_photo(tmp_path / "b.png", "red")) is None
    bogus = tmp_path / "c.jpg"
    bogus.write_bytes(b"not an image")
    assert read_captions(bogus) is None


# --------------------------------------------------------------------------- precedence


def test_precedence_of_every_source(tmp_path: Path) -> None:
    photo = caption_jpeg(
        tmp_path / "IMG_1.jpg",
        xmp=xmp_packet("xmp"),
        description="exif description",
        user_comment=b"ASCII\0\0\0comment",
        iptc=b"iptc",
    )
    (tmp_path / "IMG_1.xmp").write_bytes(xmp_packet("xmp sidecar"))
    (tmp_path / "IMG_1.jpg.txt").write_text("text sidecar", encoding="utf-8")

    def source() -> tuple[str, CaptionSource]:
        c = read_captions(photo)
        assert c is not None
        return c.long, c.source

    assert source() == ("text sidecar", CaptionSource.TEXT_SIDECAR)
    (tmp_path / "IMG_1.jpg.txt").unlink()
    assert source() == ("xmp sidecar", CaptionSource.XMP_SIDECAR)
    (tmp_path / "IMG_1.xmp").unlink()
    assert source() == ("xmp", CaptionSource.XMP)
    caption_jpeg(photo, description="exif description", user_comment=b"ASCII\0\0\0comment", iptc=b"iptc")
    assert source() == ("exif description", CaptionSource.EXIF_DESCRIPTION)
    caption_jpeg(photo, user_comment=b"ASCII\0\0\0comment", iptc=b"iptc")
    assert source() == ("comment", CaptionSource.EXIF_USER_COMMENT)
    caption_jpeg(photo, iptc=b"iptc")
    assert source() == ("iptc", CaptionSource.IPTC)


# --------------------------------------------------------------------------- manifests


def test_jsonl_manifest(tmp_path: Path) -> None:
    absolute = tmp_path / "elsewhere" / "b.jpg"
    lines = [
        {"path": "photos/a.jpg", "caption": "  A dog\non a sofa.  ", "short_caption": "A dog.", "lang": "EN"},
        {"path": str(absolute), "caption": "Ein Hund.", "split": "val"},
        {"path": "photos/a.jpg", "caption": "A second caption of the same photo.", "split": ""},
    ]
    m = tmp_path / "captions.jsonl"
    m.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines[:2]) + "\n\n" + json.dumps(lines[2]) + "\n")
    entries = read_manifest(m)
    assert [e.path for e in entries] == [tmp_path / "photos/a.jpg", absolute, tmp_path / "photos/a.jpg"]
    assert [e.caption for e in entries] == ["A dog on a sofa.", "Ein Hund.", "A second caption of the same photo."]
    assert [e.short_caption for e in entries] == ["A dog.", None, None]
    assert [e.lang for e in entries] == ["en", None, None]
    assert [e.split for e in entries] == [None, Split.VAL, None]
    assert [e.line for e in entries] == [1, 2, 4]


def test_csv_manifest_with_excel_bom_and_quotes(tmp_path: Path) -> None:
    m = tmp_path / "album.csv"
    text = (
        'Path,Caption,short_caption\nphotos/a.jpg,"A dog, a cat, and a ""red"" ball.",A dog.\n\nb.jpg,海边的风筝。,\n'
    )
    m.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    entries = read_manifest(m)
    assert [(e.path, e.caption, e.short_caption) for e in entries] == [
        (tmp_path / "photos/a.jpg", 'A dog, a cat, and a "red" ball.', "A dog."),
        (tmp_path / "b.jpg", "海边的风筝。", None),
    ]


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("m.csv", "file,text\na.jpg,x\n", ["'path'", "'caption'", "column"]),
        ("m.jsonl", '{"path": "a.jpg", "caption": "x"}\n{"path": "b.jpg", caption}\n', ["line 2", "JSON"]),
        ("m.jsonl", '["a.jpg", "x"]\n', ["line 1", "JSON object"]),
        ("m.jsonl", '{"path": "a.jpg"}\n', ["'caption'", "line 1"]),
        ("m.jsonl", '{"path": "", "caption": "x"}\n', ["empty path", "line 1"]),
        ("m.jsonl", '{"path": "a.jpg", "caption": "x", "split": "test"}\n', ["'test'", "'train', 'val'"]),
        ("m.jsonl", "\n\n", ["lists no photos"]),
        ("m.txt", "a.jpg,x\n", [".csv", ".jsonl"]),
    ],
    ids=["csv-columns", "bad-json", "not-object", "no-caption-key", "empty-path", "bad-split", "empty", "extension"],
)
def test_manifest_errors(tmp_path: Path, name: str, content: str, words: list[str]) -> None:
    m = tmp_path / name
    m.write_text(content, encoding="utf-8")
    with pytest.raises(AlbumError) as e:
        read_manifest(m)
    msg = one_line(e)
    assert name in msg
    for w in words:
        assert w in msg


# --------------------------------------------------------------------------- short captions


@pytest.mark.parametrize(
    ("text", "short"),
    [
        ("A dog on a sofa. A cat watches it from the window.", "A dog on a sofa."),
        ("Is it raining? Yes, and the street shines.", "Is it raining?"),
        ('She said "stop." Then she ran.', 'She said "stop."'),
        ("A 3.5 m boat, e.g. a dinghy, near St. Ives. Gulls above.", "A 3.5 m boat, e.g. a dinghy, near St. Ives."),
        ("Photo by J. Smith at dawn. Mist.", "Photo by J. Smith at dawn."),
        ("Ein Hund, z.B. ein Dackel, auf dem Sofa. Daneben eine Katze.", "Ein Hund, z.B. ein Dackel, auf dem Sofa."),
        ("海边有一只红色的风筝。天空是蓝色的，远处有几只海鸥。", "海边有一只红色的风筝。"),
        ("海边有一只红色的风筝！天空是蓝色的。", "海边有一只红色的风筝！"),
        ("「海だ。」と彼は言った。", "「海だ。」"),
        ("A kite (red!) over the sea. Gulls.", "A kite (red!) over the sea."),
        ("   one sentence without an end   ", "one sentence without an end"),
    ],
)
def test_short_caption_first_sentence(text: str, short: str) -> None:
    assert short_caption(text) == short


def test_short_caption_without_sentence_end_takes_twenty_words() -> None:
    words = [f"w{i}" for i in range(30)]
    assert short_caption(" ".join(words)) == " ".join(words[:20])
    chinese = (
        "海边有一只红色的风筝天空是蓝色的远处有几只海鸥在飞翔沙滩上有两个孩子在堆沙堡旁边放着一个黄色的水桶和一把小铲子"
    )
    assert len(chinese) > 40
    assert short_caption(chinese) == chinese[:40]
