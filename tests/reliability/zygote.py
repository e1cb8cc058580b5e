"""A zygote that forks one indexing child per command, so SIGKILL tests pay the torch import once.

Importing torch + open_clip takes ~8 s here, too slow to pay for every kill, so the zygote imports everything once
(without running any torch op or opening the database) and forks a fresh indexing child per `index` command. Each
child is a real separate process with its own SQLite connection, killed with SIGKILL by the test.

Commands on stdin: `index MODEL [write]` (MODEL: index into the list of checkpoints; `write`: the child announces
"writing" inside the commit of its first batch and pauses there, so a kill lands mid-transaction), `kill`, `quit`.
Lines on stdout: `ready`, `pid N`, `progress PHASE DONE`, `writing`, `done`, `exit STATUS`.
"""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import faulthandler, os, select, signal, sys, time, traceback
    db, root, *ckpts = sys.argv[1:]
    import open_clip, torchvision.transforms  # the slow imports, paid once
    from photosearch.encoders.longclip import load_longclip
    from photosearch.store import Store
    from indexer import Indexer, IndexerConfig, PipelineConfig, ScanConfig

    def say(line):
        sys.stdout.write(line + "\\n")  # one write: a kill cannot tear it (print may write twice)
        sys.stdout.flush()

    def child(model, pause_in_write):
        faulthandler.dump_traceback_later(30)  # a hung child shows where, in zygote.log
        say(f"pid {os.getpid()}")
        store = Store.open(db)
        store.add_root(root)
        if pause_in_write:
            inner = store.mark_indexed
            def mark_indexed(ids):
                inner(ids)  # inside the batch's transaction: vectors and statuses written, not committed
                say("writing")
                time.sleep(5)
            store.mark_indexed = mark_indexed
        config = IndexerConfig(scan=ScanConfig(chunk=8), pipeline=PipelineConfig(batch_size=4, workers=2))
        ix = Indexer(store, load_longclip(ckpts[model]), config)
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
    while (cmd := command(None)) and cmd.split()[0] in ("index", "kill"):
        if cmd == "kill":
            continue  # came too late: that child had already finished
        _, model, *mode = cmd.split()
        pid = os.fork()
        if pid == 0:
            try:
                child(int(model), mode == ["write"])
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


class Zygote:
    """The zygote process and bounded reads of its stdout lines (a reader thread feeds a queue)."""

    def __init__(self, db: Path, root: Path, checkpoints: list[Path], log: Path) -> None:
        self.log_path = log
        self._log = open(log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(db), str(root), *map(str, checkpoints)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True, cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        self._q: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.strip():
                self._q.put(line.strip())
        self._q.put(None)

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def next(self, timeout: float = 60) -> str:
        try:
            line = self._q.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output for {timeout} s; log: {self.log_tail()}") from None
        if line is None:
            raise AssertionError(f"the zygote exited; log: {self.log_tail()}")
        return line

    def until(self, prefix: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.next(max(0.1, deadline - time.monotonic()))
            if line.startswith(prefix):
                return line

    def log_tail(self) -> str:
        return self.log_path.read_text()[-3000:]

    def close(self) -> None:
        try:  # the zygote kills a child still running, then exits on "quit"
            self.send("kill")
            self.send("quit")
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait(30)
        self._log.close()
