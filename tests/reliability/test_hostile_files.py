"""Hostile files: whatever a folder holds under a photo's name, indexing finishes, keeps every real photo and
records (or skips) the rest with a readable reason, and never hangs, reads forever or runs out of memory.

The tree (`_hostile_tree`) holds, next to normal photos: FIFOs, a symlink to /dev/zero, a socket and a directory
named like photos; a file that grows and one that vanishes while they are read; PNG chunk bombs (zTXt, iCCP,
iTXt) and a declared-size bomb; a JPEG whose EXIF IFDs point to themselves; animated GIF/WebP/PNG; 1x1, 100000x1
and 1x100000 images; a zero-byte and a truncated JPEG. Every blocking call runs under `finishes_within`, so a
hang fails the test (after unblocking it) instead of stalling the suite.
"""
from __future__ import annotations

import io
import json
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import zlib
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from PIL import Image

from indexer import Indexer, IndexerConfig, PipelineConfig
from indexer import pipeline as pipeline_mod
from photosearch.encoders.base import Encoder
from photosearch.hashing import quick_hash
from photosearch.images import MAX_ASPECT, UnreadableFile, load_image, read_metadata
from photosearch.images import loading as image_loading
from photosearch.safe_open import NotRegularFile, open_regular
from photosearch.store import FileStatus, Store
from tests.index_helpers import all_files, make_photos, spy_on
from tests.photo_tree import draw_photo, make_animated_gif, make_huge_png, make_textured_jpeg, make_truncated

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs, sockets and /dev/zero are POSIX")

REPO = Path(__file__).resolve().parents[2]
FIFO = "named pipe (FIFO)"
GUARD_S = 10.0  # one file: far more than any of these takes (milliseconds); only a hang gets near it
RUN_GUARD_S = 120.0  # a whole index run of ~30 files with the tiny model on a loaded 2-core CI machine


# --------------------------------------------------------------------------- hang guard


