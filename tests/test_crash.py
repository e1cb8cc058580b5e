"""Crash safety: an indexing process killed with SIGKILL at random points leaves a consistent database,
and the next run finishes the job with no duplicates and nothing lost.

Importing torch + open_clip takes ~8 s here, too slow to pay for every kill, so a "zygote" process
imports everything once (without running any torch op or opening the database) and forks a fresh
indexing child per attempt. Each child is a real separate process with its own SQLite connection,
killed with SIGKILL from this test.
"""
from __future__ import annotations

import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from photosearch.hashing import quick_hash
from photosearch.store import FileStatus, Store
from tests.index_helpers import all_files, make_photos
from tests.photo_tree import make_tree
from tests.tiny.longclip import write_tiny_longclip

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the zygote needs os.fork")

ZYGOTE = textwrap.dedent(
    """
    import faulthandler, os, select, signal, sys, traceback
    db, root, ckpt = sys.argv[1:4]
    import open_clip, torchvision.transforms  # the slow imports, paid once
    from photosearch.encoders.longclip import load_longclip
    from photosearch.store import Store
    from indexer import Indexer, IndexerConfig, PipelineConfig, ScanConfig

    def say(line):
        sys.stdout.write(line + "\\n")  # one write: a kill cannot tear it (print may write twice)
        sys.stdout.flush()

    def child():
        faulthandler.dump_traceback_later(30)  # a hung child shows where, in zygote.log
        say(f"pid {os.getpid()}")
        store = Store.open(db)
        store.add_root(root)
        config = IndexerConfig(scan=ScanConfig(chunk=8), pipeline=PipelineConfig(batch_size=4, workers=2))
        ix = Indexer(store, load_longclip(ckpt), config)
        ix.index(progress=lambda p: say(f"progress {p.phase.value} {p.done}"))
        say("done")

    pending = b""

    def command(timeout):
        # Next stdin line, or None after `timeout` s (None: wait). Raw reads, so select sees every byte.
        global pending
        while b"\\n" not in pending:
            if not select.select([0], [], [], timeout)[0]:
                return None
            pending += os.read(0, 4096) or b"quit\\n"
        line, pending = pending.split(b"\\n", 1)
        return line.decode().strip()

    say("ready")
    while (cmd := command(None)) in ("index", "kill"):
        if cmd == "kill":
            continue  # came too late: that child had already finished
        pid = os.fork()
        if pid == 0:
            try:
                child()
                sys.stdout.flush()
                os._exit(0)
            except BaseException:
                traceback.print_exc()
                os._exit(1)
        while True:  # only this loop reaps the child, so a kill can never hit a recycled pid
            if command(0.01) == "kill":
                os.kill(pid, signal.SIGKILL)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                say(f"\\nexit {status}")  # after a newline: the killed child may have left half a line
                break
    """
)


class Lines:
    """Bounded reads of a child's stdout lines (a reader thread feeds a queue)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self._q: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, args=(proc,), daemon=True).start()

    def _pump(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip():
                self._q.put(line.strip())
        self._q.put(None)

    def next(self, timeout: float = 60) -> str:
        try:
            line = self._q.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output for {timeout} s") from None
        if line is None:
            raise AssertionError("the zygote exited")
        return line

    def until(self, prefix: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.next(max(0.1, deadline - time.monotonic()))
            if line.startswith(prefix):
                return line


def _log(tmp_path: Path) -> str:
    return (tmp_path / "zygote.log").read_text()[-3000:]


def _integrity(db: Path) -> None:
    with Store.open(db) as s:
        assert s.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_sigkill_at_random_points_then_resume(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    expected = {rel: e for rel, e in make_tree(root).items() if e.supported}
    many = make_photos(root / "many", 80)
    for p in many[:6]:  # copies: same content, one vector
        shutil.copyfile(p, root / f"copy_{p.name}")
    good = {str(root / r) for r, e in expected.items() if e.ok} | {str(p) for p in many} | {
        str(root / f"copy_{p.name}") for p in many[:6]
    }
    bad = {str(root / r) for r, e in expected.items() if not e.ok}
    db = tmp_path / "lib.db"
    ckpt = write_tiny_longclip(tmp_path / "tiny.pt")
    log = open(tmp_path / "zygote.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-c", ZYGOTE, str(db), str(root), str(ckpt)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    seed = int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)
    kills: list[str] = []
    try:
        out = Lines(proc)
        assert out.until("ready", timeout=120) == "ready"
        for attempt in range(4):
            proc.stdin.write("index\n")  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]
            out.until("pid ")
            # first attempt dies while scanning, the others while indexing; a random delay after the
            # report lands the kill anywhere: decoding, encoding, or inside a commit
            phase, nth = ("scan", rng.randint(1, 8)) if attempt == 0 else ("index", rng.randint(1, 3))
            seen, status = 0, None
            while status is None:
                line = out.next()
                if line.startswith("exit "):
                    status = int(line.split()[1])
                elif line.startswith(f"progress {phase}"):
                    seen += 1
                    if seen == nth:
                        time.sleep(rng.uniform(0, 0.05))
                        proc.stdin.write("kill\n")  # type: ignore[union-attr]
                        proc.stdin.flush()  # type: ignore[union-attr]
            if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
                kills.append(f"{phase} #{nth}")
            else:  # it finished before the kill landed: fine, just not a crash
                assert status == 0, (seed, kills, status, _log(tmp_path))
            _integrity(db)
        proc.stdin.write("index\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
        assert out.until("done", timeout=120) == "done"
        assert out.until("exit") == "exit 0"
    finally:
        try:  # the zygote kills a child still running, then exits on "quit"
            proc.stdin.write("kill\nquit\n")  # type: ignore[union-attr]
            proc.stdin.close()  # type: ignore[union-attr]
            proc.wait(30)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait(30)
        log.close()
    context = f"seed {seed}, kills {kills}, log {tmp_path / 'zygote.log'}"
    assert len(kills) >= 3, context
    _integrity(db)

    with Store.open(db) as store:
        files = all_files(store)
        paths = [f.path for f in files]
        assert len(paths) == len(set(paths)) and set(paths) == good | bad, context  # one row per file
        for f in files:
            assert f.quick_hash == quick_hash(f.path), (f.path, context)
            want = FileStatus.INDEXED if f.path in good else FileStatus.ERROR
            assert f.status == want, (f.path, f.status, f.error, context)
            if want == FileStatus.INDEXED:
                assert store.photo_meta(f.id) is not None, (f.path, context)
        (model,) = store.models()
        keys = {f.key for f in files if f.status == FileStatus.INDEXED}
        assert len(keys) == len(good) - 6  # the copies share their originals' content
        embedded = [r[0] for r in store.conn.execute("SELECT content_id FROM embeddings WHERE model_id = ? AND deleted = 0", (model.model_id,))]
        assert sorted(embedded) == sorted(keys), context  # one vector per content, none missing, none extra
        assert store.missing_embeddings(model.model_id) == [] and not any(f.status == FileStatus.PENDING for f in files)
        index = store.vector_index(model.model_id)
        index.refresh()
        assert len(index) == len(keys)
        blobs = [r[0] for r in store.conn.execute(f'SELECT embedding FROM "{model.table_name}"')]
        norms = np.linalg.norm(np.frombuffer(b"".join(blobs), np.float32).reshape(len(blobs), model.dim), axis=1)
        assert len(blobs) == len(keys), context
        assert np.allclose(norms, 1.0, atol=1e-4), context  # whole vectors, not torn writes
