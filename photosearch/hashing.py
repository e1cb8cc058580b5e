"""Quick content fingerprints: cheap enough to run on every photo, strong enough to spot moves and copies."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from photosearch.safe_open import open_regular

HEAD_BYTES = 1 << 20
TAIL_BYTES = 1 << 10


def quick_hash(path: str | os.PathLike) -> str:
    """sha256 of (size, first 1 MiB, last 1 KiB): the same file anywhere has the same value.

    A FIFO, socket, device or folder raises `NotRegularFile` (an OSError) at once instead of blocking or
    reading forever; at most 1 MiB + 1 KiB is read whatever the file does meanwhile.
    """
    h = hashlib.sha256()
    with open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        h.update(size.to_bytes(8, "little"))
        h.update(f.read(HEAD_BYTES))
        if size > HEAD_BYTES:
            f.seek(max(HEAD_BYTES, size - TAIL_BYTES))
            h.update(f.read(TAIL_BYTES))
    return h.hexdigest()


def weights_fingerprint(paths: list[Path]) -> str:
    """Short id of a set of weight files' contents (12 hex chars), for model ids.

    Names and order are left out on purpose: renaming or moving a checkpoint must not make the store
    think it is a new model and re-embed a whole library.
    """
    h = hashlib.sha256()
    for digest in sorted(quick_hash(Path(p)) for p in paths):
        h.update(digest.encode())
    return h.hexdigest()[:12]
