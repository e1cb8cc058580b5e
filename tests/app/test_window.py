"""The whole main-window flow, offscreen: indexing with visible progress, searching by a long and a non-English
paragraph, by a dropped photo and by both, filters and sorting, the detail view and its actions, pause and
resume, freeing the text model when idle, and results whose file has vanished."""
from __future__ import annotations

import os
import shutil

from PySide6.QtCore import QDate, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from photosearch.lease import IndexerLease
from photosearch.progress import Phase, Progress
from photosearch.quick_text.runner import quick_text_root
from photosearch.store import FileStatus
from tests.app.conftest import (
    PHOTOS,
    AppEnv,
    indexed_count,
    make_library_photos,
    open_window,
    search,
    shown_paths,
    shows_results,
)
from tests.index_helpers import make_photos
from tests.tiny.longclip import write_tiny_longclip
from ui.index_service import IndexState
from ui.results_model import MissingRole

LONG = ("The kid in the yellow raincoat jumping into a puddle next to a red bicycle, late afternoon, long shadows "
        "on the wet street, a dog watching from a doorway. ") * 8
CHINESE = "穿黄色雨衣的孩子在红色自行车旁边跳进水坑，傍晚，湿漉漉的街道上有长长的影子"


def test_indexing_shows_progress_then_up_to_date(tmp_path, qtbot) -> None:
    photos = make_library_photos(tmp_path / "Pictures")
    env = open_window(tmp_path, photos, write_tiny_longclip(tmp_path / "m.pt"), qtbot)
    seen: list[Progress] = []
    env.window.indexing.progress.connect(seen.append)
    panel = env.window.panel
    try:
        qtbot.waitUntil(lambda: any(p.phase == Phase.INDEX and p.finished for p in seen), timeout=60_000)
        index = [p for p in seen if p.phase == Phase.INDEX]
        assert index[-1].done == index[-1].total == PHOTOS and [p.done for p in index] == sorted(p.done for p in index)
        qtbot.waitUntil(lambda: "Up to date" in panel.state.text(), timeout=10_000)
        assert env.window.indexing.status.state == IndexState.RUNNING  # still watching for changes
        qtbot.waitUntil(lambda: panel.folders.topLevelItemCount() == 1
                        and panel.folders.topLevelItem(0).text(1) == f"{PHOTOS} / {PHOTOS}", timeout=10_000)
    finally:
        env.window.close()
        env.library.close()


def test_long_and_non_english_paragraphs(env: AppEnv, qtbot) -> None:
    sp = env.window.search_panel
    search(env, qtbot, LONG)
    assert len(shown_paths(env)) == PHOTOS
    assert sp.notice.isVisible() and "246" in sp.notice.text()  # the model reads 246 words of it: said so
    qtbot.waitUntil(lambda: sp.words.text().endswith("/ 246 words"), timeout=10_000)
    search(env, qtbot, CHINESE)
    assert len(shown_paths(env)) == PHOTOS and not sp.notice.isVisible()
    search(env, qtbot, LONG)  # again, from the cache: the notice comes back too
    assert sp.notice.isVisible()


def _drop(window, path: str) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(path)])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)


def test_drop_a_photo_then_refine_it_by_text(env: AppEnv, qtbot) -> None:
    w = env.window
    target = str(env.photos / "Home" / "p005.jpg")
    shows_results(env, qtbot, lambda: _drop(w, target))
    assert w.search_panel.chip.path == target and shown_paths(env)[0] == target
    by_photo = [r.score for r in w.results.results()]
    search(env, qtbot, "like this one, but at night")  # one combined query: the photo plus the words
    outcome_scores = [r.score for r in w.results.results()]
    assert w.search_panel.chip.path == target and outcome_scores != by_photo
    request = w.search_panel.request()
    assert request.image == target and request.query == "like this one, but at night"
    shows_results(env, qtbot, w.search_panel.chip.clear)  # back to the words alone
    assert w.search_panel.request().image is None


