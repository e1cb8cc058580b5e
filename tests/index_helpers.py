"""Shared pieces of the indexer tests: a tiny real encoder that counts its work, photo sets, bounded waits."""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable

from photosearch.encoders.base import Encoder
from photosearch.encoders.longclip import load_longclip
from photosearch.store import FileRecord, FileStatus, Store
from tests.photo_tree import PALETTE, make_photo
from tests.tiny.longclip import write_tiny_longclip

SHAPES = ("circle", "square", "triangle", "stripes", "cross", "ring", "diamond", "none")


def tiny_encoder(folder: Path, seed: int = 0, **kwargs: Any) -> Encoder:
    """A real (random) Long-CLIP with a 32 px ViT: fast on CPU, exercises the real encoder path."""
    return load_longclip(write_tiny_longclip(folder / f"tiny_longclip_{seed}.pt", seed, **kwargs))


class EncodeSpy:
    """Wraps `encoder.encode_pixels` to count calls and images; `install` via monkeypatch."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self._inner = encoder.encode_pixels
        self.calls = 0
        self.images = 0

    def __call__(self, pixels: Any) -> Any:
        self.calls += 1
        self.images += len(pixels)
        return self._inner(pixels)


def spy_on(monkeypatch: Any, encoder: Encoder) -> EncodeSpy:
    spy = EncodeSpy(encoder)
    monkeypatch.setattr(encoder, "encode_pixels", spy)
    return spy


def make_photos(folder: Path, n: int, size: tuple[int, int] = (96, 64), start: int = 0) -> list[Path]:
    """`n` distinct small JPEGs (colour x shape x size), so every one is its own content."""
    colors = list(PALETTE)
    out = []
    for i in range(start, start + n):
        w, h = size[0] + i % 7, size[1] + i // 7 % 5
        out.append(make_photo(folder / f"p{i:03d}.jpg", colors[i % len(colors)], (w, h), shape=SHAPES[i // len(colors) % len(SHAPES)]))  # type: ignore[arg-type]
    return out


def wait_until(cond: Callable[[], Any], timeout: float = 15.0, what: str = "condition", interval: float = 0.02) -> Any:
    """Poll `cond` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def all_files(store: Store) -> list[FileRecord]:
    """Every file row (read-only SQL: the Store API lists files by status or key only)."""
    ids = [r[0] for r in store.conn.execute("SELECT id FROM files ORDER BY id").fetchall()]
    return [store.file(i) for i in ids]  # type: ignore[misc]


def status_of(store: Store, path: str | os.PathLike[str]) -> FileStatus | None:
    rec = store.file_by_path(path)
    return None if rec is None else rec.status
