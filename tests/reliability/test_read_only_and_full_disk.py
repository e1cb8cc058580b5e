"""A library that cannot be written (a backup disk, a read-only share or file) or whose disk fills up mid-index.

What users rely on: `status` and `search` work on a read-only library and leave its file untouched; `index` and
`add` on it, and any write that meets a full disk or a file-size limit, say one line and exit 2; the database
stays intact, and a rerun once there is room again completes the index.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from photosearch.cli import main
from photosearch.errors import LibraryReadOnly
from photosearch.store import SCHEMA_VERSION, Store, migrate, open_connection
from photosearch.store.queries import StoredQuery
from photosearch.store.schema import schema_version
from tests.index_helpers import make_photos
from tests.reliability.disks import file_size_limit, grow, read_only, small_disk
from tests.tiny.longclip import write_tiny_longclip

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="chmod, mounts and RLIMIT_FSIZE are POSIX")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_longclip(tmp_path_factory.mktemp("model") / "m.pt")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "Traceback" not in err[0], err
    return err[0]


def _integrity(db: Path) -> tuple[str, dict[str, int]]:
    conn = sqlite3.connect(db)
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'files'").fetchone():
            return ok, {}  # its first migration was rolled back whole
        return ok, dict(conn.execute("SELECT status, count(*) FROM files GROUP BY status").fetchall())
    finally:
        conn.close()


@pytest.mark.parametrize("what", ["folder", "file"])
def test_status_and_search_work_on_a_read_only_library_and_index_says_one_line(
    tmp_path: Path, model: Path, what: str, capsys
) -> None:
    photos = tmp_path / "Pictures"
    make_photos(photos, 6)
    db = tmp_path / "backup disk" / "lib.db"
    assert main(["--db", str(db), "add", str(photos)]) == 0
    assert main(["--db", str(db), "index", "--model", f"longclip:{model}"]) == 0
    capsys.readouterr()
    before, names = _digest(db), sorted(os.listdir(db.parent))

    with read_only(db.parent if what == "folder" else db):
        assert main(["--db", str(db), "status", "--json"]) == 0
        status = json.loads(capsys.readouterr().out)
        assert status["files"]["indexed"] == 6 and status["roots"] == [str(photos)] and status["read_only"]
        assert main(["--db", str(db), "status"]) == 0
        assert "read-only here" in capsys.readouterr().out
        assert main(["--db", str(db), "search", "--json", "-k", "3", "red bicycle"]) == 0  # query vector not kept
        assert len(json.loads(capsys.readouterr().out)["results"]) == 3
        assert main(["--db", str(db), "search", "--json", "-k", "6", "--image", str(photos / "p001.jpg")]) == 0
        results = json.loads(capsys.readouterr().out)["results"]
        assert results[0]["path"] == str(photos / "p001.jpg") and len(results) == 6
        for argv, says in ((["index"], "indexing needs write access"), (["add", str(tmp_path)], "read-only")):
            assert main(["--db", str(db), *argv]) == 2
            assert says in _one_error_line(capsys)

    assert _digest(db) == before
    if what == "folder":
        assert sorted(os.listdir(db.parent)) == names


def test_a_read_only_library_still_being_written_elsewhere_is_read_through_its_wal(tmp_path: Path) -> None:
    """A share the app writes to from another machine, or a backup taken while it ran: the WAL holds the newest
    commits, and a read-only reader must see them (SQLite's `immutable` alone would show the old file). The reader
    is another process, as it is in use: in one process SQLite shares the writer's open files with it."""
    folder = tmp_path / "share"
    photos = [tmp_path / "a", tmp_path / "b"]
    for p in photos:
        p.mkdir()
    read = ("import json, sys; from photosearch.store import Store; s = Store.open(sys.argv[1]); "
            "print(json.dumps([s.read_only, [r.path for r in s.roots()]])); s.close()")

    def roots_seen_by_a_reader() -> list:
        out = subprocess.run([sys.executable, "-c", read, str(folder / "lib.db")], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    with Store.open(folder / "lib.db") as writer:
        writer.add_root(photos[0])
        assert (folder / "lib.db-wal").stat().st_size > 0
        with read_only(folder):
            assert roots_seen_by_a_reader() == [True, [str(photos[0])]]
            writer.add_root(photos[1])
            assert roots_seen_by_a_reader() == [True, [str(p) for p in photos]]


def test_a_read_only_store_reads_keeps_no_query_vectors_refuses_writes_and_is_never_migrated(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    with Store.open(db) as store:
        store.add_root(tmp_path)
        store.register_model("m", 4, "longclip:m.pt")
    with Store.open(db, read_only=True) as store:  # what a read-only disk gets, without needing one
        assert store.read_only and [r.path for r in store.roots()] == [str(tmp_path)]
        store.store_query("m", "red", StoredQuery(np.ones(4, np.float32) / 2, 1, 1, False))  # quietly nothing
        assert store.stored_query("m", "red") is None
        with pytest.raises(LibraryReadOnly, match="read-only"):
            store.add_root(tmp_path / "more")
    old = tmp_path / "old.db"
    conn = open_connection(old)
    migrate(conn, SCHEMA_VERSION - 1)
    conn.close()
    with pytest.raises(LibraryReadOnly, match="needs an upgrade"):
        Store.open(old, read_only=True)
    conn = open_connection(old, read_only=True)
    assert schema_version(conn) == SCHEMA_VERSION - 1  # left as it was
    conn.close()


def _run(args: list[str], tmp_path: Path, limit: int | None = None) -> tuple[int, str]:
    env = {**os.environ, "PHOTOSEARCH_LOG_DIR": str(tmp_path / "logs"), "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "photosearch", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120, preexec_fn=file_size_limit(limit) if limit else None)
    return proc.returncode, proc.stderr


def _error_lines(err: str) -> list[str]:
    """stderr less the progress lines a run prints before it fails."""
    return [line for line in err.splitlines() if line.startswith("error") or "Traceback" in line or "Error" in line]


def test_a_file_size_limit_while_creating_or_indexing_is_one_line_and_a_rerun_completes(
    tmp_path: Path, model: Path, capsys
) -> None:
    photos = tmp_path / "Pictures"
    make_photos(photos, 40)
    db = tmp_path / "lib" / "lib.db"
    # creating the library: its first migration fails (this rolled back twice and printed "unexpected ...")
    code, err = _run(["--db", str(db), "add", str(photos)], tmp_path, limit=50_000)
    assert code == 2 and len(_error_lines(err)) == 1 and "is its disk full" in err, err
    assert _integrity(db) == ("ok", {})
    assert main(["--db", str(db), "add", str(photos)]) == 0
    # indexing: the vector table and the batches cannot grow 64 KiB past the scanned library
    code, err = _run(["--db", str(db), "index", "--model", f"longclip:{model}"], tmp_path,
                     limit=db.stat().st_size + 65536)
    assert code == 2 and len(_error_lines(err)) == 1 and "is its disk full" in err, err
    ok, files = _integrity(db)
    assert ok == "ok" and files.get("indexed", 0) < 40
    capsys.readouterr()
    assert main(["--db", str(db), "index", "--model", f"longclip:{model}"]) == 0  # room again
    assert _integrity(db) == ("ok", {"indexed": 40})
    with Store.open(db) as store:
        (m,) = store.models()
        assert store.counts().embedded_by_model[m.model_id] == 40


def test_a_full_disk_while_indexing_is_one_line_and_a_rerun_completes(tmp_path: Path, model: Path, capsys) -> None:
    photos = tmp_path / "Pictures"
    make_photos(photos, 40)
    with small_disk(tmp_path / "disk", 256 * 1024) as disk:
        db = disk / "lib.db"
        assert main(["--db", str(db), "add", str(photos)]) == 0
        capsys.readouterr()
        assert main(["--db", str(db), "index", "--model", f"longclip:{model}"]) == 2
        (line,) = _error_lines(capsys.readouterr().err)
        assert line.startswith("error: no room left to write the library"), line
        assert main(["--db", str(db), "status"]) == 0  # reading needs no room
        ok, files = _integrity(db)
        assert ok == "ok" and files.get("indexed", 0) < 40
        grow(disk, 16 * 1024 * 1024)
        assert main(["--db", str(db), "index", "--model", f"longclip:{model}"]) == 0
        assert _integrity(db) == ("ok", {"indexed": 40})