def test_filters_sorting_and_cut_off_change_the_results(env: AppEnv, qtbot) -> None:
    w, f = env.window, env.window.search_panel.filters
    search(env, qtbot, "a photo")
    assert len(shown_paths(env)) == PHOTOS
    qtbot.waitUntil(lambda: f.folder.count() == 2 and f.type.count() == 3, timeout=10_000)  # all, Pictures; all, jpg, png

    def change(apply) -> list[str]:
        shows_results(env, qtbot, apply)
        return shown_paths(env)

    pngs = change(lambda: f.type.setCurrentIndex(f.type.findData("png")))
    assert pngs == [str(env.photos / "Trips" / "snow.png")]
    f.type.setCurrentIndex(0)
    canon = change(lambda: f.camera.setCurrentText("canon"))
    assert sorted(os.path.basename(p) for p in canon) == ["trip0.jpg", "trip2.jpg"]
    f.camera.setCurrentText("")
    dated = change(lambda: (f.since.setDate(QDate(2020, 1, 1)), f.until.setDate(QDate(2023, 12, 31))))
    assert sorted(os.path.basename(p) for p in dated) == ["trip1.jpg", "trip2.jpg"]
    f.since.setDate(f.since.minimumDate())
    f.until.setDate(f.until.minimumDate())
    newest = change(lambda: f.sort.setCurrentIndex(1))
    dates = [r.taken_at for r in w.results.results()]
    assert dates == sorted(dates, reverse=True) and newest != pngs
    best = change(lambda: f.sort.setCurrentIndex(0))
    cut = change(lambda: f.cutoff.setValue(99))
    assert 1 <= len(cut) < len(best) and set(cut) <= set(best)


def test_detail_view_actions_and_keyboard(env: AppEnv, qtbot) -> None:
    w = env.window
    search(env, qtbot, "a red bicycle")
    first, second = w.results.result(0), w.results.result(1)
    w.search_panel.grid.setCurrentIndex(w.results.index(0))
    qtbot.keyClick(w.search_panel.grid, Qt.Key.Key_Return)
    assert w.pages.currentWidget() is w.detail and w.detail.result.path == first.path
    qtbot.waitUntil(lambda: w.detail.fields["camera"].text() != "", timeout=10_000)  # details load off-thread
    qtbot.waitUntil(lambda: w.detail.preview.pixmap() is not None and not w.detail.preview.pixmap().isNull(),
                    timeout=10_000)
    for key in ("open", "reveal", "copy"):
        qtbot.mouseClick(w.detail.buttons[key], Qt.MouseButton.LeftButton)
    assert env.actions.calls == [("open", first.path), ("reveal", first.path), ("copy", first.path)]
    qtbot.keyClick(w.detail, Qt.Key.Key_Right)
    assert w.detail.result.path == second.path
    qtbot.keyClick(w.detail, Qt.Key.Key_Escape)
    assert w.pages.currentWidget() is w.search_panel
    shows_results(env, qtbot, lambda: w.search_panel.tile_action.emit("similar", second.path))  # context menu
    assert shown_paths(env)[0] == second.path
    mime = w.results.mimeData([w.results.index(0)])  # dragging tiles out hands over the files
    assert [u.toLocalFile() for u in mime.urls()] == [second.path]


def test_pause_holds_new_photos_until_resume(env: AppEnv, qtbot) -> None:
    w = env.window
    qtbot.mouseClick(w.panel.pause, Qt.MouseButton.LeftButton)
    assert w.indexing.status.state == IndexState.PAUSED and w.panel.pause.text() == "Resume"
    new = make_photos(env.photos / "Home", 1, start=90)[0]
    qtbot.wait(1500)  # several quiet periods of the watcher
    rec = env.library.photo_details(new)
    assert rec is None or rec.status != FileStatus.INDEXED
    qtbot.mouseClick(w.panel.pause, Qt.MouseButton.LeftButton)
    assert w.indexing.status.state == IndexState.RUNNING
    qtbot.waitUntil(lambda: indexed_count(env.library) == PHOTOS + 1, timeout=30_000)


