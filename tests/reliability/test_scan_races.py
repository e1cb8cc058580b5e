"""Issue 10 item 1: two scans of one library at once (or a scan and the watcher) never mark a present photo missing.

The indexer lease keeps a second `Indexer.open` out (tests/test_library.py, tests/test_cli.py), but the store must be
safe on its own: scan stamps only move forward, and a sweep spares every file recorded after its scan began.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from indexer.files import record_file
from indexer.scan import ScanConfig, scan_root
from photosearch.hashing import quick_hash
from photosearch.progress import Control, Progress
from photosearch.store import FileStatus, Store
from tests.index_helpers import all_files, make_photos, wait_until


def _touch_all(paths: list[Path], seconds: int = 100) -> None:
    """New mtimes, same bytes: every file is re-hashed by the next scan."""
    for p in paths:
        st = p.stat()
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 10**9))


def _missing(store: Store) -> list[str]:
    return [f.path for f in all_files(store) if f.status == FileStatus.MISSING]


def test_an_older_scan_finishing_late_does_not_make_a_newer_scan_sweep_everything(tmp_path: Path) -> None:
    """Scan A begins, scan B begins and stamps every file, A then stamps them again with its older id, B sweeps."""
    root_dir = tmp_path / "photos"
    photos = make_photos(root_dir, 40)
    db = tmp_path / "lib.db"
    with Store.open(db) as s:
        root = s.add_root(root_dir)
        assert scan_root(s, root).complete
    _touch_all(photos)

    a_control = Control()
    a_control.pause()  # A stops right after beginning its scan, at its first file
    a_done: list[object] = []

    def scan_a() -> None:
        with Store.open(db) as sa:
            a_done.append(scan_root(sa, root, ScanConfig(chunk=1), control=a_control))

    a = threading.Thread(target=scan_a)
    a.start()
    with Store.open(db) as sb:
        wait_until(lambda: sb.conn.execute("SELECT count(*) FROM scans").fetchone()[0] == 2, what="scan A to begin")

        def b_progress(p: Progress) -> None:
            if p.total == 0 and p.done == len(photos):  # B has recorded every file and is about to sweep
                a_control.resume()
                a.join(30)

        rb = scan_root(sb, root, ScanConfig(chunk=1), progress=b_progress)
        assert not a.is_alive() and a_done and rb.complete
        assert rb.missing == 0 and _missing(sb) == []


def test_two_scans_running_freely_at_once_lose_nothing(tmp_path: Path) -> None:
    """The issue's probe, small: every file touched, two Stores scan the root concurrently, a few rounds."""
    root_dir = tmp_path / "photos"
    photos = make_photos(root_dir / "a", 60) + make_photos(root_dir / "b", 60, start=60)
    db = tmp_path / "lib.db"
    with Store.open(db) as s:
        root = s.add_root(root_dir)
        scan_root(s, root)
    for round_ in range(3):
        _touch_all(photos, seconds=round_ + 1)
        errors: list[BaseException] = []

        def scan() -> None:
            try:
                with Store.open(db) as st:
                    scan_root(st, root, ScanConfig(chunk=4))
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=scan) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        with Store.open(db) as s:
            assert _missing(s) == [], f"round {round_}"


def test_a_file_the_watcher_records_during_a_scan_is_not_swept_by_it(tmp_path: Path) -> None:
    """The watcher records with no scan id; a file it adds after the scan walked past its folder must survive the sweep."""
    root_dir = tmp_path / "photos"
    photos = make_photos(root_dir, 10)
    db = tmp_path / "lib.db"
    late = root_dir / "aaa_late.jpg"  # sorts first: the walk has long passed it when it appears
    with Store.open(db) as s, Store.open(db) as watcher_store:
        root = s.add_root(root_dir)

        def progress(p: Progress) -> None:
            if p.total == 0 and p.done == len(photos):
                late.write_bytes(photos[0].read_bytes()[:-1] + b"\0")
                record_file(watcher_store, root.id, str(late), late.stat(), quick_hash(late))  # what the watcher does

        r = scan_root(s, root, ScanConfig(chunk=1), progress=progress)
        assert r.complete and r.missing == 0
        assert s.file_by_path(late).status == FileStatus.PENDING  # type: ignore[union-attr]
        # a later scan that does not find it any more does sweep it
        late.unlink()
        assert scan_root(s, root).missing == 1


def test_a_second_indexer_refuses_in_one_line_while_watch_runs(tmp_path: Path, capsys) -> None:
    """The lease: while `photosearch watch` indexes, `photosearch index` says who does, in one line, exit code 2."""
    from indexer import Indexer
    from photosearch.cli import main
    from photosearch.library import Library
    from tests.tiny.longclip import write_tiny_longclip

    make_photos(tmp_path / "Pictures", 2)
    db = str(tmp_path / "lib.db")
    assert main(["--db", db, "add", str(tmp_path / "Pictures")]) == 0
    with Library.open(db) as lib, Indexer.open(lib, f"longclip:{write_tiny_longclip(tmp_path / 'm.pt')}",
                                               program="photosearch watch"):
        capsys.readouterr()
        assert main(["index", "--db", db]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "being indexed by photosearch watch (pid" in err[0] and "Traceback" not in err[0]
