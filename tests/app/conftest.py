"""A real window over a generated library and a tiny Long-CLIP, driven offscreen by pytest-qt."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest
from PySide6.QtCore import QSettings, Qt

from indexer import IndexerConfig, PipelineConfig, WatchConfig
from photosearch.library import Library
from photosearch.store import FileStatus
from tests.index_helpers import make_photos
from tests.photo_tree import make_photo
from tests.tiny.longclip import write_tiny_longclip
from ui.bridge import ProgressBridge
from ui.main_window import MainWindow
from ui.settings import AppSettings

STALL_MONITOR = None  # bench/bench_gui.py sets a class here to time the GUI thread's stalls through every test


@pytest.fixture(autouse=True)
def _stall_monitor(qapp):
    monitor = STALL_MONITOR() if STALL_MONITOR else None
    yield
    if monitor is not None:
        monitor.timer.stop()


FAST = IndexerConfig(pipeline=PipelineConfig(batch_size=4, workers=2), watch=WatchConfig(quiet_s=0.3, tick_s=0.05))
PHOTOS = 24


@dataclass
class RecordingActions:
    """The desktop actions, recorded instead of launching viewers and file managers."""

    calls: list[tuple[str, str]] = field(default_factory=list)

    def open(self, path: str) -> bool:
        self.calls.append(("open", path))
        return True

    def reveal(self, path: str) -> bool:
        self.calls.append(("reveal", path))
        return True

    def copy_path(self, path: str) -> None:
        self.calls.append(("copy", path))


def make_library_photos(root: Path) -> Path:
    """Two folders; dated, camera-tagged photos and a PNG among plain ones (24 photos)."""
    make_photos(root / "Home", 16)
    trips = root / "Trips"
    for i, (when, camera) in enumerate([("2019-07-14 18:30:00", ("Canon", "EOS R6")),
                                        ("2021-02-03 09:00:00", ("FUJIFILM", "X-T4")),
                                        ("2023-08-20 12:00:00", ("Canon", "EOS R6")),
                                        ("2024-12-24 20:00:00", (None, None))]):
        make_photo(trips / f"trip{i}.jpg", ["orange", "navy", "green", "red"][i], (120, 90), shape="ring",
                   taken_at=when, make=camera[0], model=camera[1])
    make_photos(trips / "more", 3, start=40)
    make_photo(trips / "snow.png", (250, 250, 250), (90, 90), shape="cross")
    return root


@dataclass
class AppEnv:
    window: MainWindow
    library: Library
    photos: Path
    actions: RecordingActions
    model: Path
    tmp: Path


def open_window(tmp: Path, photos: Path, model: Path, qtbot, index_config: IndexerConfig = FAST,
                **settings_kw) -> AppEnv:
    bridge = ProgressBridge()
    library = Library.open(tmp / "lib.db", progress=bridge)
    library.add_folder(photos)
    qs = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    settings = AppSettings(model=f"longclip:{model}", **settings_kw)
    actions = RecordingActions()
    window = MainWindow(library, settings, qs, bridge, actions=actions, thumb_dir=tmp / "thumbs",
                        index_config=index_config)
    qtbot.addWidget(window)
    window.show()
    return AppEnv(window, library, photos, actions, model, tmp)


def indexed_count(library: Library) -> int:
    return library.status().files[FileStatus.INDEXED]


@pytest.fixture
def env(tmp_path: Path, qtbot) -> Iterator[AppEnv]:
    photos = make_library_photos(tmp_path / "Pictures")
    model = write_tiny_longclip(tmp_path / "m.pt")
    e = open_window(tmp_path, photos, model, qtbot)
    qtbot.waitUntil(lambda: indexed_count(e.library) == PHOTOS, timeout=60_000)
    yield e
    e.window.close()
    e.library.close()


def search(env: AppEnv, qtbot, text: str) -> None:
    """Type a query and press Enter, as a person does; returns once its results are shown."""
    box = env.window.search_panel.query
    box.setPlainText(text)
    shows_results(env, qtbot, lambda: qtbot.keyClick(box, Qt.Key.Key_Return))


def shows_results(env: AppEnv, qtbot, action) -> None:
    """Do `action` and wait for the results of the search it started (not those of an earlier one)."""
    with qtbot.waitSignal(env.window.search.results, timeout=30_000,
                          check_params_cb=lambda rid, _o: rid == env.window.search.latest):
        action()


def shown_paths(env: AppEnv) -> list[str]:
    return [r.path for r in env.window.results.results()]
