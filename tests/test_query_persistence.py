"""A repeated query is answered from the library file: a later process (the next CLI call) gets the same
results and the same "cut" report without building a model, and never with a stale one."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from photosearch.cli import main
from photosearch.quick_text.runner import quick_text_root
from photosearch.store import Store
from photosearch.store.queries import StoredQuery
from tests.index_helpers import make_photos
from tests.tiny.longclip import write_tiny_longclip

REPO = Path(__file__).resolve().parents[1]
LONG = " ".join(["a long paragraph about a red bicycle beside a puddle"] * 40)  # far past 248 tokens

# runs the CLI in a fresh interpreter and says whether torch was imported
_PROBE = """
import json, sys
from photosearch.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "torch": "torch" in sys.modules}), file=sys.stderr)
"""


def _cli(*args: str) -> tuple[dict, dict]:
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, cwd=REPO,
                          timeout=300)
    probe = json.loads(done.stderr.strip().splitlines()[-1])
    assert probe["code"] == 0, done.stderr
    return json.loads(done.stdout), probe


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    base = tmp_path_factory.mktemp("persist")
    photos, model = base / "Pictures", write_tiny_longclip(base / "m.pt")
    make_photos(photos, 8)
    db = str(base / "lib.db")
    assert main(["--db", db, "add", str(photos)]) == 0
    assert main(["--db", db, "index", "--model", f"longclip:{model}"]) == 0
    # without the quick text export indexing left (as for LLM2CLIP, which has none), a new text query needs torch
    shutil.rmtree(quick_text_root(), ignore_errors=True)
    return photos, db, model


def test_a_repeated_text_query_in_a_new_process_needs_no_model(indexed) -> None:
    _, db, _ = indexed
    first, probe = _cli("--db", db, "search", "--json", "-k", "5", LONG)
    assert probe["torch"]  # the first time, the text tower ran
    again, probe = _cli("--db", db, "search", "--json", "-k", "5", LONG)
    assert not probe["torch"]
    assert again["results"] == first["results"]
    assert again["truncated"] == first["truncated"] and first["truncated"]  # the cut is still reported


def test_a_query_by_an_indexed_photo_needs_no_model(indexed) -> None:
    photos, db, _ = indexed
    out, probe = _cli("--db", db, "search", "--json", "-k", "3", "--image", str(photos / "p002.jpg"))
    assert not probe["torch"]
    assert out["results"][0]["path"] == str(photos / "p002.jpg") and out["results"][0]["score"] > 0.999


def test_new_weights_at_the_same_path_are_never_searched_with_old_vectors(tmp_path: Path, capsys) -> None:
    photos, model = tmp_path / "Pictures", write_tiny_longclip(tmp_path / "m.pt", seed=1)
    make_photos(photos, 3)
    db = str(tmp_path / "lib.db")
    assert main(["--db", db, "add", str(photos)]) == 0
    assert main(["--db", db, "index", "--model", f"longclip:{model}"]) == 0
    write_tiny_longclip(model, seed=2)  # e.g. a fine-tuned model exported over the old one
    capsys.readouterr()
    assert main(["--db", db, "search", "a brand new query"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "index the library again" in err and "Traceback" not in err


def test_the_store_keeps_the_newest_queries_per_model_and_drops_them_with_the_model(store: Store) -> None:
    store.register_model("m", 4)
    store.register_model("other", 4)
    vec = np.array([1, 0, 0, 0], np.float32)
    for i in range(5):
        store.store_query("m", f"q{i}", StoredQuery(vec * (i + 1), 3 + i, 3, False))
    from photosearch.store import queries
    queries.write_query(store.conn, "m", "q5", StoredQuery(vec, 9, 7, True), keep=3)
    assert [store.stored_query("m", f"q{i}") is not None for i in range(6)] == [False] * 3 + [True] * 3
    got = store.stored_query("m", "q5")
    assert got is not None and (got.n_tokens, got.kept_tokens, got.truncated) == (9, 7, True)
    assert store.stored_query("other", "q5") is None
    with pytest.raises(ValueError):
        store.store_query("m", "wrong width", StoredQuery(np.ones(5, np.float32), 1, 1, False))
    store.remove_model("m")
    assert store.conn.execute("SELECT count(*) FROM query_vectors").fetchone()[0] == 0
