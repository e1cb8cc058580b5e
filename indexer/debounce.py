"""Wait until a file is quiet and its size/mtime have stopped changing before anyone reads it.

A photo being copied (or downloaded, or synced) produces a stream of modify events and a file that
is not a whole photo yet. Waiting for a quiet period alone is not enough - a slow network copy can
pause for longer than that - so a path is only handed on once two stats taken `quiet_s` apart with
no event in between agree.
"""
from __future__ import annotations

import os

from indexer.files import StatKey


def _stat(path: str) -> StatKey | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


class Debouncer:
    """Per-path deadlines; not thread-safe (the watcher's loop thread is its only user)."""

    def __init__(self, quiet_s: float) -> None:
        self.quiet_s = quiet_s
        self._due: dict[str, tuple[float, StatKey | None]] = {}

    def __len__(self) -> int:
        return len(self._due)

    def __contains__(self, path: object) -> bool:
        return path in self._due

    def touch(self, path: str, now: float) -> None:
        """Something happened to `path`: start (or restart) its quiet period."""
        self._due[path] = (now + self.quiet_s, _stat(path))

    def forget(self, path: str) -> None:
        self._due.pop(path, None)

    def forget_under(self, folder: str) -> None:
        prefix = folder.rstrip(os.sep) + os.sep
        for path in [p for p in self._due if p.startswith(prefix)]:
            del self._due[path]

    def next_due(self) -> float | None:
        return min((due for due, _ in self._due.values()), default=None)

    def pop_ready(self, now: float) -> list[str]:
        """Paths whose quiet period is over and whose stat did not change during it."""
        ready: list[str] = []
        for path, (due, seen) in list(self._due.items()):
            if due > now:
                continue
            current = _stat(path)
            if current is None:
                del self._due[path]  # gone again; its delete event updates the store
            elif current == seen:
                del self._due[path]
                ready.append(path)
            else:
                self._due[path] = (now + self.quiet_s, current)  # still growing: wait another period
        return ready
