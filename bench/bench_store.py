"""Store benchmark: vec0 insert speed, and exact top-k latency of sqlite-vec KNN vs the RAM index.

Why: the design keeps vec0 as the durable store and searches a numpy matrix, because the sqlite-vec
0.1.9 wheel has no SIMD. This script shows the numbers behind that choice on the current machine.

    .venv/bin/python bench/bench_store.py            # 100k x 1280, ~1 min
    .venv/bin/python bench/bench_store.py --n 20000  # quicker
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from photosearch.store import Store, driver_name  # noqa: E402
from photosearch.store.vectors import VectorIndex  # noqa: E402


@dataclass
class Timing:
    median_ms: float
    p95_ms: float


def _time(fn: Callable[[np.ndarray], object], queries: np.ndarray) -> Timing:
    fn(queries[0])  # warm-up
    ts = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        ts.append((time.perf_counter() - t0) * 1e3)
    return Timing(statistics.median(ts), float(np.percentile(ts, 95)))


def _unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    x = rng.standard_normal((n, dim), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=1280)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--k", type=int, default=50)
    ap.add_argument("--filter-fraction", type=float, default=0.1)
    ap.add_argument("--slow-load", action="store_true", help="also time loading through the vec0 virtual table")
    args = ap.parse_args()
    rng = np.random.default_rng(0)

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.db")
        model = store.register_model("bench/model", args.dim)
        print(f"driver={driver_name()}  n={args.n}  dim={args.dim}  batch={args.batch}")

        with store.write_batch():
            keys = [store.key_for_hash(f"{i:064x}") for i in range(args.n)]

        batch_s = []
        t_all = time.perf_counter()
        for s in range(0, args.n, args.batch):
            vecs = _unit(rng, min(args.batch, args.n - s), args.dim)
            t0 = time.perf_counter()
            store.add_embeddings(model.model_id, list(zip(keys[s : s + len(vecs)], vecs)))  # one commit per batch
            batch_s.append(time.perf_counter() - t0)
        total = time.perf_counter() - t_all
        print(
            f"insert: {total:.1f} s total ({args.n / sum(batch_s):.0f} vectors/s; per {args.batch}-batch "
            f"median {statistics.median(batch_s) * 1e3:.0f} ms, max {max(batch_s) * 1e3:.0f} ms)"
        )

        idx = store.vector_index(model.model_id)
        t0 = time.perf_counter()
        idx.refresh()
        print(f"RAM index load (shadow-table fast path={idx._reader.fast}): {time.perf_counter() - t0:.2f} s")
        if args.slow_load:
            slow = VectorIndex(store.conn, model)
            slow._reader.fast = False
            t0 = time.perf_counter()
            slow.refresh()
            print(f"RAM index load through vec0 virtual table: {time.perf_counter() - t0:.2f} s")
            del slow
        t0 = time.perf_counter()
        idx.refresh()
        noop_ms = (time.perf_counter() - t0) * 1e3
        print(f"refresh() with nothing new: {noop_ms:.2f} ms")

        queries = _unit(rng, args.queries, args.dim)
        sql = f'SELECT rowid, distance FROM "{model.table_name}" WHERE embedding MATCH ? AND k = ?'

        def vec_knn(q: np.ndarray) -> list:
            return store.conn.execute(sql, (q.tobytes(), args.k)).fetchall()

        cand = np.asarray(rng.choice(keys, int(args.n * args.filter_fraction), replace=False), np.int64)
        t_vec = _time(vec_knn, queries)
        t_ram = _time(lambda q: idx.search(q, args.k), queries)
        t_flt = _time(lambda q: idx.search(q, args.k, candidate_keys=cand), queries)

        agree = np.mean(
            [
                [r[0] for r in vec_knn(q)] == [key for key, _ in idx.search(q, args.k)]
                for q in queries[:10]
            ]
        )
        print(f"\nquery latency, k={args.k}, {args.queries} queries (median / p95):")
        print(f"  sqlite-vec KNN (k = ?)          {t_vec.median_ms:8.1f} / {t_vec.p95_ms:8.1f} ms")
        print(f"  RAM index, no filter            {t_ram.median_ms:8.1f} / {t_ram.p95_ms:8.1f} ms")
        print(
            f"  RAM index, {args.filter_fraction:.0%} candidates        "
            f"{t_flt.median_ms:8.1f} / {t_flt.p95_ms:8.1f} ms"
        )
        print(f"  speed-up RAM vs sqlite-vec: {t_vec.median_ms / t_ram.median_ms:.1f}x (no filter), "
              f"{t_vec.median_ms / t_flt.median_ms:.1f}x (filtered)")
        print(f"  same top-{args.k} as sqlite-vec on 10 queries: {agree:.0%}")
        print(f"RAM index memory: {idx.nbytes / 2**20:.0f} MiB ({len(idx)} rows x {args.dim} float32 + slack)")

        more = _unit(rng, args.batch, args.dim)
        with store.write_batch():
            new_keys = [store.key_for_hash(f"new{i}") for i in range(args.batch)]
        store.add_embeddings(model.model_id, list(zip(new_keys, more)))
        t0 = time.perf_counter()
        changed = idx.refresh()
        print(f"incremental refresh of {changed} new rows: {(time.perf_counter() - t0) * 1e3:.0f} ms")
        store.close()


if __name__ == "__main__":
    main()
