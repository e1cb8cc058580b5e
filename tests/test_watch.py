"""The watcher with real watchdog observers and real file operations."""
from __future__ import annotations

import errno
import io
import logging
import os
import shutil
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
from PIL import Image

from indexer import Indexer, IndexerConfig, PipelineConfig, WatchConfig
from photosearch.progress import Progress
from indexer.debounce import Debouncer
from indexer.mounts import fs_type, is_network_fs
from photosearch.encoders.base import Encoder
from photosearch.hashing import quick_hash
from photosearch.store import FileStatus, Store
from tests.index_helpers import EncodeSpy, make_photos, spy_on, status_of, wait_until
from tests.photo_tree import make_photo
from watchdog.observers.polling import PollingObserver

QUIET_S = 0.3


@dataclass
class Watching:
    root: Path
    reader: Store  # a second connection: the watcher's thread owns the first
    spy: EncodeSpy
    events: list[Progress] = field(default_factory=list)

    def status(self, path: Path) -> FileStatus | None:
        return status_of(self.reader, path)

    def wait_status(self, path: Path, status: FileStatus, timeout: float = 15) -> None:
        wait_until(lambda: self.status(path) == status, timeout, f"{path.name} to become {status.value}")

    def key(self, path: Path) -> int | None:
        rec = self.reader.file_by_path(path)
        return None if rec is None else rec.key


def _start(tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch, **watch: object) -> Iterator[Watching]:
    root = tmp_path / "photos"
    root.mkdir(exist_ok=True)
    store = Store.open(tmp_path / "lib.db")
    store.add_root(root)
    config = IndexerConfig(
        pipeline=PipelineConfig(batch_size=8, workers=2),
        watch=WatchConfig(quiet_s=QUIET_S, tick_s=0.05, **watch),  # type: ignore[arg-type]
    )
    ix = Indexer(store, encoder, config)
    spy = spy_on(monkeypatch, encoder)
    w = Watching(root, Store.open(tmp_path / "lib.db"), spy)
    stop = threading.Event()
    errors: list[BaseException] = []
    threads_before = set(threading.enumerate())

    def target() -> None:
        try:
            ix.watch(stop, progress=w.events.append)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    t = threading.Thread(target=target, daemon=True)
    t.start()
    try:
        yield w
    finally:
        stop.set()
        t.join(15)
        w.reader.close()
        store.close()
    assert not t.is_alive(), "watch did not stop"
    assert not errors, errors
    leftover = [x for x in set(threading.enumerate()) - threads_before if x.is_alive()]
    assert not leftover, f"threads left running after stop: {leftover}"


@pytest.fixture
def watching(tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch) -> Iterator[Watching]:
    make_photos(tmp_path / "photos", 4)
    yield from _start(tmp_path, encoder, monkeypatch)


def _initial(w: Watching) -> list[Path]:
    photos = sorted(w.root.glob("p*.jpg"))
    for p in photos:
        w.wait_status(p, FileStatus.INDEXED)
    return photos


