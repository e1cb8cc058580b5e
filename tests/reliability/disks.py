"""Disks that cannot be written or that fill up, made in a test without touching the machine's real ones.

* `read_only(path)`: a folder or file this process cannot write, as on a backup disk or a read-only share. A
  normal user gets it with chmod; root writes through any chmod, so as root the path is bind-mounted onto itself
  read-only (needs CAP_SYS_ADMIN; the test is skipped, saying why, where even that is refused).
* `small_disk(folder, size)`: a tmpfs of `size` bytes, so a write fails with ENOSPC (SQLite: "database or disk
  is full"); root only, else skipped. `grow(folder, size)` gives it room again.
* `file_size_limit(limit)`: a `preexec_fn` for a child process whose files may not grow past `limit` bytes
  (RLIMIT_FSIZE, with SIGXFSZ ignored so the write fails with EFBIG, SQLite: "disk I/O error"). Works for anyone.
"""
from __future__ import annotations

import os
import resource
import signal
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pytest

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", str(path)], capture_output=True, check=True)


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    if not IS_ROOT:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    p = str(path)
    if not _mount("--bind", p, p):
        pytest.skip("running as root, where chmod does not stop writes, and a read-only bind mount is refused here")
    try:
        if not _mount("-o", "remount,bind,ro", p, p):
            pytest.skip("running as root, where chmod does not stop writes, and a bind mount cannot be made read-only")
        yield
    finally:
        _umount(path)


@contextmanager
def small_disk(folder: Path, size: int) -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    if not IS_ROOT or not _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)):
        pytest.skip("a small disk (tmpfs) needs root; the file-size-limit test covers the same path without it")
    try:
        yield folder
    finally:
        _umount(folder)


def grow(folder: Path, size: int) -> None:
    assert _mount("-o", f"remount,size={size}", str(folder)), "could not enlarge the tmpfs"


def file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply
