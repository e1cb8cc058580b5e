"""An event storm under a live watcher: after quiet, the database equals the file tree.

1,000 random operations with a fixed seed - create, slow chunked write, rename, delete, atomic replace
(temp file + `os.replace`), copy, mkdir, and folder moves within, out of and back into the root - run
against a real watchdog observer and the tiny Long-CLIP encoder, in bursts with short pauses so index
runs and event handling interleave with the storm. Then, without any reconcile (its interval is far
beyond the test), the database must describe exactly what is on disk: every photo has one `indexed` row
with its current content, metadata and vector; every other row is `missing`; nothing is pending.
"""
from __future__ import annotations

import io
import os
import random
import shutil
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest
from PIL import Image, ImageDraw

from indexer import Indexer, IndexerConfig, PipelineConfig, WatchConfig
from photosearch.encoders.base import Encoder
from photosearch.hashing import quick_hash
from photosearch.store import FileStatus, Store
from tests.index_helpers import all_files, wait_until

SEED = 20240610
OPERATIONS = 1000
QUIET_S = 0.3
SIZES = ((64, 48), (48, 64), (72, 40))  # so a row carrying another photo's metadata shows in width/height


def _blobs(n: int) -> list[tuple[bytes, tuple[int, int]]]:
    """`n` small, distinct JPEGs (a few KB each) and their sizes."""
    rng = random.Random(1)
    out = []
    for i in range(n):
        size = SIZES[i % len(SIZES)]
        im = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
        draw = ImageDraw.Draw(im)
        x, y = rng.randrange(size[0] // 2), rng.randrange(size[1] // 2)
        draw.rectangle((x, y, x + 10 + i % 13, y + 8 + i % 11), fill=tuple(rng.randrange(256) for _ in range(3)))
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=85)
        out.append((buf.getvalue(), size))
    return out


@dataclass
class Storm:
    """Random file operations on `root` (and `outside`, where moved-out folders wait).

    Names are reused the way people reuse them: a new photo takes a deleted one's name, a new folder a
    moved-away one's, and a folder moved out often comes back to where it was.
    """

    root: Path
    outside: Path
    rng: random.Random
    blobs: list[tuple[bytes, tuple[int, int]]]
    done: Counter[str] = field(default_factory=Counter)
    serial: int = 0
    freed_files: list[Path] = field(default_factory=list)
    freed_dirs: list[Path] = field(default_factory=list)
    came_from: dict[Path, Path] = field(default_factory=dict)  # folder outside -> where it was in the root
    _files: set[Path] = field(default_factory=set)  # what is in the root now, kept up to date by each step
    _dirs: set[Path] = field(default_factory=set)

    KINDS = {
        "create": 16, "slow_write": 5, "rename": 14, "delete": 10, "replace": 10, "copy": 12, "mkdir": 6,
        "move_dir_out": 7, "move_dir_in": 7, "move_dir_within": 6,
    }

    def _fresh(self, parent: Path, prefix: str, suffix: str = "") -> Path:
        self.serial += 1
        return parent / f"{prefix}{self.serial:04d}{suffix}"

    def files(self) -> list[Path]:
        return sorted(self._files)

    def dirs(self, max_depth: int = 3) -> list[Path]:
        return [self.root] + sorted(p for p in self._dirs if len(p.relative_to(self.root).parts) <= max_depth)

    def _folder_moved(self, src: Path, dest: Path) -> None:
        """Update what the root holds after moving folder `src` to `dest` (either may be outside the root)."""
        for known in (self._files, self._dirs):
            for p in [p for p in known if p == src or src in p.parents]:
                known.discard(p)
        if self.root in dest.parents:
            self._dirs.add(dest)
            for folder, dirnames, filenames in os.walk(dest):
                self._dirs.update(Path(folder) / d for d in dirnames)
                self._files.update(Path(folder) / f for f in filenames)

    def _reuse(self, freed: list[Path]) -> Path | None:
        """A name that was in use before (deleted, renamed or moved away), if its folder still exists."""
        if not freed or self.rng.random() < 0.5:
            return None
        path = freed.pop(self.rng.randrange(len(freed)))
        return path if path.parent.is_dir() and not path.exists() else None

    def _new_file(self, prefix: str) -> Path:
        return self._reuse(self.freed_files) or self._fresh(self.rng.choice(self.dirs()), prefix, ".jpg")

    def _blob(self) -> bytes:
        return self.rng.choice(self.blobs)[0]

    def step(self) -> None:
        kind = self.rng.choices(list(self.KINDS), list(self.KINDS.values()))[0]
        files, inner = self.files(), self.dirs()[1:]
        if (kind in ("rename", "delete", "replace", "copy") and not files) or (
            kind in ("move_dir_out", "move_dir_within") and not inner
        ):
            kind = "create"
        if kind == "move_dir_in" and not any(self.outside.iterdir()):
            kind = "mkdir"
        if kind == "create":
            new = self._new_file("c")
            new.write_bytes(self._blob())
            self._files.add(new)
        elif kind == "slow_write":
            data = self._blob()
            step = len(data) // 3 + 1
            new = self._new_file("s")
            with open(new, "wb") as f:
                for i in range(3):
                    f.write(data[i * step : (i + 1) * step])
                    f.flush()
                    time.sleep(0.005)
            self._files.add(new)
        elif kind == "rename":
            src, new = self.rng.choice(files), self._new_file("r")
            os.rename(src, new)
            self._files.discard(src)
            self._files.add(new)
            self.freed_files.append(src)
        elif kind == "delete":
            victim = self.rng.choice(files)
            victim.unlink()
            self._files.discard(victim)
            self.freed_files.append(victim)
        elif kind == "replace":
            target = self.rng.choice(files)
            tmp = target.parent / f".{target.name}.tmp"
            tmp.write_bytes(self._blob())
            os.replace(tmp, target)
        elif kind == "copy":
            new = self._new_file("k")
            shutil.copy2(self.rng.choice(files), new)
            self._files.add(new)
        elif kind == "mkdir":
            new = self._reuse(self.freed_dirs) or self._fresh(self.rng.choice(self.dirs(2)), "d")
            new.mkdir()
            self._dirs.add(new)
        elif kind == "move_dir_out":
            src = self.rng.choice(inner)
            away = self._fresh(self.outside, "o")
            os.rename(src, away)
            self._folder_moved(src, away)
            self.came_from[away] = src
            self.freed_dirs.append(src)
        elif kind == "move_dir_in":
            away = self.rng.choice(sorted(self.outside.iterdir()))
            back = self.came_from.pop(away)
            if back.exists() or not back.parent.is_dir() or self.rng.random() < 0.4:
                back = self._fresh(self.rng.choice(self.dirs(2)), "i")
            os.rename(away, back)
            self._folder_moved(away, back)
        elif kind == "move_dir_within":
            src = self.rng.choice(inner)
            parents = [d for d in self.dirs(2) if d != src and src not in d.parents]
            new = self._fresh(self.rng.choice(parents), "m")
            os.rename(src, new)
            self._folder_moved(src, new)
            self.freed_dirs.append(src)
        self.done[kind] += 1