def test_searches_use_the_quick_text_copy_indexing_made_and_load_no_text_tower(env: AppEnv, qtbot) -> None:
    search(env, qtbot, "a dog on the beach")
    assert len(shown_paths(env)) == PHOTOS
    assert not env.library.encoder(env.library.search_model()).text_loaded  # ~350 MB and seconds saved


def test_the_text_model_is_freed_when_idle_and_reloaded_by_the_next_query(env: AppEnv, qtbot) -> None:
    w = env.window
    w.search.set_idle_unload(0.002)  # 120 ms instead of minutes
    shutil.rmtree(quick_text_root(), ignore_errors=True)  # the model itself answers (as for LLM2CLIP)
    search(env, qtbot, "a dog on the beach")
    encoder = env.library.encoder(env.library.search_model())
    assert encoder.text_loaded
    qtbot.waitUntil(lambda: not encoder.text_loaded, timeout=10_000)
    search(env, qtbot, "a dog in the snow")
    assert encoder.text_loaded and len(shown_paths(env)) == PHOTOS


def test_a_result_whose_file_vanished_is_shown_as_missing(env: AppEnv, qtbot) -> None:
    """Between scans (the watcher off, a drive's file deleted by another machine) a shown result can vanish."""
    w = env.window
    w.indexing.stop()
    search(env, qtbot, "snow")

    def load_every_tile() -> None:
        for row in range(w.results.rowCount()):
            w.results.data(w.results.index(row), Qt.ItemDataRole.DecorationRole)
        assert w.thumbnails.wait(10_000)

    load_every_tile()
    gone = w.results.result(3).path
    os.remove(gone)
    w.thumbnails.memory.drop(w.thumbnails.memory_key(gone, w.results._px()))
    w.results.set_results(w.results.results())  # the same results shown again, as after a refresh
    load_every_tile()

    def shown_missing() -> bool:  # as a view repaints: a refresh of the results meanwhile asks for the tile again
        w.results.data(w.results.index(3), Qt.ItemDataRole.DecorationRole)
        return bool(w.results.data(w.results.index(3), MissingRole))

    qtbot.waitUntil(shown_missing, timeout=10_000)
    assert not w.results.data(w.results.index(0), MissingRole)
    qtbot.waitUntil(lambda: env.library.photo_details(gone).status == FileStatus.MISSING, timeout=10_000)
    assert all(u.toLocalFile() != gone for u in w.results.mimeData([w.results.index(3)]).urls())


def test_another_indexer_is_shown_not_fought(tmp_path, qtbot, monkeypatch) -> None:
    monkeypatch.setattr("ui.index_service.IndexService.RETRY_MS", 200)
    photos = make_library_photos(tmp_path / "Pictures")
    lease = IndexerLease.acquire(tmp_path / "lib.db", "photosearch watch")
    env = open_window(tmp_path, photos, write_tiny_longclip(tmp_path / "m.pt"), qtbot)
    try:
        qtbot.waitUntil(lambda: env.window.indexing.status.state == IndexState.EXTERNAL, timeout=10_000)
        assert "photosearch watch" in env.window.panel.state.text() and not env.window.panel.pause.isEnabled()
        lease.release()  # the other program stops: the app takes over
        qtbot.waitUntil(lambda: indexed_count(env.library) == PHOTOS, timeout=60_000)
    finally:
        lease.release()
        env.window.close()
        env.library.close()


