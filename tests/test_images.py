"""The image loader against real generated files of every kind (see tests/photo_tree.py)."""
from __future__ import annotations

import pickle
import random
import sys
import types
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from photosearch import images
from photosearch.images import formats as image_formats
from photosearch.images import (
    MAX_PIXELS,
    SUPPORTED_EXTENSIONS,
    CorruptImage,
    ImageError,
    ImageMetadata,
    LoadedImage,
    MissingCodec,
    TooLarge,
    TruncatedImage,
    UnreadableFile,
    UnsupportedImage,
    is_supported,
    load_image,
    read_metadata,
)
from tests.photo_tree import (
    PALETTE,
    Expected,
    avif_writable,
    close_to,
    heif_writable,
    make_dng,
    make_huge_png,
    make_photo,
    make_tree,
    make_truncated,
    probe_color,
    rawpy_available,
)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Expected]]:
    root = tmp_path_factory.mktemp("photos")
    return root, make_tree(root)


def _cases(kind: str) -> list[str]:
    # The tree's keys are fixed per environment; build them once into a throwaway dir for parametrisation.
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        exp = make_tree(d)
    if kind == "good":
        return [k for k, e in exp.items() if e.ok]
    return [k for k, e in exp.items() if e.supported and e.error is not None]


GOOD = _cases("good")
BAD = _cases("bad")


