"""A library on a backup disk or a read-only share, opened in the app: it searches, and says (without a dialog)
that it cannot index, instead of refusing to open."""
from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QSettings

from photosearch.cli import main
from photosearch.library import Library
from tests.app.conftest import PHOTOS, FAST, AppEnv, RecordingActions, make_library_photos, search, shown_paths
from tests.reliability.disks import read_only
from tests.tiny.longclip import write_tiny_longclip
from ui.bridge import ProgressBridge
from ui.index_service import IndexState
from ui.main_window import MainWindow
from ui.settings import AppSettings


@pytest.mark.skipif(sys.platform == "win32", reason="chmod and mounts are POSIX")
def test_a_read_only_library_searches_and_says_it_cannot_index(tmp_path, qtbot) -> None:
    photos = make_library_photos(tmp_path / "Pictures")
    model = write_tiny_longclip(tmp_path / "m.pt")
    db = tmp_path / "backup disk" / "lib.db"
    assert main(["--db", str(db), "add", str(photos)]) == 0
    assert main(["--db", str(db), "index", "--model", f"longclip:{model}"]) == 0
    with read_only(db.parent):
        bridge = ProgressBridge()
        library = Library.open(db, progress=bridge)
        qs = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(library, AppSettings(model=f"longclip:{model}"), qs, bridge, actions=RecordingActions(),
                            thumb_dir=tmp_path / "thumbs", index_config=FAST)
        qtbot.addWidget(window)
        window.show()
        env = AppEnv(window, library, photos, RecordingActions(), model, tmp_path)
        try:
            qtbot.waitUntil(lambda: window.indexing.status.state == IndexState.READ_ONLY, timeout=10_000)
            note = window.panel.state.text()
            assert "read-only" in note and "searching and status work" in note
            assert not window.panel.retry_button.isVisible() and not window.panel.pause.isEnabled()
            assert "read-only" in window.status_label.text()  # the status bar says it too: no dialog
            search(env, qtbot, "a red photo")
            assert len(shown_paths(env)) == PHOTOS
        finally:
            window.close()
            library.close()
