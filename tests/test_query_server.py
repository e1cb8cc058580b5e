"""While the app or `photosearch watch` serves a library, a CLI search is answered by that process: same results,
same "cut" notice, no model loaded by the CLI; relative photo paths mean the caller's folder; errors stay one
line; with no server (or a dead one's socket left behind) the CLI searches by itself."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from photosearch import query_server
from photosearch.cli import main
from photosearch.library import Library
from photosearch.query_server import QueryServer, decode_request, encode_request, socket_path
from photosearch.search import SearchFilters, SearchRequest
from tests.index_helpers import make_photos
from tests.tiny.longclip import write_tiny_longclip

REPO = Path(__file__).resolve().parents[1]
LONG = " ".join(["a long paragraph about a red bicycle beside a puddle"] * 40)
_PROBE = """
import json, sys
from photosearch.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "torch": "torch" in sys.modules}), file=sys.stderr)
"""


def _cli(cwd: Path, *args: str) -> tuple[int, str, str, bool]:
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})
    lines = done.stderr.strip().splitlines()
    probe = json.loads(lines[-1])
    return probe["code"], done.stdout, "\n".join(lines[:-1]), probe["torch"]


def _indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int) -> tuple[Path, str]:
    """`count` photos indexed with a tiny Long-CLIP, sockets in a runtime folder of this test's own."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    photos, model = tmp_path / "Pictures", write_tiny_longclip(tmp_path / "m.pt")
    make_photos(photos, count)
    db = str(tmp_path / "lib.db")
    assert main(["--db", db, "add", str(photos)]) == 0
    assert main(["--db", db, "index", "--model", f"longclip:{model}"]) == 0
    return photos, db


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    photos, db = _indexed(tmp_path, monkeypatch, 8)
    with Library.open(db) as library, QueryServer(library) as server:
        assert server.path.is_socket()
        yield photos, db, library


def test_a_new_text_query_is_answered_by_the_serving_process(served) -> None:
    photos, db, library = served
    code, out, err, torch_loaded = _cli(photos, "--db", db, "search", "--json", "-k", "5", LONG)
    assert code == 0 and not torch_loaded, err
    answer = json.loads(out)
    local = library.search(SearchRequest(LONG, k=5))
    assert [r["path"] for r in answer["results"]] == [r.path for r in local.results]
    assert answer["truncated"] and answer["truncated"][0]["kept"] == local.texts[0].kept


def test_a_served_search_imports_neither_numpy_nor_the_store_nor_pillow(served) -> None:
    """What makes a served CLI search ~0.2 s whole (0.36 s when it imported them): only the wire and printing."""
    photos, db, _ = served
    probe = ("import json, sys; from photosearch.cli import main; code = main(sys.argv[1:]); "
             "heavy = [m for m in ('numpy', 'PIL', 'photosearch.store.store', 'photosearch.library') if m in sys.modules]; "
             "print(json.dumps([code, heavy]), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe, "--db", db, "search", "-k", "3", "a new query, served"],
                          capture_output=True, text=True, cwd=photos, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    code, heavy = json.loads(done.stderr.strip().splitlines()[-1])
    assert code == 0 and heavy == [] and len(done.stdout.splitlines()) == 3, done.stderr


def test_relative_photo_paths_mean_the_callers_folder(served) -> None:
    photos, db, _ = served
    code, out, err, torch_loaded = _cli(photos, "--db", db, "search", "--json", "-k", "2", "--image", "p003.jpg")
    assert code == 0 and not torch_loaded, err
    assert json.loads(out)["results"][0]["path"] == str(photos / "p003.jpg")
    code, out, err, _ = _cli(photos, "--db", db, "search", "--json", "-k", "2", "red + p004.jpg")
    assert code == 0, err
    assert str(photos / "p004.jpg") in [r["path"] for r in json.loads(out)["results"]]


def test_a_user_error_found_by_the_server_is_one_line(served, tmp_path: Path) -> None:
    photos, db, _ = served
    code, _, err, _ = _cli(photos, "--db", db, "search", "red", "--folder", str(tmp_path / "elsewhere"), "--model",
                           "longclip-b")
    assert code == 2 and err.startswith("error: ") and len(err.splitlines()) == 1 and "Traceback" not in err


def test_without_a_live_server_the_cli_searches_by_itself(tmp_path: Path, monkeypatch, capsys) -> None:
    _, db = _indexed(tmp_path, monkeypatch, 3)
    path = socket_path(db)
    path.parent.mkdir(parents=True)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))  # a socket file left by a process that died: nothing listens
    dead.close()
    capsys.readouterr()
    assert query_server.ask(db, SearchRequest("red", k=3)) is None
    assert main(["--db", db, "search", "--json", "red", "-k", "3"]) == 0
    assert len(json.loads(capsys.readouterr().out)["results"]) == 3
    with Library.open(db) as library, QueryServer(library) as server:  # the next server replaces the dead file
        assert server.path == path and query_server.ask(db, SearchRequest("red", k=3)) is not None
        assert not QueryServer(library).start()  # one server per library
    assert not path.exists()


def test_requests_keep_every_filter_on_the_wire(tmp_path: Path) -> None:
    request = SearchRequest("a dog", k=7, sort="date", cutoff=0.5, filters=SearchFilters(
        folder="~/Pictures", since=date(2023, 1, 2), until=datetime(2024, 5, 6, 7, 8), camera="canon",
        file_types=("jpg", "heic")))
    again, model = decode_request(json.loads(json.dumps(encode_request(request, "longclip-b"))))
    assert model == "longclip-b" and again.terms() == request.terms()
    assert (again.k, again.sort, again.cutoff) == (7, request.sort, 0.5)
    assert again.filters == SearchFilters(folder=str(Path.home() / "Pictures"), since=date(2023, 1, 2),
                                          until=datetime(2024, 5, 6, 7, 8), camera="canon", file_types=("jpg", "heic"))


def test_an_unusable_runtime_folder_means_no_server_not_a_crash(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "not-a-folder").write_text("x")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "not-a-folder"))
    with Library.open(tmp_path / "lib.db") as library:
        server = QueryServer(library)
        assert server.start() is False
        server.close()
        assert query_server.ask(tmp_path / "lib.db", SearchRequest("red")) is None
