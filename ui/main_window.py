"""The main window: search on the right, the library on the left, one photo in detail when asked.

Everything slow happens elsewhere: searches and word counts on the search service's threads, indexing and
watching on the index service's thread, thumbnails on a thread pool, and every library read (status, details,
filter choices) through `run_task`. The GUI thread only paints and routes. Two of its jobs live in mixins of their
own: a result shown in detail (`ui.detail_flow`) and the Settings dialog with model removal (`ui.settings_flow`).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import platformdirs
from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QImage, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox, QStackedWidget

from indexer import IndexerConfig
from photosearch.errors import InvalidInput, NothingIndexed, PhotoSearchError
from photosearch.factory import Preset, list_presets
from photosearch.images import SUPPORTED_EXTENSIONS
from photosearch.library import Library, ModelState
from photosearch.pathtext import display_path
from photosearch.progress import Phase, Progress
from photosearch.search import SearchOutcome
from photosearch.store import FileStatus
from ui.bridge import ProgressBridge, run_task
from ui.desktop_actions import DesktopActions
from ui.detail_flow import DetailFlow
from ui.detail_view import PREVIEW_PX, DetailView
from ui.index_service import IndexService, IndexStatus
from ui.library_panel import LibraryPanel
from ui.query_box import image_paths
from ui.results_model import ResultsModel
from ui.search_panel import Empty, SearchPanel
from ui.search_service import SearchService
from ui.settings import AppSettings
from ui.settings_flow import SettingsFlow
from ui.thumbnails import ThumbnailLoader

THUMB_PX = 180
CHIP_PX = 112
REFRESH_S = 2.0  # while indexing, status and the current results refresh at most this often


class MainWindow(DetailFlow, SettingsFlow, QMainWindow):
    def __init__(
        self, library: Library, settings: AppSettings, qsettings: QSettings, bridge: ProgressBridge, *,
        actions: DesktopActions | None = None, index_config: IndexerConfig = IndexerConfig(),
        thumb_dir: Path | None = None, presets: list[Preset] | None = None, start_indexing: bool = True,
    ) -> None:
        super().__init__()
        # Worker threads run Python too (imports while a model loads, the indexer's bookkeeping): with the default
        # 5 ms GIL switch interval and several of them runnable, the GUI thread waited 100-200 ms for its turn
        # (bench/bench_gui.py). A 1 ms interval hands the GIL back five times as often.
        sys.setswitchinterval(min(sys.getswitchinterval(), 0.001))
        self.library, self.settings, self.qsettings = library, settings, qsettings
        self.actions = actions or DesktopActions()
        self.presets = presets if presets is not None else list_presets()
        self.start_indexing = start_indexing
        self.setWindowTitle("PhotoSearch")
        self.setAcceptDrops(True)
        cache = thumb_dir or platformdirs.user_cache_path("PhotoSearch", appauthor=False) / "thumbnails"
        self.thumbnails = ThumbnailLoader(cache, settings.thumb_cache_mb << 20)
        self.results = ResultsModel(self.thumbnails, THUMB_PX, self)
        self.search_panel = SearchPanel(self.results)
        self.detail = DetailView()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.search_panel)
        self.pages.addWidget(self.detail)
        self.setCentralWidget(self.pages)
        self.panel = LibraryPanel()
        self.dock = QDockWidget(self.tr("Library"), self)
        self.dock.setObjectName("library-dock")
        self.dock.setWidget(self.panel)
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable | QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        self.status_label = QLabel()
        self.statusBar().addWidget(self.status_label, 1)

        self.search = SearchService(library, settings.model, settings.idle_unload_min, self)
        self.indexing = IndexService(library, bridge, index_config, self)
        self.finetune = None  # the Fine-tune window, made on first use
        self._status_pending = self._status_running = False
        self._last_refresh = 0.0
        self._folders = 0
        self._indexed = 0
        self._library_model = ""  # the newest model the library was indexed with
        self._models: list[ModelState] = []  # the library's models, as the last status read them
        self._reads_text: bool | None = None  # the library's "read words inside photos"; None: cannot be changed
        self._counter = QTimer(self)
        self._counter.setSingleShot(True)
        self._counter.setInterval(200)
        self._connect()
        self._menus()
        geometry = qsettings.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 800)
        QTimer.singleShot(0, self._startup)

    # -- wiring ---------------------------------------------------------------------------------------------
    def _connect(self) -> None:
        sp, dv, panel = self.search_panel, self.detail, self.panel
        sp.search_requested.connect(self.run_search)
        sp.more_wanted.connect(lambda: self.run_search(keep_position=True))
        sp.activated.connect(self.show_detail)
        sp.tile_action.connect(self._tile_action)
        sp.add_folder_requested.connect(panel._ask_folder)
        sp.chip.cleared.connect(self.run_search)
        sp.query.example_given.connect(self.search_by)
        sp.query.textChanged.connect(self._counter.start)
        self._counter.timeout.connect(lambda: self.search.count(sp.query.toPlainText().strip()))
        self.search.counted.connect(sp.set_words)
        self.search.results.connect(self._results)
        self.search.failed.connect(self._search_failed)
        self.search.busy.connect(sp.set_busy)
        self.search.unloaded.connect(lambda: self.statusBar().showMessage(
            self.tr("The text model was freed after being idle; the next search loads it again."), 8000))
        self.thumbnails.signals.ready.connect(self._image_ready)
        self.thumbnails.signals.failed.connect(self._thumbnail_failed)
        dv.back.connect(self.show_grid)
        dv.navigate.connect(self._navigate)
        dv.find_similar.connect(self.search_by)
        dv.open_file.connect(self.actions.open)
        dv.reveal_file.connect(self.actions.reveal)
        dv.copy_path.connect(self.actions.copy_path)
        panel.add_folder.connect(lambda p: self._change_folders(lambda: self.library.add_folder(p)))
        panel.remove_folder.connect(self._remove_folder)
        panel.exclude.connect(lambda root, sub: self._change_folders(lambda: self.library.add_folder(root, exclude=[sub])))
        panel.include.connect(lambda root, sub: self._change_folders(lambda: self.library.add_folder(root, include=[sub])))
        panel.pause_toggled.connect(lambda pause: self.indexing.pause() if pause else self.indexing.resume())
        panel.retry.connect(lambda: self.indexing.restart(self.settings.model or None))
        self.indexing.status_changed.connect(self._index_status)
        self.indexing.progress.connect(self._progress)

    def _menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        for label, keys, slot in (
            (self.tr("Add folder\u2026"), None, self.panel._ask_folder),
            (self.tr("Search by photo\u2026"), "Ctrl+O", self._pick_example),
            (self.tr("Settings\u2026"), "Ctrl+,", self.open_settings),
            (self.tr("Quit"), "Ctrl+Q", self.close),
        ):
            action = QAction(label, self)
            if keys:
                action.setShortcut(QKeySequence(keys))
            action.triggered.connect(slot)
            file_menu.addAction(action)
        view = self.menuBar().addMenu(self.tr("&View"))
        view.addAction(self.dock.toggleViewAction())
        focus = QAction(self.tr("Find"), self)
        focus.setShortcuts([QKeySequence("Ctrl+F"), QKeySequence("Ctrl+L")])
        focus.triggered.connect(self._focus_query)
        view.addAction(focus)
        tools = self.menuBar().addMenu(self.tr("&Tools"))
        tools.addAction(self.tr("Fine-tune a model\u2026"), self.open_finetune)
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        help_menu.addAction(self.tr("About PhotoSearch"), self._about)

    def _startup(self) -> None:
        self.refresh_status()
        if self.start_indexing:
            self.indexing.start(self.settings.model or None)
        self.search_panel.query.setFocus()

    # -- search ---------------------------------------------------------------------------------------------
    def run_search(self, keep_position: bool = False) -> None:
        sp = self.search_panel
        if not keep_position:
            sp.k = 300
        try:
            request = sp.request()
        except InvalidInput as e:
            sp.set_empty(Empty.ERROR, str(e))
            return
        if request is None:
            sp.set_empty(Empty.NO_FOLDERS if not self._folders else Empty.NO_QUERY)
            sp.notice.hide()
            return
        self.thumbnails.clear_queue()
        self._keep_position = keep_position
        self.search.search(request)

    def search_by(self, path: str) -> None:
        """Query by example: a dropped, pasted or chosen photo, or "Find similar" on a result."""
        self.show_grid()
        self.search_panel.set_example(path)
        image = self.thumbnails.get(path, CHIP_PX, self.devicePixelRatioF())
        if image is not None:
            self.search_panel.chip.set_picture(image)

    def _results(self, request_id: int, outcome: SearchOutcome) -> None:
        if request_id != self.search.latest:
            return  # a newer query is on its way
        self.results.dpr = self.devicePixelRatioF()
        self.search_panel.set_outcome(outcome, keep_position=getattr(self, "_keep_position", False))

    def _search_failed(self, request_id: int, error: PhotoSearchError) -> None:
        if request_id != self.search.latest:
            return
        if isinstance(error, NothingIndexed):
            self.search_panel.set_empty(Empty.NO_FOLDERS if not self._folders else Empty.NOTHING_INDEXED)
        else:
            self.search_panel.set_empty(Empty.ERROR, str(error))

    def _pick_example(self) -> None:
        patterns = " ".join(f"*{e}" for e in sorted(SUPPORTED_EXTENSIONS))
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Search by photo"), "", self.tr("Photos") + f" ({patterns})")
        if path:
            self.search_by(path)

    def _focus_query(self) -> None:
        self.show_grid()
        self.search_panel.query.setFocus()
        self.search_panel.query.selectAll()

    # -- detail (the rest in ui.detail_flow) ----------------------------------------------------------------
    def _image_ready(self, path: str, px: int, image: QImage) -> None:
        if px == PREVIEW_PX and self.pages.currentWidget() is self.detail:
            self.detail.show_image(path, image)
        elif px == CHIP_PX and self.search_panel.chip.path == path:
            self.search_panel.chip.set_picture(image)

    # -- library --------------------------------------------------------------------------------------------
    def refresh_status(self) -> None:
        """Reload folders, counts, failures and filter choices in the background (coalesced)."""
        if self._status_running:
            self._status_pending = True
            return
        self._status_running = True
        self._last_refresh = time.monotonic()
        run_task(lambda: (self.library.status(), self.library.filter_choices()), self._status_ready,
                 lambda msg: self._status_done(), parent=self)

    def _status_ready(self, result) -> None:
        status, (cameras, types) = result
        self.panel.set_library_status(status)
        self.search_panel.filters.set_choices([f.path for f in status.folders], cameras, types)
        self._folders, self._indexed = len(status.folders), status.files[FileStatus.INDEXED]
        self._library_model = next((m.spec for m in reversed(status.models) if m.spec), "")
        self._models = list(status.models)
        self._reads_text = status.text.enabled if status.text is not None and not status.read_only else None
        self._show_summary()
        if self.search_panel.request() is None:
            self.search_panel.set_empty(Empty.NO_FOLDERS if not self._folders else Empty.NO_QUERY)
        self._status_done()

    def _status_done(self) -> None:
        self._status_running = False
        if self._status_pending:
            self._status_pending = False
            self.refresh_status()

    def _change_folders(self, change) -> None:
        def done(result) -> None:
            for warning in getattr(result, "warnings", ()):
                self.statusBar().showMessage(warning, 8000)
            self.refresh_status()
            if self.start_indexing:
                self.indexing.restart(self.settings.model or None)  # scan the new folder now, not at the next check

        run_task(change, done, lambda msg: QMessageBox.warning(self, "PhotoSearch", msg), parent=self)

    def _remove_folder(self, path: str) -> None:
        answer = QMessageBox.question(
            self, self.tr("Remove folder"),
            self.tr("Remove {0} from the library? The photos stay on disk; only the index forgets them.").format(
                display_path(path)))
        if answer == QMessageBox.StandardButton.Yes:
            self._change_folders(lambda: self.library.remove_folder(path))

    def _index_status(self, status: IndexStatus) -> None:
        self.panel.set_index_status(status)
        self._show_summary()

    def _show_summary(self) -> None:
        """The status bar: how many photos are searchable, and what the indexer is doing."""
        counted = self.tr("{0:,} photos indexed").format(self._indexed) if self._folders else self.tr("No folders yet")
        parts = [counted, self.panel.state.text()] + ([self.panel.text_state.text()] if self.panel.text_running else [])
        self.status_label.setText(" \u00b7 ".join(parts))

    def _progress(self, p: Progress) -> None:
        if p.phase == Phase.LOAD:  # a tower being read: say so while it lasts (an 8B LLM takes a minute)
            if p.finished:
                self.statusBar().clearMessage()
            else:
                text = (p.current or "").startswith("text")
                self.statusBar().showMessage(self.tr("Loading the text model\u2026") if text else
                                             self.tr("Loading the image model\u2026"))
            return
        self.panel.set_progress(p)
        self._show_summary()
        if p.phase in (Phase.INDEX, Phase.BACKFILL, Phase.SCAN, Phase.TEXT) and (
                p.finished or time.monotonic() - self._last_refresh > REFRESH_S):
            self.refresh_status()
            grid = self.search_panel.grid
            at_top = grid.verticalScrollBar().value() == 0 and not grid.selectionModel().hasSelection()
            if p.phase != Phase.SCAN and at_top and self.pages.currentWidget() is self.search_panel \
                    and self.search_panel.request() is not None:
                self.run_search(keep_position=True)  # results appear as photos are indexed

    # -- tools and life cycle (settings in ui.settings_flow) ------------------------------------------------
    def open_finetune(self) -> None:
        from ui.finetune_window import FinetuneWindow

        if self.finetune is None:
            self.finetune = FinetuneWindow(self.settings.model or self._library_model, parent=self)
            self.finetune.use_model.connect(self.use_model)
        self.finetune.show()
        self.finetune.raise_()

    def _about(self) -> None:
        QMessageBox.about(self, self.tr("About PhotoSearch"), self.tr(
            "PhotoSearch finds photos in your own library from a description, a whole paragraph in any "
            "language, with LLM2CLIP and Long-CLIP. Everything runs on this computer."))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if image_paths(event.mimeData()) or event.mimeData().hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        photos = image_paths(event.mimeData())
        if photos:
            self.search_by(photos[0])
            event.acceptProposedAction()
        elif event.mimeData().hasImage():
            from ui.query_box import save_pasted_image

            self.search_by(save_pasted_image(QImage(event.mimeData().imageData())))
            event.acceptProposedAction()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.finetune is not None and not self.finetune.close():  # a run is going and the user keeps it
            event.ignore()
            return
        self.qsettings.setValue("geometry", self.saveGeometry())
        self.indexing.stop()
        self.search.close()
        self.thumbnails.clear_queue()
        self.thumbnails.wait(5000)
        super().closeEvent(event)
