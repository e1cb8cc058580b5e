"""Recognition itself: the bundled models read rendered words (fonts, sizes, rotation, EXIF orientation,
umlauts, Chinese), boxes are in displayed pixels, nothing downloads, torch stays out."""
from __future__ import annotations

import subprocess
import sys

import pytest
from PIL import Image

from photosearch.ocr import Recognizer, TextStatus, engine_version, fold, span_box, words
from photosearch.ocr.engine import model_files
from tests.text_photos import plain_photo


def _read(lib, name):
    if name not in lib.photos:
        pytest.skip(f"no system font for {name!r} here (needs DejaVu/Liberation for umlauts, Noto CJK for Chinese)")
    return Recognizer.shared().read_file(lib.photos[name])


@pytest.mark.parametrize("name", ["receipt", "street", "upside", "turned", "bakery", "zurich", "beijing"])
def test_rendered_words_are_read(text_library, name: str) -> None:
    result = _read(text_library, name)
    assert result.status == TextStatus.TEXT
    assert words(text_library.texts[name]) == words(" ".join(line.text for line in result.lines))


def test_boxes_are_in_displayed_pixels_with_exif_orientation_applied(text_library) -> None:
    path = text_library.photos["turned"]
    with Image.open(path) as im:
        stored = im.size
    displayed = (stored[1], stored[0])
    result = Recognizer.shared().read_file(path)
    xs = [x for line in result.lines for x, _ in line.box]
    ys = [y for line in result.lines for _, y in line.box]
    assert max(xs) <= displayed[0] + 2 and max(ys) <= displayed[1] + 2
    assert max(xs) - min(xs) > max(ys) - min(ys)  # a horizontal line of text as displayed, not as stored


def test_the_quick_look_skips_a_photo_without_words(tmp_path) -> None:
    photo = plain_photo(tmp_path / "p.jpg", seed=3)
    with Image.open(photo) as im:
        assert not Recognizer.shared().has_text(im)
    assert Recognizer.shared().read_file(photo).status == TextStatus.NONE


def test_an_unreadable_photo_is_a_failed_result_not_an_exception(tmp_path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg")
    result = Recognizer.shared().read_file(bad)
    assert result.status == TextStatus.FAILED and result.error


def test_models_come_from_the_wheel_and_the_version_names_them() -> None:
    files = model_files()
    assert all(p.is_file() and "rapidocr" in str(p) for p in files.values())
    version = engine_version()
    assert all(p.name in version for p in files.values())


def test_reading_text_imports_no_torch_and_opens_no_socket(text_library) -> None:
    """Also: onnxruntime's wheel carries model-export and quantisation scripts that load hub models with
    `trust_remote_code=True`; reading text only runs an inference session and never imports them."""
    code = (
        "import socket, sys\n"
        "def no(*a, **k): raise SystemExit('network used')\n"
        "socket.socket.connect = no; socket.create_connection = no\n"
        "from photosearch.ocr import Recognizer\n"
        f"r = Recognizer.shared().read_file({str(text_library.photos['receipt'])!r})\n"
        "assert r.lines, r\n"
        "assert 'torch' not in sys.modules\n"
        "tools = [m for m in sys.modules if m.startswith(('onnxruntime.transformers', 'onnxruntime.quantization'))]\n"
        "assert not tools, tools\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_folding_and_word_boxes() -> None:
    assert fold("Café GRÖSSE Straße") == "cafe grosse straße"
    from photosearch.ocr import TextLine

    line = TextLine("ab cd", 1.0, ((0, 0), (50, 0), (50, 10), (0, 10)))
    assert span_box(line, 3, 5) == ((30.0, 0.0), (50.0, 0.0), (50.0, 10.0), (30.0, 10.0))
