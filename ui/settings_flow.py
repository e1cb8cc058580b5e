"""The main window's settings job: the Settings dialog and what it changes (the model searched and indexed with,
reading words inside photos, the thumbnail cache), and removing a model.

A mixin of `MainWindow`. Its one visible string is asked for with `QCoreApplication.translate("MainWindow", ...)`:
Qt's translation context is a class name, and `self.tr` here would make pyside6-lupdate file the string under
"SettingsFlow" while the .ts files translate it under "MainWindow".
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QMessageBox

from photosearch.factory import Preset
from photosearch.library import Library, ModelState, RemovedModel
from ui.bridge import run_task
from ui.index_service import PROGRAM, IndexService
from ui.search_service import SearchService
from ui.settings import AppSettings
from ui.settings_dialog import SettingsDialog
from ui.thumbnails import ThumbnailLoader


class SettingsFlow:
    library: Library
    settings: AppSettings
    qsettings: QSettings
    presets: list[Preset]
    start_indexing: bool
    search: SearchService
    indexing: IndexService
    thumbnails: ThumbnailLoader
    _library_model: str
    _models: list[ModelState]
    _reads_text: bool | None

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self.presets, self._library_model, self, models=self._models,
                                reads_text=self._reads_text)
        dialog.remove_requested.connect(lambda model_id: self.remove_model(model_id, dialog))
        if dialog.exec() != SettingsDialog.DialogCode.Accepted:
            return
        new = dialog.chosen()
        model_changed = new.model != self.settings.model
        self.settings = new
        new.save(self.qsettings)
        self.search.set_idle_unload(new.idle_unload_min)
        self.thumbnails.disk.budget_bytes = new.thumb_cache_mb << 20
        run_task(self.thumbnails.disk.prune, parent=self)
        reads_text = dialog.reads_text()
        if reads_text is not None and reads_text != self._reads_text:
            self.set_reads_text(reads_text, new.model if model_changed else None)
        elif model_changed:
            self.use_model(new.model)

    def set_reads_text(self, on: bool, new_model: str | None = None) -> None:
        """Turn reading the words inside photos on or off for this library (every indexer of it follows, also
        `photosearch watch`); the app's indexer starts again so that it takes effect now."""
        def done(_: object) -> None:
            self._reads_text = on
            self.refresh_status()
            if new_model is not None:
                self.use_model(new_model)  # restarts indexing too
            elif self.start_indexing:
                self.indexing.restart(self.settings.model or None)

        run_task(lambda: self.library.set_reads_text(on), done,
                 lambda msg: QMessageBox.warning(self, "PhotoSearch", msg), parent=self)

    def use_model(self, spec: str) -> None:
        """Search with `spec` from now on; the library indexes with it beside the old model (searches keep the
        old one until the new one has caught up)."""
        if spec != self.settings.model:
            self.settings.model = spec
            self.settings.save(self.qsettings)
        self.search.model = spec
        if self.start_indexing:
            self.indexing.restart(spec or None)

    def remove_model(self, model_id: str, dialog: SettingsDialog | None = None) -> None:
        """Drop a model and its vectors (the user confirmed in Settings). Removing needs the indexer lease, so the
        app's indexing stops for the moment it takes, then starts again with the model the library has left."""
        self.indexing.stop()

        def done(removed: RemovedModel) -> None:
            if dialog is not None:
                dialog.model_removed(removed.model_id)
            if removed.spec and removed.spec == self.settings.model:  # else indexing would register it again
                self.settings.model = ""
                self.settings.save(self.qsettings)
                self.search.model = ""
            self.statusBar().showMessage(QCoreApplication.translate(
                "MainWindow", "Removed the model {0} and its vectors.").format(removed.spec or removed.model_id), 8000)
            self.refresh_status()
            if self.start_indexing and (self.settings.model or removed.others_left):
                self.indexing.start(self.settings.model or None)

        def failed(message: str) -> None:
            QMessageBox.warning(self, "PhotoSearch", message)
            if self.start_indexing:
                self.indexing.start(self.settings.model or None)

        run_task(lambda: self.library.remove_model(model_id, force=True, program=PROGRAM), done, failed, parent=self)