def _release_fifos(paths: list[Path]) -> None:
    """Open each FIFO for writing and close it: a reader blocked in open() or read() then sees EOF."""
    for p in paths:
        try:
            fd = os.open(p, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # no reader waiting (ENXIO) or not a FIFO any more
            continue
        os.close(fd)


def finishes_within(fn: Callable[[], Any], seconds: float, fifos: list[Path] = (), what: str = "call") -> Any:  # type: ignore[assignment]
    """`fn()`'s result (or its exception); AssertionError if it is still running after `seconds`."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = fn()
        except BaseException as e:  # noqa: BLE001 - re-raised in the test's thread
            box["error"] = e

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(seconds)
    if t.is_alive():
        for _ in range(50):  # unblock it so the stuck thread does not outlive the test
            _release_fifos(list(fifos))
            t.join(0.1)
            if not t.is_alive():
                break
        raise AssertionError(f"{what} did not finish within {seconds:g} s: blocked on a special file?")
    if "error" in box:
        raise box["error"]
    return box.get("result")


# --------------------------------------------------------------------------- hostile file makers


def _png_chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data) & 0xFFFFFFFF)


def make_chunk_bomb(path: Path, ctype: bytes) -> Path:
    """A 64x48 PNG carrying a ~200 KB `ctype` chunk that inflates to 200 MB (zTXt, iTXt or iCCP)."""
    buf = io.BytesIO()
    draw_photo("red", (64, 48), "circle").save(buf, "PNG")
    png = buf.getvalue()
    bomb = zlib.compress(b"\0" * (200 << 20), 9)
    body = {b"zTXt": b"Comment\0\0", b"iTXt": b"Comment\0\1\0\0\0", b"iCCP": b"icc\0\0"}[ctype] + bomb
    path.write_bytes(png[:33] + _png_chunk(ctype, body) + png[33:])  # right after IHDR
    return path


def make_exif_loop_jpeg(path: Path) -> Path:
    """A JPEG whose IFD0 names itself as its Exif IFD, its GPS IFD and its next IFD (orientation 6 inside)."""

    def ifd(entries: list[tuple[int, int, int, int]], nxt: int) -> bytes:
        out = struct.pack("<H", len(entries))
        for tag, typ, count, value in entries:
            out += struct.pack("<HHII", tag, typ, count, value)
        return out + struct.pack("<I", nxt)

    tiff = b"II*\x00" + struct.pack("<I", 8) + ifd([(0x0112, 3, 1, 6), (0x8769, 4, 1, 8), (0x8825, 4, 1, 8)], 8)
    draw_photo("blue", (64, 48), "square").save(path, "JPEG", exif=b"Exif\0\0" + tiff)
    return path


def make_animated(path: Path, fmt: str) -> Path:
    frames = [draw_photo(c, (64, 48), s) for c, s in (("green", "circle"), ("navy", "cross"), ("orange", "ring"))]
    if fmt == "GIF":
        return make_animated_gif(path, ["green", "navy", "orange"], (64, 48))
    frames[0].save(path, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    with Image.open(path) as im:
        assert getattr(im, "n_frames", 1) == 3, f"{fmt} writer made a still image"
    return path


def make_strip(path: Path, size: tuple[int, int]) -> Path:
    """A plain PNG of `size` (a 100000x1 one is 372 bytes)."""
    Image.new("RGB", size, (200, 40, 40)).save(path, "PNG")
    return path


def make_socket(path: Path, monkeypatch: pytest.MonkeyPatch) -> socket.socket:
    """A listening UNIX socket at `path` (bound by a short relative name: sun_path holds ~100 bytes)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with monkeypatch.context() as m:
        m.chdir(path.parent)
        s.bind(path.name)
    s.listen(1)
    return s


# --------------------------------------------------------------------------- single files: never block


@pytest.fixture
def specials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    """{kind: path} of things named like photos that are no files: FIFO, /dev/zero link, socket, directory."""
    d = tmp_path / "specials"
    d.mkdir()
    fifo = d / "fifo.jpg"
    os.mkfifo(fifo)
    zero = d / "zero.jpg"
    zero.symlink_to("/dev/zero")
    folder = d / "folder.jpg"
    folder.mkdir()
    sock = make_socket(d / "sock.jpg", monkeypatch)
    try:
        yield {FIFO: fifo, "character device": zero, "socket": d / "sock.jpg", "folder": folder}
    finally:
        sock.close()
        _release_fifos([fifo])


@pytest.mark.parametrize("reader", ["quick_hash", "load_image", "read_metadata", "open_regular"])
def test_special_files_are_refused_at_once(specials: dict[str, Path], reader: str) -> None:
    fifos = [specials[FIFO]]
    for kind, path in specials.items():
        if reader == "quick_hash":
            with pytest.raises(NotRegularFile, match=re.escape(f"not a regular file: it is a {kind}")):
                finishes_within(lambda: quick_hash(path), GUARD_S, fifos, f"quick_hash({kind})")
        elif reader == "open_regular":
            with pytest.raises(NotRegularFile) as e:
                finishes_within(lambda: open_regular(path), GUARD_S, fifos, f"open_regular({kind})")
            assert isinstance(e.value, OSError) and e.value.filename == str(path)  # scan and watcher handle OSError
        else:
            fn = load_image if reader == "load_image" else read_metadata
            with pytest.raises(UnreadableFile) as e:
                finishes_within(lambda: fn(path), GUARD_S, fifos, f"{reader}({kind})")
            assert e.value.reason == f"not a regular file: it is a {kind}"


def test_a_fifo_swapped_in_after_the_check_does_not_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The name was a photo when stat'ed and is a FIFO when opened: the open itself must not block."""
    photo = make_photos(tmp_path, 1)[0]
    fifo = tmp_path / "swapped.jpg"
    os.mkfifo(fifo)
    real_stat = os.stat

    def stat_before_the_swap(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        return real_stat(photo if os.fspath(path) == str(fifo) else path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat_before_the_swap)
    try:
        for fn in (quick_hash, load_image, read_metadata):
            with pytest.raises((NotRegularFile, UnreadableFile), match="it is a named pipe"):
                finishes_within(lambda: fn(fifo), GUARD_S, [fifo], f"{fn.__name__} of a swapped-in FIFO")
    finally:
        monkeypatch.undo()
        _release_fifos([fifo])


def test_prepare_records_a_special_file_instead_of_blocking(
    specials: dict[str, Path], encoder: Encoder
) -> None:
    """What the pipeline makes of a pending row whose file has become a FIFO, device link, socket or folder."""
    config = PipelineConfig()
    for kind, path in specials.items():
        job = pipeline_mod.Job(1, 1, str(path), 10, 0, None, None, embed=True)
        out = finishes_within(
            lambda: pipeline_mod.prepare(job, encoder.image_transform, encoder.image_size, config), GUARD_S,
            [specials[FIFO]], f"prepare({kind})",
        )
        assert out.pixels is None and out.error == f"not a regular file: it is a {kind}" and not out.skip


# --------------------------------------------------------------------------- extreme aspect ratios: bounded memory

_RSS_PROBE = r"""
import json, resource, sys
from pathlib import Path
from PIL import Image
from indexer.pipeline import Job, PipelineConfig, prepare
from photosearch.encoders.preprocess import clip_transform

folder = Path(sys.argv[1])
transform = clip_transform(224)  # what a real ViT-B/16 or L/14 encoder does with the pixels
config = PipelineConfig()

def run(path):
    st = path.stat()
    out = prepare(Job(1, 1, str(path), st.st_size, st.st_mtime_ns, None, None, True), transform, 224, config)
    return {"error": out.error, "shape": None if out.pixels is None else list(out.pixels.shape)}

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

Image.new("RGB", (400, 300), "red").save(folder / "normal.png")
normal = run(folder / "normal.png")
baseline = peak_mb()
try:  # never let the old behaviour (gigabytes, then MemoryError) eat the shared CI machine
    vm_kb = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmSize:"))
    limit = (vm_kb + 1_500_000) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
except (OSError, StopIteration, ValueError):
    pass
results = {}
for w, h in ((10_000, 1), (100_000, 1), (1, 100_000)):
    p = folder / f"strip_{w}x{h}.png"
    Image.new("RGB", (w, h), (200, 40, 40)).save(p)
    results[f"{w}x{h}"] = run(p)
print(json.dumps({"normal": normal, "baseline_mb": baseline, "peak_mb": peak_mb(), "results": results}))
"""


def test_extreme_aspect_ratios_stay_within_memory(tmp_path: Path) -> None:
    """A 110-byte 10000x1 PNG took +2.0 GB (224 px CLIP transform) and 100000x1 raised MemoryError."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE, str(tmp_path)], capture_output=True, text=True, env=env, timeout=300,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["normal"] == {"error": None, "shape": [3, 224, 224]}
    for size, res in report["results"].items():
        assert res == {"error": None, "shape": [3, 224, 224]}, (size, res)
    grown = report["peak_mb"] - report["baseline_mb"]
    assert grown < 300, f"peak RSS grew by {grown:.0f} MB over the baseline for three strips"


@pytest.mark.parametrize("size", [(100_000, 1), (1, 100_000), (12_000, 400), (1, 1), (4000, 250)])
def test_load_image_bounds_both_sides(tmp_path: Path, size: tuple[int, int]) -> None:
    p = make_strip(tmp_path / "strip.png", size)
    loaded = load_image(p, target=224)
    w, h = loaded.image.size
    assert (loaded.width, loaded.height) == size  # metadata keeps the real size
    assert max(w, h) <= MAX_ASPECT * min(w, h)
    if max(size) <= MAX_ASPECT * min(size):
        assert (w, h) == size  # ordinary shapes (16:1 here) are not cropped
    assert read_metadata(p).width == size[0]


# --------------------------------------------------------------------------- the whole tree through the Indexer


def _hostile_tree(root: Path) -> tuple[dict[str, str], dict[str, str], list[Path]]:
    """Populate `root`; return ({rel: "indexed"} photos, {rel: reason fragment} failures, FIFOs).

    Specials (FIFOs, /dev/zero link, socket, folder named x.jpg) are not in either dict: the scan skips them.
    """
    good: dict[str, str] = {}
    for p in make_photos(root / "normal", 6):
        good[p.relative_to(root).as_posix()] = "indexed"
    inside = make_photos(root / "x.jpg", 1, start=20)[0]  # a folder named like a photo is a folder: its photos count
    good[inside.relative_to(root).as_posix()] = "indexed"
    for name, fmt in (("anim.gif", "GIF"), ("anim.webp", "WEBP"), ("anim.png", "PNG")):
        make_animated(_mkdir(root / "animated") / name, fmt)
        good[f"animated/{name}"] = "indexed"
    for name, size in (("one_pixel.png", (1, 1)), ("wide.png", (100_000, 1)), ("tall.png", (1, 100_000))):
        make_strip(_mkdir(root / "shapes") / name, size)
        good[f"shapes/{name}"] = "indexed"
    make_exif_loop_jpeg(_mkdir(root / "exif") / "loop.jpg")
    good["exif/loop.jpg"] = "indexed"
    make_textured_jpeg(root / "io" / "grows.jpg")  # grows while read (see `_misbehave`), complete afterwards
    good["io/grows.jpg"] = "indexed"  # ... on the second run; the first records it as still being written

    bad: dict[str, str] = {}
    bombs = _mkdir(root / "bombs")
    for ctype in (b"zTXt", b"iTXt", b"iCCP"):
        make_chunk_bomb(bombs / f"{ctype.decode().lower()}.png", ctype)
        bad[f"bombs/{ctype.decode().lower()}.png"] = "decompression bomb"
    make_huge_png(bombs / "declared.png")
    bad["bombs/declared.png"] = "exceeds the 200 MP limit"
    (_mkdir(root / "broken") / "empty.jpg").write_bytes(b"")
    bad["broken/empty.jpg"] = "empty file (0 bytes)"
    src = make_textured_jpeg(root / ".src.jpg")
    make_truncated(src, root / "broken" / "truncated.jpg", 0.5)
    src.unlink()
    bad["broken/truncated.jpg"] = "truncated JPEG"

    specials = _mkdir(root / "specials")
    fifos = [specials / "fifo.jpg", root / "normal" / "fifo.png"]
    for f in fifos:
        os.mkfifo(f)
    (specials / "zero.jpg").symlink_to("/dev/zero")
    (specials / "random.jpg").symlink_to("/dev/urandom")
    make_photos(root / "io", 1, start=50)  # io/p050.jpg vanishes mid-read (see `_misbehave`)
    return good, bad, fifos


def _mkdir(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True)
    return p


def _misbehave(monkeypatch: pytest.MonkeyPatch, root: Path) -> dict[str, int]:
    """Make io/grows.jpg grow and io/p050.jpg vanish while the decoder has them open; count decodes per file."""
    real_decode = image_loading._decode
    opened: dict[str, int] = {}
    grows, vanishes = str(root / "io" / "grows.jpg"), str(root / "io" / "p050.jpg")
    grown: list[str] = []

    def decode(im: Any, path: str, st: os.stat_result) -> None:
        opened[path] = opened.get(path, 0) + 1
        if path == grows and not grown:
            grown.append(path)
            with open(path, "ab") as f:  # a writer appends while we read (a copy in progress)
                f.write(b"\0" * 4096)
        if path == vanishes:
            os.unlink(path)  # deleted (or its folder moved away) while we hold it open
        real_decode(im, path, st)

    monkeypatch.setattr(image_loading, "_decode", decode)  # load_image looks it up there
    return opened


def test_hostile_tree_indexes_every_photo_and_records_the_rest(
    store: Store, encoder: Encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "photos"
    good, bad, fifos = _hostile_tree(root)
    sock = make_socket(root / "specials" / "socket.jpg", monkeypatch)
    opened = _misbehave(monkeypatch, root)
    store.add_root(root)
    ix = Indexer(store, encoder, IndexerConfig(pipeline=PipelineConfig(batch_size=4, workers=2)))
    spy = spy_on(monkeypatch, encoder)
    try:
        scans, first = finishes_within(ix.index, RUN_GUARD_S, fifos, "first index run")
        assert scans[0].complete and scans[0].errors == []  # special files cost nothing, not even the sweep
        rows = {Path(r.path).relative_to(root).as_posix(): (r.path, r.status.value, r.error, r.retry_after)
                for r in all_files(store)}
        # specials are not photos: never recorded, never opened
        assert not any(rel.startswith("specials/") or rel == "normal/fifo.png" for rel in rows), sorted(rows)
        assert not any("specials" in p or p.endswith("fifo.png") for p in opened)
        # every photo indexed with a vector (the grown one after the second run, below)
        for rel in good:
            if rel == "io/grows.jpg":
                continue
            status, error = rows[rel][1], rows[rel][2]
            assert status == FileStatus.INDEXED.value and error is None, (rel, status, error)
            assert store.has_embedding(encoder.model_id, store.file_by_path(root / rel).key), rel
        # every bad file failed with its own readable one-line reason
        for rel, fragment in bad.items():
            status, error = rows[rel][1], rows[rel][2]
            assert status == FileStatus.ERROR.value and fragment in error, (rel, status, error)
            assert "\n" not in error and "Traceback" not in error and len(error) < 200, (rel, error)
        grown = rows["io/grows.jpg"]
        assert grown[1] == FileStatus.ERROR.value and "changed while it was read" in grown[2] and grown[3]
        # the file deleted mid-read is skipped, not failed (the next scan sees it gone)
        assert "io/p050.jpg" not in rows or rows["io/p050.jpg"][1] == FileStatus.PENDING.value
        assert first.failed == len(bad) + 1 and first.skipped == 1
        assert first.indexed == len(good) - 1
        encoded_first = spy.images

        # second run: only the grown file (it changed) is read again; no failure is redone
        opened.clear()
        spy.images = 0
        scans, second = finishes_within(ix.index, RUN_GUARD_S, fifos, "second index run")
        assert scans[0].complete and scans[0].missing == 1  # the vanished photo
        assert set(opened) == {str(root / "io" / "grows.jpg")}, sorted(opened)
        assert second.total == 1 and second.indexed == 1 and second.failed == 0 and spy.images == 1
        assert store.file_by_path(root / "io" / "grows.jpg").status == FileStatus.INDEXED
        assert store.file_by_path(root / "io" / "p050.jpg").status == FileStatus.MISSING
        assert {r.path for r in store.errors()} == {str(root / rel) for rel in bad}
        assert encoded_first == len(good) - 1
    finally:
        sock.close()
        _release_fifos(fifos)
