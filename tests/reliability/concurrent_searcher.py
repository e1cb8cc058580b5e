"""The second process of `test_concurrent_search.py`: searches one library through the Library service, as the CLI
and the app do, while another process indexes it, and checks every result set against the database.

    python -m tests.reliability.concurrent_searcher PLAN.json REPORT.json

PLAN: {"db", "searches" (at least this many), "ready_flag" (created once the first search, which loads the text
model, is done), "done_flag" (keep searching until this file exists), "images"
(indexed photos that never change, searched by), "texts", "folder" (a subfolder for filtered searches), "churn"
(paths deleted or edited meanwhile)}. The report counts searches by kind, every error (by type and message)
and every inconsistency, with the first few of each spelled out.

A result set is consistent when its scores are sorted, no path repeats, no more than k came back, and, checked
in one read snapshot right after the search, each result that is not being churned is an `indexed` file whose
content has a live vector of the searched model, and its score is that vector's cosine with the query. A search
by an indexed photo returns that photo first.
"""
from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from photosearch.library import Library
from photosearch.search import SearchFilters, SearchOutcome, SearchRequest
from photosearch.store import FileStatus, Store


def check(store: Store, model_id: str, request: SearchRequest, outcome: SearchOutcome, query: np.ndarray,
          churn: set[str]) -> list[str]:
    results = outcome.results
    problems = []
    if outcome.model_id != model_id:
        problems.append(f"searched with {outcome.model_id}, not {model_id}")
    if len(results) > request.k:
        problems.append(f"{len(results)} results for k={request.k}")
    scores = [r.score for r in results]
    if scores != sorted(scores, reverse=True):
        problems.append("scores not sorted")
    paths = [r.path for r in results]
    if len(set(paths)) != len(paths):
        problems.append("a path repeats")
    if request.image is not None and not request.filters.active() and (not paths or paths[0] != request.image):
        problems.append(f"searching by {request.image} did not return it first but {paths[:1]}")
    conn = store.conn
    table = store.model(model_id).table_name
    conn.execute("BEGIN")  # one snapshot for the whole check
    try:
        for r in results:
            if r.path in churn:
                continue
            row = conn.execute("SELECT content_id, status FROM files WHERE id = ?", (r.file_id,)).fetchone()
            if row is None or row[1] != "indexed":
                problems.append(f"{r.path} is {row[1] if row else 'not in the library'}")
                continue
            key = row[0]
            live = conn.execute("SELECT 1 FROM embeddings WHERE model_id = ? AND content_id = ? AND deleted = 0",
                                (model_id, key)).fetchone()
            blob = conn.execute(f'SELECT embedding FROM "{table}" WHERE rowid = ?', (key,)).fetchone()
            if live is None or blob is None:
                problems.append(f"{r.path} has no vector of {model_id}")
                continue
            expected = float(np.frombuffer(blob[0], np.float32) @ query)
            if abs(expected - r.score) > 1e-4:
                problems.append(f"{r.path} scored {r.score:.6f}, its vector says {expected:.6f}")
    finally:
        conn.execute("COMMIT")
    return problems


def run(plan: dict) -> dict:
    churn = set(plan["churn"])
    errors: Counter[str] = Counter()
    bad: list[str] = []
    kinds: Counter[str] = Counter()
    indexed_seen: set[int] = set()
    with Library.open(plan["db"]) as library, Store.open(plan["db"]) as store:
        model_id = store.models()[0].model_id
        i = 0
        while i < plan["searches"] or not os.path.exists(plan["done_flag"]):
            k = (5, 20, 50)[i % 3]
            if i % 10 == 0:
                kind, request = "text", SearchRequest(query=plan["texts"][i // 10 % len(plan["texts"])], k=k)
            elif i % 10 == 5:
                kind = "filtered"
                request = SearchRequest(image=plan["images"][i % len(plan["images"])], k=k,
                                        filters=SearchFilters(folder=plan["folder"]))
            else:
                kind, request = "image", SearchRequest(image=plan["images"][i % len(plan["images"])], k=k)
            i += 1
            kinds[kind] += 1
            try:
                outcome = library.search(request)
                query, _ = library.searcher().query_vector(request.terms())  # stored or cached: what it searched
                problems = check(store, model_id, request, outcome, query, churn)
                if i % 10 == 0:
                    indexed_seen.add(store.counts().by_status[FileStatus.INDEXED])
            except Exception as e:  # noqa: BLE001 - every failure is counted, none may happen
                errors[f"{type(e).__name__}: {e}"] += 1
                continue
            if problems:
                bad.append(f"search {i} ({kind}, k={k}): " + "; ".join(problems))
            if i == 1:
                Path(plan["ready_flag"]).touch()
    return {"searches": sum(kinds.values()), "kinds": dict(kinds), "errors": sum(errors.values()),
            "error_kinds": dict(errors.most_common(5)), "inconsistent": len(bad), "first_inconsistent": bad[:5],
            "indexed_counts_seen": sorted(indexed_seen)}


if __name__ == "__main__":
    plan = json.loads(Path(sys.argv[1]).read_text())
    Path(sys.argv[2]).write_text(json.dumps(run(plan)))
