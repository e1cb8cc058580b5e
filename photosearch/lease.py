"""One indexer per library at a time, across processes: `photosearch index`, `photosearch watch` and the app.

Two indexers on one file would fight (each scan would sweep the other's files), so indexing takes an advisory
lock on `<db>.indexer.lock` first. The operating system drops the lock when its process ends, however it ends,
so a crash never leaves a library stuck. The file also says who holds it (program, pid, since when), which the
app shows ("kept up to date by `photosearch watch`") instead of starting a second indexer, and which a second
CLI run quotes when it refuses.
"""
from __future__ import annotations

import errno
import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from photosearch.errors import LibraryError, LibraryFull, LibraryReadOnly, LibraryUnavailable, PhotoSearchError

_LOCK_OFFSET = 4096  # Windows locks byte ranges; the holder's note lives before the locked byte, readable


@dataclass(frozen=True)
class LeaseHolder:
    program: str  # "photosearch watch", "PhotoSearch app", ...
    pid: int
    host: str
    since: float  # unix time

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.since))
        return f"{self.program} (pid {self.pid} on {self.host}, since {when})"


class IndexingElsewhere(PhotoSearchError):
    """Another program is indexing this library; `holder` says which."""

    def __init__(self, holder: LeaseHolder | None, db: str) -> None:
        who = holder.describe() if holder else "another program"
        super().__init__(f"the library {db} is being indexed by {who}; it keeps the library up to date, so let it "
                         "work, or stop it first")
        self.holder = holder


def lock_path(db: str | os.PathLike[str]) -> Path:
    return Path(f"{os.fspath(db)}.indexer.lock")


def _try_lock(fd: int, exclusive: bool) -> bool:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        if not exclusive:  # a probe: give it back at once
            os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return True
    import fcntl

    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except OSError:
        return False
    if not exclusive:
        fcntl.flock(fd, fcntl.LOCK_UN)
    return True


def _read(fd: int) -> LeaseHolder | None:
    os.lseek(fd, 0, os.SEEK_SET)
    try:
        data = json.loads(os.read(fd, _LOCK_OFFSET).split(b"\0")[0] or b"null")
        return LeaseHolder(str(data["program"]), int(data["pid"]), str(data["host"]), float(data["since"]))
    except (ValueError, TypeError, KeyError):
        return None


def _lease_error(e: OSError, path: Path) -> LibraryError:
    """The lease file is written beside the database: a full disk or a read-only folder shows up here first."""
    reason = e.strerror or str(e)
    if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return LibraryFull(f"no room left to write the library's lock file {path}: {reason} (free some disk space)")
    if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return LibraryReadOnly(f"the library's folder {path.parent} is read-only here ({reason}): indexing needs "
                               "write access")
    return LibraryUnavailable(f"cannot write the library's lock file {path}: {reason}")


class IndexerLease:
    """Held while a process indexes a library; `release()` (or the end of the process) gives it back."""

    def __init__(self, fd: int, path: Path, holder: LeaseHolder) -> None:
        self._fd: int | None = fd
        self.path = path
        self.holder = holder

    @classmethod
    def acquire(cls, db: str | os.PathLike[str], program: str) -> "IndexerLease":
        """Take the lease or raise `IndexingElsewhere` naming who has it."""
        path = lock_path(db)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise _lease_error(e, path) from None
        for attempt in range(3):  # a `lease_holder` probe holds a shared lock for a moment
            if _try_lock(fd, exclusive=True):
                break
            time.sleep(0.05)
        else:
            holder = _read(fd)
            os.close(fd)
            raise IndexingElsewhere(holder, os.fspath(db))
        holder = LeaseHolder(program, os.getpid(), socket.gethostname(), time.time())
        note = json.dumps(holder.__dict__).encode()
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, note + b"\0" * (_LOCK_OFFSET - len(note)))
        except OSError as e:
            os.close(fd)
            raise _lease_error(e, path) from None
        return cls(fd, path, holder)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
            self._fd = None

    def __enter__(self) -> "IndexerLease":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def lease_holder(db: str | os.PathLike[str]) -> LeaseHolder | None:
    """Who indexes the library right now, or None."""
    try:
        fd = os.open(lock_path(db), os.O_RDWR)
    except OSError:
        return None
    try:
        return None if _try_lock(fd, exclusive=False) else _read(fd)
    finally:
        os.close(fd)
