"""Words inside photos: OCR photos/s on this CPU with and without the quick look, recognition accuracy on
rendered photos, and how much the library grows per 1,000 photos.

The set: `--text` photos with words (PIL-rendered, several fonts and sizes, some rotated, on textured
backgrounds; umlauts and Chinese where this machine has the fonts) and `--plain` look-alikes without words, at
`--size` pixels (camera photos are bigger; the loader decodes JPEGs at a reduced scale first).

    .venv/bin/python bench/bench_ocr.py                  # 12 + 12 photos at 1600x1200, ~1 min
    .venv/bin/python bench/bench_ocr.py --text 40 --plain 160
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results import heading, publish  # noqa: E402
from photosearch.ocr import OcrConfig, Recognizer, TextStatus, words  # noqa: E402
from photosearch.store import Store  # noqa: E402
from tests.text_photos import cjk_font, latin_font, plain_photo, text_photo, umlaut_font  # noqa: E402

PHRASES = ["CAFE LUNA 12.50", "Harbour Street", "EXIT 42", "Museum Ticket", "Total 38.90 EUR", "Platform 7",
           "Bäckerei Größe", "Zürich Übung", "北京咖啡馆", "東京駅"]


def build(folder: Path, n_text: int, n_plain: int, size: tuple[int, int]) -> list[tuple[Path, str | None]]:
    out: list[tuple[Path, str | None]] = []
    for i in range(n_text):
        phrase = PHRASES[i % len(PHRASES)]
        px = (28, 40, 64, 96)[i % 4] * size[0] // 1000
        font = (cjk_font(px) if any(ord(c) > 0x2E80 for c in phrase)
                else umlaut_font(px) if any(c in "äöüßÄÖÜ" for c in phrase) else latin_font(px))
        if font is None:
            phrase, font = PHRASES[0], latin_font(px)
        angle = (0, 0, 8, -12, 180)[i % 5]
        out.append((text_photo(folder / f"t{i:03d}.jpg", phrase, font, size=size, angle=angle, seed=i), phrase))
    for i in range(n_plain):
        out.append((plain_photo(folder / f"p{i:03d}.jpg", seed=1000 + i, size=size), None))
    return out


def _cer(ref: str, hyp: str) -> float:
    a, b = "".join(ref.split()), "".join(hyp.split())
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1] / max(len(a), 1)


def run(recognizer: Recognizer, photos: list[tuple[Path, str | None]]) -> tuple[float, list]:
    recognizer.read_file(photos[0][0])  # load the engines outside the clock
    started = time.perf_counter()
    results = [recognizer.read_file(p) for p, _ in photos]
    return len(photos) / (time.perf_counter() - started), results


def growth(results: list, per: int = 1000) -> float:
    """MiB the library grows by when 1,000 photos like these (same share with text) are read."""
    with tempfile.TemporaryDirectory() as d:
        store = Store.open(Path(d) / "g.db")
        root = store.add_root(d)
        with store.write_batch():
            keys = [store.upsert_file(root.id, f"{d}/{i}.jpg", size=1, mtime_ns=1, quick_hash=f"h{i}").key
                    for i in range(per)]
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = os.path.getsize(Path(d) / "g.db")
        store.put_text_results([(k, results[i % len(results)]) for i, k in enumerate(keys)])
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        after = os.path.getsize(Path(d) / "g.db")
        store.close()
    return (after - before) / 2**20 * 1000 / per


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--text", type=int, default=12)
    ap.add_argument("--plain", type=int, default=12)
    ap.add_argument("--size", type=int, nargs=2, default=(1600, 1200))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        photos = build(Path(d), args.text, args.plain, tuple(args.size))
        quick = Recognizer(OcrConfig())
        full = Recognizer(OcrConfig(quick_side=0))
        rate_quick, res_quick = run(quick, photos)
        rate_full, res_full = run(full, photos)
    lines = [heading("bench_ocr"), "",
             f"{args.text} photos with words + {args.plain} without, {args.size[0]}x{args.size[1]} JPEG, "
             f"{quick.config.threads} OCR thread(s), {quick.engine}", "",
             "| what | with quick look | without |", "|---|---|---|",
             f"| photos/s on the mix | {rate_quick:.2f} | {rate_full:.2f} |"]
    for name, res in (("with quick look", res_quick), ("without", res_full)):
        refs = [(ref, r) for (_, ref), r in zip(photos, res) if ref is not None]
        cer = sum(_cer(ref, r.text) for ref, r in refs) / max(len(refs), 1)
        found = sum(len(set(words(ref)) & set(words(r.text))) for ref, r in refs)
        total = sum(len(set(words(ref))) for ref, _ in refs)
        false_text = sum(r.status == TextStatus.TEXT for (_, ref), r in zip(photos, res) if ref is None)
        lines.append(f"| {name}: character error rate / word recall / text read in plain photos | "
                     f"{cer:.3f} / {found}/{total} / {false_text}/{args.plain} | |")
    lines.append(f"| library growth per 1,000 photos (this mix: {args.text}/{args.text + args.plain} with words) | "
                 f"{growth(res_quick):.2f} MiB | |")
    publish(lines)


if __name__ == "__main__":
    main()