def test_empty_library_says_what_to_do(tmp_path, qtbot) -> None:
    from PySide6.QtCore import QSettings

    from photosearch.library import Library
    from ui.bridge import ProgressBridge
    from ui.main_window import MainWindow
    from ui.settings import AppSettings

    bridge = ProgressBridge()
    library = Library.open(tmp_path / "lib.db", progress=bridge)
    w = MainWindow(library, AppSettings(), QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                   bridge, thumb_dir=tmp_path / "t", start_indexing=False)
    qtbot.addWidget(w)
    w.show()
    try:
        qtbot.waitUntil(lambda: w.search_panel.empty_button.isVisible(), timeout=10_000)
        assert "Add a folder" in w.search_panel.empty.text()
        w.search_panel.query.setPlainText("a red bicycle")
        with qtbot.waitSignal(w.search.failed, timeout=10_000):
            qtbot.keyClick(w.search_panel.query, Qt.Key.Key_Return)
        assert "Add a folder" in w.search_panel.empty.text()
    finally:
        w.close()
        library.close()


def test_folders_added_and_excluded_from_the_panel(env: AppEnv, qtbot, tmp_path) -> None:
    w = env.window
    extra = tmp_path / "Camera roll"
    make_photos(extra / "keep", 2, start=70)
    make_photos(extra / "Screenshots", 2, start=80)
    w.panel.add_folder.emit(str(extra))  # what "Add folder..." sends once the dialog returns
    qtbot.waitUntil(lambda: indexed_count(env.library) == PHOTOS + 4, timeout=60_000)
    qtbot.waitUntil(lambda: w.panel.folders.topLevelItemCount() == 2, timeout=10_000)
    w.panel.exclude.emit(str(extra), str(extra / "Screenshots"))  # the folder's context menu
    qtbot.waitUntil(lambda: indexed_count(env.library) == PHOTOS + 2, timeout=60_000)  # its photos leave the index

    def exclusions_shown() -> list[str]:
        items = [w.panel.folders.topLevelItem(i) for i in range(w.panel.folders.topLevelItemCount())]
        return [item.child(c).text(0) for item in items if item.text(0) == "Camera roll" for c in range(item.childCount())]

    qtbot.waitUntil(lambda: exclusions_shown() == ["excluded: Screenshots"], timeout=10_000)


def test_settings_switch_the_model_and_the_idle_time(env: AppEnv, qtbot, monkeypatch) -> None:
    from ui.settings_dialog import SettingsDialog

    w = env.window
    other = write_tiny_longclip(env.tmp / "other.pt", seed=3)

    def accept(dialog: SettingsDialog) -> int:
        dialog.picker.use_local(f"longclip:{other}")
        dialog.idle.setValue(7)
        return SettingsDialog.DialogCode.Accepted

    monkeypatch.setattr(SettingsDialog, "exec", accept)
    w.open_settings()
    assert w.settings.model == f"longclip:{other}" and w.settings.idle_unload_min == 7
    assert w.search._idle_ms == 7 * 60_000
    # the new model backfills beside the old one; searches use the old one until it is complete
    qtbot.waitUntil(lambda: len(env.library.status().models) == 2 and all(m.complete for m in env.library.status().models),
                    timeout=60_000)
    assert env.library.search_model() == f"longclip:{other}"


def test_a_model_that_cannot_be_had_stops_indexing_with_a_retry(tmp_path, qtbot, monkeypatch) -> None:
    """Switching to a preset while offline: the panel says why indexing stopped and offers to try again."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))
    photos = make_library_photos(tmp_path / "Pictures")
    env = open_window(tmp_path, photos, write_tiny_longclip(tmp_path / "m.pt"), qtbot)
    try:
        env.window.settings.model = "longclip-b"
        env.window.indexing.restart("longclip-b")
        panel = env.window.panel
        qtbot.waitUntil(lambda: panel.retry_button.isVisible(), timeout=30_000)
        assert "longclip-B.pt" in panel.state.text() and "offline" in panel.state.text()
        monkeypatch.setattr(env.window.settings, "model", f"longclip:{env.model}")
        qtbot.mouseClick(panel.retry_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: indexed_count(env.library) == PHOTOS, timeout=60_000)
        assert not panel.retry_button.isVisible()
    finally:
        env.window.close()
        env.library.close()