def _skip_unwritable(ext: str) -> None:
    if ext == ".avif" and not avif_writable():
        pytest.skip("this Pillow has no AVIF encoder")
    if ext in (".heic", ".heif") and not heif_writable():
        pytest.skip("pillow-heif not installed")


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything decodes pixels."""

    def boom(self: ImageFile.ImageFile) -> None:
        raise AssertionError(f"pixels of {self.format} decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", boom)


# ---------------------------------------------------------------- extensions


def test_supported_extensions_cover_the_issue() -> None:
    needed = {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".tif", ".tiff", ".gif", ".bmp", ".heic", ".heif", ".avif"}
    needed |= {".cr2", ".nef", ".arw", ".dng", ".raf", ".orf", ".rw2"}
    assert needed <= SUPPORTED_EXTENSIONS
    assert all(e == e.lower() and e.startswith(".") for e in SUPPORTED_EXTENSIONS)


@pytest.mark.parametrize(
    "name,ok",
    [
        ("a.jpg", True), ("A.JPG", True), ("b.JpEg", True), ("dir.d/c.HEIC", True), ("x.Avif", True),
        ("r.NEF", True), ("notes.txt", False), ("jpg", False), ("movie.mp4", False), ("archive.jpg.zip", False),
    ],
)
def test_is_supported_is_case_insensitive(name: str, ok: bool) -> None:
    assert is_supported(name) is ok
    assert is_supported(Path(name)) is ok


def test_tree_marks_unsupported_files(tree: tuple[Path, dict[str, Expected]]) -> None:
    root, exp = tree
    for rel, e in exp.items():
        assert (root / rel).exists()
        assert is_supported(rel) is e.supported, rel


# ---------------------------------------------------------------- good files


@pytest.mark.parametrize("rel", GOOD)
def test_good_file_loads_as_rgb(tree: tuple[Path, dict[str, Expected]], rel: str) -> None:
    root, exp = tree
    e = exp[rel]
    li = load_image(root / rel)
    assert isinstance(li, LoadedImage)
    assert li.image.mode == "RGB"
    assert li.image.size == e.size
    assert (li.width, li.height) == e.size
    assert li.format == e.format
    assert li.orientation == e.orientation
    got = probe_color(li.image)
    assert close_to(got, e.color), f"{rel}: {got} != {e.color}"


@pytest.mark.parametrize("rel", GOOD)
def test_metadata(tree: tuple[Path, dict[str, Expected]], rel: str) -> None:
    root, exp = tree
    e = exp[rel]
    li = load_image(root / rel)
    assert li.taken_at_source == e.taken_at_source
    assert li.taken_at == pytest.approx(e.taken_at, abs=1e-3)
    assert li.camera_make == e.camera_make
    assert li.camera_model == e.camera_model
    if e.gps is None:
        assert li.gps_lat is None and li.gps_lon is None
    else:
        assert li.gps_lat == pytest.approx(e.gps[0], abs=1e-4)
        assert li.gps_lon == pytest.approx(e.gps[1], abs=1e-4)


@pytest.mark.parametrize("rel", GOOD)
def test_read_metadata_matches_and_does_not_decode(
    tree: tuple[Path, dict[str, Expected]], rel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = tree
    full = load_image(root / rel).metadata
    assert isinstance(full, ImageMetadata) and not isinstance(full, LoadedImage)
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: (_ for _ in ()).throw(AssertionError("decoded")))
    assert read_metadata(root / rel) == full


def test_exif_gps_signs_and_offset(tree: tuple[Path, dict[str, Expected]]) -> None:
    root, _ = tree
    sydney = read_metadata(root / "2021/sydney/exif.jpg")
    assert sydney.gps_lat is not None and sydney.gps_lat < 0 < sydney.gps_lon  # type: ignore[operator]
    assert sydney.taken_at == datetime.fromisoformat("2021-06-15T04:30:05+00:00").timestamp()
    nyc = read_metadata(root / "2019/nyc/local_time.jpg")
    assert nyc.gps_lat > 0 > nyc.gps_lon  # type: ignore[operator]
    assert nyc.taken_at_source == "exif_local"


def test_mtime_fallback_is_the_file_mtime(tmp_path: Path) -> None:
    p = make_photo(tmp_path / "a.png", "red", mtime=1234567890.5)
    m = read_metadata(p)
    assert (m.taken_at, m.taken_at_source) == (1234567890.5, "mtime")


def test_bogus_exif_values_are_ignored(tmp_path: Path) -> None:
    p = make_photo(tmp_path / "a.jpg", "red", taken_at="0000:00:00 00:00:00", gps=(0.0, 0.0), make="  ", mtime=99.0)
    m = read_metadata(p)
    assert (m.taken_at, m.taken_at_source) == (99.0, "mtime")
    assert m.gps_lat is None and m.camera_make is None


def test_subseconds_and_negative_offset(tmp_path: Path) -> None:
    p = make_photo(tmp_path / "a.webp", "red", taken_at="2020:02:29 23:59:59", offset="-03:30", subsec="25")
    m = read_metadata(p)
    assert m.taken_at_source == "exif"
    assert m.taken_at == pytest.approx(datetime.fromisoformat("2020-03-01T03:29:59.25+00:00").timestamp())


def _save(im: Image.Image, path: Path, **kw: object) -> Path:
    im.save(path, **kw)
    return path


@pytest.mark.parametrize(
    "name,make_image,expected",
    [
        # 16-bit grey, both byte orders, at 3/4 of full scale: must not clip to white
        ("g16.tif", lambda: Image.new("I;16", (40, 30), 49151), (191, 191, 191)),
        ("g16b.tif", lambda: Image.new("I;16B", (40, 30), 16384), (64, 64, 64)),
        # 32-bit int holding 16-bit data, and an HDR-ish float image normalised by its range
        ("i32.tif", lambda: Image.new("I", (40, 30), 32768), (128, 128, 128)),
        ("f32.tif", lambda: _gradient_f(), None),
        ("la.png", lambda: Image.new("LA", (40, 30), (0, 0)), (255, 255, 255)),  # fully transparent -> white
        ("p_trans.gif", lambda: _palette_with_transparency(), (255, 255, 255)),
        ("one_bit.bmp", lambda: Image.new("1", (40, 30), 1), (255, 255, 255)),
        ("grey.jpg", lambda: Image.new("L", (40, 30), 77), (77, 77, 77)),
    ],
)
def test_pixel_modes_become_rgb(tmp_path: Path, name: str, make_image: object, expected: tuple[int, int, int]) -> None:
    p = _save(make_image(), tmp_path / name)  # type: ignore[operator]
    li = load_image(p)
    assert li.image.mode == "RGB" and li.image.size == (40, 30)
    if expected is not None:
        assert close_to(probe_color(li.image), expected, 3)
    else:  # float gradient 0..1000 spans the full 8-bit range instead of clipping
        assert li.image.getpixel((0, 0))[0] <= 2 and li.image.getpixel((39, 0))[0] >= 250  # type: ignore[index]


def _gradient_f() -> Image.Image:
    im = Image.new("F", (40, 30))
    for x in range(40):
        for y in range(30):
            im.putpixel((x, y), x * 1000.0 / 39)
    return im


def _palette_with_transparency() -> Image.Image:
    im = Image.new("P", (40, 30), 0)
    im.putpalette([10, 20, 30] + [200, 0, 0] * 255)
    im.info["transparency"] = 0
    return im


# ---------------------------------------------------------------- orientation


def _marker_corner(img: Image.Image) -> str:
    """Which corner holds the marker square (the one corner not showing the background)."""
    w, h = img.size
    xy = {"top-left": (2, 2), "top-right": (w - 3, 2), "bottom-left": (2, h - 3), "bottom-right": (w - 3, h - 3)}
    px = {k: img.getpixel(v) for k, v in xy.items()}
    marked = [k for k in px if not any(close_to(px[k], px[o], 60) for o in px if o != k)]  # type: ignore[arg-type]
    assert len(marked) == 1, px
    return marked[0]


def test_orientation_6_rotates_pixels(tree: tuple[Path, dict[str, Expected]]) -> None:
    root, _ = tree
    li = load_image(root / "rotated6.jpg")
    assert li.image.size == (80, 120)  # stored 120x80
    assert _marker_corner(li.image) == "top-right"  # stored top-left, turned 90 degrees clockwise


def test_tiff_orientation_applied_once(tree: tuple[Path, dict[str, Expected]]) -> None:
    root, _ = tree
    li = load_image(root / "rotated6.tiff")
    assert li.image.size == (80, 120)
    assert _marker_corner(li.image) == "top-right"


@pytest.mark.parametrize("ext", [".jpg", ".png", ".webp", ".heic", ".avif", ".tif"])
@pytest.mark.parametrize(
    "orientation,corner,swapped",
    [(1, "top-left", False), (3, "bottom-right", False), (6, "top-right", True), (8, "bottom-left", True),
     (2, "top-right", False), (5, "top-left", True)],
)
def test_all_orientations_all_formats(tmp_path: Path, ext: str, orientation: int, corner: str, swapped: bool) -> None:
    _skip_unwritable(ext)
    p = make_photo(tmp_path / f"o{ext}", "navy", (60, 40), orientation=orientation, quality=90)
    li = load_image(p)
    assert li.image.size == ((40, 60) if swapped else (60, 40))
    assert (li.width, li.height) == li.image.size
    assert li.orientation == orientation
    assert _marker_corner(li.image) == corner
    assert read_metadata(p).orientation == orientation


# ---------------------------------------------------------------- target / draft


def test_large_jpeg_is_draft_decoded(tmp_path: Path) -> None:
    p = make_photo(tmp_path / "big.jpg", "orange", (4000, 3000), shape="circle", quality=80)
    li = load_image(p, target=336)
    assert (li.width, li.height) == (4000, 3000)  # metadata is the full size
    assert 336 <= min(li.image.size) < 3000
    assert li.image.size == (500, 375)  # DCT-scaled by 1/8 while decoding
    assert close_to(probe_color(li.image), PALETTE["orange"])


def test_draft_keeps_short_side_and_orientation(tmp_path: Path) -> None:
    p = make_photo(tmp_path / "big.jpg", "teal", (1600, 1200), orientation=6)
    li = load_image(p, target=256)
    assert (li.width, li.height) == (1200, 1600)
    assert li.image.size == (300, 400)
    assert _marker_corner(li.image) == "top-right"


@pytest.mark.parametrize("ext", [".png", ".webp", ".heic", ".tif"])
def test_other_formats_are_reduced_towards_target(tmp_path: Path, ext: str) -> None:
    _skip_unwritable(ext)
    p = make_photo(tmp_path / f"big{ext}", "purple", (640, 480), quality=80)
    li = load_image(p, target=100)
    assert 100 <= min(li.image.size) < 200
    assert (li.width, li.height) == (640, 480)
    assert close_to(probe_color(li.image), PALETTE["purple"])


def test_small_images_are_not_upscaled(tree: tuple[Path, dict[str, Expected]]) -> None:
    root, _ = tree
    assert load_image(root / "plain.png", target=336).image.size == (96, 64)


def test_target_must_be_positive(tree: tuple[Path, dict[str, Expected]]) -> None:
    root, _ = tree
    with pytest.raises(ValueError):
        load_image(root / "plain.png", target=0)


# ---------------------------------------------------------------- bad files


@pytest.mark.parametrize("rel", BAD)
def test_bad_file_raises_right_error(tree: tuple[Path, dict[str, Expected]], rel: str) -> None:
    root, exp = tree
    with pytest.raises(ImageError) as info:
        load_image(root / rel)
    assert isinstance(info.value, exp[rel].error), f"{rel}: {type(info.value).__name__}: {info.value.reason}"
    assert info.value.reason and "\n" not in info.value.reason
    assert info.value.path == str(root / rel)
    assert str(root / rel) in str(info.value)


# A truncated file's header is intact: only decoding notices, so read_metadata is not asked to.
@pytest.mark.parametrize("rel", [r for r in BAD if not r.startswith("bad/truncated")])
def test_read_metadata_agrees_on_bad_files(tree: tuple[Path, dict[str, Expected]], rel: str) -> None:
    root, exp = tree
    with pytest.raises(exp[rel].error):  # type: ignore[arg-type]
        read_metadata(root / rel)


def test_readable_reasons(tree: tuple[Path, dict[str, Expected]]) -> None:
    root, _ = tree

    def reason(rel: str) -> str:
        with pytest.raises(ImageError) as info:
            load_image(root / rel)
        return info.value.reason

    assert reason("bad/empty.jpg") == "empty file (0 bytes)"
    assert "text" in reason("bad/notes.jpg")
    assert "PDF" in reason("bad/document.jpg")
    assert "truncated" in reason("bad/truncated.jpg")
    assert "too large" in reason("bad/bomb.png")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile):
        load_image(tmp_path / "gone.jpg")
    (tmp_path / "dir.jpg").mkdir()
    with pytest.raises(UnreadableFile):
        load_image(tmp_path / "dir.jpg")


@pytest.mark.parametrize("ext", [".jpg", ".png", ".webp", ".gif", ".tif", ".bmp", ".heic", ".avif"])
@pytest.mark.parametrize("fraction", [0.9, 0.5, 0.05])
def test_truncation_of_every_format(tmp_path: Path, ext: str, fraction: float) -> None:
    _skip_unwritable(ext)
    src = make_photo(tmp_path / f"src{ext}", "red", (300, 200), shape="stripes", quality=80)
    bad = make_truncated(src, tmp_path / f"cut{ext}", fraction)
    with pytest.raises(TruncatedImage):
        load_image(bad)


def test_truncated_detected_even_if_someone_enabled_load_truncated(
    tree: tuple[Path, dict[str, Expected]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = tree
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    for rel in ("bad/truncated.jpg", "bad/truncated.png"):
        with pytest.raises(TruncatedImage):
            load_image(root / rel)
    assert load_image(root / "plain.jpeg").image.size == (90, 64)  # complete files still load


def test_motion_photo_trailer_is_not_truncation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = make_photo(tmp_path / "motion.jpg", "red", (120, 80))
    with open(p, "ab") as f:  # phones append a video after the JPEG's EOI
        f.write(b"\x00\x00\x00\x18ftypmp42" + bytes(500))
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    assert load_image(p).image.size == (120, 80)


@pytest.mark.filterwarnings("ignore::UserWarning")  # PIL's TIFF plugin warns about the damage it sees
def test_corruption_never_escapes_as_foreign_exception(tree: tuple[Path, dict[str, Expected]], tmp_path: Path) -> None:
    root, exp = tree
    rng = random.Random(1234)
    for rel in GOOD:
        data = bytearray((root / rel).read_bytes())
        for i in range(6):
            bad = bytearray(data)
            for _ in range(rng.randint(1, 8)):
                pos = rng.randrange(min(len(bad), 600))
                bad[pos] = rng.randrange(256)
            if i == 5:
                bad = bad[: rng.randrange(1, len(bad))]
            p = tmp_path / f"{i}_{Path(rel).name}"
            p.write_bytes(bytes(bad))
            try:
                li = load_image(p, target=32)
                assert li.image.mode == "RGB"
            except ImageError as e:
                assert e.reason


# ---------------------------------------------------------------- pixel cap


def test_pixel_cap_checked_before_decoding(tree: tuple[Path, dict[str, Expected]], no_decoding: None) -> None:
    root, _ = tree
    with pytest.raises(TooLarge) as info:
        load_image(root / "plain.png", max_pixels=1000)
    assert "96x64" in info.value.reason


def test_pixel_cap_holds_without_pil_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_decoding: None) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # someone "fixed" big panoramas globally
    p = make_huge_png(tmp_path / "bomb.png", 100_000, 100_000)
    with pytest.raises(TooLarge) as info:
        load_image(p)
    assert f"{MAX_PIXELS / 1e6:g} MP" in info.value.reason
    p2 = make_huge_png(tmp_path / "wide.png", 20_000, 11_000)  # 220 MP
    with pytest.raises(TooLarge):
        read_metadata(p2)


def test_pil_limit_is_reported_as_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    p = make_photo(tmp_path / "a.png", "red", (100, 100))
    with pytest.raises(TooLarge):
        load_image(p)


def test_cap_can_be_disabled(tree: tuple[Path, dict[str, Expected]]) -> None:
    root, _ = tree
    assert load_image(root / "plain.png", max_pixels=None).image.size == (96, 64)


# ---------------------------------------------------------------- processes / pickling


def test_results_and_errors_pickle(tree: tuple[Path, dict[str, Expected]]) -> None:
    root, _ = tree
    li = load_image(root / "2021/sydney/exif.jpg")
    back = pickle.loads(pickle.dumps(li))
    assert back.metadata == li.metadata
    assert back.image.tobytes() == li.image.tobytes()
    for err in (TruncatedImage("cut", "/x.jpg"), TooLarge("big"), MissingCodec("need rawpy", "/r.nef")):
        e2 = pickle.loads(pickle.dumps(err))
        assert type(e2) is type(err) and e2.reason == err.reason and e2.path == err.path


def test_error_hierarchy() -> None:
    assert issubclass(MissingCodec, UnsupportedImage)
    for cls in (UnreadableFile, UnsupportedImage, CorruptImage, TruncatedImage, TooLarge):
        assert issubclass(cls, ImageError)
    assert not issubclass(TruncatedImage, CorruptImage)


def test_heif_opener_registered_lazily_once() -> None:
    _skip_unwritable(".heic")
    assert image_formats._ensure_heif() is True
    assert image_formats._ensure_heif() is True
    assert "HEIF" in Image.OPEN


# ---------------------------------------------------------------- RAW


def test_raw_without_rawpy_asks_for_the_extra(
    tree: tuple[Path, dict[str, Expected]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "rawpy", None)  # as on a machine without the extra: import fails
    root, _ = tree
    for rel in ("raw/camera.dng", "bad/fake.cr2"):
        with pytest.raises(MissingCodec) as info:
            load_image(root / rel)
        assert "photosearch[raw]" in info.value.reason
        with pytest.raises(MissingCodec):
            read_metadata(root / rel)


def _fake_rawpy(thumb_format: str, data: object, flip: int) -> types.ModuleType:
    """Just enough of rawpy's API to drive the preview path without LibRaw."""
    m = types.ModuleType("rawpy")

    class LibRawError(Exception):
        pass

    for name in ("LibRawNoThumbnailError", "LibRawUnsupportedThumbnailError", "LibRawFileUnsupportedError",
                 "LibRawIOError", "LibRawTooBigError", "LibRawDataError"):
        setattr(m, name, type(name, (LibRawError,), {}))
    m.LibRawError = LibRawError  # type: ignore[attr-defined]
    m.ThumbFormat = types.SimpleNamespace(JPEG="jpeg", BITMAP="bitmap")  # type: ignore[attr-defined]

    class Raw:
        sizes = types.SimpleNamespace(width=300, height=200, flip=flip)

        def extract_thumb(self) -> object:
            if thumb_format == "none":
                raise m.LibRawNoThumbnailError("no thumb")  # type: ignore[attr-defined]
            return types.SimpleNamespace(format=thumb_format, data=data)

        def postprocess(self, **kw: object) -> object:
            import numpy as np

            return np.full((200, 300, 3), (10, 200, 10), dtype=np.uint8)

        def close(self) -> None:
            pass

    def imread(path: str) -> Raw:
        if Path(path).read_bytes()[:4] != b"II*\x00":
            raise m.LibRawFileUnsupportedError(b"Unsupported file format or not RAW file")  # type: ignore[attr-defined]
        return Raw()

    m.imread = imread  # type: ignore[attr-defined]
    return m


