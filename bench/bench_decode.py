"""Decoding + preprocessing 12 MP camera JPEGs to the encoder's 224 px input: today's loader against three
alternatives, on one core and on all cores, in one run (issue 9, "Performance").

Candidates, each ending in the same CLIP transform (the tiny Long-CLIP encoder's `image_transform` at 224 px:
bicubic shortest-side resize, centre crop, tensor, OpenAI mean/std):

* (a) loader: `photosearch.images.load_image(path, 224)`: Pillow draft mode, i.e. libjpeg's DCT-domain 1/8
  downscale while decoding, then the transform; threads (what indexer/pipeline.py runs).
* (b) plain PIL: full 4000x3000 decode (no draft), EXIF transpose, then the transform from the full image.
* (c) simplejpeg (libjpeg-turbo, whole buffer, releases the GIL): `decode_jpeg(min_width=224, min_height=224)`
  DCT-scales like draft mode; simplejpeg ignores EXIF, so the orientation is read from Pillow's header parse and
  applied to the small decoded image with the loader's own table, as the loader does. Optional:
  `pip install -e '.[bench]'` (or `pip install simplejpeg==1.9.0`); without it (c) is skipped with one line.
* (d) (a) in a spawn process pool (fork after CUDA is initialised hangs), tensors pickled back; the pool's
  start-up (spawning, importing torch/torchvision in every worker) is timed separately, not in photos/s.

Photos are generated here (smooth colour fields, mid-scale texture, shapes with hard edges, grain; quality 92;
every 4th stored turned with EXIF orientation 6, as a phone's portrait shot) and read from the page cache, so
disk time is excluded. Torch runs one intra-op thread everywhere (the transform's tensor ops are tiny; the
encoder wants the other threads). Peak RSS is sampled every 5 ms (main process plus pool workers) and reported
over the RSS before the run. Equivalence: the smallest per-photo cosine and the max |difference| of each
candidate's 1-thread tensors against (a)'s, in normalised units (one 8-bit level is ~0.015).

    .venv/bin/python bench/bench_decode.py              # 24 photos, ~1-2 min on 2 cores
    .venv/bin/python bench/bench_decode.py --photos 64 --threads 8
"""
from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from PIL import Image, ImageDraw, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results import heading, publish  # noqa: E402
from photosearch.images import load_image  # noqa: E402
from photosearch.images.pixels import _TRANSPOSE  # noqa: E402

SIZE = (4000, 3000)
INPUT = 224
GPU_TARGET = 700.0  # photos/s the 16-core GPU machine needs to keep its encoder busy
GPU_CORES = 16