def _big_jpeg_bytes(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    im = Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def test_slow_chunked_write_is_embedded_once_complete(watching: Watching) -> None:
    w = watching
    _initial(w)
    images_before = w.spy.images
    data = _big_jpeg_bytes(1)
    target = w.root / "incoming" / "slow.jpg"
    target.parent.mkdir()
    chunks = 8
    step = len(data) // chunks + 1
    with open(target, "wb") as f:
        for i in range(chunks):
            f.write(data[i * step : (i + 1) * step])
            f.flush()
            # a slow copy: pauses shorter than the quiet period (each write resets it)
            time.sleep(QUIET_S / 3)
    w.wait_status(target, FileStatus.INDEXED)
    rec = w.reader.file_by_path(target)
    assert rec.quick_hash == quick_hash(target) and rec.size == len(data)
    assert w.spy.images == images_before + 1  # read once, whole
    assert all(e.failed == 0 for e in w.events)  # never tried half-written (that would be a TruncatedImage)


def test_rename_and_delete(watching: Watching) -> None:
    w = watching
    photos = _initial(w)
    calls = w.spy.calls
    keys = {p: w.key(p) for p in photos}
    renamed = w.root / "best.jpg"
    os.rename(photos[0], renamed)
    w.wait_status(renamed, FileStatus.INDEXED)
    w.wait_status(photos[0], FileStatus.MISSING)
    assert w.key(renamed) == keys[photos[0]]
    photos[1].unlink()
    w.wait_status(photos[1], FileStatus.MISSING)
    assert w.spy.calls == calls  # nothing was embedded again
    assert w.status(photos[2]) == FileStatus.INDEXED


def test_directory_moves_within_out_of_and_into_the_root(watching: Watching, tmp_path: Path) -> None:
    w = watching
    _initial(w)
    album = w.root / "album"
    inside = make_photos(album / "day1", 3, start=10)
    for p in inside:
        w.wait_status(p, FileStatus.INDEXED)
    calls = w.spy.calls
    keys = [w.key(p) for p in inside]
    # within the root
    renamed = w.root / "2024 album"
    os.rename(album, renamed)
    moved = [renamed / "day1" / p.name for p in inside]
    for p in moved:
        w.wait_status(p, FileStatus.INDEXED)
    assert [w.key(p) for p in moved] == keys
    for p in inside:
        w.wait_status(p, FileStatus.MISSING)
    # out of the root: everything below goes missing
    outside = tmp_path / "elsewhere"
    shutil.move(str(renamed), str(outside))
    for p in moved:
        w.wait_status(p, FileStatus.MISSING)
    # back in under another name: known content, indexed without re-embedding
    back = w.root / "returned"
    shutil.move(str(outside), str(back))
    for p in inside:
        w.wait_status(back / "day1" / p.name, FileStatus.INDEXED)
        assert w.key(back / "day1" / p.name) in keys
    assert w.spy.calls == calls


def test_atomic_replace_is_embedded_again(watching: Watching) -> None:
    w = watching
    photos = _initial(w)
    old_key, images = w.key(photos[2]), w.spy.images
    tmp = w.root / ".p002.jpg.partial"
    make_photo(tmp, "lime", (77, 55), "JPEG", shape="ring")
    os.replace(tmp, photos[2])
    wait_until(lambda: w.key(photos[2]) not in (None, old_key), what="the replaced photo's new content key")
    w.wait_status(photos[2], FileStatus.INDEXED)
    rec = w.reader.file_by_path(photos[2])
    assert w.reader.photo_meta(rec.id).width == 77 and w.reader.has_embedding(w.spy.encoder.model_id, rec.key)
    wait_until(lambda: w.spy.images == images + 1, what="one encode of the new content")
    assert w.reader.file_by_path(tmp) is None


def test_new_copies_are_picked_up_and_hidden_or_unsupported_files_are_not(watching: Watching) -> None:
    w = watching
    photos = _initial(w)
    calls = w.spy.calls
    copy = w.root / "copies" / "again.jpg"
    copy.parent.mkdir()
    shutil.copy2(photos[3], copy)
    (w.root / "notes.txt").write_text("not a photo")
    make_photo(w.root / ".hidden" / "x.jpg", "red")
    fresh = make_photo(w.root / "fresh.png", "teal", (64, 48), shape="diamond")
    w.wait_status(fresh, FileStatus.INDEXED)
    w.wait_status(copy, FileStatus.INDEXED)
    assert w.key(copy) == w.key(photos[3]) and w.spy.calls == calls + 1  # only the new content
    assert w.reader.file_by_path(w.root / ".hidden" / "x.jpg") is None
    assert w.reader.file_by_path(w.root / "notes.txt") is None


def test_falls_back_to_polling_when_inotify_limits_are_hit(
    tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    created: list[PollingObserver] = []

    class Exhausted:
        def __init__(self) -> None:
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    real_polling = PollingObserver

    def recording_polling(*args: object, **kwargs: object) -> PollingObserver:
        obs = real_polling(*args, **kwargs)  # type: ignore[arg-type]
        created.append(obs)
        return obs

    import indexer.observers as observers_mod

    monkeypatch.setattr(observers_mod, "PollingObserver", recording_polling)
    caplog.set_level(logging.WARNING, logger="indexer.observers")
    gen = _start(tmp_path, encoder, monkeypatch, observer_factory=Exhausted, polling_interval_s=0.1)
    w = next(gen)
    try:
        new = make_photo(w.root / "later.jpg", "purple", (80, 60))
        w.wait_status(new, FileStatus.INDEXED)
        assert len(created) == 1
        assert "inotify watch limit reached" in caplog.text and "polling" in caplog.text
    finally:
        next(gen, None)


def test_periodic_reconcile_catches_lost_events(tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch) -> None:
    class Deaf:
        """An observer whose events are all lost (a queue overflow, a suspended laptop)."""

        def schedule(self, *args: object, **kwargs: object) -> None: ...
        def start(self) -> None: ...
        def stop(self) -> None: ...
        def join(self, timeout: float | None = None) -> None: ...
        def is_alive(self) -> bool:
            return False

    photos = make_photos(tmp_path / "photos", 2)
    gen = _start(tmp_path, encoder, monkeypatch, observer_factory=Deaf, reconcile_interval_s=0.5)
    w = next(gen)
    try:
        _initial(w)
        new = make_photo(w.root / "unheard.jpg", "olive", (70, 50))
        photos[0].unlink()
        w.wait_status(new, FileStatus.INDEXED)
        w.wait_status(photos[0], FileStatus.MISSING)
    finally:
        next(gen, None)


def test_polled_share_that_is_unmounted_keeps_its_entries(
    tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    share, empty = tmp_path / "share", tmp_path / "empty_mount_point"
    photos = [tmp_path / "photos" / p.name for p in make_photos(share, 4)]
    empty.mkdir()
    (tmp_path / "photos").symlink_to(share)  # the mount point; repointing it is an atomic (un)mount
    gen = _start(tmp_path, encoder, monkeypatch, force_polling=True, polling_interval_s=0.1, root_check_interval_s=0.2)
    w = next(gen)
    try:
        _initial(w)
        calls = w.spy.calls
        photos[0].unlink()  # a real delete on the share is seen by polling
        w.wait_status(photos[0], FileStatus.MISSING)

        def mount(target: Path) -> None:
            link = tmp_path / "new_link"
            link.symlink_to(target)
            os.replace(link, tmp_path / "photos")

        mount(empty)
        time.sleep(1.0)  # an observation window of ~10 polls and 5 root checks: nothing may go missing
        assert [w.status(p) for p in photos[1:]] == [FileStatus.INDEXED] * 3
        mount(share)
        later = make_photo(share / "later.jpg", "purple", (80, 60))
        w.wait_status(tmp_path / "photos" / later.name, FileStatus.INDEXED)
        assert [w.status(p) for p in photos[1:]] == [FileStatus.INDEXED] * 3 and w.spy.calls == calls + 1
    finally:
        next(gen, None)


def test_debouncer_needs_quiet_and_a_stable_size(tmp_path: Path) -> None:
    p = tmp_path / "growing.jpg"
    p.write_bytes(b"x" * 10)
    d = Debouncer(quiet_s=2.0)
    d.touch(str(p), now=100.0)
    assert d.pop_ready(101.0) == [] and d.next_due() == 102.0
    with open(p, "ab") as f:  # grows without any event (a polled network share)
        f.write(b"y")
    assert d.pop_ready(102.0) == [] and d.next_due() == 104.0  # changed: another quiet period
    assert d.pop_ready(104.0) == [str(p)] and len(d) == 0
    d.touch(str(p), now=200.0)
    p.unlink()
    assert d.pop_ready(203.0) == [] and len(d) == 0  # gone: dropped


def test_network_mounts_are_detected_from_proc_mounts(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/sda1 / ext4 rw 0 0\n"
        "nas:/volume1/photo /mnt/nas nfs4 rw 0 0\n"
        "//server/share /mnt/smb\\040share cifs rw 0 0\n"
        "user@host:/pics /home/u/remote fuse.sshfs rw 0 0\n"
        "/dev/sdb1 /media/usb fuseblk rw 0 0\n"
    )
    m = str(mounts)
    assert fs_type("/home/u/photos", m) == "ext4" and not is_network_fs("ext4")
    assert fs_type("/mnt/nas/2020/a.jpg", m) == "nfs4" and is_network_fs("nfs4")
    assert fs_type("/mnt/smb share/x", m) == "cifs" and is_network_fs("cifs")
    assert fs_type("/home/u/remote/a", m) == "fuse.sshfs" and is_network_fs("fuse.sshfs")
    assert fs_type("/media/usb/DCIM", m) == "fuseblk" and not is_network_fs("fuseblk")
    assert fs_type("/mnt/nasty", m) == "ext4"  # a prefix of the name is not the mount


def test_each_run_reports_only_its_own_failures(tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch) -> None:
    """A photo that failed once is not counted again by every later run of the watcher."""
    make_photos(tmp_path / "photos", 3)
    (tmp_path / "photos" / "broken.jpg").write_text("not a photo")
    for w in _start(tmp_path, encoder, monkeypatch):
        w.wait_status(w.root / "broken.jpg", FileStatus.ERROR)
        _initial(w)
        seen = len(w.events)
        make_photos(w.root / "later", 1, start=10)
        w.wait_status(w.root / "later" / "p010.jpg", FileStatus.INDEXED)
        later = w.events[seen:]
        assert later and all(e.failed == 0 for e in later)
        assert all(e.rate is None for e in later)  # one photo in milliseconds is no speed to report


def test_the_only_folder_moved_out_and_back_under_another_name(
    tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While its only folder is away the root is empty and looks unmounted, so the delete cannot be trusted
    then; once the folder is back (renamed) the old paths must still go missing, not stay indexed twice."""
    album = make_photos(tmp_path / "photos" / "album", 3)
    for w in _start(tmp_path, encoder, monkeypatch):
        for p in album:
            w.wait_status(p, FileStatus.INDEXED)
        calls = w.spy.calls
        away = tmp_path / "away"
        os.rename(album[0].parent, away)
        time.sleep(1.0)  # long enough for the watcher to handle the move out while the root is empty
        os.rename(away, w.root / "renamed")
        for p in album:
            w.wait_status(w.root / "renamed" / p.name, FileStatus.INDEXED)
            w.wait_status(p, FileStatus.MISSING)
        assert w.spy.calls == calls  # known content: nothing embedded again


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_named_like_a_photo_does_not_stop_the_watcher(watching: Watching) -> None:
    """Hashing opens the file: a FIFO blocked that open() forever, and no later photo was ever indexed."""
    w = watching
    _initial(w)
    fifo = w.root / "x.jpg"
    os.mkfifo(fifo)
    try:
        later = make_photo(w.root / "later.jpg", "purple", (80, 60))
        w.wait_status(later, FileStatus.INDEXED)
        assert w.reader.file_by_path(fifo) is None
    finally:
        try:  # release a watcher stuck in open() (the bug), so the test ends either way
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass


def test_moving_a_folder_out_and_back_does_not_flood_the_log(
    watching: Watching, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """watchdog warned "Callback with id ... already exists" with its whole watch table each time a
    folder came back (250 KB of log in 600 operations)."""
    w = watching
    _initial(w)
    album = w.root / "album"
    inside = [p for day in range(6) for p in make_photos(album / f"day{day}", 1, start=10 + day)]
    for p in inside:
        w.wait_status(p, FileStatus.INDEXED)
    caplog.set_level(logging.WARNING)
    away = tmp_path / "away"
    with warnings.catch_warnings(record=True) as caught:
        for i in range(20):
            os.rename(album, away)
            if i % 5 == 0:  # now and then the watcher sees it gone before it comes back
                w.wait_status(inside[0], FileStatus.MISSING)
            os.rename(away, album)
            if i % 5 == 0:
                w.wait_status(inside[0], FileStatus.INDEXED)
        for p in inside:
            w.wait_status(p, FileStatus.INDEXED)
    logged = sum(len(str(c.message)) for c in caught) + len(caplog.text)
    assert logged < 4096, [str(c.message)[:200] for c in caught][:3] + [caplog.text[:500]]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify only")
def test_after_an_inotify_queue_overflow_the_root_is_rescanned(
    tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernel drops events once its queue is full; watchdog rebuilt its watches but told nobody, so
    what changed meanwhile waited for the 30-minute reconcile."""
    from watchdog.observers.inotify_c import InotifyFD

    reading = threading.Event()
    reading.set()
    real_read = InotifyFD.read_events

    def gated_read(self: InotifyFD, **kwargs: object) -> object:
        reading.wait()  # while cleared, the kernel's queue fills up as if the watcher were too busy to read
        return real_read(self, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(InotifyFD, "read_events", gated_read)
    album = make_photos(tmp_path / "photos" / "album", 3)
    for w in _start(tmp_path, encoder, monkeypatch):
        for p in album:
            w.wait_status(p, FileStatus.INDEXED)
        reading.clear()
        (w.root / "wake.txt").write_text("the reader returns from this read and waits at the gate")
        time.sleep(0.2)
        limit = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
        with open(w.root / "a.txt", "wb", buffering=0) as a, open(w.root / "b.txt", "wb", buffering=0) as b:
            for _ in range(limit // 2 + 100):  # alternating, so the kernel cannot merge them: > limit events
                a.write(b"x")
                b.write(b"x")
        new = make_photo(album[0].parent / "after_overflow.jpg", "olive", (70, 50))
        album[1].unlink()
        reading.set()
        w.wait_status(new, FileStatus.INDEXED)
        w.wait_status(album[1], FileStatus.MISSING)
        assert w.status(album[0]) == FileStatus.INDEXED
