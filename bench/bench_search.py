"""Search latency at 100k and 1M vectors, and `duplicates` over 100k, on random and clustered vectors.

    python bench/bench_search.py [--sizes 100000,1000000] [--dim 1280] [--queries 50] [--dup-size 100000]

Search: the store's RAM index (`VectorIndex.search`, exact float32 matvec + argpartition) at 100k through a
real library file (vectors written through the store, loaded as a search loads them), and the same scoring
on a bare float32 matrix for sizes where writing a library file would take this machine minutes; p50/p95 of
single queries, the index's RAM, recall@20 against exact float search (1.0 by construction for the exact path:
printed so a quantised path can be compared). Duplicates: `group_keys` (projected candidates, checked at full
width) against the full-width pass it replaced, both timed in this run (the full-width pass on a 20k subset and
scaled by N^2, as it is quadratic), and the groups compared. Random vectors are the hard case for any
compression; clustered ones (1,000 centres) look like a photo library's. Issue 9's targets: 100k <= 30 ms and
recall >= 0.99; 1M <= 200 ms, recall >= 0.95, index RAM <= 1.5 GB; duplicates over 100k <= 60 s.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.results import heading, publish  # noqa: E402


def vectors(kind: str, n: int, dim: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "random":
        x = rng.standard_normal((n, dim), dtype=np.float32)
    else:
        centres = rng.standard_normal((1000, dim), dtype=np.float32)
        x = centres[rng.integers(0, 1000, n)]
        x += 0.6 * rng.standard_normal((n, dim), dtype=np.float32)
    # near-duplicates, as bursts and re-saves make them: 1% of rows are slightly moved copies of others
    dup = rng.choice(n, n // 100, replace=False)
    x[dup] = x[rng.integers(0, n, dup.size)] + 0.12 * np.linalg.norm(x[0]) / np.sqrt(dim) * rng.standard_normal(
        (dup.size, dim), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def percentiles(times: list[float]) -> tuple[float, float]:
    return float(np.percentile(times, 50) * 1000), float(np.percentile(times, 95) * 1000)


def search_through_store(mat: np.ndarray, queries: np.ndarray, quantized: bool = False
                         ) -> tuple[float, float, float, float, float]:
    from photosearch.store import Store
    from photosearch.store.ram_index import VectorIndex

    VectorIndex.QUANTIZE_ABOVE_BYTES = 0 if quantized else 1 << 30

    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        store = Store.open(Path(tmp) / "lib.db")
        store.register_model("bench", mat.shape[1])
        keys = np.arange(1, len(mat) + 1)
        with store.write_batch():
            for s in range(0, len(mat), 5000):
                store.conn.executemany("INSERT INTO contents(id, quick_hash) VALUES (?, ?)",
                                       [(int(k), f"h{k}") for k in keys[s:s + 5000]])
                store.add_embeddings("bench", list(zip(keys[s:s + 5000].tolist(), mat[s:s + 5000])))
        index = store.vector_index("bench")
        start = time.perf_counter()
        index.refresh()
        assert index.quantized == quantized
        load = time.perf_counter() - start
        times, recall = [], []
        for q in queries:
            start = time.perf_counter()
            got = index.search(q, 20)
            times.append(time.perf_counter() - start)
            truth = set((np.argsort(-(mat @ q))[:20] + 1).tolist())
            recall.append(len(truth & {k for k, _ in got}) / 20)
        p50, p95 = percentiles(times)
        ram = index.nbytes / 2**30
        store.close()
    return p50, p95, float(np.mean(recall)), ram, load


def search_codes_bare(mat: np.ndarray, queries: np.ndarray) -> tuple[float, float, float, float]:
    """The quantised path at a size a library file here would take minutes to write: codes, then the rerank
    from the matrix (the library reads those 200 exact rows from the file: see the 100k quantised row)."""
    from photosearch.store.quantized import QuantizedRows
    from photosearch.store.ram_index import VectorIndex

    codes = QuantizedRows(mat.shape[1])
    codes.train(mat[:: max(1, len(mat) // 50_000)])
    for s in range(0, len(mat), 100_000):
        codes.add(np.arange(s, min(s + 100_000, len(mat))), mat[s:s + 100_000])
    times, recall = [], []
    for q in queries:
        start = time.perf_counter()
        cand = np.unique(codes.candidates(q, VectorIndex.RERANK))
        scores = mat[cand] @ q
        top = cand[np.argsort(-scores)[:20]]
        times.append(time.perf_counter() - start)
        truth = np.argpartition(-(mat @ q), 20)[:20]
        recall.append(len(set(truth.tolist()) & set(top.tolist())) / 20)
    p50, p95 = percentiles(times)
    return p50, p95, float(np.mean(recall)), codes.nbytes / 2**30


def search_bare(mat: np.ndarray, queries: np.ndarray) -> tuple[float, float, float]:
    scores = np.empty(len(mat), np.float32)
    times = []
    for q in queries:
        start = time.perf_counter()
        np.dot(mat, q, out=scores)
        top = np.argpartition(scores, len(scores) - 20)[-20:]
        top[np.argsort(-scores[top])]
        times.append(time.perf_counter() - start)
    p50, p95 = percentiles(times)
    return p50, p95, mat.nbytes / 2**30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--dim", type=int, default=1280)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--dup-size", type=int, default=100_000)
    parser.add_argument("--threshold", type=float, default=0.95)
    args = parser.parse_args()

    from photosearch.duplicates import _pairs_at_full_width, group_keys

    rows = ["| what | vectors | p50 | p95 | recall@20 | RAM | note |", "|---|---|---|---|---|---|---|"]
    for kind in ("random", "clustered"):
        for n in (int(s) for s in args.sizes.split(",")):
            mat = vectors(kind, n, args.dim)
            queries = vectors(kind, args.queries, args.dim, seed=99)
            if n <= 200_000:
                for quantized in (False, True):
                    p50, p95, recall, ram, load = search_through_store(mat, queries, quantized)
                    what = "8-bit codes + exact rerank (forced)" if quantized else "float32 (default at this size)"
                    rows.append(f"| search, store's RAM index, {what} | {kind} {n:,} | {p50:.1f} ms | {p95:.1f} ms | "
                                f"{recall:.3f} | {ram:.2f} GiB | loaded from the library file in {load:.1f} s |")
            else:
                p50, p95, ram = search_bare(mat, queries)
                rows.append(f"| search, float32 matrix (what the index held before) | {kind} {n:,} | {p50:.1f} ms | "
                            f"{p95:.1f} ms | 1.000 | {ram:.2f} GiB | bare matrix |")
                p50, p95, recall, ram = search_codes_bare(mat, queries)
                rows.append(f"| search, 8-bit codes + exact rerank (the index at this size) | {kind} {n:,} | "
                            f"{p50:.1f} ms | {p95:.1f} ms | {recall:.3f} | {ram:.2f} GiB | rerank rows from RAM |")
            del mat
    dup_rows = ["| duplicates | vectors | new | full width (before) | groups agree |", "|---|---|---|---|---|"]
    for kind in ("random", "clustered"):
        mat = vectors(kind, args.dup_size, args.dim, seed=5)
        keys = np.arange(len(mat))
        start = time.perf_counter()
        groups = group_keys(keys, mat, args.threshold)
        new = time.perf_counter() - start
        sub = min(20_000, len(mat))
        start = time.perf_counter()
        old_pairs = set(_pairs_at_full_width(mat[:sub], args.threshold, 1024))
        old = (time.perf_counter() - start) * (len(mat) / sub) ** 2
        new_sub = {frozenset(g) for g in group_keys(keys[:sub], mat[:sub], args.threshold) if len(g) > 1}
        parent: dict[int, int] = {}

        def find(i: int) -> int:
            while parent.setdefault(i, i) != i:
                i = parent[i]
            return i
        for i, j in old_pairs:
            parent[find(i)] = find(j)
        old_groups: dict[int, set[int]] = {}
        for i in parent:
            old_groups.setdefault(find(i), set()).add(i)
        agree = new_sub == {frozenset(g) for g in old_groups.values() if len(g) > 1}
        dup_rows.append(f"| {sum(len(g) > 1 for g in groups):,} groups at {args.threshold} | {kind} {len(mat):,} | "
                        f"{new:.1f} s | {old:.0f} s (20k measured, x N^2) | {agree} (on 20k) |")
    lines = [heading("bench_search"), "", f"{args.dim}-d unit vectors, single queries, k = 20", "",
             *rows, "", *dup_rows]
    publish(lines)


if __name__ == "__main__":
    main()