def differences(reader: Store, root: Path, model_id: str) -> tuple[list[str], dict[str, int]]:
    """Everything in which the database differs from the tree under `root`, and what was compared."""
    problems: list[str] = []
    on_disk = {str(p): p for p in root.rglob("*.jpg") if not p.name.startswith(".")}
    rows = all_files(reader)
    by_path = Counter(r.path for r in rows)
    for path, p in on_disk.items():
        rec = reader.file_by_path(p)
        if rec is None:
            problems.append(f"no row: {path}")
            continue
        if by_path[rec.path] != 1:
            problems.append(f"{by_path[rec.path]} rows: {path}")
        if rec.status != FileStatus.INDEXED:
            problems.append(f"{rec.status.value}, not indexed: {path}")
            continue
        if rec.quick_hash != quick_hash(p):
            problems.append(f"stale content: {path}")
            continue
        meta = reader.photo_meta(rec.id)
        with Image.open(p) as im:
            size = im.size
        if meta is None or (meta.width, meta.height) != size:
            problems.append(f"wrong metadata {meta and (meta.width, meta.height)} for {size}: {path}")
        if rec.key is None or not reader.has_embedding(model_id, rec.key):
            problems.append(f"no vector: {path}")
    ghosts = [r for r in rows if r.status != FileStatus.MISSING and r.path not in on_disk]
    problems += [f"{r.status.value} but not on disk: {r.path}" for r in ghosts]
    counts = Counter(r.status.value for r in rows)
    return problems, {"photos on disk": len(on_disk), "rows": len(rows), **counts}


@pytest.fixture
def live_watcher(tmp_path: Path, encoder: Encoder) -> Iterator[tuple[Path, Store]]:
    """A real watcher (native observer) on tmp_path/photos; yields the root and a second, reading connection."""
    root = tmp_path / "photos"
    root.mkdir()
    store = Store.open(tmp_path / "lib.db")
    store.add_root(root)
    config = IndexerConfig(
        pipeline=PipelineConfig(batch_size=32, workers=2),
        watch=WatchConfig(quiet_s=QUIET_S, tick_s=0.05, reconcile_interval_s=3600),
    )
    ix = Indexer(store, encoder, config)
    reader = Store.open(tmp_path / "lib.db")
    stop = threading.Event()
    errors: list[BaseException] = []

    def target() -> None:
        try:
            ix.watch(stop)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    t = threading.Thread(target=target, daemon=True)
    t.start()
    try:
        yield root, reader
    finally:
        stop.set()
        t.join(30)
        reader.close()
        store.close()
    assert not t.is_alive(), "watch did not stop"
    assert not errors, errors


def test_event_storm_leaves_the_database_equal_to_the_tree(
    live_watcher: tuple[Path, Store], tmp_path: Path, encoder: Encoder
) -> None:
    root, reader = live_watcher
    outside = tmp_path / "outside"
    outside.mkdir()
    rng = random.Random(SEED)
    storm = Storm(root, outside, rng, _blobs(150))
    started = time.monotonic()
    for i in range(OPERATIONS):
        storm.step()
        if rng.random() < 0.02:  # a pause now and then: the watcher's index runs overlap the storm
            time.sleep(rng.uniform(0.1, 0.6))
    # the bulk copy: one folder of fresh and known photos at once
    bulk = root / "bulk"
    shutil.copytree(storm.dirs()[-1], bulk / "copied")
    for i, (data, _) in enumerate(storm.blobs[:40]):
        (bulk / f"b{i:03d}.jpg").write_bytes(data)

    model_id = encoder.model_id
    stormed = time.monotonic()

    def consistent() -> bool:
        return not differences(reader, root, model_id)[0]

    try:
        wait_until(consistent, timeout=45, what="the database to equal the tree", interval=0.5)
        time.sleep(4 * QUIET_S + 0.5)  # and it stays so: no late event may undo it
    except AssertionError:
        pass  # the differences say more than the time-out
    problems, counts = differences(reader, root, model_id)
    print(f"operations {dict(storm.done)} in {stormed - started:.1f} s; quiet after {time.monotonic() - stormed:.1f} s; {counts}")
    assert not problems, f"{len(problems)} differences, e.g. {problems[:12]} ({counts})"
    assert sum(storm.done.values()) >= OPERATIONS * 0.95 and counts["photos on disk"] > 100
