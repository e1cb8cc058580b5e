"""The main window's detail job: one result opened large, stepping through the results, and a tile's actions.

A mixin of `MainWindow` (it uses the window's results, pages, thumbnails and library), kept apart so that
main_window.py stays a router. It asks for no translated strings.
"""
from __future__ import annotations

from PySide6.QtWidgets import QStackedWidget

from photosearch.library import Library
from ui.bridge import run_task
from ui.desktop_actions import DesktopActions
from ui.detail_view import PREVIEW_PX, DetailView
from ui.results_model import ResultsModel
from ui.search_panel import SearchPanel
from ui.thumbnails import ThumbnailLoader


class DetailFlow:
    library: Library
    actions: DesktopActions
    thumbnails: ThumbnailLoader
    results: ResultsModel
    search_panel: SearchPanel
    detail: DetailView
    pages: QStackedWidget

    def show_detail(self, row: int) -> None:
        result = self.results.result(row)
        if result is None:
            return
        self.search_panel.grid.setCurrentIndex(self.results.index(row))
        self.detail.show_result(result)
        self.pages.setCurrentWidget(self.detail)
        self.detail.setFocus()
        image = self.thumbnails.get(result.path, PREVIEW_PX)
        if image is not None:
            self.detail.show_image(result.path, image)
        run_task(lambda: self.library.photo_details(result.path), self.detail.show_details, parent=self)
        run_task(lambda: self._photo_text(result.path, result.matched), lambda r: self.detail.show_text(*r),
                 parent=self)

    def _photo_text(self, path: str, matched: tuple[str, ...]) -> tuple:
        """(path, the words read in the photo, the boxes of the words the search matched): a worker's job."""
        text = self.library.photo_text(path)
        return path, text, text.highlights(matched) if text is not None and matched else []

    def show_grid(self) -> None:
        if self.pages.currentWidget() is not self.search_panel:
            self.pages.setCurrentWidget(self.search_panel)
            self.search_panel.grid.setFocus()

    def _navigate(self, step: int) -> None:
        row = self.search_panel.grid.currentIndex().row() + step
        if 0 <= row < self.results.rowCount():
            self.show_detail(row)

    def _thumbnail_failed(self, path: str, why: str) -> None:
        self.detail.show_image(path, None, why)
        if why == "missing":  # the library hears of it now, not at the next scan
            run_task(lambda: self.library.report_missing(path), parent=self)

    def _tile_action(self, action: str, path: str) -> None:
        if action == "details":
            rows = [r for r in range(self.results.rowCount()) if self.results.result(r).path == path]
            if rows:
                self.show_detail(rows[0])
        elif action == "open":
            self.actions.open(path)
        elif action == "reveal":
            self.actions.reveal(path)
        elif action == "copy":
            self.actions.copy_path(path)
        elif action == "similar":
            self.search_by(path)
