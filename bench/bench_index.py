"""Indexing throughput and warm query latency of the real pipeline, with random weights of real architectures.

    python bench/bench_index.py [--photos DIR] [--count 100] [--arch longclip-b|vit-b-32-256] [--workers 0]

Photos: DIR, or `--count` 4000x3000 JPEGs made by ../shared/peers/make_bench_photos.py (the album the rclip
peer benchmark uses). Architectures: `longclip-b` is Long-CLIP-B's shape (ViT-B/16 at 224, our smallest
released model) written in the released .pt layout; `vit-b-32-256` is open_clip's ViT-B-32-256, the model
rclip uses, so the two pipelines can be compared like for like. Prints photos/s with the encode/decode split
and warm query latency (text, cached text, image).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests.tiny writes checkpoints in the released layouts

from indexer import Indexer, IndexerConfig, PipelineConfig  # noqa: E402
from photosearch.library import Library  # noqa: E402
from photosearch.search import SearchRequest  # noqa: E402

LONGCLIP_B = dict(vision_width=768, vision_layers=12, patch_size=16, image_size=224, text_width=512,
                  text_layers=12, embed_dim=512)


def make_photos(out: Path, count: int) -> Path:
    script = REPO.parent / "shared" / "peers" / "make_bench_photos.py"
    if not script.exists():
        sys.exit(f"no --photos given and {script} is missing")
    subprocess.run([sys.executable, str(script), str(out), "--count", str(count)], check=True)
    return out


def model_spec(arch: str, folder: Path) -> str:
    if arch == "longclip-b":
        from tests.tiny.longclip import write_tiny_longclip

        return f"longclip:{write_tiny_longclip(folder / 'longclip-B-random.pt', **LONGCLIP_B)}"
    import open_clip
    import torch

    model = open_clip.create_model("ViT-B-32-256", pretrained=None)
    torch.save(model.state_dict(), folder / "vit-b-32-256-random.pt")
    return f"openclip:ViT-B-32-256@{folder / 'vit-b-32-256-random.pt'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=Path, default=None)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--arch", choices=("longclip-b", "vit-b-32-256"), default="longclip-b")
    parser.add_argument("--workers", type=int, default=0, help="decode threads (0 = one per core)")
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        photos = args.photos or make_photos(Path(tempfile.gettempdir()) / f"ps-bench-{args.count}", args.count)
        spec = model_spec(args.arch, tmp)
        with Library.open(tmp / "bench.db", device="cpu") as library:
            encoder = library.encoder(spec)  # the instance the indexer and the searches below share
            encode_s = 0.0
            inner = encoder.encode_pixels

            def timed(pixels):
                nonlocal encode_s
                start = time.perf_counter()
                out = inner(pixels)
                encode_s += time.perf_counter() - start
                return out

            encoder.encode_pixels = timed  # type: ignore[method-assign]
            library.add_folder(photos)
            config = IndexerConfig(pipeline=PipelineConfig(batch_size=args.batch, workers=args.workers))
            start = time.perf_counter()
            with Indexer.open(library, spec, config) as indexer:
                scans, run = indexer.index()
            total_s = time.perf_counter() - start
            n = run.indexed
            print(f"{args.arch}: indexed {n} photos ({run.failed} failed) in {total_s:.1f} s = {n / total_s:.2f} "
                  f"photos/s (scan+decode+encode+write); encoder busy {encode_s:.1f} s "
                  f"({encode_s / max(n, 1) * 1000:.0f} ms/photo)")
            library.search(SearchRequest("warm-up", k=20))
            for label, query in (("text", "a dog playing on the beach at sunset"),
                                 ("cached text", "a dog playing on the beach at sunset")):
                t = time.perf_counter()
                library.search(SearchRequest(query, k=20))
                print(f"  warm query, {label}: {(time.perf_counter() - t) * 1000:.0f} ms")
            first = sorted(p for p in photos.iterdir() if p.suffix.lower() in {".jpg", ".jpeg"})[0]
            t = time.perf_counter()
            library.search(SearchRequest(image=first, k=20))
            print(f"  warm query, indexed photo: {(time.perf_counter() - t) * 1000:.0f} ms")

if __name__ == "__main__":
    main()
