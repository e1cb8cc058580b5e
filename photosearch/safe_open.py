"""Open a file named like a photo without ever blocking on, or reading endlessly from, something that is no file.

A folder can hold anything with a `.jpg` name: a FIFO (a plain `open()` blocks until a writer appears, which
hung the watcher for good, SIGINT included), a symlink to `/dev/zero` (reads never end), a socket, a device, a
directory. So every file the indexer reads goes through `open_regular`:

1. `stat` first and refuse anything but a regular file without opening it: opening some devices has side
   effects of its own (a tape rewinds, a watchdog arms), so they are never opened at all;
2. `open` with `O_NONBLOCK` (and `O_NOCTTY`), so a FIFO swapped in after that check cannot block the open,
   then `fstat` the descriptor: what we hold, not what the name pointed to a moment ago, must be a regular
   file;
3. clear `O_NONBLOCK` again, so reads behave normally (it means nothing for regular files on local disks,
   but network file systems may honour it).

`NotRegularFile` is an `OSError`, so callers that already handle unreadable files (the scan, the watcher)
handle these too; `strerror` says in a few words what the thing is.
"""
from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # Windows: no FIFOs or device nodes in the file tree, nothing to clear
    fcntl = None  # type: ignore[assignment]

__all__ = ["NotRegularFile", "open_regular", "check_regular", "describe_mode"]

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


class NotRegularFile(OSError):
    """The path names a folder, FIFO, socket or device rather than a file; `strerror` says which."""


def describe_mode(mode: int) -> str:
    """'a folder', 'a named pipe (FIFO)', ... for a non-regular st_mode."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a file"


def check_regular(path: str | os.PathLike[str], st: os.stat_result) -> None:
    """Raise `NotRegularFile` unless `st` is a regular file's."""
    if not stat.S_ISREG(st.st_mode):
        raise NotRegularFile(errno.EINVAL, f"not a regular file: it is {describe_mode(st.st_mode)}", os.fspath(path))


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """Open `path` for binary reading if it is a regular file; `NotRegularFile` (or the OS's error) otherwise.

    Never blocks on a FIFO and never opens a device (see the module docstring). The caller owns the
    returned file and closes it (`with open_regular(p) as f`); `os.fstat(f.fileno())` is the file read.
    """
    check_regular(path, os.stat(path))
    fd = os.open(path, _OPEN_FLAGS)
    try:
        check_regular(path, os.fstat(fd))
        if fcntl is not None:
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
            fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
