"""Which files under a root are photos we index, and walking a root to find them.

Shared by the reconcile scan (which walks) and the watcher (which judges single event paths), so a
file the scan would skip is never picked up by an event either.
"""
from __future__ import annotations

import os
from typing import Callable, Iterable, Iterator

from photosearch.images import is_supported

# Folders that hold generated or deleted files, never the user's photos. Compared case-insensitively;
# hidden folders (".git", ".thumbnails", ".Trash-1000", ...) are skipped by the leading-dot rule.
SKIPPED_DIR_NAMES: frozenset[str] = frozenset(
    {
        "@eadir",  # Synology thumbnails
        "@tmp",
        "@sharebin",
        "@recycle",  # QNAP
        "@recently-snapshot",
        "#recycle",  # Synology recycle bin
        "#snapshot",
        "$recycle.bin",  # Windows
        "system volume information",
        "lost+found",
        "node_modules",
    }
)


def is_skipped_dir_name(name: str) -> bool:
    return name.startswith(".") or name.lower() in SKIPPED_DIR_NAMES


def is_hidden_name(name: str) -> bool:
    """Dot files: editor temp files, macOS "._" resource forks that carry a photo's extension."""
    return name.startswith(".")


def _norm(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def relative_parts(root: str, path: str) -> list[str] | None:
    """`path` split into components below `root`, or None if it is not inside `root`."""
    rel = os.path.relpath(_norm(path), _norm(root))
    if rel == "." or rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return rel.split(os.sep)


def _under(path: str, folder: str) -> bool:
    p, f = _norm(path), _norm(folder)
    return p == f or p.startswith(f.rstrip(os.sep) + os.sep)


def is_watched_dir(root: str, excluded: Iterable[str], path: str) -> bool:
    """True if `path` is `root` or a folder below it that a scan would enter."""
    if _norm(path) == _norm(root):
        return True
    parts = relative_parts(root, path)
    if parts is None or any(is_skipped_dir_name(p) for p in parts):
        return False
    return not any(_under(path, e) for e in excluded)


def is_candidate(root: str, excluded: Iterable[str], path: str) -> bool:
    """True if a scan of `root` would index the file at `path` (by name; the file need not exist)."""
    parts = relative_parts(root, path)
    if parts is None or is_hidden_name(parts[-1]) or not is_supported(parts[-1]):
        return False
    return is_watched_dir(root, excluded, os.path.dirname(os.path.abspath(path)))


def root_reachable(path: str) -> bool:
    """A root we can list. A missing or unreadable root is an unplugged drive or a network outage."""
    try:
        with os.scandir(path) as it:
            next(it, None)
    except OSError:
        return False
    return True


def root_is_empty(path: str) -> bool:
    """No entries at all: what an unmounted mount point looks like."""
    try:
        with os.scandir(path) as it:
            return next(it, None) is None
    except OSError:
        return True


def _naming(e: OSError, path: str) -> OSError:
    """The error with the path it is about, which the scan spares from its sweep."""
    e.filename = path
    return e


def walk_photos(
    root: str, excluded: Iterable[str], on_error: Callable[[OSError], None]
) -> Iterator[tuple[str, os.stat_result]]:
    """Yield (path, stat) of every candidate photo under `root`.

    Symlinked folders are not entered (loops, and the same photo twice); symlinked files are
    followed. An entry that cannot be read (a symlink loop, a stat that fails) and a folder that
    cannot be listed are reported to `on_error`, with the path in the error's `filename`, and
    skipped: the caller spares what lies at or below that path. Files that vanish while we walk are
    skipped silently.
    """
    skip = {_norm(e) for e in excluded}
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            on_error(_naming(e, folder))
            continue
        subfolders: list[str] = []
        for entry in entries:
            name = entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not is_skipped_dir_name(name) and _norm(entry.path) not in skip:
                        subfolders.append(entry.path)
                    continue
                if is_hidden_name(name) or not is_supported(name) or not entry.is_file():
                    continue
                st = entry.stat()
            except FileNotFoundError:
                continue
            except OSError as e:
                on_error(_naming(e, entry.path))
                continue
            yield entry.path, st
        stack.extend(reversed(subfolders))  # depth first, in name order
