"""Thumbnails: decoded off the GUI thread, kept in a memory LRU and a disk cache keyed by file identity.

A thumbnail is the photo decoded by `photosearch.images.load_image` (the one image loader: EXIF orientation,
HEIC, RAW previews, 16-bit, CMYK) at the tile's size times the screen's device pixel ratio, so tiles stay sharp
on HiDPI screens. The disk key is the file's path, size, mtime and inode plus the pixel size: an edited photo
gets a new thumbnail, an unchanged one is never decoded twice, even across runs. Decoding runs on a thread pool
and hands back a `QImage` (safe to build off the GUI thread, unlike `QPixmap`).
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage

from photosearch.images import ImageError, load_image

log = logging.getLogger(__name__)


def thumbnail_key(path: str, px: int) -> str | None:
    """The cache key of `path` as it is on disk now, or None if the file is gone."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    ident = os.fsencode(path) + f"|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}|{px}".encode()
    return hashlib.sha1(ident).hexdigest()


def to_qimage(im: Image.Image) -> QImage:
    rgb = im.convert("RGB")
    data = rgb.tobytes()
    return QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888).copy()


class DiskCache:
    """JPEG thumbnails under `folder`, pruned oldest-first past `budget_bytes`."""

    def __init__(self, folder: Path, budget_bytes: int) -> None:
        self.folder = folder
        self.budget_bytes = budget_bytes
        self._lock = threading.Lock()
        self._written = 0

    def _file(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.jpg"

    def get(self, key: str) -> Image.Image | None:
        path = self._file(key)
        try:
            with Image.open(path) as im:
                im.load()
                os.utime(path)  # recently used: pruned last
                return im.copy()
        except (OSError, ValueError):
            return None

    def put(self, key: str, im: Image.Image) -> None:
        path = self._file(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            buf = io.BytesIO()
            im.convert("RGB").save(buf, "JPEG", quality=85)
            tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
            tmp.write_bytes(buf.getvalue())
            os.replace(tmp, path)
        except OSError as e:  # a full or read-only cache disk costs speed, never the thumbnail
            log.info("thumbnail cache: cannot write %s: %s", path, e)
            return
        with self._lock:
            self._written += len(buf.getvalue())
            due = self._written > self.budget_bytes // 20
            if due:
                self._written = 0
        if due:
            self.prune()

    def prune(self) -> int:
        """Delete the least recently used thumbnails until the cache fits its budget; returns bytes freed."""
        try:
            files = [(p.stat().st_mtime, p.stat().st_size, p) for p in self.folder.glob("*/*.jpg")]
        except OSError:
            return 0
        total = sum(size for _, size, _ in files)
        freed = 0
        for _, size, path in sorted(files):
            if total - freed <= self.budget_bytes:
                break
            try:
                path.unlink()
                freed += size
            except OSError:
                pass
        return freed


class MemoryCache:
    """QImages by key, least recently used dropped first once over `budget_bytes`."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget_bytes = budget_bytes
        self._images: OrderedDict[str, QImage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> QImage | None:
        with self._lock:
            image = self._images.get(key)
            if image is not None:
                self._images.move_to_end(key)
            return image

    def drop(self, key: str) -> None:
        with self._lock:
            old = self._images.pop(key, None)
            if old is not None:
                self._bytes -= old.sizeInBytes()

    def put(self, key: str, image: QImage) -> None:
        with self._lock:
            old = self._images.pop(key, None)
            if old is not None:
                self._bytes -= old.sizeInBytes()
            self._images[key] = image
            self._bytes += image.sizeInBytes()
            while self._bytes > self.budget_bytes and len(self._images) > 1:
                _, dropped = self._images.popitem(last=False)
                self._bytes -= dropped.sizeInBytes()


class _Decode(QRunnable):
    def __init__(self, loader: "ThumbnailLoader", path: str, px: int, dpr: float) -> None:
        super().__init__()
        self.loader, self.path, self.px, self.dpr = loader, path, px, dpr

    def run(self) -> None:
        loader = self.loader
        try:
            key = thumbnail_key(self.path, self.px)
            if key is None:
                loader.signals.failed.emit(self.path, "missing")
                return
            im = loader.disk.get(key)
            if im is None:
                im = load_image(self.path, target=self.px).image
                im.thumbnail((self.px, self.px), Image.Resampling.LANCZOS, reducing_gap=2.0)
                loader.disk.put(key, im)
                loader.decoded += 1
            image = to_qimage(im)
            image.setDevicePixelRatio(self.dpr)
            loader.memory.put(loader.memory_key(self.path, self.px), image)
            loader.signals.ready.emit(self.path, self.px, image)
        except ImageError as e:
            loader.signals.failed.emit(self.path, e.reason)
        except Exception as e:  # noqa: BLE001 - one bad photo must not take the grid down
            log.exception("thumbnail of %r failed", self.path)
            loader.signals.failed.emit(self.path, f"{type(e).__name__}: {e}")
        finally:
            loader._done(self.path, self.px)


class ThumbnailSignals(QObject):
    ready = Signal(str, int, QImage)  # path, pixel size asked for, image
    failed = Signal(str, str)  # path, reason ("missing" when the file is gone)


class ThumbnailLoader:
    """Asks: `get(path, px)` returns a cached QImage at once or None and queues a decode; `signals.ready` follows."""

    def __init__(self, cache_dir: Path, disk_budget_bytes: int, memory_budget_bytes: int = 256 << 20,
                 threads: int | None = None) -> None:
        self.disk = DiskCache(cache_dir, disk_budget_bytes)
        self.memory = MemoryCache(memory_budget_bytes)
        self.signals = ThumbnailSignals()
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(threads or max(2, (os.cpu_count() or 2) - 1))
        self.decoded = 0  # photos decoded (not served from the disk cache), for tests and benchmarks
        self._pending: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    @staticmethod
    def memory_key(path: str, px: int) -> str:
        return f"{px}:{path}"

    def get(self, path: str, px: int, dpr: float = 1.0) -> QImage | None:
        image = self.memory.get(self.memory_key(path, px))
        if image is not None:
            return image
        with self._lock:
            if (path, px) in self._pending:
                return None
            self._pending.add((path, px))
        self.pool.start(_Decode(self, path, px, dpr))
        return None

    def forget(self, path: str, px: int) -> None:
        """Drop the memory copy (the file changed); the disk copy is keyed by identity and simply not hit."""
        self.memory.drop(self.memory_key(path, px))

    def _done(self, path: str, px: int) -> None:
        with self._lock:
            self._pending.discard((path, px))

    def clear_queue(self) -> None:
        """A new search: decodes of tiles nobody will see any more are dropped."""
        self.pool.clear()
        with self._lock:
            self._pending.clear()

    def wait(self, ms: int = 30_000) -> bool:
        return self.pool.waitForDone(ms)