def test_raw_preview_paths_with_stub_rawpy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    import numpy as np

    raw = tmp_path / "IMG_1.CR2"
    raw.write_bytes(b"II*\x00" + bytes(60))
    jpg = io.BytesIO()
    make_photo(tmp_path / "prev.jpg", "red", (300, 200))
    jpg.write((tmp_path / "prev.jpg").read_bytes())

    monkeypatch.setitem(sys.modules, "rawpy", _fake_rawpy("jpeg", jpg.getvalue(), flip=6))
    li = load_image(raw)
    assert (li.format, li.orientation, li.width, li.height) == ("RAW", 6, 200, 300)
    assert li.image.size == (200, 300) and _marker_corner(li.image) == "top-right"
    assert load_image(raw, target=50).image.size == (50, 75)

    bitmap = np.asarray(Image.open(tmp_path / "prev.jpg").convert("RGB"))
    monkeypatch.setitem(sys.modules, "rawpy", _fake_rawpy("bitmap", bitmap, flip=3))
    li = load_image(raw)
    assert li.image.size == (300, 200) and _marker_corner(li.image) == "bottom-right"

    monkeypatch.setitem(sys.modules, "rawpy", _fake_rawpy("none", None, flip=0))
    assert close_to(probe_color(load_image(raw).image), (10, 200, 10))

    not_raw = tmp_path / "x.nef"
    not_raw.write_bytes(b"hello")
    with pytest.raises(UnsupportedImage):
        load_image(not_raw)


@pytest.mark.skipif(not rawpy_available(), reason="rawpy not installed (photosearch[raw])")
@pytest.mark.parametrize("jpeg_preview", [True, False])
def test_real_dng_with_rawpy(tmp_path: Path, jpeg_preview: bool) -> None:
    p = make_dng(tmp_path / "a.dng", "red", (120, 80), orientation=6, jpeg_preview=jpeg_preview)
    li = load_image(p)
    assert (li.width, li.height, li.orientation) == (80, 120, 6)
    assert li.image.size == (80, 120) and _marker_corner(li.image) == "top-right"
    assert close_to(probe_color(li.image), PALETTE["red"])
    assert li.camera_make == "Canon"
    assert read_metadata(p) == li.metadata


def test_no_qt_import() -> None:
    package = Path(images.__file__).parent
    modules = sorted(package.glob("*.py"))
    assert package.name == "images" and len(modules) > 1  # the loader is a package: check every module
    for module in modules:
        src = module.read_text()
        assert "PySide" not in src and "PyQt" not in src, module.name
