"""1,000 searches from a second process while this one indexes a few hundred photos, deletes and edits some.

The searcher (`concurrent_searcher.py`) goes through the Library service as the CLI and the app do, by indexed
photo, by text (whose query vectors it writes to the library while the indexer writes too) and with a folder
filter, and keeps searching until indexing is over, so every phase of it overlaps searches. It checks each
result set against one read snapshot of the database (see its docstring). What users rely on: no search fails
("database is locked" or anything else) and none returns a photo that is not indexed, a vector of another model
or content, unsorted scores or a path twice.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from indexer import Indexer, IndexerConfig, PipelineConfig
from photosearch.library import Library
from photosearch.store import FileStatus, Store
from tests.index_helpers import make_photos, wait_until
from tests.tiny.longclip import write_tiny_longclip

REPO = Path(__file__).resolve().parents[2]
SEED, MORE, SEARCHES = 40, 260, 1000
CONFIG = IndexerConfig(pipeline=PipelineConfig(batch_size=8, workers=2))  # small batches: many commits to race


def index(indexer: Indexer) -> None:
    scans, run = indexer.index()
    assert run.failed == 0 and all(s.reachable for s in scans)


def test_a_thousand_searches_from_another_process_during_indexing_all_answer_consistently(tmp_path: Path) -> None:
    photos = tmp_path / "Pictures"
    seed = make_photos(photos / "A", SEED)
    db = tmp_path / "lib.db"
    library = Library.open(db)
    library.add_folder(photos)
    with library, Indexer.open(library, f"longclip:{write_tiny_longclip(tmp_path / 'm.pt')}", CONFIG) as indexer:
        index(indexer)  # something to search from the first query on
        deleted, edited = seed[:8], seed[8:16]
        plan = {"db": str(db), "searches": SEARCHES, "ready_flag": str(tmp_path / "searching"),
                "done_flag": str(tmp_path / "indexing-done"), "images": [str(p) for p in seed[16:]],
                "texts": ["a red circle", "blue stripes on white", "ein grünes Dreieck", "a dark ring", "cross"],
                "folder": str(photos / "A"), "churn": [str(p) for p in deleted + edited]}
        (tmp_path / "plan.json").write_text(json.dumps(plan))
        searcher = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.concurrent_searcher", str(tmp_path / "plan.json"),
             str(tmp_path / "report.json")],
            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO), "PHOTOSEARCH_LOG_DIR": str(tmp_path / "logs")},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            make_photos(photos / "B", MORE, start=SEED)
            wait_until(lambda: os.path.exists(plan["ready_flag"]) or searcher.poll() is not None, timeout=120,
                       what="the searcher's first search")
            index(indexer)
            for p in deleted:
                p.unlink()
            for p in edited:
                Image.open(p).save(p, quality=40)  # new bytes, new content: the old vector goes, a new one comes
            index(indexer)
        finally:
            (tmp_path / "indexing-done").touch()
            output, _ = searcher.communicate(timeout=300)
    assert searcher.returncode == 0, output
    report = json.loads((tmp_path / "report.json").read_text())
    print("concurrent searches:", json.dumps(report))

    assert report["searches"] >= SEARCHES
    assert report["errors"] == 0, report["error_kinds"]
    assert report["inconsistent"] == 0, report["first_inconsistent"]
    assert len(report["indexed_counts_seen"]) >= 2, "the searches never saw the library change: no overlap"
    with Store.open(db) as store:
        counts = store.counts()
        assert counts.by_status[FileStatus.INDEXED] == SEED + MORE - len(deleted)
        assert counts.by_status[FileStatus.MISSING] == len(deleted)