def make_photo(path: Path, seed: int, size: tuple[int, int] = SIZE, orientation: int = 1) -> Path:
    """A photo-like 12 MP JPEG: smooth colour fields, mid-scale texture, hard-edged shapes, sensor grain."""
    rng = np.random.default_rng(seed)
    w, h = size
    coarse = rng.integers(30, 220, (6, 8, 3), dtype=np.uint8)
    img = Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(img)
    for _ in range(40):
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        r = int(rng.integers(40, 600))
        fill = tuple(int(v) for v in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
        else:
            draw.line((x, y, x + int(rng.integers(-r, r)), y + int(rng.integers(-r, r))), fill=fill,
                      width=int(rng.integers(3, 40)))
    texture = Image.fromarray(rng.integers(0, 50, (h // 12, w // 12, 3), dtype=np.uint8)).resize(
        size, Image.Resampling.BILINEAR)
    px = np.asarray(img, dtype=np.int16) + np.asarray(texture, dtype=np.int16) - 25
    px += rng.integers(-6, 7, (h, w, 1), dtype=np.int16)  # luminance grain
    out = Image.fromarray(np.clip(px, 0, 255).astype(np.uint8))
    exif = Image.Exif()
    if orientation != 1:
        exif[0x0112] = orientation
    out.save(path, quality=92, exif=exif)
    return path


# ---- the candidates: path -> (3, 224, 224) float tensor ------------------------------------------------------

_transform: Callable[[Image.Image], Any] | None = None


def _set_transform(transform: Callable[[Image.Image], Any]) -> None:
    """Also the spawn workers' initializer: one torch thread each, as in the main process."""
    import torch

    torch.set_num_threads(1)
    global _transform
    _transform = transform


def loader(path: str) -> Any:
    assert _transform is not None
    return _transform(load_image(path, INPUT).image)


def plain_pil(path: str) -> Any:
    assert _transform is not None
    with Image.open(path) as im:
        im.load()
        rgb = ImageOps.exif_transpose(im).convert("RGB")
    return _transform(rgb)


def turbo(path: str) -> Any:
    import simplejpeg

    assert _transform is not None
    data = Path(path).read_bytes()
    with Image.open(io.BytesIO(data)) as header:  # headers only: simplejpeg ignores EXIF
        orientation = header.getexif().get(0x0112, 1)
    rgb = Image.fromarray(simplejpeg.decode_jpeg(data, colorspace="RGB", min_width=INPUT, min_height=INPUT))
    method = _TRANSPOSE.get(orientation)
    return _transform(rgb.transpose(method) if method is not None else rgb)


def _ready(_: int) -> int:
    time.sleep(0.2)  # long enough that every worker takes one: all of them have started and imported
    return os.getpid()


# ---- measuring -----------------------------------------------------------------------------------------------


@contextmanager
def peak_rss(children: bool = False) -> Iterator[list[float]]:
    """Yields a one-element list that holds, afterwards, the peak MiB over the RSS at entry (with `children`:
    plus the pool workers', whose list is refreshed every ~50 ms because scanning /proc is not free)."""
    me = psutil.Process()
    kids: list[psutil.Process] = []

    def rss(refresh: bool) -> int:
        if children and refresh:
            kids[:] = me.children(recursive=True)
        total = me.memory_info().rss
        for child in kids:
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return total

    base, peak, stop = rss(True), [0], threading.Event()

    def sample() -> None:
        i = 0
        while not stop.is_set():
            peak[0] = max(peak[0], rss(i % 10 == 0))
            i += 1
            stop.wait(0.005)

    t = threading.Thread(target=sample, daemon=True)
    out = [0.0]
    t.start()
    try:
        yield out
    finally:
        stop.set()
        t.join()
        out[0] = max(peak[0] - base, 0) / 2**20


@dataclass
class Row:
    name: str
    workers: int
    rate: float  # photos/s
    rss_mib: float
    tensors: list[Any]
    startup_s: float | None = None


def best_of(repeat: int, fn: Callable[[], list[Any]], n: int) -> tuple[float, list[Any]]:
    best, out = float("inf"), []
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - started)
    return n / best, out


def threaded(name: str, fn: Callable[[str], Any], paths: list[str], workers: int, repeat: int) -> Row:
    fn(paths[0])  # imports and first-call costs outside the clock
    with peak_rss() as rss, ThreadPoolExecutor(workers) as pool:
        rate, out = best_of(repeat, lambda: list(pool.map(fn, paths)), len(paths))
    return Row(name, workers, rate, rss[0], out)


def spawned(paths: list[str], workers: int, repeat: int, transform: Any) -> Row:
    ctx = multiprocessing.get_context("spawn")
    with peak_rss(children=True) as rss:
        started = time.perf_counter()
        with ctx.Pool(workers, initializer=_set_transform, initargs=(transform,)) as pool:
            pool.map(_ready, range(workers), chunksize=1)
            startup = time.perf_counter() - started
            pool.map(loader, paths[:workers], chunksize=1)  # first-call costs, as for the threads
            rate, out = best_of(repeat, lambda: pool.map(loader, paths, chunksize=1), len(paths))
    return Row("(d) loader, spawn processes", workers, rate, rss[0], out, startup)


def compare(ref: list[Any], out: list[Any]) -> tuple[float, float]:
    import torch

    a, b = torch.stack(ref).flatten(1).double(), torch.stack(out).flatten(1).double()
    cos = torch.nn.functional.cosine_similarity(a, b, dim=1).min().item()
    return cos, (a - b).abs().max().item()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=24)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2, help="the 'all cores' column")
    ap.add_argument("--repeat", type=int, default=2, help="timed passes per cell; the best counts")
    args = ap.parse_args()
    n_all = args.threads
    import torch

    from tests.index_helpers import tiny_encoder

    torch.set_num_threads(1)
    try:
        import simplejpeg
        turbo_version: str | None = simplejpeg.__version__
    except ImportError:
        turbo_version = None
        print("(c) simplejpeg skipped: not installed (pip install -e '.[bench]' or pip install simplejpeg==1.9.0)")
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        transform = tiny_encoder(folder, image_size=INPUT, patch_size=32).image_transform
        _set_transform(transform)
        started = time.perf_counter()
        with ThreadPoolExecutor(n_all) as pool:
            paths = [str(p) for p in pool.map(
                lambda i: make_photo(folder / f"p{i:03d}.jpg", seed=i, orientation=6 if i % 4 == 3 else 1),
                range(args.photos))]
        made = time.perf_counter() - started
        mb = sum(os.path.getsize(p) for p in paths) / len(paths) / 1e6
        print(f"made {len(paths)} photos in {made:.1f} s, {mb:.1f} MB each", flush=True)
        candidates: list[tuple[str, Callable[[str], Any]]] = [("(a) loader (draft), threads", loader),
                                                              ("(b) plain PIL (full decode), threads", plain_pil)]
        if turbo_version is not None:
            candidates.append((f"(c) simplejpeg {turbo_version} (DCT-scaled), threads", turbo))
        rows: dict[tuple[str, int], Row] = {}
        for name, fn in candidates:
            for workers in (1, n_all):
                rows[name, workers] = threaded(name, fn, paths, workers, args.repeat)
                print(f"{name} x{workers}: {rows[name, workers].rate:.1f} photos/s", flush=True)
        for workers in (1, n_all):
            row = spawned(paths, workers, args.repeat, transform)
            rows[row.name, workers] = row
            print(f"{row.name} x{workers}: {row.rate:.1f} photos/s, start-up {row.startup_s:.1f} s", flush=True)

    ref = rows[candidates[0][0], 1].tensors
    names = [name for name, _ in candidates] + ["(d) loader, spawn processes"]
    per_core_needed = GPU_TARGET / GPU_CORES
    lines = [heading("bench_decode"), "",
             (f"{args.photos} generated {SIZE[0]}x{SIZE[1]} JPEGs (quality 92, {mb:.1f} MB each, every 4th EXIF "
             f"orientation 6, page cache warm) -> {INPUT} px CLIP tensor; best of {args.repeat}; 1 torch thread; "
             f"N = {n_all}. x(a) = rate over (a)'s at the same N. The {GPU_CORES}-core GPU machine needs "
             f"~{GPU_TARGET:.0f} photos/s = {per_core_needed:.1f} photos/s per core. Peak RSS is over what earlier rows "
             "left mapped (the allocator keeps freed memory), so small figures are lower bounds; (d)'s includes "
             "its workers."), "",
             (f"| candidate | photos/s 1 | ms/photo 1 | x(a) 1 | photos/s N={n_all} | x(a) N | per core at N | "
             f"x{GPU_CORES} cores (linear) | peak RSS +MiB 1 / N | min cosine / max abs vs (a) |"),
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name in names:
        one, many = rows[name, 1], rows[name, n_all]
        base1, baseN = rows[names[0], 1].rate, rows[names[0], n_all].rate
        cos, diff = compare(ref, one.tensors)
        label = name if one.startup_s is None else f"{name} (start-up {one.startup_s:.1f} s / {many.startup_s:.1f} s)"
        per_core = many.rate / n_all
        lines.append(f"| {label} | {one.rate:.1f} | {1000 / one.rate:.1f} | {one.rate / base1:.2f} | "
                     f"{many.rate:.1f} | {many.rate / baseN:.2f} | {per_core:.1f} | {per_core * GPU_CORES:.0f} | "
                     f"{one.rss_mib:.0f} / {many.rss_mib:.0f} | {cos:.6f} / {diff:.3g} |")
    if turbo_version is None:
        lines.append("")
        lines.append("(c) skipped: simplejpeg is not installed (pip install -e '.[bench]').")
    publish(lines)


if __name__ == "__main__":
    main()
