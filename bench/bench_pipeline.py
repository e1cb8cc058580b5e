"""Pipeline efficiency: the indexer's end-to-end photos/s over the encoder's own images/s, same model, batch and
machine, in one run (issue 9: >= 0.90 on a CPU, >= 0.80 on a GPU).

    python bench/bench_pipeline.py [--arch longclip-b vit-b-32-256] [--count 64] [--batch 32] [--device cpu]

Per architecture (random weights, the released layouts), in one process:

* encoder only: `Encoder.encode_pixels` on the photos' own preprocessed tensors, made beforehand, in batches
  of `--batch` (best of 2 passes);
* decode only: the indexer's loader (`load_image` at the model's size + its transform) on one thread per core;
* end to end: `Indexer.run` on a fresh library (scan done before, words inside photos off): hashing, decoding,
  preprocessing, encoding and writing, its own rate (model loading left out, as the run's summary quotes it).

The "shared-core ceiling" is what end to end can reach when decoding and encoding take turns on the same
cores: 1 / (1/encode + 1/decode), over encode. On a CPU it bounds the efficiency whatever the overlap.
Photos: `--count` 4000x3000 JPEGs made by ../shared/peers/make_bench_photos.py (the rclip peer's album).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.bench_index import make_photos, model_spec  # noqa: E402
from bench.results import heading, publish  # noqa: E402


def measure(arch: str, photos: list[Path], batch: int, device: str, work: Path) -> dict[str, float]:
    import torch

    from indexer import Indexer, IndexerConfig, PipelineConfig
    from indexer.text_stage import TextConfig
    from photosearch.images import load_image
    from photosearch.library import Library

    spec = model_spec(arch, work)
    cores = os.cpu_count() or 2
    with Library.open(work / f"{arch}.db", device=device) as library:
        encoder = library.encoder(spec)
        encoder.batch_size = batch
        transform = encoder.image_transform  # loads the vision tower

        def decode(path: Path) -> "torch.Tensor":
            return transform(load_image(path, target=encoder.image_size).image)

        with ThreadPoolExecutor(cores) as pool:
            start = time.perf_counter()
            pixels = torch.stack(list(pool.map(decode, photos)))
            decode_s = time.perf_counter() - start
        encoder.encode_pixels(pixels[:batch])  # warm-up
        encode_s = float("inf")
        for _ in range(2):
            start = time.perf_counter()
            encoder.encode_pixels(pixels)
            encode_s = min(encode_s, time.perf_counter() - start)

        library.add_folder(photos[0].parent)
        config = IndexerConfig(pipeline=PipelineConfig(batch_size=batch), text=TextConfig(enabled=False))
        with Indexer.open(library, spec, config) as indexer:
            indexer.scan()
            start = time.perf_counter()
            run = indexer.run()
            wall_s = time.perf_counter() - start
    n = len(photos)
    encode, decode_rate = n / encode_s, n / decode_s
    return {"encode": encode, "decode": decode_rate, "e2e": run.photos_per_s, "wall": run.indexed / wall_s,
            "indexed": run.indexed, "ceiling": 1 / (1 / encode + 1 / decode_rate) / encode}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", nargs="+", default=["longclip-b", "vit-b-32-256"],
                        choices=["longclip-b", "vit-b-32-256"])
    parser.add_argument("--count", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    folder = make_photos(Path(tempfile.gettempdir()) / f"ps-bench-{args.count}", args.count)
    photos = sorted(p for p in folder.iterdir() if p.suffix.lower() in {".jpg", ".jpeg"})
    lines = [heading("bench_pipeline"), "",
             f"{len(photos)} photos of 4000x3000, batch {args.batch}, device {args.device}, random weights", "",
             "| model | encoder only | decode only (all cores) | end to end (run's rate / with set-up) | "
             "efficiency | shared-core ceiling |", "|---|---|---|---|---|---|"]
    for arch in args.arch:
        with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
            f = measure(arch, photos, args.batch, args.device, Path(tmp))
        lines.append(f"| {arch} | {f['encode']:.2f} img/s | {f['decode']:.1f} photos/s | {f['e2e']:.2f} / "
                     f"{f['wall']:.2f} photos/s | **{f['e2e'] / f['encode']:.2f}** | {f['ceiling']:.2f} |")
    lines += ["", "efficiency = end to end (the run's own rate) / encoder only; target >= 0.90 on a CPU"]
    publish(lines)


if __name__ == "__main__":
    main()
